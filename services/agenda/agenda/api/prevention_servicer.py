"""The prevention RPCs of AgendaService (thin: proto in, one use-case call, proto out)."""
from __future__ import annotations

from mes.agenda.v1 import agenda_pb2 as pb

from meskit.auth import current_caller
from meskit.errors import InvalidArgument

from agenda.api import prevention_convert as convert
from agenda.domain import prevention_calendar
from agenda.domain.ports import Dependencies


def _known(values, table: dict, field: str) -> frozenset[str]:
    unknown = [v for v in values if v and v not in table]
    if unknown:
        raise InvalidArgument(f"{field} : valeur inconnue {unknown[0]}", reason="UNKNOWN_FILTER")
    return frozenset(table[v] for v in values if v)


class PreventionServicer:
    """Mixed into AgendaServicer, whose `_deps` it uses."""
    _deps: Dependencies

    def ListPreventionItems(self, request, context):
        query = prevention_calendar.Query(
            types=_known(request.types, convert.TYPE_FROM_PB, "types"),
            statuses=_known(request.statuses, convert.STATUS_FROM_PB, "statuses"),
            upcoming_only=request.upcoming_only, as_of=request.as_of_date, page_size=request.page_size,
            page_token=request.page_token)
        shown, token = prevention_calendar.list_items(self._deps, current_caller(), request.patient_id, query)
        return pb.ListPreventionItemsResponse(items=[convert.prevention_item(s) for s in shown], next_page_token=token)

    def GetPreventionItem(self, request, context):
        return convert.prevention_item(prevention_calendar.get_item(
            self._deps, current_caller(), request.patient_id, request.item_id))

    def MarkPreventionItemDone(self, request, context):
        return convert.prevention_item(prevention_calendar.mark(
            self._deps, current_caller(), request.patient_id, request.item_id, done=request.done,
            execution_date=request.execution_date, clear=request.clear))
