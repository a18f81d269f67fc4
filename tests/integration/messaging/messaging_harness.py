"""The messaging service as a real gRPC server, beside identity, audit and notifications (the
documents harness's Stack, with messaging's builder and client helpers)."""
from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa
from mes.identity.v1 import identity_pb2 as ipb
from mes.messaging.v1 import messaging_pb2 as pb
from mes.messaging.v1 import messaging_pb2_grpc

import documents_harness
from documents_harness import PASSWORD, Professional, Stack, _serial, error_reason
from devtools.eventually import eventually

documents_harness.SECRETS["messaging"] = "messaging-client-secret-for-tests-0123456789"
BIG = [("grpc.max_send_message_length", 16 * 1024 * 1024), ("grpc.max_receive_message_length", 16 * 1024 * 1024)]


@dataclass
class MessagingStack(Stack):
    def _build_messaging(self):
        from messaging.config import MessagingSettings
        from messaging.wiring import build
        settings = self._settings(
            MessagingSettings, "messaging", IDENTITY_ADDR=self.address("identity"),
            SERVICE_CLIENT_SECRET=documents_harness.SECRETS["messaging"], AUDIT_ADDR=self.address("audit"),
            NOTIFICATIONS_ADDR=self.address("notifications"), S3_ENDPOINT=f"127.0.0.1:{self.s3_port}",
            S3_ACCESS_KEY="test", S3_SECRET_KEY="test", S3_BUCKET=self.bucket, S3_REGION="us-east-1",
            S3_SECURE="false", DOCUMENTS_ADDR=self.address("documents"))
        return build(settings, relay_interval=0.1)

    @property
    def msg(self) -> messaging_pb2_grpc.MessagingServiceStub:
        key = "_stub_messaging"
        if key not in self.__dict__:
            channel = grpc.insecure_channel(self.address("messaging"), options=BIG)
            self.channels.append(channel)
            self.__dict__[key] = messaging_pb2_grpc.MessagingServiceStub(channel)
        return self.__dict__[key]

    def new_mssante_professional(self, profession_code: str = "10", *, mssante: bool = True) -> Professional:
        n = next(_serial)
        rpps = f"{10200000000 + n}"
        created = self.identity.CreateProfessional(ipb.CreateProfessionalRequest(
            rpps=rpps, profession_code=profession_code, given_name="Marie", family_name=f"Durand{n}",
            login_id=f"pro-msg-{n:04d}", password=PASSWORD, email=f"pro-msg{n}@example.org",
            mssante_address=f"marie.durand{n}@medecin.mssante.fr" if mssante else ""),
            metadata=self.operator, timeout=10)
        return Professional(created.professional_id, rpps, profession_code)

    def start_conversation(self, professional: Professional, patient_id: str, *, subject: str = "Vos résultats",
                           body: str = "Bonjour, vos résultats sont arrivés.", **fields) -> pb.Conversation:
        return self.msg.CreateConversation(pb.CreateConversationRequest(
            patient_id=patient_id, subject=subject, body=body, **fields),
            metadata=self.professional(professional), timeout=30)

    def reply(self, metadata, patient_id: str, conversation_id: str, body: str = "Merci docteur", **fields) -> pb.Message:
        return self.msg.SendMessage(pb.SendMessageRequest(patient_id=patient_id, conversation_id=conversation_id,
                                                          body=body, **fields), metadata=metadata, timeout=30)

    def messages(self, metadata, patient_id: str, conversation_id: str) -> list[pb.Message]:
        return list(self.msg.ListMessages(pb.ListMessagesRequest(patient_id=patient_id, conversation_id=conversation_id),
                                          metadata=metadata, timeout=10).messages)

    def conversations(self, metadata, patient_id: str, **fields) -> pb.ListConversationsResponse:
        return self.msg.ListConversations(pb.ListConversationsRequest(patient_id=patient_id, **fields),
                                          metadata=metadata, timeout=10)

    def download_attachment(self, metadata, patient_id: str, message_id: str, attachment_id: str):
        replies = list(self.msg.DownloadAttachment(pb.DownloadAttachmentRequest(
            patient_id=patient_id, message_id=message_id, attachment_id=attachment_id), metadata=metadata, timeout=30))
        return replies[0].metadata, b"".join(r.chunk for r in replies[1:])

    def block(self, patient_id: str, professional: Professional) -> None:
        self.identity.BlockProfessional(ipb.BlockProfessionalRequest(
            patient_id=patient_id, professional_id=professional.professional_id),
            metadata=self.patient(patient_id), timeout=10)

    # ---- what is stored ----
    def messaging_engine(self) -> sa.Engine:
        if "_messaging_engine" not in self.__dict__:
            self.__dict__["_messaging_engine"] = sa.create_engine(self.urls["messaging"])
        return self.__dict__["_messaging_engine"]

    def stored_messages(self, conversation_id: str) -> int:
        with self.messaging_engine().connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM messages WHERE conversation_id = :c"),
                             {"c": conversation_id}).scalar()

    def messaging_published(self, patient_id: str, event_type: str) -> list[dict]:
        def settled():
            with self.messaging_engine().connect() as c:
                rows = c.execute(sa.text(
                    "SELECT payload, published_at FROM outbox WHERE aggregate_id = :p AND event_type = :t "
                    "ORDER BY created_at"), {"p": patient_id, "t": event_type}).all()
            return None if any(r.published_at is None for r in rows) else ([r.payload for r in rows],)
        (payloads,) = eventually(settled, what=f"messaging's {event_type} events relayed")
        return payloads

    def close(self) -> None:
        if "_messaging_engine" in self.__dict__:
            self.__dict__["_messaging_engine"].dispose()
        super().close()


def new_file(name: str, data: bytes, content_type: str = "application/pdf") -> pb.NewAttachment:
    return pb.NewAttachment(file=pb.UploadedFile(filename=name, content_type=content_type, content=data))


def refused(call, code: grpc.StatusCode, reason: str) -> None:
    """The call fails with this status and reason ("" = none)."""
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert (caught.value.code(), error_reason(caught.value)) == (code, reason), caught.value.details()


def new_pharmacy(stack, *, name: str = "", city: str = "Lyon", postal_code: str = "69003",
                 mailbox: int = pb.MAILBOX_TYPE_ORGANISATIONAL) -> pb.Pharmacy:
    """An operator loads one pharmacy (a FINESS of its own) and gets it back as a search shows it."""
    n = next(_serial)
    finess = f"69{n:07d}"
    entry = pb.Pharmacy(finess=finess, name=name or f"Pharmacie du Parc {n}", address=f"{n} rue de la République",
                        postal_code=postal_code, city=city, phone="0478000000",
                        mssante_address=f"pharmacie.{finess}@pharmacie.mssante.fr" if mailbox else "",
                        mailbox_type=mailbox)
    stack.msg.UpsertPharmacies(pb.UpsertPharmaciesRequest(pharmacies=[entry]), metadata=stack.operator, timeout=10)
    with stack.messaging_engine().connect() as c:
        pharmacy_id = c.execute(sa.text("SELECT pharmacy_id FROM pharmacies WHERE id_nat = :f"), {"f": finess}).scalar()
    entry.pharmacy_id = pharmacy_id
    return entry


def visit(stack, patient_id: str, pharmacy: pb.Pharmacy, day: str) -> int:
    return stack.msg.RecordPharmacyVisits(pb.RecordPharmacyVisitsRequest(visits=[pb.PharmacyVisit(
        patient_id=patient_id, finess=pharmacy.finess, visit_date=day)]), metadata=stack.operator, timeout=10).recorded
