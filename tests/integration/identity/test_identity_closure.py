"""Closing a space over real gRPC (DOMAIN §3.3, §3.4, §4.4): by the holder, by a minor's legal
representative (the other one loses access), never by a caregiver; the password checked like at
login; the login refused afterwards; and what a caregiver may not do for the person she helps, each
refusal recorded in that person's history as she reads it from audit."""
from __future__ import annotations

import re

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb
from mes.notifications.v1 import notifications_pb2 as npb

from devtools.demo import _nir
from devtools.eventually import eventually
from devtools.smtp_sink import read_mails, text_of
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller
from test_identity_delegations import ADULT, LEGAL, People, fails

PASSWORD = "Lilas-Paris-1946!"
CHILD = "2015-03-02"
DENIED = grpc.StatusCode.PERMISSION_DENIED


class Holders(People):
    """People with a real activation (login id, password), so that they log in and close with it."""

    def holder(self, given: str, family: str = "Durand", birth: str = ADULT) -> str:
        self.count += 1
        fields = {"vitale_serial": "40123456789", "given_name": given, "family_name": family, "birth_date": birth,
                  "sex": pb.SEX_FEMALE, "nir": _nir("2", birth, "75", "056", f"{600 + self.count:03d}")}
        created = self.identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=self.identity.operator())
        self.identity.stub.ActivateAccount(pb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
            login_id=self.login_id(created.account.account_id), password=PASSWORD,
            email=f"{given.lower()}{self.count}@example.org", accept_terms=True))
        self.names[created.account.account_id] = (family, given, birth)
        return created.account.account_id

    def login_id(self, account_id: str) -> str:
        return f"holder-{account_id[:8]}"

    def login(self, account_id: str) -> pb.Session:
        started = self.identity.stub.StartLogin(pb.StartLoginRequest(login_id=self.login_id(account_id),
                                                                     password=PASSWORD))
        email = self.identity.stub.GetAccount(pb.GetAccountRequest(account_id=account_id),
                                              metadata=self.identity.operator()).email

        def code():
            for mail in reversed(read_mails(self.identity.mail_dir)):
                if email in mail["To"] and "connexion" in text_of(mail).lower():
                    found = re.search(r"\b(\d{6})\b", text_of(mail))
                    if found:
                        return found.group(1)
            return None
        return self.identity.stub.CompleteLogin(pb.CompleteLoginRequest(
            challenge_id=started.challenge_id, code=eventually(code, what="the login code mailed")))

    def switched(self, delegate: str, patient_id: str):
        token = self.identity.stub.SwitchProfile(pb.SwitchProfileRequest(patient_id=patient_id), metadata=self.md(delegate))
        return [("authorization", f"Bearer {token.access_token}")]

    def close(self, metadata, account_id: str = "me", password: str = PASSWORD, delete_data: bool = False) -> pb.Account:
        return self.identity.stub.CloseAccount(pb.CloseAccountRequest(
            account_id=account_id, password=password, delete_data=delete_data), metadata=metadata)

    def status(self, account_id: str) -> int:
        return self.identity.stub.GetAccount(pb.GetAccountRequest(account_id=account_id),
                                             metadata=self.identity.operator()).status

    def caregiver_of(self, helped: str, caregiver: str) -> pb.Delegation:
        return self.respond(caregiver, self.invite(helped, caregiver).delegation_id)

    def bell(self, account_id: str, event_type: str) -> list[npb.Notification]:
        reply = self.identity.notifications.ListNotifications(npb.ListNotificationsRequest(profile_id=account_id),
                                                              metadata=self.md(account_id))
        return [n for n in reply.notifications if n.event_type == event_type]


@pytest.fixture
def holders(identity) -> Holders:
    return Holders(identity)


def refusals(identity, patient_id: str) -> list[apb.Record]:
    """The refused attempts in the person's history, as she reads it."""
    return [r for r in identity.history(patient_id) if r.decision == apb.DECISION_DENIED]


