"""GetAccessContext's known_version: a context a service keeps holds only while nothing it was read
from changed, whichever process made the change; then the next answer is the new context."""
from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as pb

from meskit import clients
from meskit.access_context import AccessContextSource
from meskit.auth import SERVICE, Caller
from test_identity_access_settings import GP, PHYSIO, add_member, block, patient_md, people  # noqa: F401 (fixture)


def context(identity, patient_id, professional_id="", known_version=""):
    return identity.stub.GetAccessContext(pb.GetAccessContextRequest(
        patient_id=patient_id, professional_id=professional_id, known_version=known_version),
        metadata=identity.as_(Caller(SERVICE, "documents")))


def write(identity, statement: str, **values) -> None:
    """A change made outside this identity process (another replica, an operator's script)."""
    engine = sa.create_engine(identity.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), values)
    finally:
        engine.dispose()


class TestKnownVersion:
    def test_a_version_still_current_is_answered_unchanged_and_nothing_else(self, identity, people):
        first = context(identity, people.patient, people.professionals[GP])
        assert first.version and not first.unchanged
        again = context(identity, people.patient, people.professionals[GP], first.version)
        assert again.unchanged and again.version == first.version
        assert not again.HasField("settings") and not again.HasField("professional")

    def test_after_a_block_the_next_answer_is_the_new_context_and_after_re_adding_too(self, identity, people):
        gp = people.professionals[GP]
        add_member(identity, people, GP)
        before = context(identity, people.patient, gp)
        assert [m.professional_id for m in before.settings.care_team] == [gp]
        block(identity, people, gp)
        blocked = context(identity, people.patient, gp, before.version)
        assert not blocked.unchanged and list(blocked.settings.blocked_professional_ids) == [gp]
        assert list(blocked.settings.care_team) == []
        identity.stub.UnblockProfessional(pb.UnblockProfessionalRequest(patient_id="me", professional_id=gp),
                                          metadata=patient_md(identity, people))
        add_member(identity, people, GP)
        re_added = context(identity, people.patient, gp, blocked.version)
        assert not re_added.unchanged and list(re_added.settings.blocked_professional_ids) == []
        assert [m.professional_id for m in re_added.settings.care_team] == [gp]

    @pytest.mark.parametrize("change", [
        "INSERT INTO blocked_professionals (patient_id, professional_id, blocked_at, blocked_by_type, blocked_by_id) "
        "VALUES (:patient, :professional, now(), 'patient', :patient)",
        "UPDATE accounts SET status = 'CLOSED' WHERE account_id = :patient",
        "UPDATE access_settings SET break_glass = false WHERE patient_id = :patient",
        "DELETE FROM care_team_members WHERE patient_id = :patient",
        "UPDATE professionals SET occupational_medicine = true WHERE professional_id = :professional",
    ])
    def test_a_change_written_by_another_process_ends_the_version(self, identity, people, change):
        gp = people.professionals[GP]
        add_member(identity, people, GP)
        identity.stub.SetMaskNewDocumentsByDefault(pb.SetMaskNewDocumentsByDefaultRequest(
            patient_id="me", mask=True), metadata=patient_md(identity, people))     # her settings' row
        kept = context(identity, people.patient, gp)
        write(identity, change, patient=people.patient, professional=gp)
        assert not context(identity, people.patient, gp, kept.version).unchanged

    def test_a_general_practitioner_s_address_a_delegate_s_name_and_a_revocation_end_it(self, identity, people):
        gp = people.professionals[GP]
        add_member(identity, people, GP, pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT)
        kept = context(identity, people.patient)
        write(identity, "UPDATE professionals SET email = 'gp@example.org' WHERE professional_id = :gp", gp=gp)
        changed = context(identity, people.patient, known_version=kept.version)
        assert [g.notification_address for g in changed.general_practitioners] == ["gp@example.org"]
        of_minor = context(identity, people.minor)
        assert list(of_minor.delegate_display_names) == [people.patient]
        write(identity, "UPDATE accounts SET given_name = 'Mathilde' WHERE account_id = :id", id=people.patient)
        renamed = context(identity, people.minor, known_version=of_minor.version)
        assert renamed.delegate_display_names[people.patient].startswith("Mathilde")
        write(identity, "UPDATE delegations SET state = 'REVOKED' WHERE delegator_id = :id", id=people.minor)
        revoked = context(identity, people.minor, known_version=renamed.version)
        assert not revoked.unchanged and list(revoked.legal_representative_account_ids) == []

    def test_a_minor_s_context_holds_until_her_next_day_only(self, identity, people, clock):
        kept = context(identity, people.minor)
        assert context(identity, people.minor, known_version=kept.version).unchanged
        clock.advance(timedelta(days=1))
        assert not context(identity, people.minor, known_version=kept.version).unchanged

    def test_a_version_of_another_request_is_not_current(self, identity, people):
        kept = context(identity, people.patient, people.professionals[GP])
        assert not context(identity, people.patient, people.professionals[PHYSIO], kept.version).unchanged
        assert not context(identity, people.other_patient, people.professionals[GP], kept.version).unchanged
        assert not context(identity, people.patient, people.professionals[GP], "not a version").unchanged

    def test_an_over_long_version_is_refused(self, identity, people):
        with pytest.raises(grpc.RpcError) as error:
            context(identity, people.patient, known_version="x" * 2001)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


class TestKeptBySources:
    def test_two_replicas_of_a_service_each_see_a_block_at_their_next_request(self, identity, people):
        gp = people.professionals[GP]
        add_member(identity, people, GP)
        channels = [_service_channel(identity)
                    for _ in range(2)]
        try:
            sources = [AccessContextSource(c) for c in channels]
            for source in sources:
                assert list(source.fetch(people.patient, gp).settings.blocked_professional_ids) == []
                assert source.fetch(people.patient, gp).version          # kept, then confirmed unchanged
            block(identity, people, gp)
            for source in sources:
                assert list(source.fetch(people.patient, gp).settings.blocked_professional_ids) == [gp]
        finally:
            for c in channels:
                c.close()

    def test_the_converted_answer_is_shared_while_the_version_holds(self, identity, people):
        channel = _service_channel(identity)
        try:
            source = AccessContextSource(channel)
            converted = []

            def convert(reply):
                converted.append(reply.version)
                return object()
            first = source.fetch_as(convert, people.patient)
            assert source.fetch_as(convert, people.patient) is first and len(converted) == 1
            block(identity, people, people.professionals[PHYSIO])
            assert source.fetch_as(convert, people.patient) is not first and len(converted) == 2
        finally:
            channel.close()


def _service_channel(identity) -> grpc.Channel:
    """A channel with a service token on every call, as a service's (meskit.clients)."""
    token = identity.as_(Caller(SERVICE, "documents"))[0][1].removeprefix("Bearer ")
    return clients.channel(identity.address, token_provider=lambda: token)
