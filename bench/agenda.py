"""(s): the person's calendar through the gateway, one operation = the demo patient lists her
appointments: GET /v1/patients/{id}/appointments (the gateway checks her token; agenda asks identity
for the access context, then reads one page of rows; no audit: her own read). Ten appointments are
seeded once, ahead of the load, through the same gateway (POST, a week apart from tomorrow).
Compared with the bare pipeline (n) and the ceiling (c); short timing and Python worker processes,
like (r)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bench.ops import KeepAliveClient

SEEDED = 10
APPOINTMENT_NAME = "Dr Bernard (bench)"


def appointment_body(start: datetime) -> bytes:
    """POST /v1/patients/{patient_id}/appointments: a practitioner, a start, a neutral title."""
    return json.dumps({"type": "APPOINTMENT_TYPE_PRACTITIONER", "name": APPOINTMENT_NAME, "title": "Consultation",
                       "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ")}, ensure_ascii=False).encode()


def read_back(listing: dict, at_least: int) -> int:
    """The number of appointments listed; an answer with fewer than seeded is an error."""
    found = listing.get("appointments", [])
    if len(found) < at_least or any(not a.get("appointmentId") for a in found):
        raise RuntimeError(f"the calendar listed {len(found)} appointments, {at_least} expected at least")
    return len(found)


class CalendarListing:
    def __init__(self, base_url: str, patient_id: str, patient_token: str):
        self._client = KeepAliveClient(base_url)
        self._path = f"/v1/patients/{patient_id}/appointments?pageSize=50"
        self._headers = {"authorization": f"Bearer {patient_token}"}

    def __call__(self) -> None:
        status, answer = self._client.request("GET", self._path, headers=self._headers)
        if status != 200:
            raise RuntimeError(f"GET {self._path} -> {status} {answer[:200]!r}")
        read_back(json.loads(answer), SEEDED)

    def close(self) -> None:
        self._client.close()


def calendar_listing(base_url: str, patient_id: str, patient_token: str) -> CalendarListing:
    return CalendarListing(base_url, patient_id, patient_token)


def seed(base_url: str, patient_id: str, patient_token: str) -> None:
    client = KeepAliveClient(base_url)
    path = f"/v1/patients/{patient_id}/appointments"
    headers = {"authorization": f"Bearer {patient_token}", "content-type": "application/json"}
    try:
        status, answer = client.request("GET", f"{path}?pageSize=50", headers=headers)
        have = len(json.loads(answer).get("appointments", [])) if status == 200 else 0
        tomorrow = datetime.now(timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
        for n in range(have, SEEDED):
            status, answer = client.request("POST", path, appointment_body(tomorrow + timedelta(days=7 * n)), headers)
            if status != 200:
                raise RuntimeError(f"POST {path} -> {status} {answer[:200]!r}")
    finally:
        client.close()


def measure_agenda(ctx):
    from bench import documents_audit
    from bench.plan import Result, drive_python
    from bench.pyload import Work
    fixture, short = ctx.fixture, documents_audit._short(ctx)
    platform = fixture.platform
    patient_id = fixture.demo["patient"]["account_id"]
    patient_token = fixture.patient_token()
    seed(platform.gateway_url, patient_id, patient_token)
    first = calendar_listing(platform.gateway_url, patient_id, patient_token)
    try:
        first()                    # one listing before the load: a refusal fails here, plainly
    finally:
        first.close()
    processes, threads = ctx.python_split(ctx.concurrency)
    notes = [f"the demo patient lists her appointments (at least {SEEDED}, one page): one request per operation; "
             f"{processes} processes x {threads} threads, http.client keep-alive",
             "per operation: the gateway checks her token; agenda asks identity for the access context, then "
             "reads the page (her own read: no audit record)"]
    works = [Work("bench.agenda:calendar_listing", (platform.gateway_url, patient_id, patient_token), threads)] * processes
    summary, usage = drive_python(short, works, notes)
    return Result("s", "agenda: patient lists her calendar, via the gateway", f"python {processes}x{threads}",
                  processes * threads, summary, usage, unit="listing", notes=notes)


MEASURES = [("s", measure_agenda)]
RATIOS = [("s", "n", "calendar listing via the gateway (identity's access context) / bare pipeline"),
          ("s", "c", "calendar listing via the gateway (identity's access context) / bare gRPC ceiling")]
