"""Secrets stay secret: an end-to-end run through the gateway, then every log line of every process,
every mail and every print file is searched for what must not be there.

The journey: two patients created by an operator (one with an email, one with a postal address
only), the first activates with her provisional code and logs in with the code from her mail,
refreshes her session, deposits a document and reads it back; the GP (logged in with his code)
deposits one, writes to her, she answers; the second patient is told of a deposit by letter. And
the refusals, where leaks hide: a wrong provisional code, a wrong password, a wrong login code, a
refused upload, a spent refresh token.

Where each secret may be, and nowhere else:
- a login code: in its own login-code mail, to the address it was sent to;
- a provisional code: in its holder's creation letter (print file) or creation mail;
- a patient's NIR: in her MSSanté address, `<NIR>@patient.mssante.fr` (DOMAIN §10.6, as the real
  service does), so in the headers of the mails the MSSanté bridge relays for her;
- a message's body: in the MSSanté mail that carries it to a professional's MSSanté address;
- tokens (access, refresh, any JWT at all), passwords, the platform's secrets (service client
  secrets, the portal's session key, the private keys), NIRs (those of the run, and any
  15-digit number with a valid NIR key) and the contents of documents and messages: nowhere.
"""
from __future__ import annotations

import base64
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from demo_login import login
from devtools.demo import DEMO_PASSWORD, _nir, _patient, operator_token
from devtools.eventually import eventually
from devtools.print_files import pdf_text
from devtools.smtp_sink import read_mails
from e2e_actors import Actor, deposit

PASSWORD = "Secret-Anemone-2026!"
WRONG_PASSWORD = "Secret-Anemone-2026?"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")
FIFTEEN_DIGITS = re.compile(r"(?<![0-9])[12][0-9]{14}(?![0-9])")
MSSANTE_ADDRESS = re.compile(r"(?<![0-9])[12][0-9]{14}@patient\.mssante\.fr")


@dataclass(frozen=True)
class Output:
    """One thing the run wrote that a person may read: a log line, a mail, a letter of a print file."""

    where: str
    kind: str               # "log", "mail", "letter"
    text: str
    to: str = ""            # a mail's recipients; a letter's recipient id
    subject: str = ""


@dataclass(frozen=True)
class Secret:
    what: str
    value: str
    allowed_in: tuple = ()      # predicates on an Output where this value may be

    def pattern(self) -> re.Pattern:
        """The value not as part of a longer word or number (a code's digits inside a UUID do not count)."""
        return re.compile(rf"(?<![0-9A-Za-z.]){re.escape(self.value)}(?![0-9A-Za-z])")


def valid_nir(digits: str) -> bool:
    return 97 - int(digits[:13]) % 97 == int(digits[13:])


# ---- what the run wrote ----

def log_lines(platform) -> list[Output]:
    files = sorted(platform.log_dir.glob("*.log")) + [platform.var_dir / "pgdata" / "log"]     # PostgreSQL's
    return [Output(f"{path.name}:{number}", "log", line)
            for path in files for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)]


