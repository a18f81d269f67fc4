from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, ObjectStoreSettings, env

from messaging.domain.models import PATIENT_DOMAIN


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
    # The MSSanté bridge (DOMAIN §10.6): a patient's address is <NIR+key>@<patient domain>, which
    # also names the Message-IDs of what is written here.
    mssante_patient_domain: str = env("MSSANTE_PATIENT_DOMAIN", PATIENT_DOMAIN,
                                      help="domain of patients' MSSanté addresses and of our Message-IDs")
    mssante_smtp_port: int = env("MSSANTE_SMTP_PORT", -1,
                                 help="inbound SMTP listener port; 0 picks a free one, -1 (default) disables it")
    mssante_smtp_host: str = env("MSSANTE_SMTP_HOST", "0.0.0.0", help="address the SMTP listener binds")
    mssante_smtp_port_file: str = env("MSSANTE_SMTP_PORT_FILE", "",
                                      help="file that receives the listener's bound port (local platform)")
    mssante_smtp_hostname: str = env("MSSANTE_SMTP_HOSTNAME", "", help="name the listener greets with; "
                                     "empty = the patient domain")
    mssante_ca_file: str = env("MSSANTE_CA_FILE", "", help="PEM of the trust-space CA(s) operators' certificates "
                               "must chain to (inbound client certificates, the relay's certificate)")
    mssante_tls_cert_file: str = env("MSSANTE_TLS_CERT_FILE", "", help="PEM certificate chain of the patient "
                                     "domain's operator: the listener's, and the client one towards the relay")
    mssante_tls_key_file: str = env("MSSANTE_TLS_KEY_FILE", "", secret=True, help="PEM private key of that certificate")
    mssante_relay_host: str = env("MSSANTE_RELAY_HOST", "", help="operator relay for outbound mail; empty = "
                                  "outbound mail waits in its queue")
    mssante_relay_port: int = env("MSSANTE_RELAY_PORT", 25)
    mssante_relay_starttls: bool = env("MSSANTE_RELAY_STARTTLS", False,
                                       help="STARTTLS to the relay, verified with MSSANTE_CA_FILE")
    mssante_relay_timeout_seconds: float = env("MSSANTE_RELAY_TIMEOUT_SECONDS", 20.0)
    mssante_send_interval_seconds: float = env("MSSANTE_SEND_INTERVAL_SECONDS", 1.0,
                                               help="seconds between passes of the outbound sender")
    mssante_retry_seconds: float = env("MSSANTE_RETRY_SECONDS", 60.0,
                                       help="first retry delay of an outbound mail, doubled at each attempt")
    mssante_max_attempts: int = env("MSSANTE_MAX_ATTEMPTS", 10, help="attempts before an outbound mail is a dead letter")
    erasure_interval_seconds: float = env("ERASURE_INTERVAL_SECONDS", 60.0,
                                          help="seconds between passes pulling deleted spaces' erasures from identity")
