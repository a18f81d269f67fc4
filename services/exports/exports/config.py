from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, ObjectStoreSettings, env


@dataclass(frozen=True, kw_only=True)
class ExportsSettings(CommonSettings, ObjectStoreSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (requests and downloads recorded; her history exported)")
    documents_addr: str = env("DOCUMENTS_ADDR", "", help="host:port of documents (her documents exported)")
    messaging_addr: str = env("MESSAGING_ADDR", "", help="host:port of messaging (her messages exported)")
    agenda_addr: str = env("AGENDA_ADDR", "", help="host:port of agenda (her agenda exported)")
    profile_addr: str = env("PROFILE_ADDR", "", help="host:port of profile (her medical profile exported)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    export_sources: str = env(
        "EXPORT_SOURCES", "identity,documents,messaging,agenda,profile,audit",
        help="the services whose ExportSubjectData make up an archive, comma-separated; each needs its *_ADDR")
    export_ttl_hours: int = env("EXPORT_TTL_HOURS", 72,
                                help="hours an archive can be downloaded; then its bytes are deleted")
    job_interval_seconds: float = env("EXPORT_JOB_INTERVAL_SECONDS", 5.0,
                                      help="seconds between two looks for exports to build or to expire")
    erasure_interval_seconds: float = env(
        "ERASURE_INTERVAL_SECONDS", 60.0,
        help="seconds between two pulls of identity's pending erasures (a deleted space's archives); 0 = none "
             "(when identity's erasure participants do not list exports)")
    s3_bucket: str = env("S3_BUCKET", "mes-exports")
    exports_dir: str = env("EXPORTS_DIR", "", help="folder of the archives when S3_ENDPOINT is empty")
    clock_offset_file: str = env(
        "CLOCK_OFFSET_FILE", "",
        help="TEST HOOK, never for production: a file holding seconds added to exports' clock (end-to-end tests "
             "move time with it); empty = the real clock")
