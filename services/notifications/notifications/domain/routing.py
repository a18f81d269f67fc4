"""Routing decisions, pure: who is told, on which channel, when. No I/O here (unit tested).

- the bell always keeps the notice on the profile it is about (the app shows it per profile);
- the other channels go to people: the profile's holder, or for a minor their legal
  representatives, plus the caregivers who help them;
- a notice hidden from a minor's legal representatives (DOMAIN.md §10.4) goes to the holder
  alone, and for a minor only if she has her own access (an activated account), never by post
  (a minor's postal address is her family's); otherwise to nobody;
- push needs an activated account with a registered device; email goes to activated and
  not-yet-activated profiles alike (DOMAIN.md §8); a letter replaces the email when no working
  email is known (none, or refused for good by the mail server);
- a preference switched off silences a notice unless it is mandatory;
- quiet hours hold push and email until the morning unless the notice is critical; letters are
  batched daily and do not wake anyone.
"""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.domain.catalog import CATEGORIES, Notice

PARIS = ZoneInfo("Europe/Paris")
PUSH, EMAIL, POSTAL = "PUSH", "EMAIL", "POSTAL"
PENDING, SKIPPED = "PENDING", "SKIPPED"
SELF, LEGAL_REPRESENTATIVE, CAREGIVER = "SELF", "LEGAL_REPRESENTATIVE", "CAREGIVER"

PREFERENCE_OFF = "préférence désactivée"
NO_ADDRESS = "aucune adresse e-mail ni postale connue"
NO_EMAIL = "aucune adresse e-mail utilisable"
CLOSED = "espace clôturé"
NO_OWN_ACCESS = "secret du mineur : pas d'accès personnel au profil"


@dataclass(frozen=True)
class Preferences:
    message: bool = True
    document: bool = True
    appointment: bool = True
    synchronized_service: bool = True
    screening: bool = True
    quiet_start: time | None = time(22, 0)
    quiet_end: time | None = time(7, 0)

    def allows(self, category: str | None) -> bool:
        return category not in CATEGORIES or bool(getattr(self, category))


@dataclass(frozen=True)
class Person:
    """What notifications knows of one recipient when it routes a notice."""
    account_id: str
    known: bool = True                 # False: identity's snapshot has not arrived yet
    activated: bool = False
    email: str | None = None
    email_bad: bool = False            # the mail server refused this address for good
    postal_address: str | None = None
    closed: bool = False
    campaign_opt_out: bool = False
    minor: bool = False
    push_devices: tuple[str, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)

    @property
    def email_usable(self) -> bool:
        return bool(self.email) and not self.email_bad


@dataclass(frozen=True)
class Planned:
    channel: str
    state: str                         # PENDING or SKIPPED
    reason: str = ""
    not_before: datetime | None = None
    target: str = ""                   # push device id


@dataclass(frozen=True)
class Profile:
    """The profile an event is about, and who may read its notices."""
    profile_id: str
    minor: bool = False
    legal_representative_ids: tuple[str, ...] = ()
    caregiver_ids: tuple[str, ...] = ()


def recipients_of(profile: Profile, *, hidden_from_legal_representatives: bool = False,
                  holder: Person | None = None, holder_only: bool = False) -> list[tuple[str, str]]:
    """(account id, relation) of each person told about the profile, the holder first.

    A notice hidden from the legal representatives goes to the holder only, if she may be told; a
    notice for the holder alone (her activation code) to nobody else."""
    if holder_only:
        return [(profile.profile_id, SELF)]
    if hidden_from_legal_representatives:
        return [(profile.profile_id, SELF)] if may_know_hidden(profile, holder) else []
    people: list[tuple[str, str]] = []
    if profile.minor and profile.legal_representative_ids:
        people += [(a, LEGAL_REPRESENTATIVE) for a in profile.legal_representative_ids]
    else:
        people.append((profile.profile_id, SELF))
    people += [(a, CAREGIVER) for a in profile.caregiver_ids]
    seen, unique = set(), []
    for account_id, relation in people:
        if account_id not in seen:
            seen.add(account_id)
            unique.append((account_id, relation))
    return unique


def may_know_hidden(profile: Profile, holder: Person | None) -> bool:
    """Whether the holder may be told of what is hidden from her legal representatives: an adult,
    or a minor with her own access. A person whose snapshot has not come yet is checked again when
    the mail is due (`hidden_mail_refused`)."""
    minor = profile.minor or (holder is not None and holder.minor)
    return not minor or (holder is not None and holder.activated)


