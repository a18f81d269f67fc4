"""The documents service as a real gRPC server on port 0, with everything it talks to running for
real: PostgreSQL (embedded), an S3 endpoint (moto in server mode), identity, audit, notifications."""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import sqlalchemy as sa
from minio import Minio
from mes.audit.v1 import audit_pb2, audit_pb2_grpc
from mes.documents.v1 import documents_pb2 as pb
from mes.documents.v1 import documents_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.notifications.v1 import notifications_pb2 as npb
from mes.notifications.v1 import notifications_pb2_grpc

from devtools.eventually import eventually
from devtools.rpc_errors import error_details
from meskit import config, db
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, SERVICE, Caller, TokenSigner
from meskit.server import watch_readiness

SECRETS = {"documents": "documents-client-secret-for-tests-0123456789",
           "identity": "identity-client-secret-for-tests-0123456789"}
PASSWORD = "Test-Sante-2026!"
CHUNK = 64 * 1024
_serial = itertools.count(1)


def nir(sex: str, birth: str, order: int) -> str:
    body = f"{sex}{birth[2:4]}{birth[5:7]}75056{order:03d}"
    return body + f"{97 - int(body) % 97:02d}"


def start_moto():
    from moto.server import ThreadedMotoServer
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server, server._server.server_port


@dataclass
class Professional:
    professional_id: str
    rpps: str
    profession_code: str


