"""The prevention schedule as the engine reads it (built by schedule_file from the data file)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from agenda.domain.durations import Age

ONCE, EVERY, AGES_YEARS, DOSES_AT, SEASON = "once", "every", "ages_years", "doses_at", "season"
ANY, FEMALE, MALE = "any", "F", "M"
TYPES = ("CAR_SANTE", "BILAN_AQ", "CAR_VAC", "MT_DENTS", "PREV_DENT", "PREV_OPHT", "EXAMEN_DEPISTAGE")
TYPE_OF_CATEGORY = {"child_exam": "CAR_SANTE", "dental": "PREV_DENT", "ophthalmology": "PREV_OPHT",
                    "prevention_checkup": "BILAN_AQ", "cancer_screening": "EXAMEN_DEPISTAGE",
                    "vaccination": "CAR_VAC"}


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    label: str
    category: str
    type: str
    sex: str
    mandatory: bool
    kind: str                            # ONCE, EVERY, AGES_YEARS, DOSES_AT, SEASON
    age_from: Age = Age()
    age_to: Age | None = None            # exclusive; None = never ends
    every: Age | None = None
    offsets: tuple[Age, ...] = ()        # AGES_YEARS and DOSES_AT: the start of each window
    window: Age | None = None            # AGES_YEARS and DOSES_AT: the length of each window
    season: tuple[tuple[int, int], tuple[int, int]] | None = None   # ((month, day) start, end)
    catch_up_until: Age | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    born_from: date | None = None
    condition: str = ""


@dataclass(frozen=True)
class Schedule:
    version: str
    horizon: Age
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)
