"""Every method of every gRPC service fuzzed (hypothesis) with requests built from its descriptor:
strings with control characters or huge, bytes, enums out of range, long repeated fields, nested
messages, a few messages on a client stream. With a valid token (a patient's, a professional's, a
service's) no answer is INTERNAL, UNKNOWN or DATA_LOSS; without one (or with a forged or malformed
one) a protected method answers UNAUTHENTICATED or PERMISSION_DENIED. Seeded and bounded."""
from __future__ import annotations

import os
import random
import string
from functools import cache
from typing import NamedTuple

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from hypothesis import HealthCheck, given, settings, strategies as st
from mes.agenda.v1 import agenda_pb2 as apb
from mes.documents.v1 import documents_pb2 as dpb
from mes.messaging.v1 import messaging_pb2 as mpb
from mes.notifications.v1 import notifications_pb2 as npb
from mes.profile.v1 import profile_pb2 as ppb

from devtools.every_rpc import all_services
from devtools.platform import SERVICES
from devtools.rpc_errors import error_details, error_of
from devtools.samples import blank_pdf
from fuzz_people import FuzzPeople, fuzz_people
from meskit.auth import PATIENT, Caller, TokenSigner, generate_private_key_pem
from meskit.contract import is_public

F = FieldDescriptor
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 8))     # calls per method with a valid token
UNAUTHENTICATED_EXAMPLES = 3                            # and without one
BROKEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}
REFUSED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}
CALL_SECONDS = 10
# A stream the server keeps open (the bell's watch) is left after this long, without an answer: fine.
STREAM_SECONDS = 1.0
DEPTH = 3          # nested messages below this depth are left unset (Struct and the like recurse)
HUGE = 50_000      # characters of a huge string, bytes of a big payload
LONG = (200, 2000)  # items of a long repeated field (of scalars: long lists of messages would not fit a call)
METHODS = [(service, method) for service in all_services() for method in service.methods]

_INT = {F.TYPE_INT32: 31, F.TYPE_SINT32: 31, F.TYPE_SFIXED32: 31, F.TYPE_INT64: 63, F.TYPE_SINT64: 63,
        F.TYPE_SFIXED64: 63}
_UINT = {F.TYPE_UINT32: 32, F.TYPE_FIXED32: 32, F.TYPE_UINT64: 64, F.TYPE_FIXED64: 64}


class Known(NamedTuple):
    """The fuzz people's ids: requests naming them get past the access checks."""

    patient_id: str
    professional_id: str

    def ids(self) -> tuple[str, ...]:
        return ("me", self.patient_id, self.professional_id)


# String fields naming a person, by the end of their name.
_NAMING = {"patient_id": "patient_id", "account_id": "patient_id", "profile_id": "patient_id",
           "subject_id": "patient_id", "professional_id": "professional_id"}


@cache
def _strings(known: Known) -> st.SearchStrategy[str]:
    """Strings that get past the first checks (the fuzz people's ids, well-formed ids), and those that
    should not: any character (control ones too), huge ones."""
    return st.one_of(
        st.sampled_from(known.ids()), st.uuids().map(str),
        st.text(alphabet=string.ascii_letters + string.digits + "-_.@:/ é", max_size=40),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
        st.sampled_from(["x", "é", "7", "\x00", "\u202e"]).map(lambda c: c * HUGE))


def _bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=64), st.just(blank_pdf()),
                     st.integers(0, 2**32).map(lambda seed: random.Random(seed).randbytes(HUGE)))


def _scalar(field: FieldDescriptor, known: Known) -> st.SearchStrategy:
    if field.type == F.TYPE_STRING:
        person = next((getattr(known, who) for end, who in _NAMING.items() if field.name.endswith(end)), None)
        return _strings(known) if person is None else st.one_of(st.just(person), _strings(known))
    if field.type == F.TYPE_BYTES:
        return _bytes()
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_ENUM:    # open enums: any int32, the known values most often
        values = [value.number for value in field.enum_type.values]
        return st.one_of(st.sampled_from(values), st.integers(-2**31, 2**31 - 1))
    if field.type in _INT:
        bits = _INT[field.type]
        return st.integers(-2**bits, 2**bits - 1)
    if field.type in _UINT:
        return st.integers(0, 2**_UINT[field.type] - 1)
    return st.floats(width=32 if field.type == F.TYPE_FLOAT else 64)


def _single(field: FieldDescriptor, known: Known, depth: int) -> st.SearchStrategy | None:
    if field.type == F.TYPE_MESSAGE:
        return messages(field.message_type, known, depth + 1) if depth < DEPTH else None
    return _scalar(field, known)


