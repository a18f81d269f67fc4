"""Delegations that end by themselves, over real gRPC (DOMAIN §3.3, §10.5): the 18th birthday, a
caregiving's end date (set at creation or by SetDelegationEndDate) with its 14-day reminder, five
years unused. Identity's clock is moved (the wiring's `now`); the job's passes run as another
replica would (delegation_jobs.run_due on identity's database). What people see: the RPC answers,
the mails notifications sends, the bell's family views, the history; the notices identity emits
(its outbox, kept by relay_kept)."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as pb
from mes.notifications.v1 import notifications_pb2 as npb

from devtools.demo import _nir
from devtools.eventually import eventually
from devtools.rpc_errors import error_details as details
from devtools.smtp_sink import read_mails, text_of
from meskit import db
from meskit.auth import DELEGATE, PATIENT, SERVICE, Caller

from test_identity_delegations import CAREGIVING, LEGAL, fails, people, relay_kept  # noqa: F401 (fixtures)

PARIS = ZoneInfo("Europe/Paris")
VITALE = "40123456789"


def run_pass(identity, clock):
    """One pass of the delegation jobs, as another replica of identity runs it."""
    from identity.adapters.repository import IdentityRepository
    from identity.domain import delegation_jobs
    from identity.domain.policy import Policy
    from identity.domain.ports import Dependencies
    engine = sa.create_engine(identity.database_url)
    try:
        return delegation_jobs.run_due(Dependencies(
            unit_of_work=db.unit_of_work(engine, IdentityRepository), hasher=None, code_sender=None,  # type: ignore[arg-type]
            signer=None, policy=Policy(), now=clock))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def today_paris(clock) -> date:
    return clock().astimezone(PARIS).date()


def set_clock(clock, moment: datetime) -> None:
    clock.offset = moment - datetime.now(timezone.utc)


def mails_to(identity, address: str) -> list:
    return [m for m in read_mails(identity.mail_dir) if m["To"] == address]


def switch(identity, people, who: str, patient_id: str) -> pb.DelegateToken:
    return identity.stub.SwitchProfile(pb.SwitchProfileRequest(patient_id=patient_id), metadata=people.md(who))


def set_end(identity, people, who: str, delegation_id: str, ends_on: str, metadata=None) -> pb.Delegation:
    return identity.stub.SetDelegationEndDate(pb.SetDelegationEndDateRequest(
        delegation_id=delegation_id, ends_on=ends_on), metadata=metadata or people.md(who))


def family(identity, people, viewer: str) -> set[str]:
    reply = identity.notifications.GetUnreadCounts(npb.GetUnreadCountsRequest(), metadata=people.md(viewer))
    return {c.profile_id for c in reply.counts}


def new_child(identity, people, birth: date, mother: str, email: str = "lea.petit@example.fr") -> tuple[str, str]:
    """A minor known to the insurer (not activated) with her email; (account id, NIR)."""
    people.count += 1
    nir = _nir("2", birth.isoformat(), "75", "056", f"{200 + people.count:03d}")
    child = identity.stub.CreateAccount(pb.CreateAccountRequest(
        nir=nir, vitale_serial=VITALE, given_name="Léa", family_name="Petit", birth_date=birth.isoformat(),
        sex=pb.SEX_FEMALE, email=email, legal_representative_account_id=mother),
        metadata=identity.operator()).account.account_id
    people.names[child] = ("Petit", "Léa", birth.isoformat())
    return child, nir


def parents(people) -> tuple[str, str]:
    mother = people.new("Claire", "Petit", "1985-04-04", email="claire.petit@example.fr")
    father = people.new("Marc", "Petit", "1984-03-03", email="marc.petit@example.fr")
    return mother, father


def eighteen_in(clock, days: int) -> date:
    """A birth date whose 18th birthday comes `days` days from identity's today."""
    day = today_paris(clock) + timedelta(days=days)
    return day.replace(year=day.year - 18) if not (day.month == 2 and day.day == 29) else date(day.year - 18, 2, 28)


