"""Queries on people, events, the bell and preferences. Never commits: the use-case's transaction does."""
from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Collection
from typing import Any, cast
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from meskit.events import Recipient

from notifications.adapters.tables import (bell_items, deliveries, events, minor_now, preferences,
                                           profile_viewers, push_devices, recipients)
from notifications.domain import routing
from notifications.domain.models import RETRYING, UNKNOWN_PATIENT, UNKNOWN_RECIPIENT, BellItem, Device

BELL_CHANNEL = "mes_bell"          # PostgreSQL NOTIFY channel: a bell item was added (payload: profile id)


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None


class NotificationsRepository:
    def __init__(self, session: Session, default_preferences: routing.Preferences = routing.Preferences()):
        self.session = session
        self.default_preferences = default_preferences

    # ---- the inbox ----
    def add_event(self, *, event_id: str, event_type: str, patient_id: str, producer: str, payload: dict,
                  occurred_at: datetime, critical: bool, hidden_from_legal_representatives: bool = False) -> bool:
        """False when the event id is known already (a redelivery)."""
        statement = insert(events).values(event_id=event_id, event_type=event_type, patient_id=patient_id,
                                          producer=producer, payload=payload, occurred_at=occurred_at,
                                          critical=critical,
                                          hidden_from_legal_representatives=hidden_from_legal_representatives)
        statement = statement.on_conflict_do_nothing(index_elements=["event_id"])
        return self.session.execute(statement.returning(events.c.event_id)).first() is not None

    # ---- people ----
    def apply_snapshot(self, snap: Recipient, as_of: datetime) -> bool:
        """Keep the newest snapshot; an address that changes is no longer known to bounce."""
        values = dict(account_id=snap.account_id, given_name=snap.given_name[:100], family_name=snap.family_name[:100],
                      email=snap.email or None, postal_address=snap.postal_address or None,
                      activated=snap.activated, minor=snap.minor, adult_on=snap.adult_on, closed=snap.closed,
                      as_of=as_of)
        statement = insert(recipients).values(**values, unsubscribe_token=secrets.token_urlsafe(32))
        excluded = statement.excluded
        changed_email = recipients.c.email.is_distinct_from(excluded.email)
        statement = statement.on_conflict_do_update(
            index_elements=["account_id"],
            set_={**{k: excluded[k] for k in values if k != "account_id"},
                  "email_bad": sa.case((changed_email, sa.false()), else_=recipients.c.email_bad),
                  "email_bad_reason": sa.case((changed_email, sa.null()), else_=recipients.c.email_bad_reason),
                  "email_bad_at": sa.case((changed_email, sa.null()), else_=recipients.c.email_bad_at),
                  "updated_at": sa.func.now()},
            where=recipients.c.as_of <= excluded.as_of)
        if self.session.execute(statement.returning(recipients.c.account_id)).first() is None:
            return False
        self._wake_deliveries_waiting_for(snap.account_id)
        self.session.execute(profile_viewers.delete().where(profile_viewers.c.profile_id == snap.account_id))
        viewers = [(v, routing.LEGAL_REPRESENTATIVE) for v in snap.legal_representative_ids]
        viewers += [(v, routing.CAREGIVER) for v in snap.caregiver_ids]
        rows = {v: relation for v, relation in viewers if v and v != snap.account_id}
        if rows:
            self.session.execute(insert(profile_viewers).on_conflict_do_nothing(), [
                {"profile_id": snap.account_id, "viewer_id": v, "relation": r} for v, r in rows.items()])
        return True

    def _wake_deliveries_waiting_for(self, account_id: str) -> None:
        """Deliveries that waited for this person's snapshot are due now, not at their next backoff."""
        waiting = ((deliveries.c.recipient_id, UNKNOWN_RECIPIENT), (deliveries.c.profile_id, UNKNOWN_PATIENT))
        for column, reason in waiting:
            self.session.execute(deliveries.update().where(column == account_id, deliveries.c.state == RETRYING,
                                                           deliveries.c.last_error == reason)
                                 .values(available_at=sa.func.now(), updated_at=sa.func.now()))

    def add_recipients(self, rows: list[dict]) -> None:
        """Bulk load of snapshots (fixtures, benchmarks, an initial import from identity)."""
        self.session.execute(insert(recipients).on_conflict_do_nothing(), [
            {"unsubscribe_token": secrets.token_urlsafe(32), **row} for row in rows])

    def profile(self, profile_id: str) -> tuple[routing.Profile, str]:
        """The profile, who reads its notices, and its display name ('' when identity never told us)."""
        row = self.session.execute(sa.select(recipients.c.given_name, recipients.c.family_name,
                                             minor_now().label("minor"))
                                   .where(recipients.c.account_id == profile_id)).first()
        viewers = self.session.execute(sa.select(profile_viewers.c.viewer_id, profile_viewers.c.relation)
                                       .where(profile_viewers.c.profile_id == profile_id)
                                       .order_by(profile_viewers.c.viewer_id)).all()
        legal = tuple(v for v, r in viewers if r == routing.LEGAL_REPRESENTATIVE)
        helpers = tuple(v for v, r in viewers if r == routing.CAREGIVER)
        name = " ".join(p for p in (row.given_name, row.family_name) if p) if row else ""
        return routing.Profile(profile_id, bool(row and row.minor), legal, helpers), name

    def person(self, account_id: str) -> routing.Person:
        row = self.session.execute(sa.select(recipients, minor_now().label("minor_now"))
                                   .where(recipients.c.account_id == account_id)).mappings().first()
        devices = tuple(self.session.execute(sa.select(push_devices.c.device_id).where(
            push_devices.c.account_id == account_id).order_by(push_devices.c.created_at)).scalars())
        prefs = self.preferences(account_id)
        if row is None:
            return routing.Person(account_id, known=False, push_devices=devices, preferences=prefs)
        return routing.Person(account_id, activated=row["activated"], email=row["email"], email_bad=row["email_bad"],
                              postal_address=row["postal_address"], closed=row["closed"], minor=row["minor_now"],
                              campaign_opt_out=row["campaign_opt_out"], push_devices=devices, preferences=prefs)

    def persons_for_letters(self, account_ids: list[str]) -> dict[str, dict]:
        rows = self.session.execute(sa.select(recipients).where(recipients.c.account_id.in_(account_ids))).mappings()
        return {r["account_id"]: dict(r) for r in rows}

    def viewed_profiles(self, viewer_id: str) -> list[tuple[str, str]]:
        """The profiles whose notices `viewer_id` reads: a legal representative's end at the majority."""
        v = profile_viewers.c
        return [(r.profile_id, r.relation) for r in self.session.execute(
            sa.select(v.profile_id, v.relation)
            .select_from(profile_viewers.join(recipients, recipients.c.account_id == v.profile_id))
            .where(v.viewer_id == viewer_id,
                   sa.or_(v.relation != routing.LEGAL_REPRESENTATIVE, minor_now()))
            .order_by(v.profile_id))]

    def given_names(self, account_ids: list[str]) -> dict[str, str]:
        return dict(self.session.execute(sa.select(recipients.c.account_id, recipients.c.given_name)
                                          .where(recipients.c.account_id.in_(account_ids))).all())

    def mark_email_bad(self, account_id: str, email: str, reason: str) -> None:
        self.session.execute(recipients.update().where(recipients.c.account_id == account_id,
                                                       recipients.c.email == email)
                             .values(email_bad=True, email_bad_reason=reason[:300], email_bad_at=sa.func.now(),
                                     updated_at=sa.func.now()))

    def unsubscribe(self, token: str, category: str) -> str | None:
        account_id = self.session.execute(sa.select(recipients.c.account_id).where(
            recipients.c.unsubscribe_token == token)).scalar()
        if account_id is None:
            return None
        if category == "campaign":
            self.session.execute(recipients.update().where(recipients.c.account_id == account_id)
                                 .values(campaign_opt_out=True, updated_at=sa.func.now()))
        else:
            opt_out: dict[str, Any] = {category: False}
            self.save_preferences(account_id, dataclasses.replace(self.preferences(account_id), **opt_out))
        return account_id

    # ---- preferences ----
    def preferences(self, account_id: str) -> routing.Preferences:
        row = self.session.execute(sa.select(preferences).where(preferences.c.account_id == account_id)).mappings().first()
        if row is None:
            return self.default_preferences
        return routing.Preferences(message=row["message"], document=row["document"], appointment=row["appointment"],
                                   synchronized_service=row["synchronized_service"], screening=row["screening"],
                                   quiet_start=_time(row["quiet_start"]), quiet_end=_time(row["quiet_end"]))

    def save_preferences(self, account_id: str, prefs: routing.Preferences) -> None:
        values = dict(message=prefs.message, document=prefs.document, appointment=prefs.appointment,
                      synchronized_service=prefs.synchronized_service, screening=prefs.screening,
                      quiet_start=prefs.quiet_start.strftime("%H:%M") if prefs.quiet_start else None,
                      quiet_end=prefs.quiet_end.strftime("%H:%M") if prefs.quiet_end else None)
        statement = insert(preferences).values(account_id=account_id, **values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["account_id"], set_={**values, "updated_at": sa.func.now()}))

    # ---- push devices ----
    def add_device(self, device: Device) -> Device:
        statement = insert(push_devices).values(
            device_id=device.device_id, account_id=device.account_id, endpoint=device.endpoint,
            p256dh=device.p256dh, auth=device.auth, platform=device.platform)
        statement = statement.on_conflict_do_update(
            constraint="uq_push_devices_account_id_endpoint",
            set_={"p256dh": statement.excluded.p256dh, "auth": statement.excluded.auth,
                  "platform": statement.excluded.platform})
        row = self.session.execute(statement.returning(*push_devices.c)).mappings().one()
        return Device(**row)

    def delete_device(self, account_id: str, device_id: str) -> bool:
        return cast(sa.CursorResult[Any], self.session.execute(push_devices.delete().where(
            push_devices.c.account_id == account_id, push_devices.c.device_id == device_id))).rowcount == 1

    # ---- the bell ----
    def add_bell_item(self, *, notification_id: str, profile_id: str, event_id: str, event_type: str,
                      title: str, body: str, critical: bool, hidden_from_legal_representatives: bool = False) -> None:
        """Stamped with the database's clock, the one live streams read by."""
        inserted = self.session.execute(insert(bell_items).values(
            notification_id=notification_id, profile_id=profile_id, event_id=event_id, event_type=event_type,
            title=title[:200], body=body, critical=critical,
            hidden_from_legal_representatives=hidden_from_legal_representatives).on_conflict_do_nothing()
            .returning(bell_items.c.seq)).first()
        if inserted is not None:   # watchers of every replica hear of it when the transaction commits
            self.session.execute(sa.select(sa.func.pg_notify(BELL_CHANNEL, profile_id)))

    def bell_item(self, notification_id: str) -> BellItem | None:
        try:
            uuid.UUID(notification_id)
        except ValueError:
            return None
        row = self.session.execute(sa.select(bell_items).where(
            bell_items.c.notification_id == notification_id, bell_items.c.deleted_at.is_(None))).mappings().first()
        return _bell(row) if row else None

    def list_bell(self, profile_id: str, *, unread_only: bool, limit: int, before_seq: int | None,
                  with_hidden: bool = True) -> list[BellItem]:
        query = sa.select(bell_items).where(bell_items.c.profile_id == profile_id, bell_items.c.deleted_at.is_(None))
        if not with_hidden:
            query = query.where(bell_items.c.hidden_from_legal_representatives.is_(False))
        if unread_only:
            query = query.where(bell_items.c.read_at.is_(None))
        if before_seq is not None:
            query = query.where(bell_items.c.seq < before_seq)
        rows = self.session.execute(query.order_by(bell_items.c.seq.desc()).limit(limit)).mappings()
        return [_bell(r) for r in rows]

    def database_now(self) -> datetime:
        return self.session.execute(sa.select(sa.func.now())).scalar_one()

    def bell_since(self, profile_ids: list[str], since: datetime, limit: int = 500,
                   with_hidden: Collection[str] | None = None) -> list[BellItem]:
        rows = self.session.execute(sa.select(bell_items).where(
            bell_items.c.profile_id.in_(profile_ids), bell_items.c.created_at >= since,
            bell_items.c.deleted_at.is_(None), _shown(with_hidden)).order_by(bell_items.c.seq).limit(limit)).mappings()
        return [_bell(r) for r in rows]

    def unread_counts(self, profile_ids: list[str], with_hidden: Collection[str] | None = None) -> dict[str, int]:
        rows = self.session.execute(sa.select(bell_items.c.profile_id, sa.func.count()).where(
            bell_items.c.profile_id.in_(profile_ids), bell_items.c.read_at.is_(None),
            bell_items.c.deleted_at.is_(None), _shown(with_hidden)).group_by(bell_items.c.profile_id)).all()
        return dict(rows)

    def mark_bell(self, notification_id: str, read: bool) -> None:
        self.session.execute(bell_items.update().where(bell_items.c.notification_id == notification_id)
                             .values(read_at=sa.func.now() if read else None))

    def mark_all_read(self, profile_id: str, with_hidden: bool = True) -> int:
        return cast(sa.CursorResult[Any], self.session.execute(bell_items.update().where(
            bell_items.c.profile_id == profile_id, bell_items.c.read_at.is_(None), bell_items.c.deleted_at.is_(None),
            _shown(None if with_hidden else ())).values(read_at=sa.func.now()))).rowcount

    def delete_bell(self, notification_id: str) -> None:
        self.session.execute(bell_items.update().where(bell_items.c.notification_id == notification_id)
                             .values(deleted_at=sa.func.now()))

    # ---- deliveries ----
    def add_delivery(self, **values) -> None:
        self.session.execute(insert(deliveries).values(delivery_id=str(uuid.uuid4()), **values)
                             .on_conflict_do_nothing(constraint="uq_deliveries_notification_id_channel_target"))


def _shown(with_hidden: Collection[str] | None) -> sa.ColumnElement[bool]:
    """Items hidden from the legal representatives only on the profiles listed (None: on all)."""
    if with_hidden is None:
        return sa.true()
    return sa.or_(bell_items.c.hidden_from_legal_representatives.is_(False),
                  bell_items.c.profile_id.in_(list(with_hidden)))


def _bell(row) -> BellItem:
    return BellItem(notification_id=row["notification_id"], profile_id=row["profile_id"],
                    event_type=row["event_type"], title=row["title"], body=row["body"],
                    read=row["read_at"] is not None, critical=row["critical"], created_at=row["created_at"],
                    seq=row["seq"], hidden_from_legal_representatives=row["hidden_from_legal_representatives"])
