"""The agenda service as a real gRPC server, beside identity, audit and notifications (the documents
harness's Stack, with the agenda's builder and client helpers)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import grpc
import sqlalchemy as sa
from mes.agenda.v1 import agenda_pb2 as pb
from mes.agenda.v1 import agenda_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb

import documents_harness
from documents_harness import Stack

documents_harness.SECRETS["agenda"] = "agenda-client-secret-for-tests-0123456789"


@dataclass
class AgendaStack(Stack):
    def _build_agenda(self, **overrides):
        from agenda.config import AgendaSettings
        from agenda.wiring import build
        settings = self._settings(AgendaSettings, "agenda", IDENTITY_ADDR=self.address("identity"),
                                  SERVICE_CLIENT_SECRET=documents_harness.SECRETS["agenda"],
                                  AUDIT_ADDR=self.address("audit"), NOTIFICATIONS_ADDR=self.address("notifications"))
        if overrides:      # another replica, on a port of its own
            settings = dataclasses.replace(settings, grpc_port=0)
        return build(settings, **{"relay_interval": 0.1, **overrides})

    def start_agenda_replica(self, **overrides):
        """Another agenda replica on the same database (e.g. `reminders_interval=0.2`); returns a function
        that stops it."""
        kit, engine, on_stop = self._build_agenda(**overrides)
        kit.server.start()

        def stop() -> None:
            kit.stop(0)
            on_stop()
            engine.dispose()
        return stop

    def sql(self, statement: str, **values) -> list:
        engine = sa.create_engine(self.urls["agenda"])
        with engine.begin() as c:
            result = c.execute(sa.text(statement), values)
            rows = list(result) if result.returns_rows else []
        engine.dispose()
        return rows

    @property
    def agenda(self) -> agenda_pb2_grpc.AgendaServiceStub:
        return self._stub("agenda", agenda_pb2_grpc.AgendaServiceStub)

    def born(self, birth: str, sex: int = ipb.SEX_FEMALE, *, legal_representative: str = "") -> str:
        n = next(documents_harness._serial)
        created = self.identity.CreateAccount(ipb.CreateAccountRequest(
            nir=documents_harness.nir("2" if sex == ipb.SEX_FEMALE else "1", birth, n % 1000),
            vitale_serial=f"{41000000000 + n}", given_name="Alix", family_name=f"Agenda{n}", birth_date=birth,
            sex=sex, email=f"alix{n}@example.org", legal_representative_account_id=legal_representative),
            metadata=self.operator, timeout=10)
        return created.account.account_id

    def activate(self, account_id: str) -> None:
        engine = sa.create_engine(self.urls["identity"])
        with engine.begin() as c:
            c.execute(sa.text("UPDATE accounts SET status = 'ACTIVE', activated_at = now() WHERE account_id = :id"),
                      {"id": account_id})
        engine.dispose()

    def switched(self, delegate: str, patient_id: str) -> list[tuple[str, str]]:
        token = self.identity.SwitchProfile(ipb.SwitchProfileRequest(patient_id=patient_id),
                                            metadata=self.patient(delegate), timeout=10)
        return [("authorization", f"Bearer {token.access_token}")]

    def items(self, metadata, patient_id: str = "me", **fields) -> pb.ListPreventionItemsResponse:
        return self.agenda.ListPreventionItems(pb.ListPreventionItemsRequest(patient_id=patient_id, **fields),
                                               metadata=metadata, timeout=10)

    def all_items(self, metadata, patient_id: str = "me", **fields) -> list[pb.PreventionItem]:
        found, token = [], ""
        while True:
            reply = self.items(metadata, patient_id, page_size=100, page_token=token, **fields)
            found += reply.items
            token = reply.next_page_token
            if not token:
                return found

    def mark(self, metadata, patient_id: str, item_id: str, **fields) -> pb.PreventionItem:
        return self.agenda.MarkPreventionItemDone(pb.MarkPreventionItemDoneRequest(
            patient_id=patient_id, item_id=item_id, **fields), metadata=metadata, timeout=10)

    def get(self, metadata, patient_id: str, item_id: str) -> pb.PreventionItem:
        return self.agenda.GetPreventionItem(pb.GetPreventionItemRequest(patient_id=patient_id, item_id=item_id),
                                             metadata=metadata, timeout=10)

    def marks_stored(self, patient_id: str) -> int:
        engine = sa.create_engine(self.urls["agenda"])
        with engine.connect() as c:
            count = c.execute(sa.text("SELECT count(*) FROM prevention_marks WHERE patient_id = :p"),
                              {"p": patient_id}).scalar()
        engine.dispose()
        return count


def refusal(call) -> tuple[grpc.StatusCode, str]:
    try:
        call()
    except grpc.RpcError as exc:
        return exc.code(), documents_harness.error_reason(exc)
    raise AssertionError("the call succeeded")
