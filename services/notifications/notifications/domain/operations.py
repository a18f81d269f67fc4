"""Operators: delivery status, dead letters and their replay, campaigns."""
from __future__ import annotations

import uuid
from datetime import datetime

from meskit.auth import OPERATOR, SUPPORT, Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound, Violations

from notifications.domain import models
from notifications.domain.catalog import CAMPAIGN_TEMPLATES
from notifications.domain.models import Campaign, DeliveryRecord
from notifications.domain.ports import Dependencies
from notifications.domain.routing import Person

MAX_LISTED_RECIPIENTS = 200_000


def delivery_status(deps: Dependencies, caller: Caller, event_id: str) -> list[DeliveryRecord]:
    caller.require(OPERATOR, SUPPORT)
    if not event_id:
        raise InvalidArgument("event_id est obligatoire")
    with deps.unit_of_work() as tx:
        return tx.ops.statuses(event_id)


def dead_letters(deps: Dependencies, caller: Caller, channel: str | None, page_size: int,
                 page_token: str) -> tuple[list[DeliveryRecord], str]:
    caller.require(OPERATOR, SUPPORT)
    size = min(max(page_size or 50, 1), 500)
    after = _after(page_token)
    with deps.unit_of_work() as tx:
        found = tx.ops.dead_letters(channel, size + 1, after)
    token = ""
    if len(found) > size:
        last = found[size - 1]
        token = f"{last.updated_at.isoformat()}|{last.delivery_id}"
    return found[:size], token


def recipient_deliveries(deps: Dependencies, caller: Caller, recipient_id: str, event_type: str, page_size: int,
                         page_token: str) -> tuple[list[DeliveryRecord], str]:
    caller.require(OPERATOR, SUPPORT)
    if not recipient_id:
        raise InvalidArgument("recipient_id est obligatoire")
    size = min(max(page_size or 50, 1), 500)
    after = _after(page_token)
    with deps.unit_of_work() as tx:
        found = tx.ops.recipient_deliveries(recipient_id, event_type or None, size + 1, after)
    token = ""
    if len(found) > size:
        last = found[size - 1]
        assert last.created_at is not None, "read from the table, where it is NOT NULL"
        token = f"{last.created_at.isoformat()}|{last.delivery_id}"
    return found[:size], token


def recipient(deps: Dependencies, caller: Caller, account_id: str) -> Person:
    caller.require(OPERATOR, SUPPORT)
    if not account_id:
        raise InvalidArgument("account_id est obligatoire")
    with deps.unit_of_work() as tx:
        person = tx.people.person(account_id)
    if not person.known:
        raise NotFound("Destinataire inconnu")
    return person


def _after(page_token: str) -> tuple[datetime, str] | None:
    if not page_token:
        return None
    try:
        stamp, _, delivery_id = page_token.partition("|")
        return datetime.fromisoformat(stamp), str(uuid.UUID(delivery_id))
    except ValueError:
        raise InvalidArgument("page_token invalide") from None


def replay(deps: Dependencies, caller: Caller, delivery_id: str) -> DeliveryRecord:
    caller.require(OPERATOR)
    with deps.unit_of_work() as tx:
        replayed = tx.ops.replay(delivery_id)
        if replayed is None:
            if tx.ops.delivery(delivery_id) is None:
                raise NotFound("Lettre morte introuvable")
            raise FailedPrecondition("Cette livraison n'est pas une lettre morte")
        return replayed


def create_campaign(deps: Dependencies, caller: Caller, *, name: str, template: str, rate_per_day: int,
                    audience: str, recipient_ids: list[str]) -> Campaign:
    caller.require(OPERATOR)
    v = Violations()
    v.require(name, "name")
    v.max_length(name, "name", 200)
    if template not in CAMPAIGN_TEMPLATES:
        v.add("template", f"modèles connus : {', '.join(sorted(CAMPAIGN_TEMPLATES))}")
    if rate_per_day <= 0:
        v.add("rate_per_day", "un nombre de messages par jour strictement positif est attendu")
    if audience == models.EXPLICIT:
        if not recipient_ids:
            v.add("recipient_account_ids", "au moins un destinataire, ou une audience")
        if len(recipient_ids) > MAX_LISTED_RECIPIENTS:
            v.add("recipient_account_ids", f"{MAX_LISTED_RECIPIENTS} au plus : au-delà, choisir une audience")
        if any(not r or len(r) > 64 for r in recipient_ids):
            v.add("recipient_account_ids", "identifiants de 1 à 64 caractères")
    elif recipient_ids:
        v.add("recipient_account_ids", "une audience ou une liste, pas les deux")
    v.raise_if_any()
    people = list(dict.fromkeys(recipient_ids))
    with deps.unit_of_work() as tx:
        campaign_id = tx.ops.add_campaign(name=name, template=template, audience=audience,
                                          rate_per_day=rate_per_day, created_by=caller.subject, people=people)
        created = tx.ops.campaign(campaign_id)
        assert created is not None, "created in this transaction"
        return created


def get_campaign(deps: Dependencies, caller: Caller, campaign_id: str) -> Campaign:
    caller.require(OPERATOR, SUPPORT)
    with deps.unit_of_work() as tx:
        campaign = tx.ops.campaign(campaign_id)
    if campaign is None:
        raise NotFound("Campagne introuvable")
    return campaign


def set_running(deps: Dependencies, caller: Caller, campaign_id: str, running: bool) -> Campaign:
    caller.require(OPERATOR)
    with deps.unit_of_work() as tx:
        campaign = tx.ops.campaign(campaign_id, for_update=True)
        if campaign is None:
            raise NotFound("Campagne introuvable")
        if campaign.state == models.DONE:
            raise FailedPrecondition("Campagne terminée")
        wanted = models.RUNNING if running else models.PAUSED
        if campaign.state != wanted:
            tx.ops.set_campaign_state(campaign_id, wanted)
        changed = tx.ops.campaign(campaign_id)
        assert changed is not None, "locked in this transaction"
        return changed
