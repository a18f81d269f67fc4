"""Demo people, created through identity's operator RPCs (the insurer's feed stand-in).

Kept in var/demo.json so that the provisional code printed on the first run stays valid on
later runs (the data folder is kept across runs). The patient has her GP (médecin traitant) and her
physiotherapist in her care team, as she would have added them: normal-mode reads need it (DOMAIN
§10.2); the pharmacist is not in it. Her daughter Sophie is her caregiver (an accepted caregiving).
A family: Léa, 17, turns 18 three weeks after the first run; her father Julien is the legal
representative the insurer knows; Camille, her mother, has her own activated space and is not her
representative yet (Julien invites her, DOMAIN §3.3).
Her GP has written to her through messaging (a short message with a PDF attached, her bell rings),
and one pharmacy of the directory, with its organisational MSSanté mailbox, is in her reimbursement
history ("déjà fréquentée"). The catalogue holds one referenced app, the glucose meter GlycoSuivi
(devtools.demo_catalogue), whose client id and secret are kept here too."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc
from mes.messaging.v1 import messaging_pb2 as mpb
from mes.messaging.v1 import messaging_pb2_grpc

from devtools.demo_catalogue import seed_catalogue
from devtools.demo_profile import seed_profile
from devtools.samples import blank_pdf
from meskit.auth import OPERATOR, PATIENT, PROFESSIONAL, Caller, TokenSigner

DEMO_PASSWORD = "Demo-Sante-2026!"


def _years_ago(years: int, months_before: int = 4) -> str:
    today = date.today()
    month = today.month - months_before
    year = today.year - years - (1 if month <= 0 else 0)
    month = month + 12 if month <= 0 else month
    return date(year, month, min(today.day, 28)).isoformat()


def _turns_18_in(days: int) -> str:
    birthday = date.today() + timedelta(days=days)
    return birthday.replace(year=birthday.year - 18, day=min(birthday.day, 28) if birthday.month == 2 else birthday.day
                            ).isoformat()


def _nir(sex: str, birth: str, department: str, commune: str, order: str) -> str:
    body = f"{sex}{birth[2:4]}{birth[5:7]}{department}{commune}{order}"
    return body + f"{97 - int(body) % 97:02d}"


def _patient() -> dict:
    birth = _years_ago(80)
    return {"nir": _nir("2", birth, "75", "056", "123"), "vitale_serial": "40123456789",
            "given_name": "Jacqueline", "family_name": "Martin", "birth_date": birth, "sex": pb.SEX_FEMALE,
            "postal_address": "12 rue des Lilas, 75011 Paris"}


# Adults with their own activated space (login id, DEMO_PASSWORD, email), and the child.
PEOPLE = {
    "caregiver": {"given_name": "Sophie", "family_name": "Martin", "birth": _years_ago(52), "sex": "2",
                  "order": "201", "login_id": "sophie.martin", "email": "sophie.martin@example.fr"},
    "parent": {"given_name": "Julien", "family_name": "Moreau", "birth": _years_ago(44), "sex": "1",
               "order": "202", "login_id": "julien.moreau", "email": "julien.moreau@example.fr"},
    "second_parent": {"given_name": "Camille", "family_name": "Durand", "birth": _years_ago(42), "sex": "2",
                      "order": "203", "login_id": "camille.durand", "email": "camille.durand@example.fr"},
}
CHILD = {"given_name": "Léa", "family_name": "Moreau", "birth": _turns_18_in(21), "sex": "2", "order": "204",
         "email": "lea.moreau@example.fr"}
SEXES = {"1": pb.SEX_MALE, "2": pb.SEX_FEMALE}
# Announced by the insurer's opt-out feed, she opposed online: no space, a proof of opposition.
OPPOSED = {"given_name": "Henriette", "family_name": "Lefebvre", "birth": _years_ago(67), "sex": "2", "order": "205",
           "email": ""}

PROFESSIONALS = {
    "gp": {"rpps": "10101234567", "profession_code": "10", "given_name": "Paul", "family_name": "Bernard",
           "specialty": "Médecine générale", "login_id": "dr.bernard", "email": "paul.bernard@cabinet.example",
           "mssante_address": "paul.bernard@medecin.mssante.fr", "city": "Paris"},
    "pharmacist": {"rpps": "10107654321", "profession_code": "21", "given_name": "Claire", "family_name": "Petit",
                   "specialty": "Pharmacie d'officine", "login_id": "ph.petit", "email": "claire.petit@pharmacie.example",
                   "mssante_address": "claire.petit@pharmacien.mssante.fr", "city": "Paris"},
    "physiotherapist": {"rpps": "10109876543", "profession_code": "70", "given_name": "Marc", "family_name": "Leroy",
                        "specialty": "Masso-kinésithérapie", "login_id": "kine.leroy",
                        "email": "marc.leroy@kine.example", "mssante_address": "marc.leroy@kine.mssante.fr",
                        "city": "Montreuil"},
}
CARE_TEAM = {"gp": pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, "physiotherapist": pb.CARE_TEAM_ROLE_UNSPECIFIED}

# The GP's message to the patient (a new conversation with a PDF), and the pharmacy she goes to: the
# pharmacist's officine, whose organisational mailbox is not the pharmacist's personal one.
GP_MESSAGE = {"subject": "Résultats de votre bilan sanguin",
              "body": "Bonjour Madame Martin,\n\nVos résultats sont arrivés : ils sont bons. Je vous joins le "
                      "compte rendu ; nous en reparlerons lors de votre prochaine visite.\n\nBien cordialement,\n"
                      "Dr Paul Bernard",
              "filename": "compte-rendu-bilan-sanguin.pdf", "client_message_id": "demo-gp-bilan-sanguin"}
PHARMACY = {"finess": "750012346", "name": "Pharmacie des Lilas", "address": "3 rue des Lilas",
            "postal_code": "75011", "city": "Paris", "phone": "01 43 55 12 34",
            "mssante_address": "pharmacie.lilas@pharmacien.mssante.fr"}


def operator_token(key_file: Path, issuer: str = "mes-identity", audience: str = "mes-api") -> str:
    return _token(key_file, Caller(OPERATOR, "demo-seed"), issuer, audience)


def _token(key_file: Path, caller: Caller, issuer: str = "mes-identity", audience: str = "mes-api") -> str:
    signer = TokenSigner(key_file.read_bytes(), issuer=issuer, audience=audience, ttl_seconds=300)
    return signer.sign(caller)[0]


def seed(identity_addr: str, key_file: Path, state_file: Path, messaging_addr: str = "", profile_addr: str = "") -> dict:
    """Create the demo people once; return what a person needs to try the platform. With
    `messaging_addr`, the GP's message and the pharmacy too; with `profile_addr`, the patient's medical
    profile (both added to an older state file)."""
    if state_file.exists():
        demo = json.loads(state_file.read_text())
        before = dict(demo)
        if "child" not in demo:     # data of a run before the family existed
            with grpc.insecure_channel(identity_addr) as channel:
                demo.update(_family(identity_pb2_grpc.IdentityServiceStub(channel), key_file,
                                    [("authorization", f"Bearer {operator_token(key_file)}")],
                                    demo["patient"]["account_id"]))
        if "opposed" not in demo:   # data of a run before the opt-out creation existed
            with grpc.insecure_channel(identity_addr) as channel:
                demo["opposed"] = _opposed(identity_pb2_grpc.IdentityServiceStub(channel),
                                           [("authorization", f"Bearer {operator_token(key_file)}")])
        if "app" not in demo:       # data of a run before the catalogue existed
            demo.update(seed_catalogue(identity_addr, [("authorization", f"Bearer {operator_token(key_file)}")]))
        if messaging_addr:
            demo.update(_messaging(messaging_addr, key_file, demo))
        if profile_addr and "profile" not in demo:
            demo.update(_profile(profile_addr, key_file, demo))
        if demo != before:
            state_file.write_text(json.dumps(demo, indent=2, ensure_ascii=False))
        return demo
    metadata = [("authorization", f"Bearer {operator_token(key_file)}")]
    with grpc.insecure_channel(identity_addr) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        patient = _patient()
        created = stub.CreateAccount(pb.CreateAccountRequest(**patient), metadata=metadata, timeout=10)
        demo = {"patient": {"account_id": created.account.account_id, "given_name": patient["given_name"],
                            "family_name": patient["family_name"], "birth_date": patient["birth_date"],
                            "nir": patient["nir"], "vitale_serial": patient["vitale_serial"],
                            "provisional_code": created.provisional_code},
                "professionals": {}, "password": DEMO_PASSWORD}
        for role, fields in PROFESSIONALS.items():
            professional = stub.CreateProfessional(pb.CreateProfessionalRequest(**fields, password=DEMO_PASSWORD),
                                                   metadata=metadata, timeout=10)
            demo["professionals"][role] = {"professional_id": professional.professional_id,
                                           "login_id": fields["login_id"], "email": fields["email"],
                                           "mssante_address": fields.get("mssante_address", ""),
                                           "profession_code": fields["profession_code"], "rpps": fields["rpps"]}
        as_patient = [("authorization", f"Bearer {_token(key_file, Caller(PATIENT, demo['patient']['account_id']))}")]
        for role, care_team_role in CARE_TEAM.items():
            stub.AddCareTeamMember(pb.AddCareTeamMemberRequest(
                patient_id=demo["patient"]["account_id"], professional_id=demo["professionals"][role]["professional_id"],
                role=care_team_role), metadata=as_patient, timeout=10)
        demo.update(_family(stub, key_file, metadata, demo["patient"]["account_id"]))
        demo["opposed"] = _opposed(stub, metadata)
    demo.update(seed_catalogue(identity_addr, metadata))
    if messaging_addr:
        demo.update(_messaging(messaging_addr, key_file, demo))
    if profile_addr:
        demo.update(_profile(profile_addr, key_file, demo))
    state_file.write_text(json.dumps(demo, indent=2, ensure_ascii=False))
    return demo


def _profile(profile_addr: str, key_file: Path, demo: dict) -> dict:
    patient_id = demo["patient"]["account_id"]
    return seed_profile(profile_addr, _token(key_file, Caller(PATIENT, patient_id)), patient_id)


def _messaging(messaging_addr: str, key_file: Path, demo: dict) -> dict:
    """What messaging holds of the demo that `demo` does not have yet."""
    added = {}
    with grpc.insecure_channel(messaging_addr) as channel:
        stub = messaging_pb2_grpc.MessagingServiceStub(channel)
        if "gp_conversation" not in demo:
            added["gp_conversation"] = _gp_message(stub, key_file, demo)
        if "pharmacy" not in demo:
            added.update(_pharmacy(stub, key_file, demo["patient"]["account_id"]))
    return added


def _gp_message(stub, key_file: Path, demo: dict) -> dict:
    """The GP writes to the patient: a new conversation, its message and a PDF (a retry answers the
    same message: client_message_id)."""
    gp = demo["professionals"]["gp"]
    as_gp = _token(key_file, Caller(PROFESSIONAL, gp["professional_id"], profession_code=gp["profession_code"],
                                    rpps=gp["rpps"]))
    started = stub.CreateConversation(mpb.CreateConversationRequest(
        patient_id=demo["patient"]["account_id"], subject=GP_MESSAGE["subject"], body=GP_MESSAGE["body"],
        client_message_id=GP_MESSAGE["client_message_id"], attachments=[mpb.NewAttachment(file=mpb.UploadedFile(
            filename=GP_MESSAGE["filename"], content_type="application/pdf", content=blank_pdf()))]),
        metadata=[("authorization", f"Bearer {as_gp}")], timeout=30)
    return {"conversation_id": started.conversation_id, "subject": started.subject}


def _pharmacy(stub, key_file: Path, patient_id: str) -> dict:
    """The pharmacy in the directory and one visit of the patient there (the insurer's feed)."""
    operator = [("authorization", f"Bearer {operator_token(key_file)}")]
    stub.UpsertPharmacies(mpb.UpsertPharmaciesRequest(pharmacies=[mpb.Pharmacy(
        **PHARMACY, mailbox_type=mpb.MAILBOX_TYPE_ORGANISATIONAL)]), metadata=operator, timeout=10)
    stub.RecordPharmacyVisits(mpb.RecordPharmacyVisitsRequest(visits=[mpb.PharmacyVisit(
        patient_id=patient_id, finess=PHARMACY["finess"],
        visit_date=(date.today() - timedelta(days=12)).isoformat())]), metadata=operator, timeout=10)
    return {"pharmacy": {"finess": PHARMACY["finess"], "name": PHARMACY["name"],
                         "mssante_address": PHARMACY["mssante_address"]}}


def _person_nir(person: dict) -> str:
    return _nir(person["sex"], person["birth"], "75", "111", person["order"])


def _account_request(person: dict, serial: str, **extra) -> pb.CreateAccountRequest:
    return pb.CreateAccountRequest(
        nir=_person_nir(person), vitale_serial=serial,
        given_name=person["given_name"], family_name=person["family_name"], birth_date=person["birth"],
        sex=SEXES[person["sex"]], email=person["email"], postal_address="8 rue des Écoles, 75005 Paris", **extra)


def _family(stub, key_file: Path, metadata, patient_id: str) -> dict:
    """The caregiver and the family: adults activated as they would have done it themselves."""
    people = {}
    for role, person in PEOPLE.items():
        serial = f"40{person['order']}000000"
        created = stub.CreateAccount(_account_request(person, serial), metadata=metadata, timeout=10)
        stub.ActivateAccount(pb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=_person_nir(person), vitale_serial=serial,
            login_id=person["login_id"], password=DEMO_PASSWORD, email=person["email"], accept_terms=True), timeout=10)
        people[role] = {"account_id": created.account.account_id, "login_id": person["login_id"],
                        "email": person["email"], "given_name": person["given_name"],
                        "family_name": person["family_name"], "birth_date": person["birth"]}
    child = stub.CreateAccount(_account_request(CHILD, f"40{CHILD['order']}000000",
                                                legal_representative_account_id=people["parent"]["account_id"]),
                               metadata=metadata, timeout=10)
    people["child"] = {"account_id": child.account.account_id, "given_name": CHILD["given_name"],
                       "family_name": CHILD["family_name"], "birth_date": CHILD["birth"], "email": CHILD["email"]}
    caregiver = PEOPLE["caregiver"]
    invited = stub.CreateDelegation(pb.CreateDelegationRequest(
        patient_id=patient_id, type=pb.DELEGATION_TYPE_CAREGIVING, delegate_family_name=caregiver["family_name"],
        delegate_given_name=caregiver["given_name"], delegate_birth_date=caregiver["birth"]),
        metadata=[("authorization", f"Bearer {_token(key_file, Caller(PATIENT, patient_id))}")], timeout=10)
    as_caregiver = _token(key_file, Caller(PATIENT, people["caregiver"]["account_id"]))
    stub.RespondToDelegation(pb.RespondToDelegationRequest(delegation_id=invited.delegation_id, accept=True),
                             metadata=[("authorization", f"Bearer {as_caregiver}")], timeout=10)
    return people


def _opposed(stub, metadata) -> dict:
    """One person of the insurer's feed who opposed the creation of her space online."""
    serial = f"40{OPPOSED['order']}000000"
    announced = stub.ImportInsurerFeed(pb.ImportInsurerFeedRequest(people=[_account_request(OPPOSED, serial)]),
                                       metadata=metadata, timeout=30).results[0]
    if announced.outcome != pb.FEED_OUTCOME_ANNOUNCED:
        return {"account_id": announced.account_id}
    opposition = stub.RecordOpposition(pb.RecordOppositionRequest(
        provisional_code=announced.provisional_code, nir=announced.nir, vitale_serial=serial), timeout=10)
    return {"account_id": announced.account_id, "given_name": OPPOSED["given_name"],
            "family_name": OPPOSED["family_name"], "nir": announced.nir, "opposition_reference": opposition.reference}
