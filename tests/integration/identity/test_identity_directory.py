"""SearchProfessionals over real gRPC and PostgreSQL: the directory the patient picks her care team from.

Each test files its professionals in a city of its own, so that the other tests' professionals
(same database) never show in its answers."""
from __future__ import annotations

import itertools
import uuid

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient
from devtools.rpc_errors import error_details, error_of
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, SUPPORT, Caller

_rpps = itertools.count(10300000001)


@pytest.fixture
def town() -> str:
    """A city name of this test only (letters only: the search keys keep letters and digits)."""
    return "Saint-Étienne " + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def professional(identity, town: str, given: str, family: str, code: str = "10", **extra) -> pb.Professional:
    rpps = f"{next(_rpps)}"
    return identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
        rpps=rpps, profession_code=code, given_name=given, family_name=family, city=town,
        login_id=f"pro.{rpps}", password="Annuaire-Sante-2026!", email=f"pro{rpps}@cabinet.example", **extra),
        metadata=identity.operator())


def search(identity, caller: Caller | None = None, **fields) -> pb.SearchProfessionalsResponse:
    caller = caller or Caller(PATIENT, str(uuid.uuid4()))
    return identity.stub.SearchProfessionals(pb.SearchProfessionalsRequest(**fields), metadata=identity.as_(caller))


def names(reply) -> list[str]:
    return [f"{p.given_name} {p.family_name}" for p in reply.professionals]


@pytest.fixture
def directory(identity, town):
    """Five professionals of one town, and a patient of the same family name (never in the directory)."""
    found = {
        "lefevre": professional(identity, town, "Hélène", "Lefèvre"),
        "lefebvre": professional(identity, town, "Jean-Pierre", "Lefebvre", "70"),
        "dupont": professional(identity, town, "Émile", "Dupont", "21"),
        "oeuvrard": professional(identity, town, "Zoé", "Œuvrard", "60"),
        "martin": professional(identity, town, "Louis", "Martin", "10"),
    }
    birth = _patient()["birth_date"]
    patient = identity.stub.CreateAccount(pb.CreateAccountRequest(**{
        **_patient(), "family_name": "Lefèvre", "nir": _nir("2", birth, "75", "056", f"{uuid.uuid4().int % 900 + 100}")}),
        metadata=identity.operator())
    found["patient_id"] = patient.account.account_id
    return found


class TestSearch:
    def test_by_name_ignores_case_and_accents_and_finds_parts_of_names(self, identity, town, directory):
        assert names(search(identity, query="LEFEVRE", city=town)) == ["Hélène Lefèvre"]
        assert names(search(identity, query="lefe", city=town)) == ["Jean-Pierre Lefebvre", "Hélène Lefèvre"]
        assert names(search(identity, query="helene", city=town)) == ["Hélène Lefèvre"]
        assert names(search(identity, query="pierre lefeb", city=town)) == ["Jean-Pierre Lefebvre"]
        assert names(search(identity, query="oeuvr", city=town)) == ["Zoé Œuvrard"]
        assert names(search(identity, query="Hélène Dupont", city=town)) == []

    def test_by_rpps_profession_and_city(self, identity, town, directory):
        rpps = directory["dupont"].rpps
        assert [p.professional_id for p in search(identity, query=rpps).professionals] == \
            [directory["dupont"].professional_id]
        assert names(search(identity, profession_code="10", city=town)) == ["Hélène Lefèvre", "Louis Martin"]
        lowered = town.lower().replace("é", "e")
        assert len(search(identity, city=lowered).professionals) == 5
        assert len(search(identity, city=lowered[:-3]).professionals) == 5          # a prefix of the city
        assert search(identity, city=lowered[:-3]).professionals[0].city == town

    def test_professionals_only_never_patients(self, identity, town, directory):
        found = search(identity, query="Lefèvre", page_size=100).professionals
        assert directory["lefevre"].professional_id in [p.professional_id for p in found]
        assert directory["patient_id"] not in [p.professional_id for p in found]
        assert all(p.rpps and p.profession_code for p in found)

    def test_pages_with_opaque_tokens_cover_every_professional_once(self, identity, town, directory):
        seen, token, pages = [], "", 0
        while True:
            reply = search(identity, city=town, page_size=2, page_token=token)
            assert len(reply.professionals) <= 2
            seen += [p.professional_id for p in reply.professionals]
            pages += 1
            token = reply.next_page_token
            if not token:
                break
        assert pages == 3 and sorted(seen) == sorted(directory[k].professional_id for k in ("lefevre", "lefebvre", "dupont", "oeuvrard", "martin"))
        assert len(set(seen)) == 5


