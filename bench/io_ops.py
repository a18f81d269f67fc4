"""Worker operations of the document and audit measurements (see bench.ops for the contract:
a factory named "module:function", built in the worker process, one call = one operation)."""
from __future__ import annotations

import io
import json
import uuid

from bench.ops import KeepAliveClient
from bench.payloads import RAW_INSERT, audit_record, raw_row


class Upload:
    """POST of a prepared multipart body on one keep-alive connection; 200 expected."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str], body: bytes):
        self._client, self._path, self._headers, self._body = KeepAliveClient(base_url, 60), path, headers, body

    def __call__(self) -> None:
        status, answer = self._client.request("POST", self._path, self._body, self._headers)
        if status != 200:
            raise RuntimeError(f"POST {self._path} -> {status} {answer[:200]!r}")
        if not json.loads(answer).get("documentId"):
            raise RuntimeError("upload answered without a documentId")

    def close(self) -> None:
        self._client.close()


def upload(base_url: str, path: str, headers: dict[str, str], body: bytes) -> Upload:
    return Upload(base_url, path, headers, body)


class S3Put:
    """minio `put_object` of the same bytes under a fresh key each time (as documents does)."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, data: bytes,
                 content_type: str, prefix: str):
        from minio import Minio
        self._client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False)
        self._bucket, self._data, self._type, self._prefix = bucket, data, content_type, prefix

    def __call__(self) -> None:
        self._client.put_object(self._bucket, f"{self._prefix}{uuid.uuid4().hex}", io.BytesIO(self._data),
                                len(self._data), content_type=self._type)


def s3_put(endpoint: str, access_key: str, secret_key: str, bucket: str, data: bytes, content_type: str,
           prefix: str = "bench/") -> S3Put:
    return S3Put(endpoint, access_key, secret_key, bucket, data, content_type, prefix)


class AuditAppend:
    """AppendRecord (batch 0) or AppendRecords (batch n) of fresh records, with a service token; a
    coroutine on a grpc.aio channel of its own. The request is serialized once, its record ids left
    as placeholders: each call fills in fresh UUIDs (same length, so the framing holds) and checks
    that every record comes back appended, under its id, not as a duplicate."""

    def __init__(self, address: str, token: str, batch: int, patient_id: str):
        import re

        import grpc
        from mes.audit.v1 import audit_pb2 as pb
        records = [audit_record(patient_id, patient_id) for _ in range(batch or 1)]
        request = pb.AppendRecordsRequest(records=records) if batch else pb.AppendRecordRequest(record=records[0])
        placeholders = b"|".join(re.escape(r.record_id.encode()) for r in records)
        self._pieces = re.split(placeholders, request.SerializeToString())
        if len(self._pieces) != len(records) + 1:
            raise RuntimeError("a record id occurs elsewhere in the request")
        self._channel = grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        method, reply = ("AppendRecords", pb.AppendRecordsResponse) if batch else \
            ("AppendRecord", pb.AppendRecordResponse)
        self._call = self._channel.unary_unary(f"/mes.audit.v1.AuditService/{method}", request_serializer=None,
                                               response_deserializer=reply.FromString)
        self._batch, self._metadata = batch, (("authorization", f"Bearer {token}"),)

    async def __call__(self) -> None:
        ids = [str(uuid.uuid4()) for _ in self._pieces[1:]]
        body = self._pieces[0] + b"".join(i.encode() + piece for i, piece in zip(ids, self._pieces[1:]))
        reply = await self._call(body, metadata=self._metadata, timeout=10)
        if self._batch:
            if [r.record_id for r in reply.records] != ids or reply.duplicate_record_ids \
                    or not all(r.leaf_hash for r in reply.records):
                raise RuntimeError(f"AppendRecords: {len(reply.records)} records back, "
                                   f"{len(reply.duplicate_record_ids)} duplicates")
        elif reply.duplicate or reply.record.record_id != ids[0] or not reply.record.leaf_hash:
            raise RuntimeError("AppendRecord: duplicate, another id or no leaf hash")

    async def close(self) -> None:
        await self._channel.close()


def audit_append(address: str, token: str, batch: int, patient_id: str = "") -> AuditAppend:
    return AuditAppend(address, token, batch, patient_id or str(uuid.uuid4()))


class RawInsert:
    """The baseline: one row per transaction (batch 0), or `batch` rows in one (executemany,
    pipelined), on a connection of its own."""

    def __init__(self, dsn: str, batch: int, patient_id: str):
        import psycopg
        self._connection = psycopg.connect(dsn, autocommit=False)
        self._batch, self._patient = batch, patient_id

    def __call__(self) -> None:
        connection = self._connection
        try:
            with connection.cursor() as cursor:
                if self._batch:
                    cursor.executemany(RAW_INSERT, [raw_row(self._patient, self._patient)
                                                    for _ in range(self._batch)])
                else:
                    cursor.execute(RAW_INSERT, raw_row(self._patient, self._patient))
            connection.commit()
        except Exception:
            connection.rollback()
            raise

    def close(self) -> None:
        self._connection.close()


def raw_insert(dsn: str, batch: int, patient_id: str = "") -> RawInsert:
    return RawInsert(dsn, batch, patient_id or str(uuid.uuid4()))
