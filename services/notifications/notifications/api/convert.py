"""proto <-> domain conversions for notifications."""
from __future__ import annotations

from datetime import date

from mes.notifications.v1 import notifications_pb2 as pb

from notifications.domain import models, routing
from notifications.domain.models import (BellItem, Campaign, DeliveryRecord, Letter, LetterBatch)
from meskit.errors import FieldViolation, InvalidArgument
from meskit.events import Recipient
from meskit.timestamps import datetime_of, timestamp

CHANNEL_TO_PB = {"BELL": pb.CHANNEL_BELL, routing.PUSH: pb.CHANNEL_PUSH, routing.EMAIL: pb.CHANNEL_EMAIL,
                 routing.POSTAL: pb.CHANNEL_POSTAL}
CHANNEL_FROM_PB = {v: k for k, v in CHANNEL_TO_PB.items()}
STATE_TO_PB = {models.PENDING: pb.DELIVERY_STATE_PENDING, models.BATCHED: pb.DELIVERY_STATE_PENDING,
               models.SENT: pb.DELIVERY_STATE_SENT, models.RETRYING: pb.DELIVERY_STATE_RETRYING,
               models.DEAD: pb.DELIVERY_STATE_DEAD, models.SKIPPED: pb.DELIVERY_STATE_SKIPPED,
               models.FELL_BACK: pb.DELIVERY_STATE_FELL_BACK}
CAMPAIGN_STATE_TO_PB = {models.RUNNING: pb.CAMPAIGN_STATE_RUNNING, models.PAUSED: pb.CAMPAIGN_STATE_PAUSED,
                        models.DONE: pb.CAMPAIGN_STATE_DONE}
AUDIENCE_FROM_PB = {pb.CAMPAIGN_AUDIENCE_UNSPECIFIED: models.EXPLICIT,
                    pb.CAMPAIGN_AUDIENCE_NOT_ACTIVATED_ADULTS_WITH_EMAIL: models.NOT_ACTIVATED_ADULTS_WITH_EMAIL}
AUDIENCE_TO_PB = {v: k for k, v in AUDIENCE_FROM_PB.items()}
LETTER_STATUS_TO_PB = {models.RENDERING: pb.LETTER_STATUS_RENDERING,
                       models.HANDED_TO_PRINTER: pb.LETTER_STATUS_HANDED_TO_PRINTER,
                       models.POSTED: pb.LETTER_STATUS_POSTED, models.RETURNED: pb.LETTER_STATUS_RETURNED}
LETTER_STATUS_FROM_PB = {v: k for k, v in LETTER_STATUS_TO_PB.items()}
BATCH_STATE_TO_PB = {models.BUILDING: pb.LETTER_BATCH_STATE_BUILDING, models.WRITTEN: pb.LETTER_BATCH_STATE_WRITTEN}


def snapshot(r: pb.Recipient) -> Recipient:
    return Recipient(account_id=r.account_id, given_name=r.given_name.strip(), family_name=r.family_name.strip(),
                    email=r.email.strip(), postal_address=r.postal_address.strip(), activated=r.activated,
                    minor=r.minor, legal_representative_ids=tuple(r.legal_representative_ids),
                    caregiver_ids=tuple(r.caregiver_ids), closed=r.closed, as_of=datetime_of(r, "as_of", path="recipient."),
                    adult_on=adult_on(r.adult_on))


def adult_on(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument("Requête invalide", violations=[
            FieldViolation("recipient.adult_on", "date attendue au format AAAA-MM-JJ")]) from None


def notification(item: BellItem) -> pb.Notification:
    return pb.Notification(notification_id=item.notification_id, profile_id=item.profile_id,
                           event_type=item.event_type, title=item.title, body=item.body, read=item.read,
                           created_at=timestamp(item.created_at), critical=item.critical)


def preferences(account_id: str, p: routing.Preferences) -> pb.Preferences:
    return pb.Preferences(account_id=account_id, message=p.message, document=p.document, appointment=p.appointment,
                          synchronized_service=p.synchronized_service, screening=p.screening,
                          quiet_hours_start=p.quiet_start.strftime("%H:%M") if p.quiet_start else "",
                          quiet_hours_end=p.quiet_end.strftime("%H:%M") if p.quiet_end else "")


def delivery_status(d: DeliveryRecord) -> pb.DeliveryStatus:
    return pb.DeliveryStatus(
        notification_id=d.notification_id, channel=CHANNEL_TO_PB.get(d.channel, pb.CHANNEL_UNSPECIFIED), state=STATE_TO_PB.get(d.state, pb.DELIVERY_STATE_UNSPECIFIED),
        attempts=d.attempts, last_error=d.last_error or "", updated_at=timestamp(d.updated_at),
        delivery_id=d.delivery_id, recipient_id=d.recipient_id, target=d.target,
        not_before=timestamp(d.available_at), message_id=d.message_id or "", letter_id=d.letter_id or "")


def dead_letter(d: DeliveryRecord) -> pb.DeadLetter:
    return pb.DeadLetter(dead_letter_id=d.delivery_id, status=delivery_status(d), event_type=d.event_type,
                         recipient_id=d.recipient_id, event_id=d.event_id or "", campaign_id=d.campaign_id or "")


def recipient_delivery(d: DeliveryRecord) -> pb.RecipientDelivery:
    return pb.RecipientDelivery(status=delivery_status(d), event_type=d.event_type, event_id=d.event_id or "",
                                campaign_id=d.campaign_id or "")


def recipient_routing(p: routing.Person) -> pb.RecipientRouting:
    return pb.RecipientRouting(account_id=p.account_id, activated=p.activated, email=p.email or "",
                               email_bad=p.email_bad, postal_address=p.postal_address or "", closed=p.closed,
                               minor=p.minor, push_devices=len(p.push_devices), campaign_opt_out=p.campaign_opt_out)


def campaign(c: Campaign) -> pb.Campaign:
    counts = c.counts
    failed = counts.get(models.DEAD, 0) + counts.get(models.FELL_BACK, 0)
    return pb.Campaign(
        campaign_id=c.campaign_id, name=c.name, state=CAMPAIGN_STATE_TO_PB[c.state], rate_per_day=c.rate_per_day,
        total_recipients=sum(counts.values()), sent=counts.get(models.SENT, 0), failed=failed,
        created_at=timestamp(c.created_at), pending=counts.get(models.PENDING, 0) + counts.get(models.RETRYING, 0),
        skipped=counts.get(models.SKIPPED, 0), audience_complete=c.audience_complete, template=c.template,
        audience=AUDIENCE_TO_PB.get(c.audience, pb.CAMPAIGN_AUDIENCE_UNSPECIFIED), finished_at=timestamp(c.finished_at))


def letter(x: Letter) -> pb.Letter:
    return pb.Letter(letter_id=x.letter_id, recipient_id=x.recipient_id, batch_id=x.batch_id,
                     status=LETTER_STATUS_TO_PB.get(x.status, pb.LETTER_STATUS_UNSPECIFIED), notices=x.notices, pages=x.pages,
                     file_name=x.file_name, updated_at=timestamp(x.updated_at))


def letter_batch(b: LetterBatch) -> pb.LetterBatch:
    return pb.LetterBatch(batch_id=b.batch_id, batch_key=b.batch_key, state=BATCH_STATE_TO_PB.get(b.state, pb.LETTER_BATCH_STATE_UNSPECIFIED),
                          letter_count=b.letter_count, location=b.location or "",
                          manifest_location=b.manifest_location or "", created_at=timestamp(b.created_at),
                          written_at=timestamp(b.written_at), letters=[letter(x) for x in b.letters])
