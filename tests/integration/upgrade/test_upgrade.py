"""An upgrade from an earlier main to this one, as an operator lives it (helm/mes/README.md,
"Upgrading"): the earlier version's services write data; this version's migrations run while they
serve (the expand step, a pre-upgrade Job); then old and new pods run side by side against the
migrated databases, the callers of each version calling the callees of the other, until the last
old pods are gone. Nothing written is lost, every request succeeds, and the audit log verifies."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.audit.v1 import audit_pb2_grpc
from mes.documents.v1 import documents_pb2 as dpb
from mes.documents.v1 import documents_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc
from mes.messaging.v1 import messaging_pb2 as mpb
from mes.messaging.v1 import messaging_pb2_grpc

from devtools.platform import ROOT
from devtools.samples import blank_pdf
from meskit.auth import OPERATOR, PATIENT, PROFESSIONAL, SERVICE, Caller, TokenSigner

sys.path.insert(0, str(Path(__file__).parent))
from rollout import NEW, OLD, NoHistory, Rollout, earlier_code  # noqa: E402

# The main before documents' migration 0005 (partitioned by patient) and identity's 0013 (access
# versions): `git diff --name-only 91a5b2f HEAD -- 'services/*/migrations/*'`.
EARLIER_MAIN = "91a5b2f3800f800689ec97e373aa79c12da0e88c"
SERVICES = ["audit", "identity", "documents", "messaging"]
RPC_TIMEOUT = 30


@pytest.fixture(scope="module")
def earlier():
    """The earlier main's tree, or a skip when the clone cannot have it (the only skip)."""
    try:
        return earlier_code(EARLIER_MAIN)
    except NoHistory as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def rollout(earlier, tmp_path_factory):
    with Rollout(tmp_path_factory.mktemp("upgrade"), s3=True, durable=False, trees={NEW: ROOT, OLD: earlier},
                 running=tuple(SERVICES)) as running:
        yield running


class Person:
    """A caller of the services of either version, with a token signed by the platform's key."""

    def __init__(self, rollout: Rollout, caller: Caller):
        signer = TokenSigner(rollout.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=600)
        self.metadata = [("authorization", f"Bearer {signer.sign(caller)[0]}")]
        self.rollout = rollout
        self.id = caller.subject

    def stub(self, service: str, version: str):
        stubs = {"identity": identity_pb2_grpc.IdentityServiceStub, "documents": documents_pb2_grpc.DocumentsServiceStub,
                 "messaging": messaging_pb2_grpc.MessagingServiceStub, "audit": audit_pb2_grpc.AuditServiceStub}
        return stubs[service](self.rollout.channel(service, version))

    def call(self, service: str, version: str, rpc: str, request):
        return getattr(self.stub(service, version), rpc)(request, metadata=self.metadata, timeout=RPC_TIMEOUT)


