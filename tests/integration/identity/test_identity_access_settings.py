"""The patient's access settings over real gRPC and PostgreSQL: who may change what, defaults, and
each change in the patient's activity history (audit, through identity's outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import grpc
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient
from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, SUPPORT, Caller

GP, MIDWIFE, PHARMACIST, PHYSIO, OCCUPATIONAL = "gp", "midwife", "pharmacist", "physio", "occupational"
PROFESSIONS = {GP: ("10", "10100000001"), MIDWIFE: ("50", "10100000002"), PHARMACIST: ("21", "10100000003"),
               PHYSIO: ("70", "10100000004"), OCCUPATIONAL: ("10", "10100000005")}


@dataclass
class People:
    patient: str
    other_patient: str
    minor: str
    professionals: dict[str, str]



def create_account(identity, order: str, birth: str, **extra) -> str:
    fields = {**_patient(), "birth_date": birth, "nir": _nir("2", birth, "75", "056", order), **extra}
    return identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=identity.operator()).account.account_id


@pytest.fixture
def people(identity) -> People:
    adult_birth = _patient()["birth_date"]
    patient = create_account(identity, "123", adult_birth)
    other = create_account(identity, "124", adult_birth, given_name="Louise")
    child_birth = date(date.today().year - 8, 3, 1).isoformat()
    minor = create_account(identity, "125", child_birth, given_name="Léa", legal_representative_account_id=patient)
    professionals = {}
    for role, (code, rpps) in PROFESSIONS.items():
        professionals[role] = identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
            rpps=rpps, profession_code=code, given_name="Alex", family_name=role.title(),
            occupational_medicine=role == OCCUPATIONAL), metadata=identity.operator()).professional_id
    return People(patient, other, minor, professionals)


def patient_md(identity, people, account_id=None):
    return identity.as_(Caller(PATIENT, account_id or people.patient))


def professional_md(identity, people, role=GP):
    code = PROFESSIONS[role][0]
    return identity.as_(Caller(PROFESSIONAL, people.professionals[role], profession_code=code,
                               rpps=PROFESSIONS[role][1]))


SETTINGS = ("access_settings", "blocked_professional", "care_team")


def events(identity, patient_id) -> list[apb.Record]:
    """The settings changes of the patient's activity history, oldest first."""
    return identity.history(patient_id, resource_types=SETTINGS)


def changes(identity, patient_id) -> list[str]:
    return [r.resource_label for r in events(identity, patient_id)]


