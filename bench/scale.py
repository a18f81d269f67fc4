"""(t)-(w): a patient's pages cost the same whatever the size of the table they are read from.

  (t) the demo patient's history page (GET /v1/patients/{id}/activity, one page of 50) through the
      gateway, the audit log holding ~10,000 records, then
  (u) the same page once the log holds ~1,000,000 records of other patients;
  (v) her list of documents (GET /v1/patients/{id}/documents, her 20) with ~10,000 documents in
      the documents table, then (w) with ~1,000,000.

The tables are filled in bulk, straight into the bench platform's databases as their owner (one
INSERT ... SELECT over generate_series naming the columns, then VACUUM (ANALYZE) and a CHECKPOINT,
so that neither autovacuum nor the checkpointer works inside the measured window), with rows shaped like real
ones for other patients (and, in the log, 60 records of hers, so that her page is full). The log's
fill keeps it a Merkle tree the service can go on appending to (leaf hashes and stored subtrees
computed in SQL, under the log's lock), but its leaves are not the canonical JSON of their fields:
`python -m audit verify` would refuse them. These measurements fill the tables, so they run last.
Short timing; h2load for the GETs, like (g)."""
from __future__ import annotations

import time

AUDIT_ROWS = (10_000, 1_000_000)
DOCUMENT_ROWS = (10_000, 1_000_000)
HER_RECORDS = 60
PAGE = 50
APPEND_LOCK = 0x6D65_7361_7564_6974   # audit.adapters.appending.APPEND_LOCK: appends wait for the fill
STORED_LEVEL_STRIDE = 4               # audit.domain.merkle.STRIDE: subtrees stored every 4 levels

_AUDIT_LEAVES = """
INSERT INTO records (leaf_index, record_id, occurred_at, appended_at, actor_type, profession_code, action,
                     activity_group, resource_type, decision, rule, access_mode, service, request_id,
                     matrix_version, personal_commitment, leaf_hash)
SELECT %(start)s + g, md5('bench-fill-record-' || (%(start)s + g))::uuid,
       now() - make_interval(secs => (g %% 31536000)), now(), 'HEALTHCARE_PROFESSIONAL', '10', 'READ',
       'MEDICAL_DOCUMENT', 'document', 'ALLOWED', 'matrix:10/11488-4', 'NORMAL', 'documents',
       'bench-fill-' || g, '', sha256(('commitment-' || g)::bytea),
       sha256('\\x00'::bytea || convert_to('bench-fill-leaf-' || (%(start)s + g), 'UTF8'))
FROM generate_series(0, %(count)s - 1) AS g"""
_AUDIT_PERSONAL = """
INSERT INTO record_personal_data (leaf_index, occurred_at, patient_id, actor_id, rpps, on_behalf_of, display_name,
                                  resource_id, resource_label, justification, salt)
SELECT r.leaf_index, r.occurred_at,
       CASE WHEN r.leaf_index - %(start)s < %(hers)s THEN %(patient)s
            ELSE 'bench-fill-patient-' || ((r.leaf_index - %(start)s) %% 100000) END,
       'bench-fill-pro-' || (r.leaf_index %% 5000), '10101234567', '', 'Dr Paul Bernard',
       'doc-' || r.leaf_index, 'Compte rendu de consultation', '', sha256(('salt-' || r.leaf_index)::bytea)
FROM records AS r WHERE r.leaf_index >= %(start)s"""
_DOCUMENTS = """
INSERT INTO documents (document_id, patient_id, title, document_date, category, class_code, type_code, author_type,
                       author_id, author_display_name, author_profession_code, author_organisation_type,
                       delegate_account_id, content_type, size_bytes, sha256, filename, object_key, masked,
                       hidden_from_patient, hidden_from_legal_representatives, state, pinned, created_at, updated_at)
SELECT md5('bench-fill-document-' || g || '-' || %(salt)s)::uuid::text, 'bench-fill-patient-' || (g %% 100000),
       'Compte rendu ' || g, date '2020-01-01' + (g %% 2000), t.category, t.class_code, t.type_code, t.author_type,
       t.author_id, t.author_display_name, t.author_profession_code, t.author_organisation_type, '',
       t.content_type, t.size_bytes, t.sha256, t.filename, md5('bench-fill-object-' || g || '-' || %(salt)s), false,
       false, false, 'available', false, now() - make_interval(secs => g), now()
FROM generate_series(1, %(count)s) AS g,
     (SELECT * FROM documents WHERE patient_id = %(patient)s ORDER BY created_at LIMIT 1) AS t"""


def _connect(ctx, database: str):
    import psycopg
    from sqlalchemy.engine import make_url
    url = make_url(ctx.fixture.platform.database_url(database)).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False))


def _settle(connection, *tables: str) -> None:
    """After a fill: statistics, visibility map and dirty pages done before the measured window, not
    by autovacuum and the checkpointer inside it."""
    connection.autocommit = True
    for table in tables:
        connection.execute(f"VACUUM (ANALYZE) {table}")
    connection.execute("CHECKPOINT")