class TestCloseAccount:
    def test_the_holder_closes_her_space_and_her_caregiver_loses_access(self, identity, holders):
        jeanne, caregiver = holders.holder("Jeanne"), holders.holder("Marc", "Petit")
        session = holders.login(jeanne)
        delegation = holders.caregiver_of(jeanne, caregiver)
        holders.switched(caregiver, jeanne)

        closed = holders.close(holders.md(jeanne), password=PASSWORD)

        assert closed.status == pb.ACCOUNT_STATUS_CLOSED
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_CLOSED          # what operators and support see
        context = holders.context(jeanne)
        assert (context.patient_space_closed, list(context.caregiver_account_ids)) == (True, [])
        fails(lambda: holders.switched(caregiver, jeanne), DENIED, "NO_DELEGATION")
        [ended] = holders.listed(caregiver)
        assert (ended.delegation_id, ended.state, ended.ended_reason) == (
            delegation.delegation_id, pb.DELEGATION_STATE_ENDED, "ACCOUNT_CLOSED")
        assert ended.ended_at.seconds > 0
        labels = [r.resource_label for r in identity.history(jeanne)]
        assert "Clôture du profil Mon espace santé" in labels
        assert "Fin de l'accès de Marc Petit (aidant) : profil clôturé" in labels
        assert eventually(lambda: holders.bell(caregiver, "CLOTURE_PROFIL"), what="the caregiver told")

        # her sessions ended; the login is refused, precisely only to whoever has the password
        fails(lambda: identity.stub.RefreshSession(pb.RefreshSessionRequest(refresh_token=session.refresh_token)),
              grpc.StatusCode.UNAUTHENTICATED, "INVALID_REFRESH_TOKEN")
        fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                    password=PASSWORD)),
              grpc.StatusCode.FAILED_PRECONDITION, "ACCOUNT_CLOSED")
        fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                    password="Wrong-Password-1!")),
              grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")
        fails(lambda: holders.close(holders.md(jeanne)), grpc.StatusCode.FAILED_PRECONDITION, "ACCOUNT_CLOSED")

    def test_a_closure_between_the_password_and_the_code_refuses_the_code(self, identity, holders):
        jeanne = holders.holder("Jeanne")
        started = identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne), password=PASSWORD))
        holders.close(holders.md(jeanne))
        mail = [m for m in read_mails(identity.mail_dir) if "connexion" in text_of(m).lower()][-1]
        code = re.search(r"\b(\d{6})\b", text_of(mail)).group(1)
        fails(lambda: identity.stub.CompleteLogin(pb.CompleteLoginRequest(challenge_id=started.challenge_id,
                                                                          code=code)),
              grpc.StatusCode.UNAUTHENTICATED)

    def test_a_closed_caregiver_stops_helping(self, identity, holders):
        helped, caregiver = holders.holder("Jeanne"), holders.holder("Marc", "Petit")
        holders.caregiver_of(helped, caregiver)
        holders.close(holders.md(caregiver))
        assert list(holders.context(helped).caregiver_account_ids) == []
        assert eventually(lambda: holders.bell(helped, "REVOCATION_PAR_AIDANT"), what="the helped person told")

    def test_a_legal_representative_closes_the_minors_space_and_the_other_loses_access(self, identity, holders):
        first, second = holders.holder("Claire", "Morel"), holders.holder("Louis", "Morel")
        child = holders.new("Lea", "Morel", birth=CHILD, activated=False, legal_representative_account_id=first)
        holders.respond(second, holders.invite(first, second, LEGAL, patient_id=child).delegation_id)
        assert set(holders.context(child).legal_representative_account_ids) == {first, second}
        acting = holders.switched(first, child)

        closed = holders.close(acting)              # her delegate token for the child, her own password

        assert (closed.account_id, closed.status) == (child, pb.ACCOUNT_STATUS_CLOSED)
        context = holders.context(child)
        assert (context.patient_space_closed, list(context.legal_representative_account_ids)) == (True, [])
        fails(lambda: holders.switched(second, child), DENIED, "NO_DELEGATION")
        assert {d.ended_reason for d in holders.listed(second) if d.patient_id == child} == {"ACCOUNT_CLOSED"}
        [record] = [r for r in identity.history(child) if r.resource_label.startswith("Clôture")]
        assert record.resource_label == "Clôture du profil Mon espace santé par Claire Morel (représentant légal)"
        assert (record.actor.id, record.actor.on_behalf_of) == (first, child)
        told = eventually(lambda: holders.bell(second, "CLOTURE_PROFIL"), what="the other representative told")
        assert told[0].body == "Le profil de Lea Morel a été clôturé : vous n'y avez plus accès."
        assert holders.bell(first, "CLOTURE_PROFIL") == []        # she closed it: nothing to tell her

    def test_a_representative_closes_with_her_own_token_naming_the_child(self, identity, holders):
        parent = holders.holder("Claire", "Morel")
        child = holders.new("Lea", "Morel", birth=CHILD, activated=False, legal_representative_account_id=parent)
        assert holders.close(holders.md(parent), account_id=child).status == pb.ACCOUNT_STATUS_CLOSED
        assert holders.status(parent) == pb.ACCOUNT_STATUS_ACTIVE

    def test_a_caregiver_is_refused_and_the_attempt_is_in_the_persons_history(self, identity, holders):
        helped, caregiver = holders.holder("Jeanne"), holders.holder("Marc", "Petit")
        holders.caregiver_of(helped, caregiver)
        acting = holders.switched(caregiver, helped)
        fails(lambda: holders.close(acting), DENIED, "NOT_HOLDER")
        fails(lambda: holders.close(acting, account_id=helped), DENIED, "NOT_HOLDER")
        assert holders.status(helped) == pb.ACCOUNT_STATUS_ACTIVE
        [record, _] = refusals(identity, helped)
        assert (record.actor.id, record.actor.on_behalf_of, record.rule, record.resource_label) == (
            caregiver, helped, "outside_delegate_scope", "Clôture du profil refusée : réservée au titulaire")

    def test_a_wrong_password_is_refused_counted_and_locks_like_a_login(self, identity, holders):
        jeanne = holders.holder("Jeanne")
        for _ in range(2):
            fails(lambda: holders.close(holders.md(jeanne), password="Wrong-Password-1!"), DENIED,
                  "INVALID_CREDENTIALS")
        fails(lambda: holders.close(holders.md(jeanne), password="Wrong-Password-1!"),
              grpc.StatusCode.RESOURCE_EXHAUSTED, "ACCOUNT_LOCKED")       # LOCKOUT_MAX_FAILURES = 3 here
        fails(lambda: holders.close(holders.md(jeanne)), grpc.StatusCode.RESOURCE_EXHAUSTED, "ACCOUNT_LOCKED")
        fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                    password=PASSWORD)),
              grpc.StatusCode.RESOURCE_EXHAUSTED, "ACCOUNT_LOCKED")
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_ACTIVE
        assert [r.rule for r in refusals(identity, jeanne)] == ["wrong_password"] * 3 + ["locked_out"]

    def test_deletion_without_the_password_is_refused_and_nothing_changes(self, identity, holders):
        jeanne = holders.holder("Jeanne")
        fails(lambda: holders.close(holders.md(jeanne), password="", delete_data=True),
              grpc.StatusCode.INVALID_ARGUMENT)
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_ACTIVE

    def test_nobody_else_closes_a_space(self, identity, holders):
        jeanne, other = holders.holder("Jeanne"), holders.holder("Marc", "Petit")
        fails(lambda: holders.close(holders.md(other), account_id=jeanne), DENIED, "NOT_HOLDER")
        fails(lambda: holders.close(identity.as_(Caller(PROFESSIONAL, "pro-1", profession_code="10")),
                                    account_id=jeanne), DENIED)
        fails(lambda: holders.close(identity.operator(), account_id=jeanne), DENIED)
        fails(lambda: holders.close(holders.md(jeanne), password=""), grpc.StatusCode.INVALID_ARGUMENT)
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_ACTIVE


