"""ResolveMailAddresses over real gRPC and PostgreSQL: a patient's MSSanté address (NIR + key at the
patient domain) to her account, a professional's to the professional; nobody otherwise, and no hint."""
from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient
from devtools.rpc_errors import error_of
from meskit.auth import PATIENT, PROFESSIONAL, SERVICE, Caller

DOMAIN = "patient.mssante.fr"


def _resolve(identity, addresses, caller=None, patient_ids=()):
    return identity.stub.ResolveMailAddresses(
        pb.ResolveMailAddressesRequest(addresses=addresses, patient_domain=DOMAIN, patient_ids=patient_ids),
        metadata=identity.as_(caller or Caller(SERVICE, "messaging")))


@pytest.fixture
def known(identity):
    birth = _patient()["birth_date"]
    nir = _nir("2", birth, "75", "056", "123")
    patient = identity.stub.CreateAccount(pb.CreateAccountRequest(**{**_patient(), "nir": nir}),
                                          metadata=identity.operator()).account.account_id
    gp = identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
        rpps="10100000001", profession_code="10", given_name="Paul", family_name="Bernard",
        mssante_address="paul.bernard@medecin.mssante.fr"), metadata=identity.operator()).professional_id
    return nir, patient, gp


def test_addresses_resolve_to_the_patient_and_the_professional_in_order(identity, known):
    nir, patient, gp = known
    asked = [f"{nir}@{DOMAIN}", "Paul.Bernard@Medecin.MSSante.fr", f"{nir}@PATIENT.mssante.fr"]
    reply = _resolve(identity, asked)
    assert [(a.address, a.patient_id, a.professional_id) for a in reply.addresses] == [
        (asked[0], patient, ""), (asked[1], "", gp), (asked[2], patient, "")]


@pytest.mark.parametrize("address", [
    "1{nir_tail}@" + DOMAIN,               # a wrong key
    "{nir}@medecin.mssante.fr",            # her NIR at another domain
    "nobody@medecin.mssante.fr", "not an address", "@" + DOMAIN, "",
    "x" * 300 + "@" + DOMAIN])
def test_anything_else_resolves_to_nobody(identity, known, address):
    nir = known[0]
    asked = address.format(nir=nir, nir_tail=nir[1:13] + "00")
    entry = _resolve(identity, [asked]).addresses[0]
    assert (entry.address, entry.patient_id, entry.professional_id) == (asked, "", "")


def test_a_patient_id_gives_her_own_address_and_an_unknown_one_nothing(identity, known):
    nir, patient, _ = known
    reply = _resolve(identity, [], patient_ids=[patient, "00000000-0000-0000-0000-000000000000"])
    assert [(p.patient_id, p.address) for p in reply.patients] == [
        (patient, f"{nir}@{DOMAIN}"), ("00000000-0000-0000-0000-000000000000", "")]


def test_a_closed_space_has_no_address(identity, known):
    nir, patient, _ = known
    engine = sa.create_engine(identity.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE accounts SET status = 'CLOSED' WHERE account_id = :id"), {"id": patient})
    engine.dispose()
    reply = _resolve(identity, [f"{nir}@{DOMAIN}"], patient_ids=[patient])
    assert (reply.addresses[0].patient_id, reply.patients[0].address) == ("", "")


@pytest.mark.parametrize("caller", [Caller(PATIENT, "p"), Caller(PROFESSIONAL, "x", profession_code="10")])
def test_service_tokens_only(identity, known, caller):
    assert error_of(lambda: _resolve(identity, [f"{known[0]}@{DOMAIN}"], caller)).code() == grpc.StatusCode.PERMISSION_DENIED


def test_at_most_a_hundred_addresses(identity):
    error = error_of(lambda: _resolve(identity, ["a@b.fr"] * 101))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
