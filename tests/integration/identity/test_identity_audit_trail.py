"""Identity's events in the holder's activity history (audit ListActivity, group GENERAL), through
identity's outbox: creation, activation, logins, failures and lockouts, sessions, contact and email
changes; never a secret; and a record waits in the outbox while audit is down, never lost."""
from __future__ import annotations

import time

import grpc
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb

from devtools.eventually import eventually
from devtools.rpc_errors import error_of
from meskit.auth import PATIENT, Caller

from test_login_flow import PASSWORD, activate, create_patient, last_code, login

ACCOUNT_AND_SESSIONS = ("account", "session")


def trail(identity, patient_id: str) -> list[tuple[str, str, str, str]]:
    """(action, decision, rule, label) of the patient's account and session records, oldest first."""
    return [(apb.Action.Name(r.action), apb.Decision.Name(r.decision), r.rule, r.resource_label)
            for r in identity.history(patient_id, resource_types=ACCOUNT_AND_SESSIONS)]


def active_patient(identity) -> str:
    created = create_patient(identity)
    activate(identity, created)
    return created.account.account_id


def wrong_password(identity, login_id="jacqueline.martin"):
    return error_of(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=login_id, password="Faux-Mot-2026!")))


CREATED = ("ACTION_ACCOUNT_CHANGE", "DECISION_ALLOWED", "operator", "Création de votre profil Mon espace santé")
ACTIVATED = ("ACTION_ACCOUNT_CHANGE", "DECISION_ALLOWED", "holder", "Activation de votre profil Mon espace santé")
LOGGED_IN = ("ACTION_LOGIN", "DECISION_ALLOWED", "password_and_code", "Connexion à votre profil")
BAD_PASSWORD = ("ACTION_LOGIN", "DECISION_DENIED", "wrong_password",
                "Tentative de connexion refusée : mot de passe incorrect")
LOCKED = ("ACTION_LOGIN", "DECISION_DENIED", "locked_out", "Connexion bloquée après plusieurs tentatives incorrectes")


class TestAccountAndLogins:
    def test_creation_activation_a_login_and_a_wrong_password(self, identity):
        patient_id = active_patient(identity)
        login(identity)
        wrong_password(identity)
        assert trail(identity, patient_id) == [CREATED, ACTIVATED, LOGGED_IN, BAD_PASSWORD]
        records = identity.history(patient_id, resource_types=ACCOUNT_AND_SESSIONS)
        assert [(r.actor.type, r.actor.id) for r in records] == [
            (apb.ACTOR_TYPE_OPERATOR, "demo-seed"), *[(apb.ACTOR_TYPE_PATIENT, patient_id)] * 3]
        assert {(r.group, r.service, r.patient_id) for r in records} == {
            (apb.ACTIVITY_GROUP_GENERAL, "identity", patient_id)}

    def test_a_lockout_is_recorded_once_and_attempts_while_locked_are_not(self, identity):
        patient_id = active_patient(identity)
        for _ in range(3):                                   # LOCKOUT_MAX_FAILURES=3 in the harness
            wrong_password(identity)
        assert wrong_password(identity).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert trail(identity, patient_id)[2:] == [BAD_PASSWORD, BAD_PASSWORD, BAD_PASSWORD, LOCKED]

    def test_a_wrong_code_is_recorded(self, identity):
        patient_id = active_patient(identity)
        started = identity.stub.StartLogin(pb.StartLoginRequest(login_id="jacqueline.martin", password=PASSWORD))
        wrong = "000000" if last_code(identity) != "000000" else "111111"
        error_of(lambda: identity.stub.CompleteLogin(pb.CompleteLoginRequest(challenge_id=started.challenge_id,
                                                                             code=wrong)))
        assert trail(identity, patient_id)[-1] == (
            "ACTION_LOGIN", "DECISION_DENIED", "wrong_code",
            "Tentative de connexion refusée : code de connexion incorrect ou expiré")

    def test_unknown_login_ids_leave_no_record(self, identity):
        patient_id = active_patient(identity)
        wrong_password(identity, "personne.inconnue")
        assert trail(identity, patient_id) == [CREATED, ACTIVATED]

    def test_logout_and_a_reused_refresh_token(self, identity):
        patient_id = active_patient(identity)
        first = login(identity)
        identity.stub.RefreshSession(pb.RefreshSessionRequest(refresh_token=first.refresh_token))
        error_of(lambda: identity.stub.RefreshSession(pb.RefreshSessionRequest(refresh_token=first.refresh_token)))
        other = login(identity)
        identity.stub.Logout(pb.LogoutRequest(refresh_token=other.refresh_token))
        identity.stub.Logout(pb.LogoutRequest(refresh_token=other.refresh_token))       # already closed: nothing
        assert trail(identity, patient_id)[2:] == [
            LOGGED_IN,
            ("ACTION_LOGOUT", "DECISION_DENIED", "refresh_token_reused",
             "Session fermée par sécurité : un ancien jeton de session a été présenté de nouveau"),
            LOGGED_IN, ("ACTION_LOGOUT", "DECISION_ALLOWED", "session_closed", "Déconnexion")]
        reuse = identity.history(patient_id, resource_types=("session",))[1]
        assert (reuse.actor.type, reuse.actor.id) == (apb.ACTOR_TYPE_SYSTEM, "identity")
        # no secret anywhere: not the password, not a token, not a code
        text = str(identity.history(patient_id))
        for secret in (PASSWORD, first.refresh_token, first.access_token, other.refresh_token):
            assert secret not in text


