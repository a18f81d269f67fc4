"""No event type is written to an outbox that nothing relays.

Structural, so that it cannot go stale: a service's outbox table goes only to the kit's writers,
`add_envelope` (a type of meskit.events.PAYLOADS, checked), `add_audit_record` (AUDIT_RECORD) and
`add_resource_visibility` (RESOURCE_VISIBILITY), and
to `meskit.relay.outbox_relay`, which relays every row to a Dispatcher routing exactly those types.
So the types a service can write and the types its relay routes are the same list by construction;
this test checks the three links over the tree as it is (and that it would catch a planted break).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from devtools import services
from meskit import events
from meskit.audit import AUDIT_RECORD, RESOURCE_VISIBILITY
from meskit.relay import AUDIT, AUDIT_VISIBILITY, NOTIFICATIONS, ROUTED

WRITERS = {"add_envelope", "add_audit_record", "add_resource_visibility",
           "delete_relayed"}    # writes nothing: a deleted space's relayed rows go
RELAY = "outbox_relay"


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def outbox_uses(source: str, table: str) -> tuple[list[str], int]:
    """(every use of the outbox table other than passing it to a writer or the relay, relays started)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    wrong, relays = [], 0
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == table and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(node)
        name = _called_name(parent) if isinstance(parent, ast.Call) and node in parent.args else ""
        if name == RELAY:
            relays += 1
        elif name not in WRITERS:
            wrong.append(f"line {node.lineno}: {ast.unparse(parent or node)[:80]}")
    return wrong, relays


def outbox_tables(service: str) -> set[str]:
    """Names bound to `outbox_table(...)` in the service's adapters/tables.py."""
    path = services.SERVICES_DIR / service / service / "adapters" / "tables.py"
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call) and _called_name(node.value) == "outbox_table"
            for target in node.targets if isinstance(target, ast.Name)}


def modules(service: str) -> list[Path]:
    package = services.SERVICES_DIR / service / service
    return [p for p in sorted(package.rglob("*.py")) if "migrations" not in p.parts and p.name != "tables.py"]


WITH_OUTBOX = [s for s in services.names() if outbox_tables(s)]


def test_every_type_a_service_can_write_has_a_destination():
    assert set(ROUTED) == {AUDIT_RECORD, RESOURCE_VISIBILITY, *events.PAYLOADS}
    assert ROUTED[AUDIT_RECORD] == AUDIT and ROUTED[RESOURCE_VISIBILITY] == AUDIT_VISIBILITY
    assert {ROUTED[t] for t in events.PAYLOADS} == {NOTIFICATIONS}


def test_notifications_knows_every_type_it_is_sent():
    from notifications.domain.catalog import notice_for
    assert [t for t in events.PAYLOADS if notice_for(t) is None] == []


def test_the_services_with_an_outbox_are_found():
    assert {"identity", "documents"} <= set(WITH_OUTBOX)


@pytest.mark.parametrize("service", WITH_OUTBOX)
def test_the_outbox_is_written_by_the_kit_writers_only_and_relayed_whole(service):
    (table,) = outbox_tables(service)
    wrong, relays = [], 0
    for path in modules(service):
        found, started = outbox_uses(path.read_text(encoding="utf-8"), table)
        wrong += [f"{path.relative_to(services.ROOT)} {w}" for w in found]
        relays += started
    assert wrong == [], "the outbox is written only with add_envelope / add_audit_record:\n" + "\n".join(wrong)
    assert relays == 1, f"{service}: one meskit.relay.outbox_relay over its outbox, found {relays}"


@pytest.mark.parametrize("planted", [
    "kit_outbox.add_event(self.session, outbox, 'ACCESS_SETTINGS_CHANGED', patient_id, {})",
    "self.session.execute(outbox.insert().values(event_type='X'))",
    "self.session.execute(insert(outbox).values(event_type='X'))",
    "OutboxRelay(engine, outbox, publish, event_types=['ACCOUNT_CREATED'])",
])
def test_a_planted_write_or_partial_relay_is_caught(planted):
    wrong, _ = outbox_uses(f"def f(self, engine, publish, patient_id):\n    {planted}\n", "outbox")
    assert len(wrong) == 1


def test_the_kit_writers_and_the_relay_pass():
    source = ("def f(self, engine, d, r, e):\n    add_audit_record(self.session, outbox, r)\n"
              "    kit_outbox.add_envelope(self.session, outbox, e, once=True)\n    outbox_relay(engine, outbox, d)\n")
    assert outbox_uses(source, "outbox") == ([], 1)
