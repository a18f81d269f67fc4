"""What a delegate may not do for the person she acts for (DOMAIN §3.4), checked in one place.

A caregiver helps with the data and documents; she never manages caregivers or delegations, changes
contact details, login or password, closes the space, or asks for deletion or export. A legal
representative acting for a minor keeps what each use-case allows her. Every refused attempt is
recorded in the helped person's history, naming both, in its own unit of work: the record stays
although the request fails.
"""
from __future__ import annotations

from meskit.auth import DELEGATE, Caller
from meskit.errors import PermissionDenied

from identity.domain import auditing
from identity.domain.models import LEGAL_REPRESENTATION
from identity.domain.ports import Dependencies

CONTACT, EMAIL, CLOSURE, CAREGIVERS, DELEGATIONS = "contact", "email", "closure", "caregivers", "delegations"
# what: (answer to the delegate, label in the person's history)
REFUSALS = {
    CONTACT: ("Un aidant ne peut pas modifier les coordonnées de la personne qu'il aide",
              "Modification des coordonnées refusée : réservée au titulaire"),
    EMAIL: ("Un aidant ne peut pas changer l'adresse e-mail de connexion de la personne qu'il aide",
            "Changement d'adresse e-mail refusé : réservé au titulaire"),
    CLOSURE: ("Un aidant ne peut pas clôturer le profil de la personne qu'il aide",
              "Clôture du profil refusée : réservée au titulaire"),
    CAREGIVERS: ("Seule la personne aidée gère ses aidants",
                 "Invitation d'un aidant refusée : réservée au titulaire"),
    DELEGATIONS: ("Vous ne pouvez pas mettre fin à cet accès",
                  "Fin d'un accès au profil refusée : réservée au titulaire et à la personne concernée"),
}


def is_caregiver(caller: Caller) -> bool:
    """A delegate token not of a legal representation (a caregiver, or a kind not stated: deny)."""
    return caller.actor_type == DELEGATE and caller.delegation != LEGAL_REPRESENTATION


def refused(deps: Dependencies, caller: Caller, what: str, *, reason: str = "NOT_HOLDER") -> PermissionDenied:
    """Record a delegate's refused attempt in the history of the person she acts for; the error to raise."""
    message, label = REFUSALS[what]
    if caller.actor_type == DELEGATE and caller.on_behalf_of:
        with deps.unit_of_work() as repo:
            repo.add_audit(auditing.outside_delegate_scope(caller, deps.now(), label=label))
    return PermissionDenied(message, reason=reason)


def refuse_caregiver(deps: Dependencies, caller: Caller, what: str) -> None:
    """PERMISSION_DENIED NOT_HOLDER (and audited) for a caregiver's token; nothing for anyone else."""
    if is_caregiver(caller):
        raise refused(deps, caller, what)
