"""Appending records: validation, idempotency on record_id, and group commit in one total order.

The calling thread validates its records and computes their salts, commitments and leaf hashes
(none depends on the leaf index). Concurrent appends queue up and are written together, by one of
the calling threads at a time (leader and followers: no writer thread to wake). A caller that finds
nobody writing writes the queue's first group itself; the others wait; when a group is committed its
writer wakes the group's callers and, if calls are queued, hands the writing to the first of them.
One transaction takes a database-wide lock (so that several replicas still give dense leaf indexes
with no gaps), reads the tree size and the records already stored under the group's ids, gives the
new records the next indexes, inserts them, their personal data and the perfect subtrees they
complete, and commits once for the whole group. A caller returns only after that commit, so it can
fail closed. The restrictions the group's records carry (audit.domain.visibility) are applied in that
same transaction: a record is never stored without the restriction it came with.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from meskit.auth import SERVICE, Caller
from meskit.errors import AlreadyExists, DomainError, Unavailable, Violations

from audit.domain import leaf, merkle
from audit.domain.models import Entry, Restriction, StoredRecord, canonical_id
from audit.domain.ports import Appender

log = logging.getLogger("audit.append")

MAX_RECORDS_PER_CALL = 1000
MAX_RECORDS_PER_TRANSACTION = 2000
WAIT_SECONDS = 30.0

ENTRY_LIMITS = {"profession_code": 16, "resource_type": 64, "rule": 128, "request_id": 128, "service": 64,
                "matrix_version": 64}
PERSONAL_LIMITS = {"patient_id": 64, "actor_id": 64, "rpps": 20, "on_behalf_of": 64, "display_name": 200,
                   "resource_id": 128, "resource_label": 500, "justification": 2000}
FIELD_NAMES = {"actor_id": "actor.id", "rpps": "actor.rpps", "on_behalf_of": "actor.on_behalf_of",
               "display_name": "actor.display_name", "profession_code": "actor.profession_code"}

Outcome = tuple[StoredRecord, bool]             # the stored record, and whether it was already there


def _text(v: Violations, value: str, name: str, limit: int) -> None:
    v.max_length(value, name, limit)
    if "\x00" in value:
        v.add(name, "caractère nul interdit")


def checked(entry: Entry, caller: Caller, v: Violations, prefix: str) -> Entry:
    """The entry as it will be stored: canonical record id, the caller as appending service."""
    record_id = canonical_id(entry.record_id)
    if not record_id:
        v.add(f"{prefix}record_id", "UUID attendu")
    if entry.occurred_at is None:
        v.add(f"{prefix}occurred_at", "champ obligatoire")
    for name, value in (("actor.type", entry.actor_type), ("action", entry.action), ("decision", entry.decision)):
        v.require(value, f"{prefix}{name}")
    for name, limit in ENTRY_LIMITS.items():
        if name != "service":           # replaced by the caller's
            _text(v, getattr(entry, name), prefix + FIELD_NAMES.get(name, name), limit)
    _text(v, caller.subject, prefix + "service", ENTRY_LIMITS["service"])
    for name, limit in PERSONAL_LIMITS.items():
        _text(v, getattr(entry.personal, name), prefix + FIELD_NAMES.get(name, name), limit)
    occurred_at = entry.occurred_at.astimezone(timezone.utc) if entry.occurred_at is not None else None
    return dataclasses.replace(entry, record_id=record_id, occurred_at=occurred_at, service=caller.subject)


def append_records(appender: Appender, caller: Caller, entries: list[Entry], *, prefix: str = "records[{i}].",
                   restrictions: Sequence[Restriction] = ()) -> list[Outcome]:
    """Only platform services append (each service, before the data leaves it). `restrictions`: checked
    already (visibility.append_records), applied in the append's transaction."""
    caller.require(SERVICE)
    v = Violations()
    if not entries:
        v.add("records", "au moins un enregistrement")
    if len(entries) > MAX_RECORDS_PER_CALL:
        v.add("records", f"{MAX_RECORDS_PER_CALL} enregistrements au plus par appel")
    ready = [checked(entry, caller, v, prefix.format(i=i)) for i, entry in enumerate(entries)]
    v.raise_if_any()
    return appender.submit(ready, restrictions=restrictions)


