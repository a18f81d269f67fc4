"""Notices through the whole platform: a professional deposits a document through the gateway;
documents relays the event, identity relays who the person is, notifications routes it to the
bell, a letter, an email or a push. A platform of its own, so that the demo patient is still
not activated when the module starts, and push goes to a local Web Push endpoint."""
from __future__ import annotations

import json
import re
import threading

import grpc
import httpx
import pytest
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from demo_login import activate_and_login, login
from devtools.demo import _nir, _patient, operator_token, seed
from devtools.eventually import eventually
from devtools.platform import LocalPlatform
from devtools.print_files import letters_of
from devtools.push_endpoint import PushEndpoint
from devtools.smtp_sink import read_mails, text_of
from e2e_actors import Actor, deposit

NEW_DOCUMENT = "Nouveau document"


@pytest.fixture(scope="module")
def push_endpoint():
    endpoint = PushEndpoint()
    endpoint.start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def space(tmp_path_factory, push_endpoint):
    extra = {"notifications": {"PUSH_ALLOWED_ORIGINS": push_endpoint.origin, "DEFAULT_QUIET_HOURS": "off",
                               "RETRY_BASE_SECONDS": "1"}}
    with LocalPlatform(tmp_path_factory.mktemp("notices"), extra_env=extra, durable=False) as running:
        running.demo = seed(running.address("identity"), running.key_file, running.var_dir / "demo.json")
        wait_until("identity's snapshot of the demo patient",
                   lambda: known_as(running, running.demo["patient"]["account_id"], activated=False))
        gp = running.demo["professionals"]["gp"]
        running.gp = Actor(running, gp["login_id"], gp["email"])
        yield running


def operator(platform):
    return [("authorization", f"Bearer {operator_token(platform.key_file)}")]


def notifications(platform):
    """An operator's stub of notifications (what operators and support see)."""
    channel = grpc.insecure_channel(platform.address("notifications"))
    return channel, notifications_pb2_grpc.NotificationsServiceStub(channel)


def run_letter_batch(platform) -> dict[str, str]:
    """letter id -> text, of the print file made now from every letter waiting."""
    channel, stub = notifications(platform)
    with channel:
        batch = stub.RunLetterBatch(npb.RunLetterBatchRequest(), metadata=operator(platform), timeout=60)
    texts = letters_of(batch) if batch.letter_count else {}
    return {letter.recipient_id: texts[letter.letter_id] for letter in batch.letters}


def wait_until(what: str, probe, timeout: float = 20.0):
    """The outboxes are relayed asynchronously: wait for `probe()` to return something true."""
    return eventually(probe, timeout, interval=0.1, what=what)


def deliveries(platform, account_id: str, event_type: str = "AJOUT_DOCUMENT") -> list[tuple[str, str]]:
    channel, stub = notifications(platform)
    with channel:
        reply = stub.ListRecipientDeliveries(npb.ListRecipientDeliveriesRequest(
            recipient_id=account_id, event_type=event_type), metadata=operator(platform), timeout=10)
    return sorted((npb.Channel.Name(d.status.channel).removeprefix("CHANNEL_"),
                   npb.DeliveryState.Name(d.status.state).removeprefix("DELIVERY_STATE_")) for d in reply.deliveries)


def known_as(platform, account_id: str, **expected) -> bool:
    """Notifications knows the person as `expected` (fields of its GetRecipient answer)."""
    channel, stub = notifications(platform)
    with channel:
        try:
            known = stub.GetRecipient(npb.GetRecipientRequest(account_id=account_id), metadata=operator(platform),
                                      timeout=10)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return False
            raise
    return all(getattr(known, k) == v for k, v in expected.items())


def mails_to(platform, address: str, subject: str) -> list:
    return [m for m in read_mails(platform.mail_dir) if address in m["To"] and m["Subject"] == subject]


def new_patient(platform, order: str, given_name: str, **contact) -> ipb.CreateAccountResponse:
    birth = _patient()["birth_date"]
    with grpc.insecure_channel(platform.address("identity")) as channel:
        return identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(
            **{**_patient(), "nir": _nir("2", birth, "75", "056", order), "given_name": given_name, **contact}),
            metadata=operator(platform), timeout=10)


