"""A professional finds a patient's space from the traits they hold: NIR, family name, birth date
(and the given name when they give it). One answer, NOT_FOUND, for every miss, so that a lookup
tells nothing beyond what its traits already say (whether a space exists, or whose NIR it is)."""
from __future__ import annotations

from datetime import date

from meskit.auth import PROFESSIONAL, Caller
from meskit.errors import NotFound, PermissionDenied, Violations

from identity.domain import rules
from identity.domain.directory import search_key
from identity.domain.models import ACTIVE, CREATED, Account
from identity.domain.ports import Dependencies

MAX_NAME = 100
NOT_FOUND = ("Aucun espace santé ne correspond à ces informations : vérifiez le numéro de sécurité sociale, "
             "le nom et la date de naissance")


def find_patient(deps: Dependencies, caller: Caller, *, nir: str, family_name: str, birth_date: str,
                 given_name: str = "") -> Account:
    caller.require(PROFESSIONAL)
    nir = nir.replace(" ", "").upper()
    v = Violations()
    v.require(nir, "nir")
    if nir and not rules.nir_is_valid(nir):
        v.add("nir", "numéro de sécurité sociale invalide (15 caractères, clé comprise)")
    v.require(family_name.strip(), "family_name")
    v.max_length(family_name, "family_name", MAX_NAME)
    v.max_length(given_name, "given_name", MAX_NAME)
    v.require(birth_date, "birth_date")
    born = None
    if birth_date:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            v.add("birth_date", "date attendue au format AAAA-MM-JJ")
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        if repo.get_professional(caller.subject) is None:
            raise PermissionDenied("Professionnel inconnu de l'annuaire")
        account_id = repo.account_id_by_nir(nir)
        account = repo.get_account(account_id) if account_id else None
    if (account is None or account.status not in (CREATED, ACTIVE) or account.birth_date != born
            or search_key(account.family_name) != search_key(family_name)
            or (given_name.strip() and search_key(account.given_name) != search_key(given_name))):
        raise NotFound(NOT_FOUND, reason="PATIENT_NOT_FOUND")
    return account