# ---- group commit ----
@dataclasses.dataclass(eq=False)
class _Job:
    entries: list[Entry]
    then: Callable | None = None                 # runs in the same transaction, after the inserts
    restrictions: list[Restriction] = dataclasses.field(default_factory=list)
    prepared: list[Prepared] = dataclasses.field(default_factory=list)
    outcomes: list[Outcome] | None = None
    extra: object = None
    error: BaseException | None = None
    leads: bool = False                          # its caller is to write the queue's next group
    done: threading.Event = dataclasses.field(default_factory=threading.Event)   # written, or leads


class GroupCommitter:
    def __init__(self, unit_of_work: Callable, now: Callable[[], datetime], *,
                 max_batch: int = MAX_RECORDS_PER_TRANSACTION, wait_seconds: float = WAIT_SECONDS):
        self._unit_of_work, self._now = unit_of_work, now
        self._max_batch, self._wait = max_batch, wait_seconds
        self._queue: deque[_Job] = deque()
        self._state = threading.Condition()     # guards the queue, `_writing` and `_stopping`
        self._writing = False                   # a caller writes a group, or is handed the next one
        self._stopping = False
        self._frontier: merkle.Frontier | None = None   # of the last tree this process wrote

    def stop(self, timeout: float = 10.0) -> None:
        """Refuse new appends; return once what is queued is written (by its callers)."""
        with self._state:
            self._stopping = True
            self._state.wait_for(lambda: not self._writing, timeout)

    def submit(self, entries: list[Entry], then: Callable | None = None, restrictions: Sequence[Restriction] = ()):
        """Append `entries` in order, applying `restrictions`; return one outcome per entry (and what
        `then` returned).

        `then(repository, outcomes)` runs inside the same transaction; a job with one runs alone.
        """
        appended_at = self._now().astimezone(timezone.utc)
        job = _Job(list(entries), then, list(restrictions), [_prepare(entry, appended_at) for entry in entries])
        with self._state:
            if self._stopping:
                raise Unavailable("Journal d'audit en cours d'arrêt")
            self._queue.append(job)
            job.leads = not self._writing
            self._writing = True
        if not job.leads:
            self._follow(job)
        if job.leads:
            self._lead()
        if job.error is not None:
            raise job.error
        return (job.outcomes, job.extra) if then is not None else job.outcomes

    def _follow(self, job: _Job) -> None:
        """Wait until the job is written, or its caller is handed the writing."""
        if job.done.wait(self._wait):
            return
        with self._state:
            if job.leads:
                return
            if job in self._queue:               # never written: its caller may retry
                self._queue.remove(job)
        raise Unavailable("Journal d'audit indisponible, réessayez avec le même identifiant")

    def _lead(self) -> None:
        """Write the queue's first group, then wake its callers and whoever writes next."""
        with self._state:
            jobs = self._take()
        following = None
        try:
            self._write_group(jobs)
        finally:
            with self._state:
                if self._queue:
                    following = self._queue[0]
                    following.leads = True
                else:
                    self._writing = False
                    self._state.notify_all()
            if following is not None:           # first: the next group waits for it
                following.done.set()
            for job in jobs:
                job.done.set()

    def _take(self) -> list[_Job]:
        first = self._queue.popleft()
        jobs, count = [first], len(first.entries)
        if first.then is not None:
            return jobs
        while self._queue and self._queue[0].then is None \
                and count + len(self._queue[0].entries) <= self._max_batch:
            job = self._queue.popleft()
            jobs.append(job)
            count += len(job.entries)
        return jobs

    def _write_group(self, jobs: list[_Job], attempts: int = 2) -> None:
        try:
            self._write(jobs)
        except DomainError as exc:       # from a `then` hook: its job runs alone
            jobs[0].error = exc
        except Exception as exc:
            if attempts > 1:             # e.g. a connection the server closed: safe to redo, appends
                self._write_group(jobs, attempts - 1)       # are idempotent and read under the lock
                return
            if len(jobs) > 1:            # one job's bad data must not fail the others: retry each alone
                for job in jobs:
                    self._write_group([job], 1)
                return
            log.error("audit append failed", exc_info=exc)
            jobs[0].error = Unavailable("Journal d'audit indisponible, réessayez avec le même identifiant")

    def _write(self, jobs: list[_Job]) -> None:
        cached = self._frontier
        restrictions = _newest(jobs)
        if cached is not None and all(job.then is None for job in jobs):
            # The usual case: this process wrote the last leaves. One round trip: the records go in at
            # the next indexes of the tree it knows, under the log's lock; any other writer since, or a
            # record id already stored, makes the insert fail on a unique key, and the group is
            # written again below, after reading the log.
            frontier = cached.copy()
            with self._unit_of_work() as repo:
                new_records, new_nodes = _assign(jobs, {}, frontier)
                repo.apply_restrictions(restrictions)
                if repo.append_at_known_size(new_records, new_nodes):
                    self._frontier = frontier
                    return
        with self._unit_of_work() as repo:
            size, known = repo.open_append({e.record_id for job in jobs for e in job.entries})
            frontier = (cached.copy() if cached is not None and cached.size == size
                        else merkle.frontier_at(size, repo.stored_hashes))
            new_records, new_nodes = _assign(jobs, known, frontier)
            repo.apply_restrictions(restrictions)
            if new_records:
                repo.add(new_records, new_nodes)
            for job in jobs:
                if job.then is not None and job.error is None:
                    job.extra = job.then(repo, job.outcomes)
        self._frontier = frontier


