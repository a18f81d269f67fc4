"""`make run`: the whole platform on this machine with demo data, until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import threading
from datetime import date
from pathlib import Path

from devtools.demo import seed
from devtools.platform import SERVICES, LocalPlatform


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var-dir", default="var", help="data kept across runs (database, mail, keys)")
    args = parser.parse_args()
    # A print file every minute rather than daily, so that letters can be seen while trying things.
    platform = LocalPlatform(Path(args.var_dir), fixed_ports=True,
                             extra_env={"notifications": {"LETTER_BATCH_INTERVAL_SECONDS": "60"}})
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"Starting PostgreSQL, the SMTP sink, {len(SERVICES)} services, the gateway and the portal…", flush=True)
    with platform:
        demo = seed(platform.address("identity"), platform.key_file, platform.var_dir / "demo.json",
                    platform.address("messaging"), platform.address("profile"))
        patient = demo["patient"]
        lines = [
            "", "Mon espace santé is running.",
            f"  Portal:         {platform.portal_url}   (in a browser: the patient's space; professionals at "
            f"{platform.portal_url}/pro/connexion; the demo mode, no account needed, at {platform.portal_url}/demo)",
            f"  Gateway:        {platform.gateway_url}   (OpenAPI: {platform.gateway_url}/openapi.json)",
            *[f"  {s:<15} {platform.address(s)}  {platform.health(s)}" for s in SERVICES],
            f"  Mail:           every mail lands in {platform.mail_dir}/*.eml",
            f"  MSSanté SMTP:   127.0.0.1:{platform.ports['mssante-smtp']}  (STARTTLS, operator certificate "
            f"{platform.mssante.operator_cert_file}, CA {platform.mssante.ca_file})",
            f"  Documents:      file bytes kept in {platform.documents_dir}/",
            f"  Letters:        print files (PDF letters + manifest), one a minute, in {platform.letters_dir}/",
            f"  Logs:           {platform.log_dir}/", "",
            f"  Demo patient, 80 years old, not activated: {patient['given_name']} {patient['family_name']}",
            f"    provisional code {patient['provisional_code']}   NIR {patient['nir']}   "
            f"Vitale serial {patient['vitale_serial']}",
            f"    activate her space in a browser: {platform.portal_url}/activation (her login code comes by mail)",
            f"    or through the API: .venv/bin/python tests/e2e/demo_login.py {platform.gateway_url}",
            f"    her messages: Dr Bernard wrote « {demo['gp_conversation']['subject']} » (a PDF attached)",
            *([f"    her pharmacy: {demo['pharmacy']['name']} (FINESS {demo['pharmacy']['finess']}, mailbox "
               f"{demo['pharmacy']['mssante_address']})"] if "pharmacy" in demo else []),
            "  Demo people with their own space (password " + demo["password"] + "):",
            *[f"    {label:<44} login {demo[role]['login_id']}" for role, label in (
                ("caregiver", "Sophie Martin, Jacqueline's caregiver"),
                ("parent", "Julien Moreau, Léa's legal representative"),
                ("second_parent", "Camille Durand, Léa's mother (to invite)"))],
            f"    Léa Moreau, 17, turns 18 on {_adult_on(demo['child']['birth_date'])}: "
            "her father switches to her profile",
            f"  Demo professionals (password {demo['password']}; in a browser at {platform.portal_url}/pro/connexion):",
            *[f"    {role:<16} login {p['login_id']:<12} profession {p['profession_code']}  RPPS {p['rpps']}"
              + (f"  MSSanté {p['mssante_address']}" if p.get("mssante_address") else "")
              for role, p in demo["professionals"].items()],
            f"  Demo app of the catalogue: {demo['app']['name']} ({demo['app']['publisher']}), OAuth 2.0 client",
            f"    client_id {demo['app']['client_id']}   client_secret {demo['app']['client_secret']}",
            f"    redirect URI {demo['app']['redirect_uri']}   authorization server metadata "
            f"{platform.gateway_url}/.well-known/oauth-authorization-server",
            "", "Ctrl-C stops everything.",
        ]
        print("\n".join(lines), flush=True)
        stop.wait()
        print("Stopping…", flush=True)
    print("Stopped.")


def _adult_on(birth_date: str) -> str:
    birth = date.fromisoformat(birth_date)
    return (birth.replace(year=birth.year + 18) if (birth.month, birth.day) != (2, 29)
            else date(birth.year + 18, 3, 1)).isoformat()


if __name__ == "__main__":
    main()