def close(identity, account_id: str) -> None:
    """What CloseAccount will do (not implemented yet), straight in identity's table."""
    engine = sa.create_engine(identity.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE accounts SET status = 'CLOSED' WHERE account_id = :id"), {"id": account_id})
    engine.dispose()


def block(identity, people, professional_id, metadata=None, patient_id="me"):
    return identity.stub.BlockProfessional(pb.BlockProfessionalRequest(
        patient_id=patient_id, professional_id=professional_id), metadata=metadata or patient_md(identity, people))


def add_member(identity, people, role_name=GP, role=pb.CARE_TEAM_ROLE_UNSPECIFIED, administrator=False,
               metadata=None):
    return identity.stub.AddCareTeamMember(pb.AddCareTeamMemberRequest(
        patient_id="me", professional_id=people.professionals[role_name], role=role, administrator=administrator),
        metadata=metadata or patient_md(identity, people))


class TestGetAccessSettings:
    def test_defaults_emergency_on_documents_visible_nobody_blocked(self, identity, people):
        settings = identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id=people.patient),
                                                   metadata=patient_md(identity, people))
        assert settings.patient_id == people.patient
        assert (settings.emergency.samu_access, settings.emergency.break_glass,
                settings.emergency.masked_in_emergency) == (True, True, True)
        assert not settings.mask_new_documents_by_default
        assert list(settings.blocked_professional_ids) == [] and list(settings.care_team) == []

    @pytest.mark.parametrize("patient_id", ["me", ""])
    def test_me_means_the_caller(self, identity, people, patient_id):
        settings = identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id=patient_id),
                                                   metadata=patient_md(identity, people))
        assert settings.patient_id == people.patient

    def test_a_delegate_reads_the_settings_of_the_patient_it_acts_for(self, identity, people):
        metadata = identity.as_(Caller(DELEGATE, people.patient, on_behalf_of=people.minor))
        settings = identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id="me"), metadata=metadata)
        assert settings.patient_id == people.minor

    def test_a_delegate_cannot_read_another_patients_settings(self, identity, people):
        metadata = identity.as_(Caller(DELEGATE, people.patient, on_behalf_of=people.minor))
        error = error_of(lambda: identity.stub.GetAccessSettings(
            pb.GetAccessSettingsRequest(patient_id=people.other_patient), metadata=metadata))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_another_patient_is_denied(self, identity, people):
        error = error_of(lambda: identity.stub.GetAccessSettings(
            pb.GetAccessSettingsRequest(patient_id=people.patient), metadata=patient_md(identity, people, people.other_patient)))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    @pytest.mark.parametrize("actor", [PROFESSIONAL, SUPPORT, OPERATOR, SERVICE])
    def test_other_actors_are_denied(self, identity, people, actor):
        error = error_of(lambda: identity.stub.GetAccessSettings(
            pb.GetAccessSettingsRequest(patient_id=people.patient), metadata=identity.as_(Caller(actor, "someone"))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_missing_token(self, identity, people):
        error = error_of(lambda: identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id=people.patient)))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED

    def test_unknown_patient(self, identity, people):
        metadata = identity.as_(Caller(PATIENT, "00000000-0000-0000-0000-000000000000"))
        error = error_of(lambda: identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id="me"),
                                                                 metadata=metadata))
        assert error.code() == grpc.StatusCode.NOT_FOUND


