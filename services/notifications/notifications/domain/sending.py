"""The senders' use-cases: take due deliveries, send each once, record what happened.

Email: the delivery is recorded SENT in the same instant the message is complete at the relay
(see adapters/smtp.py), so a sender killed at any point neither loses nor repeats a mail; a
permanent refusal of the address (5xx) marks it bad and hands the notice to the letter batch;
temporary failures retry with exponential backoff and jitter, then become dead letters.
Push: Web Push to each registered device; expired subscriptions (404/410) are dropped.
"""
from __future__ import annotations

import base64
import json
import logging
import time as clock
import uuid
from datetime import time
from typing import Any

from notifications.domain import models, routing
from notifications.domain.catalog import CAMPAIGN_TEMPLATES, PROFESSIONAL_NOTICES, Notice, notice_for
from notifications.domain.content import Content, compose, compose_for_professional
from notifications.domain.models import Claimed
from notifications.domain.ports import Dependencies

log = logging.getLogger(__name__)

# Outcome kinds of the mail and push adapters.
MAIL_SENT, MAIL_TEMPORARY, MAIL_REFUSED, MAIL_REJECTED, MAIL_FENCED, MAIL_UNCONFIRMED = (
    "SENT", "TEMPORARY", "REFUSED", "REJECTED", "FENCED", "UNCONFIRMED")
PUSH_DELIVERED, PUSH_GONE, PUSH_TEMPORARY = "DELIVERED", "GONE", "TEMPORARY"


def _preferences(claim: Claimed, default: routing.Preferences) -> routing.Preferences:
    if not claim.has_preferences:
        return default
    return routing.Preferences(quiet_start=time.fromisoformat(claim.quiet_start) if claim.quiet_start else None,
                               quiet_end=time.fromisoformat(claim.quiet_end) if claim.quiet_end else None)


def notice_of(claim: Claimed) -> Notice | None:
    return CAMPAIGN_TEMPLATES.get(claim.template) if claim.campaign_id else notice_for(claim.event_type)


class _Sender:
    channel = ""

    def __init__(self, deps: Dependencies, worker: str):
        self.deps, self.worker = deps, worker
        self.policy = deps.policies[self.channel]

    def retry_or_die(self, claim: Claimed, error: str, *, after_commit: bool = False) -> None:
        queue = self.deps.queue
        states: dict[str, Any] = {"states": [models.SENT]} if after_commit else {}
        if self.policy.exhausted(claim.attempts):
            queue.finish(claim, self.worker, models.DEAD, error, **states)
            log.warning("delivery dead", extra={"channel": self.channel, "attempts": claim.attempts})
            return
        when = routing.next_attempt(self.deps.now(), self.policy, claim.attempts,
                                    _preferences(claim, self.deps.default_preferences), claim.critical)
        if after_commit:
            queue.reopen(claim, self.worker, error, when)
        else:
            queue.retry(claim, self.worker, error, when)


