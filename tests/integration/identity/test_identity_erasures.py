"""A space's deletion over real gRPC (DOMAIN §4.4): closed with a deletion request, reopened within
the delay (nothing is erased), or erased once the delay is over: the services that pull their
erasures list and report them, identity erases its own data last and the space is DELETED; what each
service reported is shown to operators; a space archived ten years is erased the same way. The
services identity tells (notifications, audit) are left out here (ERASURE_TOLD none): they answer
EraseSubjectData in the end-to-end test."""
from __future__ import annotations

import re
from datetime import timedelta

import grpc
import pytest
from mes.identity.v1 import identity_pb2 as pb
from mes.lifecycle.v1 import lifecycle_pb2 as lpb

from devtools.eventually import eventually
from devtools.smtp_sink import read_mails, text_of
from meskit.auth import PROFESSIONAL, SERVICE, Caller
from test_identity_closure import PASSWORD, Holders
from test_identity_delegations import fails

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


@pytest.fixture
def identity_env() -> dict[str, str]:
    return {"ERASURE_TOLD": "none", "ERASURE_PULLED_BY": "documents,messaging", "ERASURE_JOBS_INTERVAL_SECONDS": "0.2",
            "DELETION_DELAY_DAYS": "30"}


@pytest.fixture
def holders(identity) -> Holders:
    return Holders(identity)


def service(identity, name: str):
    return identity.as_(Caller(SERVICE, name))


def pending(identity, name: str) -> list[pb.PendingErasure]:
    return list(identity.stub.ListPendingErasures(pb.ListPendingErasuresRequest(), metadata=service(identity, name))
                .erasures)


def report(identity, name: str, erasure_id: str, **erased: int) -> bool:
    return identity.stub.ReportErasure(pb.ReportErasureRequest(
        erasure_id=erasure_id, erased=[lpb.ErasedCount(kind=k, count=c) for k, c in erased.items()]),
        metadata=service(identity, name)).erasure_complete


def erasures_of(identity, account_id: str) -> list[pb.Erasure]:
    return list(identity.stub.ListErasures(pb.ListErasuresRequest(account_id=account_id),
                                           metadata=identity.operator()).erasures)


def reopen(identity, holders: Holders, account_id: str) -> pb.Session:
    """She logs in again asking to reopen: her password, then the code mailed to her."""
    login_id = holders.login_id(account_id)
    before = len(read_mails(identity.mail_dir))
    started = identity.stub.StartLogin(pb.StartLoginRequest(login_id=login_id, password=PASSWORD, reopen=True))

    def code():
        for mail in read_mails(identity.mail_dir)[before:]:
            found = re.search(r"\b(\d{6})\b", text_of(mail)) if "connexion" in text_of(mail).lower() else None
            if found:
                return found.group(1)
        return None
    return identity.stub.CompleteLogin(pb.CompleteLoginRequest(
        challenge_id=started.challenge_id, code=eventually(code, what="the login code mailed"), reopen=True))


def test_she_closes_asking_for_deletion_and_reopens_within_the_delay(identity, holders, clock):
    jeanne = holders.holder("Jeanne")
    closed = holders.close(holders.md(jeanne), delete_data=True)
    assert closed.status == pb.ACCOUNT_STATUS_CLOSED
    assert holders.context(jeanne).patient_space_closed
    [label] = [r.resource_label for r in identity.history(jeanne) if r.resource_label.startswith("Clôture")]
    assert label.startswith("Clôture du profil Mon espace santé, suppression des données le ")
    fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                password=PASSWORD)), PRECONDITION, "ACCOUNT_CLOSED")

    clock.advance(timedelta(days=29))
    session = reopen(identity, holders, jeanne)

    assert session.access_token
    assert holders.status(jeanne) == pb.ACCOUNT_STATUS_ACTIVE
    assert not holders.context(jeanne).patient_space_closed
    assert "Réouverture du profil Mon espace santé" in [r.resource_label for r in identity.history(jeanne)]
    clock.advance(timedelta(days=5))            # past the cancelled deletion date
    holders.login(jeanne)                        # an ordinary login again
    assert pending(identity, "documents") == [] and erasures_of(identity, jeanne) == []


