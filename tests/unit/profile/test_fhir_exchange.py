"""The measures exchange's use-cases over in-memory ports: a transaction all or nothing, a batch entry by
entry, the idempotent resend and its conflict, the consented purposes, the search's paging and audit."""
from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from fhir_examples import blood_pressure, body, bundle, device, glucose, observation
from meskit.auth import APP, PATIENT, Caller
from meskit.errors import AlreadyExists, FieldViolation, InvalidArgument, PermissionDenied, Unavailable
from profile.domain import fhir_exchange
from profile.domain.access import AccessContext
from profile.domain.ports import Dependencies

NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
HER, APP_ID = "patient-1", "app-glucometre"
APP_CALLER = Caller(APP, APP_ID, token_id="jti-1", on_behalf_of=HER, scopes=("SUIVI_GLYCEMIE",))
BASE = "https://mes.example"


class MemoryRepository:
    def __init__(self, rows: list, audits: list):
        self.rows, self.audits = rows, audits

    def lock_profile(self, patient_id):
        pass

    def add_measurement(self, x):
        self.rows.append(x)

    def measurement_by_identifier(self, patient_id, author_id, system, value):
        return next((x for x in self.rows if (x.patient_id, x.author_id, x.identifier_system, x.identifier_value)
                     == (patient_id, author_id, system, value)), None)

    def measurements_between(self, patient_id, codes, start, end, offset, limit):
        found = [x for x in self.rows if x.patient_id == patient_id and x.code in codes
                 and (start is None or x.effective_time >= start) and (end is None or x.effective_time < end)]
        found.sort(key=lambda x: (x.effective_time, x.created_at), reverse=True)
        return found[offset:offset + limit]

    def latest(self, patient_id, code):
        found = self.measurements_between(patient_id, [code], None, None, 0, 1)
        return found[0] if found else None

    def add_audit(self, record):
        self.audits.append(record)


@dataclass
class Grant:
    app_id: str = APP_ID
    app_name: str = "Glucomètre connecté"
    writes: frozenset = frozenset({"GLUCOSE", "WEIGHT", "BLOOD_PRESSURE"})
    reads: frozenset = frozenset({"GLUCOSE"})

    def require(self, code, *, write):
        if code not in (self.writes if write else self.reads):
            raise PermissionDenied("Consent not given", reason="CONSENT_NOT_GIVEN")


@dataclass
class World:
    grant: Grant = field(default_factory=Grant)
    rows: list = field(default_factory=list)
    changes: list = field(default_factory=list)     # audit records through the outbox
    reads: list = field(default_factory=list)       # audit records appended at once

    @property
    def deps(self) -> Dependencies:
        @contextmanager
        def unit_of_work():
            rows, changes = copy.copy(self.rows), copy.copy(self.changes)
            yield MemoryRepository(rows, changes)
            self.rows[:], self.changes[:] = rows, changes     # committed only when nothing was raised

        contexts = type("Contexts", (), {"for_app": lambda _, patient_id, app: (
            AccessContext(patient_id=patient_id, status="ACTIVE"), self.grant)})()
        audit = type("Audit", (), {"append": lambda _, record: self.reads.append(record)})()
        return Dependencies(unit_of_work=unit_of_work, contexts=contexts, audit=audit, documents=None,
                            now=lambda: NOW)

    def submit(self, document: dict, *, single: bool = False, caller: Caller = APP_CALLER):
        return fhir_exchange.submit(self.deps, caller, single=single, body=body(document), base_url=BASE)

    def search(self, query: str):
        return fhir_exchange.search(self.deps, APP_CALLER, query=query, base_url=BASE)


def _statuses(answer) -> list[str]:
    return [e["response"]["status"] for e in answer.body["entry"]]


