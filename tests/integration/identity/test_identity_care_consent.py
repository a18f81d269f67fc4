"""A professional declares the patient's consent (DOMAIN §10.2), over real gRPC: the care team, the
patient's bell (notifications) and activity history (audit) show it; who may not declare, and how."""
from __future__ import annotations

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb
from mes.notifications.v1 import notifications_pb2 as npb

from devtools.eventually import eventually
from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of
from meskit.auth import DELEGATE, OPERATOR, PATIENT, SERVICE, Caller

from test_identity_access_settings import (GP, OCCUPATIONAL, PHYSIO, block, close, events,  # noqa: F401
                                           patient_md, people, professional_md)

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def declare(identity, people, role=GP, patient_id=None, metadata=None) -> pb.CareConsentDeclaration:
    return identity.stub.DeclareCareConsent(pb.DeclareCareConsentRequest(patient_id=patient_id or people.patient),
                                            metadata=metadata or professional_md(identity, people, role))


def settings(identity, people) -> pb.AccessSettings:
    return identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id="me"),
                                           metadata=patient_md(identity, people))


def bell(identity, patient_id: str) -> list[npb.Notification]:
    return list(identity.notifications.ListNotifications(npb.ListNotificationsRequest(profile_id=patient_id),
                                                         metadata=identity.as_(Caller(PATIENT, patient_id))).notifications)


def declarations_in_bell(identity, patient_id: str) -> list[npb.Notification]:
    return [n for n in bell(identity, patient_id) if n.event_type == "DECLARATION_CONSENTEMENT_PS"]


class TestDeclareCareConsent:
    def test_the_professional_joins_the_care_team_and_the_patient_sees_it_in_her_bell_and_history(self, identity, people):
        declared = declare(identity, people)
        assert (declared.patient_id, declared.professional_id, declared.declared) == (
            people.patient, people.professionals[GP], True)
        assert declared.source == pb.CARE_TEAM_SOURCE_DECLARED_BY_PROFESSIONAL and declared.since.seconds > 0
        [member] = settings(identity, people).care_team
        assert (member.professional_id, member.role, member.administrator, member.source, member.since) == (
            people.professionals[GP], pb.CARE_TEAM_ROLE_UNSPECIFIED, False,
            pb.CARE_TEAM_SOURCE_DECLARED_BY_PROFESSIONAL, declared.since)
        [notice] = eventually(lambda: declarations_in_bell(identity, people.patient), what="the declaration in the bell")
        assert notice.title == "Nouveau professionnel dans l'équipe de soins" and "Alex Gp a déclaré" in notice.body
        [record] = events(identity, people.patient)
        assert (record.action, record.group, record.resource_type, record.resource_id, record.rule) == (
            apb.ACTION_SETTINGS_CHANGE, apb.ACTIVITY_GROUP_GENERAL, "care_team", people.professionals[GP],
            "care_consent_declaration")
        assert (record.actor.type, record.actor.id, record.actor.display_name, record.actor.rpps) == (
            apb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL, people.professionals[GP], "Alex Gp", "10100000001")
        assert record.resource_label == ("Alex Gp déclare avoir recueilli votre consentement lors d'un soin "
                                         "et rejoint votre équipe de soins")
        assert record.occurred_at.ToDatetime() == member.since.ToDatetime()

    def test_declaring_twice_changes_nothing_and_tells_nobody_again(self, identity, people):
        first = declare(identity, people)
        second = declare(identity, people)
        assert (second.declared, second.since, second.source) == (False, first.since, first.source)
        assert len(events(identity, people.patient)) == 1
        eventually(lambda: declarations_in_bell(identity, people.patient), what="the first notice")
        assert len(declarations_in_bell(identity, people.patient)) == 1

    def test_a_member_the_patient_added_keeps_its_role_and_source(self, identity, people):
        identity.stub.AddCareTeamMember(pb.AddCareTeamMemberRequest(
            patient_id="me", professional_id=people.professionals[GP], role=pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
            metadata=patient_md(identity, people))
        declared = declare(identity, people)
        assert (declared.declared, declared.source) == (False, pb.CARE_TEAM_SOURCE_ADDED_BY_PATIENT)
        assert settings(identity, people).care_team[0].role == pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT

    def test_the_patient_removes_a_declared_professional(self, identity, people):
        declare(identity, people)
        removed = identity.stub.RemoveCareTeamMember(pb.RemoveCareTeamMemberRequest(
            patient_id="me", professional_id=people.professionals[GP]), metadata=patient_md(identity, people))
        assert list(removed.care_team) == []
        assert events(identity, people.patient)[-1].resource_label == "Retrait de Alex Gp de votre équipe de soins"

    def test_a_blocked_professional_cannot_declare_and_must_declare_again_after_an_unblock(self, identity, people):
        declare(identity, people, PHYSIO)
        block(identity, people, people.professionals[PHYSIO])
        assert list(settings(identity, people).care_team) == []          # the block removed them
        error = error_of(lambda: declare(identity, people, PHYSIO))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "PROFESSIONAL_BLOCKED"
        assert error.details().startswith("Ce patient a bloqué votre accès à son dossier")
        identity.stub.UnblockProfessional(pb.UnblockProfessionalRequest(
            patient_id="me", professional_id=people.professionals[PHYSIO]), metadata=patient_md(identity, people))
        assert list(settings(identity, people).care_team) == []          # not back by themselves
        again = declare(identity, people, PHYSIO)
        assert again.declared
        eventually(lambda: len(declarations_in_bell(identity, people.patient)) == 2, what="the second declaration told")

    def test_occupational_medicine_cannot_declare(self, identity, people):
        error = error_of(lambda: declare(identity, people, OCCUPATIONAL))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "NOT_A_CARE_PROFESSIONAL"
        # asked about an unknown patient, it learns nothing more
        error = error_of(lambda: declare(identity, people, OCCUPATIONAL, UNKNOWN))
        assert details(error)[1] == "NOT_A_CARE_PROFESSIONAL"

    def test_unknown_patient(self, identity, people):
        error = error_of(lambda: declare(identity, people, patient_id=UNKNOWN))
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error.details() == "Profil introuvable"

    def test_closed_patient(self, identity, people):
        close(identity, people.patient)
        error = error_of(lambda: declare(identity, people))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "ACCOUNT_CLOSED"

    @pytest.mark.parametrize("patient_id", ["me", "x" * 37])
    def test_the_patient_must_be_named(self, identity, people, patient_id):
        error = error_of(lambda: declare(identity, people, patient_id=patient_id))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"patient_id"}

    @pytest.mark.parametrize("actor", [PATIENT, DELEGATE, OPERATOR, SERVICE])
    def test_professionals_only(self, identity, people, actor):
        caller = Caller(actor, people.patient, on_behalf_of=people.patient if actor == DELEGATE else "")
        error = error_of(lambda: declare(identity, people, metadata=identity.as_(caller)))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert list(settings(identity, people).care_team) == []

    def test_missing_token(self, identity, people):
        error = error_of(lambda: identity.stub.DeclareCareConsent(pb.DeclareCareConsentRequest(patient_id=people.patient)))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
