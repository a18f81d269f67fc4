"""The provisioned patients, as the run's users file holds them (read by the locust process)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Patient:
    account_id: str
    login_id: str
    email: str
    password: str
    conversation_id: str        # the GP's conversation with her, to read and answer


def save(patients: list[Patient], path: Path) -> None:
    path.write_text(json.dumps([asdict(p) for p in patients], indent=1))


def load(path: Path) -> list[Patient]:
    return [Patient(**fields) for fields in json.loads(path.read_text())]