def test_the_demo_patient_gets_a_bell_item_and_a_letter_then_an_email_once_she_has_one(space):
    patient = space.demo["patient"]
    patient_id = patient["account_id"]
    caregiver = space.demo["caregiver"]
    sophie = Actor(space, caregiver["login_id"], caregiver["email"])

    def counted_for_sophie() -> set[str]:
        return {c["profileId"] for c in sophie.client.get("/v1/notifications/unread-counts").json()["counts"]}
    wait_until("notifications knowing her caregiver (identity's links snapshot)",
               lambda: patient_id in counted_for_sophie())

    # Not activated, no email, a postal address: the deposit becomes a bell item and a letter.
    deposit(space.gp, patient_id, "Compte rendu de consultation", "11488-4")
    assert wait_until("the letter of the first deposit", lambda: deliveries(space, patient_id)) == \
        [("POSTAL", "PENDING")]
    letters = run_letter_batch(space)
    assert NEW_DOCUMENT in letters[patient_id] and "Jacqueline Martin" in letters[patient_id]
    assert "Code provisoire" in letters[patient_id]          # the creation letter of the same day, same envelope
    assert deliveries(space, patient_id) == [("POSTAL", "SENT")]
    # Her caregiver (demo data) is told by email as the one who helps her (DOMAIN §3.4); nobody else.
    assert {channel for channel, _ in wait_until("her caregiver's email", lambda: deliveries(
        space, caregiver["account_id"]))} == {"EMAIL"}
    assert not [m for m in read_mails(space.mail_dir) if m["Subject"] == NEW_DOCUMENT and caregiver["email"] not in m["To"]]

    # She activates with her email: the next deposit is mailed to her, and no letter waits.
    session, _ = activate_and_login(space.gateway_url, space.mail_dir, patient)
    wait_until("identity's activation reaching notifications",
               lambda: known_as(space, patient_id, activated=True, email="jacqueline.martin@example.fr"))
    deposit(space.gp, patient_id, "Résultats de biologie", "11502-2")
    (mail,) = wait_until("the email of the second deposit",
                         lambda: mails_to(space, "jacqueline.martin@example.fr", NEW_DOCUMENT))
    assert "Jacqueline" in text_of(mail) and "Paul Bernard" in text_of(mail)
    assert patient_id not in run_letter_batch(space)

    # Her bell kept both notices, the one from before activation too.
    bell = httpx.get(f"{space.gateway_url}/v1/profiles/{patient_id}/notifications",
                     headers={"Authorization": f"Bearer {session['accessToken']}"}).json()["notifications"]
    assert [n["title"] for n in bell if n["eventType"] == "AJOUT_DOCUMENT"] == [NEW_DOCUMENT, NEW_DOCUMENT]


def test_an_address_the_mail_server_refuses_is_marked_bad_and_notices_go_by_letter(space):
    address = "louise.refusee@example.fr"
    space.smtp.handler.refuse.add(address)
    patient_id = new_patient(space, "401", "Louise", email=address).account.account_id
    # The creation notice is mailed first: 550, the address is marked bad, the notice becomes a letter.
    assert wait_until("the creation notice falling back to a letter",
                      lambda: ("POSTAL", "PENDING") in deliveries(space, patient_id, "ACCOUNT_CREATED"))
    assert deliveries(space, patient_id, "ACCOUNT_CREATED") == [("EMAIL", "FELL_BACK"), ("POSTAL", "PENDING")]
    assert known_as(space, patient_id, email=address, email_bad=True)
    # Later notices go straight to the letter.
    deposit(space.gp, patient_id, "Compte rendu de consultation", "11488-4")
    assert wait_until("the deposit's letter", lambda: deliveries(space, patient_id)) == [("POSTAL", "PENDING")]
    letters = run_letter_batch(space)
    assert NEW_DOCUMENT in letters[patient_id] and "Code provisoire" in letters[patient_id]
    assert not mails_to(space, address, NEW_DOCUMENT)


