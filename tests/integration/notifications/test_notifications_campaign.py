"""Campaigns: sent at a configured rate, progress readable, pausable and resumable, audience
chosen from what identity told us; exactly once across replicas and across a kill -9."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

import grpc
import pytest
from mes.notifications.v1 import notifications_pb2 as pb
from mes.notifications.v1 import notifications_pb2_grpc

from notifications_harness import ROOT, Harness, python_env, settings_env
from devtools.eventually import eventually, settled
from devtools.platform import terminate
from meskit import db

KILL_TEST_RECIPIENTS = int(os.environ.get("NOTIFICATIONS_KILL_TEST_RECIPIENTS", "10000"))
UNLIMITED = 2_000_000_000          # per day: as fast as the worker goes


def seed(h, count: int, prefix: str = "r") -> list[str]:
    """People identity described (a bulk load, as an initial import would do): adults, not activated,
    with an email."""
    from notifications.adapters.repository import NotificationsRepository
    ids = [f"{prefix}{i:06d}" for i in range(count)]
    session_factory = db.make_session_factory(h.engine)
    with session_factory.begin() as session:
        repo = NotificationsRepository(session)
        for start in range(0, count, 5000):
            repo.add_recipients([{"account_id": a, "given_name": "Camille", "family_name": "Durand",
                                  "email": f"{a}@example.test", "as_of": sa_now()} for a in ids[start:start + 5000]])
    return ids


def sa_now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


def create(h, ids=(), rate=UNLIMITED, audience=pb.CAMPAIGN_AUDIENCE_UNSPECIFIED, name="Activation 2024"):
    return h.stub.CreateCampaign(pb.CreateCampaignRequest(name=name, template="activation", rate_per_day=rate,
                                                          recipient_account_ids=list(ids), audience=audience),
                                 metadata=h.operator(), timeout=60)


def progress(h, campaign_id) -> pb.Campaign:
    return h.stub.GetCampaign(pb.GetCampaignRequest(campaign_id=campaign_id), metadata=h.operator())


def wait_done(h, campaign_id, timeout: float) -> pb.Campaign:
    def done():
        campaign = progress(h, campaign_id)
        return campaign if campaign.state == pb.CAMPAIGN_STATE_DONE else None
    return eventually(done, timeout, interval=0.1, what=f"campaign {campaign_id} done")


def mail_files(h) -> list:
    return sorted(h.smtp.directory.glob("*.eml"))


def headers_of(paths) -> list:
    parser = BytesHeaderParser(policy=default_policy)
    found = []
    for path in paths:
        with open(path, "rb") as handle:
            found.append(parser.parse(handle))
    return found


class TestRate:
    def test_sent_at_the_configured_rate_paused_and_resumed(self, notifications):
        h = notifications
        ids = seed(h, 60)
        before = time.monotonic()
        campaign = create(h, ids, rate=10 * 86400)           # 10 a second
        assert (campaign.state, campaign.total_recipients, campaign.pending) == (pb.CAMPAIGN_STATE_RUNNING, 60, 60)
        sent = eventually(lambda: progress(h, campaign.campaign_id).sent, what="a first campaign mail")
        # Never faster than the rate (the bucket starts empty); a busy machine may only send fewer.
        assert sent <= 10 * (time.monotonic() - before)
        paused = h.stub.PauseCampaign(pb.PauseCampaignRequest(campaign_id=campaign.campaign_id), metadata=h.operator())
        assert paused.state == pb.CAMPAIGN_STATE_PAUSED
        # what was in flight lands, then a whole second passes with nothing sent
        held = settled(lambda: progress(h, campaign.campaign_id).sent, quiet=1.0)
        assert progress(h, campaign.campaign_id).sent == held < 60
        h.stub.ResumeCampaign(pb.ResumeCampaignRequest(campaign_id=campaign.campaign_id), metadata=h.operator())
        done = wait_done(h, campaign.campaign_id, 30)
        assert (done.state, done.sent, done.pending, done.total_recipients) == (pb.CAMPAIGN_STATE_DONE, 60, 0, 60)
        assert done.finished_at.seconds > 0
        mails = h.wait_mails(60)
        assert len(mails) == 60 and mails[0]["Subject"] == "Activez votre profil Mon espace santé"
        with pytest.raises(grpc.RpcError) as finished:
            h.stub.ResumeCampaign(pb.ResumeCampaignRequest(campaign_id=campaign.campaign_id), metadata=h.operator())
        assert finished.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    def test_only_operators_run_campaigns(self, notifications):
        h = notifications
        with pytest.raises(grpc.RpcError) as denied:
            h.stub.CreateCampaign(pb.CreateCampaignRequest(name="x", template="activation", rate_per_day=1,
                                                           recipient_account_ids=["a"]), metadata=h.patient("a"))
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as invalid:
            h.stub.CreateCampaign(pb.CreateCampaignRequest(name="x", template="nope", rate_per_day=0),
                                  metadata=h.operator())
        assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert {v.field for v in _violations(invalid.value)} >= {"template", "rate_per_day", "recipient_account_ids"}


def _violations(error):
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status
    status = rpc_status.from_call(error)
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return list(bad.field_violations)
    return []


class TestAudience:
    def test_the_activation_campaign_reaches_adults_not_activated_with_a_working_email(self, notifications):
        h = notifications
        h.person("eligible1", email="e1@example.test")
        h.person("eligible2", email="e2@example.test")
        h.person("active", email="active@example.test", activated=True)
        h.person("child", email="child@example.test", minor=True)
        h.person("noemail", postal_address="1 rue A\n75001 Paris")
        h.person("optedout", email="out@example.test")
        h.smtp.handler.refuse.add("gone@example.test")
        h.person("bounced", email="gone@example.test", postal_address="1 rue A\n75001 Paris")
        bounced, _ = h.publish("bounced")                      # the 550 marks this address bad
        h.wait_statuses(bounced, lambda s: any(x.channel == pb.CHANNEL_POSTAL for x in s))
        optout = create(h, ["optedout"], name="previous")
        (mail,) = h.wait_mails(1, to="out@example.test")
        query = mail["List-Unsubscribe"].strip("<>").split("?", 1)[1]
        assert "category=campaign" in query
        token = dict(part.split("=", 1) for part in query.split("&"))["token"]
        h.stub.Unsubscribe(pb.UnsubscribeRequest(token=token, category="campaign"))
        wait_done(h, optout.campaign_id, 10)

        campaign = create(h, audience=pb.CAMPAIGN_AUDIENCE_NOT_ACTIVATED_ADULTS_WITH_EMAIL)
        done = wait_done(h, campaign.campaign_id, 15)
        assert done.audience_complete and (done.total_recipients, done.sent) == (2, 2)
        assert sorted(m["To"] for m in h.wait_mails(3) if m["To"] != "out@example.test") == [
            "e1@example.test", "e2@example.test"]

    def test_a_listed_person_who_activated_meanwhile_is_skipped(self, notifications):
        h = notifications
        h.person("p1", email="p1@example.test", activated=True)
        h.person("p2", email="p2@example.test")
        done = wait_done(h, create(h, ["p1", "p2", "unknown"]).campaign_id, 10)
        assert (done.sent, done.skipped, done.total_recipients) == (1, 2, 3)


class TestExactlyOnce:
    def test_two_replicas_never_send_the_same_mail(self, make_notifications):
        replicas = [make_notifications(EMAIL_WORKERS="2", WORKER_BATCH_SIZE="20") for _ in range(2)]
        h = replicas[0]
        ids = seed(h, 2000)
        campaign = create(h, ids)
        done = wait_done(replicas[1], campaign.campaign_id, 60)
        assert (done.state, done.sent) == (pb.CAMPAIGN_STATE_DONE, 2000)
        eventually(lambda: len(mail_files(h)) >= 2000, interval=0.1, what="2000 mails")
        headers = headers_of(mail_files(h))
        assert len(headers) == 2000
        assert len({m["Message-ID"] for m in headers}) == 2000 and len({m["To"] for m in headers}) == 2000

    def test_kill_9_in_the_middle_then_restart_sends_each_mail_exactly_once(self, migrated_database, smtp, keys,
                                                                            tmp_path):
        """The acceptance test: `python -m notifications` killed with SIGKILL mid-campaign."""
        import sqlalchemy as sa
        signer, jwks, vapid = keys
        url = migrated_database("notifications")
        env = {**python_env(), **settings_env(url, jwks, smtp.port, tmp_path / "letters", vapid,
                                              EMAIL_WORKERS="2", DELIVERY_LEASE_SECONDS="3")}
        log_path = tmp_path / "notifications.log"
        logs = open(log_path, "ab")

        def start() -> tuple[subprocess.Popen, grpc.Channel]:
            """The process on port 0, and a channel to the port it reports serving on."""
            since = log_path.stat().st_size
            process = subprocess.Popen([sys.executable, "-m", "notifications"], cwd=ROOT, env=env, stdout=logs,
                                       stderr=subprocess.STDOUT)
            port = eventually(lambda: serving_port(log_path, since), timeout=60, interval=0.1,
                              what="notifications serving")
            return process, grpc.insecure_channel(f"127.0.0.1:{port}")

        process, channel = start()
        engine = sa.create_engine(url)
        h = Harness(notifications_pb2_grpc.NotificationsServiceStub(channel), "", signer, smtp, tmp_path, url, env,
                    engine)
        try:
            ids = seed(h, KILL_TEST_RECIPIENTS)
            campaign = create(h, ids)
            eventually(lambda: len(mail_files(h)) >= KILL_TEST_RECIPIENTS // 4, timeout=120, interval=0.02,
                       what="a quarter of the campaign sent")
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            at_kill = settled(lambda: len(mail_files(h)))          # a last "." already sent lands, then nothing
            assert 0 < at_kill < KILL_TEST_RECIPIENTS, "the campaign was not killed in the middle"
            channel.close()
            process, channel = start()
            h.stub = notifications_pb2_grpc.NotificationsServiceStub(channel)
            done = wait_done(h, campaign.campaign_id, timeout=300)
            assert (done.state, done.sent, done.pending) == (pb.CAMPAIGN_STATE_DONE, KILL_TEST_RECIPIENTS, 0)
            settled(lambda: len(mail_files(h)))                                   # no extra one comes
            headers = headers_of(mail_files(h))
            message_ids = Counter(m["Message-ID"] for m in headers)
            # Each person has her mail, under one Message-ID. A second copy is possible only for a sender
            # killed between its "." and its mark (README, "exactly once"), so at most one per sender.
            assert len(message_ids) == KILL_TEST_RECIPIENTS
            assert sorted({m["To"] for m in headers}) == sorted(f"{a}@example.test" for a in ids)
            twice = [mid for mid, count in message_ids.items() if count > 1]
            assert len(headers) - KILL_TEST_RECIPIENTS == len(twice) <= int(env["EMAIL_WORKERS"]), (
                f"{len(headers)} mails, killed at {at_kill}")
        finally:
            terminate(process, 15)
            channel.close()
            engine.dispose()
            logs.close()


def serving_port(log_path, since: int) -> int | None:
    """The port a service process reports in its "serving" log line, written after byte `since`."""
    with open(log_path, "rb") as handle:
        handle.seek(since)
        for line in handle.read().decode(errors="replace").split("\n")[:-1]:     # whole lines only
            if line.startswith("{") and json.loads(line).get("message") == "serving":
                return json.loads(line)["port"]
    return None
