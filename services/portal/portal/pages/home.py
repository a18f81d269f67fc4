"""Home: the newest documents, the unread notifications and the next appointments. A block whose
service does not answer says so; the page still shows."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import labels
from portal.auth import Caller, signed_in
from portal.gateway import GatewayError, gateway_of
from portal.rendering import Pages


def routes(pages: Pages) -> list[Route]:
    @signed_in
    async def home(request: Request, caller: Caller) -> Response:
        gateway = gateway_of(request)
        account = await gateway.call("GET", "/v1/accounts/me", token=caller.token)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        documents, counts, appointments = await asyncio.gather(
            _or_none(gateway.call("GET", f"/v1/patients/{caller.patient_id}/documents", token=caller.token,
                                  params={"page_size": 5})),
            _or_none(gateway.call("GET", "/v1/notifications/unread-counts", token=caller.token)),
            _or_none(gateway.call("GET", f"/v1/patients/{caller.patient_id}/appointments", token=caller.token,
                                  params={"start_time": now, "page_size": 3,
                                          "statuses": "APPOINTMENT_STATUS_BOOKED"})))
        unread = None
        if counts is not None:
            unread = sum(int(c.get("unread", 0)) for c in counts.get("counts", [])
                         if c.get("profileId") == caller.patient_id)
        return pages.render(
            request, "home.html", account=account, unread=unread,
            documents=None if documents is None else documents.get("documents", []),
            appointments=None if appointments is None else appointments.get("appointments", []),
            category=labels.category, author=labels.author)

    return [Route("/", home)]


async def _or_none(call) -> dict | None:
    try:
        return await call
    except GatewayError as exc:
        if exc.status == 401:
            raise
        return None
