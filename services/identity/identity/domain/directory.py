"""The directory of professionals (RPPS stand-in): search, and what each caller sees of a professional.

The patient finds the professionals she adds to her care team or blocks (DOMAIN §10.2, §3.1). The
directory holds professionals only; patients are never in it. A professional's login id and the
email their login codes go to are for operators, support and services: other callers (patients,
delegates, professionals) get the directory record (names, RPPS, profession, specialty, city, MSSanté address, the flags of §3.6).
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, SUPPORT, Caller
from meskit.errors import FieldViolation, InvalidArgument, Violations

from identity.domain import rules
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
    criteria = _criteria(query.strip(), profession_code.strip(), city.strip(), page_size)
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    fingerprint = _fingerprint(criteria)
    after = _decode(page_token, fingerprint) if page_token else None
    with deps.unit_of_work() as repo:
        found = repo.search_professionals(criteria, after=after, limit=size + 1)
    token = ""
    if len(found) > size:
        found = found[:size]
        last = found[-1]
        token = _encode(Cursor(search_key(last.family_name), search_key(last.given_name), last.professional_id),
                        fingerprint)
    return SearchPage([shown_to(caller, p) for p in found], token)


def _criteria(query: str, profession_code: str, city: str, page_size: int) -> DirectoryQuery:
    v = Violations()
    v.max_length(query, "query", MAX_QUERY)
    v.max_length(city, "city", MAX_CITY)
    if page_size < 0:
        v.add("page_size", "nombre positif attendu")
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


def _fingerprint(criteria: DirectoryQuery) -> str:
    raw = json.dumps(dataclasses.asdict(criteria), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _encode(cursor: Cursor, fingerprint: str) -> str:
    raw = json.dumps({"a": dataclasses.astuple(cursor), "q": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(token: str, fingerprint: str) -> Cursor:
    def invalid(description: str) -> InvalidArgument:
        return InvalidArgument("Jeton de page invalide", reason="PAGE_TOKEN_INVALID",
                               violations=[FieldViolation("page_token", description)])
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after = data["a"]
        if not (isinstance(after, list) and len(after) == 3 and all(isinstance(k, str) for k in after)):
            raise ValueError
        same_search = data["q"] == fingerprint
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid("jeton illisible") from None
    if not same_search:
        raise invalid("ce jeton appartient à une autre recherche")
    return Cursor(*after)
