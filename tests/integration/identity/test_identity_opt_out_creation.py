"""The opt-out creation (DOMAIN.md §4.1) as the insurer, the person and the operators see it: the
feed's per-person answers, the creation letter, the opposition online and by phone with its proof,
the space created six weeks later (identity's clock moved) or at activation, the states operators count."""
from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.identity.v1 import identity_pb2 as pb
from pypdf import PdfReader

from devtools.demo import _nir, _patient
from devtools.eventually import eventually
from devtools.rpc_errors import error_details as details
from devtools.rpc_errors import error_of
from meskit.auth import PATIENT, SERVICE, Caller

from test_identity_account_events import deliveries, known, letters  # noqa: F401

PASSWORD = "Lilas-Paris-1946!"


def person(order: str, **extra) -> pb.CreateAccountRequest:
    fields = {**_patient(), "nir": _nir("2", _patient()["birth_date"], "75", "056", order), **extra}
    return pb.CreateAccountRequest(**fields)


def feed(identity, *people: pb.CreateAccountRequest) -> pb.ImportInsurerFeedResponse:
    return identity.stub.ImportInsurerFeed(pb.ImportInsurerFeedRequest(people=list(people)),
                                           metadata=identity.operator())


def announced(identity, order: str, **extra) -> pb.FeedResult:
    result = feed(identity, person(order, **extra)).results[0]
    assert result.outcome == pb.FEED_OUTCOME_ANNOUNCED, result
    return result


def status(identity, account_id: str) -> int:
    return identity.stub.GetAccount(pb.GetAccountRequest(account_id=account_id), metadata=identity.operator()).status


def oppose(identity, result: pb.FeedResult, **override) -> pb.Opposition:
    fields = {"provisional_code": result.provisional_code, "nir": result.nir,
              "vitale_serial": _patient()["vitale_serial"], **override}
    return identity.stub.RecordOpposition(pb.RecordOppositionRequest(**fields))


def activate(identity, result: pb.FeedResult, login_id: str) -> pb.ActivateAccountResponse:
    return identity.stub.ActivateAccount(pb.ActivateAccountRequest(
        provisional_code=result.provisional_code, nir=result.nir, vitale_serial=_patient()["vitale_serial"],
        login_id=login_id, password=PASSWORD, email=f"{login_id}@example.fr", accept_terms=True))


