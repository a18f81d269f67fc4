"""What the document and audit measurements send: files the documents service accepts, multipart
bodies as the gateway takes them, audit records like the ones documents appends, and the row of
the raw PostgreSQL baseline. Pure functions (unit tested), imported by the worker processes."""
from __future__ import annotations

import io
import json
import os
import random
import uuid
from datetime import datetime, timezone

COM = b"\xff\xfe"                 # JPEG comment segment marker
COM_MAX = 0xFFFF                  # its length field counts itself: at most 65,533 bytes of comment


def _com_segments(pad: int) -> bytes:
    """`pad` bytes of JPEG comment segments (each 4 to 65,537 bytes long); pad >= 4."""
    if pad < 4:
        raise ValueError("a comment segment takes at least 4 bytes")
    out, left = [], pad
    while left:
        size = min(left, COM_MAX + 2)
        if 0 < left - size < 4:            # do not leave a remainder too small for a segment
            size = left - 4
        out.append(COM + (size - 2).to_bytes(2, "big") + b"\x00" * (size - 4))
        left -= size
    return b"".join(out)


def jpeg_of_size(size: int = 1_000_000, seed: int = 7) -> bytes:
    """A decodable baseline JPEG of exactly `size` bytes: colour noise (which JPEG hardly
    compresses, so the file is mostly entropy-coded image, as a scan is) just under `size`,
    padded with comment segments after SOI. Deterministic for a seed."""
    from PIL import Image
    rng = random.Random(seed)

    def encode(width: int, height: int) -> bytes:
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=80)
        return out.getvalue()

    probe = encode(256, 256)
    per_pixel = len(probe) / (256 * 256)
    side = int(((size * 0.97) / per_pixel) ** 0.5)
    data = encode(side, side)
    while len(data) > size - 4:
        side = int(side * 0.97)
        data = encode(side, side)
    return data[:2] + _com_segments(size - len(data)) + data[2:]


def multipart(parts: list[tuple[str, str | None, str, bytes]], boundary: str | None = None) -> tuple[bytes, str]:
    """multipart/form-data of (name, filename or None, content type, bytes) parts; returns the
    body and its Content-Type header value."""
    boundary = boundary or "mes-bench-" + uuid.uuid4().hex
    chunks = []
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                      f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def deposit_body(metadata: dict, data: bytes, filename: str, content_type: str) -> tuple[bytes, str]:
    """POST /v1/patients/{patient_id}/documents: a "metadata" JSON part, then the "file" part."""
    return multipart([("metadata", None, "application/json", json.dumps(metadata).encode()),
                      ("file", filename, content_type, data)])


def audit_record(patient_id: str, actor_id: str, documents: int = 20):
    """A record like the one documents appends for a patient's listing, with a fresh id."""
    from google.protobuf.timestamp_pb2 import Timestamp
    from mes.audit.v1 import audit_pb2 as pb
    occurred = Timestamp()
    occurred.GetCurrentTime()
    return pb.Record(
        record_id=str(uuid.uuid4()), occurred_at=occurred,
        actor=pb.Actor(type=pb.ACTOR_TYPE_PATIENT, id=actor_id, display_name="Jacqueline Martin"),
        action=pb.ACTION_LIST, group=pb.ACTIVITY_GROUP_MEDICAL_DOCUMENT, patient_id=patient_id,
        resource_type="document", resource_label=f"{documents} document(s) affiché(s) sur {documents}",
        decision=pb.DECISION_ALLOWED, rule="holder", access_mode=pb.ACCESS_MODE_NORMAL,
        request_id=uuid.uuid4().hex)


# The raw baseline's table: one row with about what an audit leaf and its personal data hold.
RAW_TABLE = "bench_raw_records"
RAW_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_TABLE} (
    record_id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_type text NOT NULL,
    action text NOT NULL,
    decision text NOT NULL,
    rule text NOT NULL,
    patient_id text NOT NULL,
    actor_id text NOT NULL,
    resource_label text NOT NULL,
    leaf_hash bytea NOT NULL
)"""
RAW_INSERT = (f"INSERT INTO {RAW_TABLE} (record_id, occurred_at, actor_type, action, decision, rule, patient_id, "
              "actor_id, resource_label, leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")


def raw_row(patient_id: str, actor_id: str, documents: int = 20) -> tuple:
    return (uuid.uuid4(), datetime.now(timezone.utc), "PATIENT", "LIST", "ALLOWED", "holder", patient_id,
            actor_id, f"{documents} document(s) affiché(s) sur {documents}", os.urandom(32))


# ---- (n) messaging ----
MESSAGE_SUBJECT = "Résultats de votre prise de sang"
MESSAGE_BODY = ("Bonjour Madame Martin, vos résultats sont arrivés et sont normaux. "
                "Nous en reparlerons à votre prochaine consultation. Bien cordialement, Dr Bernard")


def conversation_body(client_message_id: str) -> bytes:
    """POST /v1/patients/{patient_id}/conversations as the GP: a subject and a short French message,
    with an idempotency key of its own (a reconnect's retry answers the same message)."""
    return json.dumps({"subject": MESSAGE_SUBJECT, "body": MESSAGE_BODY, "clientMessageId": client_message_id},
                      ensure_ascii=False).encode()


def read_back(listing: dict, conversation_id: str) -> str:
    """The one message of a conversation just started, as ListMessages answered it; its id."""
    messages = listing.get("messages", [])
    if len(messages) != 1 or messages[0].get("conversationId") != conversation_id \
            or messages[0].get("body") != MESSAGE_BODY:
        raise RuntimeError(f"the conversation {conversation_id} did not read back its one message")
    return messages[0]["messageId"]
