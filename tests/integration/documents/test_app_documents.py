"""A connected app files a glucose report in its holder's space, within her consents (DOMAIN §9), over
real identity (its catalogue, connections and app_grant), audit, notifications and S3: she sees it
filed by the app, her history names the app; the app reads nothing, files nothing it was not
consented, nothing anywhere else, and stops at once when she withdraws the purpose."""
from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from mes.audit.v1 import audit_pb2 as apb
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc
from mes.documents.v1 import documents_pb2 as pb

from devtools.eventually import eventually
from documents_harness import PASSWORD, error_reason
from documents_samples import EXECUTABLE, pdf
from meskit.auth import APP, Caller

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))
import oauth_pairing  # noqa: E402

REPORT = "11502-2"                       # CR d'examens biologiques: the AGP glucose report
MEASURES, REPORTS = "MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"
REDIRECT_URI = "http://127.0.0.1:8765/callback"


def glyco() -> cpb.App:
    def purpose(code, label, perimeter, categories):
        return cpb.Purpose(code=code, label=label, exchanges=[cpb.DataExchange(
            perimeter=perimeter, action=cpb.EXCHANGE_ACTION_WRITE, categories=categories)])
    return cpb.App(name="GlycoSuivi", publisher="Diabeto Connect", themes=["DIABETE"], status=cpb.APP_STATUS_EN_LIGNE,
                   purposes=[purpose(MEASURES, "Partager vos glycémies", cpb.PERIMETER_MEASURES, ["GLUCOSE"]),
                             purpose(REPORTS, "Déposer vos rapports glycémiques", cpb.PERIMETER_DOCUMENTS, [REPORT])],
                   redirect_uris=[REDIRECT_URI], website_url="https://glyco.example")


def catalogue(stack) -> catalogue_pb2_grpc.CatalogueServiceStub:
    return catalogue_pb2_grpc.CatalogueServiceStub(stack._channel("identity"))


def paired(stack, app: cpb.ReferencedApp, login_id: str, codes: list[str]) -> list[tuple[str, str]]:
    """The app's bearer metadata after the holder paired it through identity's OAuth 2.0 flow (login
    page, mailed code, consent page ticking `codes`, token endpoint), as the gateway forwards it."""
    identity = _Identity(stack._channel("identity"), stack.tmp / "mail")
    tokens = oauth_pairing.paired_tokens(identity, app, login_id, PASSWORD, REDIRECT_URI, purposes=codes)
    return [("authorization", f"Bearer {tokens['access_token']}")]


@dataclass
class _Identity:
    """What identity's pairing helper needs of identity: its channel and the mail it sends."""
    channel: grpc.Channel
    mail_dir: Path


def app_token(stack, app_id, patient_id, jti, codes) -> list[tuple[str, str]]:
    return stack.token(Caller(APP, app_id, token_id=jti, on_behalf_of=patient_id, scopes=tuple(codes)))


@pytest.fixture(scope="module")
def app(stack) -> cpb.ReferencedApp:
    return catalogue(stack).ReferenceApp(cpb.ReferenceAppRequest(app=glyco()), metadata=stack.operator, timeout=10)


@pytest.fixture(scope="module")
def app_id(app) -> str:
    return app.app.app_id


def upload_report(stack, token, patient_id, data=None, **fields):
    return stack.upload(token, pdf() if data is None else data, patient_id=patient_id,
                        **{"title": "Rapport glycémique (AGP)", "type_code": REPORT, "filename": "agp.pdf", **fields})