def _repeated(field: FieldDescriptor, item: st.SearchStrategy, known: Known) -> st.SearchStrategy[list]:
    """A few items, or (scalars) one small item many times."""
    few = st.lists(item, max_size=3)
    if field.type == F.TYPE_MESSAGE:
        return few
    small = st.sampled_from(known.ids()) if field.type == F.TYPE_STRING else st.binary(max_size=8) \
        if field.type == F.TYPE_BYTES else item
    return st.one_of(few, st.tuples(small, st.integers(*LONG)).map(lambda t: [t[0]] * t[1]))


@cache
def messages(descriptor: Descriptor, known: Known, depth: int = 0) -> st.SearchStrategy:
    """Messages of `descriptor`, each field set or not."""
    cls = message_factory.GetMessageClass(descriptor)
    setters = []
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key, value = (_single(field.message_type.fields_by_name[n], known, depth) for n in ("key", "value"))
            if value is not None:
                setters.append((field, st.dictionaries(key, value, max_size=3)))
        else:
            item = _single(field, known, depth)
            if item is not None:
                setters.append((field, _repeated(field, item, known) if field.is_repeated else item))

    @st.composite
    def build(draw):
        message = cls()
        for field, values in setters:
            if draw(st.booleans()):
                _set(message, field, draw(values))
        return message
    return build()


def _set(message, field: FieldDescriptor, value) -> None:
    target = getattr(message, field.name)
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        composite = field.message_type.fields_by_name["value"].type == F.TYPE_MESSAGE
        for key, item in value.items():
            target[key].CopyFrom(item) if composite else target.__setitem__(key, item)
    elif field.is_repeated:
        target.extend(value)
    elif field.type == F.TYPE_MESSAGE:
        target.CopyFrom(value)
    else:
        setattr(message, field.name, value)


def requests_of(method: MethodDescriptor, known: Known) -> st.SearchStrategy:
    """One request, or a few of them for a client stream."""
    request = messages(method.input_type, known)
    return st.lists(request, min_size=1, max_size=4) if method.client_streaming else request


