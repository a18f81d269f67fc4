"""What an app posts to the measures API: a Bundle (type transaction or batch) of at most 1,000
Observations with optional Device entries, or one Observation alone. Only the shape of the request is
checked here; each Observation is read by fhir_observation."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from meskit.errors import FieldViolation, InvalidArgument

TRANSACTION, BATCH, SINGLE = "transaction", "batch", "single"
MAX_OBSERVATIONS = 1000
MAX_ENTRIES = 2000          # Observations and their Devices
MALFORMED = "FHIR_MALFORMED"


@dataclass(frozen=True)
class Entry:
    index: int                  # in Bundle.entry (0 for an Observation alone)
    path: str                   # where its resource is: "Bundle.entry[3].resource" or "Observation"
    resource: object
    fault: InvalidArgument | None = None    # the entry itself is malformed (its request, its type)


@dataclass(frozen=True)
class Submission:
    kind: str                                   # TRANSACTION, BATCH or SINGLE
    entries: list[Entry]                        # every entry, in order (Observations and Devices)
    devices: frozenset[str] = field(default=frozenset())   # what Observation.device may reference

    def is_observation(self, entry: Entry) -> bool:
        return isinstance(entry.resource, dict) and entry.resource.get("resourceType") == "Observation"


def _malformed(path: str, description: str, message: str = "Requête FHIR invalide") -> InvalidArgument:
    return InvalidArgument(message, reason=MALFORMED, violations=[FieldViolation(path, description)])


def _document(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _malformed("", "JSON FHIR (application/fhir+json) attendu", "Corps JSON invalide") from None


def _entry(index: int, given: object, kind: str) -> tuple[Entry, list[str]]:
    """The entry and the references its Device answers to."""
    at = f"Bundle.entry[{index}]"
    if not isinstance(given, dict) or not isinstance(given.get("resource"), dict):
        return Entry(index, f"{at}.resource", None, _malformed(f"{at}.resource", "ressource attendue")), []
    resource = given["resource"]
    resource_type = resource.get("resourceType")
    entry = Entry(index, f"{at}.resource", resource)
    if resource_type not in ("Observation", "Device"):
        return Entry(index, entry.path, resource, _malformed(f"{at}.resource.resourceType",
                                                             "Observation ou Device attendu")), []
    request = given.get("request")
    if not isinstance(request, dict) or request.get("method") != "POST" or not str(
            request.get("url", "")).startswith(resource_type):
        return Entry(index, entry.path, resource, _malformed(
            f"{at}.request", f"request {{method: POST, url: {resource_type}}} attendu dans un Bundle {kind}")), []
    if resource_type != "Device":
        return entry, []
    references = [f"Device/{resource['id']}"] if isinstance(resource.get("id"), str) and resource["id"] else []
    if isinstance(given.get("fullUrl"), str) and given["fullUrl"]:
        references.append(given["fullUrl"])
    return entry, references


def parse(body: bytes, *, single: bool) -> Submission:
    """`single`: the Observation endpoint (POST /fhir/r4/Observation) rather than the Bundle one."""
    document = _document(body)
    if single:
        if not isinstance(document, dict) or document.get("resourceType") != "Observation":
            raise _malformed("Observation.resourceType", "Observation attendue")
        return Submission(SINGLE, [Entry(0, "Observation", document)])
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
        raise _malformed("Bundle.resourceType", "Bundle attendu")
    kind = document.get("type")
    if kind not in (TRANSACTION, BATCH):
        raise _malformed("Bundle.type", "transaction ou batch attendu")
    given = document.get("entry")
    if not isinstance(given, list) or not given:
        raise _malformed("Bundle.entry", "au moins une Observation attendue")
    observations = sum(1 for e in given if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                       and e["resource"].get("resourceType") == "Observation")
    if not observations:
        raise _malformed("Bundle.entry", "au moins une Observation attendue")
    if observations > MAX_OBSERVATIONS or len(given) > MAX_ENTRIES:
        raise InvalidArgument(f"{MAX_OBSERVATIONS} Observations au plus par Bundle ({observations} reçues)",
                              reason="TOO_MANY_ENTRIES", violations=[FieldViolation(
                                  "Bundle.entry", f"{MAX_OBSERVATIONS} Observations au plus "
                                                  f"(et {MAX_ENTRIES} entrées en tout)")])
    entries, devices = [], set()
    for index, item in enumerate(given):
        entry, references = _entry(index, item, kind)
        entries.append(entry)
        devices.update(references)
    return Submission(kind, entries, frozenset(devices))
