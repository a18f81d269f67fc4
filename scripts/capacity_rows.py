"""What one operation leaves in PostgreSQL, measured on a LocalPlatform: bytes per stored object
(documents metadata, audit records, notices and their deliveries) and WAL bytes per operation.
The figures scripts/capacity.py uses come from a run of this script (docs/capacity.md says which).

    python scripts/capacity_rows.py [--documents 100] [--lists 200] [--logins 20] [--mails 2000]
        [--json build/bench/rows.json]

Sequential phases (nothing else writes meanwhile): logins, patient uploads, professional deposits,
listings, an email campaign. Each phase's WAL is pg_current_wal_lsn() after minus before, over the
cluster (a database has no WAL of its own), divided by the phase's operations; checkpoints are
spread (full-page images are in it, as they would be in production). Bytes per object =
growth of pg_total_relation_size (heap, TOAST, indexes) of the tables that grow with it over the
phases / the objects added."""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in ("lib", "build/gen", "."):
    sys.path.insert(0, str(ROOT / path))

# The tables that grow with each kind of object (the outbox is relayed and pruned, so left out).
GROWING = {
    "documents": ("documents", ["documents"]),
    "audit": ("audit", ["records", "record_personal_data", "tree_nodes"]),
    "notifications": ("notifications", ["events", "deliveries", "bell_items", "letters"]),
}


def _sizes(engine) -> dict[str, dict[str, int]]:
    import sqlalchemy as sa
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid), "
            "(SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'")).all()
        out = {}
        for name, _, size, indexes in rows:
            count = connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
            width = connection.execute(sa.text(f'SELECT coalesce(avg(pg_column_size(t.*)), 0) FROM "{name}" t')).scalar()
            out[name] = {"rows": int(count), "bytes": int(size), "row_width": float(width), "indexes": int(indexes)}
    return out


def _lsn(engine) -> int:
    import sqlalchemy as sa
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")).scalar())


