"""proto <-> domain for the profile."""
from __future__ import annotations

from typing import Any, cast

import json

from mes.profile.v1 import profile_pb2 as pb
from mes.web.v1 import web_pb2

from meskit.errors import InvalidArgument
from meskit.timestamps import timestamp

from profile.domain import models as m
from profile.domain.fhir_exchange import Answer

FHIR_JSON = "application/fhir+json"
OBSERVATION_PATH = "/fhir/r4/Observation"

PREFIX = "SECTION_"


def section_name(value: int) -> str:
    if not value or value not in pb.Section.values():
        return ""
    return pb.Section.Name(cast(pb.Section.ValueType, value)).removeprefix(PREFIX)


def section_value(name: str) -> pb.Section.ValueType:
    return pb.Section.Value(PREFIX + name)


def sections(values) -> list[str]:
    return [section_name(v) for v in values if section_name(v)]


def required_section(value: int) -> str:
    name = section_name(value)
    if not name:
        raise InvalidArgument("Section obligatoire", reason="SECTION_REQUIRED")
    return name


def entry_fields(e: pb.Entry) -> dict:
    out = {}
    for name in m.ENTRY_FIELDS:
        value = getattr(e, name)
        if name in m.DATE_FIELDS:
            value = m.PartialDate(value.year, value.month, value.day)
        elif name in m.LIST_FIELDS:
            value = tuple(value)
        out[name] = value
    return out


def entry(e: m.Entry) -> pb.Entry:
    fields: dict[str, Any] = {}
    for name, value in e.fields.items():
        if name in m.DATE_FIELDS:
            fields[name] = pb.PartialDate(year=value.year, month=value.month, day=value.day) if value else None
        else:
            fields[name] = value
    return pb.Entry(entry_id=e.entry_id, section=section_value(e.section),
                    **{k: v for k, v in fields.items() if v is not None},
                    author_type=e.author_type, author_id=e.author_id,
                    confirmed_by_professional=e.confirmed_by_professional,
                    created_at=timestamp(e.created_at), updated_at=timestamp(e.updated_at))


def declaration(section: str, d: m.Declaration | None) -> pb.SectionState:
    if d is None:
        return pb.SectionState(section=section_value(section), not_concerned=False)
    return pb.SectionState(section=section_value(d.section), not_concerned=True, declared_at=timestamp(d.declared_at))


def blood_group(f: m.Facts) -> pb.BloodGroup:
    out = pb.BloodGroup(value=f.blood_group, author_type=f.blood_group_author_type, author_id=f.blood_group_author_id)
    if f.blood_group_updated_at:
        out.updated_at.FromDatetime(f.blood_group_updated_at)
    return out


def wishes(f: m.Facts) -> pb.Wishes:
    out = pb.Wishes(advance_directives=f.advance_directives,
                    informed_about_organ_donation=f.informed_about_organ_donation)
    if f.wishes_updated_at:
        out.updated_at.FromDatetime(f.wishes_updated_at)
    return out


def metrics(given) -> tuple[m.Metric, ...]:
    return tuple(m.Metric(x.code, x.value, x.unit) for x in given)


def measurement(x: m.Measurement) -> pb.Measurement:
    return pb.Measurement(measurement_id=x.measurement_id, code=x.code, effective_time=timestamp(x.effective_time),
                          metrics=[pb.Metric(code=k.code, value=k.value, unit=k.unit) for k in x.metrics],
                          comment=x.comment, context=x.context, number_of_days=x.number_of_days,
                          author_type=x.author_type, created_at=timestamp(x.created_at), author_name=x.author_name)


def profile(view) -> pb.Profile:
    out = pb.Profile(patient_id=view.patient_id, entries=[entry(e) for e in view.entries],
                     sections=[declaration(d.section, d) for d in view.declarations], wishes=wishes(view.facts),
                     latest_measurements=[measurement(x) for x in view.latest_measurements])
    if not view.for_professional:
        out.blood_group.CopyFrom(blood_group(view.facts))
    return out


def posts_one_observation(path: str) -> bool:
    """POST /fhir/r4/Observation (one Observation) rather than POST /fhir/r4 (a Bundle)."""
    return path.rstrip("/") == OBSERVATION_PATH


def web_response(answer: Answer) -> web_pb2.WebResponse:
    headers = [web_pb2.Header(name="content-type", value=FHIR_JSON)]
    if answer.location:
        headers.append(web_pb2.Header(name="location", value=answer.location))
    return web_pb2.WebResponse(status=answer.status, headers=headers,
                               body=json.dumps(answer.body, ensure_ascii=False).encode())
