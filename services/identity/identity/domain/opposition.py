"""Opposing the creation of one's space (DOMAIN.md §4.1): online with the creation notice's proofs
(NIR, Vitale serial, provisional code: ActivateAccount's checks and lockout) or through the phone line
(an operator, audited with their id). Only an announced space (PENDING) can be opposed: it becomes
OPPOSED, its codes stop working, the OPPOSITION_ENREGISTREE notice goes out and the proof (PDF) is
kept to be given again. Asked again, the same proof comes back: nothing changes twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


from meskit import events
from meskit.auth import OPERATOR, PATIENT, SUPPORT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Violations
from meskit.pdf import PARIS, TextDocument, french_date, french_moment

from identity.domain import account_events, auditing, rules
from identity.domain.attestations import ISSUER
from identity.domain.models import ANNOUNCED, OPPOSED, Account, Opposition
from identity.domain.ports import Dependencies
from identity.domain.secrets import digest, normalise_provisional_code, same
from identity.domain.throttle import client_key, guard_client, record_client_failure

ONLINE, PHONE = "ONLINE", "PHONE"
CHANNEL_LABELS = {ONLINE: "en ligne", PHONE: "par téléphone"}
OPPOSITION_REFUSED = "Les informations saisies ne correspondent pas à un profil en attente de création"
REFERENCES = uuid.UUID("0c6f4a52-9b7e-4d0b-8f0e-2a6c1d3b5e77")   # uuid5 namespace of the proofs' references


@dataclass(frozen=True)
class Proofs:
    provisional_code: str
    nir: str
    vitale_serial: str


def oppose_online(deps: Dependencies, proofs: Proofs, client: str) -> Opposition:
    v = Violations()
    for name in ("provisional_code", "nir", "vitale_serial"):
        v.require(getattr(proofs, name), name)
    v.raise_if_any()
    now = deps.now()
    # the activation's counter: opposing gives no more tries at a code than activating
    throttle = client_key("activation", client)
    guard_client(deps, throttle, now)
    code_hash = digest(normalise_provisional_code(proofs.provisional_code))
    with deps.unit_of_work() as repo:
        code = repo.get_provisional_code(code_hash)
        account = repo.get_account(code["account_id"], for_update=True) if code else None
        tries_left = code is not None and code["failed_attempts"] < deps.policy.max_provisional_code_failures
        matches = (account is not None and same(account.nir, proofs.nir.upper())
                   and same(account.vitale_serial, proofs.vitale_serial))
        if tries_left and matches and account is not None and account.status == OPPOSED:
            recorded = repo.get_opposition(account.account_id)
            if recorded is not None:
                return recorded
        usable = tries_left and code is not None and code["used_at"] is None and code["expires_at"] > now
        if usable and matches and account is not None:
            if account.status != ANNOUNCED:
                raise _not_announced(account)
            return _record(repo, account, Caller(PATIENT, account.account_id), ONLINE, now)
        if code is not None and usable:
            repo.record_provisional_failure(code_hash)
    record_client_failure(deps, throttle, now)
    raise PermissionDenied(OPPOSITION_REFUSED, reason="OPPOSITION_REFUSED")


def oppose_by_phone(deps: Dependencies, caller: Caller, nir: str, vitale_serial: str) -> Opposition:
    caller.require(OPERATOR)
    v = Violations()
    if not rules.nir_is_valid(nir):
        v.add("nir", "NIR invalide : 15 caractères dont la clé de contrôle")
    if not rules.VITALE_SERIAL.match(vitale_serial):
        v.add("vitale_serial", "numéro de série de la carte Vitale : 8 à 13 chiffres")
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        account_id = repo.account_id_by_nir(nir, for_update=True)
        account = repo.get_account(account_id) if account_id else None
        if account is None or not same(account.vitale_serial, vitale_serial):
            raise NotFound("Aucun profil ne correspond à ce NIR et à ce numéro de carte Vitale")
        if account.status == OPPOSED and (recorded := repo.get_opposition(account.account_id)) is not None:
            return recorded
        if account.status != ANNOUNCED:
            raise _not_announced(account)
        return _record(repo, account, caller, PHONE, now)


def get_proof(deps: Dependencies, caller: Caller, account_id: str) -> Opposition:
    caller.require(OPERATOR, SUPPORT)
    with deps.unit_of_work() as repo:
        recorded = repo.get_opposition(account_id.strip()) if account_id.strip() else None
    if recorded is None:
        raise NotFound("Aucune opposition enregistrée pour ce profil")
    return recorded


def _not_announced(account: Account) -> FailedPrecondition:
    if account.status == OPPOSED:     # opposed before the proofs were kept
        return FailedPrecondition("L'opposition de cette personne est déjà enregistrée", reason="ALREADY_OPPOSED")
    return FailedPrecondition("Ce profil Mon espace santé existe déjà : il se clôture depuis ses paramètres",
                              reason="SPACE_EXISTS")


def _record(repo, account: Account, caller: Caller, channel: str, now: datetime) -> Opposition:
    if not repo.change_status(account.account_id, from_statuses=(ANNOUNCED,), to=OPPOSED):
        raise FailedPrecondition("Ce profil a changé entre-temps, réessayez", reason="SPACE_EXISTS")
    repo.use_provisional_codes_of(account.account_id, now)
    reference = str(uuid.uuid5(REFERENCES, account.account_id))
    opposition = Opposition(account_id=account.account_id, channel=channel,
                            operator_id=caller.subject if channel == PHONE else None, recorded_at=now,
                            reference=reference, proof_pdf=render(account, channel, now, reference))
    repo.add_opposition(opposition)
    opposed = repo.get_account(account.account_id)
    assert opposed is not None, "changed in this transaction"
    repo.add_notice(events.envelope(
        events.OPPOSITION_ENREGISTREE, account.account_id,
        events.OppositionRecorded(recorded_at=now, channel=CHANNEL_LABELS[channel]), occurred_at=now,
        recipient=account_events.recipient(opposed, now), event_id=uuid.uuid5(REFERENCES, f"notice|{reference}")))
    repo.add_audit(auditing.opposition_recorded(caller, account.account_id, CHANNEL_LABELS[channel], now))
    return opposition


def render(account: Account, channel: str, now: datetime, reference: str) -> bytes:
    """The proof of opposition as PDF bytes (fpdf2 core fonts: Latin-1 text)."""
    title = "Justificatif d'opposition à la création du profil Mon espace santé"
    doc = TextDocument(title, ISSUER, now)
    line = doc.line

    line(ISSUER, 10, "B", 6)
    line(title, 16, "B", 6)
    born = f"{'née' if account.sex == 'F' else 'né'} le {french_date(account.birth_date)}"
    line(f"Personne : {account.full_name}, {born}", gap=6)
    line(f"{ISSUER} atteste que l'opposition de {account.full_name} à la création de son profil Mon espace santé "
         f"a été enregistrée {CHANNEL_LABELS[channel]} le {french_moment(now)} (heure de Paris).")
    line("Son profil Mon espace santé ne sera pas créé.", gap=6)
    line(f"Délivré par {ISSUER} le {french_date(now.astimezone(PARIS).date())}.", 10, gap=1)
    line(f"Référence : {reference}", 8)
    return doc.output()
