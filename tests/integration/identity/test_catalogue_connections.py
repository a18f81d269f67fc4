"""A space's connections to apps over real gRPC: the holder lists them, sets her consents and
disconnects; GetAccessContext tells the services what a connected app may exchange (app_grant),
or refuses it (APP_TOKEN_REVOKED, CONSENT_NOT_GIVEN)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.identity.v1 import identity_pb2 as pb

from devtools.eventually import eventually
from devtools.rpc_errors import error_of
from meskit.auth import DELEGATE, PATIENT, SERVICE, Caller
from meskit.status import details

from catalogue_fixtures import (PASSWORD, REDIRECT_URI, activated_patient, catalogue_stub, create_account,
                                measures_purpose, reference, sample_app)
from oauth_pairing import paired_tokens, token_caller

LOGIN = "jacqueline.martin"


def seed_pairing(identity, referenced, login_id: str, codes: list[str]) -> str:
    """A real pairing consenting to `codes` and its token exchange: the access token's id (jti)."""
    issued = paired_tokens(identity, referenced, login_id, PASSWORD, REDIRECT_URI, purposes=codes)
    return token_caller(identity, issued["access_token"]).token_id


@pytest.fixture
def identity_env() -> dict[str, str]:
    return {"CATALOGUE_JOBS_INTERVAL_SECONDS": "0.2"}


@pytest.fixture
def referenced(identity):
    return reference(identity)


@pytest.fixture
def app_id(referenced) -> str:
    return referenced.app.app_id


@pytest.fixture
def patient(identity) -> str:
    return activated_patient(identity)


def holder(identity, patient_id):
    return identity.as_(Caller(PATIENT, patient_id))


def grant_of(identity, patient_id, app_id, token_id):
    return identity.stub.GetAccessContext(pb.GetAccessContextRequest(
        patient_id=patient_id, app_id=app_id, app_token_id=token_id),
        metadata=identity.as_(Caller(SERVICE, "profile"))).app_grant


class TestAppGrant:
    def test_partial_consent_grants_its_exchanges_only(self, identity, referenced, app_id, patient):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        grant = grant_of(identity, patient, app_id, jti)
        assert (grant.app_id, grant.app_name, list(grant.purposes)) == (app_id, "GlycoSuivi", ["MESURES_GLYCEMIE"])
        assert [(e.perimeter, e.action) for e in grant.exchanges] == [
            (cpb.PERIMETER_MEASURES, cpb.EXCHANGE_ACTION_WRITE), (cpb.PERIMETER_MEASURES, cpb.EXCHANGE_ACTION_READ)]

    def test_people_s_context_has_no_grant(self, identity, patient):
        context = identity.stub.GetAccessContext(pb.GetAccessContextRequest(patient_id=patient),
                                                 metadata=identity.as_(Caller(SERVICE, "documents")))
        assert not context.HasField("app_grant")

    def test_withdrawal_stops_the_token_as_consent_not_given(self, identity, referenced, app_id, patient):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"])
        catalogue_stub(identity).SetConsents(cpb.SetConsentsRequest(app_id=app_id, purposes=["RAPPORTS_GLYCEMIE"]),
                                             metadata=holder(identity, patient))
        error = error_of(lambda: grant_of(identity, patient, app_id, jti))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")

    def test_disconnection(self, identity, referenced, app_id, patient):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        disconnected = catalogue_stub(identity).Disconnect(cpb.DisconnectRequest(patient_id="me", app_id=app_id),
                                                           metadata=holder(identity, patient))
        assert disconnected.status == cpb.CONNECTION_STATUS_DISCONNECTED
        error = error_of(lambda: grant_of(identity, patient, app_id, jti))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")

    @pytest.mark.parametrize("status", [cpb.APP_STATUS_SUSPENDUE, cpb.APP_STATUS_DEREFERENCEE])
    def test_a_suspended_or_dereferenced_app(self, identity, referenced, app_id, patient, status):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(app_id=app_id, status=status),
                                              metadata=identity.operator())
        error = error_of(lambda: grant_of(identity, patient, app_id, jti))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.UNAUTHENTICATED, "APP_TOKEN_REVOKED")
        listed = catalogue_stub(identity).ListConnections(cpb.ListConnectionsRequest(),
                                                          metadata=holder(identity, patient))
        assert [c.status for c in listed.connections] == [cpb.CONNECTION_STATUS_APP_UNAVAILABLE]

    def test_unknown_token_or_another_patient_s(self, identity, referenced, app_id, patient):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        other = create_account(identity, "124", given_name="Louise")
        for patient_id, token_id in ((patient, str(uuid.uuid4())), (other, jti)):
            error = error_of(lambda: grant_of(identity, patient_id, app_id, token_id))
            assert error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)
        error = error_of(lambda: grant_of(identity, patient, app_id, str(uuid.uuid4())))
        assert details(error).reason == "APP_TOKEN_REVOKED"

    def test_app_id_needs_the_token_id(self, identity, referenced, app_id, patient):
        error = error_of(lambda: grant_of(identity, patient, app_id, ""))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and {v.field for v in details(error).violations} == {
            "app_token_id"}


