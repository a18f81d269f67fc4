"""FHIR R4 Observations and Bundles as connected apps send them (the ANS measures profiles)."""
from __future__ import annotations

import json

from profile.domain import fhir_codes as codes

WHEN = "2026-12-01T08:30:00+01:00"
APP_IDS = "https://glucometre.example/observations"


def quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def observation(code: str = "29463-7", value=72.5, unit: str = "kg", *, system: str = codes.LOINC,
                identifier: str = "", **extra) -> dict:
    out = {"resourceType": "Observation", "status": "final",
           "code": {"coding": [{"system": system, "code": code}]}, "effectiveDateTime": WHEN}
    if value is not None:
        out["valueQuantity"] = quantity(value, unit)
    if identifier:
        out["identifier"] = [{"system": APP_IDS, "value": identifier}]
    out.update(extra)
    return out


def moment(code: str = "53049-3", system: str = codes.LOINC) -> dict:
    return {"url": codes.MOMENT_EXTENSION, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}


def days(code: str = "GEN-276") -> dict:
    return {"url": codes.DAYS_EXTENSION, "valueCodeableConcept": {"coding": [{"system": codes.TAASIP, "code": code}]}}


def glucose(value=98, *, identifier: str = "", **extra) -> dict:
    return observation("2345-7", value, "mg/dL", identifier=identifier, **{"extension": [moment()], **extra})


def blood_pressure(systolic=128, diastolic=82, unit: str = "mm[Hg]", **extra) -> dict:
    out = observation("85354-9", None, **extra)
    out["component"] = [
        {"code": {"coding": [{"system": codes.LOINC, "code": "8480-6"}]}, "valueQuantity": quantity(systolic, unit)},
        {"code": {"coding": [{"system": codes.LOINC, "code": "8462-4"}]}, "valueQuantity": quantity(diastolic, unit)}]
    return out


def device(device_id: str = "meter-1", full_url: str = "urn:uuid:2f1c0d4e-8a51-4bb4-9d7e-3c1a9b0e5f11") -> dict:
    return {"fullUrl": full_url, "resource": {"resourceType": "Device", "id": device_id},
            "request": {"method": "POST", "url": "Device", "ifNoneExist": "identifier=urn:oid:1.2.3|SN42"}}


def bundle(*resources: dict, kind: str = "transaction", devices: tuple[dict, ...] = ()) -> dict:
    entries = list(devices) + [{"resource": r, "request": {"method": "POST", "url": "Observation"}}
                               for r in resources]
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def body(document: dict) -> bytes:
    return json.dumps(document).encode()