def call(channel: grpc.Channel, method: MethodDescriptor, request, metadata) -> None:
    """`method` called with `request` (a list of them for a client stream), its replies read."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    serialize = message_factory.GetMessageClass(method.input_type).SerializeToString
    deserialize = message_factory.GetMessageClass(method.output_type).FromString
    kind = {(False, False): channel.unary_unary, (True, False): channel.stream_unary,
            (False, True): channel.unary_stream, (True, True): channel.stream_stream}
    stub = kind[(method.client_streaming, method.server_streaming)](
        path, request_serializer=serialize, response_deserializer=deserialize)
    sent = iter(request) if method.client_streaming else request
    if method.server_streaming:
        for _ in stub(sent, metadata=metadata, timeout=STREAM_SECONDS):
            pass
    else:
        stub(sent, metadata=metadata, timeout=CALL_SECONDS)


def status_of(channel: grpc.Channel, method: MethodDescriptor, request, metadata) -> grpc.StatusCode:
    """The status a call ends with; an open stream (a watch) is left unanswered after STREAM_SECONDS."""
    try:
        call(channel, method, request, metadata)
    except grpc.RpcError as error:
        if method.server_streaming and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
            return grpc.StatusCode.OK
        return error.code()
    return grpc.StatusCode.OK


@pytest.fixture(scope="module")
def people(platform) -> FuzzPeople:
    return fuzz_people(platform, "grpc", "192.0.2.81")


@pytest.fixture(scope="module")
def hosts(platform) -> dict[str, list[grpc.Channel]]:
    """The channels to the processes serving each service, as their reflection lists them."""
    found: dict[str, list[grpc.Channel]] = {}
    channels = [grpc.insecure_channel(platform.address(name)) for name in SERVICES]
    for channel in channels:
        for service in ProtoReflectionDescriptorDatabase(channel).get_services():
            found.setdefault(service, []).append(channel)
    yield found
    for channel in channels:
        channel.close()


@pytest.fixture(scope="module")
def tokens(platform, people) -> dict[str, str]:
    forged = TokenSigner(generate_private_key_pem(), issuer="mes-identity", audience="mes-api", ttl_seconds=300)
    return {"patient": people.patient_token, "professional": people.professional_token,
            "service": people.service_token, "forged": forged.sign(Caller(PATIENT, people.patient_id))[0]}


@pytest.mark.parametrize(("service", "method"), METHODS, ids=[f"{s.name}.{m.name}" for s, m in METHODS])
def test_no_request_breaks_a_method(hosts, people, tokens, service, method):
    channels = hosts[service.full_name]
    requests = requests_of(method, Known(people.patient_id, people.professional_id))

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests, caller=st.sampled_from(["patient", "professional", "service"]),
           channel=st.sampled_from(channels))
    def with_a_token(request, caller, channel):
        status = status_of(channel, method, request, [("authorization", f"Bearer {tokens[caller]}")])
        assert status not in BROKEN, f"{method.full_name} as {caller}: {status.name} for {request!r:.2000}"

    @settings(max_examples=UNAUTHENTICATED_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(request=requests, authorization=st.sampled_from(
        [None, "Bearer", "Bearer not-a-token", f"Bearer {tokens['forged']}", "Basic Zm9vOmJhcg=="]),
        channel=st.sampled_from(channels))
    def without_one(request, authorization, channel):
        status = status_of(channel, method, request, [("authorization", authorization)] if authorization else [])
        expected = "not broken" if is_public(method) else "refused"
        assert (status not in BROKEN) if is_public(method) else (status in REFUSED), \
            f"{method.full_name} with {authorization!r:.40}: {status.name}, expected {expected}"

    with_a_token()
    without_one()


def _method(full_name: str) -> MethodDescriptor:
    return next(m for _, m in METHODS if m.full_name == full_name)


NO_DATE = Timestamp(nanos=-1)
# What the fuzz found answering INTERNAL (Timestamp.ToDatetime raised), and alike by reading the code:
# (method, caller, request, the field named).
NO_DATE_CASES = [
    ("mes.agenda.v1.AgendaService.CreateAppointment", "patient",
     apb.CreateAppointmentRequest(patient_id="me", end_time=NO_DATE), "end_time"),
    ("mes.agenda.v1.AgendaService.ListAppointments", "patient",
     apb.ListAppointmentsRequest(patient_id="me", start_time=NO_DATE), "start_time"),
    ("mes.agenda.v1.AgendaService.UpdateAppointment", "patient",
     apb.UpdateAppointmentRequest(patient_id="me", appointment_id="a", start_time=NO_DATE), "start_time"),
    ("mes.agenda.v1.AgendaService.CreateReminder", "patient",
     apb.CreateReminderRequest(patient_id="me", title="t", remind_at=NO_DATE), "remind_at"),
    ("mes.agenda.v1.AgendaService.ListReminders", "patient",
     apb.ListRemindersRequest(patient_id="me", end_time=NO_DATE), "end_time"),
    ("mes.agenda.v1.AgendaService.UpdateReminder", "patient",
     apb.UpdateReminderRequest(patient_id="me", reminder_id="r", remind_at=NO_DATE), "remind_at"),
    ("mes.documents.v1.DocumentsService.SetDocumentVisibility", "patient",
     dpb.SetDocumentVisibilityRequest(patient_id="me", document_id="d", hidden_from_patient_until=NO_DATE),
     "hidden_from_patient_until"),
    ("mes.messaging.v1.MessagingService.RecordReceipt", "service",
     mpb.RecordReceiptRequest(mssante_message_id="m", recipient_id="r", read_at=NO_DATE), "read_at"),
    ("mes.profile.v1.ProfileService.AddMeasurement", "patient", ppb.AddMeasurementRequest(
        patient_id="me", measurement=ppb.Measurement(code="WEIGHT", effective_time=NO_DATE)),
     "measurement.effective_time"),
    ("mes.notifications.v1.NotificationsService.PublishEvent", "service",
     npb.PublishEventRequest(event_id="e", event_type="DOCUMENT_ADDED", occurred_at=NO_DATE), "occurred_at"),
    ("mes.notifications.v1.NotificationsService.SendOneTimeCode", "service",
     npb.SendOneTimeCodeRequest(email="a@example.fr", code="123456", expires_at=NO_DATE), "expires_at"),
]


@pytest.mark.parametrize(("name", "caller", "request_", "field"), NO_DATE_CASES,
                         ids=[name.rsplit(".", 1)[1] for name, *_ in NO_DATE_CASES])
def test_a_timestamp_no_date_is_is_refused_naming_its_field(hosts, tokens, name, caller, request_, field):
    method = _method(name)
    (channel,) = hosts[method.containing_service.full_name]
    failure = error_of(lambda: call(channel, method, request_, [("authorization", f"Bearer {tokens[caller]}")]))
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT, failure.details()
    assert error_details(failure)[0] == {field}