class TestEmergencySettings:
    def update(self, identity, people, metadata=None, **values):
        return identity.stub.UpdateEmergencySettings(pb.UpdateEmergencySettingsRequest(
            patient_id="me", emergency=pb.EmergencySettings(**values)), metadata=metadata or patient_md(identity, people))

    def test_patient_turns_samu_access_off(self, identity, people):
        updated = self.update(identity, people, samu_access=False, break_glass=True, masked_in_emergency=True)
        assert (updated.emergency.samu_access, updated.emergency.break_glass, updated.emergency.masked_in_emergency) \
            == (False, True, True)
        again = identity.stub.GetAccessSettings(pb.GetAccessSettingsRequest(patient_id="me"),
                                                metadata=patient_md(identity, people))
        assert again.emergency == updated.emergency

    def test_masked_is_forced_off_when_samu_and_break_glass_are_both_off(self, identity, people):
        updated = self.update(identity, people, samu_access=False, break_glass=False, masked_in_emergency=True)
        assert not updated.emergency.masked_in_emergency
        [event] = events(identity, people.patient)
        assert (event.action, event.resource_type, event.resource_id) == (
            apb.ACTION_SETTINGS_CHANGE, "access_settings", "emergency")
        assert event.resource_label == (
            "Accès en urgence modifiés : SAMU – Centre 15 : autorisé → refusé ; bris de glace : autorisé → refusé ; "
            "documents masqués visibles en urgence : autorisé → refusé "
            "(refusé d'office quand les deux accès en urgence sont refusés)")
        assert (event.actor.type, event.actor.id, event.decision) == (
            apb.ACTOR_TYPE_PATIENT, people.patient, apb.DECISION_ALLOWED)

    def test_turning_one_back_on_does_not_turn_masked_back_on(self, identity, people):
        self.update(identity, people, samu_access=False, break_glass=False, masked_in_emergency=True)
        updated = self.update(identity, people, samu_access=True, break_glass=False, masked_in_emergency=False)
        assert (updated.emergency.samu_access, updated.emergency.masked_in_emergency) == (True, False)

    def test_the_same_values_again_write_no_event(self, identity, people):
        self.update(identity, people, samu_access=True, break_glass=True, masked_in_emergency=True)
        assert events(identity, people.patient) == []

    def test_emergency_is_required(self, identity, people):
        error = error_of(lambda: identity.stub.UpdateEmergencySettings(
            pb.UpdateEmergencySettingsRequest(patient_id="me"), metadata=patient_md(identity, people)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"emergency"}

    def test_a_delegate_changes_them_for_the_patient(self, identity, people):
        metadata = identity.as_(Caller(DELEGATE, people.patient, on_behalf_of=people.minor))
        updated = self.update(identity, people, metadata, samu_access=True, break_glass=False, masked_in_emergency=True)
        assert updated.patient_id == people.minor and not updated.emergency.break_glass
        [event] = events(identity, people.minor)
        assert (event.actor.type, event.actor.id, event.actor.on_behalf_of) == (
            apb.ACTOR_TYPE_PATIENT, people.patient, people.minor)
        assert "bris de glace : autorisé → refusé" in event.resource_label

    def test_another_patient_and_professionals_are_denied(self, identity, people):
        for metadata in (patient_md(identity, people, people.other_patient), professional_md(identity, people)):
            error = error_of(lambda: identity.stub.UpdateEmergencySettings(pb.UpdateEmergencySettingsRequest(
                patient_id=people.patient, emergency=pb.EmergencySettings()), metadata=metadata))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert events(identity, people.patient) == []


class TestMaskNewDocumentsByDefault:
    def set_mask(self, identity, people, mask, metadata=None):
        return identity.stub.SetMaskNewDocumentsByDefault(pb.SetMaskNewDocumentsByDefaultRequest(
            patient_id="me", mask=mask), metadata=metadata or patient_md(identity, people))

    def test_patient_masks_new_documents_by_default_then_stops(self, identity, people):
        assert self.set_mask(identity, people, True).mask_new_documents_by_default
        assert not self.set_mask(identity, people, False).mask_new_documents_by_default
        assert changes(identity, people.patient) == [
            "Masquage par défaut des nouveaux documents aux professionnels : activé",
            "Masquage par défaut des nouveaux documents aux professionnels : désactivé"]

    def test_emergency_settings_are_kept(self, identity, people):
        identity.stub.UpdateEmergencySettings(pb.UpdateEmergencySettingsRequest(
            patient_id="me", emergency=pb.EmergencySettings(samu_access=False, break_glass=True)),
            metadata=patient_md(identity, people))
        settings = self.set_mask(identity, people, True)
        assert (settings.emergency.samu_access, settings.emergency.break_glass) == (False, True)

    def test_no_change_no_event(self, identity, people):
        self.set_mask(identity, people, False)
        assert events(identity, people.patient) == []

    def test_professional_is_denied(self, identity, people):
        error = error_of(lambda: identity.stub.SetMaskNewDocumentsByDefault(pb.SetMaskNewDocumentsByDefaultRequest(
            patient_id=people.patient, mask=True), metadata=professional_md(identity, people)))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


class TestBlockProfessional:
    def test_patient_blocks_and_unblocks_a_professional(self, identity, people):
        physio = people.professionals[PHYSIO]
        assert list(block(identity, people, physio).blocked_professional_ids) == [physio]
        unblocked = identity.stub.UnblockProfessional(pb.UnblockProfessionalRequest(
            patient_id="me", professional_id=physio), metadata=patient_md(identity, people))
        assert list(unblocked.blocked_professional_ids) == []
        assert changes(identity, people.patient) == [
            "Blocage de l'accès de Alex Physio à votre dossier",
            "Déblocage de Alex Physio : il devra de nouveau recueillir votre consentement pour accéder à votre dossier"]
        assert [e.resource_id for e in events(identity, people.patient)] == [physio, physio]

    def test_blocking_twice_changes_nothing_the_second_time(self, identity, people):
        block(identity, people, people.professionals[PHYSIO])
        assert len(block(identity, people, people.professionals[PHYSIO]).blocked_professional_ids) == 1
        assert changes(identity, people.patient) == ["Blocage de l'accès de Alex Physio à votre dossier"]

    def test_unblocking_a_professional_not_blocked_changes_nothing(self, identity, people):
        identity.stub.UnblockProfessional(pb.UnblockProfessionalRequest(
            patient_id="me", professional_id=people.professionals[GP]), metadata=patient_md(identity, people))
        assert events(identity, people.patient) == []

    def test_a_blocked_professional_leaves_the_care_team(self, identity, people):
        add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, administrator=True)
        settings = block(identity, people, people.professionals[GP])
        assert list(settings.care_team) == []
        assert changes(identity, people.patient)[-1] == (
            "Blocage de l'accès de Alex Gp à votre dossier ; retiré(e) de votre équipe de soins (était administrateur)")

    def test_unknown_professional(self, identity, people):
        error = error_of(lambda: block(identity, people, "00000000-0000-0000-0000-000000000000"))
        assert error.code() == grpc.StatusCode.NOT_FOUND

    def test_professional_id_is_required(self, identity, people):
        error = error_of(lambda: block(identity, people, ""))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"professional_id"}

    def test_another_patient_cannot_block_for_this_one(self, identity, people):
        error = error_of(lambda: block(identity, people, people.professionals[PHYSIO],
                                       patient_md(identity, people, people.other_patient), people.patient))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_an_administrator_professional_blocks_another_professional(self, identity, people):
        add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, administrator=True)
        settings = block(identity, people, people.professionals[PHYSIO], professional_md(identity, people, GP),
                         people.patient)
        assert list(settings.blocked_professional_ids) == [people.professionals[PHYSIO]]
        event = events(identity, people.patient)[-1]
        assert (event.actor.type, event.actor.id, event.actor.display_name, event.actor.rpps, event.rule) == (
            apb.ACTOR_TYPE_HEALTHCARE_PROFESSIONAL, people.professionals[GP], "Alex Gp", PROFESSIONS[GP][1],
            "care_team_administrator")
        assert event.resource_label == "Blocage de l'accès de Alex Physio à votre dossier"

    def test_a_professional_who_is_not_administrator_cannot_block(self, identity, people):
        add_member(identity, people, GP, administrator=False)
        error = error_of(lambda: block(identity, people, people.professionals[PHYSIO],
                                       professional_md(identity, people, GP), people.patient))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_an_administrator_cannot_block_another_administrator_or_itself(self, identity, people):
        add_member(identity, people, GP, administrator=True)
        add_member(identity, people, MIDWIFE, pb.CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE, administrator=True)
        for target in (MIDWIFE, GP):
            error = error_of(lambda: block(identity, people, people.professionals[target],
                                           professional_md(identity, people, GP), people.patient))
            assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_professional_learns_nothing_about_unknown_patients(self, identity, people):
        error = error_of(lambda: block(identity, people, people.professionals[PHYSIO],
                                       professional_md(identity, people, GP), "00000000-0000-0000-0000-000000000000"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_professional_cannot_say_me(self, identity, people):
        error = error_of(lambda: block(identity, people, people.professionals[PHYSIO],
                                       professional_md(identity, people, GP), "me"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_only_the_patient_unblocks(self, identity, people):
        add_member(identity, people, GP, administrator=True)
        block(identity, people, people.professionals[PHYSIO])
        error = error_of(lambda: identity.stub.UnblockProfessional(pb.UnblockProfessionalRequest(
            patient_id=people.patient, professional_id=people.professionals[PHYSIO]),
            metadata=professional_md(identity, people, GP)))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_a_closed_account_cannot_change_its_settings(self, identity, people):
        close(identity, people.patient)
        error = error_of(lambda: block(identity, people, people.professionals[PHYSIO]))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "ACCOUNT_CLOSED"


class TestCareTeam:
    def test_patient_adds_a_medecin_traitant_as_administrator(self, identity, people):
        settings = add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, administrator=True)
        [member] = settings.care_team
        assert (member.professional_id, member.role, member.administrator) == (
            people.professionals[GP], pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, True)
        assert member.since.seconds > 0
        event = events(identity, people.patient)[-1]
        assert (event.resource_type, event.resource_id, event.resource_label) == (
            "care_team", people.professionals[GP],
            "Ajout de Alex Gp dans votre équipe de soins (médecin traitant, administrateur)")

    def test_adding_again_with_another_flag_updates_the_member(self, identity, people):
        first = add_member(identity, people, PHYSIO)
        second = add_member(identity, people, PHYSIO, administrator=True)
        assert len(second.care_team) == 1 and second.care_team[0].administrator
        assert second.care_team[0].since == first.care_team[0].since
        add_member(identity, people, PHYSIO, administrator=True)
        assert changes(identity, people.patient) == [
            "Ajout de Alex Physio dans votre équipe de soins",
            "Modification du rôle de Alex Physio dans votre équipe de soins (administrateur)"]

    @pytest.mark.parametrize("role_name, role", [(PHYSIO, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
                                                 (GP, pb.CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE),
                                                 (GP, pb.CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT)])
    def test_a_role_needs_its_profession(self, identity, people, role_name, role):
        error = error_of(lambda: add_member(identity, people, role_name, role))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"role"}

    def test_each_role_with_its_profession(self, identity, people):
        add_member(identity, people, MIDWIFE, pb.CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE)
        settings = add_member(identity, people, PHARMACIST, pb.CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT)
        assert {m.role for m in settings.care_team} == {pb.CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE,
                                                        pb.CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT}

    def test_unknown_role_number(self, identity, people):
        error = error_of(lambda: add_member(identity, people, GP, 42))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"role"}

    def test_a_blocked_professional_must_be_unblocked_first(self, identity, people):
        block(identity, people, people.professionals[PHYSIO])
        error = error_of(lambda: add_member(identity, people, PHYSIO))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "PROFESSIONAL_BLOCKED"

    def test_occupational_medicine_never_joins_the_care_team(self, identity, people):
        error = error_of(lambda: add_member(identity, people, OCCUPATIONAL))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert details(error)[1] == "NOT_A_CARE_PROFESSIONAL"

    def test_patient_removes_a_member(self, identity, people):
        add_member(identity, people, GP, administrator=True)
        settings = identity.stub.RemoveCareTeamMember(pb.RemoveCareTeamMemberRequest(
            patient_id="me", professional_id=people.professionals[GP]), metadata=patient_md(identity, people))
        assert list(settings.care_team) == []
        assert changes(identity, people.patient)[-1] == "Retrait de Alex Gp de votre équipe de soins (était administrateur)"

    def test_removing_someone_not_in_the_team_changes_nothing(self, identity, people):
        identity.stub.RemoveCareTeamMember(pb.RemoveCareTeamMemberRequest(
            patient_id="me", professional_id=people.professionals[GP]), metadata=patient_md(identity, people))
        assert events(identity, people.patient) == []

    def test_a_professional_cannot_add_itself(self, identity, people):
        error = error_of(lambda: identity.stub.AddCareTeamMember(pb.AddCareTeamMemberRequest(
            patient_id=people.patient, professional_id=people.professionals[GP], administrator=True),
            metadata=professional_md(identity, people, GP)))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


class TestAccessContext:
    def context(self, identity, patient_id, professional_id="", caller=None):
        return identity.stub.GetAccessContext(pb.GetAccessContextRequest(
            patient_id=patient_id, professional_id=professional_id),
            metadata=identity.as_(caller or Caller(SERVICE, "documents")))

    def test_everything_the_decision_needs_in_one_call(self, identity, people):
        add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT, administrator=True)
        block(identity, people, people.professionals[PHYSIO])
        context = self.context(identity, people.patient, people.professionals[GP])
        assert context.settings.patient_id == people.patient
        assert list(context.settings.blocked_professional_ids) == [people.professionals[PHYSIO]]
        assert [m.administrator for m in context.settings.care_team] == [True]
        assert (context.professional.professional_id, context.professional.profession_code) == (
            people.professionals[GP], "10")
        assert not context.patient_is_minor
        assert list(context.legal_representative_account_ids) == []
        assert list(context.caregiver_account_ids) == []

    def test_the_patient_s_identity_and_her_general_practitioners_addresses(self, identity, people):
        add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT)
        add_member(identity, people, PHYSIO)
        with_mssante, with_email = (identity.stub.CreateProfessional(pb.CreateProfessionalRequest(
            rpps=rpps, profession_code="10", given_name="Alex", family_name="Généraliste", **contact),
            metadata=identity.operator()).professional_id for rpps, contact in (
            ("10100000011", {"mssante_address": "alex.g@medecin.mssante.fr", "email": "alex@example.org"}),
            ("10100000012", {"email": "camille@example.org"})))
        for professional_id in (with_mssante, with_email):
            identity.stub.AddCareTeamMember(pb.AddCareTeamMemberRequest(
                patient_id="me", professional_id=professional_id, role=pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT),
                metadata=patient_md(identity, people))
        context = self.context(identity, people.patient)
        expected = _patient()
        assert (context.patient_family_name, context.patient_given_name, context.patient_birth_date,
                context.patient_sex) == (
            expected["family_name"], expected["given_name"], expected["birth_date"], pb.SEX_FEMALE)
        assert [(g.professional_id, g.notification_address) for g in context.general_practitioners] == [
            (people.professionals[GP], ""), (with_mssante, "alex.g@medecin.mssante.fr"),
            (with_email, "camille@example.org")]

    def test_a_minor_and_its_legal_representative(self, identity, people):
        context = self.context(identity, people.minor)
        assert context.patient_is_minor
        assert list(context.legal_representative_account_ids) == [people.patient]
        assert not context.HasField("professional")

    def test_professional_flags_reach_the_decision(self, identity, people):
        context = self.context(identity, people.patient, people.professionals[OCCUPATIONAL])
        assert context.professional.occupational_medicine

    @pytest.mark.parametrize("actor", [PATIENT, PROFESSIONAL, DELEGATE, SUPPORT, OPERATOR])
    def test_service_tokens_only(self, identity, people, actor):
        caller = Caller(actor, people.patient, on_behalf_of=people.patient)
        error = error_of(lambda: self.context(identity, people.patient, caller=caller))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_missing_token(self, identity, people):
        error = error_of(lambda: identity.stub.GetAccessContext(pb.GetAccessContextRequest(patient_id=people.patient)))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED

    def test_patient_id_is_required(self, identity, people):
        error = error_of(lambda: self.context(identity, ""))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"patient_id"}

    def test_unknown_patient_or_professional(self, identity, people):
        unknown = "00000000-0000-0000-0000-000000000000"
        assert error_of(lambda: self.context(identity, unknown)).code() == grpc.StatusCode.NOT_FOUND
        assert error_of(lambda: self.context(identity, people.patient, unknown)).code() == grpc.StatusCode.NOT_FOUND


