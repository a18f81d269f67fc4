"""The search parameters of GET /fhir/r4/Observation (DOMAIN §9): `code` (required), and either a date
range (`date=geYYYY-MM-DD&date=leYYYY-MM-DD`, "all" mode) or `_sort=-date&_count=1` ("last" mode);
`_count` at most 100 (default 50), `_offset` for the next page. Dates without a time are days in Paris."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode

from meskit.errors import FieldViolation, InvalidArgument

from profile.domain import fhir_codes as codes
from profile.domain.ports import PARIS

DEFAULT_COUNT, MAX_COUNT, MAX_OFFSET = 50, 100, 100000
IGNORED = ("subject", "subject.identifier", "patient", "_include", "_format")   # the token names the patient
DATE = re.compile(r"(ge|le|gt|lt)(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?)", re.ASCII)
INVALID = "FHIR_SEARCH_INVALID"


@dataclass(frozen=True)
class Search:
    codes: tuple[str, ...]              # measurement codes
    start: datetime | None              # included
    end: datetime | None                # excluded
    count: int
    offset: int
    params: tuple[tuple[str, str], ...]     # as given, for the page links

    def link(self, base_url: str, offset: int) -> str:
        kept = [(k, v) for k, v in self.params if k != "_offset"] + ([("_offset", str(offset))] if offset else [])
        return f"{base_url}/fhir/r4/Observation" + (f"?{urlencode(kept)}" if kept else "")


def _invalid(field: str, description: str) -> InvalidArgument:
    return InvalidArgument("Recherche invalide", reason=INVALID, violations=[FieldViolation(field, description)])


def _bound(given: str) -> tuple[str, datetime]:
    """(prefix, moment): a day bound covers the whole day (ge/lt: its start; le/gt: the next day's)."""
    found = DATE.fullmatch(given)
    if not found:
        raise _invalid("date", "date=geAAAA-MM-JJ et date=leAAAA-MM-JJ attendus")
    prefix, value = found.group(1), found.group(2)
    try:
        if "T" in value:
            return prefix, datetime.fromisoformat(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _invalid("date", f"date inexistante : {value}") from None
    if prefix in ("le", "gt"):
        day += timedelta(days=1)
    return prefix, datetime.combine(day, time(), tzinfo=PARIS)


def _integer(given: str, name: str, low: int, high: int) -> int:
    if not (given.isascii() and given.isdigit()) or not low <= int(given) <= high:
        raise _invalid(name, f"entier de {low} à {high} attendu")
    return int(given)


def parse(query: str) -> Search:
    params = tuple(parse_qsl(query, keep_blank_values=True))
    start = end = None
    count, offset, sort = DEFAULT_COUNT, 0, ""
    found_codes: tuple[str, ...] = ()
    for name, value in params:
        if name == "code":
            found_codes = tuple(codes.measurement_code(token) for token in value.split(","))
            if not all(found_codes):
                raise _invalid("code", "code LOINC d'une mesure attendu (ex. 2345-7 ou http://loinc.org|2345-7)")
        elif name == "date":
            prefix, moment = _bound(value)
            if prefix in ("ge", "gt"):
                start = moment
            else:
                end = moment
        elif name == "_count":
            count = _integer(value, "_count", 1, MAX_COUNT)
        elif name == "_offset":
            offset = _integer(value, "_offset", 0, MAX_OFFSET)
        elif name == "_sort":
            if value != "-date":
                raise _invalid("_sort", "seul _sort=-date est accepté")
            sort = value
        elif name not in IGNORED:
            raise _invalid(name, "paramètre de recherche inconnu")
    if not found_codes:
        raise _invalid("code", "paramètre code obligatoire")
    last = sort == "-date" and count == 1
    if not last and (start is None or end is None):
        raise _invalid("date", "plage de dates (date=ge…&date=le…) ou _sort=-date&_count=1 obligatoire")
    if start is not None and end is not None and end <= start:
        raise _invalid("date", "la fin de la plage précède son début")
    return Search(found_codes, start, end, count, offset, params)
