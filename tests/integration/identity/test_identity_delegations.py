"""Delegations over real gRPC (DOMAIN §3.3, §3.4, §10.5): invitations of caregivers and of a minor's
second legal representative, answers, revocations, the limits (3 caregivers, 5 people helped), the
30-day expiry (identity's clock moved), every bad input, and what each change leaves: the access
context, the activity history (audit), the notices and the recipient snapshot (identity's outbox)."""
from __future__ import annotations

from datetime import date, timedelta

import grpc
import pytest
import sqlalchemy as sa
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir
from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of
from meskit.auth import DELEGATE, PATIENT, SERVICE, Caller

ADULT = date(1960, 5, 17).isoformat()
CAREGIVING, LEGAL = pb.DELEGATION_TYPE_CAREGIVING, pb.DELEGATION_TYPE_LEGAL_REPRESENTATION


class People:
    """Accounts created by the operator; activated straight in identity's table (the login flow has its tests)."""

    def __init__(self, identity):
        self.identity = identity
        self.count = 0
        self.names: dict[str, tuple[str, str, str]] = {}

    def new(self, given: str, family: str = "Durand", birth: str = ADULT, activated: bool = True, **extra) -> str:
        self.count += 1
        fields = {"vitale_serial": "40123456789", "given_name": given, "family_name": family, "birth_date": birth,
                  "sex": pb.SEX_FEMALE, "nir": _nir("2", birth, "75", "056", f"{200 + self.count:03d}"), **extra}
        account_id = self.identity.stub.CreateAccount(pb.CreateAccountRequest(**fields),
                                                      metadata=self.identity.operator()).account.account_id
        if activated:
            self.sql("UPDATE accounts SET status = 'ACTIVE', activated_at = now() WHERE account_id = :id", id=account_id)
        self.names[account_id] = (family, given, birth)
        return account_id

    def sql(self, statement: str, **values):
        engine = sa.create_engine(self.identity.database_url)
        try:
            with engine.begin() as connection:
                return connection.execute(sa.text(statement), values).all() if statement.startswith("SELECT") else \
                    connection.execute(sa.text(statement), values)
        finally:
            engine.dispose()

    def md(self, account_id: str):
        return self.identity.as_(Caller(PATIENT, account_id))

    def invite(self, inviter: str, invitee: str, type_=CAREGIVING, patient_id: str = "me", metadata=None,
               **override) -> pb.Delegation:
        family, given, birth = self.names[invitee]
        fields = {"patient_id": patient_id, "type": type_, "delegate_family_name": family,
                  "delegate_given_name": given, "delegate_birth_date": birth, **override}
        return self.identity.stub.CreateDelegation(pb.CreateDelegationRequest(**fields),
                                                   metadata=metadata or self.md(inviter))

    def respond(self, who: str, delegation_id: str, accept: bool = True, metadata=None) -> pb.Delegation:
        return self.identity.stub.RespondToDelegation(pb.RespondToDelegationRequest(
            delegation_id=delegation_id, accept=accept), metadata=metadata or self.md(who))

    def revoke(self, who: str, delegation_id: str, metadata=None) -> pb.Delegation:
        return self.identity.stub.RevokeDelegation(pb.RevokeDelegationRequest(delegation_id=delegation_id),
                                                   metadata=metadata or self.md(who))

    def listed(self, who: str, patient_id: str = "me", page_size: int = 0, metadata=None) -> list[pb.Delegation]:
        found, token = [], ""
        while True:
            page = self.identity.stub.ListDelegations(pb.ListDelegationsRequest(
                patient_id=patient_id, page_size=page_size, page_token=token), metadata=metadata or self.md(who))
            found += page.delegations
            token = page.next_page_token
            if not token:
                return found

    def context(self, patient_id: str) -> pb.AccessContext:
        return self.identity.stub.GetAccessContext(pb.GetAccessContextRequest(patient_id=patient_id),
                                                   metadata=self.identity.as_(Caller(SERVICE, "documents")))

    def outbox(self, event_type: str, aggregate_id: str) -> list:
        """Identity's outbox rows of one type and profile, relayed or not."""
        return self.sql("SELECT payload FROM outbox WHERE event_type = :t AND aggregate_id = :a ORDER BY created_at",
                        t=event_type, a=aggregate_id)

    def delegations_rows(self) -> int:
        return self.sql("SELECT count(*) FROM delegations")[0][0]


