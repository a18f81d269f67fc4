"""AgendaService: each part's RPCs in a mixin of its own; the rest answers UNIMPLEMENTED."""
from __future__ import annotations

from mes.agenda.v1 import agenda_pb2_grpc

from agenda.api.prevention_servicer import PreventionServicer
from agenda.domain.prevention_ports import PreventionDependencies


class AgendaServicer(PreventionServicer, agenda_pb2_grpc.AgendaServiceServicer):
    def __init__(self, *, prevention: PreventionDependencies):
        self.prevention = prevention