New = tuple[StoredRecord, "Prepared"]


def _newest(jobs: list[_Job]) -> list[Restriction]:
    """The group's restrictions, the newest one per resource (the first of equals, as applied in turn)."""
    newest: dict[tuple[str, str, str], Restriction] = {}
    for job in jobs:
        for r in job.restrictions:
            key = (r.patient_id, r.resource_type, r.resource_id)
            if key not in newest or newest[key].as_of < r.as_of:
                newest[key] = r
    return list(newest.values())


def _assign(jobs: list[_Job], known: dict[str, StoredRecord], frontier: merkle.Frontier
            ) -> tuple[list[New], list[tuple[int, int, bytes]]]:
    """Each job's outcomes (or its conflict error); the new records with their leaf indexes, and the
    stored subtrees they complete. `known`: the records already stored under the group's ids."""
    new_records: list[New] = []
    new_nodes: list[tuple[int, int, bytes]] = []
    for job in jobs:
        job.outcomes, job.extra, job.error = None, None, None
        if _conflict(job.entries, known):
            job.error = AlreadyExists("Un enregistrement d'audit différent existe déjà sous cet identifiant",
                                      reason="AUDIT_RECORD_ID_CONFLICT")
            continue
        job.outcomes = []
        for entry, prepared in zip(job.entries, job.prepared):
            existing = known.get(entry.record_id)
            if existing is not None:
                job.outcomes.append((existing, True))
                continue
            stored = StoredRecord(entry, frontier.size, prepared.leaf_hash, prepared.appended_at,
                                  prepared.commitment)
            new_nodes += [n for n in frontier.append(stored.leaf_hash) if merkle.is_stored(n[0])]
            known[entry.record_id] = stored
            new_records.append((stored, prepared))
            job.outcomes.append((stored, False))
    return new_records, new_nodes


def _conflict(entries: list[Entry], known: dict[str, StoredRecord]) -> bool:
    pending: dict[str, Entry] = {}
    for entry in entries:
        existing = known.get(entry.record_id)
        if existing is not None:
            if not existing.same_content(entry):
                return True
        elif entry.record_id in pending:
            if pending[entry.record_id] != entry:
                return True
        else:
            pending[entry.record_id] = entry
    return False


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What a leaf needs besides its index: computed by the calling thread, outside the log's lock.
    The leaf and personal inputs (canonical JSON) are also what the repository stores the record from."""

    appended_at: datetime
    salt: bytes
    commitment: bytes
    leaf_hash: bytes
    leaf_input: bytes
    personal_input: bytes


def _prepare(entry: Entry, appended_at: datetime) -> Prepared:
    salt = leaf.new_salt()
    personal = leaf.personal_input(entry.personal)
    commitment = hmac.digest(salt, personal, hashlib.sha256)
    leaf_input = leaf.leaf_input(entry, appended_at, commitment)
    return Prepared(appended_at, salt, commitment, merkle.leaf_hash(leaf_input), leaf_input, personal)