class TestContactAndEmail:
    def test_the_insurer_changes_the_postal_address_then_the_holder_changes_her_email(self, identity):
        created = create_patient(identity)
        patient_id = created.account.account_id
        identity.stub.UpdateContact(pb.UpdateContactRequest(account_id=patient_id, postal_address="3 place du Marché, 69002 Lyon"),
                                    metadata=identity.operator())
        activate(identity, created)
        me = identity.as_(Caller(PATIENT, patient_id))
        error_of(lambda: identity.stub.StartEmailChange(pb.StartEmailChangeRequest(
            account_id="me", new_email="nouvelle@example.fr", password="Faux-Mot-2026!"), metadata=me))
        started = identity.stub.StartEmailChange(pb.StartEmailChangeRequest(
            account_id="me", new_email="nouvelle@example.fr", password=PASSWORD), metadata=me)
        code = last_code(identity)
        error_of(lambda: identity.stub.ConfirmEmailChange(pb.ConfirmEmailChangeRequest(
            account_id="me", change_id=started.change_id, code="000000" if code != "000000" else "111111"), metadata=me))
        identity.stub.ConfirmEmailChange(pb.ConfirmEmailChangeRequest(
            account_id="me", change_id=started.change_id, code=code), metadata=me)
        assert trail(identity, patient_id) == [
            CREATED,
            ("ACTION_ACCOUNT_CHANGE", "DECISION_ALLOWED", "operator", "Modification de vos coordonnées : adresse postale"),
            ACTIVATED,
            ("ACTION_ACCOUNT_CHANGE", "DECISION_DENIED", "wrong_password",
             "Changement d'adresse e-mail refusé : mot de passe incorrect"),
            ("ACTION_ACCOUNT_CHANGE", "DECISION_ALLOWED", "holder",
             "Demande de changement d'adresse e-mail : code envoyé à n***@example.fr"),
            ("ACTION_ACCOUNT_CHANGE", "DECISION_DENIED", "wrong_code",
             "Changement d'adresse e-mail refusé : code incorrect ou expiré"),
            ("ACTION_ACCOUNT_CHANGE", "DECISION_ALLOWED", "holder", "Adresse e-mail modifiée : n***@example.fr")]
        text = str(identity.history(patient_id))
        assert code not in text and PASSWORD not in text and "nouvelle@" not in text


class TestRelayToAudit:
    def test_a_change_made_while_audit_is_down_reaches_the_history_once_audit_is_back(self, identity):
        patient_id = active_patient(identity)
        assert trail(identity, patient_id) == [CREATED, ACTIVATED]
        identity.audit_service.stop()
        try:
            settings = identity.stub.SetMaskNewDocumentsByDefault(pb.SetMaskNewDocumentsByDefaultRequest(
                patient_id="me", mask=True), metadata=identity.as_(Caller(PATIENT, patient_id)))
            assert settings.mask_new_documents_by_default      # the change does not wait for audit
            time.sleep(1.5)                                    # the relay tries, fails, backs off
            assert identity.pending_outbox(patient_id) == 1
        finally:
            identity.audit_service.start()                     # the same address identity holds
        eventually(lambda: identity.pending_outbox(patient_id) == 0, timeout=60, what="the record relayed after audit came back")
        [record] = identity.history(patient_id, resource_types=("access_settings",))
        assert record.resource_label == "Masquage par défaut des nouveaux documents aux professionnels : activé"