@dataclass
class Stack:
    key_file: Path
    tmp: Path
    urls: dict[str, str]
    smtp_port: int
    s3_port: int
    bucket: str
    ports: dict[str, int] = field(default_factory=dict)
    started: dict = field(default_factory=dict)
    channels: list = field(default_factory=list)

    # ---- lifecycle ----
    def start(self, name: str) -> None:
        """First on port 0 (the server reports the port it holds); a restart binds that port again,
        since the others hold its address as they would a Kubernetes Service's."""
        kit, engine, on_stop = getattr(self, f"_build_{name}")()
        kit.server.start()
        watch_readiness(kit, lambda: db.ping(engine), interval=0.5)
        self.started[name] = (kit, engine, on_stop)
        self.ports[name] = kit.port

    def stop(self, name: str) -> None:
        kit, engine, on_stop = self.started.pop(name)
        kit.stop(0)
        on_stop()
        engine.dispose()

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
        for name in list(self.started)[::-1]:
            self.stop(name)

    def _settings(self, cls, name: str, **env):
        return config.load(cls, {"SERVICE_NAME": name, "DATABASE_URL": self.urls[name],
                                 "GRPC_PORT": str(self.ports.get(name, 0)), **env})

    def _build_identity(self):
        from identity.config import IdentitySettings
        from identity.domain.service_clients import secret_digest
        from identity.wiring import build
        clients = self.tmp / "service-clients.json"
        clients.write_text(json.dumps({n: secret_digest(s) for n, s in SECRETS.items()}))
        return build(self._settings(IdentitySettings, "identity", SIGNING_KEY_FILE=str(self.key_file),
                                    NOTIFICATIONS_ADDR=self.address("notifications"), AUDIT_ADDR=self.address("audit"),
                                    SERVICE_CLIENTS_FILE=str(clients)))

    def _jwks_file(self) -> Path:
        """Identity's keys for the services identity calls (they start before it)."""
        jwks = self.tmp / "jwks.json"
        jwks.write_text(json.dumps(TokenSigner(self.key_file.read_bytes(), issuer="mes-identity", audience="mes-api",
                                               ttl_seconds=600).jwks()))
        return jwks

    def _build_notifications(self):
        from notifications.config import NotificationsSettings
        from notifications.wiring import build
        return build(self._settings(NotificationsSettings, "notifications", JWKS_FILE=str(self._jwks_file()),
                                    SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.smtp_port),
                                    EMAIL_WORKERS="0", PUSH_WORKERS="0", LETTER_BATCH_TIME="off"))

    def _build_audit(self):
        from audit.config import AuditSettings
        from audit.wiring import build
        return build(self._settings(AuditSettings, "audit", JWKS_FILE=str(self._jwks_file()),
                                    AUDIT_SIGNING_KEY_FILE=str(self.tmp / "audit-log-key.pem")),
                     tree_head_interval=3600)

    def _build_documents(self, **overrides):
        from documents.config import DocumentsSettings
        from documents.wiring import build
        settings = self._settings(
            DocumentsSettings, "documents", IDENTITY_ADDR=self.address("identity"),
            SERVICE_CLIENT_SECRET=SECRETS["documents"], AUDIT_ADDR=self.address("audit"),
            NOTIFICATIONS_ADDR=self.address("notifications"), S3_ENDPOINT=f"127.0.0.1:{self.s3_port}",
            S3_ACCESS_KEY="test", S3_SECRET_KEY="test", S3_BUCKET=self.bucket, S3_REGION="us-east-1",
            S3_SECURE="false")
        if overrides:      # another replica, on a port of its own
            settings = dataclasses.replace(settings, grpc_port=0)
        # the session's documents collects no attestation of its own accord: tests start replicas that do
        return build(settings, **{"relay_interval": 0.1, "attestations_interval": 3600, **overrides})

    def start_documents_replica(self, **overrides) -> tuple[documents_pb2_grpc.DocumentsServiceStub, object]:
        """Another documents replica on the same database, e.g. with a clock the test moves
        (`now=...`, `embargo_interval=...`); returns its stub and a function that stops it."""
        kit, engine, on_stop = self._build_documents(**overrides)
        kit.server.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{kit.port}")

        def stop() -> None:
            channel.close()
            kit.stop(0)
            on_stop()
            engine.dispose()
        return documents_pb2_grpc.DocumentsServiceStub(channel), stop

    # ---- clients ----
    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    def _channel(self, name: str) -> grpc.Channel:
        channel = grpc.insecure_channel(self.address(name))
        self.channels.append(channel)
        return channel

    def _stub(self, name: str, stub_class):
        key = f"_stub_{name}"
        if key not in self.__dict__:
            self.__dict__[key] = stub_class(self._channel(name))
        return self.__dict__[key]

    @property
    def docs(self) -> documents_pb2_grpc.DocumentsServiceStub:
        return self._stub("documents", documents_pb2_grpc.DocumentsServiceStub)

    @property
    def identity(self) -> identity_pb2_grpc.IdentityServiceStub:
        return self._stub("identity", identity_pb2_grpc.IdentityServiceStub)

    @property
    def notifications(self) -> notifications_pb2_grpc.NotificationsServiceStub:
        return self._stub("notifications", notifications_pb2_grpc.NotificationsServiceStub)

    @property
    def audit(self) -> audit_pb2_grpc.AuditServiceStub:
        return self._stub("audit", audit_pb2_grpc.AuditServiceStub)

    @property
    def s3(self) -> Minio:
        return Minio(f"127.0.0.1:{self.s3_port}", access_key="test", secret_key="test", secure=False,
                     region="us-east-1")

    # ---- tokens ----
    def token(self, caller: Caller) -> list[tuple[str, str]]:
        signer = TokenSigner(self.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=600)
        return [("authorization", f"Bearer {signer.sign(caller)[0]}")]

    def patient(self, patient_id: str):
        return self.token(Caller(PATIENT, patient_id))

    def professional(self, p: Professional):
        return self.token(Caller(PROFESSIONAL, p.professional_id, profession_code=p.profession_code, rpps=p.rpps))

    def delegate(self, account_id: str, patient_id: str):
        return self.token(Caller(DELEGATE, account_id, on_behalf_of=patient_id))

    @property
    def operator(self):
        return self.token(Caller(OPERATOR, "op-tests"))

    def service(self, name: str = "messaging"):
        return self.token(Caller(SERVICE, name))

    # ---- people ----
    def new_patient(self, *, age: int = 40, legal_representative: str = "") -> str:
        n = next(_serial)
        birth = f"{time.gmtime().tm_year - age}-01-{1 + n % 27:02d}"
        created = self.identity.CreateAccount(ipb.CreateAccountRequest(
            nir=nir("2", birth, n % 1000), vitale_serial=f"{40000000000 + n}", given_name="Jeanne",
            family_name=f"Durand{n}", birth_date=birth, sex=ipb.SEX_FEMALE, email=f"jeanne{n}@example.org",
            legal_representative_account_id=legal_representative), metadata=self.operator, timeout=10)
        return created.account.account_id

    def new_holder(self) -> tuple[str, str]:
        """A holder who activated her space: (account id, login id); her password is PASSWORD."""
        n = next(_serial)
        birth = f"{time.gmtime().tm_year - 45}-06-{1 + n % 27:02d}"
        fields = dict(nir=nir("2", birth, 300 + n % 300), vitale_serial=f"{43000000000 + n}", given_name="Claire",
                      family_name=f"Profil{n}", birth_date=birth, sex=ipb.SEX_FEMALE)
        created = self.identity.CreateAccount(ipb.CreateAccountRequest(**fields), metadata=self.operator, timeout=10)
        self.identity.ActivateAccount(ipb.ActivateAccountRequest(
            provisional_code=created.provisional_code, nir=fields["nir"], vitale_serial=fields["vitale_serial"],
            login_id=f"profil-{n:05d}", password=PASSWORD, email=f"profil{n}@example.org", accept_terms=True),
            timeout=10)
        return created.account.account_id, f"profil-{n:05d}"

    def typed_identity(self, patient_id: str) -> dict:
        """The patient's identity as a professional types it for a break-glass access (AccessJustification)."""
        account = self.identity.GetAccount(ipb.GetAccountRequest(account_id=patient_id), metadata=self.operator,
                                           timeout=10)
        return {"patient_family_name": account.family_name, "patient_given_name": account.given_name,
                "patient_birth_date": account.birth_date}

    def new_professional(self, profession_code: str = "10", **flags) -> Professional:
        n = next(_serial)
        rpps = f"{10100000000 + n}"
        created = self.identity.CreateProfessional(ipb.CreateProfessionalRequest(
            rpps=rpps, profession_code=profession_code, given_name="Paul", family_name=f"Bernard{n}",
            login_id=f"pro-test-{n:04d}", password=PASSWORD, email=f"pro{n}@example.org", **flags),
            metadata=self.operator, timeout=10)
        return Professional(created.professional_id, rpps, profession_code)

    def add_to_care_team(self, patient_id: str, professional: Professional, **member) -> None:
        """The patient adds the professional to her care team: normal-mode reads need it (DOMAIN §10.2)."""
        self.identity.AddCareTeamMember(ipb.AddCareTeamMemberRequest(
            patient_id=patient_id, professional_id=professional.professional_id, **member),
            metadata=self.patient(patient_id), timeout=10)

    def remove_from_care_team(self, patient_id: str, professional: Professional) -> None:
        self.identity.RemoveCareTeamMember(ipb.RemoveCareTeamMemberRequest(
            patient_id=patient_id, professional_id=professional.professional_id),
            metadata=self.patient(patient_id), timeout=10)

    # ---- documents ----
    def upload(self, metadata: list, data: bytes, chunk: int = CHUNK, **fields) -> pb.Document:
        def requests():
            yield pb.UploadDocumentRequest(metadata=pb.UploadDocumentMetadata(**fields))
            for start in range(0, len(data), chunk):
                yield pb.UploadDocumentRequest(chunk=data[start:start + chunk])
        return self.docs.UploadDocument(requests(), metadata=metadata, timeout=30)

    def download(self, metadata: list, patient_id: str, document_id: str, **fields) -> tuple[pb.Document, bytes]:
        replies = list(self.docs.DownloadDocument(pb.DownloadDocumentRequest(
            patient_id=patient_id, document_id=document_id, **fields), metadata=metadata, timeout=30))
        assert replies[0].WhichOneof("payload") == "metadata"
        return replies[0].metadata, b"".join(r.chunk for r in replies[1:])

    # ---- what is stored ----
    def engine(self) -> sa.Engine:
        if "_engine" not in self.__dict__:
            self.__dict__["_engine"] = sa.create_engine(self.urls["documents"])
        return self.__dict__["_engine"]

    def rows(self, patient_id: str) -> int:
        with self.engine().connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM documents WHERE patient_id = :p"), {"p": patient_id}).scalar()

    def object_key(self, document_id: str) -> str:
        with self.engine().connect() as c:
            return c.execute(sa.text("SELECT object_key FROM documents WHERE document_id = :d"),
                             {"d": document_id}).scalar()

    def objects(self) -> set[str]:
        return {o.object_name for o in self.s3.list_objects(self.bucket, recursive=True)}

    def records(self, patient_id: str, **query) -> list[audit_pb2.Record]:
        reply = self.audit.SearchRecords(audit_pb2.SearchRecordsRequest(patient_id=patient_id, page_size=500, **query),
                                         metadata=self.operator, timeout=10)
        return list(reply.records)

    def records_about(self, patient_id: str, document_id: str, action=None) -> list[audit_pb2.Record]:
        return [r for r in self.records(patient_id) if r.resource_id == document_id
                and (action is None or r.action == action)]

    def pending_outbox(self) -> int:
        with self.engine().connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar()

    def published(self, patient_id: str, event_type: str) -> list[dict]:
        """Payloads of the events documents relayed about the patient, oldest first (its own outbox), once
        none of them is still in the relay's hands (notifications may show one before its row is marked)."""
        def settled() -> tuple[list[dict]] | None:
            with self.engine().connect() as c:
                rows = c.execute(sa.text(
                    "SELECT payload, published_at FROM outbox WHERE aggregate_id = :p AND event_type = :t "
                    "ORDER BY created_at"), {"p": patient_id, "t": event_type}).all()
            return None if any(r.published_at is None for r in rows) else ([r.payload for r in rows],)
        (payloads,) = eventually(settled, what=f"documents' {event_type} events relayed")
        return payloads

    def bell(self, patient_id: str, event_type: str) -> list[npb.Notification]:
        """The patient's bell items of one type, as she lists them."""
        reply = self.notifications.ListNotifications(npb.ListNotificationsRequest(profile_id=patient_id, page_size=100),
                                                     metadata=self.patient(patient_id), timeout=10)
        return [n for n in reply.notifications if n.event_type == event_type]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def error_reason(exc: grpc.RpcError) -> str:
    return error_details(exc)[1]