class TestSubmit:
    def test_a_transaction_stores_each_observation_as_the_apps(self):
        world = World()
        answer = world.submit(bundle(glucose(identifier="g-1"), blood_pressure(device={"reference": "Device/meter-1"}),
                                     devices=(device(),)))
        assert answer.status == 200 and answer.body["type"] == "transaction-response"
        assert _statuses(answer) == ["200 OK", "201 Created", "201 Created"]
        assert [e["response"]["location"] for e in answer.body["entry"][1:]] == [
            f"Observation/{x.measurement_id}" for x in world.rows]
        glucose_row = world.rows[0]
        assert (glucose_row.author_type, glucose_row.author_id, glucose_row.author_name) == (
            "EDITOR_SOLUTION", APP_ID, "Glucomètre connecté")
        assert glucose_row.source == f"urn:mes:app:{APP_ID}" and glucose_row.identifier_value == "g-1"
        [record] = world.changes
        assert (record.actor_type, record.group, record.display_name, record.action) == (
            "SERVICE_TIERS", "SERVICE_TIERS", "Glucomètre connecté", "CREATE")

    def test_a_transaction_is_all_or_nothing_naming_every_invalid_entry(self):
        world = World()
        with pytest.raises(InvalidArgument) as caught:
            world.submit(bundle(glucose(), observation(value=900), glucose(extension=[])))
        assert [v.field for v in caught.value.violations] == ["Bundle.entry[1].resource.valueQuantity.value",
                                                               "Bundle.entry[2].resource.extension"]
        assert world.rows == [] and world.changes == []

    def test_a_thousand_invalid_entries_are_named_in_a_bounded_answer(self):
        faulty = [glucose()] * 3 + [glucose(1500)] * 997
        faulty[500] = glucose()
        with pytest.raises(InvalidArgument) as caught:
            World().submit(bundle(*faulty))
        violations = caught.value.violations
        assert len(violations) == 11 and violations[0].field == "Bundle.entry[3].resource.valueQuantity.value"
        assert violations[-1] == FieldViolation("Bundle.entry", "entrées invalides aussi : 13-499, 501-999")
        assert caught.value.message == "996 entrées invalides : transaction refusée"

    def test_a_batch_answers_entry_by_entry(self):
        world = World()
        answer = world.submit(bundle(glucose(), observation(value=160, unit="[lb_av]"), kind="batch"))
        assert answer.body["type"] == "batch-response"
        assert _statuses(answer) == ["201 Created", "422 Unprocessable Entity"]
        issue = answer.body["entry"][1]["response"]["outcome"]["issue"][0]
        assert issue["expression"] == ["Bundle.entry[1].resource.valueQuantity.code"] and "kg" in issue["diagnostics"]
        assert len(world.rows) == 1

    def test_a_resent_observation_stores_nothing_new(self):
        world = World()
        first = world.submit(glucose(identifier="g-1"), single=True)
        again = world.submit(glucose(identifier="g-1"), single=True)
        assert (first.status, again.status) == (201, 200) and first.location == again.location
        assert first.location == f"{BASE}/fhir/r4/Observation/{world.rows[0].measurement_id}"
        assert len(world.rows) == 1 and len(world.changes) == 1

    def test_the_same_identifier_with_another_content_is_a_conflict(self):
        world = World()
        world.submit(glucose(identifier="g-1"), single=True)
        with pytest.raises(AlreadyExists) as caught:
            world.submit(bundle(glucose(), glucose(120, identifier="g-1")))
        assert caught.value.violations[0].field == "Bundle.entry[1].resource.identifier[0]"
        assert len(world.rows) == 1
        batch = world.submit(bundle(glucose(), glucose(120, identifier="g-1"), kind="batch"))
        assert _statuses(batch) == ["201 Created", "409 Conflict"]

    def test_a_weight_brings_its_computed_bmi(self):
        world = World(Grant(writes=frozenset({"WEIGHT", "HEIGHT"})))
        world.submit(bundle(observation("8302-2", 1.70, "m"), observation(value=70)))
        assert [(x.code, x.author_type) for x in world.rows] == [
            ("HEIGHT", "EDITOR_SOLUTION"), ("WEIGHT", "EDITOR_SOLUTION"), ("BODY_MASS_INDEX", "MES")]
        assert world.rows[2].metrics[0].value == 24.2

    def test_a_code_without_consent_is_refused(self):
        world = World(Grant(writes=frozenset({"GLUCOSE"})))
        with pytest.raises(PermissionDenied) as caught:
            world.submit(bundle(glucose(), observation()))
        assert caught.value.reason == "CONSENT_NOT_GIVEN" and world.rows == []
        batch = world.submit(bundle(glucose(), observation(), kind="batch"))
        assert _statuses(batch) == ["201 Created", "403 Forbidden"]

    def test_a_device_reference_must_resolve_in_the_bundle(self):
        world = World()
        with pytest.raises(InvalidArgument) as caught:
            world.submit(bundle(glucose(device={"reference": "Device/elsewhere"}), devices=(device(),)))
        assert caught.value.violations[0].field == "Bundle.entry[1].resource.device.reference"
        by_full_url = world.submit(bundle(glucose(device={"reference": device()["fullUrl"]}), devices=(device(),)))
        assert _statuses(by_full_url) == ["200 OK", "201 Created"]

    def test_only_apps(self):
        with pytest.raises(PermissionDenied):
            World().submit(glucose(), single=True, caller=Caller(PATIENT, HER))


