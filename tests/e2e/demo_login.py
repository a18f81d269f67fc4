"""Activate the demo patient through the gateway, log in with password + the code read from
the delivered mail, and read her own account.

Usage against `make run`:  .venv/bin/python tests/e2e/demo_login.py http://127.0.0.1:8080
The end-to-end tests import `activate_and_login` and run it against their own platform.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from devtools.eventually import eventually  # noqa: E402
from devtools.smtp_sink import read_mails, text_of  # noqa: E402

LOGIN_ID = "jacqueline.martin"
EMAIL = "jacqueline.martin@example.fr"
PASSWORD = "Lilas-Paris-1946!"


def wait_for_code(mail_dir: Path, email: str, after: int, timeout: float = 10.0) -> str:
    """The 6-digit code of the newest login-code mail to `email` among those beyond the first `after`
    (other notices may reach the same address meanwhile)."""
    def code() -> str | None:
        mails = [m for m in read_mails(mail_dir)[after:]
                 if email in m["To"] and "code de connexion" in m["Subject"]]
        match = re.search(r"\b(\d{6})\b", text_of(mails[-1])) if mails else None
        return match.group(1) if match else None
    return eventually(code, timeout, what=f"a code mailed to {email}")


def login(client: httpx.Client, mail_dir: Path, login_id: str, password: str, email: str) -> dict:
    before = len(read_mails(mail_dir))
    started = client.post("/v1/sessions:start", json={"login_id": login_id, "password": password})
    started.raise_for_status()
    code = wait_for_code(mail_dir, email, before)
    session = client.post("/v1/sessions:complete",
                          json={"challenge_id": started.json()["challengeId"], "code": code})
    session.raise_for_status()
    return session.json()


def activate_and_login(gateway_url: str, mail_dir: Path, patient: dict) -> tuple[dict, dict]:
    """Return (session, account) for the demo patient; activates her first if needed."""
    with httpx.Client(base_url=gateway_url, timeout=30) as client:
        activated = client.post("/v1/activations", json={
            "provisional_code": patient["provisional_code"], "nir": patient["nir"],
            "vitale_serial": patient["vitale_serial"], "login_id": LOGIN_ID, "password": PASSWORD,
            "email": EMAIL, "accept_terms": True})
        if activated.status_code != 200 and activated.json().get("reason") != "ACTIVATION_REFUSED":
            activated.raise_for_status()
        session = login(client, mail_dir, LOGIN_ID, PASSWORD, EMAIL)
        account = client.get("/v1/accounts/me", headers={"Authorization": f"Bearer {session['accessToken']}"})
        account.raise_for_status()
        return session, account.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gateway_url", nargs="?", default="http://127.0.0.1:8080")
    parser.add_argument("--var-dir", default="var", type=Path)
    args = parser.parse_args()
    patient = json.loads((args.var_dir / "demo.json").read_text())["patient"]
    _, account = activate_and_login(args.gateway_url, args.var_dir / "mail", patient)
    print(f"GET /v1/accounts/me -> 200\n{json.dumps(account, indent=2, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