def text_of_pdf(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class TestTheFeed:
    def test_each_person_is_answered_and_a_second_feed_changes_nothing(self, identity):
        parent = announced(identity, "401", email="mere.feed@example.fr")
        newborn = person("402", given_name="Léa", birth_date=(date.today() - timedelta(days=20)).isoformat(),
                         legal_representative_account_id=parent.account_id)
        bad = person("403", vitale_serial="12", given_name="")
        reply = feed(identity, newborn, bad, person("401"))
        assert [r.outcome for r in reply.results] == [
            pb.FEED_OUTCOME_ANNOUNCED, pb.FEED_OUTCOME_REJECTED, pb.FEED_OUTCOME_ALREADY_KNOWN]
        assert (reply.announced, reply.rejected, reply.already_known) == (1, 1, 1)
        assert [r.index for r in reply.results] == [0, 1, 2]
        assert {v.field for v in reply.results[1].field_violations} == {"vitale_serial", "given_name"}
        assert reply.results[1].account_id == "" and reply.results[2].account_id == parent.account_id
        child = reply.results[0].account_id
        assert status(identity, child) == pb.ACCOUNT_STATUS_PENDING
        # the newborn's space is attached to her legal representative
        assert [d.delegate_account_id for d in identity.stub.ListDelegations(pb.ListDelegationsRequest(
            patient_id=child), metadata=identity.as_(Caller(PATIENT, parent.account_id))).delegations] == [
            parent.account_id]
        # her notice and her newborn's, which she reads
        eventually(lambda: len(deliveries(identity, parent.account_id, "ACCOUNT_CREATED")) == 2,
                   what="both creation notices")
        again = feed(identity, newborn, person("401"))
        assert [r.outcome for r in again.results] == [pb.FEED_OUTCOME_ALREADY_KNOWN] * 2
        assert [r.account_id for r in again.results] == [child, parent.account_id]
        eventually(lambda: identity.pending_outbox() == 0, what="identity's outbox relayed")
        assert len(deliveries(identity, parent.account_id, "ACCOUNT_CREATED")) == 2

    def test_two_feeds_at_once_announce_each_person_once(self, identity):
        people = [person(str(450 + i)) for i in range(5)]
        replies, start = [], threading.Barrier(2)

        def send():
            start.wait()
            replies.append(feed(identity, *people))
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(r.announced for r in replies) == 5
        assert sum(r.already_known for r in replies) == 5
        first, second = ([r.account_id for r in reply.results] for reply in replies)
        assert first == second and all(first)

    def test_without_email_the_creation_notice_is_a_letter_with_the_code(self, identity):
        result = announced(identity, "404")
        known(identity, result.account_id)
        letter = letters(identity)[result.account_id]
        assert result.provisional_code in letter and "Opposition possible jusqu'au" in letter

    def test_nobody_is_announced_whom_no_notice_can_reach(self, identity):
        [result] = feed(identity, person("407", postal_address="")).results
        assert result.outcome == pb.FEED_OUTCOME_REJECTED and "notification" in result.error
        assert [v.field for v in result.field_violations] == ["postal_address"]
        assert feed(identity, person("407", postal_address="")).results[0].outcome == pb.FEED_OUTCOME_REJECTED

    @pytest.mark.parametrize("people", [[], [person("405")] * 5001])
    def test_an_empty_or_oversized_batch_is_refused(self, identity, people):
        error = error_of(lambda: feed(identity, *people))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and details(error)[0] == {"people"}

    def test_operators_only(self, identity):
        error = error_of(lambda: identity.stub.ImportInsurerFeed(pb.ImportInsurerFeedRequest(
            people=[person("406")]), metadata=identity.as_(Caller(PATIENT, "someone"))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


class TestOpposition:
    def test_online_opposition_gives_a_proof_and_no_space(self, identity):
        result = announced(identity, "411")
        known(identity, result.account_id)
        opposition = oppose(identity, result)
        assert opposition.account_id == result.account_id and opposition.channel == "en ligne"
        text = text_of_pdf(opposition.proof_pdf)
        assert "Jacqueline Martin" in text and "ne sera pas créé" in text and opposition.reference in text
        assert status(identity, result.account_id) == pb.ACCOUNT_STATUS_OPPOSED
        # asked again, the same proof; the operator gives it too
        assert oppose(identity, result).proof_pdf == opposition.proof_pdf
        assert identity.stub.GetOppositionProof(pb.GetOppositionProofRequest(account_id=result.account_id),
                                                metadata=identity.operator()).proof_pdf == opposition.proof_pdf
        # her code does not activate any more
        error = error_of(lambda: activate(identity, result, "opposee.ligne"))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        # the notice: a letter, the proof of opposition
        eventually(lambda: deliveries(identity, result.account_id, "OPPOSITION_ENREGISTREE"),
                   what="the opposition notice")
        assert "Opposition enregistrée le" in letters(identity)[result.account_id]
        history = identity.history(result.account_id)
        assert any("Opposition" in r.resource_label for r in history)

    @pytest.mark.parametrize("wrong", [{"nir": _nir("2", _patient()["birth_date"], "75", "056", "499")},
                                       {"vitale_serial": "40999999999"}, {"provisional_code": "AAAA-BBBB-CCCC"}])
    def test_wrong_proofs_are_refused_and_change_nothing(self, identity, wrong):
        result = announced(identity, "412")
        error = error_of(lambda: oppose(identity, result, **wrong))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED and details(error)[1] == "OPPOSITION_REFUSED"
        assert status(identity, result.account_id) == pb.ACCOUNT_STATUS_PENDING

    def test_five_wrong_tries_lock_the_code_as_for_activation(self, identity):
        result = announced(identity, "413")
        for _ in range(5):
            error_of(lambda: oppose(identity, result, vitale_serial="40999999999"))
        error = error_of(lambda: oppose(identity, result))
        assert details(error)[1] == "OPPOSITION_REFUSED"
        assert status(identity, result.account_id) == pb.ACCOUNT_STATUS_PENDING
        assert details(error_of(lambda: activate(identity, result, "bloquee.code")))[1] == "ACTIVATION_REFUSED"

    def test_missing_proofs_are_named(self, identity):
        error = error_of(lambda: identity.stub.RecordOpposition(pb.RecordOppositionRequest()))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(error)[0] == {"provisional_code", "nir", "vitale_serial"}

    def test_by_phone_the_operator_records_it_audited_with_their_id(self, identity):
        result = announced(identity, "414")
        opposition = identity.stub.RecordPhoneOpposition(pb.RecordPhoneOppositionRequest(
            nir=result.nir, vitale_serial=_patient()["vitale_serial"]), metadata=identity.operator())
        assert opposition.channel == "par téléphone" and "par téléphone" in text_of_pdf(opposition.proof_pdf)
        assert status(identity, result.account_id) == pb.ACCOUNT_STATUS_OPPOSED
        record = [r for r in identity.history(result.account_id)
                  if "Opposition" in r.resource_label][0]
        assert (record.actor.type, record.actor.id) == (apb.ACTOR_TYPE_OPERATOR, "demo-seed")

    def test_by_phone_unknown_person_or_patient_caller(self, identity):
        result = announced(identity, "415")
        error = error_of(lambda: identity.stub.RecordPhoneOpposition(pb.RecordPhoneOppositionRequest(
            nir=result.nir, vitale_serial="40999999999"), metadata=identity.operator()))
        assert error.code() == grpc.StatusCode.NOT_FOUND
        error = error_of(lambda: identity.stub.RecordPhoneOpposition(pb.RecordPhoneOppositionRequest(
            nir=result.nir, vitale_serial=_patient()["vitale_serial"]),
            metadata=identity.as_(Caller(PATIENT, result.account_id))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert status(identity, result.account_id) == pb.ACCOUNT_STATUS_PENDING

    def test_a_space_created_directly_is_not_opposed_but_closed(self, identity):
        created = identity.stub.CreateAccount(person("416"), metadata=identity.operator())
        result = pb.FeedResult(nir=person("416").nir, provisional_code=created.provisional_code)
        error = error_of(lambda: oppose(identity, result))
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and details(error)[1] == "SPACE_EXISTS"


def run_pass(identity, clock) -> int:
    """One pass of the creation job, as another replica of identity runs it on the same database."""
    import sqlalchemy as sa
    from identity.adapters.repository import IdentityRepository
    from identity.domain import creation_jobs
    from identity.domain.policy import Policy
    from identity.domain.ports import Dependencies
    from meskit import db
    engine = sa.create_engine(identity.database_url)
    try:
        return creation_jobs.run_due(Dependencies(
            unit_of_work=db.unit_of_work(engine, IdentityRepository), hasher=None, code_sender=None,  # type: ignore[arg-type]
            signer=None, policy=Policy(), now=clock))  # type: ignore[arg-type]
    finally:
        engine.dispose()


class TestTheSpaceIsCreated:
    def test_replicas_at_once_create_each_space_once(self, identity, clock):
        results = feed(identity, *[person(str(440 + i)) for i in range(6)]).results
        clock.advance(timedelta(weeks=6, minutes=5))
        start = threading.Barrier(3)

        def one_pass():
            start.wait()
            run_pass(identity, clock)
        threads = [threading.Thread(target=one_pass) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # identity's own loop ran beside them too: a space it claimed is created when its pass commits
        eventually(lambda: {status(identity, r.account_id) for r in results} == {pb.ACCOUNT_STATUS_CREATED},
                   what="every space created")
        for r in results:
            assert len([h for h in identity.history(r.account_id) if "sans opposition" in h.resource_label]) == 1
        assert run_pass(identity, clock) == 0

    def test_six_weeks_without_an_answer_then_she_activates(self, identity, clock):
        untouched = announced(identity, "421")
        opposed = announced(identity, "422")
        oppose(identity, opposed)
        clock.advance(timedelta(weeks=6, hours=1))
        eventually(lambda: status(identity, untouched.account_id) == pb.ACCOUNT_STATUS_CREATED,
                   what="the space created six weeks after the notice")
        assert status(identity, opposed.account_id) == pb.ACCOUNT_STATUS_OPPOSED
        assert any("sans opposition" in r.resource_label for r in identity.history(untouched.account_id))
        error = error_of(lambda: oppose(identity, untouched))
        assert details(error)[1] == "SPACE_EXISTS"
        assert activate(identity, untouched, "creee.apres").account.status == pb.ACCOUNT_STATUS_ACTIVE

    def test_activating_before_creates_the_space_at_once(self, identity):
        result = announced(identity, "423")
        assert activate(identity, result, "active.avant").account.status == pb.ACCOUNT_STATUS_ACTIVE

    def test_services_see_where_the_space_is(self, identity):
        result = announced(identity, "424")

        def patient_status() -> int:
            return identity.stub.GetAccessContext(pb.GetAccessContextRequest(patient_id=result.account_id),
                                                  metadata=identity.as_(Caller(SERVICE, "documents"))).patient_status
        assert patient_status() == pb.ACCOUNT_STATUS_PENDING
        oppose(identity, result)
        assert patient_status() == pb.ACCOUNT_STATUS_OPPOSED

    def test_operators_count_the_states(self, identity):
        def counts() -> dict[int, int]:
            reply = identity.stub.CountAccountsByStatus(pb.CountAccountsByStatusRequest(),
                                                        metadata=identity.operator())
            return {c.status: c.count for c in reply.counts}
        before = counts()
        first, second = announced(identity, "431"), announced(identity, "432")
        oppose(identity, second)
        after = counts()
        assert after.get(pb.ACCOUNT_STATUS_PENDING, 0) == before.get(pb.ACCOUNT_STATUS_PENDING, 0) + 1
        assert after.get(pb.ACCOUNT_STATUS_OPPOSED, 0) == before.get(pb.ACCOUNT_STATUS_OPPOSED, 0) + 1
        assert first.account_id
        error = error_of(lambda: identity.stub.CountAccountsByStatus(
            pb.CountAccountsByStatusRequest(), metadata=identity.as_(Caller(PATIENT, first.account_id))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_operators_list_the_accounts_of_a_state(self, identity):
        first, second = announced(identity, "433"), announced(identity, "434")
        announced(identity, "435")
        oppose(identity, first)

        def listed(status_: int, **paging) -> pb.ListAccountsResponse:
            return identity.stub.ListAccounts(pb.ListAccountsRequest(status=status_, **paging),
                                              metadata=identity.operator())
        assert first.account_id in [a.account_id for a in listed(pb.ACCOUNT_STATUS_OPPOSED).accounts]
        pending = [a.account_id for a in listed(pb.ACCOUNT_STATUS_PENDING).accounts]
        assert second.account_id in pending and first.account_id not in pending
        page = listed(pb.ACCOUNT_STATUS_PENDING, page_size=1)
        assert len(page.accounts) == 1 and page.next_page_token
        error = error_of(lambda: listed(pb.ACCOUNT_STATUS_UNSPECIFIED))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and details(error)[0] == {"status"}
