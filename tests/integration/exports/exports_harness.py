"""documents' stack with the exports service beside it (source: documents, the service of this stack
that implements ExportSubjectData on this branch), its clock moved by a file as in the e2e tests.
The session's exports builds nothing by itself (its job waits an hour): a test builds with
`build_exports()`, a replica of its own, so that an export stays running as long as a test needs."""
from __future__ import annotations

import dataclasses
import io
import zipfile

from mes.exports.v1 import exports_pb2 as pb
from mes.exports.v1 import exports_pb2_grpc

import documents_harness
from devtools.eventually import eventually
from documents_harness import Stack

documents_harness.SECRETS["exports"] = "exports-client-secret-for-tests-0123456789"
# "messaging" is served here by notifications, which never exports: a service without ExportSubjectData
SOURCES = "documents,messaging"


@dataclasses.dataclass
class ExportsStack(Stack):
    smtp: object = None

    @property
    def clock_file(self):
        return self.tmp / "exports-clock-offset"

    def move_clock(self, seconds: float) -> None:
        self.clock_file.write_text(str(seconds))

    def _build_exports(self, **overrides):
        from exports.config import ExportsSettings
        from exports.wiring import build
        if not self.clock_file.exists():
            self.move_clock(0)
        settings = self._settings(
            ExportsSettings, "exports", IDENTITY_ADDR=self.address("identity"),
            SERVICE_CLIENT_SECRET=documents_harness.SECRETS["exports"], AUDIT_ADDR=self.address("audit"),
            DOCUMENTS_ADDR=self.address("documents"), MESSAGING_ADDR=self.address("notifications"),
            NOTIFICATIONS_ADDR=self.address("notifications"),
            EXPORT_SOURCES=SOURCES, EXPORT_TTL_HOURS="48", CLOCK_OFFSET_FILE=str(self.clock_file),
            S3_ENDPOINT=f"127.0.0.1:{self.s3_port}", S3_ACCESS_KEY="test", S3_SECRET_KEY="test",
            S3_BUCKET="mes-exports-archives", S3_REGION="us-east-1", S3_SECURE="false")
        if overrides:
            settings = dataclasses.replace(settings, grpc_port=0)
        return build(settings, **{"relay_interval": 0.1, "job_interval": 3600, **overrides})

    def start_exports_replica(self, job_interval: float = 0.2):
        """Another exports replica on the same database, building; returns a function that stops it."""
        kit, engine, on_stop = self._build_exports(job_interval=job_interval)
        kit.server.start()

        def stop() -> None:
            kit.stop(0)
            on_stop()
            engine.dispose()
        return stop

    def build_exports(self, patient_id: str, export_id: str, timeout: float = 30) -> pb.Export:
        """A building replica until the export is no longer running."""
        stop = self.start_exports_replica()
        try:
            return eventually(lambda: self._settled(patient_id, export_id), timeout=timeout)
        finally:
            stop()

    def _settled(self, patient_id: str, export_id: str) -> pb.Export | None:
        found = self.exports.GetExport(pb.GetExportRequest(patient_id=patient_id, export_id=export_id),
                                       metadata=self.patient(patient_id), timeout=10)
        return found if found.state != pb.EXPORT_STATE_RUNNING else None

    @property
    def exports(self) -> exports_pb2_grpc.ExportsServiceStub:
        return self._stub("exports", exports_pb2_grpc.ExportsServiceStub)

    def download_export(self, metadata, patient_id: str, export_id: str) -> tuple[pb.Export, bytes]:
        replies = list(self.exports.DownloadExport(pb.DownloadExportRequest(patient_id=patient_id,
                                                                            export_id=export_id),
                                                   metadata=metadata, timeout=30))
        assert replies[0].WhichOneof("payload") == "metadata"
        return replies[0].metadata, b"".join(r.chunk for r in replies[1:])

    def archives(self) -> set[str]:
        return {o.object_name for o in self.s3.list_objects("mes-exports-archives", recursive=True)}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def erasing_deps(stack: ExportsStack):
    """exports' erase with its real database and object store (identity's erasure queue pulls it)."""
    from exports.adapters.repository import ExportsRepository
    from exports.config import ExportsSettings
    from exports.domain.ports import Dependencies
    from meskit import db, objects
    from exports.wiring import OBJECT_PREFIX
    settings = stack._settings(ExportsSettings, "exports", AUDIT_ADDR="unused:1", S3_ENDPOINT=f"127.0.0.1:{stack.s3_port}",
                               S3_ACCESS_KEY="test", S3_SECRET_KEY="test", S3_BUCKET="mes-exports-archives",
                               S3_REGION="us-east-1", S3_SECURE="false")
    engine = db.make_engine(stack.urls["exports"])
    return Dependencies(unit_of_work=db.unit_of_work(engine, ExportsRepository), spaces=None, audit=None, sources=[],
                        objects=objects.object_store(settings, prefix=OBJECT_PREFIX)), engine