class TestWhoSeesWhat:
    @pytest.mark.parametrize("caller", [Caller(PATIENT, "p-1"), Caller(DELEGATE, "d-1", on_behalf_of="p-1"),
                                        Caller(PROFESSIONAL, "pro-1", profession_code="10", rpps="10100000099")])
    def test_patients_delegates_and_professionals_see_no_login_id_nor_email(self, identity, town, directory, caller):
        (found,) = search(identity, caller, query="Martin", city=town).professionals
        assert (found.given_name, found.family_name, found.profession_code, found.city) == \
            ("Louis", "Martin", "10", town)
        assert (found.login_id, found.email) == ("", "")
        one = identity.stub.GetProfessional(pb.GetProfessionalRequest(professional_id=found.professional_id),
                                            metadata=identity.as_(caller))
        assert (one.login_id, one.email, one.city) == ("", "", town)

    @pytest.mark.parametrize("caller", [Caller(SUPPORT, "agent-1"), Caller(OPERATOR, "op-1")])
    def test_support_and_operators_see_the_login_details(self, identity, town, directory, caller):
        (found,) = search(identity, caller, query="Martin", city=town).professionals
        assert found.login_id == f"pro.{found.rpps}" and found.email == f"pro{found.rpps}@cabinet.example"

    def test_services_do_not_search(self, identity, town, directory):
        assert error_of(lambda: search(identity, Caller(SERVICE, "documents"), city=town)).code() == \
            grpc.StatusCode.PERMISSION_DENIED

    def test_without_a_token(self, identity):
        with pytest.raises(grpc.RpcError) as caught:
            identity.stub.SearchProfessionals(pb.SearchProfessionalsRequest(query="Martin"))
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


class TestBadInput:
    @pytest.mark.parametrize(("fields", "field"), [
        ({"query": "a" * 101}, "query"),
        ({"query": "Martin", "page_size": -1}, "page_size"),
        ({"query": "Martin", "page_token": "not-a-token"}, "page_token"),
        ({"city": "x" * 101}, "city"),
        ({"profession_code": "99"}, "profession_code"),
        ({}, "query"),
        ({"query": "!!!"}, "query"),
        ({"query": "a b c d e f"}, "query"),
    ])
    def test_invalid_argument_names_the_field(self, identity, fields, field):
        with pytest.raises(grpc.RpcError) as caught:
            search(identity, **fields)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in error_details(caught.value)[0]

    def test_a_token_of_another_search_is_refused(self, identity, town, directory):
        token = search(identity, city=town, page_size=1).next_page_token
        assert token
        with pytest.raises(grpc.RpcError) as caught:
            search(identity, city=town, profession_code="10", page_size=1, page_token=token)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(caught.value) == ({"page_token"}, "PAGE_TOKEN_INVALID")

    def test_a_page_size_above_the_maximum_is_capped(self, identity, town, directory):
        assert len(search(identity, city=town, page_size=10_000).professionals) == 5


class TestCreateProfessionalCity:
    def test_the_city_is_kept_and_bounded(self, identity, town):
        created = professional(identity, town, "Anne", "Roux")
        assert created.city == town
        with pytest.raises(grpc.RpcError) as caught:
            professional(identity, "x" * 101, "Anne", "Roux")
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_details(caught.value)[0] == {"city"}