class TestMajority:
    def test_the_18th_birthday_ends_both_representations_and_tells_everyone_once(self, identity, people, clock,
                                                                                  relay_kept):
        mother, father = parents(people)
        child, nir = new_child(identity, people, eighteen_in(clock, 3), mother)
        invited = people.invite(mother, father, type_=LEGAL, patient_id=child)
        people.respond(father, invited.delegation_id)
        eventually(lambda: child in family(identity, people, mother), what="the child in her mother's bell")
        run_pass(identity, clock)              # not yet her birthday: nothing ends
        assert list(people.context(child).legal_representative_account_ids) == [mother, father]
        switch(identity, people, father, child)

        clock.advance(timedelta(days=4))
        # the access context stops at 18 by itself, before any pass
        assert list(people.context(child).legal_representative_account_ids) == []
        done = run_pass(identity, clock)
        assert done.majorities == 1
        for parent in (mother, father):
            [ended] = [d for d in people.listed(parent) if d.patient_id == child]
            assert (ended.state, ended.ended_reason) == (pb.DELEGATION_STATE_ENDED, "MAJORITY")
            assert ended.ended_at.ToDatetime(tzinfo=timezone.utc) <= clock()
            fails(lambda: switch(identity, people, parent, child), grpc.StatusCode.PERMISSION_DENIED, "NO_DELEGATION")
        assert list(people.context(child).legal_representative_account_ids) == []

        # the young adult's mail: the code activates her own access
        [mail] = eventually(lambda: [m for m in mails_to(identity, "lea.petit@example.fr")
                                     if m["Subject"] == "Vous êtes majeur(e)"], what="the majority mail")
        text = text_of(mail)
        assert "vos représentants légaux n'y ont plus accès" in text and "Code provisoire" in text
        code = re.search(r"Code provisoire\W+([A-Z0-9-]{12,})", text).group(1)
        activated = identity.stub.ActivateAccount(pb.ActivateAccountRequest(
            provisional_code=code, nir=nir, vitale_serial=VITALE, login_id="lea.petit", password="Rivage-Nantes-2008!",
            email="lea.petit@example.fr", accept_terms=True))
        assert activated.account.status == pb.ACCOUNT_STATUS_ACTIVE
        # nobody else got the code: each former representative has her own notice, naming the first name only
        for address in ("claire.petit@example.fr", "marc.petit@example.fr"):
            [told] = eventually(lambda: [m for m in mails_to(identity, address)
                                         if "Fin de la représentation légale" in m["Subject"]], what=address)
            assert "Léa est désormais majeur(e)" in text_of(told) and code not in text_of(told)
            assert "Léa Petit" not in text_of(told)
        assert [n["actor_display"] for n in relay_kept("RAPPEL_CONSENT_RL_PASSAGE_MAJO", mother)] == ["Léa"]
        assert [n["actor_display"] for n in relay_kept("RAPPEL_CONSENT_RL_PASSAGE_MAJO", father)] == ["Léa"]
        # the bell's family views drop her
        eventually(lambda: child not in family(identity, people, mother), what="the young adult gone from the bell")
        assert [r.resource_label for r in identity.history(child, resource_types=("delegation",))][-2:] == [
            "Fin de l'accès de Claire Petit (représentant légal) : vous avez 18 ans, la représentation légale a pris fin",
            "Fin de l'accès de Marc Petit (représentant légal) : vous avez 18 ans, la représentation légale a pris fin"]

        # a second pass (a retry, another replica) changes nothing and tells nobody again
        assert run_pass(identity, clock).majorities == 0
        assert len(relay_kept("RAPPEL_CONSENT_PASSAGE_MAJO", child)) == 1
        assert len(relay_kept("RAPPEL_CONSENT_RL_PASSAGE_MAJO", mother)) == 1

    def test_an_activated_young_adult_gets_no_code(self, identity, people, clock, relay_kept):
        mother = people.new("Claire", "Petit", "1985-04-04")
        child, _ = new_child(identity, people, eighteen_in(clock, -1), mother)
        people.sql("UPDATE accounts SET status = 'ACTIVE', activated_at = now() WHERE account_id = :id", id=child)
        run_pass(identity, clock)              # her birthday was yesterday: the pass catches up
        [notice] = relay_kept("RAPPEL_CONSENT_PASSAGE_MAJO", child)
        assert notice["provisional_code"] == ""
        [mail] = eventually(lambda: [m for m in mails_to(identity, "lea.petit@example.fr")
                                     if m["Subject"] == "Vous êtes majeur(e)"], what="the majority mail")
        assert "Code provisoire" not in text_of(mail) and "vérifier vos choix" in text_of(mail)

    def test_two_passes_at_once_act_once(self, identity, people, clock, relay_kept):
        mother, father = parents(people)
        child, _ = new_child(identity, people, eighteen_in(clock, 1), mother)
        people.respond(father, people.invite(mother, father, type_=LEGAL, patient_id=child).delegation_id)
        others = [new_child(identity, people, eighteen_in(clock, 1), mother, email=f"jeune{i}@example.fr")[0]
                  for i in range(3)]
        clock.advance(timedelta(days=2))
        results, start = [], threading.Barrier(2)

        def one_pass():
            start.wait()
            results.append(run_pass(identity, clock).majorities)
        threads = [threading.Thread(target=one_pass) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(results) == 4
        for young in [child, *others]:
            assert len(relay_kept("RAPPEL_CONSENT_PASSAGE_MAJO", young)) == 1
        assert len(relay_kept("RAPPEL_CONSENT_RL_PASSAGE_MAJO", mother)) == 4
        assert len(relay_kept("RAPPEL_CONSENT_RL_PASSAGE_MAJO", father)) == 1
        assert run_pass(identity, clock).majorities == 0

    def test_born_on_29_february_she_comes_of_age_on_1_march_of_a_common_year(self, identity, people, clock):
        mother = people.new("Claire", "Petit", "1985-04-04")
        child, _ = new_child(identity, people, date(2008, 2, 29), mother)
        set_clock(clock, datetime(2026, 2, 28, 23, 30, tzinfo=PARIS))
        run_pass(identity, clock)
        assert [d.state for d in people.listed(mother)] == [pb.DELEGATION_STATE_ACCEPTED]
        set_clock(clock, datetime(2026, 3, 1, 0, 10, tzinfo=PARIS))     # still 28 February in UTC
        assert run_pass(identity, clock).majorities == 1
        assert [d.ended_reason for d in people.listed(mother)] == ["MAJORITY"]


def caregiving(identity, people, **invite) -> tuple[str, str, pb.Delegation]:
    helped = people.new("Jacqueline", "Martin", email="jacqueline.martin@example.fr")
    caregiver = people.new("Paul", "Martin", "1985-02-03", email="paul.martin@example.fr")
    invited = people.invite(helped, caregiver, **invite)
    return helped, caregiver, people.respond(caregiver, invited.delegation_id)


def ends_at(last_day: date) -> datetime:
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(timezone.utc)


class TestEndDate:
    def test_an_end_date_at_creation_is_the_last_day_in_force(self, identity, people, clock):
        last_day = today_paris(clock) + timedelta(days=40)
        helped, caregiver, accepted = caregiving(identity, people, ends_on=last_day.isoformat())
        assert accepted.expires_at.ToDatetime(tzinfo=timezone.utc) == ends_at(last_day)
        set_clock(clock, datetime.combine(last_day, time(23, 59), tzinfo=PARIS))
        assert list(people.context(helped).caregiver_account_ids) == [caregiver]
        set_clock(clock, ends_at(last_day))
        assert list(people.context(helped).caregiver_account_ids) == []

    @pytest.mark.parametrize("ends_on", ["demain", "2020-01-01", "today", "in 11 years"])
    def test_bad_end_dates_are_refused_and_create_nothing(self, identity, people, clock, ends_on):
        helped = people.new("Jacqueline")
        caregiver = people.new("Paul", birth="1985-02-03")
        today = today_paris(clock)
        value = {"today": today.isoformat(), "in 11 years": today.replace(year=today.year + 11).isoformat()}.get(
            ends_on, ends_on)
        before = people.delegations_rows()
        error = fails(lambda: people.invite(helped, caregiver, ends_on=value), grpc.StatusCode.INVALID_ARGUMENT)
        assert details(error)[0] == {"ends_on"}
        assert people.delegations_rows() == before

    def test_no_end_date_for_a_legal_representation(self, identity, people, clock):
        mother, father = parents(people)
        child, _ = new_child(identity, people, date(date.today().year - 8, 3, 1), mother)
        tomorrow = (today_paris(clock) + timedelta(days=1)).isoformat()
        error = fails(lambda: people.invite(mother, father, type_=LEGAL, patient_id=child, ends_on=tomorrow),
                      grpc.StatusCode.INVALID_ARGUMENT)
        assert details(error)[0] == {"ends_on"}
        [represented] = people.listed(mother)
        fails(lambda: set_end(identity, people, mother, represented.delegation_id, tomorrow),
              grpc.StatusCode.FAILED_PRECONDITION, "NOT_CAREGIVING")

    def test_either_side_sets_changes_and_removes_it_and_the_other_is_told(self, identity, people, clock, relay_kept):
        helped, caregiver, accepted = caregiving(identity, people)
        first = today_paris(clock) + timedelta(days=60)
        changed = set_end(identity, people, helped, accepted.delegation_id, first.isoformat())
        assert changed.expires_at.ToDatetime(tzinfo=timezone.utc) == ends_at(first)
        assert [n["actor_display"] for n in relay_kept("DATE_FIN_PARTAGE_PROFIL", caregiver)] == ["Jacqueline Martin"]
        # the caregiver, with her own token or acting for her, changes it; the person helped is told
        later = first + timedelta(days=30)
        acting = identity.as_(Caller(DELEGATE, caregiver, on_behalf_of=helped))
        set_end(identity, people, caregiver, accepted.delegation_id, later.isoformat(), metadata=acting)
        assert [n["actor_display"] for n in relay_kept("DATE_FIN_PARTAGE_PROFIL", helped)] == ["Paul Martin"]
        removed = set_end(identity, people, caregiver, accepted.delegation_id, "")
        assert not removed.HasField("expires_at") and removed.state == pb.DELEGATION_STATE_ACCEPTED
        assert [r.resource_label for r in identity.history(helped, resource_types=("delegation",))][-3:] == [
            f"Date de fin de l'accès de Paul Martin (aidant) : jusqu'au {first:%d/%m/%Y} inclus",
            f"Date de fin de l'accès de Paul Martin (aidant) : jusqu'au {later:%d/%m/%Y} inclus",
            "Date de fin de l'accès de Paul Martin (aidant) supprimée"]
        eventually(lambda: [m for m in mails_to(identity, "paul.martin@example.fr")
                            if m["Subject"] == "Date de fin du partage de profil"
                            and "entre Jacqueline Martin et Paul Martin" in text_of(m)], what="the caregiver's mail")

    def test_wrong_callers_states_and_dates_are_refused(self, identity, people, clock):
        helped, caregiver, accepted = caregiving(identity, people)
        stranger = people.new("Inconnue", birth="1975-06-06")
        other = people.new("Autre", birth="1976-07-07")
        people.respond(other, people.invite(helped, other).delegation_id)
        day = (today_paris(clock) + timedelta(days=20)).isoformat()
        fails(lambda: set_end(identity, people, stranger, accepted.delegation_id, day),
              grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTY")
        # another caregiver acting for her is not a party of this caregiving
        fails(lambda: set_end(identity, people, other, accepted.delegation_id, day,
                              metadata=identity.as_(Caller(DELEGATE, other, on_behalf_of=helped))),
              grpc.StatusCode.PERMISSION_DENIED, "NOT_A_PARTY")
        fails(lambda: set_end(identity, people, helped, accepted.delegation_id, today_paris(clock).isoformat()),
              grpc.StatusCode.INVALID_ARGUMENT)
        fails(lambda: set_end(identity, people, helped, accepted.delegation_id, "31/12/2030"),
              grpc.StatusCode.INVALID_ARGUMENT)
        fails(lambda: set_end(identity, people, helped, "00000000-0000-0000-0000-000000000000", day),
              grpc.StatusCode.NOT_FOUND)
        pending = people.invite(helped, stranger)
        fails(lambda: set_end(identity, people, helped, pending.delegation_id, day),
              grpc.StatusCode.FAILED_PRECONDITION, "PENDING")
        people.revoke(helped, accepted.delegation_id)
        fails(lambda: set_end(identity, people, caregiver, accepted.delegation_id, day),
              grpc.StatusCode.FAILED_PRECONDITION, "REVOKED")
        fails(lambda: identity.stub.SetDelegationEndDate(pb.SetDelegationEndDateRequest(
            delegation_id=accepted.delegation_id, ends_on=day), metadata=identity.as_(Caller(SERVICE, "documents"))),
            grpc.StatusCode.PERMISSION_DENIED)

    def test_both_are_reminded_14_days_before_once_then_it_ends(self, identity, people, clock, relay_kept):
        last_day = today_paris(clock) + timedelta(days=30)
        helped, caregiver, accepted = caregiving(identity, people, ends_on=last_day.isoformat())
        end = ends_at(last_day)
        set_clock(clock, end - timedelta(days=14, hours=1))
        assert run_pass(identity, clock).reminded == 0
        set_clock(clock, end - timedelta(days=13))
        assert run_pass(identity, clock).reminded == 1
        assert run_pass(identity, clock).reminded == 0
        assert [n["actor_display"] for n in relay_kept("RAPPEL_FIN_PARTAGE_PROFIL", helped)] == ["Paul Martin"]
        assert [n["actor_display"] for n in relay_kept("RAPPEL_FIN_PARTAGE_PROFIL", caregiver)] == ["Jacqueline Martin"]
        eventually(lambda: [m for m in mails_to(identity, "jacqueline.martin@example.fr")
                            if m["Subject"] == "Fin prochaine du partage de profil"], what="the reminder mail")

        set_clock(clock, end + timedelta(days=2))       # a pass after a downtime catches up
        assert run_pass(identity, clock).ended == 1
        [ended] = people.listed(helped)
        assert (ended.state, ended.ended_reason) == (pb.DELEGATION_STATE_EXPIRED, "END_DATE")
        assert ended.ended_at.ToDatetime(tzinfo=timezone.utc) == end
        fails(lambda: switch(identity, people, caregiver, helped), grpc.StatusCode.PERMISSION_DENIED, "NO_DELEGATION")
        assert run_pass(identity, clock).ended == 0
        assert len(relay_kept("FIN_PARTAGE_PROFIL", helped)) == len(relay_kept("FIN_PARTAGE_PROFIL", caregiver)) == 1
        assert relay_kept("PROFILE_LINKS_CHANGED", helped)[-1]["recipient"]["caregiver_ids"] == []
        eventually(lambda: [m for m in mails_to(identity, "paul.martin@example.fr")
                            if m["Subject"] == "Fin du partage de profil" and "a pris fin" in text_of(m)],
                   what="the end mail")
        assert identity.history(helped, resource_types=("delegation",))[-1].resource_label == (
            "Fin de l'accès de Paul Martin (aidant) : date de fin atteinte")
        eventually(lambda: helped not in family(identity, people, caregiver), what="the person helped gone from the bell")

    def test_a_new_end_date_is_reminded_again(self, identity, people, clock, relay_kept):
        last_day = today_paris(clock) + timedelta(days=10)
        helped, caregiver, accepted = caregiving(identity, people, ends_on=last_day.isoformat())
        assert run_pass(identity, clock).reminded == 1
        set_end(identity, people, helped, accepted.delegation_id, (last_day + timedelta(days=60)).isoformat())
        assert run_pass(identity, clock).reminded == 0
        set_clock(clock, ends_at(last_day + timedelta(days=60)) - timedelta(days=3))
        assert run_pass(identity, clock).reminded == 1
        assert len(relay_kept("RAPPEL_FIN_PARTAGE_PROFIL", caregiver)) == 2


class TestUnused:
    def test_a_caregiving_unused_for_five_years_ends(self, identity, people, clock, relay_kept):
        helped, caregiver, accepted = caregiving(identity, people)
        accepted_at = accepted.answered_at.ToDatetime(tzinfo=timezone.utc)
        five_years = accepted_at.replace(year=accepted_at.year + 5)
        set_clock(clock, five_years - timedelta(days=1))
        assert run_pass(identity, clock).unused == 0
        switch(identity, people, caregiver, helped)               # used: five more years from now
        set_clock(clock, five_years + timedelta(days=1))
        assert run_pass(identity, clock).unused == 0
        assert list(people.context(helped).caregiver_account_ids) == [caregiver]
        set_clock(clock, five_years.replace(year=five_years.year + 5))
        assert run_pass(identity, clock).unused == 1
        [ended] = people.listed(helped)
        assert (ended.state, ended.ended_reason) == (pb.DELEGATION_STATE_ENDED, "UNUSED")
        assert list(people.context(helped).caregiver_account_ids) == []
        assert run_pass(identity, clock).unused == 0
        assert len(relay_kept("FIN_PARTAGE_PROFIL", helped)) == len(relay_kept("FIN_PARTAGE_PROFIL", caregiver)) == 1
        assert identity.history(helped, resource_types=("delegation",))[-1].resource_label == (
            "Fin de l'accès de Paul Martin (aidant) : accès non utilisé depuis 5 ans")
