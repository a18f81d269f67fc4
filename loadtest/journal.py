"""The client's own record of what it did: one JSON object per line and per operation, written as
the answer arrives, so that a later check (the fault test, issue 18 item 2) reconciles what the
platform holds with what the client was told.

Fields: `ts` (RFC 3339, UTC), `user` (login id), `op`, `status` (HTTP status, 0 when no answer
came), `outcome` (`ok`, `failed` or `throttled`: a 429 with Retry-After, honoured), `ms`, `ids` (what
the operation names or made: patient_id, document_id, upload_id, conversation_id, message_id,
client_message_id, appointment_id...), `sha256` and `bytes` of the bytes sent or received,
`request_id` (the gateway's X-Request-Id), `error` (a short reason, never a body)."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone


class Journal:
    def __init__(self, path: str):
        # one write per line on an O_APPEND file: lines of several processes do not interleave
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if path else None

    def write(self, **entry) -> None:
        if self._fd is None:
            return
        line = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), **entry}
        os.write(self._fd, (json.dumps(line, separators=(",", ":")) + "\n").encode())


def answer_fields(user: str, op: str, ids: dict, ms: float, response) -> dict:
    """The fields of an operation's line that come from its answer (a requests or httpx response;
    None when no answer came)."""
    if response is None:
        return {"user": user, "op": op, "status": 0, "ms": round(ms, 1), "ids": ids, "request_id": ""}
    entry = {"user": user, "op": op, "status": response.status_code, "ms": round(ms, 1), "ids": ids,
             "request_id": response.headers.get("X-Request-Id", "")}
    if "Retry-After" in response.headers:
        entry["retry_after"] = response.headers["Retry-After"]
    return entry


def read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