def mail_text(mail: EmailMessage) -> str:
    """Headers and every part decoded (quoted-printable, base64, attachments as text if they are)."""
    parts = [str(mail.get(name, "")) for name in mail.keys()]
    for part in mail.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        parts.append(content if isinstance(content, str) else content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def mails(platform) -> list[Output]:
    return [Output(f"mail {n}", "mail", mail_text(m), str(m["To"]), str(m["Subject"]))
            for n, m in enumerate(read_mails(platform.mail_dir))]


def letters(platform) -> list[Output]:
    """Every letter of every print file (its PDF's text), and each manifest as a whole."""
    found = []
    for path in sorted(platform.letters_dir.rglob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            manifest = archive.read("manifest.json").decode()
            found.append(Output(f"{path.name} manifest", "letter", manifest))
            for entry in json.loads(manifest)["letters"]:
                found.append(Output(f"{path.name} {entry['file']}", "letter", pdf_text(archive.read(entry["file"])),
                                    entry["recipient_id"]))
    return found


def without_mssante_addresses(output: Output) -> Output:
    if output.kind != "mail":
        return output
    return Output(output.where, output.kind, MSSANTE_ADDRESS.sub("<patient address>", output.text), output.to,
                  output.subject)


def leaks(outputs: list[Output], secrets: list[Secret]) -> list[str]:
    outputs = [without_mssante_addresses(o) for o in outputs]
    found = []
    for secret in secrets:
        pattern = secret.pattern()
        found += [f"{secret.what} in {o.where}" for o in outputs
                  if pattern.search(o.text) and not any(allowed(o) for allowed in secret.allowed_in)]
    for o in outputs:
        found += [f"a token (JWT) in {o.where}" for _ in JWT.finditer(o.text)]
        found += [f"a NIR in {o.where}" for n in FIFTEEN_DIGITS.findall(o.text) if valid_nir(n)]
    return found


# ---- the journey ----

def operator(platform):
    return [("authorization", f"Bearer {operator_token(platform.key_file)}")]


def create_patient(platform, order: str, given_name: str, **contact) -> tuple[ipb.CreateAccountResponse, str]:
    nir = _nir("2", _patient()["birth_date"], "13", "055", order)
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(
            **{**_patient(), "nir": nir, "given_name": given_name, "family_name": "Secrete", **contact}),
            metadata=operator(platform), timeout=10)
    return created, nir


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text


def in_mail_to(address: str, subject: str):
    return lambda o: o.kind == "mail" and address in o.to and subject in o.subject


def in_mssante_mail(o: Output) -> bool:
    return o.kind == "mail" and bool(re.search(r"@[a-z.-]*mssante\.fr>?$", o.to))


def in_letter_to(account_id: str):
    return lambda o: o.kind == "letter" and o.to == account_id


@pytest.fixture(scope="module")
def run(platform):
    """The journey; returns the secrets it handled, each with where it may be."""
    secrets: list[Secret] = []
    marker = uuid.uuid4().hex[:12]
    note = f"Glycémie à jeun 1,27 g/L, suivi {marker}-note"
    question, answer = f"Votre HbA1c est à 7,9 % {marker}-question", f"Je prends la metformine {marker}-answer"

    email = f"anemone.{marker}@example.fr"
    created, nir = create_patient(platform, "731", "Anémone", email=email)
    patient_id = created.account.account_id
    secrets += [Secret("her provisional code", created.provisional_code,
                       (in_letter_to(patient_id), in_mail_to(email, ""))), Secret("her NIR", nir)]
    with httpx.Client(base_url=platform.gateway_url, timeout=30) as client:
        activation = {"provisional_code": created.provisional_code, "nir": nir,
                      "vitale_serial": _patient()["vitale_serial"], "login_id": f"anemone.{marker}",
                      "password": PASSWORD, "email": email, "accept_terms": True}
        wrong_code = "WRONG" + created.provisional_code[5:][::-1]
        secrets.append(Secret("a wrong provisional code", wrong_code))
        refused(client.post("/v1/activations", json={**activation, "provisional_code": wrong_code}))
        ok(client.post("/v1/activations", json=activation))
        refused(client.post("/v1/sessions:start", json={"login_id": f"anemone.{marker}", "password": WRONG_PASSWORD}))
        before = len(read_mails(platform.mail_dir))
        challenge = ok(client.post("/v1/sessions:start", json={"login_id": f"anemone.{marker}", "password": PASSWORD}))
        [code] = login_codes(platform, email, before)
        wrong = f"{(int(code.value) + 1) % 1_000_000:06d}"
        refused(client.post("/v1/sessions:complete", json={"challenge_id": challenge["challengeId"], "code": wrong}))
        before = len(read_mails(platform.mail_dir))
        session = login(client, platform.mail_dir, f"anemone.{marker}", PASSWORD, email)
        secrets += [code, *login_codes(platform, email, before)]
        refreshed = ok(client.post("/v1/sessions:refresh", json={"refreshToken": session["refreshToken"]}))
        secrets += [Secret("an access token", t["accessToken"]) for t in (session, refreshed)]
        secrets += [Secret("a refresh token", t["refreshToken"]) for t in (session, refreshed)]
        client.headers["Authorization"] = f"Bearer {refreshed['accessToken']}"

        base = f"/v1/patients/{patient_id}"
        own = ok(client.post(f"{base}/documents", files={
            "metadata": (None, json.dumps({"title": "Mon suivi", "category": "DOCUMENT_CATEGORY_ORD_SOIN"}),
                         "application/json"),
            "file": ("suivi.txt", note.encode(), "text/plain")}))["documentId"]
        assert [d for d in ok(client.get(f"{base}/documents"))["documents"] if d["documentId"] == own]
        assert client.get(f"{base}/documents/{own}:download").text == note
        disguised = f"MZ\x90\x00 {marker}-refused".encode()
        secrets.append(Secret("a refused upload's content", f"{marker}-refused"))
        refused(client.post(f"{base}/documents", files={
            "metadata": (None, json.dumps({"title": "Programme", "category": "DOCUMENT_CATEGORY_ORD_SOIN"}),
                         "application/json"),
            "file": ("suivi.txt", disguised, "text/plain")}))

        gp_login = platform.demo["professionals"]["gp"]
        before = len(read_mails(platform.mail_dir))
        gp = Actor(platform, gp_login["login_id"], gp_login["email"])
        secrets += login_codes(platform, gp_login["email"], before)
        secrets.append(Secret("the GP's access token", gp.client.headers["Authorization"].removeprefix("Bearer ")))
        ok(client.post(f"{base}/care-team", json={"professionalId": gp_login["professional_id"]}))
        deposit(gp, patient_id, "Compte rendu de consultation")
        conversation = ok(gp.client.post(f"{base}/conversations", json={
            "subject": "Vos résultats", "body": question,
            "attachments": [{"file": {"filename": "resultats.txt", "contentType": "text/plain",
                                      "content": base64.b64encode(note.encode()).decode()}}]}))["conversationId"]
        [message] = ok(client.get(f"{base}/conversations/{conversation}/messages"))["messages"]
        assert message["body"] == question
        ok(client.post(f"{base}/conversations/{conversation}/messages", json={"body": answer}))
        assert eventually(lambda: [m for m in read_mails(platform.mail_dir) if email in m["To"]
                                   and m["Subject"] == "Nouveau document"], what="her notice by mail")
        refused(client.post("/v1/sessions:refresh", json={"refreshToken": session["refreshToken"]}))   # spent

    by_letter, other_nir = create_patient(platform, "732", "Bérénice",
                                          postal_address="3 rue des Secrets, 13005 Marseille")
    letter_patient = by_letter.account.account_id
    secrets += [Secret("a provisional code", by_letter.provisional_code, (in_letter_to(letter_patient),)),
                Secret("a NIR", other_nir)]
    deposit(gp, letter_patient, "Compte rendu de consultation")
    eventually(lambda: letter_waits(platform, letter_patient), what="her notice waiting as a letter")
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        batch = notifications_pb2_grpc.NotificationsServiceStub(channel).RunLetterBatch(
            npb.RunLetterBatchRequest(), metadata=operator(platform), timeout=60)
    assert letter_patient in {letter.recipient_id for letter in batch.letters}

    secrets.append(Secret("a document's content", note))
    secrets += [Secret("a message's body", text, (in_mssante_mail,)) for text in (question, answer)]
    secrets += [Secret("a password", p) for p in (PASSWORD, WRONG_PASSWORD, DEMO_PASSWORD, "Lilas-Paris-1946!")]
    secrets += platform_secrets(platform)
    return secrets, created.provisional_code


def login_codes(platform, email: str, before: int) -> list[Secret]:
    """The codes mailed to `email` since the first `before` mails, each allowed in its own mail only."""
    codes = [re.search(r"\b(\d{6})\b", mail_text(m)).group(1) for m in read_mails(platform.mail_dir)[before:]
             if email in m["To"] and "code de connexion" in m["Subject"]]
    assert codes
    return [Secret("a login code", code, (in_mail_to(email, "code de connexion"),)) for code in codes]


def letter_waits(platform, account_id: str) -> bool:
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        reply = notifications_pb2_grpc.NotificationsServiceStub(channel).ListRecipientDeliveries(
            npb.ListRecipientDeliveriesRequest(recipient_id=account_id, event_type="AJOUT_DOCUMENT"),
            metadata=operator(platform), timeout=10)
    return any(d.status.channel == npb.CHANNEL_POSTAL for d in reply.deliveries)


def platform_secrets(platform) -> list[Secret]:
    """The secrets of the platform's configuration: service client secrets, the portal's session
    key, and a line of each private key (PEM)."""
    found = [Secret(f"{name}'s client secret", secret) for name, secret in platform.service_secrets.items()]
    found.append(Secret("the portal's session key", platform.portal_secret_file.read_text().strip()))
    for key in (platform.key_file, platform.audit_key_file, platform.vapid_key_file):
        body = [line for line in key.read_text().splitlines() if not line.startswith("-----")]
        found.append(Secret(f"the private key {key.name}", body[0]))
    return found


def test_no_secret_is_where_it_must_not_be(platform, run):
    secrets, _ = run
    assert leaks(log_lines(platform) + mails(platform) + letters(platform), secrets) == []


def test_the_scan_finds_what_is_there(platform, run):
    """The scan itself: a provisional code is in its creation letter and mail (allowed) and would be
    a leak anywhere else; a JWT and a NIR are found in any output."""
    secrets, provisional = run
    outputs = mails(platform) + letters(platform)
    code = next(s for s in secrets if s.value == provisional)
    assert any(code.pattern().search(o.text) for o in outputs)
    assert leaks(outputs, [Secret(code.what, code.value)])
    nir = next(s.value for s in secrets if s.what == "her NIR")
    fake = [Output("a log line", "log", f"token=eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.sig nir={nir}")]
    assert leaks(fake, []) == ["a token (JWT) in a log line", "a NIR in a log line"]
