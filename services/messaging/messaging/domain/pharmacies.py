"""Pharmacies: the directory operators load, the visits of the insurer's reimbursement feed, the
patient's search and her contacts (DOMAIN §7, §10.6).

Only a pharmacy with an organisational MSSanté mailbox can receive: the others are kept in the
directory (a later load may give them one) but never offered. The pharmacies of her last 12 months
of reimbursements come first, flagged "déjà fréquentée". What she is shown of her visits is
reimbursement data: recorded in audit before it answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from meskit import paging
from meskit.auth import OPERATOR, Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Violations, require_ids

from messaging.domain import auditing
from messaging.domain.actors import Who, who
from messaging.domain.models import (
    MAX_MESSAGE_ATTACHMENT_BYTES, ORGANISATION, ORGANISATIONAL, Participant, Pharmacy)
from messaging.domain.ports import Dependencies

PARIS = ZoneInfo("Europe/Paris")
HISTORY_DAYS = 365                         # "her last 12 months of reimbursements"
MAX_BATCH = 1000
ID_NAT = re.compile(r"^[0-9A-Za-z-]{1,32}$")   # FINESS (9 characters) or another national id
POSTAL_CODE = re.compile(r"^[0-9]{5}$")
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAILBOX_TYPES = {"", "personal", ORGANISATIONAL, "applicative"}
LIMITS = {"name": 200, "address": 300, "city": 100, "phone": 32, "mssante_address": 254}
NO_SUCH_PHARMACY = "Pharmacie introuvable"


@dataclass(frozen=True)
class Found:
    """One page of pharmacies for her, visited ones first."""
    pharmacies: list[Pharmacy]
    next_page_token: str


def _today(deps: Dependencies) -> date:
    return deps.now().astimezone(PARIS).date()


def history_start(deps: Dependencies) -> date:
    return _today(deps) - timedelta(days=HISTORY_DAYS)


def _operator(caller: Caller) -> None:
    if caller.actor_type != OPERATOR:
        raise PermissionDenied("Réservé aux opérateurs (annuaire et historique des pharmacies)", reason="OPERATORS_ONLY")


def _batch(v: Violations, items: list, name: str) -> None:
    if not items:
        v.add(name, "au moins un élément")
    elif len(items) > MAX_BATCH:
        v.add(name, f"{MAX_BATCH} éléments au plus par appel")


def upsert_pharmacies(deps: Dependencies, caller: Caller, given: list[Pharmacy]) -> int:
    """Idempotent on the national id: a known pharmacy keeps its id and gets the new fields."""
    _operator(caller)
    v = Violations()
    _batch(v, given, "pharmacies")
    seen: set[str] = set()
    for i, p in enumerate(given[:MAX_BATCH]):
        at = f"pharmacies[{i}]"
        if not ID_NAT.match(p.id_nat):
            v.add(f"{at}.finess", "identifiant national (FINESS) : 1 à 32 lettres, chiffres ou tirets")
        elif p.id_nat in seen:
            v.add(f"{at}.finess", "déjà donné plus haut dans ce lot")
        seen.add(p.id_nat)
        v.require(p.name.strip(), f"{at}.name")
        for name, limit in LIMITS.items():
            v.max_length(getattr(p, name), f"{at}.{name}", limit)
        if p.postal_code and not POSTAL_CODE.match(p.postal_code):
            v.add(f"{at}.postal_code", "5 chiffres")
        if p.mssante_address and not ADDRESS.match(p.mssante_address):
            v.add(f"{at}.mssante_address", "adresse MSSanté invalide")
        if p.mailbox_type not in MAILBOX_TYPES:
            v.add(f"{at}.mailbox_type", "type de boîte inconnu")
        elif bool(p.mailbox_type) != bool(p.mssante_address):
            v.add(f"{at}.mailbox_type", "mssante_address et mailbox_type vont ensemble")
    v.raise_if_any("Annuaire des pharmacies invalide")
    cleaned = [Pharmacy(pharmacy_id="", id_nat=p.id_nat, name=p.name.strip(), address=p.address.strip(),
                        postal_code=p.postal_code, city=p.city.strip(), phone=p.phone.strip(),
                        mssante_address=p.mssante_address.strip().lower(), mailbox_type=p.mailbox_type)
               for p in given]
    with deps.unit_of_work() as repo:
        return repo.upsert_pharmacies(cleaned, deps.now())


def record_visits(deps: Dependencies, caller: Caller, visits: list[tuple[str, str, str]]) -> int:
    """(patient_id, national id, ISO date) from the reimbursement feed; one already recorded is ignored."""
    _operator(caller)
    v = Violations()
    _batch(v, visits, "visits")
    parsed: list[tuple[str, str, date]] = []
    today = _today(deps)
    for i, (patient_id, id_nat, when) in enumerate(visits[:MAX_BATCH]):
        at = f"visits[{i}]"
        v.require(patient_id, f"{at}.patient_id")
        v.max_length(patient_id, f"{at}.patient_id", 64)
        if not ID_NAT.match(id_nat):
            v.add(f"{at}.finess", "identifiant national (FINESS) : 1 à 32 lettres, chiffres ou tirets")
        try:
            day = date.fromisoformat(when)
        except ValueError:
            v.add(f"{at}.visit_date", "date ISO 8601 attendue (AAAA-MM-JJ)")
            continue
        if day > today or day.year < 2000:
            v.add(f"{at}.visit_date", "date passée (depuis 2000) ou aujourd'hui")
        parsed.append((patient_id, id_nat, day))
    v.raise_if_any("Historique des pharmacies invalide")
    with deps.unit_of_work() as repo:
        return repo.record_pharmacy_visits(parsed)


def _patient_side(deps: Dependencies, caller: Caller, patient_id: str) -> Who:
    require_ids(patient_id=patient_id)
    w = who(deps, caller, patient_id, missing="Profil introuvable")
    if not w.patient_side:
        raise PermissionDenied("Réservé au patient et à ses proches", reason="PATIENT_SIDE_ONLY")
    return w


def _audited(deps: Dependencies, w: Who) -> None:
    deps.audit.append(auditing.record(w, action=auditing.LIST, resource_type=auditing.PHARMACY_VISITS,
                                      resource_id="", rule="patient_side", now=deps.now()))


def search(deps: Dependencies, caller: Caller, patient_id: str, *, query: str = "", postal_code: str = "",
           city: str = "", visited_only: bool = False, page_size: int = 0, page_token: str = "") -> Found:
    w = _patient_side(deps, caller, patient_id)
    v = Violations()
    v.max_length(query, "query", 100)
    v.max_length(city, "city", 100)
    if postal_code and not POSTAL_CODE.match(postal_code):
        v.add("postal_code", "5 chiffres")
    v.raise_if_any()
    offset, limit = paging.page(page_size, page_token)
    with deps.unit_of_work() as repo:
        found = repo.search_pharmacies(patient_id=patient_id, since=history_start(deps), query=query.strip(),
                                       postal_code=postal_code, city=city.strip(), visited_only=visited_only,
                                       offset=offset, limit=limit + 1)
    _audited(deps, w)
    return Found(found[:limit], paging.next_token(offset, limit, len(found)))


def contacts(deps: Dependencies, caller: Caller, patient_id: str, *, page_size: int = 0,
             page_token: str = "") -> tuple[list[Participant], str, int]:
    """Whom she may write first (DOMAIN §10.6): the reachable pharmacies of her last 12 months (search
    finds the others); with the attachment budget of one message."""
    w = _patient_side(deps, caller, patient_id)
    offset, limit = paging.page(page_size, page_token)
    with deps.unit_of_work() as repo:
        found = repo.search_pharmacies(patient_id=patient_id, since=history_start(deps), query="", postal_code="",
                                       city="", visited_only=True, offset=offset, limit=limit + 1)
    _audited(deps, w)
    return ([participant(p) for p in found[:limit]], paging.next_token(offset, limit, len(found)),
            MAX_MESSAGE_ATTACHMENT_BYTES)


def participant(p: Pharmacy) -> Participant:
    return Participant(participant_id=p.pharmacy_id, type=ORGANISATION, display_name=p.name,
                       mssante_address=p.mssante_address, mailbox_type=p.mailbox_type, id_nat=p.id_nat)


def reachable(deps: Dependencies, pharmacy_id: str) -> Pharmacy:
    """A pharmacy she may write to, or why not."""
    with deps.unit_of_work() as repo:
        found = repo.get_pharmacy(pharmacy_id) if len(pharmacy_id) <= 36 else None
    if found is None:
        raise NotFound(NO_SUCH_PHARMACY, reason="PHARMACY_NOT_FOUND")
    if not found.reachable:
        raise FailedPrecondition("Cette pharmacie n'a pas de boîte aux lettres MSSanté organisationnelle : elle ne "
                                 "peut pas recevoir de message", reason="PHARMACY_NOT_REACHABLE")
    return found


def first_recipient(deps: Dependencies, recipient_ids: list[str]) -> Pharmacy:
    """A patient writes first only to one pharmacy's organisational mailbox (DOMAIN §10.6)."""
    if len(recipient_ids) != 1:
        raise InvalidArgument("Une nouvelle conversation s'adresse à une seule pharmacie", reason="RECIPIENTS")
    with deps.unit_of_work() as repo:
        found = repo.get_pharmacy(recipient_ids[0]) if len(recipient_ids[0]) <= 36 else None
    if found is None:
        raise FailedPrecondition("Vous pouvez écrire le premier seulement à une pharmacie ; aux autres professionnels, "
                                 "vous répondez quand ils vous ont écrit", reason="PATIENT_CANNOT_START")
    return reachable(deps, found.pharmacy_id)
