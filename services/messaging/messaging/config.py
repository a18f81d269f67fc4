from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, ObjectStoreSettings, env


@dataclass(frozen=True, kw_only=True)
class MessagingSettings(CommonSettings, ObjectStoreSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (reads are refused while it cannot record them)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    # Attachment bytes: any S3 endpoint, or a local folder when S3_ENDPOINT is empty (make run).
    s3_bucket: str = env("S3_BUCKET", "mes-messaging")
    messaging_dir: str = env("MESSAGING_DIR", "", help="folder of the attachment bytes when S3_ENDPOINT is empty")
    documents_addr: str = env("DOCUMENTS_ADDR", "",
                              help="host:port of documents (prescriptions to a pharmacy, saving attachments); "
                                   "empty = those two answer UNAVAILABLE")
