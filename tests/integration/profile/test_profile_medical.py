"""The medical profile through its gRPC API, beside real identity, audit and documents: sections and
their limits, measurements and their errors, who reads what (and the history of it), the synthesis a
GP reads through documents, the export and the erasure."""
from __future__ import annotations

import io
import json
import uuid
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from mes.identity.v1 import identity_pb2 as ipb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb
from mes.profile.v1 import profile_pb2 as pb
from pypdf import PdfReader

from meskit import db
from meskit.auth import DELEGATE, Caller
from profile.adapters.repository import ProfileRepository
from profile.domain import subject

from documents_harness import error_reason
from devtools.eventually import eventually


def _at(days_ago: int = 0) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(timezone.utc) - timedelta(days=days_ago))
    return ts


def _add(s, patient_id, **entry):
    return s.profile.AddEntry(pb.AddEntryRequest(patient_id=patient_id, entry=pb.Entry(**entry)),
                              metadata=s.patient(patient_id), timeout=10)


def _measure(s, patient_id, code, *metrics, days_ago=0, **fields):
    return s.profile.AddMeasurement(pb.AddMeasurementRequest(patient_id=patient_id, measurement=pb.Measurement(
        code=code, effective_time=_at(days_ago), metrics=[pb.Metric(code=c, value=v, unit=u) for c, v, u in metrics],
        **fields)), metadata=s.patient(patient_id), timeout=10)