def test_after_the_delay_every_service_erases_then_identity_and_the_space_is_deleted(identity, holders, clock):
    jeanne, kept = holders.holder("Jeanne"), holders.holder("Paul", "Martin")
    caregiver = holders.holder("Marc", "Petit")
    holders.caregiver_of(jeanne, caregiver)
    holders.close(holders.md(jeanne), delete_data=True)
    assert pending(identity, "documents") == []          # not before the date

    clock.advance(timedelta(days=30, minutes=1))
    [item] = eventually(lambda: pending(identity, "documents"), what="the erasure started")
    assert item.account_id == jeanne and pending(identity, "messaging") == [item]
    # once started, the space cannot be reopened
    fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                password=PASSWORD, reopen=True)),
          PRECONDITION, "ERASURE_STARTED")

    assert report(identity, "documents", item.erasure_id, documents=3, objects=4) is False
    assert report(identity, "documents", item.erasure_id, documents=0) is False      # the first report stays
    assert pending(identity, "documents") == [] and pending(identity, "messaging") == [item]
    [under_way] = erasures_of(identity, jeanne)
    assert (list(under_way.waiting_for), under_way.reason) == (["messaging"], "REQUESTED")

    assert report(identity, "messaging", item.erasure_id, messages=2) is True

    [done] = erasures_of(identity, jeanne)
    assert done.completed_at.seconds > 0 and list(done.waiting_for) == []
    reports = {r.service: {c.kind: c.count for c in r.erased} for r in done.reports}
    assert [r.service for r in done.reports] == ["documents", "messaging", "identity"]
    assert reports["documents"] == {"documents": 3, "objects": 4}
    assert reports["identity"]["credentials"] == 1 and reports["identity"]["delegations"] == 1
    account = identity.stub.GetAccount(pb.GetAccountRequest(account_id=jeanne), metadata=identity.operator())
    assert (account.status, account.given_name, account.family_name, account.email, account.login_id) == (
        pb.ACCOUNT_STATUS_DELETED, "", "", "", "")
    assert holders.sql("SELECT count(*) FROM refresh_tokens WHERE subject_id = :a", a=jeanne)[0][0] == 0
    assert holders.status(kept) == pb.ACCOUNT_STATUS_ACTIVE
    assert report(identity, "messaging", item.erasure_id) is True                    # idempotent
    fails(lambda: holders.close(holders.md(jeanne), delete_data=True), PRECONDITION, "ACCOUNT_DELETED")
    fails(lambda: identity.stub.StartLogin(pb.StartLoginRequest(login_id=holders.login_id(jeanne),
                                                                password=PASSWORD, reopen=True)),
          grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS")


def test_a_space_archived_ten_years_is_erased(identity, holders, clock):
    jeanne = holders.holder("Jeanne")
    holders.close(holders.md(jeanne))
    clock.advance(timedelta(days=365 * 5))
    assert pending(identity, "documents") == []
    clock.advance(timedelta(days=365 * 5 + 4))
    [item] = eventually(lambda: pending(identity, "documents"), what="the archive's end")
    assert item.account_id == jeanne
    assert erasures_of(identity, jeanne)[0].reason == "RETENTION"


def test_only_the_participants_list_and_report_and_bad_reports_are_refused(identity, holders, clock):
    fails(lambda: pending(identity, "exports"), grpc.StatusCode.PERMISSION_DENIED, "NOT_PARTICIPANT")
    fails(lambda: identity.stub.ListPendingErasures(pb.ListPendingErasuresRequest(),
                                                    metadata=identity.as_(Caller(PROFESSIONAL, "pro-1"))),
          grpc.StatusCode.PERMISSION_DENIED)
    fails(lambda: identity.stub.ListErasures(pb.ListErasuresRequest(), metadata=service(identity, "documents")),
          grpc.StatusCode.PERMISSION_DENIED, "NOT_OPERATOR")
    fails(lambda: report(identity, "documents", "00000000-0000-0000-0000-000000000000"), grpc.StatusCode.NOT_FOUND)
    jeanne = holders.holder("Jeanne")
    holders.close(holders.md(jeanne), delete_data=True)
    clock.advance(timedelta(days=31))
    [item] = eventually(lambda: pending(identity, "documents"), what="the erasure started")
    fails(lambda: report(identity, "documents", item.erasure_id, documents=-1), grpc.StatusCode.INVALID_ARGUMENT)
    assert pending(identity, "documents") == [item]


def test_the_services_identity_tells_are_told_until_they_answer_once(identity, holders, clock):
    """The job's pass on the real database, with the services identity tells standing in as callables
    (the real notifications and audit answer in the end-to-end test): one that does not answer yet
    is told again at the next pass, one that answered is not told again, and the last answer
    finishes the erasure."""
    from meskit import db
    from identity.adapters.passwords import Argon2Hasher
    from identity.adapters.repository import IdentityRepository
    from identity.domain import erasures
    from identity.domain.policy import Policy
    from identity.domain.ports import Dependencies

    jeanne = holders.holder("Jeanne")
    holders.close(holders.md(jeanne), delete_data=True)
    calls: list[str] = []
    audit_up = {"answering": False}

    def notifications(account_id: str, erasure_id: str):
        calls.append("notifications")
        return {"bell": 2}

    def audit(account_id: str, erasure_id: str):
        calls.append("audit")
        return {"records": 5} if audit_up["answering"] else None

    engine = db.make_engine(identity.database_url, pool_size=1)
    try:
        deps = Dependencies(unit_of_work=db.unit_of_work(engine, IdentityRepository), hasher=Argon2Hasher(),
                            code_sender=None, signer=None, policy=Policy(), now=lambda: clock() + timedelta(days=31))  # type: ignore[arg-type]
        plan = erasures.ErasurePlan(pulled=(), pushed={"audit": audit, "notifications": notifications})
        erasures.run_due(deps, plan)
        assert calls == ["audit", "notifications"]
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_CLOSED          # audit has not answered
        erasures.run_due(deps, plan)
        assert calls == ["audit", "notifications", "audit"]                # only audit told again
        audit_up["answering"] = True
        erasures.run_due(deps, plan)
        assert holders.status(jeanne) == pb.ACCOUNT_STATUS_DELETED
        [done] = erasures_of(identity, jeanne)
        assert [r.service for r in done.reports] == ["audit", "notifications", "identity"]
        erasures.run_due(deps, plan)
        assert calls == ["audit", "notifications", "audit", "audit"]
    finally:
        engine.dispose()
