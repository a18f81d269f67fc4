"""A control character never reaches a database: the real services answer INVALID_ARGUMENT naming
the field (PostgreSQL refused NUL with a 500, and identity's failure came back from documents as a
503), and the gateway answers 400 for a malformed identifier before any call."""
from __future__ import annotations

import grpc
import pytest
from mes.documents.v1 import documents_pb2 as dpb
from mes.documents.v1 import documents_pb2_grpc
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from devtools.rpc_errors import error_details, error_of

NUL = "avant\x00après"


def cases(me: str):
    """(service, method name, request, the field it names) for the calls seen answering 5xx."""
    return [
        ("identity", "StartLogin", ipb.StartLoginRequest(login_id=NUL, password="x"), "login_id"),
        ("identity", "UpdateContact", ipb.UpdateContactRequest(account_id=me, email=NUL), "email"),
        ("identity", "GetAccessContext", ipb.GetAccessContextRequest(patient_id=NUL), "patient_id"),
        ("documents", "CreateFolder", dpb.CreateFolderRequest(patient_id=me, name=NUL), "name"),
        ("documents", "ListDocuments", dpb.ListDocumentsRequest(patient_id=NUL), "patient_id"),
        ("documents", "GetDocument", dpb.GetDocumentRequest(patient_id=me, document_id=NUL), "document_id"),
        ("documents", "UpdateDocument", dpb.UpdateDocumentRequest(patient_id=me, document_id="d", title=NUL),
         "title"),
        ("documents", "UploadDocument", iter([dpb.UploadDocumentRequest(metadata=dpb.UploadDocumentMetadata(
            patient_id=me, title=NUL)), dpb.UploadDocumentRequest(chunk=b"%PDF-1.4")]), "metadata.title"),
    ]


STUBS = {"identity": identity_pb2_grpc.IdentityServiceStub, "documents": documents_pb2_grpc.DocumentsServiceStub}


@pytest.mark.parametrize("index", range(len(cases(""))), ids=[f"{s}.{m}" for s, m, _, _ in cases("")])
def test_the_services_refuse_a_nul_naming_the_field(platform, patient_session, index):
    session, account = patient_session
    service, name, request, field = cases(account["accountId"])[index]
    metadata = [("authorization", f"Bearer {session['accessToken']}")]
    with grpc.insecure_channel(platform.address(service)) as channel:
        method = getattr(STUBS[service](channel), name)
        failure = error_of(lambda: method(request, metadata=metadata, timeout=10))
    assert failure.code() == grpc.StatusCode.INVALID_ARGUMENT, failure.details()
    assert error_details(failure) == ({field}, "CONTROL_CHARACTER")


@pytest.mark.parametrize("path", ["/v1/patients/%00/documents", "/v1/patients/{me}/documents/%00"])
def test_the_gateway_answers_400_for_a_malformed_identifier(gateway, patient_session, path):
    session, account = patient_session
    response = gateway.get(path.format(me=account["accountId"]),
                           headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == "INVALID_PARAMETER"
