"""The directory of professionals (RPPS stand-in): search, and what each caller sees of a professional.

The patient finds the professionals she adds to her care team or blocks (DOMAIN §10.2, §3.1). The
directory holds professionals only; patients are never in it. A professional's login id and the
email their login codes go to are for operators, support and services: other callers (patients,
delegates, professionals) get the directory record (names, RPPS, profession, specialty, city, MSSanté address, the flags of §3.6).
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, SUPPORT, Caller
from meskit.errors import Violations

from identity.domain import paging, rules
from identity.domain.models import Professional
from identity.domain.ports import Dependencies

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_QUERY = 100
MAX_CITY = 100
MAX_WORDS = 5
SEARCHERS = (PATIENT, DELEGATE, PROFESSIONAL, SUPPORT, OPERATOR)
SEES_LOGIN_DETAILS = (SUPPORT, OPERATOR, SERVICE)


def search_key(text: str) -> str:
    """Lower case, accents removed, words separated by one space: "Lefèvre-Œuvrard" -> "lefevre oeuvrard"."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    folded = folded.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[\W_]+", " ", folded).split())


@dataclass(frozen=True)
class DirectoryQuery:
    """What the repository filters on, already normalised: every word in the given or family key."""
    words: tuple[str, ...] = ()
    rpps_prefix: str = ""
    profession_code: str = ""
    city_prefix: str = ""


@dataclass(frozen=True)
class Cursor:
    family_key: str
    given_key: str
    professional_id: str


@dataclass(frozen=True)
class SearchPage:
    professionals: list[Professional]
    next_page_token: str


def shown_to(caller: Caller, professional: Professional) -> Professional:
    """The professional as this caller may see them (module docstring)."""
    if caller.actor_type in SEES_LOGIN_DETAILS:
        return professional
    return dataclasses.replace(professional, login_id=None, email=None)


def search_professionals(deps: Dependencies, caller: Caller, *, query: str, profession_code: str, city: str,
                         page_size: int, page_token: str) -> SearchPage:
    caller.require(*SEARCHERS)
    v = Violations()
    size = paging.page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE, violations=v)
    criteria = _criteria(query.strip(), profession_code.strip(), city.strip(), v)
    search = paging.fingerprint(dataclasses.asdict(criteria))
    after = Cursor(*paging.decode(page_token, search, 3)) if page_token else None
    with deps.unit_of_work() as repo:
        found = repo.search_professionals(criteria, after=after, limit=size + 1)
    token = ""
    if len(found) > size:
        found = found[:size]
        last = found[-1]
        token = paging.encode((search_key(last.family_name), search_key(last.given_name), last.professional_id),
                              search)
    return SearchPage([shown_to(caller, p) for p in found], token)


def _criteria(query: str, profession_code: str, city: str, v: Violations) -> DirectoryQuery:
    v.max_length(query, "query", MAX_QUERY)
    v.max_length(city, "city", MAX_CITY)
    if profession_code and profession_code not in rules.PROFESSION_CODES:
        v.add("profession_code", "code profession inconnu (nomenclature TRE_G15)")
    words = tuple(search_key(query).split()) if not query.isdigit() else ()
    if query and not query.isdigit() and not words:
        v.add("query", "des lettres ou un numéro RPPS attendus")
    elif len(words) > MAX_WORDS:
        v.add("query", f"{MAX_WORDS} mots au plus")
    if city and not search_key(city):
        v.add("city", "un nom de commune attendu")
    if not (query or profession_code or city):
        v.add("query", "au moins un critère : nom ou RPPS, profession ou commune")
    v.raise_if_any()
    return DirectoryQuery(words=words, rpps_prefix=query if query.isdigit() else "",
                          profession_code=profession_code, city_prefix=search_key(city))
