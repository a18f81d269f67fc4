"""Admission of requests in flight (gateway.overload) and whose bucket a token draws from."""
from __future__ import annotations

import asyncio

import pytest

from gateway.endpoint import rate_key
from gateway.overload import Admission
from gateway.problems import Problem
from meskit.auth import Caller


def test_beyond_its_limit_without_a_wait_a_request_is_refused_with_retry_after():
    async def run():
        admission = Admission(2, wait=0)
        assert admission.try_enter() and admission.try_enter()
        with pytest.raises(Problem) as refused:
            await admission.enter()
        admission.leave()
        await admission.enter()   # a slot given back is taken again
        return refused.value
    problem = asyncio.run(run())
    assert (problem.status, problem.code, problem.reason) == (503, "UNAVAILABLE", "OVERLOADED")
    assert problem.headers == {"retry-after": "1"}


def test_a_waiting_request_gets_the_next_free_slot_in_arrival_order():
    async def run():
        admission = Admission(2, wait=3600)
        await admission.enter()
        await admission.enter()
        first, second = (asyncio.ensure_future(admission.enter()) for _ in range(2))
        await asyncio.sleep(0)
        assert not first.done() and not second.done()
        admission.leave()
        await first
        assert not second.done() and admission.in_flight == 2
        admission.leave()
        await second
        for _ in range(2):
            admission.leave()
        return admission.in_flight
    assert asyncio.run(run()) == 0


def test_at_most_limit_requests_wait_and_one_that_times_out_is_refused():
    async def run():
        admission = Admission(1, wait=3600)
        await admission.enter()
        waiting = asyncio.ensure_future(admission.enter())
        await asyncio.sleep(0)
        with pytest.raises(Problem):   # the queue is full: refused at once
            await admission.enter()
        waiting.cancel()               # its client went away: it no longer waits
        with pytest.raises(asyncio.CancelledError):
            await waiting
        short = Admission(1, wait=0.01)
        short.try_enter()
        with pytest.raises(Problem):
            await short.enter()        # nobody left within the wait
        admission.leave()
        return admission.in_flight, short.in_flight
    assert asyncio.run(run()) == (0, 1)


def test_zero_disables():
    assert not Admission(0, wait=0.25).enabled


def test_a_token_is_limited_by_its_subject_and_for_whom_it_acts():
    patient = Caller("patient", "acc-1", token_id="jti-1")
    assert rate_key(patient) == rate_key(Caller("patient", "acc-1", token_id="jti-2"))   # a refreshed token
    assert rate_key(patient) != rate_key(Caller("professional", "acc-1"))
    app_for_her, app_for_him = (Caller("app", "app-1", on_behalf_of=p) for p in ("acc-1", "acc-2"))
    assert rate_key(app_for_her) != rate_key(app_for_him)
