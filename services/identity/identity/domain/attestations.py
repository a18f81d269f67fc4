"""Caregiving attestations (PDF "justificatif", DOMAIN §3.4): the acceptance of a caregiving and its
end each produce one, saved in the Documents of the person helped.

Identity cannot call documents (documents calls identity: the other way would be a cycle), so the
PDF waits in the `attestations` table, written in the transaction of the change; the documents
service lists the pending ones (ListPendingAttestations), saves each under its id and acknowledges
them (AcknowledgeAttestations). Legal representations get none.

The PDF holds no health data: who helps whom, since when or why it ended, and what a caregiver may
and may not do. Names are the person helped's and the caregiver's (both see the document).
"""
from __future__ import annotations

import uuid
from datetime import datetime


from meskit.auth import SERVICE, Caller
from meskit.errors import InvalidArgument, PermissionDenied, Violations
from meskit.pdf import PARIS, TextDocument, french_date, french_moment

from identity.domain.models import (ACCOUNT_CLOSED, BY_REVOCATION, CAREGIVING, END_DATE, UNUSED, Account, Attestation,
                                    Delegation)
from identity.domain.ports import Dependencies

ACCEPTED, ENDED = "ACCEPTED", "ENDED"
TITLES = {ACCEPTED: "Attestation d'accès aidant", ENDED: "Attestation de fin d'accès aidant"}
NAMESPACE = uuid.UUID("5b0f3c1e-8a4d-4e7b-9c2a-1d6e8f4a7b30")
COLLECTOR = "documents"          # the only service that drains them
DEFAULT_LIMIT, MAX_LIMIT, MAX_ACKNOWLEDGED = 20, 100, 100
ISSUER = "Mon espace santé"

CAN = ("consulter, ajouter, modifier ou supprimer les données et les documents de l'espace de la personne aidée ;",
       "lire et envoyer des messages à ses professionnels de santé (signés « rédigé par l'aidant ») ;",
       "recevoir des notifications.")
CANNOT = ("gérer le partage de l'espace avec d'autres aidants ;",
          "modifier les coordonnées, l'identifiant ou le mot de passe de la personne aidée ;",
          "demander la clôture de l'espace, la suppression ou le téléchargement des données.")


def attestation_id(delegation_id: str, kind: str, occurred_at: datetime) -> str:
    """The same change always names the same attestation (and the document saved from it)."""
    return str(uuid.uuid5(NAMESPACE, f"{delegation_id}|{kind}|{occurred_at.isoformat()}"))


def record(repo, delegation: Delegation, kind: str, now: datetime) -> None:
    """Add the attestation of a caregiving's acceptance (kind ACCEPTED) or end (ENDED), in the caller's
    transaction. `delegation` as it is after the change (for an end: ended_reason, ended_at, ended_by_id)."""
    if delegation.type != CAREGIVING:
        return
    if kind not in TITLES:
        raise ValueError(f"attestation kind {kind!r}")
    helped, caregiver = repo.get_account(delegation.delegator_id), repo.get_account(delegation.delegate_id)
    if helped is None or caregiver is None:
        return
    title = f"{TITLES[kind]} - {_name(caregiver)}"
    identifier = attestation_id(delegation.delegation_id, kind, now)
    content = render(kind, delegation, helped, caregiver, now, identifier)
    repo.add_attestation(Attestation(attestation_id=identifier, delegation_id=delegation.delegation_id,
                                     patient_id=delegation.delegator_id, kind=kind, title=title, content=content,
                                     occurred_at=now))


def _name(account: Account) -> str:
    return f"{account.given_name} {account.family_name}".strip()


def _born(account: Account) -> str:
    return f"{'née' if account.sex == 'F' else 'né'} le {french_date(account.birth_date)}"


def _caregiver_word(account: Account) -> str:
    return "aidante" if account.sex == "F" else "aidant"


