"""The delivery queue: claims under a lease with SKIP LOCKED, and each outcome fenced by the lease.

A sender claims a few due deliveries at a time (`FOR UPDATE SKIP LOCKED`, so replicas never take
the same row), stamps them with its worker token and a lease, and commits. Every later write
about a delivery checks that token: a sender whose lease ran out and whose row was claimed again
by someone else learns it before it hands anything over, and backs off. A sender that dies
simply lets its lease run out.

The "sent" mark of an email is the hot path (one per mail) and the heart of exactly-once: the
sender writes the SMTP terminating "." into a corked socket (adapters/smtp.py), `SentMarker` sends
the UPDATE to PostgreSQL without waiting, the cork is pulled, and only then both answers are read.
A process killed at any point has either sent neither (the server drops the unfinished mail; the
delivery, still ours under an expiring lease, is sent again) or both (the mail is taken and
marked), except in the microseconds between the two socket writes, where the mail would go twice
with the same Message-ID, never be lost. Waiting for the commit before writing the "." would leave
a whole round trip in which a kill loses the mail. The marker's connection runs in autocommit
with `synchronous_commit = off` (no disk flush per mail): only a crash of PostgreSQL itself within
the WAL writer's delay (~0.2 s) could forget a mark, and that mail would go again with the same
Message-ID.
"""
from __future__ import annotations

import select
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine, make_url

from meskit.db import ended_by_server

from notifications.adapters.tables import (WITH_SECRETS, campaigns, deliveries, events, minor_now, preferences,
                                           push_devices, recipients)
from notifications.domain.catalog import SECRET_PAYLOAD_KEYS
from notifications.domain import models, routing
from notifications.domain.models import Claimed, Device

OPEN = ("PENDING", "RETRYING")
CAMPAIGN_BURST_SECONDS = 10.0       # a campaign may catch up on at most this much unused budget


MARK_SENT = (b"UPDATE deliveries SET state = 'SENT', message_id = $1, lease_until = NULL, last_error = NULL, "
             b"updated_at = now() WHERE delivery_id = $2 AND claimed_by = $3 AND state IN ('PENDING', 'RETRYING')")
MARK_TIMEOUT_SECONDS = 10.0


