"""Helpers of the notifications integration tests: the harness around one server, its settings."""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.eventually import eventually
from devtools.smtp_sink import read_mails
from meskit.auth import Caller, TokenSigner

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Harness:
    stub: notifications_pb2_grpc.NotificationsServiceStub
    address: str
    signer: TokenSigner
    smtp: object
    letters_dir: Path
    database_url: str
    env: dict[str, str]
    engine: sa.engine.Engine
    extra: dict = field(default_factory=dict)

    def as_(self, actor_type: str, subject: str, **kw) -> list[tuple[str, str]]:
        token, _ = self.signer.sign(Caller(actor_type, subject, **kw))
        return [("authorization", f"Bearer {token}")]

    def service(self, name: str = "documents"):
        return self.as_("service", name)

    def patient(self, account_id: str):
        return self.as_("patient", account_id)

    def operator(self):
        return self.as_("operator", "operator-1")

    def person(self, account_id: str, *, email: str = "", postal_address: str = "", activated: bool = False,
               given_name: str = "Jeanne", family_name: str = "Martin", minor: bool = False,
               legal_representative_ids=(), caregiver_ids=(), event_type: str = "CONTACT_CHANGED",
               payload: dict | None = None, as_of_offset: float = 0.0, adult_on: str = "") -> str:
        """What identity's relay sends: an account event carrying the person's snapshot."""
        as_of = Timestamp()
        as_of.FromNanoseconds(time.time_ns() + int(as_of_offset * 1e9))
        event_id = str(uuid.uuid4())
        self.stub.PublishEvent(pb.PublishEventRequest(
            event_id=event_id, event_type=event_type, patient_id=account_id,
            payload_json=json.dumps(payload or {}),
            recipient=pb.Recipient(account_id=account_id, given_name=given_name, family_name=family_name,
                                   email=email, postal_address=postal_address, activated=activated, minor=minor,
                                   legal_representative_ids=list(legal_representative_ids),
                                   caregiver_ids=list(caregiver_ids), as_of=as_of, adult_on=adult_on)),
            metadata=self.service("identity"))
        return event_id

    def publish(self, patient_id: str, event_type: str = "AJOUT_DOCUMENT", *, producer: str = "documents",
                payload: dict | None = None, critical: bool = False, event_id: str | None = None,
                hidden_from_legal_representatives: bool = False):
        event_id = event_id or str(uuid.uuid4())
        response = self.stub.PublishEvent(pb.PublishEventRequest(
            event_id=event_id, event_type=event_type, patient_id=patient_id,
            payload_json=json.dumps(payload or {"actor_display": "Dr Claire Bernard"}), critical=critical,
            hidden_from_legal_representatives=hidden_from_legal_representatives),
            metadata=self.service(producer))
        return event_id, response

    def statuses(self, event_id: str) -> list[pb.DeliveryStatus]:
        return list(self.stub.GetDeliveryStatus(pb.GetDeliveryStatusRequest(event_id=event_id),
                                                metadata=self.operator()).statuses)

    def wait_statuses(self, event_id: str, done, timeout: float = 10.0) -> list[pb.DeliveryStatus]:
        def statuses_done():
            found = self.statuses(event_id)
            return found if done(found) else None
        return eventually(statuses_done, timeout, what=f"the expected statuses of {event_id}")

    def mails(self, to: str | None = None):
        found = read_mails(self.smtp.directory)
        return [m for m in found if to is None or m["To"] == to]

    def wait_mails(self, count: int, to: str | None = None, timeout: float = 10.0):
        def enough():
            found = self.mails(to)
            return found if len(found) >= count else None
        return eventually(enough, timeout, what=f"{count} mails to {to or 'anyone'}")


AN_HOUR_BETWEEN_RETRIES = {"RETRY_BASE_SECONDS": "3600", "RETRY_MAX_SECONDS": "3600"}


def settings_env(database_url: str, jwks_file: Path, smtp_port: int, letters_dir: Path, vapid_file: Path,
                 **overrides: str) -> dict[str, str]:
    env = {"SERVICE_NAME": "notifications", "DATABASE_URL": database_url, "GRPC_PORT": "0",
           "METRICS_PORT": "-1", "JWKS_FILE": str(jwks_file), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
           "LETTERS_DIR": str(letters_dir), "VAPID_PRIVATE_KEY_FILE": str(vapid_file),
           "PUSH_ALLOWED_ORIGINS": "http://127.0.0.1:*", "RETRY_BASE_SECONDS": "0.05", "RETRY_MAX_SECONDS": "0.2",
           "WORKER_POLL_SECONDS": "0.05", "DELIVERY_LEASE_SECONDS": "5", "LETTER_BATCH_TIME": "off",
           "DEFAULT_QUIET_HOURS": "off", "PUBLIC_URL": "https://mes.test"}
    env.update(overrides)
    return env


def python_env() -> dict[str, str]:
    paths = [ROOT / "lib", ROOT / "build" / "gen", ROOT / "services" / "notifications", ROOT]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRPC_", "DATABASE_"))}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    env["PYTHONUNBUFFERED"] = "1"
    return env