@pytest.fixture
def people(identity) -> People:
    return People(identity)


@pytest.fixture
def relay_kept(identity, people):
    """Identity's relay deletes what it published: keep a copy of every outbox row for the assertions."""
    people.sql("CREATE TABLE IF NOT EXISTS outbox_copy (LIKE outbox)")
    people.sql("""CREATE OR REPLACE FUNCTION keep_outbox() RETURNS trigger AS $$
                  BEGIN INSERT INTO outbox_copy SELECT NEW.*; RETURN NEW; END $$ LANGUAGE plpgsql""")
    people.sql("CREATE TRIGGER keep_outbox AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION keep_outbox()")

    def rows(event_type: str, aggregate_id: str) -> list[dict]:
        return [r[0] for r in people.sql(
            "SELECT payload FROM outbox_copy WHERE event_type = :t AND aggregate_id = :a ORDER BY created_at",
            t=event_type, a=aggregate_id)]
    return rows


def fails(call, code: grpc.StatusCode, reason: str = "") -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    if reason:
        assert details(caught.value)[1] == reason, details(caught.value)
    return caught.value


class TestCaregiving:
    def test_invite_accept_revoke_changes_the_access_context_history_and_notices(self, identity, people, relay_kept):
        helped, caregiver = people.new("Jacqueline", "Martin"), people.new("Paul", "Martin", "1985-02-03")
        invited = people.invite(helped, caregiver)
        assert (invited.patient_id, invited.delegate_account_id, invited.type, invited.state) == (
            helped, caregiver, CAREGIVING, pb.DELEGATION_STATE_PENDING)
        assert invited.expires_at.ToDatetime() - invited.created_at.ToDatetime() == timedelta(days=30)
        assert people.context(helped).caregiver_account_ids == []
        [seen] = people.listed(caregiver)
        assert seen.delegation_id == invited.delegation_id
        # each side sees who the other is; names are only on the list
        assert (seen.patient_display_name, seen.delegate_display_name) == ("Jacqueline Martin", "Paul Martin")
        assert [(d.patient_display_name, d.delegate_display_name) for d in people.listed(helped)] == [
            ("Jacqueline Martin", "Paul Martin")]
        assert (invited.patient_display_name, invited.delegate_display_name) == ("", "")
        assert (invited.invited_by_account_id, invited.HasField("answered_at")) == (helped, False)
        accepted = people.respond(caregiver, invited.delegation_id)
        assert accepted.state == pb.DELEGATION_STATE_ACCEPTED and accepted.HasField("answered_at")
        assert list(people.context(helped).caregiver_account_ids) == [caregiver]
        assert dict(people.context(helped).delegate_display_names) == {caregiver: "Paul Martin"}
        revoked = people.revoke(helped, invited.delegation_id)
        assert revoked.state == pb.DELEGATION_STATE_REVOKED and revoked.ended_at.ToDatetime() >= (
            accepted.answered_at.ToDatetime())
        assert people.context(helped).caregiver_account_ids == []
        assert dict(people.context(helped).delegate_display_names) == {}
        assert [d.state for d in people.listed(helped)] == [pb.DELEGATION_STATE_REVOKED]
        records = identity.history(helped, resource_types=("delegation",))
        assert [r.resource_label for r in records] == [
            "Invitation de Paul Martin comme aidant", "Paul Martin a accepté d'être aidant",
            "Fin de l'accès de Paul Martin (aidant)"]
        assert [r.actor.id for r in records] == [helped, caregiver, helped]
        assert {r.action for r in records} == {apb.ACTION_SETTINGS_CHANGE}
        assert [n["actor_display"] for n in relay_kept("PARTAGE_PROFIL_AIDANT", caregiver)] == [
            "Jacqueline Martin"]
        assert [n["actor_display"] for n in relay_kept("ACCORD_PARTAGE_PROFIL", helped)] == ["Paul Martin"]
        assert len(relay_kept("REVOCATION_PAR_AIDE", caregiver)) == 1
        links = relay_kept("PROFILE_LINKS_CHANGED", helped)
        assert [n["recipient"]["caregiver_ids"] for n in links] == [[caregiver], []]

    def test_refusal_tells_the_inviter_and_changes_no_access(self, identity, people, relay_kept):
        helped, caregiver = people.new("Jacqueline"), people.new("Paul", birth="1985-02-03")
        invited = people.invite(helped, caregiver)
        assert people.respond(caregiver, invited.delegation_id, accept=False).state == pb.DELEGATION_STATE_REFUSED
        assert people.context(helped).caregiver_account_ids == []
        assert [n["actor_display"] for n in relay_kept("REFUS_PARTAGE_PROFIL", helped)] == ["Paul Durand"]
        fails(lambda: people.respond(caregiver, invited.delegation_id), grpc.StatusCode.FAILED_PRECONDITION, "REFUSED")

    def test_the_caregiver_ends_her_own_access_and_the_helped_person_is_told(self, identity, people, relay_kept):
        helped, caregiver = people.new("Jacqueline"), people.new("Paul", birth="1985-02-03")
        invited = people.invite(helped, caregiver)
        people.respond(caregiver, invited.delegation_id)
        people.revoke(caregiver, invited.delegation_id)
        assert people.context(helped).caregiver_account_ids == []
        assert [n["actor_display"] for n in relay_kept("REVOCATION_PAR_AIDANT", helped)] == ["Paul Durand"]

    def test_a_fourth_caregiver_is_refused_naming_the_limit(self, identity, people):
        helped = people.new("Jacqueline")
        caregivers = [people.new(f"Aidant{i}", birth="1985-02-03") for i in range(4)]
        for c in caregivers[:3]:
            people.invite(helped, c)
        before = people.delegations_rows()
        error = fails(lambda: people.invite(helped, caregivers[3]), grpc.StatusCode.FAILED_PRECONDITION,
                      "CAREGIVER_LIMIT")
        assert "3 au maximum" in error.details()
        assert people.delegations_rows() == before
        # a refused invitation frees its place
        people.respond(caregivers[0], people.listed(caregivers[0])[0].delegation_id, accept=False)
        people.invite(helped, caregivers[3])

    def test_a_sixth_person_helped_is_refused_naming_the_limit(self, identity, people):
        caregiver = people.new("Paul", birth="1985-02-03")
        helped = [people.new(f"Aide{i}") for i in range(6)]
        for h in helped[:5]:
            people.respond(caregiver, people.invite(h, caregiver).delegation_id)
        assert len(people.listed(caregiver, page_size=2)) == 5
        before = people.delegations_rows()
        error = fails(lambda: people.invite(helped[5], caregiver), grpc.StatusCode.FAILED_PRECONDITION, "HELPED_LIMIT")
        assert "5 au maximum" in error.details()
        assert people.delegations_rows() == before

    def test_an_invitation_expires_after_30_days(self, identity, people, clock):
        helped, caregiver = people.new("Jacqueline"), people.new("Paul", birth="1985-02-03")
        invited = people.invite(helped, caregiver)
        clock.advance(timedelta(days=29, hours=23))
        assert people.listed(helped)[0].state == pb.DELEGATION_STATE_PENDING
        clock.advance(timedelta(hours=2))
        assert people.listed(helped)[0].state == pb.DELEGATION_STATE_EXPIRED
        assert people.listed(caregiver)[0].state == pb.DELEGATION_STATE_EXPIRED
        fails(lambda: people.respond(caregiver, invited.delegation_id), grpc.StatusCode.FAILED_PRECONDITION, "EXPIRED")
        assert people.context(helped).caregiver_account_ids == []
        # an expired invitation no longer blocks a new one
        assert people.invite(helped, caregiver).state == pb.DELEGATION_STATE_PENDING


