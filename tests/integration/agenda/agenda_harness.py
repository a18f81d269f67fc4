"""The agenda service as a real gRPC server, beside identity, audit and notifications (the documents
harness's Stack, with agenda's builder, its clock hook and client helpers: appointments, reminders and
the feed; the prevention calendar)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone

import time

import grpc
import pytest
import sqlalchemy as sa
from mes.agenda.v1 import agenda_pb2 as pb
from mes.agenda.v1 import agenda_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb

import documents_harness
from documents_harness import PASSWORD, Stack, _serial, error_reason, nir
from devtools.eventually import eventually
from meskit.auth import DELEGATE, Caller
from meskit.timestamps import timestamp

documents_harness.SECRETS["agenda"] = "agenda-client-secret-for-tests-0123456789"
SCHEDULER_INTERVAL = 0.2


@dataclass
class AgendaStack(Stack):
    def _build_agenda(self, **overrides):
        from agenda.config import AgendaSettings
        from agenda.wiring import build
        settings = self._settings(
            AgendaSettings, "agenda", IDENTITY_ADDR=self.address("identity"),
            SERVICE_CLIENT_SECRET=documents_harness.SECRETS["agenda"], AUDIT_ADDR=self.address("audit"),
            NOTIFICATIONS_ADDR=self.address("notifications"), CLOCK_OFFSET_FILE=str(self.clock_file),
            REMINDER_INTERVAL_SECONDS=str(SCHEDULER_INTERVAL))
        if overrides:      # another replica, on a port of its own
            settings = dataclasses.replace(settings, grpc_port=0)
        return build(settings, **{"relay_interval": 0.1, **overrides})

    def start_agenda_replica(self, **overrides):
        """Another agenda replica on the same database (e.g. `prevention_interval=0.2`); returns a function
        that stops it."""
        kit, engine, on_stop = self._build_agenda(**overrides)
        kit.server.start()

        def stop() -> None:
            kit.stop(0)
            on_stop()
            engine.dispose()
        return stop

    @property
    def clock_file(self):
        return self.tmp / "agenda-clock-offset"

    def set_clock(self, moment: datetime | None) -> None:
        """Agenda's "now" becomes `moment` (None: the real time again)."""
        offset = 0.0 if moment is None else (moment - datetime.now(timezone.utc)).total_seconds()
        self.clock_file.write_text(f"{offset:.3f}\n")

    def delegate(self, account_id: str, patient_id: str, scopes: tuple[str, ...] = ("health_data",)):
        """An act-on-behalf token as identity's SwitchProfile makes it (with its scopes)."""
        return self.token(Caller(DELEGATE, account_id, on_behalf_of=patient_id, scopes=scopes))

    def close_space(self, patient_id: str) -> None:
        """The holder closes her space (an activated account: her password)."""
        self.identity.CloseAccount(ipb.CloseAccountRequest(account_id="me", password=PASSWORD),
                                   metadata=self.patient(patient_id), timeout=10)

    def new_activated_patient(self) -> str:
        n = next(_serial)
        birth = f"{time.gmtime().tm_year - 40}-03-{1 + n % 27:02d}"
        fields = dict(nir=nir("2", birth, 600 + n % 300), vitale_serial=f"{42000000000 + n}", given_name="Anne",
                      family_name=f"Agenda{n}", birth_date=birth, sex=ipb.SEX_FEMALE)
        created = self.identity.CreateAccount(ipb.CreateAccountRequest(**fields), metadata=self.operator, timeout=10)
        self.identity.ActivateAccount(ipb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
            login_id=f"agenda-{n:05d}", password=PASSWORD, email=f"agenda{n}@example.org", accept_terms=True),
            timeout=10)
        return created.account.account_id

    @property
    def agenda(self) -> agenda_pb2_grpc.AgendaServiceStub:
        return self._stub("agenda", agenda_pb2_grpc.AgendaServiceStub)

    def new_appointment(self, metadata, patient_id: str, start: datetime, **fields) -> pb.Appointment:
        values = {"type": pb.APPOINTMENT_TYPE_PRACTITIONER, "name": "Dr Paul Martin", **fields}
        return self.agenda.CreateAppointment(pb.CreateAppointmentRequest(
            patient_id=patient_id, start_time=timestamp(start), **values), metadata=metadata, timeout=10)

    def new_reminder(self, metadata, patient_id: str, at: datetime, title: str = "Prendre la tension",
                     **fields) -> pb.Reminder:
        return self.agenda.CreateReminder(pb.CreateReminderRequest(
            patient_id=patient_id, title=title, remind_at=timestamp(at), **fields), metadata=metadata, timeout=10)

    def appointments(self, metadata, patient_id: str, **fields) -> list[pb.Appointment]:
        return list(self.agenda.ListAppointments(pb.ListAppointmentsRequest(patient_id=patient_id, **fields),
                                                 metadata=metadata, timeout=10).appointments)

    def reminders(self, metadata, patient_id: str, **fields) -> list[pb.Reminder]:
        return list(self.agenda.ListReminders(pb.ListRemindersRequest(patient_id=patient_id, **fields),
                                              metadata=metadata, timeout=10).reminders)

    def bell_settles(self, patient_id: str, event_type: str, count: int) -> list:
        return eventually(lambda: (lambda found: found if len(found) >= count else None)(
            self.bell(patient_id, event_type)), timeout=20, what=f"{count} {event_type} in the bell")

    # ---- the prevention calendar ----
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
        with self.agenda_engine().connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM prevention_marks WHERE patient_id = :p"),
                             {"p": patient_id}).scalar()


    # ---- what is stored ----
    def sql(self, statement: str, **values) -> list:
        with self.agenda_engine().begin() as c:
            result = c.execute(sa.text(statement), values)
            return list(result) if result.returns_rows else []

    def agenda_engine(self) -> sa.Engine:
        if "_agenda_engine" not in self.__dict__:
            self.__dict__["_agenda_engine"] = sa.create_engine(self.urls["agenda"])
        return self.__dict__["_agenda_engine"]

    def notice_state(self, table: str, entry_id: str) -> str:
        key = "appointment_id" if table == "appointments" else "reminder_id"
        with self.agenda_engine().connect() as c:
            return c.execute(sa.text(f"SELECT notice_state FROM {table} WHERE {key} = :i"), {"i": entry_id}).scalar()

    def close(self) -> None:
        if "_agenda_engine" in self.__dict__:
            self.__dict__["_agenda_engine"].dispose()
        super().close()


def refused(call, code: grpc.StatusCode, reason: str) -> grpc.RpcError:
    """The call fails with this status and reason ("" = none)."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert (caught.value.code(), error_reason(caught.value)) == (code, reason), caught.value.details()
    return caught.value


def refusal(call) -> tuple[grpc.StatusCode, str]:
    try:
        call()
    except grpc.RpcError as exc:
        return exc.code(), error_reason(exc)
    raise AssertionError("the call succeeded")