def hidden_mail_refused(person: Person) -> str:
    """At sending time, why a hidden notice may not go to this (now known) person, or ''."""
    return NO_OWN_ACCESS if person.known and person.minor and not person.activated else ""


def channels_of(notice: Notice, person: Person, *, hidden_from_legal_representatives: bool = False) -> Notice:
    """The notice as it may travel to this person: never by post when it is a minor's secret."""
    if hidden_from_legal_representatives and person.minor and notice.postal:
        return dataclasses.replace(notice, postal=False)
    return notice


def in_quiet_hours(moment: datetime, prefs: Preferences, tz: ZoneInfo = PARIS) -> bool:
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(tz).time()
    return start <= local < end if start < end else (local >= start or local < end)


def quiet_hours_end(moment: datetime, prefs: Preferences, tz: ZoneInfo = PARIS) -> datetime:
    """The first instant at or after `moment` outside the quiet hours."""
    end = prefs.quiet_end
    if end is None or not in_quiet_hours(moment, prefs, tz):
        return moment
    local = moment.astimezone(tz)
    candidate = datetime.combine(local.date(), end, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return candidate


def not_before(moment: datetime, prefs: Preferences, critical: bool) -> datetime | None:
    """When push or email may go: now, or the end of the quiet hours for a non-critical notice."""
    if critical or not in_quiet_hours(moment, prefs):
        return None
    return quiet_hours_end(moment, prefs)


def plan(notice: Notice, person: Person, now: datetime, *, critical: bool = False,
         hidden_from_legal_representatives: bool = False) -> list[Planned]:
    """The push, email or postal deliveries of one notice to one person (the bell is apart)."""
    if notice.facts_only:
        return []
    notice = channels_of(notice, person, hidden_from_legal_representatives=hidden_from_legal_representatives)
    silenced = CLOSED if person.closed and not notice.to_closed else (
        "" if notice.mandatory or person.preferences.allows(notice.category) else PREFERENCE_OFF)
    if silenced:   # recorded all the same, so that the delivery status says why nothing went
        return [Planned(p.channel, SKIPPED, silenced, target=p.target) if p.state == PENDING else p
                for p in _channels(notice, person, None)]
    return _channels(notice, person, not_before(now, person.preferences, notice.critical or critical))


def _channels(notice: Notice, person: Person, wait: datetime | None) -> list[Planned]:
    planned: list[Planned] = []
    if notice.push and person.activated:
        planned += [Planned(PUSH, PENDING, not_before=wait, target=device) for device in person.push_devices]
    if notice.email and (not person.known or person.email_usable):
        # An unknown person's address is looked up again when the mail is due.
        planned.append(Planned(EMAIL, PENDING, not_before=wait))
    elif notice.postal and person.postal_address:
        planned.append(Planned(POSTAL, PENDING))
    elif notice.email or notice.postal:
        planned.append(Planned(EMAIL, SKIPPED, NO_ADDRESS if notice.postal else NO_EMAIL))
    return planned


def fallback_after_email(notice: Notice, person: Person, *, hidden_from_legal_representatives: bool = False
                         ) -> Planned:
    """Where a notice goes when its email cannot be delivered to `person` (no address, refused)."""
    notice = channels_of(notice, person, hidden_from_legal_representatives=hidden_from_legal_representatives)
    if notice.postal and person.postal_address and (notice.to_closed or not person.closed):
        return Planned(POSTAL, PENDING)
    return Planned(POSTAL, SKIPPED, NO_ADDRESS if notice.postal else NO_EMAIL)


# ---- retries ----

@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    max_seconds: float
    max_attempts: int

    def delay(self, attempt: int, rand: random.Random | None = None) -> float:
        """Exponential backoff with equal jitter: half the doubled delay, plus up to as much again."""
        exp = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        r = (rand or random).random()
        return exp / 2 + exp / 2 * r

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


def retry_policies(base_seconds: float, max_seconds: float) -> dict[str, RetryPolicy]:
    """Email retries longer (relays queue mail for days); push gives up sooner (it is a nudge)."""
    return {EMAIL: RetryPolicy(base_seconds, max_seconds, 8),
            PUSH: RetryPolicy(base_seconds / 2, min(max_seconds, 3600.0), 5)}


def next_attempt(now: datetime, policy: RetryPolicy, attempts: int, prefs: Preferences, critical: bool,
                 rand: random.Random | None = None) -> datetime:
    moment = now + timedelta(seconds=policy.delay(attempts, rand))
    return not_before(moment, prefs, critical) or moment