class SentMarker:
    """One sender thread's own connection for the "sent" marks (see the module's docstring)."""

    def __init__(self, database_url: str):
        self._url = libpq_url(database_url)
        self._connection: psycopg.Connection | None = None

    def _pgconn(self):
        # One the server ended while idle (a restart) would fail the mark of a mail already sent,
        # which would then go again after its lease: a new connection, before the mail goes.
        if self._connection is not None and ended_by_server(self._connection):
            self.close()
        if self._connection is None:
            self._connection = psycopg.connect(self._url, autocommit=True, connect_timeout=5,
                                               options="-c synchronous_commit=off")
        return self._connection.pgconn

    def begin(self, delivery_id: str, worker: str, message_id: str) -> Callable[[], bool]:
        """Send the mark now; the returned function waits for its answer: True when it was ours."""
        try:
            pg = self._pgconn()
            pg.send_query_params(MARK_SENT, [message_id.encode(), delivery_id.encode(), worker.encode()])
            while pg.flush():
                if not select.select([], [pg.socket], [], MARK_TIMEOUT_SECONDS)[1]:
                    raise TimeoutError("database not writable")
        except BaseException:
            self.close()
            raise

        def answer() -> bool:
            try:
                rows, error = None, None
                while True:
                    while pg.is_busy():
                        if not select.select([pg.socket], [], [], MARK_TIMEOUT_SECONDS)[0]:
                            raise TimeoutError("no answer from the database")
                        pg.consume_input()
                    result = pg.get_result()
                    if result is None:
                        break
                    if result.status == pq.ExecStatus.COMMAND_OK:
                        rows = int(result.command_tuples or 0)
                    else:
                        error = (result.error_message or b"").decode(errors="replace")
                if error is not None:
                    raise RuntimeError(f"sent mark failed: {error}")
                return rows == 1
            except BaseException:
                self.close()
                raise
        return answer

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class DeliveryQueue:
    def __init__(self, engine: Engine, lease_seconds: float, database_url: str = ""):
        self.engine = engine
        self.database_url = database_url or engine.url.render_as_string(hide_password=False)
        self.lease = timedelta(seconds=lease_seconds)

    def marker(self) -> SentMarker:
        return SentMarker(self.database_url)

    def forget_finished_secrets(self, limit: int = 500) -> int:
        """Erase the person's secrets (the provisional code) from events none of whose deliveries is
        still open: sent, skipped, fallen back or dead (a replayed dead one goes without the code)."""
        e, d = events.c, deliveries.c
        erased: sa.ColumnElement[Any] = e.payload
        for key in SECRET_PAYLOAD_KEYS:
            erased = erased.op("-")(sa.cast(sa.literal(key), sa.Text))
        finished = (sa.select(e.event_id)
                    .where(sa.text(WITH_SECRETS),
                           ~sa.exists().where(d.event_id == e.event_id, d.state.in_(OPEN)))
                    .order_by(e.received_at).limit(limit).with_for_update(skip_locked=True))
        with self.engine.begin() as conn:
            ids = list(conn.execute(finished).scalars())
            if ids:
                conn.execute(events.update().where(e.event_id.in_(ids)).values(payload=erased))
        return len(ids)

    @contextmanager
    def _fast(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            yield conn

    # ---- claims ----
    def _due(self, conn: Connection, where: list, limit: int, worker: str) -> list[str]:
        d = deliveries.c
        picked = (sa.select(d.delivery_id).where(
            *where, d.state.in_(OPEN), d.available_at <= sa.func.now(),
            sa.or_(d.lease_until.is_(None), d.lease_until < sa.func.now()))
            .order_by(d.available_at).limit(limit).with_for_update(skip_locked=True))
        return list(conn.execute(deliveries.update().where(d.delivery_id.in_(picked.scalar_subquery()))
                                 .values(claimed_by=worker, lease_until=sa.func.now() + self.lease,
                                         attempts=d.attempts + 1).returning(d.delivery_id)).scalars())

    def claim(self, channel: str, worker: str, limit: int) -> list[Claimed]:
        """Due deliveries of notices (campaign mail is claimed apart, under its rate)."""
        with self._fast() as conn:
            ids = self._due(conn, [deliveries.c.channel == channel, deliveries.c.campaign_id.is_(None)], limit, worker)
            return self._details(conn, ids)

    def claim_campaigns(self, worker: str, limit: int) -> list[Claimed]:
        """Campaign mail within each running campaign's budget (a token bucket refilled at
        rate_per_day / 86,400 per second), the campaign row locked while its budget is spent."""
        ids: list[str] = []
        with self._fast() as conn:
            now = conn.execute(sa.select(sa.func.now())).scalar()
            running = conn.execute(sa.select(campaigns).where(campaigns.c.state == models.RUNNING)
                                   .order_by(campaigns.c.created_at).with_for_update(skip_locked=True)).mappings().all()
            for c in running:
                if len(ids) >= limit:
                    break
                per_second = c["rate_per_day"] / 86400.0
                ceiling = max(float(limit), per_second * CAMPAIGN_BURST_SECONDS)
                budget = min(ceiling, c["tokens"] + max(0.0, (now - c["tokens_at"]).total_seconds()) * per_second)
                wanted = min(int(budget), limit - len(ids))
                taken = self._due(conn, [deliveries.c.campaign_id == c["campaign_id"]], wanted, worker) if wanted else []
                values = {"tokens": budget - len(taken), "tokens_at": now}
                if wanted and not taken and c["audience_complete"] and not self._open(conn, c["campaign_id"]):
                    values.update(state=models.DONE, finished_at=now)
                conn.execute(campaigns.update().where(campaigns.c.campaign_id == c["campaign_id"]).values(**values))
                ids += taken
            return self._details(conn, ids)

    @staticmethod
    def _open(conn: Connection, campaign_id: str) -> bool:
        return conn.execute(sa.select(sa.literal(1)).where(
            deliveries.c.campaign_id == campaign_id, deliveries.c.state.in_(OPEN)).limit(1)).first() is not None

    def materialise_audience(self, chunk: int) -> int:
        """Add the next `chunk` people of one running campaign's audience (keyset by account id)."""
        with self.engine.begin() as conn:
            c = conn.execute(sa.select(campaigns).where(
                campaigns.c.state == models.RUNNING, campaigns.c.audience_complete.is_(False))
                .limit(1).with_for_update(skip_locked=True)).mappings().first()
            if c is None:
                return 0
            r = recipients.c
            query = sa.select(r.account_id).where(
                r.activated.is_(False), sa.not_(minor_now()), r.closed.is_(False), r.email.is_not(None),
                r.email_bad.is_(False), r.campaign_opt_out.is_(False)).order_by(r.account_id).limit(chunk)
            if c["audience_cursor"]:
                query = query.where(r.account_id > c["audience_cursor"])
            people = list(conn.execute(query).scalars())
            add_campaign_deliveries(conn, c["campaign_id"], c["template"], people)
            conn.execute(campaigns.update().where(campaigns.c.campaign_id == c["campaign_id"]).values(
                audience_cursor=people[-1] if people else c["audience_cursor"],
                audience_complete=len(people) < chunk))
            return len(people)

    def _details(self, conn: Connection, ids: list[str]) -> list[Claimed]:
        if not ids:
            return []
        d, r, e, c = deliveries.c, recipients.alias("r"), events.c, campaigns.c
        p, dev, pref = recipients.alias("p"), push_devices.c, preferences.c
        rows = conn.execute(
            sa.select(deliveries, e.payload, e.occurred_at, e.hidden_from_legal_representatives, c.template,
                      minor_now(r.c).label("r_minor"), pref.quiet_start, pref.quiet_end,
                      pref.account_id.label("pref_account"),
                      r.c.account_id.label("r_id"), r.c.given_name, r.c.family_name, r.c.email, r.c.email_bad,
                      r.c.postal_address, r.c.activated, r.c.closed, r.c.campaign_opt_out, r.c.unsubscribe_token,
                      p.c.given_name.label("p_given"), p.c.family_name.label("p_family"),
                      dev.device_id, dev.account_id.label("dev_account"), dev.endpoint, dev.p256dh, dev.auth,
                      dev.platform)
            .select_from(deliveries.outerjoin(r, r.c.account_id == d.recipient_id)
                         .outerjoin(p, p.c.account_id == d.profile_id)
                         .outerjoin(events, e.event_id == d.event_id)
                         .outerjoin(campaigns, c.campaign_id == d.campaign_id)
                         .outerjoin(preferences, pref.account_id == d.recipient_id)
                         .outerjoin(push_devices, sa.and_(d.channel == routing.PUSH,
                                                          sa.cast(dev.device_id, sa.String) == d.target)))
            .where(d.delivery_id.in_(ids)).order_by(d.available_at)).mappings().all()
        return [_claimed(row) for row in rows]

    # ---- outcomes (each fenced by the worker's token) ----
    def _set(self, conn: Connection, claim: Claimed, worker: str, states: Iterable[str], **values) -> bool:
        d = deliveries.c
        return conn.execute(deliveries.update().where(
            d.delivery_id == claim.delivery_id, d.claimed_by == worker, d.state.in_(list(states)))
            .values(updated_at=sa.func.now(), **values)).rowcount == 1

    def mark_sent(self, claim: Claimed, worker: str) -> bool:
        """SENT (push), only while the lease is still ours: False means another sender owns it now."""
        with self._fast() as conn:
            return self._set(conn, claim, worker, OPEN, state=models.SENT, lease_until=None, last_error=None)

    def extend(self, claims: list[Claimed], worker: str) -> set[str]:
        """Renew the lease of claims still ours; the ids of those that are."""
        if not claims:
            return set()
        d = deliveries.c
        with self._fast() as conn:
            return set(conn.execute(deliveries.update().where(
                d.delivery_id.in_([c.delivery_id for c in claims]), d.claimed_by == worker, d.state.in_(OPEN))
                .values(lease_until=sa.func.now() + self.lease).returning(d.delivery_id)).scalars())

    def reopen(self, claim: Claimed, worker: str, error: str, available_at: datetime) -> None:
        """The relay refused after all what was marked SENT just before (4xx at end of data)."""
        with self.engine.begin() as conn:
            self._set(conn, claim, worker, [models.SENT], state=models.RETRYING, last_error=error[:500],
                      available_at=available_at)

    def retry(self, claim: Claimed, worker: str, error: str, available_at: datetime,
              states: Iterable[str] = OPEN) -> None:
        with self.engine.begin() as conn:
            self._set(conn, claim, worker, states, state=models.RETRYING, last_error=error[:500],
                      available_at=available_at, lease_until=None)

    def finish(self, claim: Claimed, worker: str, state: str, error: str, states: Iterable[str] = OPEN,
               bad_email: str | None = None) -> None:
        """DEAD or SKIPPED (and the address known bad, when the server refused it)."""
        with self.engine.begin() as conn:
            if self._set(conn, claim, worker, states, state=state, last_error=error[:500], lease_until=None) \
                    and bad_email:
                self._bad_email(conn, claim.recipient_id, bad_email, error)

    @staticmethod
    def _bad_email(conn: Connection, account_id: str, email: str, reason: str) -> None:
        conn.execute(recipients.update().where(recipients.c.account_id == account_id, recipients.c.email == email)
                     .values(email_bad=True, email_bad_reason=reason[:300], email_bad_at=sa.func.now(),
                             updated_at=sa.func.now()))

    def fall_back(self, claim: Claimed, worker: str, reason: str, planned: routing.Planned,
                  bad_email: str | None = None, states: Iterable[str] = OPEN) -> None:
        """The email cannot go: note why (and that the address is bad), and hand the notice to
        the next channel of the chain (a letter), in one transaction."""
        with self.engine.begin() as conn:
            if not self._set(conn, claim, worker, states, state=models.FELL_BACK, last_error=reason[:500],
                             lease_until=None):
                return
            if bad_email:
                self._bad_email(conn, claim.recipient_id, bad_email, reason)
            conn.execute(insert(deliveries).values(
                delivery_id=str(uuid.uuid4()), notification_id=claim.notification_id, event_id=claim.event_id,
                campaign_id=claim.campaign_id, recipient_id=claim.recipient_id, profile_id=claim.profile_id,
                channel=planned.channel, target=planned.target, event_type=claim.event_type,
                critical=claim.critical, state=planned.state, last_error=planned.reason or None)
                .on_conflict_do_nothing(constraint="uq_deliveries_notification_id_channel_target"))

    def drop_device(self, device_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(push_devices.delete().where(push_devices.c.device_id == device_id))


def add_campaign_deliveries(conn: Connection, campaign_id: str, template: str, people: list[str]) -> None:
    if not people:
        return
    conn.execute(insert(deliveries).on_conflict_do_nothing(
        constraint="uq_deliveries_notification_id_channel_target"), [
        {"delivery_id": str(uuid.uuid4()), "notification_id": models.campaign_notification_id(campaign_id, a),
         "campaign_id": campaign_id, "recipient_id": a, "profile_id": a, "channel": routing.EMAIL, "target": "",
         "event_type": f"CAMPAIGN:{template}", "state": models.PENDING} for a in people])


def _claimed(row) -> Claimed:
    device = None
    if row["device_id"] is not None:
        device = Device(str(row["device_id"]), row["dev_account"], row["endpoint"], row["p256dh"], row["auth"],
                        row["platform"])
    profile_name = " ".join(x for x in (row["p_given"], row["p_family"]) if x)
    return Claimed(
        delivery_id=row["delivery_id"], notification_id=row["notification_id"], event_id=row["event_id"],
        campaign_id=row["campaign_id"], recipient_id=row["recipient_id"], profile_id=row["profile_id"],
        channel=row["channel"], target=row["target"], event_type=row["event_type"], critical=row["critical"],
        attempts=row["attempts"], payload=row["payload"] or {}, occurred_at=row["occurred_at"],
        template=row["template"] or "", known=row["r_id"] is not None, given_name=row["given_name"] or "",
        family_name=row["family_name"] or "", email=row["email"], email_bad=bool(row["email_bad"]),
        postal_address=row["postal_address"], activated=bool(row["activated"]), closed=bool(row["closed"]),
        campaign_opt_out=bool(row["campaign_opt_out"]), unsubscribe_token=row["unsubscribe_token"] or "",
        profile_name=profile_name, device=device, quiet_start=row["quiet_start"], quiet_end=row["quiet_end"],
        has_preferences=row["pref_account"] is not None, minor=bool(row["r_minor"]),
        hidden_from_legal_representatives=bool(row["hidden_from_legal_representatives"]), address=row["address"])