def _peak_rss(pid: int) -> int | None:
    """The process's resident memory high-water mark (VmHWM), in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _writes(engine) -> dict[str, int]:
    """Rows inserted + updated + deleted so far, per database of the cluster."""
    import sqlalchemy as sa
    with engine.connect() as connection:
        return {name: int(total) for name, total in connection.execute(sa.text(
            "SELECT datname, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
            "WHERE datname IS NOT NULL AND datname NOT IN ('postgres', 'template0', 'template1')")).all()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100, help="uploads by the patient, and as many by her GP")
    parser.add_argument("--lists", type=int, default=200, help="listings of her documents")
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--mails", type=int, default=2000, help="recipients of the email campaign")
    parser.add_argument("--json", type=Path, default=ROOT / "build/bench/rows.json")
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    from bench import notifications_email
    from bench.documents_audit import GP_TYPE_CODES, _drain_outbox, _post_document
    from bench.fixture import GATEWAY_ENV, prepare
    from bench.ops import KeepAliveClient
    from devtools.demo import DEMO_PASSWORD
    from devtools.platform import LocalPlatform
    from devtools.samples import blank_pdf
    from tests.e2e.demo_login import EMAIL, LOGIN_ID, PASSWORD

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))      # stop the platform on SIGTERM too
    var_dir = Path(tempfile.mkdtemp(prefix="mes-capacity-rows-"))
    platform = LocalPlatform(var_dir, log_level="WARNING", extra_env={"gateway": dict(GATEWAY_ENV)}, s3=True)
    try:
        platform.start(timeout=600)          # a shared, loaded machine starts slowly
        fixture = prepare(platform, 1)
        engines = {svc: sa.create_engine(platform.database_url(svc)) for svc in ("documents", "audit", "notifications")}
        # sizes before the phases: an object's bytes are the growth over them, so that the first
        # pages every table and index has (a few per relation) are not charged to a few hundred rows
        start = {svc: _sizes(engine) for svc, engine in engines.items()}
        wal = engines["audit"]
        patient_id = fixture.demo["patient"]["account_id"]
        gp = fixture.demo["professionals"]["gp"]
        gp_token = fixture.login((gp["login_id"], DEMO_PASSWORD, gp["email"]))["accessToken"]
        token = fixture.patient_token()
        pdf = blank_pdf()
        phases: dict[str, dict] = {}

        def settle(ctx_service: str = "documents") -> None:
            class Ctx:                       # _drain_outbox only reads ctx.fixture.platform
                pass
            ctx = Ctx()
            ctx.fixture = fixture            # type: ignore[attr-defined]
            _drain_outbox(ctx, 60, ctx_service)
            # audit's group commit and notifications' worker catch up; an idle backend reports its
            # counters to pg_stat_database within 10 s (PGSTAT_IDLE_INTERVAL)
            time.sleep(11.0)

        def phase(name: str, count: int, run) -> None:
            settle()
            before, writes = _lsn(wal), _writes(wal)
            started = time.monotonic()
            run()
            settle()
            after = _writes(wal)
            phases[name] = {"operations": count, "wal_bytes": _lsn(wal) - before,
                            "seconds": round(time.monotonic() - started, 1),
                            "row_writes": {db: after[db] - writes.get(db, 0) for db in after
                                           if after[db] - writes.get(db, 0) > 0}}
            print(f"{name}: {count} operations, {phases[name]['wal_bytes'] / count:,.0f} WAL bytes each", flush=True)

        def logins() -> None:
            for _ in range(args.logins):
                for attempt in (1, 2, 3):        # a loaded machine can time a login out; counted once
                    try:
                        fixture.login((LOGIN_ID, PASSWORD, EMAIL))
                        break
                    except RuntimeError:
                        if attempt == 3:
                            raise

        def uploads(as_gp: bool) -> None:
            client = KeepAliveClient(platform.gateway_url)
            try:
                for n in range(args.documents):
                    metadata = ({"title": f"Compte rendu {n}", "classCode": "10", "typeCode": GP_TYPE_CODES[n % 3],
                                 "documentDate": date(2024, 1 + n % 12, 1 + n % 28).isoformat()} if as_gp else
                                {"title": f"Mon document {n}", "category": "DOCUMENT_CATEGORY_BIOLOGIE",
                                 "documentDate": date(2025, 1 + n % 12, 1 + n % 28).isoformat()})
                    _post_document(client, patient_id, metadata, pdf, "document.pdf", "application/pdf",
                                   gp_token if as_gp else token)
            finally:
                client.close()

        def lists() -> None:
            client = KeepAliveClient(platform.gateway_url)
            try:
                for _ in range(args.lists):
                    status, body = client.request("GET", f"/v1/patients/{patient_id}/documents",
                                                  headers={"authorization": f"Bearer {token}"})
                    if status != 200:
                        raise RuntimeError(f"list -> {status} {body[:200]!r}")
            finally:
                client.close()

        phase("login", args.logins, logins)
        phase("patient upload", args.documents, lambda: uploads(False))
        phase("professional deposit", args.documents, lambda: uploads(True))
        phase("list documents", args.lists, lists)
        mail_url = platform.database_url("notifications_capacity")
        before = _lsn(wal)
        (run,) = notifications_email.run(mail_url, [args.mails], var_dir / "email", print)
        phases["email"] = {"operations": run.received, "wal_bytes": _lsn(wal) - before,
                           "note": "recipients seeded, campaign created, mails sent",
                           "mails_per_second": run.rate,
                           "worker_us_per_mail": run.worker_cpu_seconds / max(run.received, 1) * 1e6}

        memory = {name: _peak_rss(process.pid) for name, process in platform.processes.items()}
        tables = {svc: _sizes(engine) for svc, engine in engines.items()}
        mail_engine = sa.create_engine(mail_url)
        tables["notifications campaign"] = _sizes(mail_engine)
        mail_engine.dispose()
        objects = {}
        for kind, (svc, names) in GROWING.items():
            present = {n: tables[svc][n] for n in names if n in tables[svc]}
            before = {n: start[svc].get(n, {"rows": 0, "bytes": 0}) for n in present}
            anchor = present.get(names[0], {"rows": 0})["rows"] - before.get(names[0], {"rows": 0})["rows"]
            grown = sum(present[n]["bytes"] - before[n]["bytes"] for n in present)
            objects[kind] = {"count": anchor, "bytes": grown, "bytes_per_object": grown / anchor if anchor else None,
                             "rows_per_object": {n: (present[n]["rows"] - before[n]["rows"]) / anchor
                                                 for n in present} if anchor else None,
                             "tables": present}
        camp = tables["notifications campaign"]
        deliveries = camp.get("deliveries", {"rows": 0, "bytes": 0})
        objects["campaign delivery"] = {"count": deliveries["rows"], "bytes": deliveries["bytes"],
                                        "bytes_per_object": deliveries["bytes"] / deliveries["rows"]
                                        if deliveries["rows"] else None}
        result = {"measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "phases": phases,
                  "objects": objects, "peak_rss_bytes": memory, "tables": tables}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        for kind, o in objects.items():
            print(f"{kind}: {o['count']} objects, {o['bytes_per_object'] or 0:,.0f} bytes each (tables and indexes)")
        for name, rss in memory.items():
            print(f"{name}: peak RSS {(rss or 0) / 2**20:,.0f} MiB")
        print(f"written to {args.json}")
        for engine in engines.values():
            engine.dispose()
    finally:
        platform.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