class Space:
    """One patient's space, her GP in her care team, and what the test wrote in it and where."""

    def __init__(self, rollout: Rollout):
        operator = Person(rollout, Caller(OPERATOR, "upgrade-test"))
        nir = "2510175056123"
        account = operator.call("identity", OLD, "CreateAccount", ipb.CreateAccountRequest(
            nir=nir + f"{97 - int(nir) % 97:02d}", vitale_serial="40123456789", given_name="Jeanne",
            family_name="Avant", birth_date="1951-01-15", sex=ipb.SEX_FEMALE)).account
        self.patient = Person(rollout, Caller(PATIENT, account.account_id))
        self.gp = self._care_team_doctor(operator, "10101234567", "bernard")
        self.locum = self._care_team_doctor(operator, "10101234568", "martin")     # her GP's stand-in
        self.documents: dict[str, bytes] = {}     # document id -> its bytes
        self.messages: dict[str, str] = {}        # message id -> its body
        self.conversation = ""

    def _care_team_doctor(self, operator: Person, rpps: str, name: str) -> Person:
        created = operator.call("identity", OLD, "CreateProfessional", ipb.CreateProfessionalRequest(
            rpps=rpps, profession_code="10", given_name="Paul", family_name=name.title(), login_id=f"dr.{name}",
            password="Test-Sante-2026!", email=f"{name}@cabinet.example", mssante_address=f"{name}@medecin.mssante.fr"))
        self.patient.call("identity", OLD, "AddCareTeamMember", ipb.AddCareTeamMemberRequest(
            patient_id=self.patient.id, professional_id=created.professional_id))
        return Person(self.patient.rollout, Caller(PROFESSIONAL, created.professional_id, profession_code="10", rpps=rpps))

    def download(self, reader: Person, version: str, document_id: str) -> bytes:
        replies = list(reader.stub("documents", version).DownloadDocument(dpb.DownloadDocumentRequest(
            patient_id=self.patient.id, document_id=document_id), metadata=reader.metadata, timeout=RPC_TIMEOUT))
        return b"".join(r.chunk for r in replies[1:])

    def deposit(self, version: str, pages: int) -> str:
        data = blank_pdf(pages)

        def requests():
            yield dpb.UploadDocumentRequest(metadata=dpb.UploadDocumentMetadata(
                patient_id=self.patient.id, title=f"Compte rendu ({version}, {pages} p.)", document_date="2026-11-20",
                class_code="10", type_code="11488-4", filename="compte-rendu.pdf"))
            yield dpb.UploadDocumentRequest(chunk=data)
        document = self.gp.call("documents", version, "UploadDocument", requests())
        self.documents[document.document_id] = data
        return document.document_id

    def write(self, version: str, body: str) -> None:
        if self.conversation:
            message = self.gp.call("messaging", version, "SendMessage", mpb.SendMessageRequest(
                patient_id=self.patient.id, conversation_id=self.conversation, reply_option=mpb.REPLY_OPTION_REPLY,
                body=body))
        else:
            started = self.gp.call("messaging", version, "CreateConversation", mpb.CreateConversationRequest(
                patient_id=self.patient.id, subject="Vos résultats", body=body, client_message_id="upgrade-first"))
            self.conversation = started.conversation_id
            message = self.gp.call("messaging", version, "ListMessages", mpb.ListMessagesRequest(
                patient_id=self.patient.id, conversation_id=self.conversation)).messages[0]
        self.messages[message.message_id] = body

    def read_everything(self, version: str) -> None:
        """Every document's bytes as the GP downloads them (an audited read) and every message as
        the patient lists them, through that version's services."""
        for document_id, data in self.documents.items():
            assert self.download(self.gp, version, document_id) == data, f"{document_id} read through documents@{version}"
        listed = self.patient.call("messaging", version, "ListMessages", mpb.ListMessagesRequest(
            patient_id=self.patient.id, conversation_id=self.conversation, page_size=100))
        assert {m.message_id: m.body for m in listed.messages} == self.messages, f"read through messaging@{version}"

    def audited_reads(self, version: str) -> set[str]:
        """The documents the patient's history shows the GP read, from that version's audit."""
        activity = self.patient.call("audit", version, "ListActivity", apb.ListActivityRequest(
            patient_id=self.patient.id, page_size=200))
        return {r.resource_id for r in activity.records
                if r.action in (apb.ACTION_READ, apb.ACTION_DOWNLOAD) and r.actor.id == self.gp.id}


class ReadsMeanwhile:
    """Reads through the old version's services, over and over while the migrations run."""

    def __init__(self, space: Space):
        self.space, self.done, self.rounds, self.failures = space, threading.Event(), 0, []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self.done.is_set():
            try:
                self.space.read_everything(OLD)
                self.rounds += 1
            except (grpc.RpcError, AssertionError) as exc:
                self.failures.append(exc)
            self.done.wait(0.05)         # paced: the migrations have the machine's cores too

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def logged_errors(rollout: Rollout) -> list[str]:
    """Every error a pod logged (a failed call, a background pass's SQL error against the other
    version's schema...), but a background pass cut by a deadline on a busy machine: the next one
    retries it."""
    def retried(entry: dict) -> bool:
        return entry["message"] == "background pass failed" and any(
            code in entry.get("exception", "") for code in ("StatusCode.DEADLINE_EXCEEDED", "StatusCode.UNAVAILABLE"))
    entries = [json.loads(line) for log in sorted(rollout.log_dir.glob("*.log"))
               for line in log.read_text(errors="replace").splitlines() if line.startswith("{")]
    return [f"{e['service']}: {e['message']}" for e in entries if e["severity"] == "ERROR" and not retried(e)]