class TestFamilyViews:
    def test_the_caregivers_bell_shows_the_person_helped_while_the_caregiving_lasts(self, identity, people):
        from devtools.eventually import eventually
        from mes.notifications.v1 import notifications_pb2 as npb
        helped, caregiver = people.new("Jacqueline", "Martin"), people.new("Paul", "Martin", "1985-02-03")

        def profiles() -> list[tuple[str, str]]:
            reply = identity.notifications.GetUnreadCounts(npb.GetUnreadCountsRequest(), metadata=people.md(caregiver))
            return [(c.profile_id, c.relation) for c in reply.counts]
        invited = people.invite(helped, caregiver)
        people.respond(caregiver, invited.delegation_id)
        eventually(lambda: (helped, "CAREGIVER") in profiles(), what="the person helped in the caregiver's bell")
        people.revoke(helped, invited.delegation_id)
        eventually(lambda: helped not in {p for p, _ in profiles()}, what="the person helped gone from the bell")


class TestBadInput:
    def test_each_bad_invitation_is_refused_precisely_and_changes_nothing(self, identity, people):
        helped, caregiver = people.new("Jacqueline"), people.new("Paul", birth="1985-02-03")
        dormant = people.new("Dormant", birth="1970-01-01", activated=False)
        twin_a, twin_b = people.new("Jumeau", birth="1990-01-01"), people.new("Jumeau", birth="1990-01-01")
        assert twin_a != twin_b
        before = people.delegations_rows()
        fails(lambda: people.invite(helped, helped), grpc.StatusCode.INVALID_ARGUMENT, "SELF_INVITATION")
        fails(lambda: people.invite(helped, caregiver, delegate_given_name="Inconnu"), grpc.StatusCode.NOT_FOUND,
              "DELEGATE_NOT_FOUND")
        fails(lambda: people.invite(helped, dormant), grpc.StatusCode.FAILED_PRECONDITION, "DELEGATE_NOT_ACTIVATED")
        fails(lambda: people.invite(helped, twin_a), grpc.StatusCode.FAILED_PRECONDITION, "DELEGATE_AMBIGUOUS")
        fails(lambda: people.invite(helped, caregiver, delegate_birth_date="17/05/1960"),
              grpc.StatusCode.INVALID_ARGUMENT)
        fails(lambda: people.invite(helped, caregiver, type_=pb.DELEGATION_TYPE_UNSPECIFIED),
              grpc.StatusCode.INVALID_ARGUMENT)
        assert people.delegations_rows() == before
        first = people.invite(helped, caregiver)
        fails(lambda: people.invite(helped, caregiver), grpc.StatusCode.ALREADY_EXISTS, "DELEGATION_EXISTS")
        people.respond(caregiver, first.delegation_id)
        fails(lambda: people.invite(helped, caregiver), grpc.StatusCode.ALREADY_EXISTS, "DELEGATION_EXISTS")
        assert people.delegations_rows() == before + 1

    def test_only_the_invitee_answers_and_only_the_two_sides_revoke(self, identity, people):
        helped, caregiver, stranger = (people.new("Jacqueline"), people.new("Paul", birth="1985-02-03"),
                                       people.new("Inconnue", birth="1975-06-06"))
        invited = people.invite(helped, caregiver)
        fails(lambda: people.respond(helped, invited.delegation_id), grpc.StatusCode.PERMISSION_DENIED, "NOT_INVITEE")
        fails(lambda: people.respond(stranger, invited.delegation_id), grpc.StatusCode.PERMISSION_DENIED)
        fails(lambda: people.respond(caregiver, "00000000-0000-0000-0000-000000000000"), grpc.StatusCode.NOT_FOUND)
        fails(lambda: people.revoke(stranger, invited.delegation_id), grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTY")
        fails(lambda: people.listed(stranger, patient_id=helped), grpc.StatusCode.PERMISSION_DENIED)
        assert people.listed(helped)[0].state == pb.DELEGATION_STATE_PENDING

    def test_a_caregiver_cannot_manage_caregivers(self, identity, people):
        helped, caregiver, other = (people.new("Jacqueline"), people.new("Paul", birth="1985-02-03"),
                                    people.new("Autre", birth="1975-06-06"))
        accepted = people.respond(caregiver, people.invite(helped, caregiver).delegation_id)
        second = people.invite(helped, other)
        acting = identity.as_(Caller(DELEGATE, caregiver, on_behalf_of=helped))
        before = people.delegations_rows()
        fails(lambda: people.invite(helped, other, metadata=acting), grpc.StatusCode.PERMISSION_DENIED, "NOT_HOLDER")
        fails(lambda: people.revoke(caregiver, second.delegation_id, metadata=acting),
              grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTY")
        assert people.delegations_rows() == before
        # she sees only her own delegation for the person helped
        assert [d.delegation_id for d in people.listed(caregiver, patient_id=helped, metadata=acting)] == [
            accepted.delegation_id]


class TestLegalRepresentation:
    def test_the_insurers_representative_is_a_delegation_and_invites_the_second(self, identity, people, relay_kept):
        mother, father = people.new("Claire", "Petit", "1985-04-04"), people.new("Marc", "Petit", "1984-03-03")
        child_birth = date(date.today().year - 8, 3, 1).isoformat()
        child = people.new("Léa", "Petit", child_birth, activated=False, legal_representative_account_id=mother)
        [first] = people.listed(mother)
        assert (first.patient_id, first.delegate_account_id, first.type, first.state) == (
            child, mother, LEGAL, pb.DELEGATION_STATE_ACCEPTED)
        assert list(people.context(child).legal_representative_account_ids) == [mother]
        fails(lambda: people.invite(father, mother, type_=LEGAL, patient_id=child), grpc.StatusCode.PERMISSION_DENIED,
              "NOT_LEGAL_REPRESENTATIVE")
        invited = people.invite(mother, father, type_=LEGAL, patient_id=child)
        assert invited.patient_id == child
        people.respond(father, invited.delegation_id)
        assert list(people.context(child).legal_representative_account_ids) == [mother, father]
        assert {d.delegate_account_id for d in people.listed(father, patient_id=child)} == {mother, father}
        third = people.new("Tiers", "Petit", "1980-01-01")
        fails(lambda: people.invite(mother, third, type_=LEGAL, patient_id=child), grpc.StatusCode.FAILED_PRECONDITION,
              "LEGAL_REPRESENTATIVE_LIMIT")
        assert [n["recipient"]["legal_representative_ids"] for n in relay_kept("PROFILE_LINKS_CHANGED", child)] == [
            [mother, father]]
        # the father leaves: the mother may also end his representation, the child's context follows
        people.revoke(mother, invited.delegation_id)
        assert list(people.context(child).legal_representative_account_ids) == [mother]

    def test_migration_made_a_delegation_of_every_existing_representative(self, identity, people):
        """0007 turned legal_representative_account_id into ACCEPTED delegations; account creation writes one."""
        mother = people.new("Claire", "Petit", "1985-04-04")
        child = people.new("Léa", "Petit", date(date.today().year - 5, 3, 1).isoformat(), activated=False,
                           legal_representative_account_id=mother)
        [(state, type_)] = people.sql("SELECT state, type FROM delegations WHERE delegator_id = :c", c=child)
        assert (state, type_) == ("ACCEPTED", "LEGAL_REPRESENTATION")


class TestSwitchProfile:
    def switch(self, identity, metadata, patient_id: str) -> pb.DelegateToken:
        return identity.stub.SwitchProfile(pb.SwitchProfileRequest(patient_id=patient_id), metadata=metadata)

    def test_the_token_names_the_person_helped_as_subject_and_the_caregiver_as_actor(self, identity, people):
        import jwt
        from meskit.auth import TokenVerifier
        helped, caregiver = people.new("Jacqueline", "Martin"), people.new("Paul", "Martin", "1985-02-03")
        people.respond(caregiver, people.invite(helped, caregiver).delegation_id)
        issued = self.switch(identity, people.md(caregiver), helped)
        assert (issued.patient_id, issued.delegate_account_id, issued.delegation_type, issued.token_type) == (
            helped, caregiver, CAREGIVING, "Bearer")
        claims = jwt.decode(issued.access_token, options={"verify_signature": False})
        assert (claims["sub"], claims["actor"]) == (helped, "delegate")
        assert claims["act"] == {"sub": caregiver, "delegation": "CAREGIVING", "scope": list(issued.scopes)}
        assert 0 < claims["exp"] - claims["iat"] <= 600
        signer_keys = identity.stub.GetJwks(pb.GetJwksRequest())
        import json
        caller = TokenVerifier(lambda: json.loads(signer_keys.jwks_json), issuer="mes-identity",
                               audience="mes-api").verify(issued.access_token)
        assert (caller.actor_type, caller.subject, caller.on_behalf_of, caller.delegation) == (
            DELEGATE, caregiver, helped, "CAREGIVING")
        # the token works at identity too, as the caregiver for her
        listed = people.listed(caregiver, patient_id="me",
                               metadata=[("authorization", f"Bearer {issued.access_token}")])
        assert [d.delegate_account_id for d in listed] == [caregiver]
        [record] = identity.history(helped, resource_types=("session",))
        assert (record.actor.id, record.actor.on_behalf_of) == (caregiver, helped)
        assert record.resource_label == "Paul Martin accède à votre profil (aidant)"

    def test_refused_without_a_delegation_in_force(self, identity, people):
        helped, caregiver = people.new("Jacqueline"), people.new("Paul", birth="1985-02-03")
        invited = people.invite(helped, caregiver)
        fails(lambda: self.switch(identity, people.md(caregiver), helped), grpc.StatusCode.PERMISSION_DENIED,
              "NO_DELEGATION")
        people.respond(caregiver, invited.delegation_id)
        self.switch(identity, people.md(caregiver), helped)
        fails(lambda: self.switch(identity, people.md(caregiver), caregiver), grpc.StatusCode.PERMISSION_DENIED)
        fails(lambda: self.switch(identity, identity.as_(Caller(DELEGATE, caregiver, on_behalf_of=helped)), helped),
              grpc.StatusCode.PERMISSION_DENIED, "NOT_HOLDER")
        fails(lambda: self.switch(identity, people.md(caregiver), "00000000-0000-0000-0000-000000000000"),
              grpc.StatusCode.PERMISSION_DENIED, "NO_DELEGATION")
        people.revoke(caregiver, invited.delegation_id)
        fails(lambda: self.switch(identity, people.md(caregiver), helped), grpc.StatusCode.PERMISSION_DENIED,
              "NO_DELEGATION")

    def test_a_parent_switches_to_her_child(self, identity, people):
        mother = people.new("Claire", "Petit", "1985-04-04")
        child = people.new("Léa", "Petit", date(date.today().year - 8, 3, 1).isoformat(), activated=False,
                           legal_representative_account_id=mother)
        issued = self.switch(identity, people.md(mother), child)
        assert issued.delegation_type == LEGAL
