"""A deleted space's archives (pulled from identity with meskit.erasure): each archive's bytes, then
the rows and her relayed events; idempotent (what is gone counts zero)."""
from __future__ import annotations

from exports.domain.models import READY
from exports.domain.ports import Dependencies


def erase(deps: Dependencies, account_id: str) -> dict[str, int]:
    with deps.unit_of_work() as repo:
        found = repo.list_exports(account_id, None)
    objects = 0
    for e in found:
        if e.state == READY:       # the others hold no bytes (expired: deleted already)
            deps.objects.delete(e.object_key)
            objects += 1
    with deps.unit_of_work() as repo:
        erased = repo.delete_exports(account_id)
        events = repo.delete_published_events(account_id)
    return {"exports": erased, "objects": objects, "outbox_events": events}
