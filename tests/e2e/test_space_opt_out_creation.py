"""Runs after test_parents_journey (its name sorts later): moving identity's clock six weeks brings the
demo Léa to her 18th birthday, which ends her father's representation. Acceptance 1 of issue 14 through the gateway: three people announced by the insurer's feed
without an email get their creation letter in the print file; the first opposes online (a wrong code
first: refused, nothing changed) and receives the proof, then its letter; the third activates before
the deadline and her space exists at once; identity's clock then moves six weeks on and the second,
untouched, gets her space, while the opposed one stays without."""
from __future__ import annotations

import base64
import io

import grpc
import httpx
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc
from pypdf import PdfReader

from devtools.demo import DEMO_PASSWORD, _nir, _years_ago, operator_token
from devtools.eventually import eventually
from devtools.print_files import letters_of

SERIAL = "40777000000"
PEOPLE = {"opposes": ("Yvette", "710"), "untouched": ("Odette", "711"), "activates": ("Ginette", "712")}


def operator(platform):
    return [("authorization", f"Bearer {operator_token(platform.key_file)}")]


def identity(platform):
    channel = grpc.insecure_channel(platform.address("identity"))
    return channel, identity_pb2_grpc.IdentityServiceStub(channel)


def letters(platform) -> dict[str, str]:
    """recipient id -> text, of the print file made now from every letter waiting."""
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        batch = notifications_pb2_grpc.NotificationsServiceStub(channel).RunLetterBatch(
            npb.RunLetterBatchRequest(), metadata=operator(platform), timeout=60)
    texts = letters_of(batch) if batch.letter_count else {}
    return {letter.recipient_id: texts[letter.letter_id] for letter in batch.letters}


def planned(platform, account_id: str, event_type: str) -> list:
    with grpc.insecure_channel(platform.address("notifications")) as channel:
        return list(notifications_pb2_grpc.NotificationsServiceStub(channel).ListRecipientDeliveries(
            npb.ListRecipientDeliveriesRequest(recipient_id=account_id, event_type=event_type),
            metadata=operator(platform), timeout=10).deliveries)


def status(platform, account_id: str) -> int:
    channel, stub = identity(platform)
    with channel:
        return stub.GetAccount(ipb.GetAccountRequest(account_id=account_id), metadata=operator(platform),
                               timeout=10).status


def test_feed_letter_opposition_creation_after_six_weeks_and_at_activation(platform, gateway: httpx.Client):
    birth = _years_ago(58)
    people = [ipb.CreateAccountRequest(nir=_nir("2", birth, "13", "055", order), vitale_serial=SERIAL,
                                       given_name=given, family_name="Roux", birth_date=birth, sex=ipb.SEX_FEMALE,
                                       postal_address=f"{order} boulevard Longchamp, 13001 Marseille")
              for given, order in PEOPLE.values()]
    channel, stub = identity(platform)
    with channel:
        reply = stub.ImportInsurerFeed(ipb.ImportInsurerFeedRequest(people=people), metadata=operator(platform),
                                       timeout=30)
    assert reply.announced == 3
    announced = dict(zip(PEOPLE, reply.results))
    ids = {role: r.account_id for role, r in announced.items()}
    assert {status(platform, i) for i in ids.values()} == {ipb.ACCOUNT_STATUS_PENDING}

    # without an email, the creation notice is a letter with her code
    for account_id in ids.values():
        eventually(lambda: planned(platform, account_id, "ACCOUNT_CREATED"), 30, what="the creation notice")
    printed = letters(platform)
    for role, result in announced.items():
        assert result.provisional_code in printed[ids[role]] and "Roux" in printed[ids[role]]

    # she opposes online: a wrong code first changes nothing
    opposing = announced["opposes"]
    proofs = {"provisional_code": opposing.provisional_code, "nir": opposing.nir, "vitale_serial": SERIAL}
    refused = gateway.post("/v1/oppositions", json={**proofs, "provisional_code": "AAAA-BBBB-CCCC"})
    assert refused.status_code == 403 and refused.json()["reason"] == "OPPOSITION_REFUSED"
    assert status(platform, ids["opposes"]) == ipb.ACCOUNT_STATUS_PENDING
    opposed = gateway.post("/v1/oppositions", json=proofs)
    assert opposed.status_code == 200, opposed.text
    proof = base64.b64decode(opposed.json()["proofPdf"])
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(proof)).pages)
    assert "Yvette Roux" in text and "ne sera pas créé" in text and "en ligne" in text
    assert status(platform, ids["opposes"]) == ipb.ACCOUNT_STATUS_OPPOSED
    eventually(lambda: planned(platform, ids["opposes"], "OPPOSITION_ENREGISTREE"), 30, what="the opposition notice")
    assert "Opposition enregistrée le" in letters(platform)[ids["opposes"]]

    # the third activates before the deadline: her space exists at once
    activating = announced["activates"]
    activated = gateway.post("/v1/activations", json={
        "provisional_code": activating.provisional_code, "nir": activating.nir, "vitale_serial": SERIAL,
        "login_id": "ginette.roux", "password": DEMO_PASSWORD, "email": "ginette.roux@example.fr",
        "accept_terms": True})
    assert activated.status_code == 200, activated.text
    assert activated.json()["account"]["status"] == "ACCOUNT_STATUS_ACTIVE"

    # six weeks later, the untouched one has her space; the opposed one still has none
    clock = platform.var_dir / "identity-clock-offset"
    clock.write_text(str((6 * 7 + 1) * 86400))
    try:
        eventually(lambda: status(platform, ids["untouched"]) == ipb.ACCOUNT_STATUS_CREATED, 30,
                   what="the space created six weeks after the notice")
    finally:
        clock.write_text("0")
    assert status(platform, ids["opposes"]) == ipb.ACCOUNT_STATUS_OPPOSED
    assert status(platform, ids["activates"]) == ipb.ACCOUNT_STATUS_ACTIVE
    # an opposition is answered again with the same proof; not for a space that exists
    assert base64.b64decode(gateway.post("/v1/oppositions", json=proofs).json()["proofPdf"]) == proof
    untouched = announced["untouched"]
    late = gateway.post("/v1/oppositions", json={"provisional_code": untouched.provisional_code, "nir": untouched.nir,
                                                 "vitale_serial": SERIAL})
    assert late.json()["reason"] == "SPACE_EXISTS", late.text