class EmailSender(_Sender):
    channel = routing.EMAIL

    def __init__(self, deps: Dependencies, worker: str):
        super().__init__(deps, worker)
        self.connection = deps.new_mail_connection()
        self.marker = deps.queue.marker()

    def close(self) -> None:
        self.connection.close()
        self.marker.close()

    def run_once(self, batch: int) -> int:
        queue = self.deps.queue
        claimed = queue.claim(routing.EMAIL, self.worker, batch)
        # notices first; campaign mail fills the rest, within its rate, and never at night
        if len(claimed) < batch and not routing.in_quiet_hours(self.deps.now(), self.deps.default_preferences):
            claimed += queue.claim_campaigns(self.worker, batch - len(claimed))
        renew_after = queue.lease.total_seconds() / 3
        renewed, index = clock.monotonic(), 0
        while index < len(claimed):
            if clock.monotonic() - renewed > renew_after:   # a slow batch keeps its lease, or drops what it lost
                ours = queue.extend(claimed[index:], self.worker)
                claimed[index:] = [c for c in claimed[index:] if c.delivery_id in ours]
                renewed = clock.monotonic()
                continue
            try:
                self.deliver(claimed[index])
            except Exception:      # one bad row must not stop the others: its lease returns it later
                log.exception("email delivery failed")
            index += 1
        return len(claimed)

    def deliver(self, claim: Claimed) -> None:
        queue, worker = self.deps.queue, self.worker
        if claim.address:
            self._deliver_to_professional(claim)
            return
        notice = notice_of(claim)
        if notice is None:
            queue.finish(claim, worker, models.DEAD, f"modèle inconnu : {claim.template or claim.event_type}")
            return
        person = routing.Person(claim.recipient_id, known=claim.known, postal_address=claim.postal_address,
                                closed=claim.closed, email=claim.email, email_bad=claim.email_bad,
                                activated=claim.activated, minor=claim.minor)
        hidden = claim.hidden_from_legal_representatives
        refused = routing.hidden_mail_refused(person) if hidden else ""
        if claim.campaign_id:
            reason = self._campaign_skip(claim)
            if reason:
                queue.finish(claim, worker, models.SKIPPED, reason)
                return
        elif not claim.known:
            self.retry_or_die(claim, models.UNKNOWN_RECIPIENT)   # due again when identity's snapshot comes
            return
        elif claim.closed and not notice.to_closed:
            queue.finish(claim, worker, models.SKIPPED, routing.CLOSED)
            return
        elif refused:      # a minor's secret, and she has no access of her own (yet): nobody is told
            queue.finish(claim, worker, models.SKIPPED, refused)
            return
        elif not person.email_usable:
            fallback = routing.fallback_after_email(notice, person, hidden_from_legal_representatives=hidden)
            queue.fall_back(claim, worker, routing.NO_EMAIL, fallback)
            return
        self._send(claim, notice, person)

    @staticmethod
    def _campaign_skip(claim: Claimed) -> str:
        if not claim.known:
            return models.UNKNOWN_RECIPIENT
        if claim.closed:
            return routing.CLOSED
        if claim.campaign_opt_out:
            return "désinscrit des campagnes"
        if claim.template == "activation" and claim.activated:
            return "profil déjà activé"
        if not claim.email or claim.email_bad:
            return routing.NO_EMAIL
        return ""

    def _deliver_to_professional(self, claim: Claimed) -> None:
        """A professional's mail: to the address of the delivery, no account, no letter to fall back on."""
        queue, worker = self.deps.queue, self.worker
        notice = PROFESSIONAL_NOTICES.get(claim.event_type)
        if notice is None:
            queue.finish(claim, worker, models.DEAD, f"modèle inconnu : {claim.event_type}")
            return
        if notice.needs_patient_name and not claim.profile_name:
            self.retry_or_die(claim, models.UNKNOWN_PATIENT)   # due again when the patient's snapshot comes
            return
        content = compose_for_professional(notice, claim.payload, patient_name=claim.profile_name,
                                           occurred_at=claim.occurred_at)
        outcome = self._transmit(claim, claim.address or "", content, None)
        kind, detail = outcome.kind, f"{outcome.code} {outcome.detail}".strip()
        if kind in (MAIL_SENT, MAIL_FENCED, MAIL_UNCONFIRMED):
            return
        states: dict[str, Any] = {"states": [models.SENT]} if outcome.committed else {}
        if kind in (MAIL_REFUSED, MAIL_REJECTED):     # operators see it among the dead letters
            queue.finish(claim, worker, models.DEAD, f"adresse ou message refusé : {detail}", **states)
            return
        self.retry_or_die(claim, detail or "erreur temporaire", after_commit=outcome.committed)

    def _transmit(self, claim: Claimed, to: str, content: Content, unsubscribe: tuple[str, str] | None) -> Any:
        """Render and hand over one mail, marked sent as it completes; the relay's outcome."""
        renderer, worker = self.deps.mail_renderer, self.worker
        data = renderer.render(to=to, content=content, notification_id=claim.notification_id,
                               unsubscribe=unsubscribe, date=claim.occurred_at)
        message_id = renderer.message_id(claim.notification_id)
        outcome = self.connection.deliver(renderer.envelope_sender, to, data,
                                          lambda: self.marker.begin(claim.delivery_id, worker, message_id))
        if outcome.kind == MAIL_FENCED:
            log.warning("mail sent after its lease was taken over", extra={"delivery_id": claim.delivery_id})
        elif outcome.kind == MAIL_UNCONFIRMED:
            log.warning("mail handed over, reply lost: kept as sent", extra={"error": outcome.detail})
        return outcome

    def _send(self, claim: Claimed, notice: Notice, person: routing.Person) -> None:
        deps, queue, worker = self.deps, self.deps.queue, self.worker
        content = compose(notice, claim.payload, profile_name=claim.profile_name,
                          recipient_name=claim.given_name, public_url=deps.public_url,
                          occurred_at=claim.occurred_at)
        category = None if notice.mandatory else notice.category
        outcome = self._transmit(claim, claim.email or "", content,
                                 (claim.unsubscribe_token, category) if category else None)
        kind, detail = outcome.kind, f"{outcome.code} {outcome.detail}".strip()
        if kind in (MAIL_SENT, MAIL_FENCED, MAIL_UNCONFIRMED):
            return
        hidden = claim.hidden_from_legal_representatives
        states: dict[str, Any] = {"states": [models.SENT]} if outcome.committed else {}
        if kind == MAIL_REFUSED:       # the address is refused for good: remember it, write a letter instead
            if claim.campaign_id:
                queue.finish(claim, worker, models.SKIPPED, f"adresse refusée : {detail}", bad_email=claim.email,
                             **states)
            else:
                queue.fall_back(claim, worker, f"adresse refusée : {detail}",
                                routing.fallback_after_email(notice, person, hidden_from_legal_representatives=hidden),
                                bad_email=claim.email, **states)
            return
        if kind == MAIL_REJECTED:
            queue.finish(claim, worker, models.DEAD, f"message refusé : {detail}", **states)
            return
        self.retry_or_die(claim, detail or "erreur temporaire", after_commit=outcome.committed)


