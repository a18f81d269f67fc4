"""The bench harness's arithmetic and parsing, on known data (nothing here is timed)."""
from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta, timezone
from email import policy

import pytest

from bench import h2load
from bench.ops import Mailbox
from bench.stats import percentile, summarize


class TestPercentile:
    def test_one_to_a_hundred(self):
        values = list(range(1, 101))
        assert percentile(values, 0) == 1
        assert percentile(values, 50) == pytest.approx(50.5)
        assert percentile(values, 99) == pytest.approx(99.01)
        assert percentile(values, 100) == 100

    def test_agrees_with_the_standard_library(self):
        values = sorted([0.3, 12.0, 4.5, 4.5, 7.25, 0.01, 99.0, 3.0, 18.5, 2.2, 6.0])
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        for q in (1, 10, 25, 50, 75, 90, 99):
            assert percentile(values, q) == pytest.approx(cuts[q - 1])

    def test_one_value_and_none(self):
        assert percentile([7.0], 99) == 7.0
        assert math.isnan(percentile([], 50))

    def test_out_of_range(self):
        with pytest.raises(ValueError):
            percentile([1.0], 101)


class TestSummarize:
    def test_rate_and_percentiles_in_seconds(self):
        summary = summarize([0.004, 0.001, 0.003, 0.002], seconds=2.0, errors=1)
        assert summary.count == 4 and summary.errors == 1
        assert summary.rate == 2.0
        assert summary.p50 == pytest.approx(0.0025)
        assert summary.max == 0.004 and summary.mean == pytest.approx(0.0025)

    def test_nothing_succeeded(self):
        summary = summarize([], seconds=5.0, errors=3)
        assert summary.count == 0 and summary.rate == 0 and math.isnan(summary.p99)


H2LOAD_OUTPUT = """finished in 12.00s, 4.00 req/s, 1.00KB/s
requests: 4 total, 4 started, 4 done, 3 succeeded, 1 failed, 0 errored, 0 timeout
status codes: 3 2xx, 0 3xx, 0 4xx, 1 5xx
traffic: 1.00KB (1024) total, 100B (100) headers (space savings 0.00%), 21B (21) data
"""


class TestH2loadParse:
    def test_latencies_from_the_log_and_errors_from_the_counts(self, tmp_path):
        log = tmp_path / "log.tsv"
        log.write_text("1700000000000000\t200\t1000\n1700000000000100\t200\t3000\n"
                       "1700000000000200\t200\t2000\n1700000000000300\t503\t500\n")
        summary = h2load.parse(H2LOAD_OUTPUT, log, h2load.Target("http://127.0.0.1:1/x"), duration=2.0)
        assert summary.count == 3 and summary.errors == 1
        assert summary.rate == 1.5
        assert summary.p50 == pytest.approx(0.002)

    def test_a_request_cut_by_the_end_of_the_window_is_no_error(self, tmp_path):
        log = tmp_path / "log.tsv"       # h2load logs the download in flight at the end with status 0
        log.write_text("1700000000000000\t200\t1000\n1700000000000100\t0\t322176\n")
        output = H2LOAD_OUTPUT.replace("4 total, 4 started, 4 done, 3 succeeded, 1 failed",
                                       "1 total, 1 started, 1 done, 1 succeeded, 0 failed")
        summary = h2load.parse(output, log, h2load.Target("http://127.0.0.1:1/x"), duration=1.0)
        assert summary.count == 1 and summary.errors == 0

    def test_grpc_answers_without_a_message_are_errors(self, tmp_path):
        log = tmp_path / "log.tsv"
        log.write_text("".join(f"17000000000000{i:02d}\t200\t1000\n" for i in range(4)))
        output = H2LOAD_OUTPUT.replace("3 succeeded, 1 failed", "4 succeeded, 0 failed").replace("(21) data", "(14) data")
        target = h2load.Target("http://127.0.0.1:1/grpc.health.v1.Health/Check", http1=False,
                               body_bytes_per_response=7)
        summary = h2load.parse(output, log, target, duration=1.0)
        assert summary.errors == 2           # 4 answers, 14 bytes = 2 messages of 7

    def test_grpc_request_framing(self):
        target = h2load.grpc_unary("127.0.0.1:5", "/grpc.health.v1.Health/Check", b"")
        assert target.body == b"\x00\x00\x00\x00\x00"
        assert target.url == "http://127.0.0.1:5/grpc.health.v1.Health/Check" and not target.http1
        assert ("te", "trailers") in target.headers


class TestMailbox:
    def test_reads_the_code_of_a_new_mail_to_one_of_its_addresses(self, tmp_path):
        from notifications.domain.codes import one_time_code_email
        (tmp_path / "0-old.eml").write_bytes(b"To: someone@example.fr\r\n\r\nold")
        mailbox = Mailbox(tmp_path, {"Paul.Bernard@cabinet.example"})
        expires = datetime.now(timezone.utc) + timedelta(minutes=5)
        for name, email, code in (("1-other.eml", "other@example.fr", "111111"),
                                  ("2-ours.eml", "paul.bernard@cabinet.example", "482913")):
            message = one_time_code_email(sender="noreply@mes.example", email=email, code=code,
                                          expires_at=expires, given_name="Paul")
            (tmp_path / name).write_bytes(message.as_bytes(policy=policy.SMTP))
        assert mailbox.wait_for_code("paul.bernard@cabinet.example", timeout=0) == "482913"
        with pytest.raises(TimeoutError):
            mailbox.wait_for_code("paul.bernard@cabinet.example", timeout=0)
