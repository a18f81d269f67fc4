"""The version of an access context (GetAccessContext known_version), so that a service may keep a
context while it holds instead of having it read again at every request.

A version names the request (patient, professional), the version of each person whose rows the
context was read from (migration 0013's triggers bump it in the transaction of every change of
them, whichever replica or code path makes it) and the first instant the context changes by itself
(a delegation's end, the next day of a minor). It is current while every version is the same and
that instant has not come: a change applies to the very next request."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

FORMAT = "1"
MAX_LENGTH = 2000


@dataclass(frozen=True)
class ContextVersion:
    patient_id: str
    professional_id: str
    subjects: tuple[tuple[str, int], ...]          # (person id, its version), sorted by id
    valid_until: datetime | None = None

    def token(self) -> str:
        until = str(round(self.valid_until.timestamp() * 1_000_000)) if self.valid_until else ""
        return "|".join((FORMAT, self.patient_id, self.professional_id, until,
                         ",".join(f"{subject}={version}" for subject, version in self.subjects)))


@dataclass(frozen=True)
class Unchanged:
    """The answer to a known version still current: the caller's copy holds."""
    version: str


def parse(token: str) -> ContextVersion | None:
    """None for anything this code did not write (another format, a damaged token)."""
    try:
        kind, patient_id, professional_id, until, subjects = token.split("|")
        if kind != FORMAT or not patient_id or not subjects:
            return None
        pairs = tuple((subject, int(version)) for subject, _, version in (p.partition("=") for p in subjects.split(",")))
        valid_until = datetime.fromtimestamp(int(until) / 1_000_000, timezone.utc) if until else None
    except ValueError:
        return None
    return ContextVersion(patient_id, professional_id, pairs, valid_until)


def read(repo, patient_id: str, professional_id: str, subject_ids: Iterable[str],
         valid_until: datetime | None) -> ContextVersion:
    """The versions as they are now (a person never changed reads as 0)."""
    ids = sorted(set(subject_ids))
    versions = repo.access_versions(ids)
    return ContextVersion(patient_id, professional_id, tuple((i, versions.get(i, 0)) for i in ids), valid_until)


def still_current(repo, token: str, patient_id: str, professional_id: str, now: datetime) -> bool:
    known = parse(token)
    if known is None or (known.patient_id, known.professional_id) != (patient_id, professional_id):
        return False
    if known.valid_until is not None and now >= known.valid_until:
        return False
    return read(repo, patient_id, professional_id, (s for s, _ in known.subjects), known.valid_until) == known