class TestActivityHistory:
    def test_every_change_is_one_record_with_who_and_what_and_no_secrets(self, identity, people):
        add_member(identity, people, GP, administrator=True)
        block(identity, people, people.professionals[PHYSIO])
        identity.stub.SetMaskNewDocumentsByDefault(pb.SetMaskNewDocumentsByDefaultRequest(patient_id="me", mask=True),
                                                   metadata=patient_md(identity, people))
        records = events(identity, people.patient)
        assert [(r.resource_type, r.action, r.group, r.rule) for r in records] == [
            ("care_team", apb.ACTION_SETTINGS_CHANGE, apb.ACTIVITY_GROUP_GENERAL, "holder"),
            ("blocked_professional", apb.ACTION_SETTINGS_CHANGE, apb.ACTIVITY_GROUP_GENERAL, "holder"),
            ("access_settings", apb.ACTION_SETTINGS_CHANGE, apb.ACTIVITY_GROUP_GENERAL, "holder")]
        for record in records:
            assert (record.patient_id, record.actor.id, record.service) == (people.patient, people.patient, "identity")
            assert not any(secret in record.resource_label.lower() for secret in ("nir", "mot de passe", "jeton"))

    def test_a_refused_change_writes_no_record(self, identity, people):
        block(identity, people, people.professionals[PHYSIO])
        error_of(lambda: add_member(identity, people, PHYSIO))
        assert changes(identity, people.patient) == ["Blocage de l'accès de Alex Physio à votre dossier"]

    def test_another_patient_does_not_see_them(self, identity, people):
        block(identity, people, people.professionals[PHYSIO])
        assert events(identity, people.patient)
        assert events(identity, people.other_patient) == []
