"""A professional finds a patient's space from the traits they hold (NIR, family name, birth date),
over real gRPC: the one answer for every miss tells nothing more than the traits did."""
from __future__ import annotations

from datetime import date

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient
from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import answer_of, error_of
from meskit.auth import PATIENT, Caller

from test_identity_access_settings import GP, close, people, professional_md  # noqa: F401


def find(identity, people, **traits) -> pb.FoundPatient:
    return identity.stub.FindPatient(pb.FindPatientRequest(**traits), metadata=professional_md(identity, people, GP))


def traits_of(birth: str, order: str = "123", **extra) -> dict:
    return {"nir": _nir("2", birth, "75", "056", order), "family_name": _patient()["family_name"], "birth_date": birth,
            **extra}


class TestFindPatient:
    def test_the_traits_of_the_card_find_the_space_whatever_the_accents_and_case(self, identity, people):
        birth = _patient()["birth_date"]
        found = find(identity, people, **traits_of(birth, family_name="  mârtin ", given_name="JACQUELINE"))
        assert (found.patient_id, found.given_name, found.family_name, found.birth_date) == (
            people.patient, "Jacqueline", "Martin", birth)

    @pytest.mark.parametrize("change", [
        {"family_name": "Durand"}, {"given_name": "Louise"}, {"birth_date": "1950-01-01"}, {"order": "999"}])
    def test_every_miss_is_the_same_not_found(self, identity, people, change):
        birth = _patient()["birth_date"]
        order = change.pop("order", "123")
        def miss():
            return find(identity, people, **{**traits_of(birth, order), **change})
        refused = error_of(miss)
        assert (refused.code(), details(refused)) == (grpc.StatusCode.NOT_FOUND, (set(), "PATIENT_NOT_FOUND"))
        assert answer_of(miss) == answer_of(lambda: find(identity, people, **traits_of(birth, "998")))

    def test_a_closed_space_is_not_found_either(self, identity, people):
        close(identity, people.patient)
        refused = error_of(lambda: find(identity, people, **traits_of(_patient()["birth_date"])))
        assert (refused.code(), details(refused)) == (grpc.StatusCode.NOT_FOUND, (set(), "PATIENT_NOT_FOUND"))

    def test_malformed_traits_are_named(self, identity, people):
        refused = error_of(lambda: find(identity, people, nir="2801075056123 00", family_name="",
                                        birth_date="1946-02-30", given_name="x" * 101))
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(refused)[0] == {"nir", "family_name", "birth_date", "given_name"}

    def test_only_professionals_look_patients_up(self, identity, people):
        refused = error_of(lambda: identity.stub.FindPatient(
            pb.FindPatientRequest(**traits_of(date(1946, 1, 1).isoformat())),
            metadata=identity.as_(Caller(PATIENT, people.other_patient))))
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
