"""The demo's spaces: each expires 30 minutes after its last use, the store holds a bounded number,
uploads are capped per file and per space, and spaces are separate copies of the seed."""
from __future__ import annotations

from datetime import date

import pytest

from portal.demo.spaces import DemoSpaces, TooLarge, materialise


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_space_expires_thirty_minutes_after_its_last_use():
    clock = Clock()
    spaces = DemoSpaces(clock=clock)
    space = spaces.create()
    clock.now += 29 * 60
    assert spaces.get(space.space_id) is space          # used again: the 30 minutes start over
    clock.now += 29 * 60
    assert spaces.get(space.space_id) is space
    clock.now += 30 * 60
    assert spaces.get(space.space_id) is None
    assert len(spaces) == 0


def test_the_store_drops_the_least_recently_used_beyond_its_capacity():
    spaces = DemoSpaces(clock=Clock(), capacity=3)
    first, second, third = spaces.create(), spaces.create(), spaces.create()
    spaces.get(first.space_id)
    spaces.create()
    assert len(spaces) == 3
    assert spaces.get(second.space_id) is None
    assert spaces.get(first.space_id) is first and spaces.get(third.space_id) is third


def test_uploads_are_capped_per_file_and_per_space():
    spaces = DemoSpaces(clock=Clock(), max_file=100, max_space=250)
    space = spaces.create()
    with pytest.raises(TooLarge):
        spaces.keep_file(space, "a", b"x" * 101)
    spaces.keep_file(space, "a", b"x" * 100)
    spaces.keep_file(space, "b", b"x" * 100)
    with pytest.raises(TooLarge):
        spaces.keep_file(space, "c", b"x" * 100)
    assert space.stored_bytes == 200


def test_all_spaces_together_stay_under_the_total_cap_older_ones_giving_way():
    spaces = DemoSpaces(clock=Clock(), max_file=100, max_space=100, max_total=150)
    older, newer = spaces.create(), spaces.create()
    spaces.keep_file(older, "a", b"x" * 100)
    spaces.keep_file(newer, "b", b"x" * 100)
    assert spaces.get(older.space_id) is None and newer.files == {"b": b"x" * 100}


def test_spaces_are_separate_copies_with_dates_relative_to_today():
    spaces = DemoSpaces(clock=Clock(), today=lambda: date(2026, 12, 2))
    one, two = spaces.create(), spaces.create()
    one.data["collections"]["documents"].clear()
    assert two.data["collections"]["documents"]
    assert one.space_id != two.space_id
    assert two.data["account"]["birthDate"] == "1946-08-04"
    assert materialise({"d": "@D-2", "t": ["@T+5 10:30"], "x": "@ not a date"}, date(2026, 12, 2)) == {
        "d": "2026-11-30", "t": ["2026-12-07T10:30:00Z"], "x": "@ not a date"}


def test_the_demo_transport_refuses_what_it_does_not_do_and_never_claims_a_verified_history():
    import asyncio

    from portal.demo import DemoTransport
    from portal.gateway import Gateway, GatewayError

    async def run():
        spaces = DemoSpaces(clock=Clock())
        gateway = Gateway("http://demo.invalid", transport=DemoTransport(spaces))
        token = "demo:" + spaces.create().space_id
        me = await gateway.call("GET", "/v1/accounts/me", token=token)
        outcomes = []
        for method, path, used in (("GET", "/v1/audit/tree-head", token),
                                   ("GET", f"/v1/audit/inclusion-proofs/{me['accountId']}", token),
                                   ("POST", f"/v1/patients/{me['accountId']}/exports", token),
                                   ("GET", "/v1/patients/another-one/documents", token),
                                   ("GET", "/v1/accounts/me", "demo:unknown")):
            try:
                await gateway.call(method, path, token=used, json={} if method == "POST" else None)
            except GatewayError as refused:
                outcomes.append((refused.status, refused.reason))
        await gateway.close()
        return me, outcomes

    me, outcomes = asyncio.run(run())
    assert me["givenName"] == "Jacqueline"
    assert outcomes == [(404, "NOT_FOUND"), (404, "NOT_FOUND"), (403, "DEMO_UNSUPPORTED"), (404, "NOT_FOUND"),
                        (401, "UNAUTHENTICATED")]