class TestSearch:
    def _world(self, n: int) -> World:
        world = World()
        for i in range(n):
            moment = (NOW - timedelta(hours=i + 1)).isoformat()
            world.submit(glucose(80 + i, identifier=f"g-{i}", effectiveDateTime=moment), single=True)
        return world

    def test_a_date_range_pages_with_a_next_link_and_is_audited(self):
        world = self._world(3)
        answer = world.search("code=2345-7&date=ge2026-11-01&date=le2026-12-02&_count=2")
        assert answer.body["type"] == "searchset"
        values = [e["resource"]["valueQuantity"]["value"] for e in answer.body["entry"]]
        assert values == [80, 81]
        links = {link["relation"]: link["url"] for link in answer.body["link"]}
        assert links["next"] == f"{BASE}/fhir/r4/Observation?code=2345-7&date=ge2026-11-01&date=le2026-12-02" \
                                "&_count=2&_offset=2"
        last_page = world.search(links["next"].split("?", 1)[1])
        assert [e["resource"]["valueQuantity"]["value"] for e in last_page.body["entry"]] == [82]
        assert "next" not in {link["relation"] for link in last_page.body["link"]}
        assert [(r.actor_type, r.group, r.action, r.display_name) for r in world.reads][:1] == [
            ("SERVICE_TIERS", "SERVICE_TIERS", "READ", "Glucomètre connecté")]
        json.dumps(answer.body)

    def test_the_last_one(self):
        answer = self._world(3).search("code=http://loinc.org|2345-7&_sort=-date&_count=1")
        assert [e["resource"]["valueQuantity"]["value"] for e in answer.body["entry"]] == [80]

    @pytest.mark.parametrize("query, field", [
        ("date=ge2026-11-01&date=le2026-12-02", "code"),
        ("code=2345-7", "date"),
        ("code=2345-7&date=ge2026-11-01", "date"),
        ("code=2345-7&date=ge2026-11-01&date=le2026-12-02&_count=101", "_count"),
        ("code=2345-7&date=ge2026-11-01&date=le2026-12-02&_count=abc", "_count"),
        ("code=2345-7&date=ge2026-11-01&date=le2026-12-02&_offset=-1", "_offset"),
        ("code=9999-9&_sort=-date&_count=1", "code"),
        ("code=2345-7&date=ge2026-13-01&date=le2026-12-02", "date"),
        ("code=2345-7&_sort=date&_count=1", "_sort"),
        ("code=2345-7&_sort=-date&_count=1&_elements=id", "_elements"),
    ])
    def test_bad_searches(self, query, field):
        with pytest.raises(InvalidArgument) as caught:
            World().search(query)
        assert [v.field for v in caught.value.violations] == [field]

    def test_nothing_leaves_when_audit_cannot_record_the_read(self):
        world = self._world(1)
        deps = world.deps

        def refuse(record):
            raise Unavailable("Journal indisponible")
        deps.audit = type("Audit", (), {"append": lambda _, record: refuse(record)})()
        with pytest.raises(Unavailable):
            fhir_exchange.search(deps, APP_CALLER, query="code=2345-7&_sort=-date&_count=1", base_url=BASE)

    def test_a_code_without_read_consent_is_refused(self):
        world = World()
        with pytest.raises(PermissionDenied) as caught:
            world.search("code=29463-7&_sort=-date&_count=1")
        assert caught.value.message == "Consent not given" and world.reads == []