def end_reason(delegation: Delegation) -> str:
    """Why the caregiving ended, in French."""
    reason = delegation.ended_reason
    if reason == BY_REVOCATION:
        if delegation.ended_by_id == delegation.delegator_id:
            return "la personne aidée a mis fin à l'accès"
        if delegation.ended_by_id == delegation.delegate_id:
            return "l'aidant a mis fin à son accès"
        return "l'accès a été révoqué"
    return {END_DATE: "la date de fin de l'accès est atteinte",
            UNUSED: "l'accès n'a pas été utilisé depuis cinq ans",
            ACCOUNT_CLOSED: "l'espace Mon espace santé de la personne aidée a été clôturé"}.get(
        reason or "", "l'accès a pris fin")


def render(kind: str, delegation: Delegation, helped: Account, caregiver: Account, now: datetime,
           identifier: str) -> bytes:
    """The attestation as PDF bytes (fpdf2 core fonts: Latin-1 text). Deterministic for the same inputs."""
    doc = TextDocument(TITLES[kind], ISSUER, now)
    line = doc.line

    line(ISSUER, 10, "B", 6)
    line(TITLES[kind], 16, "B", 6)
    helped_name, caregiver_name, word = _name(helped), _name(caregiver), _caregiver_word(caregiver)
    line(f"Personne aidée : {helped_name}, {_born(helped)}")
    line(f"{word.capitalize()} : {caregiver_name}", gap=6)
    if kind == ACCEPTED:
        line(f"{ISSUER} atteste que {caregiver_name} a accepté le {french_moment(now)} (heure de Paris) l'invitation "
             f"de {helped_name} à devenir son {word} : {caregiver_name} peut agir pour {helped_name} "
             f"dans son espace Mon espace santé.")
        if delegation.ends_at is not None:
            line(f"Cet accès prend fin le {french_moment(delegation.ends_at)} (heure de Paris).")
        line(f"La personne aidée comme l'{word} peut y mettre fin à tout moment depuis Mon espace santé.", gap=6)
        intro_can, intro_cannot = f"L'{word} peut :", f"L'{word} ne peut pas :"
    else:
        ended = delegation.ended_at or now
        line(f"{ISSUER} atteste que l'accès de {caregiver_name}, {word} de {helped_name}, a pris fin le "
             f"{french_moment(ended)} (heure de Paris).")
        line(f"Motif : {end_reason(delegation)}.")
        line(f"Depuis, {caregiver_name} ne peut plus agir pour {helped_name} dans Mon espace santé.", gap=6)
        intro_can, intro_cannot = f"L'{word} pouvait :", f"L'{word} ne pouvait pas :"
    for intro, items in ((intro_can, CAN), (intro_cannot, CANNOT)):
        line(intro, 11, "B", 1)
        for item in items:
            line(f"- {item}", gap=1)
        doc.space(4)
    line(f"Délivrée par {ISSUER} le {french_date(now.astimezone(PARIS).date())}.", 10, gap=1)
    line(f"Référence : {identifier}", 8)
    return doc.output()


# ---- the documents service drains them ----
def _collector(caller: Caller) -> None:
    if caller.actor_type != SERVICE or caller.subject != COLLECTOR:
        raise PermissionDenied("Réservé au service des documents", reason="NOT_THE_DOCUMENTS_SERVICE")


def list_pending(deps: Dependencies, caller: Caller, limit: int) -> list[Attestation]:
    _collector(caller)
    if limit == 0:
        limit = DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"limit : de 1 à {MAX_LIMIT} (0 = {DEFAULT_LIMIT})", reason="INVALID_LIMIT")
    with deps.unit_of_work() as repo:
        return repo.pending_attestations(limit)


def acknowledge(deps: Dependencies, caller: Caller, attestation_ids: list[str]) -> int:
    """How many were newly acknowledged; unknown or already acknowledged ids are ignored."""
    _collector(caller)
    v = Violations()
    if len(attestation_ids) > MAX_ACKNOWLEDGED:
        v.add("attestation_ids", f"{MAX_ACKNOWLEDGED} au plus")
    for index, value in enumerate(attestation_ids):
        v.max_length(value, f"attestation_ids[{index}]", 36)
    v.raise_if_any()
    with deps.unit_of_work() as repo:
        return repo.acknowledge_attestations(sorted(set(attestation_ids)), deps.now())
