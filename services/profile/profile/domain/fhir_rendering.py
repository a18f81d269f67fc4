"""Profile measurements written as FHIR R4: Observations, the transaction-response / batch-response
Bundle of a submission (one answer per entry), the searchset Bundle of a search."""
from __future__ import annotations

from dataclasses import dataclass

from meskit.errors import AlreadyExists, DomainError, InvalidArgument, PermissionDenied

from profile.domain import fhir_codes as codes
from profile.domain import measurement_rules as rules
from profile.domain.models import Measurement, Metric

CREATED, OK = "201 Created", "200 OK"
# an entry's refusal in a batch: its HTTP status and OperationOutcome issue code
REFUSALS = {InvalidArgument: ("422 Unprocessable Entity", "invalid"), PermissionDenied: ("403 Forbidden", "forbidden"),
            AlreadyExists: ("409 Conflict", "conflict")}


@dataclass(frozen=True)
class EntryAnswer:
    status: str                          # "201 Created", "200 OK", "422 Unprocessable Entity"...
    location: str = ""                   # "Observation/<id>"
    outcome: dict | None = None          # the OperationOutcome of a refused entry


def location(x: Measurement) -> str:
    return f"Observation/{x.measurement_id}"


def _coding(coding: tuple[str, str], display: str = "") -> dict:
    out = {"system": coding[0], "code": coding[1]}
    return {**out, "display": display} if display else out


def _quantity(metric: Metric) -> dict:
    return {"value": metric.value, "unit": metric.unit, "system": codes.UCUM, "code": metric.unit}


def _extensions(x: Measurement) -> list[dict]:
    url = codes.EXTENSIONS.get(x.code)
    if url == codes.MOMENT_EXTENSION and x.context in codes.MOMENT_CODINGS:
        coding = codes.MOMENT_CODINGS[x.context]
    elif url == codes.DAYS_EXTENSION and x.number_of_days in codes.DAYS_CODINGS:
        coding = codes.DAYS_CODINGS[x.number_of_days]
    else:
        return []
    return [{"url": url, "valueCodeableConcept": {"coding": [_coding(coding)]}}]


def observation(x: Measurement) -> dict:
    kind = rules.KINDS[x.code]
    out: dict = {"resourceType": "Observation", "id": x.measurement_id,
                 "meta": {"lastUpdated": x.created_at.isoformat(), **({"source": x.source} if x.source else {})}}
    if x.identifier_value:
        out["identifier"] = [{"system": x.identifier_system, "value": x.identifier_value}]
    extensions = _extensions(x)
    if extensions:
        out["extension"] = extensions
    out.update({"status": "final",
                "category": [{"coding": [_coding(codes.VITAL_SIGNS)]}],
                "code": {"coding": [_coding(codes.CODINGS[x.code], kind.label)], "text": kind.label},
                "subject": {"reference": f"Patient/{x.patient_id}"},
                "effectiveDateTime": x.effective_time.isoformat()})
    if kind.components:
        out["component"] = [{"code": {"coding": [_coding(codes.COMPONENT_CODINGS[m.code])]},
                             "valueQuantity": _quantity(m)} for m in x.metrics]
    else:
        out["valueQuantity"] = _quantity(x.metrics[0])
    if x.comment:
        out["note"] = [{"text": x.comment}]
    return out


def outcome(error: DomainError) -> dict:
    _, code = REFUSALS.get(type(error), ("", "processing"))
    issues = [{"severity": "error", "code": code, "diagnostics": v.description, "expression": [v.field]}
              for v in error.violations if v.field] or [{"severity": "error", "code": code,
                                                         "diagnostics": error.message}]
    return {"resourceType": "OperationOutcome", "issue": issues}


def refusal(error: DomainError) -> EntryAnswer:
    status, _ = REFUSALS.get(type(error), ("500 Internal Server Error", "exception"))
    return EntryAnswer(status, outcome=outcome(error))


def response_bundle(kind: str, answers: list[EntryAnswer]) -> dict:
    """`kind`: transaction or batch."""
    entries = []
    for answer in answers:
        response: dict = {"status": answer.status}
        if answer.location:
            response["location"] = answer.location
        if answer.outcome:
            response["outcome"] = answer.outcome
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": f"{kind}-response", "entry": entries}


def searchset(found: list[Measurement], base_url: str, self_link: str, next_link: str) -> dict:
    links = [{"relation": "self", "url": self_link}] + ([{"relation": "next", "url": next_link}] if next_link else [])
    return {"resourceType": "Bundle", "type": "searchset", "link": links,
            "entry": [{"fullUrl": f"{base_url}/fhir/r4/{location(x)}", "resource": observation(x),
                       "search": {"mode": "match"}} for x in found]}