def _refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def test_sections_keep_their_fields_and_limits(pstack):
    s = pstack
    p = s.new_patient()
    allergy = _add(s, p, section=pb.SECTION_ALLERGIES, name="Pénicilline", comment="urticaire")
    long_name = "Amoxicilline acide clavulanique 1 g/125 mg poudre pour suspension buvable"
    treatment = _add(s, p, section=pb.SECTION_TREATMENTS, name=long_name, dosage="1 sachet matin et soir",
                     start=pb.PartialDate(year=2024))
    assert allergy.author_type == "PATIENT" and treatment.name == long_name[:50] and long_name in treatment.comment

    bad = _refused(lambda: _add(s, p, section=pb.SECTION_DISEASES, name="Asthme", start=pb.PartialDate(month=3)))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "année est obligatoire" in dict(bad.trailing_metadata())["grpc-status-details-bin"].decode()
    bad = _refused(lambda: _add(s, p, section=pb.SECTION_ALLERGIES, name="x", comment="y" * 3001))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = _refused(lambda: _add(s, p, section=pb.SECTION_ALLERGIES, name="x", dosage="1 cp"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT

    contact = dict(section=pb.SECTION_ENTOURAGE, contact_roles=["TRUSTED_CONTACT"], given_name="Paul",
                   family_name="Martin", mobile="+33612345678", postal_code="75011", city="Paris")
    _add(s, p, **contact)
    second = _refused(lambda: _add(s, p, **contact))
    assert second.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(second) == "TRUSTED_CONTACT_EXISTS"

    declared = s.profile.DeclareNotConcerned(pb.DeclareNotConcernedRequest(
        patient_id=p, section=pb.SECTION_HOSPITALIZATIONS, not_concerned=True), metadata=s.patient(p), timeout=10)
    assert declared.not_concerned
    full = _refused(lambda: s.profile.DeclareNotConcerned(pb.DeclareNotConcernedRequest(
        patient_id=p, section=pb.SECTION_ALLERGIES, not_concerned=True), metadata=s.patient(p), timeout=10))
    assert error_reason(full) == "SECTION_NOT_EMPTY"

    got = s.profile.GetProfile(pb.GetProfileRequest(patient_id="me"), metadata=s.patient(p), timeout=10)
    assert {e.name for e in got.entries} >= {"Pénicilline", long_name[:50]}
    assert [x.section for x in got.sections] == [pb.SECTION_HOSPITALIZATIONS]


def test_measurements_units_ranges_history_and_bmi(pstack):
    s = pstack
    p = s.new_patient()
    heavy = _refused(lambda: _measure(s, p, "WEIGHT", ("WEIGHT", 900, "kg")))
    assert error_reason(heavy) == "OUT_OF_RANGE" and "500" in heavy.details()
    pressure = _refused(lambda: _measure(s, p, "BLOOD_PRESSURE", ("SYSTOLIC", 20, "mm[Hg]"),
                                         ("DIASTOLIC", 300, "mm[Hg]")))
    assert error_reason(pressure) == "OUT_OF_RANGE" and "50 à 300" in pressure.details()
    unit = _refused(lambda: _measure(s, p, "WEIGHT", ("WEIGHT", 70, "lb")))
    assert error_reason(unit) == "UNKNOWN_UNIT" and "kg" in unit.details()
    bmi = _refused(lambda: _measure(s, p, "BODY_MASS_INDEX", ("BODY_MASS_INDEX", 22, "kg/m2")))
    assert error_reason(bmi) == "BMI_COMPUTED"
    glucose = _refused(lambda: _measure(s, p, "GLUCOSE", ("GLUCOSE", 95, "mg/dL")))
    assert glucose.code() == grpc.StatusCode.INVALID_ARGUMENT

    _measure(s, p, "HEIGHT", ("HEIGHT", 1.65, "m"), days_ago=30)
    for days, kg in ((20, 68.0), (10, 67.2), (1, 66.5)):
        _measure(s, p, "WEIGHT", ("WEIGHT", kg, "kg"), days_ago=days)
    history = s.profile.ListMeasurements(pb.ListMeasurementsRequest(patient_id=p, code="WEIGHT"),
                                         metadata=s.patient(p), timeout=10)
    assert [x.metrics[0].value for x in history.measurements] == [66.5, 67.2, 68.0]
    got = s.profile.GetProfile(pb.GetProfileRequest(patient_id=p), metadata=s.patient(p), timeout=10)
    latest = {x.code: x.metrics[0].value for x in got.latest_measurements}
    assert latest["BODY_MASS_INDEX"] == round(66.5 / 1.65 ** 2, 1) and latest["WEIGHT"] == 66.5


def test_professionals_read_vaccinations_and_entourage_only_and_are_recorded(pstack):
    s = pstack
    p = s.new_patient()
    gp, stranger = s.new_professional(), s.new_professional()
    s.add_to_care_team(p, gp)
    _add(s, p, section=pb.SECTION_ALLERGIES, name="Arachide")
    mine = _add(s, p, section=pb.SECTION_VACCINATIONS, name="DTP", start=pb.PartialDate(year=2020),
                vaccination_type="BOOSTER")
    by_gp = s.profile.AddEntry(pb.AddEntryRequest(patient_id=p, entry=pb.Entry(
        section=pb.SECTION_VACCINATIONS, name="Grippe", start=pb.PartialDate(year=2025, month=10),
        vaccination_type="INITIMMUNIZ")), metadata=s.professional(gp), timeout=10)
    assert by_gp.confirmed_by_professional
    locked = _refused(lambda: s.profile.DeleteEntry(pb.DeleteEntryRequest(patient_id=p, entry_id=by_gp.entry_id),
                                                    metadata=s.patient(p), timeout=10))
    assert error_reason(locked) == "VACCINATION_LOCKED"
    s.profile.DeleteEntry(pb.DeleteEntryRequest(patient_id=p, entry_id=mine.entry_id), metadata=s.patient(p),
                          timeout=10)

    seen = s.profile.GetProfile(pb.GetProfileRequest(patient_id=p), metadata=s.professional(gp), timeout=10)
    assert [e.name for e in seen.entries] == ["Grippe"] and not seen.latest_measurements
    refused = _refused(lambda: s.profile.GetProfile(pb.GetProfileRequest(patient_id=p),
                                                    metadata=s.professional(stranger), timeout=10))
    assert error_reason(refused) == "NOT_IN_CARE_TEAM"
    eventually(lambda: [r for r in s.records(p) if r.actor.id == gp.professional_id
                        and r.resource_type == "medical_profile"] or None, timeout=10)


def test_advance_directives_are_for_adults(pstack):
    s = pstack
    parent = s.new_patient()
    child = s.new_patient(age=12, legal_representative=parent)
    minor = _refused(lambda: s.profile.SetWishes(pb.SetWishesRequest(patient_id=child, advance_directives="Pas "
                                                                     "d'acharnement"), metadata=s.patient(child),
                                                 timeout=10))
    assert error_reason(minor) == "MINOR_ADVANCE_DIRECTIVES"
    adult = s.new_patient()
    wishes = s.profile.SetWishes(pb.SetWishesRequest(patient_id=adult, advance_directives="Pas d'acharnement",
                                                     informed_about_organ_donation=True), metadata=s.patient(adult),
                                 timeout=10)
    assert wishes.informed_about_organ_donation


def test_the_gp_reads_the_synthesis_through_documents(pstack):
    s = pstack
    p = s.new_patient()
    gp = s.new_professional()
    s.add_to_care_team(p, gp)
    _add(s, p, section=pb.SECTION_ALLERGIES, name="Pénicilline")
    _add(s, p, section=pb.SECTION_TREATMENTS, name="Levothyrox", dosage="75 µg le matin")
    _measure(s, p, "WEIGHT", ("WEIGHT", 64.5, "kg"))
    s.identity.SetMaskNewDocumentsByDefault(ipb.SetMaskNewDocumentsByDefaultRequest(patient_id=p, mask=True),
                                            metadata=s.patient(p), timeout=10)
    asked = _refused(lambda: s.profile.GenerateSynthesis(pb.GenerateSynthesisRequest(patient_id=p),
                                                         metadata=s.patient(p), timeout=20))
    assert error_reason(asked) == "VISIBILITY_CHOICE_REQUIRED"
    saved = s.profile.GenerateSynthesis(pb.GenerateSynthesisRequest(patient_id=p, visible=True),
                                        metadata=s.patient(p), timeout=20)
    assert not saved.masked
    document, data = s.download(s.professional(gp), p, saved.document_id)
    assert document.type_code == "DOCPAT08"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Pénicilline" in text and "Levothyrox" in text and "64,5 kg" in text


def test_export_then_erase(pstack):
    s = pstack
    p = s.new_patient()
    _add(s, p, section=pb.SECTION_ALLERGIES, name="Latex")
    _measure(s, p, "WEIGHT", ("WEIGHT", 70, "kg"))
    denied = _refused(lambda: list(s.subject_data.ExportSubjectData(lpb.ExportSubjectDataRequest(account_id=p),
                                                                    metadata=s.service("messaging"), timeout=10)))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    export_id = str(uuid.uuid4())
    chunks = list(s.subject_data.ExportSubjectData(lpb.ExportSubjectDataRequest(account_id=p, export_id=export_id),
                                                   metadata=s.service("exports"), timeout=10))
    files: dict[str, bytes] = {}
    path = ""
    for chunk in chunks:
        path = chunk.path or path
        files[path] = files.get(path, b"") + chunk.data
    assert set(files) == {"profil-medical/profil.json", "profil-medical/profil.pdf"}
    exported = json.loads(files["profil-medical/profil.json"])
    assert [e["name"] for e in exported["entries"]] == ["Latex"] and exported["measurements"][0]["code"] == "WEIGHT"
    assert PdfReader(io.BytesIO(files["profil-medical/profil.pdf"])).pages
    assert [r for r in s.records(p) if r.actor.id == "exports" and r.resource_id == export_id]

    engine = s.started["profile"][1]
    erase = lambda: subject.erase(SimpleNamespace(unit_of_work=db.unit_of_work(engine, ProfileRepository)), p)  # noqa: E731
    first = erase()
    assert first["profile_entries"] == 1 and first["measurements"] == 1
    assert sum(erase().values()) == 0
    after = s.profile.GetProfile(pb.GetProfileRequest(patient_id=p), metadata=s.patient(p), timeout=10)
    assert not after.entries and not after.latest_measurements


def test_a_delegate_reads_within_her_scope_and_each_read_is_in_the_history(pstack):
    s = pstack
    parent = s.new_patient()
    child = s.new_patient(age=8, legal_representative=parent)
    _add(s, child, section=pb.SECTION_ALLERGIES, name="Œuf")
    as_parent = s.token(Caller(DELEGATE, parent, on_behalf_of=child, scopes=("health_data",)))
    seen = s.profile.GetProfile(pb.GetProfileRequest(patient_id="me"), metadata=as_parent, timeout=10)
    assert [e.name for e in seen.entries] == ["Œuf"]
    added = s.profile.AddEntry(pb.AddEntryRequest(patient_id=child, entry=pb.Entry(
        section=pb.SECTION_VACCINATIONS, name="ROR", start=pb.PartialDate(year=2020), vaccination_type="BOOSTER")),
        metadata=as_parent, timeout=10)
    assert added.author_type == "DELEGATE" and not added.confirmed_by_professional

    def recorded():
        mine = [r for r in s.records(child) if r.actor.id == parent]
        return mine if {r.resource_type for r in mine} >= {"medical_profile", "medical_profile_entry"} else None
    eventually(recorded, timeout=10)

    no_scope = s.token(Caller(DELEGATE, parent, on_behalf_of=child, scopes=()))
    refused = _refused(lambda: s.profile.GetProfile(pb.GetProfileRequest(patient_id=child), metadata=no_scope,
                                                    timeout=10))
    assert error_reason(refused) == "DELEGATION_SCOPE"
    stranger = s.token(Caller(DELEGATE, s.new_patient(), on_behalf_of=child, scopes=("health_data",)))
    refused = _refused(lambda: s.profile.GetProfile(pb.GetProfileRequest(patient_id=child), metadata=stranger,
                                                    timeout=10))
    assert error_reason(refused) == "DELEGATION_NOT_IN_FORCE"
    other = _refused(lambda: s.profile.GetProfile(pb.GetProfileRequest(patient_id=child),
                                                  metadata=s.patient(parent), timeout=10))
    assert error_reason(other) == "PROFILE_ACCESS"


def test_a_closed_space_is_read_by_nobody(pstack):
    s = pstack
    p = s.new_activated_patient()
    gp = s.new_professional()
    s.add_to_care_team(p, gp)
    _add(s, p, section=pb.SECTION_ALLERGIES, name="Iode")
    s.close_space(p)
    for metadata in (s.patient(p), s.professional(gp)):
        closed = _refused(lambda: s.profile.GetProfile(pb.GetProfileRequest(patient_id=p), metadata=metadata,
                                                       timeout=10))
        assert closed.code() == grpc.StatusCode.FAILED_PRECONDITION and error_reason(closed) == "PROFILE_CLOSED"