def _store_subtrees(cursor, size: int) -> None:
    """The stored subtrees (levels 4, 8, ...) of the whole log, recomputed level by level from the
    leaves (RFC 6962 inner nodes); the ones the log had already are equal and left as they are."""
    cursor.execute("CREATE TEMP TABLE bench_level ON COMMIT DROP AS SELECT leaf_index AS i, leaf_hash AS h FROM records")
    for level in range(1, size.bit_length()):
        cursor.execute("CREATE TEMP TABLE bench_next ON COMMIT DROP AS SELECT a.i / 2 AS i, "
                       "sha256('\\x01'::bytea || a.h || b.h) AS h FROM bench_level a "
                       "JOIN bench_level b ON b.i = a.i + 1 WHERE a.i % 2 = 0")
        if level % STORED_LEVEL_STRIDE == 0:
            cursor.execute("INSERT INTO tree_nodes (level, node_index, hash) SELECT %s, i, h FROM bench_next "
                           "ON CONFLICT DO NOTHING", (level,))
        cursor.execute("DROP TABLE bench_level")
        cursor.execute("ALTER TABLE bench_next RENAME TO bench_level")


def fill_audit(ctx, total: int, patient_id: str) -> str:
    """Up to `total` records in the log (HER_RECORDS of them hers, the first time); what was done."""
    started = time.monotonic()
    with _connect(ctx, "audit") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
        start = cursor.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM records").fetchone()[0]
        have_hers = cursor.execute("SELECT count(*) FROM (SELECT 1 FROM record_personal_data WHERE patient_id = %s "
                                   "LIMIT %s) AS x", (patient_id, PAGE)).fetchone()[0]
        hers = HER_RECORDS if have_hers < PAGE else 0
        count = max(total - start, hers)
        if count <= 0:
            return f"the log holds {start:,} records already"
        partitioned = cursor.execute("SELECT to_regclass('record_ids') IS NOT NULL").fetchone()[0]
        if partitioned:              # audit's migration 0005: partitions ahead, ids unique in record_ids
            cursor.execute("SELECT audit_extend_log(%s)", (start + count,))
        cursor.execute(_AUDIT_LEAVES, {"start": start, "count": count})
        if partitioned:
            cursor.execute("INSERT INTO record_ids (record_id, leaf_index) SELECT record_id, leaf_index FROM records "
                           "WHERE leaf_index >= %s", (start,))
        cursor.execute(_AUDIT_PERSONAL, {"start": start, "hers": hers, "patient": patient_id})
        _store_subtrees(cursor, start + count)
        connection.commit()
        _settle(connection, "records", "record_personal_data", "tree_nodes")
    return (f"bulk fill of {count:,} records ({hers} hers, the others of 100,000 other patients) to {start + count:,}, "
            f"with their stored subtrees, in {time.monotonic() - started:.1f} s")


def fill_documents(ctx, total: int, patient_id: str) -> str:
    started = time.monotonic()
    with _connect(ctx, "documents") as connection, connection.cursor() as cursor:
        have = cursor.execute("SELECT count(*) FROM documents").fetchone()[0]
        count = total - have
        if count <= 0:
            return f"the documents table holds {have:,} rows already"
        cursor.execute(_DOCUMENTS, {"count": count, "patient": patient_id, "salt": have})
        connection.commit()
        _settle(connection, "documents")
    return (f"bulk fill of {count:,} documents of 100,000 other patients (shaped like her first one) to "
            f"{total:,}, in {time.monotonic() - started:.1f} s")


def _get(ctx, key: str, title: str, path: str, filled: str, what: str, expect_at_least: int):
    import json

    from bench import documents_audit, h2load
    from bench.ops import get_ok
    from bench.plan import Result, _drive
    fixture, short = ctx.fixture, documents_audit._short(ctx)
    headers = {"authorization": f"Bearer {fixture.patient_token()}"}
    body = get_ok(fixture.platform.gateway_url, path, headers)
    listed = len(json.loads(body).get(what, []))
    if listed < expect_at_least:
        raise RuntimeError(f"GET {path} listed {listed} {what}, {expect_at_least} expected at least")
    notes = [filled, f"{listed} {what} per page, {len(body):,} bytes of JSON"]
    target = h2load.Target(f"{fixture.platform.gateway_url}{path}", http1=True, headers=tuple(headers.items()))
    summary, usage, generator, concurrency = _drive(
        short, key, target, "bench.ops:http_get", (fixture.platform.gateway_url, path, headers), notes)
    return Result(key, title, generator, concurrency, summary, usage, notes=notes)


def _history(key: str, total: int):
    def measure(ctx):
        patient_id = ctx.fixture.demo["patient"]["account_id"]
        filled = fill_audit(ctx, total, patient_id)
        return _get(ctx, key, f"her history page via the gateway, ~{total:,} records in the log",
                    f"/v1/patients/{patient_id}/activity?pageSize={PAGE}", filled, "records", PAGE)
    return measure


def _documents(key: str, total: int):
    def measure(ctx):
        from bench import documents_audit
        patient_id = documents_audit._documents(ctx)["patient_id"]       # her 20 documents, seeded once
        filled = fill_documents(ctx, total, patient_id)
        return _get(ctx, key, f"her documents via the gateway, ~{total:,} documents in the table",
                    f"/v1/patients/{patient_id}/documents", filled, "documents", documents_audit.SEEDED_DOCUMENTS)
    return measure


MEASURES = [("t", _history("t", AUDIT_ROWS[0])), ("u", _history("u", AUDIT_ROWS[1])),
            ("v", _documents("v", DOCUMENT_ROWS[0])), ("w", _documents("w", DOCUMENT_ROWS[1]))]
RATIOS = [("u", "t", "her history page with ~1,000,000 / ~10,000 records in the log (1.0: cost follows the page)"),
          ("w", "v", "her documents with ~1,000,000 / ~10,000 in the table (1.0: cost follows the page)")]