def push_topic(notification_id: str) -> str:
    """RFC 8030 Topic (at most 32 base64url characters): the same notice replaces itself."""
    return base64.urlsafe_b64encode(uuid.UUID(notification_id).bytes).rstrip(b"=").decode()


class PushSender(_Sender):
    channel = routing.PUSH

    def run_once(self, batch: int) -> int:
        claimed = self.deps.queue.claim(routing.PUSH, self.worker, batch)
        for claim in claimed:
            try:
                self.deliver(claim)
            except Exception:
                log.exception("push delivery failed")
        return len(claimed)

    def close(self) -> None:
        pass

    def deliver(self, claim: Claimed) -> None:
        deps, queue, worker = self.deps, self.deps.queue, self.worker
        notice = notice_of(claim)
        if deps.push is None:
            queue.finish(claim, worker, models.SKIPPED, "push non configuré (VAPID_PRIVATE_KEY_FILE)")
            return
        if claim.device is None or notice is None:
            queue.finish(claim, worker, models.SKIPPED, "appareil désinscrit")
            return
        content = compose(notice, claim.payload, profile_name=claim.profile_name, recipient_name=claim.given_name,
                          public_url=deps.public_url, occurred_at=claim.occurred_at)
        payload = json.dumps({"notification_id": claim.notification_id, "profile_id": claim.profile_id,
                              "event_type": claim.event_type, "title": content.title, "body": content.lines[0],
                              "url": content.link}, ensure_ascii=False).encode()
        result = deps.push.send(claim.device, payload, topic=push_topic(claim.notification_id),
                                urgency="high" if claim.critical else "normal")
        if result.kind == PUSH_DELIVERED:
            queue.mark_sent(claim, worker)
        elif result.kind == PUSH_GONE:
            queue.drop_device(claim.device.device_id)
            queue.finish(claim, worker, models.SKIPPED, f"abonnement expiré ({result.status})")
        elif result.kind == PUSH_TEMPORARY:
            self.retry_or_die(claim, f"{result.status} {result.detail}".strip())
        else:
            queue.finish(claim, worker, models.DEAD, f"refusé par le service de push : {result.status} {result.detail}")