def refusal(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as refused:
        call()
    return refused.value.code(), error_reason(refused.value)


class TestAppUpload:
    def test_the_holder_sees_the_report_filed_by_the_app_and_her_history_names_it(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [MEASURES, REPORTS])
        filed = upload_report(stack, token, holder)
        assert (filed.author.type, filed.author.id, filed.author.display_name) == (
            pb.AUTHOR_TYPE_DISPOSITIF, app_id, "GlycoSuivi")
        assert (filed.type_code, filed.category, filed.content_type) == (
            REPORT, pb.DOCUMENT_CATEGORY_BIOLOGIE, "application/pdf")
        assert not filed.permissions.can_download

        (seen,) = stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=holder), metadata=stack.patient(holder),
                                           timeout=10).documents
        assert (seen.document_id, seen.author.type, seen.author.display_name) == (
            filed.document_id, pb.AUTHOR_TYPE_DISPOSITIF, "GlycoSuivi")
        assert stack.download(stack.patient(holder), holder, filed.document_id)[1][:5] == b"%PDF-"

        (record,) = eventually(lambda: stack.records_about(holder, filed.document_id, apb.ACTION_CREATE) or None,
                               what="the app's deposit in audit")
        assert (record.actor.type, record.actor.id, record.actor.display_name, record.decision, record.rule) == (
            apb.ACTOR_TYPE_SERVICE_TIERS, app_id, "GlycoSuivi", apb.DECISION_ALLOWED, "app_deposit")
        history = stack.audit.ListActivity(apb.ListActivityRequest(
            patient_id=holder, actor_types=[apb.ACTOR_TYPE_SERVICE_TIERS]), metadata=stack.patient(holder), timeout=10)
        assert [r.actor.display_name for r in history.records] == ["GlycoSuivi (service connecté)"]
        (told,) = eventually(lambda: [n.body for n in stack.bell(holder, "AJOUT_DOCUMENT")] or None,
                             what="the holder's notice")
        assert "par GlycoSuivi" in told

    def test_a_resent_upload_is_filed_once(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [REPORTS])
        first = upload_report(stack, token, holder, upload_id="agp-2026-11")
        again = upload_report(stack, token, holder, upload_id="agp-2026-11")
        assert again.document_id == first.document_id and stack.rows(holder) == 1

    @pytest.mark.parametrize(("fields", "reason"), [
        ({"type_code": "11488-4"}, "CONSENT_NOT_GIVEN"),
        ({"type_code": "nope"}, "INVALID_TYPE_CODE"),
        ({"type_code": ""}, "INVALID_TYPE_CODE"),
        ({"hidden_from_patient": True}, "NOT_AN_AUTHOR"),
    ], ids=["a type not consented", "an unknown type", "no type", "hidden from the patient"])
    def test_what_its_consents_or_the_rules_do_not_allow_is_refused_and_nothing_stored(self, stack, app, app_id, fields,
                                                                                       reason):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [MEASURES, REPORTS])
        code, said = refusal(lambda: upload_report(stack, token, holder, **fields))
        expected = grpc.StatusCode.PERMISSION_DENIED if reason == "CONSENT_NOT_GIVEN" else grpc.StatusCode.INVALID_ARGUMENT
        assert (code, said) == (expected, reason) and stack.rows(holder) == 0

    def test_the_content_checks_stay(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [REPORTS])
        assert refusal(lambda: upload_report(stack, token, holder, data=EXECUTABLE)) == (
            grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_TYPE")
        assert refusal(lambda: upload_report(stack, token, holder, data=b"")) == (
            grpc.StatusCode.INVALID_ARGUMENT, "EMPTY")
        assert stack.rows(holder) == 0

    def test_a_partial_grant_without_documents_files_nothing(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [MEASURES])
        assert refusal(lambda: upload_report(stack, token, holder)) == (
            grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")
        (record,) = eventually(lambda: [r for r in stack.records(holder) if r.actor.id == app_id] or None,
                               what="the refusal in audit")
        assert (record.decision, record.rule) == (apb.DECISION_DENIED, "consent_not_given")

    def test_it_files_in_its_holder_s_space_only(self, stack, app, app_id):
        (holder, login), other = stack.new_holder(), stack.new_patient()
        token = paired(stack, app, login, [REPORTS])
        assert refusal(lambda: upload_report(stack, token, other)) == (
            grpc.StatusCode.PERMISSION_DENIED, "NOT_THE_APPS_HOLDER")
        assert stack.rows(other) == 0

    def test_withdrawing_the_purpose_or_disconnecting_stops_it_at_once(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [MEASURES, REPORTS])
        upload_report(stack, token, holder)
        catalogue(stack).SetConsents(cpb.SetConsentsRequest(patient_id=holder, app_id=app_id, purposes=[MEASURES]),
                                     metadata=stack.patient(holder), timeout=10)
        assert refusal(lambda: upload_report(stack, token, holder)) == (
            grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")
        again = paired(stack, app, login, [MEASURES, REPORTS])
        upload_report(stack, again, holder)
        catalogue(stack).Disconnect(cpb.DisconnectRequest(patient_id=holder, app_id=app_id),
                                    metadata=stack.patient(holder), timeout=10)
        assert refusal(lambda: upload_report(stack, again, holder)) == (
            grpc.StatusCode.PERMISSION_DENIED, "CONSENT_NOT_GIVEN")
        assert stack.rows(holder) == 2

    def test_a_token_identity_does_not_know_is_refused(self, stack, app, app_id):
        holder, login = stack.new_holder()
        paired(stack, app, login, [REPORTS])
        forged = app_token(stack, app_id, holder, str(uuid.uuid4()), [REPORTS])
        assert refusal(lambda: upload_report(stack, forged, holder)) == (
            grpc.StatusCode.UNAUTHENTICATED, "APP_TOKEN_REVOKED")
        assert stack.rows(holder) == 0


class TestAppReadsNothing:
    def test_listing_reading_downloading_and_changing_are_refused(self, stack, app, app_id):
        holder, login = stack.new_holder()
        token = paired(stack, app, login, [REPORTS])
        filed = upload_report(stack, token, holder)
        calls = {
            "list": lambda: stack.docs.ListDocuments(pb.ListDocumentsRequest(patient_id=holder), metadata=token,
                                                     timeout=10),
            "get": lambda: stack.docs.GetDocument(pb.GetDocumentRequest(
                patient_id=holder, document_id=filed.document_id), metadata=token, timeout=10),
            "download": lambda: stack.download(token, holder, filed.document_id),
            "delete": lambda: stack.docs.DeleteDocument(pb.DeleteDocumentRequest(
                patient_id=holder, document_id=filed.document_id), metadata=token, timeout=10),
            "folders": lambda: stack.docs.ListFolders(pb.ListFoldersRequest(patient_id=holder), metadata=token,
                                                      timeout=10),
        }
        # the kit refuses an app's token on every RPC but the upload (the contract's option apps)
        assert {name: refusal(call) for name, call in calls.items()} == {
            name: (grpc.StatusCode.PERMISSION_DENIED, "APP_NOT_ALLOWED") for name in calls}
        assert stack.rows(holder) == 1
