"""`python -m documents check-objects` on the stack's database and S3 endpoint: an object removed,
another altered, a tombstone's object put back and an object with no row are each reported, by
document id and object key only, and the command exits 1. The stack's bucket is shared with other
tests (some alter objects on purpose): what counts is what this test's tampering adds."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from mes.documents.v1 import documents_pb2 as pb

from documents_samples import TEXT, pdf

ROOT = Path(__file__).resolve().parents[3]


def check_objects(stack) -> tuple[int, set[str]]:
    """The command as an operator runs it, with documents' settings; (exit status, finding lines)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lib", "build/gen", "services/documents")),
           "SERVICE_NAME": "documents", "DATABASE_URL": stack.urls["documents"], "AUDIT_ADDR": stack.address("audit"),
           "S3_ENDPOINT": f"127.0.0.1:{stack.s3_port}", "S3_ACCESS_KEY": "test", "S3_SECRET_KEY": "test",
           "S3_BUCKET": stack.bucket, "S3_REGION": "us-east-1", "S3_SECURE": "false", "LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "documents", "check-objects"], env=env, capture_output=True,
                          text=True, timeout=120)
    *findings, summary = done.stdout.splitlines()
    assert summary.startswith("documents' objects checked: "), done.stderr
    return done.returncode, set(findings)


def test_a_removed_an_altered_and_an_orphan_object_are_reported(stack):
    patient = stack.new_patient()
    gp = stack.new_professional("10")
    kept, removed, altered = (stack.upload(stack.patient(patient), TEXT, patient_id=patient, title=f"Ordonnance {n}",
                                           category=pb.DOCUMENT_CATEGORY_ORD_SOIN, document_date="2025-06-01")
                              for n in range(3))
    withdrawn = stack.upload(stack.professional(gp), pdf(), patient_id=patient, title="CR de consultation",
                             type_code="11488-4")
    stack.docs.DeleteDocument(pb.DeleteDocumentRequest(patient_id=patient, document_id=withdrawn.document_id),
                              metadata=stack.professional(gp), timeout=10)      # a tombstone: no object
    status, before = check_objects(stack)
    assert not any(d.document_id in line for line in before for d in (kept, removed, altered, withdrawn))

    key = {d.document_id: stack.object_key(d.document_id) for d in (kept, removed, altered, withdrawn)}
    stack.s3.remove_object(stack.bucket, f"documents/{key[removed.document_id]}")
    flipped = bytes([TEXT[0] ^ 1]) + TEXT[1:]
    stack.s3.put_object(stack.bucket, f"documents/{key[altered.document_id]}", io.BytesIO(flipped), len(flipped))
    stack.s3.put_object(stack.bucket, f"documents/{key[withdrawn.document_id]}", io.BytesIO(b"%PDF-"), 5)
    orphan = "0" * 32
    stack.s3.put_object(stack.bucket, f"documents/{orphan}", io.BytesIO(b"left behind"), 11)

    status, after = check_objects(stack)
    assert status == 1
    assert after - before == {
        f"document {removed.document_id} object {key[removed.document_id]}: its object is missing",
        f"document {altered.document_id} object {key[altered.document_id]}: its object's SHA-256 differs from the "
        f"recorded one (the bytes were altered)",
        f"document {withdrawn.document_id} object {key[withdrawn.document_id]}: deleted by its author but its "
        f"object remains",
        f"object {orphan}: orphan object (11 bytes): no document row"}
    assert not any(patient in line or "Ordonnance" in line for line in after)
    stack.s3.remove_object(stack.bucket, f"documents/{orphan}")
    stack.s3.remove_object(stack.bucket, f"documents/{key[withdrawn.document_id]}")