class TestCaregiverScope:
    """A caregiver never changes contact details, login or caregivers (DOMAIN §3.4): PERMISSION_DENIED,
    and the attempt in the helped person's history naming both."""

    @pytest.fixture
    def helping(self, identity, holders):
        helped, caregiver, other = holders.holder("Jeanne"), holders.holder("Marc", "Petit"), holders.holder("Anne", "Roy")
        holders.caregiver_of(helped, caregiver)
        second = holders.caregiver_of(helped, other)
        return helped, caregiver, holders.switched(caregiver, helped), second

    @pytest.mark.parametrize("attempt, reason, label", [
        (lambda s, md: s.UpdateContact(pb.UpdateContactRequest(account_id="me", postal_address="1 rue Neuve"),
                                       metadata=md),
         "NOT_HOLDER", "Modification des coordonnées refusée : réservée au titulaire"),
        (lambda s, md: s.StartEmailChange(pb.StartEmailChangeRequest(account_id="me", new_email="x@example.org",
                                                                     password=PASSWORD), metadata=md),
         "NOT_HOLDER", "Changement d'adresse e-mail refusé : réservé au titulaire"),
        (lambda s, md: s.ConfirmEmailChange(pb.ConfirmEmailChangeRequest(
            account_id="me", change_id="00000000-0000-0000-0000-000000000000", code="123456"), metadata=md),
         "NOT_HOLDER", "Changement d'adresse e-mail refusé : réservé au titulaire"),
    ], ids=["update_contact", "start_email_change", "confirm_email_change"])
    def test_contact_and_login_changes_are_refused_and_recorded(self, identity, holders, helping, attempt, reason,
                                                                label):
        helped, caregiver, acting, _ = helping
        before = identity.stub.GetAccount(pb.GetAccountRequest(account_id=helped), metadata=identity.operator())
        fails(lambda: attempt(identity.stub, acting), DENIED, reason)
        after = identity.stub.GetAccount(pb.GetAccountRequest(account_id=helped), metadata=identity.operator())
        assert (after.email, after.postal_address) == (before.email, before.postal_address)
        [record] = refusals(identity, helped)
        assert (record.actor.id, record.actor.on_behalf_of, record.resource_label) == (caregiver, helped, label)

    def test_managing_caregivers_is_refused_and_recorded(self, identity, holders, helping):
        helped, caregiver, acting, second = helping
        third = holders.holder("Paul", "Blanc")
        fails(lambda: holders.invite(caregiver, third, metadata=acting), DENIED, "NOT_HOLDER")
        fails(lambda: holders.revoke(caregiver, second.delegation_id, metadata=acting), DENIED, "NOT_A_PARTY")
        assert [d.state for d in holders.listed(helped) if d.delegation_id == second.delegation_id] == [
            pb.DELEGATION_STATE_ACCEPTED]
        assert [(r.actor.id, r.actor.on_behalf_of, r.resource_label) for r in refusals(identity, helped)] == [
            (caregiver, helped, "Invitation d'un aidant refusée : réservée au titulaire"),
            (caregiver, helped, "Fin d'un accès au profil refusée : réservée au titulaire et à la personne concernée")]

    def test_she_still_ends_her_own_help(self, identity, holders, helping):
        helped, caregiver, acting, _ = helping
        [own] = [d for d in holders.listed(caregiver) if d.patient_id == helped]
        assert holders.revoke(caregiver, own.delegation_id, metadata=acting).state == pb.DELEGATION_STATE_REVOKED

    def test_a_legal_representative_keeps_what_she_may_do(self, identity, holders):
        parent = holders.holder("Claire", "Morel")
        child = holders.new("Lea", "Morel", birth=CHILD, activated=False, legal_representative_account_id=parent)
        acting = holders.switched(parent, child)
        changed = identity.stub.UpdateContact(pb.UpdateContactRequest(account_id="me", postal_address="2 rue Haute"),
                                              metadata=acting)
        assert changed.postal_address == "2 rue Haute"
        assert refusals(identity, child) == []


def test_a_delegate_token_of_no_stated_kind_is_treated_as_a_caregiver(identity, holders):
    helped = holders.holder("Jeanne")
    acting = identity.as_(Caller(DELEGATE, "someone", on_behalf_of=helped))
    fails(lambda: holders.close(acting), DENIED, "NOT_HOLDER")
    assert [r.actor.id for r in refusals(identity, helped)] == ["someone"]
