"""Per-visitor copies of the seed (jacqueline.json), keyed by a random id: each expires 30 minutes
after its last use, the store keeps at most `capacity` spaces (the least recently used dropped) and
uploads are capped per file, per space and over all spaces, so memory stays bounded."""
from __future__ import annotations

import copy
import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEED = Path(__file__).resolve().parent / "jacqueline.json"
TTL_SECONDS = 30 * 60
CAPACITY = 500
MAX_FILE_BYTES = 1_000_000            # per upload (the demo's policy says it)
MAX_SPACE_BYTES = 3_000_000           # uploads kept per space
MAX_TOTAL_BYTES = 100_000_000         # uploads kept over all spaces
# "@D-12" a date 12 days ago, "@T+5 10:30" a moment 5 days ahead (UTC), "@A80" a birth date 80 years ago.
_RELATIVE = re.compile(r"^@(?:D([+-]\d+)|T([+-]\d+)(?: (\d\d):(\d\d))?|A(\d+))$")


class TooLarge(Exception):
    """An upload beyond the file's or the space's cap."""


class Space:
    def __init__(self, space_id: str, data: dict, now: float):
        self.space_id, self.data, self.last_used = space_id, data, now
        self.files: dict[str, bytes] = {}        # uploaded bytes by document id

    @property
    def stored_bytes(self) -> int:
        return sum(len(b) for b in self.files.values())


class DemoSpaces:
    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = TTL_SECONDS,
                 capacity: int = CAPACITY, seed: dict | None = None, today: Callable[[], date] = date.today,
                 max_file: int = MAX_FILE_BYTES, max_space: int = MAX_SPACE_BYTES, max_total: int = MAX_TOTAL_BYTES):
        self.clock, self.ttl, self.capacity, self.today = clock, ttl, capacity, today
        self.max_file, self.max_space, self.max_total = max_file, max_space, max_total
        self._seed = seed if seed is not None else json.loads(SEED.read_text(encoding="utf-8"))
        self._spaces: OrderedDict[str, Space] = OrderedDict()

    def __len__(self) -> int:
        self._purge(self.clock())
        return len(self._spaces)

    def create(self) -> Space:
        now = self.clock()
        self._purge(now)
        while len(self._spaces) >= self.capacity:
            self._spaces.popitem(last=False)
        space = Space(secrets.token_urlsafe(18), materialise(copy.deepcopy(self._seed), self.today()), now)
        self._spaces[space.space_id] = space
        return space

    def get(self, space_id: str) -> Space | None:
        now = self.clock()
        self._purge(now)
        space = self._spaces.get(space_id)
        if space is not None:
            space.last_used = now
            self._spaces.move_to_end(space_id)
        return space

    def drop(self, space_id: str) -> None:
        self._spaces.pop(space_id, None)

    def keep_file(self, space: Space, key: str, content: bytes) -> None:
        """Keep an upload's bytes, or TooLarge; older spaces give way when all of them hold too much."""
        if len(content) > self.max_file or space.stored_bytes + len(content) > self.max_space:
            raise TooLarge
        total = sum(s.stored_bytes for s in self._spaces.values())
        for other in list(self._spaces.values()):
            if total + len(content) <= self.max_total:
                break
            if other is not space:
                total -= other.stored_bytes
                self.drop(other.space_id)
        space.files[key] = content

    def _purge(self, now: float) -> None:
        while self._spaces:
            oldest = next(iter(self._spaces.values()))
            if now - oldest.last_used < self.ttl:
                return
            self._spaces.popitem(last=False)


def materialise(value, today: date):
    """The seed with its relative dates made absolute: the demo never looks stale."""
    if isinstance(value, dict):
        return {k: materialise(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [materialise(v, today) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        match = _RELATIVE.match(value)
        if match:
            days, moment_days, hour, minute, age = match.groups()
            if days is not None:
                return (today + timedelta(days=int(days))).isoformat()
            if moment_days is not None:
                day = today + timedelta(days=int(moment_days))
                at = datetime(day.year, day.month, day.day, int(hour or 9), int(minute or 0), tzinfo=timezone.utc)
                return at.strftime("%Y-%m-%dT%H:%M:%SZ")
            born = today - timedelta(days=120)
            return born.replace(year=born.year - int(age), day=min(born.day, 28)).isoformat()
    return value
