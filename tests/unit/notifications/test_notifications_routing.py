"""Routing decisions, pure: preferences, mandatory notices, quiet hours with the critical override,
the fallback chain, who is told about a profile, retries."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone

import pytest

from notifications.domain import routing
from notifications.domain.catalog import CAMPAIGN_TEMPLATES, CATEGORIES, NOTICES, ONE_TIME_CODE, notice_for
from notifications.domain.routing import (EMAIL, NO_ADDRESS, PENDING, POSTAL, PREFERENCE_OFF, PUSH, SKIPPED, Person,
                                          Preferences, Profile)

PARIS = routing.PARIS
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)
NIGHT = datetime(2026, 3, 10, 23, 30, tzinfo=PARIS)
DOCUMENT = notice_for("AJOUT_DOCUMENT")
ACCESS = notice_for("ACCES_DMP_PS")
EMERGENCY = notice_for("ACCES_BRIS_GLACE")
MESSAGE = notice_for("RECEPTION_MESSAGE")


def person(**kw) -> Person:
    defaults = dict(account_id="p1", activated=True, email="jeanne@example.test", postal_address="1 rue A\n75001 Paris",
                    push_devices=("d1",))
    return Person(**{**defaults, **kw})


def channels(planned) -> list[tuple[str, str]]:
    return [(p.channel, p.state) for p in planned]


class TestChannels:
    def test_an_activated_person_with_a_device_and_an_email_gets_push_and_email(self):
        assert channels(routing.plan(DOCUMENT, person(), NOON)) == [(PUSH, PENDING), (EMAIL, PENDING)]

    def test_every_registered_device_gets_its_own_push(self):
        planned = routing.plan(DOCUMENT, person(push_devices=("d1", "d2")), NOON)
        assert [(p.channel, p.target) for p in planned if p.channel == PUSH] == [(PUSH, "d1"), (PUSH, "d2")]

    def test_email_goes_to_profiles_not_activated_too_but_push_does_not(self):
        assert channels(routing.plan(DOCUMENT, person(activated=False), NOON)) == [(EMAIL, PENDING)]

    def test_no_email_known_means_a_letter(self):
        assert channels(routing.plan(DOCUMENT, person(activated=False, email=None), NOON)) == [(POSTAL, PENDING)]

    def test_an_address_refused_for_good_means_a_letter(self):
        assert channels(routing.plan(DOCUMENT, person(email_bad=True, push_devices=()), NOON)) == [(POSTAL, PENDING)]

    def test_no_email_and_no_postal_address_is_recorded_as_skipped(self):
        planned = routing.plan(DOCUMENT, person(email=None, postal_address=None, push_devices=()), NOON)
        assert channels(planned) == [(EMAIL, SKIPPED)] and planned[0].reason == NO_ADDRESS

    def test_a_notice_without_letters_is_skipped_when_no_email_works(self):
        planned = routing.plan(notice_for("CONSULT_DOCUMENT"), person(email=None, push_devices=()), NOON)
        assert channels(planned) == [(EMAIL, SKIPPED)]

    def test_someone_identity_has_not_described_yet_is_planned_by_email_resolved_when_due(self):
        assert channels(routing.plan(DOCUMENT, Person("p9", known=False), NOON)) == [(EMAIL, PENDING)]

    def test_a_closed_space_is_told_nothing(self):
        planned = routing.plan(ACCESS, person(closed=True), NOON)
        assert {p.state for p in planned} == {SKIPPED} and planned[0].reason == routing.CLOSED

    def test_the_closure_itself_still_reaches_her_closed_space_by_mail_or_letter(self):
        closure = notice_for("CONFIRMATION_CLOTURE")
        assert channels(routing.plan(closure, person(closed=True), NOON)) == [(EMAIL, PENDING)]
        assert channels(routing.plan(closure, person(closed=True, email=None), NOON)) == [(POSTAL, PENDING)]
        assert routing.fallback_after_email(closure, person(closed=True)).state == PENDING

    def test_facts_only_events_plan_nothing(self):
        assert routing.plan(notice_for("CONTACT_CHANGED"), person(), NOON) == []

    def test_the_creation_letter_goes_by_post_when_no_email_is_known(self):
        planned = routing.plan(notice_for("ACCOUNT_CREATED"), person(activated=False, email=None), NOON)
        assert channels(planned) == [(POSTAL, PENDING)]

    def test_the_login_code_is_email_only_day_and_night(self):
        assert channels(routing.plan(ONE_TIME_CODE, person(), NIGHT)) == [(EMAIL, PENDING)]
        assert routing.plan(ONE_TIME_CODE, person(), NIGHT)[0].not_before is None


class TestPreferences:
    @pytest.mark.parametrize("category", CATEGORIES)
    def test_each_toggle_silences_its_notices(self, category):
        notices = [n for n in NOTICES.values() if n.category == category]
        assert notices, category
        prefs = Preferences(**{category: False})
        for notice in notices:
            planned = routing.plan(notice, person(preferences=prefs), NOON)
            assert planned and all(p.state == SKIPPED and p.reason == PREFERENCE_OFF for p in planned), notice

    def test_a_toggle_leaves_other_categories_alone(self):
        prefs = Preferences(document=False)
        assert {p.state for p in routing.plan(MESSAGE, person(preferences=prefs), NOON)} == {PENDING}

    def test_mandatory_notices_ignore_every_toggle(self):
        prefs = Preferences(**{c: False for c in CATEGORIES})
        for notice in [n for n in NOTICES.values() if n.mandatory]:
            planned = routing.plan(notice, person(preferences=prefs), NOON)
            assert all(p.state == PENDING for p in planned), notice.event_type

    def test_access_to_the_record_and_emergency_access_are_mandatory(self):
        assert ACCESS.mandatory and EMERGENCY.mandatory and EMERGENCY.critical

    def test_notices_switched_off_are_still_recorded_per_channel(self):
        planned = routing.plan(DOCUMENT, person(preferences=Preferences(document=False)), NOON)
        assert channels(planned) == [(PUSH, SKIPPED), (EMAIL, SKIPPED)]


class TestQuietHours:
    def test_push_and_email_wait_until_the_end_of_the_night(self):
        planned = routing.plan(DOCUMENT, person(), NIGHT)
        morning = datetime(2026, 3, 11, 7, 0, tzinfo=PARIS)
        assert [p.not_before for p in planned] == [morning, morning]

    def test_after_midnight_they_wait_until_seven_the_same_day(self):
        at = datetime(2026, 3, 11, 3, 0, tzinfo=PARIS)
        assert routing.plan(DOCUMENT, person(), at)[0].not_before == datetime(2026, 3, 11, 7, 0, tzinfo=PARIS)

    def test_a_critical_notice_goes_at_once(self):
        assert all(p.not_before is None for p in routing.plan(EMERGENCY, person(), NIGHT))

    def test_the_producer_can_mark_an_event_critical(self):
        assert all(p.not_before is None for p in routing.plan(DOCUMENT, person(), NIGHT, critical=True))

    def test_letters_do_not_wait_for_the_morning(self):
        planned = routing.plan(DOCUMENT, person(email=None), NIGHT)
        assert channels(planned) == [(PUSH, PENDING), (POSTAL, PENDING)] and planned[1].not_before is None

    def test_daytime_sends_at_once(self):
        assert all(p.not_before is None for p in routing.plan(DOCUMENT, person(), NOON))

    def test_quiet_hours_within_one_day(self):
        prefs = Preferences(quiet_start=time(12, 0), quiet_end=time(14, 0))
        assert routing.in_quiet_hours(NOON, prefs)
        assert routing.quiet_hours_end(NOON, prefs) == datetime(2026, 3, 10, 14, 0, tzinfo=PARIS)
        assert not routing.in_quiet_hours(NOON + timedelta(hours=2), prefs)

    def test_no_quiet_hours_when_switched_off(self):
        prefs = Preferences(quiet_start=None, quiet_end=None)
        assert routing.plan(DOCUMENT, person(preferences=prefs), NIGHT)[0].not_before is None

    def test_quiet_hours_are_paris_time_across_daylight_saving(self):
        summer_night = datetime(2026, 7, 1, 20, 30, tzinfo=timezone.utc)    # 22:30 in Paris
        winter_evening = datetime(2026, 1, 15, 20, 30, tzinfo=timezone.utc)  # 21:30 in Paris
        assert routing.in_quiet_hours(summer_night, Preferences())
        assert not routing.in_quiet_hours(winter_evening, Preferences())


class TestFallbackChain:
    def test_a_refused_email_becomes_a_letter(self):
        assert routing.fallback_after_email(DOCUMENT, person()) == routing.Planned(POSTAL, PENDING)

    def test_no_letter_without_a_postal_address(self):
        fallback = routing.fallback_after_email(DOCUMENT, person(postal_address=None))
        assert fallback.state == SKIPPED and fallback.reason == NO_ADDRESS

    def test_campaign_mail_never_becomes_a_letter(self):
        assert routing.fallback_after_email(CAMPAIGN_TEMPLATES["activation"], person()).state == SKIPPED


class TestWhoIsTold:
    def test_an_adult_is_told_about_their_own_profile(self):
        assert routing.recipients_of(Profile("p1")) == [("p1", routing.SELF)]

    def test_a_childs_notices_go_to_the_legal_representatives(self):
        child = Profile("c1", minor=True, legal_representative_ids=("m1", "f1"))
        assert routing.recipients_of(child) == [("m1", routing.LEGAL_REPRESENTATIVE),
                                                ("f1", routing.LEGAL_REPRESENTATIVE)]

    def test_caregivers_are_told_as_well(self):
        helped = Profile("p1", caregiver_ids=("h1",))
        assert routing.recipients_of(helped) == [("p1", routing.SELF), ("h1", routing.CAREGIVER)]

    def test_a_minor_without_known_representative_is_told_directly(self):
        assert routing.recipients_of(Profile("c1", minor=True)) == [("c1", routing.SELF)]

    def test_nobody_is_told_twice(self):
        profile = Profile("c1", minor=True, legal_representative_ids=("m1",), caregiver_ids=("m1",))
        assert routing.recipients_of(profile) == [("m1", routing.LEGAL_REPRESENTATIVE)]


class TestMinorsSecrecy:
    """DOMAIN.md §10.4: what is hidden from the legal representatives goes to the minor alone, if
    she has her own access, and never by post (her postal address is her family's)."""
    CHILD = Profile("c1", minor=True, legal_representative_ids=("m1",), caregiver_ids=("h1",))

    def told(self, profile, holder):
        return routing.recipients_of(profile, hidden_from_legal_representatives=True, holder=holder)

    def test_a_minor_with_her_own_access_alone_is_told(self):
        assert self.told(self.CHILD, person(account_id="c1", minor=True, activated=True)) == [("c1", routing.SELF)]

    def test_a_minor_without_her_own_access_means_nobody(self):
        assert self.told(self.CHILD, person(account_id="c1", minor=True, activated=False)) == []

    def test_an_adults_caregivers_are_left_out_too(self):
        helped = Profile("p1", caregiver_ids=("h1",))
        assert self.told(helped, person(activated=False)) == [("p1", routing.SELF)]

    def test_someone_not_known_yet_is_checked_again_when_the_mail_is_due(self):
        unknown = Person("c1", known=False)
        assert self.told(Profile("c1"), unknown) == [("c1", routing.SELF)]
        assert routing.hidden_mail_refused(unknown) == ""
        assert routing.hidden_mail_refused(person(account_id="c1", minor=True, activated=False)) == \
            routing.NO_OWN_ACCESS
        assert routing.hidden_mail_refused(person(account_id="c1", minor=True, activated=True)) == ""

    def test_no_letter_to_a_minor_but_an_adult_keeps_hers(self):
        minor = person(account_id="c1", minor=True, email=None, push_devices=())
        assert channels(routing.plan(DOCUMENT, minor, NOON, hidden_from_legal_representatives=True)) == [
            (EMAIL, SKIPPED)]
        assert routing.fallback_after_email(DOCUMENT, minor, hidden_from_legal_representatives=True).state == SKIPPED
        adult = person(email=None, push_devices=())
        assert channels(routing.plan(DOCUMENT, adult, NOON, hidden_from_legal_representatives=True)) == [
            (POSTAL, PENDING)]

    def test_her_email_and_push_go_as_usual(self):
        minor = person(account_id="c1", minor=True)
        assert channels(routing.plan(DOCUMENT, minor, NOON, hidden_from_legal_representatives=True)) == [
            (PUSH, PENDING), (EMAIL, PENDING)]


class TestRetries:
    def test_delays_double_with_jitter_within_bounds(self):
        policy = routing.RetryPolicy(base_seconds=10, max_seconds=1000, max_attempts=8)
        rand = random.Random(7)
        for attempt in range(1, 9):
            expected = min(1000, 10 * 2 ** (attempt - 1))
            delays = [policy.delay(attempt, rand) for _ in range(200)]
            assert expected / 2 <= min(delays) and max(delays) <= expected
            assert max(delays) - min(delays) > expected / 4       # jitter spreads retries

    def test_attempts_are_bounded_per_channel(self):
        policies = routing.retry_policies(30, 6 * 3600)
        assert policies[EMAIL].max_attempts > policies[PUSH].max_attempts
        assert policies[EMAIL].exhausted(8) and not policies[EMAIL].exhausted(7)

    def test_a_retry_due_at_night_waits_for_the_morning_unless_critical(self):
        policy = routing.RetryPolicy(base_seconds=3600, max_seconds=3600, max_attempts=5)
        evening = datetime(2026, 3, 10, 21, 45, tzinfo=PARIS)
        later = routing.next_attempt(evening, policy, 3, Preferences(), critical=False, rand=random.Random(1))
        assert later == datetime(2026, 3, 11, 7, 0, tzinfo=PARIS)
        sooner = routing.next_attempt(evening, policy, 3, Preferences(), critical=True, rand=random.Random(1))
        assert sooner < datetime(2026, 3, 10, 23, 0, tzinfo=PARIS)


class TestCatalog:
    def test_every_code_of_the_app_is_known(self):
        for code in ("AJOUT_DOCUMENT", "MODIF_DOCUMENT", "SUPP_DOC", "CONSULT_DOCUMENT", "RECEPTION_MESSAGE",
                     "ACCES_DMP_PS", "ACCES_BRIS_GLACE", "RAPPEL_RDV_PREV", "RAPPEL_RDV_PREV_VACC",
                     "RAPPEL_RDV_PREV_DEPIST", "RAPPEL_AGENDA", "RAPPEL_RDV_USAGER", "ACCOUNT_CREATED",
                     "PARTAGE_PROFIL_AIDANT", "REPONSE_SUPPORT"):
            assert notice_for(code) is not None, code

    def test_account_notices_come_from_identity_only(self):
        for code in ("ACCOUNT_CREATED", "ACCOUNT_ACTIVATED", "CONTACT_CHANGED"):
            assert notice_for(code).producers == frozenset({"identity"})

    def test_notice_texts_name_no_health_data(self):
        for notice in NOTICES.values():
            text = notice.body.format(actor="X", profile="Y", apps="Z")
            assert "{" not in text
