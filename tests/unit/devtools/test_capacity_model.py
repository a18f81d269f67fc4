"""scripts/capacity.py on a small hand-made bench JSON: the µs per operation it derives, the
measurement it picks for each operation, the gaps it names, the replicas and the storage it gives."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("capacity_model", ROOT / "scripts/capacity.py")
assert _spec and _spec.loader
capacity = importlib.util.module_from_spec(_spec)
sys.modules["capacity_model"] = capacity           # dataclasses look their module up there
_spec.loader.exec_module(capacity)


def result(key: str, title: str, rate: float, **cores: float) -> dict:
    return {"key": key, "title": title, "unit": "req", "summary": {"rate": rate, "count": 1, "errors": 0},
            "cpu_cores": {name.replace("_", " "): value for name, value in cores.items()}}


BENCH = {"results": [
    result("a", "login: start + code from mail + complete", 10.0, identity=2.0, gateway=0.1, postgres=0.2,
           load_generator=0.5),
    result("b", "GET /v1/accounts/me via the gateway", 500.0, identity=0.5, gateway=0.25, postgres=0.1),
    result("g", "GET /v1/patients/{id}/documents via the gateway (20 docs)", 100.0, documents=0.4,
           identity=0.2, audit=0.1, other_services=0.05, **{"bench+smtp+s3": 0.3}),
    # the old key (n) for messaging: the new bench's (n) is a bare baseline, which must not be taken for it
    result("n", "bare pipeline: Starlette -> gRPC -> SELECT (baseline)", 4000.0, baseline=1.0),
    result("o", "agenda: patient lists her calendar, via the gateway", 50.0, other_services=0.5, identity=0.1),
]}
FLAT = capacity.Assumptions(peak_factor=1.0, zone_failover=1.0)


def test_cpu_per_operation_is_cores_over_rate_and_the_platform_only():
    g = capacity.find(BENCH["results"], capacity.BY_NAME["list documents"])
    us = capacity.us_per_op(g, capacity.BY_NAME["list documents"])
    assert us == pytest.approx({"documents": 4000.0, "identity": 2000.0, "audit": 1000.0, "notifications": 500.0})
    login = capacity.us_per_op(BENCH["results"][0], capacity.BY_NAME["login"])
    assert "load generator" not in login and login["postgresql"] == pytest.approx(20_000.0)


def test_other_services_is_charged_to_the_service_the_operation_names():
    agenda = capacity.find(BENCH["results"], capacity.BY_NAME["agenda"])
    assert capacity.us_per_op(agenda, capacity.BY_NAME["agenda"]) == pytest.approx({"agenda": 10_000.0,
                                                                                    "identity": 2_000.0})


def test_per_process_figures_in_the_result_win_over_cores_without_totals_or_baselines():
    given = {**BENCH["results"][1], "cpu_us_per_op": {"identity": 700.0, "gateway": 300.0, "load generator": 90.0,
                                                      "server": 1000.0, "bare http": 400.0, "postgres": 50.0}}
    assert capacity.us_per_op(given, capacity.BY_NAME["account read"]) == {"identity": 700.0, "gateway": 300.0,
                                                                            "postgresql": 50.0}


def test_a_key_whose_title_says_another_measurement_is_not_taken():
    prices, gaps = capacity.prices(BENCH)
    assert prices["message"].source == "gap"
    assert any(g.startswith("message: (r)/(n) not in the bench JSON") for g in gaps)
    assert prices["agenda"].source == "(o)"
    assert prices["document metadata read"].source == "(g) for (o)"       # (o) is the agenda here


def test_missing_measurements_are_gaps_priced_by_their_stand_in_not_a_crash():
    prices, gaps = capacity.prices({"results": BENCH["results"][:2]})
    assert prices["list documents"].source == "gap"
    assert prices["history page"].source == "gap"       # its stand-in (g) is missing too
    assert prices["activation"].us == prices["login"].us
    assert any("history page" in g and "no stand-in" in g for g in gaps)
    report = capacity.model({"results": []}, FLAT)
    assert all(v == 0 for k, v in report.cores.items())
    assert all(z["pods"] == FLAT.min_replicas for z in report.sizing.values())


def test_cores_are_the_peak_rate_times_the_cpu_per_operation():
    a = dataclasses.replace(FLAT, peak_factor=2.0)
    report = capacity.model(BENCH, a)
    daily = capacity.daily_volumes(a)
    expected_identity = 2.0 * sum(daily[name] / capacity.DAY * us for name, us in [
        ("login", 200_000.0), ("activation", 200_000.0), ("account read", 1_000.0), ("list documents", 2_000.0),
        ("document metadata read", 2_000.0), ("history page", 2_000.0), ("agenda", 2_000.0)]) / 1e6
    assert report.cores["identity"] == pytest.approx(expected_identity)


def test_replicas_keep_two_for_availability_and_scale_at_the_target():
    a = capacity.Assumptions(target_cpu=0.5, cores_per_pod=1.0, min_replicas=2, peak_factor=4.0, zone_failover=1.5)
    small = capacity.replicas(0.3, a)
    assert small["pods"] == 2 and small["min"] == 2 and small["max"] == 4
    assert small["request"] == pytest.approx(0.3)               # 0.3 / (2 x 0.5), in 50 m steps
    big = capacity.replicas(10.0, a)
    assert big["request"] == 1.0
    assert big["pods"] == 20                                    # 10 cores at 50 % of one core each
    assert big["min"] == 5                                      # the average hour: 10 / 4 / 0.5
    assert big["max"] == 30                                     # a zone lost: 20 x 1.5
    assert capacity.replicas(1.0, a)["pods"] == 2               # exactly 2 x 0.5: not rounded up to 3


def test_storage_growth_follows_the_volumes_and_the_row_sizes():
    rows = {"source": "hand", "bytes_per_object": {"documents": 1000.0, "audit": 500.0, "notifications": 0.0,
                                                   "campaign delivery": 0.0}}
    a = dataclasses.replace(FLAT, patient_uploads_per_year=7e6, activations_per_month=0.0,
                            professional_deposits_per_year=3e6, patient_upload_mb=1.0, professional_deposit_mb=0.5)
    report = capacity.model(BENCH, a, rows)
    assert report.growth["documents metadata"] == pytest.approx(10e6 * 1000.0)
    assert report.growth["S3 objects"] == pytest.approx(7e6 * 1e6 + 3e6 * 0.5e6)
    daily = capacity.daily_volumes(a)
    records = sum(daily[op.name] * op.audit_records for op in capacity.OPERATIONS)
    assert report.growth["audit records"] == pytest.approx(records * 365 * 500.0)


def test_mail_at_the_peak_holds_the_campaign_paced_over_the_sending_hours():
    a = dataclasses.replace(FLAT, daily_active_share=0.0, activations_per_month=0.0, professional_deposits_per_year=0.0,
                            patient_uploads_per_year=0.0, notices_burst=0.0, send_hours_per_day=10.0)
    report = capacity.model(BENCH, a)
    assert report.mail["campaign per second"] == pytest.approx(375_000 / 36_000)
    assert report.mail["peak per second"] == pytest.approx(375_000 / 36_000)
    assert math.isnan(report.mail["one worker per second"])     # no (e): said, not invented
    with_e = {"results": [*BENCH["results"], {**result("e", "campaign email, 10,000 recipients, one worker", 200.0,
                                                       notifications_worker=0.8), "unit": "mail"}]}
    measured = capacity.model(with_e, a)
    assert measured.mail["workers at peak"] == 1
    assert measured.prices["email"].us == pytest.approx({"notifications": 4000.0})


def test_the_script_prints_the_tables_and_the_gaps(tmp_path, capsys):
    path = tmp_path / "last.json"
    bench = {"results": [*BENCH["results"], {**result("q", "download 5 MB via the gateway", 20.0, documents=0.2),
                                             "peak_memory_bytes": 12_500_000,
                                             "metrics": {"peak_rss_mb": 268.34, "chunk_bytes": 65536}}]}
    path.write_text(json.dumps(bench))
    capacity.main([str(path), "--set", "peak_factor=4"])
    out = capsys.readouterr().out
    for heading in ("Services at the peak", "PostgreSQL writes at the peak", "Storage growth per year", "Mail",
                    "Gaps"):
        assert heading in out
    assert "peak hour 4x the average" in out
    assert "(q) peak_memory_bytes: 12.5 MB" in out and "(q) peak_rss_mb: 268.3" in out
    assert "chunk_bytes" not in out
    assert "document download: (q) not in" not in out
    with pytest.raises(SystemExit):
        capacity.main([str(path), "--set", "no_such_assumption=1"])