def audit_verify(rollout: Rollout) -> str:
    result = subprocess.run([sys.executable, "-m", "audit", "verify"], env=rollout.env_of("audit", NEW),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_every_service_with_a_new_migration_is_in_the_upgrade(earlier):
    changed = subprocess.run(["git", "-C", str(ROOT), "diff", "--name-only", EARLIER_MAIN, "--", "services/*/migrations/*"],
                             capture_output=True, text=True, check=True).stdout.split()
    migrated = {path.split("/")[1] for path in changed}
    assert migrated, f"{EARLIER_MAIN} has this tree's migrations: pin an earlier main"
    assert migrated <= set(SERVICES), f"add {sorted(migrated - set(SERVICES))} to SERVICES, with data written through it"


def test_an_upgrade_with_old_and_new_pods_side_by_side_loses_no_request_and_no_data(rollout):
    rollout.migrate(OLD, SERVICES)
    rollout.launch([(service, OLD) for service in SERVICES])
    space = Space(rollout)
    space.deposit(OLD, 1)
    space.write(OLD, "Bonjour, voici vos résultats.")
    space.read_everything(OLD)

    with ReadsMeanwhile(space) as meanwhile:      # the pre-upgrade Job: this version's migrations (expand)
        rollout.migrate(NEW, SERVICES)
    assert meanwhile.failures == [] and meanwhile.rounds > 0

    # The rollout: a new pod of each service beside the old one, both behind its service's address.
    rollout.launch([(service, NEW) for service in SERVICES])
    for version in (OLD, NEW):
        space.read_everything(version)
    for version in (NEW, OLD):        # each writes; both read what the other wrote
        space.deposit(version, 2)
        space.write(version, f"Message écrit par la version {version}.")
    for version in (OLD, NEW):
        space.read_everything(version)

    # A care team change written by the old identity ends the access contexts the new code keeps
    # (identity's 0013: triggers bump the versions in the change's transaction, whatever code writes).
    document_id = next(iter(space.documents))
    assert space.download(space.locum, NEW, document_id) == space.documents[document_id]
    documents = Person(rollout, Caller(SERVICE, "documents"))
    context = ipb.GetAccessContextRequest(patient_id=space.patient.id, professional_id=space.locum.id)
    kept = documents.call("identity", NEW, "GetAccessContext", context).version
    context.known_version = kept
    assert documents.call("identity", NEW, "GetAccessContext", context).unchanged
    space.patient.call("identity", OLD, "RemoveCareTeamMember", ipb.RemoveCareTeamMemberRequest(
        patient_id=space.patient.id, professional_id=space.locum.id))
    assert not documents.call("identity", NEW, "GetAccessContext", context).unchanged
    for version in (NEW, OLD):
        with pytest.raises(grpc.RpcError) as refused:
            space.download(space.locum, version, document_id)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

    # identity's and audit's old pods gone first: the old documents and messaging call the new ones.
    for service in ("identity", "audit"):
        rollout.retire(service, OLD)
    for version in (NEW, OLD):
        space.deposit(version, 3)
        space.write(version, f"Après identity et audit, version {version}.")
    for version in (OLD, NEW):
        space.read_everything(version)

    assert space.audited_reads(NEW) == set(space.documents)     # the reads through both versions, each in her history
    assert "audit log verified" in audit_verify(rollout)
    assert logged_errors(rollout) == []
