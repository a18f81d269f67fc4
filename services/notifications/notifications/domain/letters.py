"""Postal letters: every day, one letter per person listing the notices that wait for them,
rendered into one print file with a manifest for the print provider.

Two steps, each safe with several replicas:
1. open a batch: its key (the day) is unique, so one replica wins; in the same transaction the
   waiting postal deliveries are locked (SKIP LOCKED), grouped per person into letters, and
   marked BATCHED;
2. write it: the batch row is locked while its PDFs and print file are produced and stored,
   then everything is marked handed to the printer. A writer that dies releases the lock and
   the next pass writes the batch again under the same object key.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, time

from meskit.auth import OPERATOR, SUPPORT, Caller
from meskit.errors import FailedPrecondition, InvalidArgument, NotFound

from notifications.domain import models
from notifications.domain.models import LetterBatch
from notifications.domain.ports import Dependencies
from notifications.domain.routing import PARIS

log = logging.getLogger(__name__)
NO_POSTAL_ADDRESS = "aucune adresse postale connue"


def daily_key(now: datetime, at: time) -> str | None:
    """The key of today's batch once its time has come (Europe/Paris), else None."""
    local = now.astimezone(PARIS)
    return local.date().isoformat() if local.time() >= at else None


def interval_key(now: datetime, seconds: float) -> str:
    return f"every-{int(seconds)}s-{int(now.timestamp() // seconds)}"


def open_batch(deps: Dependencies, batch_key: str) -> str | None:
    with deps.unit_of_work() as tx:
        batch_id = tx.letters.new_batch(batch_key)
        if batch_id is None:
            return None
        waiting = tx.letters.waiting_postal()
        addresses = tx.letters.postal_addresses(list(waiting)) if waiting else {}
        count = 0
        for recipient_id, delivery_ids in waiting.items():
            if addresses.get(recipient_id):
                tx.letters.add_letter(batch_id, recipient_id, delivery_ids)
                count += 1
            else:
                tx.letters.skip(delivery_ids, NO_POSTAL_ADDRESS)
        tx.letters.set_count(batch_id, count)
    log.info("letter batch opened", extra={"batch_key": batch_key, "letters": count})
    return batch_id


def write_batch(deps: Dependencies, batch_id: str | None = None) -> str | None:
    """Write one batch still BUILDING (this one, or the oldest); its id, or None if none is free."""
    with deps.unit_of_work() as tx:
        batch = tx.letters.lock_building(batch_id)
        if batch is None:
            return None
        to_print = tx.letters.to_render(batch.batch_id)
        location = manifest_location = None
        pages: dict[str, int] = {}
        if to_print:
            day = deps.now().astimezone(PARIS).date()
            assert deps.print_shop is not None, "batches are written only where a store is configured"
            location, manifest_location, pages = deps.print_shop.write(batch.batch_id, batch.batch_key, to_print, day)
        tx.letters.finish(batch.batch_id, location, manifest_location, pages)
    log.info("letter batch written", extra={"batch_key": batch.batch_key, "letters": len(pages)})
    return batch.batch_id


def scheduled_pass(deps: Dependencies, *, at: time, interval_seconds: float) -> int:
    """What the scheduler thread does each time it wakes: today's batch when due, and any
    batch a crashed writer left behind."""
    if deps.print_shop is None:
        return 0
    now = deps.now()
    key = interval_key(now, interval_seconds) if interval_seconds > 0 else daily_key(now, at)
    if key is not None:
        open_batch(deps, key)
    written = 0
    while write_batch(deps) is not None:
        written += 1
    return written


def run_now(deps: Dependencies, caller: Caller) -> LetterBatch:
    caller.require(OPERATOR)
    if deps.print_shop is None:
        raise FailedPrecondition("Aucun stockage des fichiers d'impression configuré (S3_ENDPOINT ou LETTERS_DIR)")
    now = deps.now()
    batch_id = open_batch(deps, f"manual-{now.astimezone(PARIS):%Y-%m-%dT%H%M%S}-{uuid.uuid4().hex[:6]}")
    assert batch_id is not None, "a fresh batch key is never taken"
    write_batch(deps, batch_id)
    return get_batch(deps, caller, batch_id)


def get_batch(deps: Dependencies, caller: Caller, batch_id: str) -> LetterBatch:
    caller.require(OPERATOR, SUPPORT)
    with deps.unit_of_work() as tx:
        batch = tx.letters.batch(batch_id)
    if batch is None:
        raise NotFound("Lot de courriers introuvable")
    return batch


def list_batches(deps: Dependencies, caller: Caller, page_size: int, page_token: str) -> tuple[list[LetterBatch], str]:
    caller.require(OPERATOR, SUPPORT)
    size = min(max(page_size or 20, 1), 100)
    try:
        before = str(float(page_token)) if page_token else None
    except ValueError:
        raise InvalidArgument("page_token invalide") from None
    with deps.unit_of_work() as tx:
        found = tx.letters.batches(size + 1, before)
    token = str(found[size - 1].created_at.timestamp()) if len(found) > size else ""
    return found[:size], token


def update_letter_status(deps: Dependencies, caller: Caller, letter_id: str, status: str) -> models.Letter:
    caller.require(OPERATOR)
    if status not in (models.POSTED, models.RETURNED):
        raise InvalidArgument("Statut attendu : POSTED ou RETURNED")
    with deps.unit_of_work() as tx:
        letter = tx.letters.letter(letter_id)
        if letter is None:
            raise NotFound("Courrier introuvable")
        if letter.status not in (models.HANDED_TO_PRINTER, models.POSTED):
            raise FailedPrecondition("Ce courrier n'a pas encore été remis à l'imprimeur")
        tx.letters.set_letter_status(letter_id, status)
        changed = tx.letters.letter(letter_id)
        assert changed is not None, "read in this transaction"
        return changed