class TestConnections:
    def test_the_holder_lists_and_changes_her_consents(self, identity, referenced, app_id, patient):
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        stub, md = catalogue_stub(identity), holder(identity, patient)
        listed = stub.ListConnections(cpb.ListConnectionsRequest(patient_id="me"), metadata=md).connections
        assert [(c.app_name, list(c.consented_purposes), c.status) for c in listed] == [
            ("GlycoSuivi", ["MESURES_GLYCEMIE"], cpb.CONNECTION_STATUS_ACTIVE)]
        assert [p.code for p in listed[0].purposes] == ["MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"]
        both = stub.SetConsents(cpb.SetConsentsRequest(patient_id=patient, app_id=app_id,
                                                       purposes=["MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"]), metadata=md)
        assert list(both.consented_purposes) == ["MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"]
        stub.Disconnect(cpb.DisconnectRequest(app_id=app_id), metadata=md)
        assert [r.resource_label for r in identity.history(patient, resource_types=("app_connection",))] == [
            "Connexion du service GlycoSuivi à votre profil : Partager vos mesures de glycémie",
            "Consentements donnés au service GlycoSuivi : Partager vos mesures de glycémie, "
            "Déposer vos rapports glycémiques",
            "Déconnexion du service GlycoSuivi"]

    @pytest.mark.parametrize("purposes, field", [([], "purposes"), (["INCONNUE"], "purposes[0]")])
    def test_bad_consents(self, identity, referenced, app_id, patient, purposes, field):
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        error = error_of(lambda: catalogue_stub(identity).SetConsents(cpb.SetConsentsRequest(
            app_id=app_id, purposes=purposes), metadata=holder(identity, patient)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert {v.field for v in details(error).violations} == {field}

    def test_not_connected_or_unknown_app(self, identity, referenced, app_id, patient):
        stub, md = catalogue_stub(identity), holder(identity, patient)
        for request in (cpb.SetConsentsRequest(app_id=app_id, purposes=["MESURES_GLYCEMIE"]),
                        cpb.SetConsentsRequest(app_id=str(uuid.uuid4()), purposes=["MESURES_GLYCEMIE"])):
            assert error_of(lambda: stub.SetConsents(request, metadata=md)).code() == grpc.StatusCode.NOT_FOUND
        assert error_of(lambda: stub.Disconnect(cpb.DisconnectRequest(app_id=app_id), metadata=md)).code() == \
            grpc.StatusCode.NOT_FOUND
        assert error_of(lambda: stub.Disconnect(cpb.DisconnectRequest(), metadata=md)).code() == \
            grpc.StatusCode.INVALID_ARGUMENT

    def test_never_a_delegate_nor_another_patient(self, identity, referenced, app_id, patient):
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        stub = catalogue_stub(identity)
        for md in (identity.as_(Caller(DELEGATE, str(uuid.uuid4()), on_behalf_of=patient)),
                   identity.as_(Caller(PATIENT, str(uuid.uuid4())))):
            for call in (lambda: stub.ListConnections(cpb.ListConnectionsRequest(patient_id=patient), metadata=md),
                         lambda: stub.SetConsents(cpb.SetConsentsRequest(patient_id=patient, app_id=app_id,
                                                                         purposes=["MESURES_GLYCEMIE"]), metadata=md),
                         lambda: stub.Disconnect(cpb.DisconnectRequest(patient_id=patient, app_id=app_id),
                                                 metadata=md)):
                assert error_of(call).code() == grpc.StatusCode.PERMISSION_DENIED
        delegate_own = error_of(lambda: stub.ListConnections(cpb.ListConnectionsRequest(), metadata=identity.as_(
            Caller(DELEGATE, str(uuid.uuid4()), on_behalf_of=patient))))    # "me" is the person helped: refused too
        assert delegate_own.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_disconnected_app_cannot_be_consented_again_without_pairing(self, identity, referenced, app_id, patient):
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        stub, md = catalogue_stub(identity), holder(identity, patient)
        stub.Disconnect(cpb.DisconnectRequest(app_id=app_id), metadata=md)
        error = error_of(lambda: stub.SetConsents(cpb.SetConsentsRequest(app_id=app_id, purposes=["MESURES_GLYCEMIE"]),
                                                  metadata=md))
        assert (error.code(), details(error).reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CONNECTION_ENDED")


class TestReapproval:
    def test_a_change_of_purposes_asks_for_reapproval_then_lapses(self, identity, referenced, app_id, patient, clock):
        jti = seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"])
        catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(app_id=app_id, app=sample_app(
            purposes=[measures_purpose(), cpb.Purpose(code="AGENDA", label="Vos rendez-vous", exchanges=[
                cpb.DataExchange(perimeter=cpb.PERIMETER_AGENDA, action=cpb.EXCHANGE_ACTION_READ,
                                 categories=["APPOINTMENT"])])]), reapproval_days=5), metadata=identity.operator())
        md = holder(identity, patient)
        connection = catalogue_stub(identity).ListConnections(cpb.ListConnectionsRequest(), metadata=md).connections[0]
        assert connection.status == cpb.CONNECTION_STATUS_REAPPROVAL_REQUIRED
        deadline = connection.reapproval_deadline.ToDatetime(timezone.utc)
        assert timedelta(days=4, hours=23) < deadline - datetime.now(timezone.utc) <= timedelta(days=5, minutes=1)
        # within the old consents still asked for until the deadline
        assert list(grant_of(identity, patient, app_id, jti).purposes) == ["MESURES_GLYCEMIE"]
        clock.advance(timedelta(days=6))
        eventually(lambda: catalogue_stub(identity).ListConnections(
            cpb.ListConnectionsRequest(), metadata=md).connections[0].status == cpb.CONNECTION_STATUS_LAPSED,
            what="the connection lapsed", timeout=10)
        error = error_of(lambda: grant_of(identity, patient, app_id, jti))
        assert details(error).reason == "CONSENT_NOT_GIVEN"

    def test_the_holder_reapproves_in_time(self, identity, referenced, app_id, patient):
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(app_id=app_id, app=sample_app(
            purposes=[measures_purpose()])), metadata=identity.operator())
        reapproved = catalogue_stub(identity).SetConsents(cpb.SetConsentsRequest(
            app_id=app_id, purposes=["MESURES_GLYCEMIE"]), metadata=holder(identity, patient))
        assert reapproved.status == cpb.CONNECTION_STATUS_ACTIVE and not reapproved.HasField("reapproval_deadline")


class TestSynchronisedServicesReminder:
    """The list goes by email (notifications' routing of SERVICES_SYNCHRONISES)."""

    def lists(self, identity, email):
        from devtools.smtp_sink import read_mails
        return [m for m in read_mails(identity.mail_dir)
                if m["To"] == email and "services synchronisés" in str(m["Subject"])]

    def test_every_ninety_days_once(self, identity, referenced, clock):
        patient = activated_patient(identity, "123", login_id="jacqueline.martin", email="jacqueline@example.fr")
        gone = activated_patient(identity, "124", login_id="louise.martin", email="louise@example.fr",
                                 given_name="Louise")
        other = reference(identity, name="Autre appli")
        seed_pairing(identity, referenced, LOGIN, ["MESURES_GLYCEMIE"])
        seed_pairing(identity, other, LOGIN, ["MESURES_GLYCEMIE"])
        seed_pairing(identity, referenced, "louise.martin", ["MESURES_GLYCEMIE"])
        catalogue_stub(identity).Disconnect(cpb.DisconnectRequest(app_id=referenced.app.app_id),
                                            metadata=holder(identity, gone))
        clock.advance(timedelta(days=89))
        identity.history(patient)      # the outbox relayed: nothing due yet
        assert self.lists(identity, "jacqueline@example.fr") == []
        clock.advance(timedelta(days=200))            # a long downtime: one list, not two
        eventually(lambda: self.lists(identity, "jacqueline@example.fr"), what="the 90-day list", timeout=15)
        identity.history(patient)
        assert len(self.lists(identity, "jacqueline@example.fr")) == 1
        assert self.lists(identity, "louise@example.fr") == []
        clock.advance(timedelta(days=91))
        eventually(lambda: len(self.lists(identity, "jacqueline@example.fr")) == 2, what="the next list", timeout=15)
