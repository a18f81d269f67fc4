"""Support creates a minor's legal representation on proof of the person's status (DOMAIN §3.3: in a
dispute between parents, support creates the second parent's delegation).

In force at once (ACCEPTED, no inviter, answered now), under the same limits as an invitation. The
reason support gives (it may name a court decision) is for support only: it is kept in an audit record
of nobody's history (patient_id empty, found by actor or delegation with audit's SearchRecords); the
minor's history, which her representatives read, says only that support decided. Her representatives,
the new one included, are told on her profile (AJOUT_REPRESENTANT_LEGAL, after the PROFILE_LINKS_CHANGED
that names the new one among them).
"""
from __future__ import annotations

import uuid

from meskit import events
from meskit.auth import OPERATOR, SUPPORT, Caller
from meskit.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Violations

from identity.domain import account_events, auditing, rules
from identity.domain.delegations import MAX_LEGAL_REPRESENTATIVES, _name
from identity.domain.models import ACCEPTED, ACTIVE, CLOSED, LEGAL_REPRESENTATION, OPPOSED, Delegation
from identity.domain.ports import Dependencies

REASON_LIMIT = 500
AJOUT_REPRESENTANT_LEGAL = "AJOUT_REPRESENTANT_LEGAL"


def create_legal_representation(deps: Dependencies, caller: Caller, patient_id: str, delegate_id: str,
                                reason: str) -> Delegation:
    if caller.actor_type not in (SUPPORT, OPERATOR):
        raise PermissionDenied("Réservé au support et aux opérateurs")
    reason = reason.strip()
    v = Violations()
    v.require(patient_id, "patient_id")
    v.require(delegate_id, "delegate_account_id")
    v.require(reason, "reason")
    v.max_length(patient_id, "patient_id", 36)
    v.max_length(delegate_id, "delegate_account_id", 36)
    v.max_length(reason, "reason", REASON_LIMIT)
    v.raise_if_any()
    if patient_id == delegate_id:
        raise InvalidArgument("Un mineur n'est pas son propre représentant légal", reason="SELF_INVITATION")
    now = deps.now()
    with deps.unit_of_work() as repo:
        minor = repo.get_account(patient_id)
        if minor is None:
            raise NotFound("Profil introuvable")
        if minor.status in (CLOSED, OPPOSED):
            raise FailedPrecondition("Ce profil est clôturé", reason="ACCOUNT_CLOSED")
        if rules.age_on(minor.birth_date, now.date()) >= 18:
            raise FailedPrecondition("Ce profil n'est pas celui d'un mineur", reason="NOT_A_MINOR")
        delegate = repo.get_account(delegate_id)
        if delegate is None:
            raise NotFound("Profil du représentant introuvable", reason="DELEGATE_NOT_FOUND")
        if delegate.status != ACTIVE:
            raise FailedPrecondition("Le représentant doit avoir activé son profil Mon espace santé",
                                     reason="DELEGATE_NOT_ACTIVATED")
        repo.lock_people(patient_id, delegate_id)
        open_ = [d for d in repo.delegations_of(delegator_id=patient_id, type_=LEGAL_REPRESENTATION) if d.open_on(now)]
        if any(d.delegate_id == delegate_id for d in open_):
            raise AlreadyExists("Une invitation en attente ou un accès existe déjà pour cette personne",
                                reason="DELEGATION_EXISTS")
        if len(open_) >= MAX_LEGAL_REPRESENTATIVES:
            raise FailedPrecondition(f"Ce mineur a déjà {MAX_LEGAL_REPRESENTATIVES} représentants légaux "
                                     f"(invitations en attente comprises) : {MAX_LEGAL_REPRESENTATIVES} au maximum",
                                     reason="LEGAL_REPRESENTATIVE_LIMIT")
        delegation = Delegation(delegation_id=str(uuid.uuid4()), type=LEGAL_REPRESENTATION, delegator_id=patient_id,
                                delegate_id=delegate_id, state=ACCEPTED, created_at=now, answered_at=now)
        repo.add_delegation(delegation)
        repo.add_audit(auditing.legal_representation_created(caller, delegation, now, delegate_name=_name(delegate)))
        repo.add_audit(auditing.legal_representation_reason(caller, delegation, reason, now))
        linked = repo.get_account(patient_id)
        assert linked is not None
        repo.add_notice(account_events.links_changed(linked, now))
        repo.add_notice(events.envelope(AJOUT_REPRESENTANT_LEGAL, patient_id,
                                        events.ActorNotice(actor_display=_name(delegate)), occurred_at=now))
    return delegation
