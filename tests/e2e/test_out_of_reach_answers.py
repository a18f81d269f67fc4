"""No answer tells whether an id exists (issue 10, point 8), through the gateway: for what is out of
the caller's reach, the problem JSON is the one of an id that exists nowhere (all but its request id)."""
from __future__ import annotations

import itertools
import time

import grpc
import httpx
import pytest
from mes.audit.v1 import audit_pb2, audit_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.demo import operator_token
from devtools.eventually import eventually
from e2e_actors import Actor, deposit

NOWHERE = "00000000-0000-4000-8000-000000000000"
_serial = itertools.count(int(time.time()) % 900)       # NIR order numbers of the patients made here


def problem(response: httpx.Response) -> tuple[int, str, dict]:
    """What the caller learns: status, content type and the problem document but its request id."""
    body = response.json()
    body.pop("request_id", None)
    return response.status_code, response.headers["content-type"], body


def document_routes(client: httpx.Client, patient_id: str, document_id: str) -> dict[str, httpx.Response]:
    base = f"/v1/patients/{patient_id}/documents"
    return {
        "get": client.get(f"{base}/{document_id}"),
        "download": client.get(f"{base}/{document_id}:download"),
        "update": client.patch(f"{base}/{document_id}", json={"title": "Autre titre"}),
        "visibility": client.post(f"{base}/{document_id}:setVisibility", json={"masked": True}),
        "delete": client.delete(f"{base}/{document_id}"),
        "batch_delete": client.post(f"{base}:batchDelete", json={"documentIds": [document_id]}),
    }


def assert_alike(client: httpx.Client, patient_id: str, document_id: str, *others: tuple[str, str]) -> dict:
    theirs = {name: problem(r) for name, r in document_routes(client, patient_id, document_id).items()}
    for other_patient, other_document in others or ((patient_id, NOWHERE),):
        assert {name: problem(r) for name, r in document_routes(client, other_patient, other_document).items()} == theirs
    assert all(status in (403, 404) for status, _, _ in theirs.values()), theirs
    return theirs


@pytest.fixture(scope="module")
def people(platform, patient_session):
    demo = platform.demo
    gp = Actor(platform, demo["professionals"]["gp"]["login_id"], demo["professionals"]["gp"]["email"])
    physio = Actor(platform, demo["professionals"]["physiotherapist"]["login_id"],
                   demo["professionals"]["physiotherapist"]["email"])
    patient = httpx.Client(base_url=platform.gateway_url, timeout=30,
                           headers={"Authorization": f"Bearer {patient_session[0]['accessToken']}"})
    yield demo["patient"]["account_id"], patient, gp, physio
    patient.close()


def _other_patient(platform) -> str:
    """A second patient, created by the insurer's feed (never activated)."""
    stamp = next(_serial)
    birth = "1971-03-15"
    body = f"2{birth[2:4]}{birth[5:7]}75056{stamp:03d}"
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(
            nir=body + f"{97 - int(body) % 97:02d}", vitale_serial=f"4{stamp:010d}", given_name="Lucie",
            family_name="Autre", birth_date=birth, sex=ipb.SEX_FEMALE, postal_address="1 rue Haute, 75004 Paris"),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10)
    return created.account.account_id


def test_another_patients_document_answers_as_one_that_does_not_exist(platform, people):
    _, patient, gp, _ = people
    other = _other_patient(platform)
    theirs = deposit(gp, other, "CR de consultation", "11488-4")
    answers = assert_alike(patient, other, theirs, (other, NOWHERE), (NOWHERE, NOWHERE))
    assert answers["get"][2]["code"] == "PERMISSION_DENIED"
    assert gp.read(other, theirs).json()["title"] == "CR de consultation"      # nothing changed


def test_a_masked_document_answers_a_professional_as_a_missing_one(platform, people):
    _, _, gp, physio = people
    other = _other_patient(platform)
    report = deposit(gp, other, "Bilan fonctionnel", "47420-5")
    masked = gp.client.post(f"/v1/patients/{other}/documents/{report}:setVisibility", json={"masked": True})
    assert masked.status_code == 200, masked.text              # the author masks at the patient's request
    assert_alike(physio.client, other, report)
    assert gp.read(other, report).json()["visibility"]["masked"] is True


def test_an_embargoed_document_answers_the_patient_as_a_missing_one(people):
    patient_id, patient, gp, _ = people
    result = deposit(gp, patient_id, "Résultat d'anatomopathologie", "11526-1")
    hidden = gp.client.post(f"/v1/patients/{patient_id}/documents/{result}:setVisibility",
                            json={"hiddenFromPatient": True})
    assert hidden.status_code == 200, hidden.text
    answers = assert_alike(patient, patient_id, result)
    assert answers["get"][:2] == (404, "application/problem+json")
    assert answers["get"][2]["detail"] == "Document introuvable" and "reason" not in answers["get"][2]


def test_another_persons_notification_answers_as_a_missing_one(platform, people):
    patient_id, patient, gp, _ = people
    deposit(gp, patient_id, "CR de consultation", "11488-4")       # gives her a bell item

    def first_item() -> str:
        listed = patient.get(f"/v1/profiles/{patient_id}/notifications", params={"pageSize": 1})
        assert listed.status_code == 200, listed.text
        items = listed.json().get("notifications", [])
        assert items, "no bell item yet"
        return items[0]["notificationId"]
    item = eventually(first_item, what="a bell item")
    for ask in (lambda n: gp.client.post(f"/v1/notifications/{n}:mark", json={"read": True}),
                lambda n: gp.client.delete(f"/v1/notifications/{n}")):
        assert problem(ask(item)) == problem(ask(NOWHERE))


def test_another_patients_folders_activity_and_account_answer_as_ones_that_do_not_exist(platform, people):
    patient_id, patient, gp, _ = people
    other = _other_patient(platform)
    deposit(gp, other, "CR de consultation", "11488-4")
    with grpc.insecure_channel(platform.address("audit")) as channel:
        found = eventually(lambda: audit_pb2_grpc.AuditServiceStub(channel).SearchRecords(
            audit_pb2.SearchRecordsRequest(patient_id=other, page_size=10),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")], timeout=10).records,
            what="a record in her trail")
    record = found[0].record_id

    def alike(*paths: str) -> None:
        answers = [problem(patient.request(method, path, **({"json": {"name": "x"}} if method == "PATCH" else {})))
                   for method, path in (p.split(" ", 1) for p in paths)]
        assert all(answer == answers[0] for answer in answers), answers
        assert answers[0][0] in (403, 404)

    alike(f"PATCH /v1/patients/{other}/folders/{NOWHERE}", f"PATCH /v1/patients/{NOWHERE}/folders/{NOWHERE}")
    alike(f"DELETE /v1/patients/{other}/folders/{NOWHERE}", f"DELETE /v1/patients/{NOWHERE}/folders/{NOWHERE}")
    alike(f"GET /v1/patients/{other}/activity/{record}", f"GET /v1/patients/{other}/activity/{NOWHERE}",
          f"GET /v1/patients/{NOWHERE}/activity/{NOWHERE}")
    alike(f"GET /v1/patients/{patient_id}/activity/{record}", f"GET /v1/patients/{patient_id}/activity/{NOWHERE}")
    alike(f"GET /v1/accounts/{other}", f"GET /v1/accounts/{NOWHERE}")
    alike(f"GET /v1/patients/{other}/access-settings", f"GET /v1/patients/{NOWHERE}/access-settings")