PASSWORD = "Lilas-Paris-1946!"


def activated_and_logged_in(space, client: httpx.Client, order: str, given_name: str, email: str) -> str:
    """A new patient who activates her space through the gateway; `client` then carries her token."""
    created = new_patient(space, order, given_name)
    activation = client.post("/v1/activations", json={
        "nir": _nir("2", _patient()["birth_date"], "75", "056", order), "vitale_serial": _patient()["vitale_serial"],
        "provisional_code": created.provisional_code, "login_id": f"{given_name.lower()}.{order}",
        "password": PASSWORD, "email": email, "accept_terms": True})
    assert activation.status_code == 200, activation.text
    session = login(client, space.mail_dir, f"{given_name.lower()}.{order}", PASSWORD, email)
    client.headers["Authorization"] = f"Bearer {session['accessToken']}"
    return created.account.account_id


def test_a_deposit_reaches_the_bell_stream_and_the_registered_phone(space, push_endpoint):
    with httpx.Client(base_url=space.gateway_url, timeout=30) as client:
        patient_id = activated_and_logged_in(space, client, "402", "Rose", "rose.martin@example.fr")
        push_endpoint.vapid_public_key = client.get("/v1/notifications/push-config").json()["vapidPublicKey"]
        subscription = push_endpoint.subscribe()
        registered = client.post(f"/v1/accounts/{patient_id}/push-devices", json={
            "endpoint": subscription.endpoint, "p256dh": subscription.p256dh, "auth": subscription.auth_b64,
            "platform": "WEB"})
        assert registered.status_code == 200, registered.text
        wait_until("her activation reaching notifications", lambda: known_as(space, patient_id, activated=True))

        streamed: list[dict] = []

        def watch():
            with client.stream("GET", "/v1/notifications:watch") as response:
                for line in response.iter_lines():
                    if line.strip() and "result" in json.loads(line):         # not a heartbeat
                        streamed.append(json.loads(line)["result"])
                        return
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        def streamed_deposit():
            # The watch shows items created after it started at notifications, which a client cannot
            # see happen: deposit until a notice comes through the open stream.
            deposit(space.gp, patient_id, "Compte rendu de consultation", "11488-4")
            return wait_until("the deposit streamed", lambda: streamed, timeout=5)
        item = eventually(streamed_deposit, timeout=60, interval=0, what="a deposit streamed")[0]
    assert (item["profileId"], item["eventType"], item["title"]) == (patient_id, "AJOUT_DOCUMENT", NEW_DOCUMENT)
    received = wait_until("the push", lambda: [r for r in push_endpoint.received if r.sub_id == subscription.sub_id])
    assert push_endpoint.failures == []
    assert received[0].payload["title"] == NEW_DOCUMENT and received[0].payload["profile_id"] == patient_id


def test_after_changing_her_email_with_a_code_the_next_notice_goes_to_the_new_address(space):
    old, new = "iris.ancienne@example.fr", "iris.nouvelle@example.fr"
    with httpx.Client(base_url=space.gateway_url, timeout=30) as client:
        patient_id = activated_and_logged_in(space, client, "403", "Iris", old)
        started = client.post("/v1/accounts/me/email:startChange", json={"newEmail": new, "password": PASSWORD})
        assert started.status_code == 200, started.text
        (mail,) = wait_until("the confirmation code", lambda: [m for m in read_mails(space.mail_dir)
                                                               if new in m["To"]])
        code = re.search(r"\b(\d{6})\b", text_of(mail)).group(1)
        confirmed = client.post("/v1/accounts/me/email:confirmChange",
                                json={"changeId": started.json()["changeId"], "code": code})
        assert confirmed.status_code == 200 and confirmed.json()["email"] == new
    wait_until("the new address reaching notifications", lambda: known_as(space, patient_id, email=new))
    deposit(space.gp, patient_id, "Compte rendu de consultation", "11488-4")
    wait_until("the notice at the new address", lambda: mails_to(space, new, NEW_DOCUMENT))
    assert not mails_to(space, old, NEW_DOCUMENT)
