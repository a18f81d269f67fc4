"""A connected app files documents in its holder's space within her consents, and reads none
(DOMAIN §9): the decision parts, and the upload use-case over in-memory stand-ins for its stores."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from mes.catalogue.v1 import catalogue_pb2 as cat
from mes.identity.v1 import identity_pb2 as ipb

from documents_samples import pdf
from meskit.auth import APP, Caller
from meskit.errors import InvalidArgument, PermissionDenied

from documents.adapters.identity import context_from_pb
from documents.adapters.matrix_file import load_matrix
from documents.domain import apps, deposit, permissions, reach
from documents.domain.access import ActorType, AuthorType, PatientSettings, decide
from documents.domain.access.decide import ACTOR_WITHOUT_DOCUMENT_ACCESS
from documents.domain.actors import AccessContext, who
from documents.domain.models import Author
from documents.domain.ports import Dependencies

MATRIX = load_matrix()
NOW = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
GLYCO = Caller(APP, "app-glyco", token_id="jti-1", on_behalf_of="pat", scopes=("SUIVI_GLYCEMIE",))
REPORT = "11502-2"     # CR d'examens biologiques: the glucose report the app consented to file


def grant_pb(*exchanges: cat.DataExchange) -> ipb.AppGrant:
    return ipb.AppGrant(app_id="app-glyco", app_name="GlycoSuivi", purposes=["SUIVI_GLYCEMIE"], exchanges=exchanges)


WRITES_REPORTS = grant_pb(
    cat.DataExchange(perimeter=cat.PERIMETER_MEASURES, action=cat.EXCHANGE_ACTION_WRITE, categories=["GLUCOSE"]),
    cat.DataExchange(perimeter=cat.PERIMETER_DOCUMENTS, action=cat.EXCHANGE_ACTION_WRITE, categories=[REPORT]))


def context(grant: ipb.AppGrant | None = WRITES_REPORTS, **values) -> AccessContext:
    reply = ipb.AccessContext(settings=ipb.AccessSettings(patient_id="pat"), **values)
    if grant is not None:
        reply.app_grant.CopyFrom(grant)
    return context_from_pb(reply)


class Contexts:
    def __init__(self, found: AccessContext):
        self.found, self.asked = found, []

    def get(self, patient_id, professional_id="", app=None):
        self.asked.append((patient_id, professional_id, app))
        return self.found


class Repo:
    def __init__(self):
        self.documents, self.audit, self.notices = [], [], []

    def get_document(self, patient_id, document_id, *, for_update=False):
        return None

    def find_upload(self, patient_id, upload_key, upload_id):
        return next((d for d, key in self.documents
                     if (d.patient_id, key, d.upload_id) == (patient_id, upload_key, upload_id)), None)

    def get_folder(self, patient_id, folder_id):
        return None

    def add_document(self, d, *, upload_key="", if_absent=False):
        self.documents.append((d, upload_key))
        return True

    def add_audit(self, record):
        self.audit.append(record)

    def add_notice(self, envelope, *, once=False):
        self.notices.append(envelope)
        return True


class Objects:
    def __init__(self):
        self.stored = {}

    def put(self, key, data, content_type):
        self.stored[key] = data
        return key

    def delete(self, key):
        self.stored.pop(key, None)


def stores(found: AccessContext) -> tuple[Dependencies, Repo, Objects, Contexts]:
    repo, objects, contexts = Repo(), Objects(), Contexts(found)

    @contextmanager
    def unit_of_work():
        yield repo
    deps = Dependencies(unit_of_work=unit_of_work, objects=objects, contexts=contexts, audit=None,
                        matrix=MATRIX, now=lambda: NOW)
    return deps, repo, objects, contexts


def upload(deps, *, patient_id="pat", type_code=REPORT, **meta):
    return deposit.upload(deps, GLYCO, deposit.UploadMeta(patient_id=patient_id, type_code=type_code,
                                                          title="Rapport glycémique", **meta), [pdf()])


def test_the_catalogue_values_are_the_contract_s():
    assert (apps.PERIMETER_DOCUMENTS, apps.EXCHANGE_ACTION_WRITE) == (cat.PERIMETER_DOCUMENTS, cat.EXCHANGE_ACTION_WRITE)
    assert ActorType.APP.value == APP and apps.DEVICE_AUTHOR == AuthorType.DEVICE.value


class TestAppRights:
    @pytest.mark.parametrize("exchange", [
        cat.DataExchange(perimeter=cat.PERIMETER_DOCUMENTS, action=cat.EXCHANGE_ACTION_READ, categories=[REPORT]),
        cat.DataExchange(perimeter=cat.PERIMETER_MEASURES, action=cat.EXCHANGE_ACTION_WRITE, categories=[REPORT]),
        cat.DataExchange(perimeter=cat.PERIMETER_DOCUMENTS, action=cat.EXCHANGE_ACTION_WRITE, categories=["11488-4"]),
    ], ids=["reading", "another perimeter", "another type"])
    def test_writes_only_a_consented_document_type(self, exchange):
        assert apps.may_write(context().app, REPORT)
        assert not apps.may_write(context(grant_pb(exchange)).app, REPORT)
        assert not apps.may_write(None, REPORT)

    def test_files_documents_and_reads_none(self):
        w = who(stores(context())[0], GLYCO, "pat")
        assert w.actor.type == ActorType.APP and w.display_name == "GlycoSuivi"
        assert permissions.deposit_decision(w.actor, w.context.settings).rule == permissions.APP_DEPOSIT
        assert reach.space_refusal(w, NOW).rule == ACTOR_WITHOUT_DOCUMENT_ACCESS
        listing = permissions.list_decision(w.actor, w.context.settings, mode="normal", justification="")
        assert (listing.allowed, listing.rule) == (False, ACTOR_WITHOUT_DOCUMENT_ACCESS)

    def test_identity_is_asked_with_the_app(self):
        deps, _, _, contexts = stores(context())
        who(deps, GLYCO, "pat")
        assert contexts.asked == [("pat", "", GLYCO)]

    def test_is_refused_outside_its_holder_s_space_before_identity_is_asked(self):
        deps, _, _, contexts = stores(context())
        with pytest.raises(PermissionDenied) as refused:
            who(deps, GLYCO, "someone-else")
        assert refused.value.reason == "NOT_THE_APPS_HOLDER" and contexts.asked == []

    def test_a_closed_space_refuses_its_apps(self):
        w = who(stores(context(patient_space_closed=True))[0], GLYCO, "pat")
        assert reach.closed_decision(w) == reach.CLOSED


class TestAppUpload:
    def test_files_the_report_with_the_app_as_device_author(self):
        deps, repo, objects, _ = stores(context())
        shown = upload(deps, upload_id="r-1")
        document = shown.document
        assert document.author == Author(type="device", id="app-glyco", display_name="GlycoSuivi")
        assert (document.type_code, document.category, document.content_type) == (REPORT, "BIOLOGIE", "application/pdf")
        assert not shown.permissions.can_download and list(objects.stored) == [document.object_key]
        [record] = repo.audit
        assert (record.actor_type, record.actor_id, record.display_name, record.action, record.allowed,
                record.rule, record.on_behalf_of) == ("SERVICE_TIERS", "app-glyco", "GlycoSuivi", "CREATE", True,
                                                      permissions.APP_DEPOSIT, "")
        [notice] = repo.notices      # the holder is told, the app named as the document's author
        assert (notice.event_type, notice.patient_id, notice.payload.actor_display) == (
            "AJOUT_DOCUMENT", "pat", "GlycoSuivi")

    def test_a_resent_upload_is_filed_once(self):
        deps, repo, _, _ = stores(context())
        first, again = upload(deps, upload_id="r-1"), upload(deps, upload_id="r-1")
        assert again.document.document_id == first.document.document_id and len(repo.documents) == 1

    def test_a_type_not_consented_is_refused_audited_and_nothing_stored(self):
        deps, repo, objects, _ = stores(context())
        with pytest.raises(PermissionDenied) as refused:
            upload(deps, type_code="11488-4")
        assert (refused.value.reason, refused.value.message) == ("CONSENT_NOT_GIVEN", "Consent not given")
        assert repo.documents == [] and objects.stored == {}
        [record] = repo.audit
        assert (record.allowed, record.rule, record.display_name) == (False, apps.CONSENT_NOT_GIVEN, "GlycoSuivi")

    @pytest.mark.parametrize("type_code, reason", [("", "INVALID_TYPE_CODE"), ("nope", "INVALID_TYPE_CODE"),
                                                   ("DOCPAT03", "INVALID_TYPE_CODE")])
    def test_the_type_code_is_checked_first(self, type_code, reason):
        deps, repo, objects, _ = stores(context())
        with pytest.raises(InvalidArgument) as refused:
            upload(deps, type_code=type_code)
        assert refused.value.reason == reason and repo.documents == [] and objects.stored == {}

    def test_an_app_hides_nothing_from_the_patient(self):
        deps, repo, _, _ = stores(context())
        with pytest.raises(InvalidArgument) as refused:
            upload(deps, hidden_from_patient=True)
        assert refused.value.reason == "NOT_AN_AUTHOR" and repo.documents == []

    def test_the_content_checks_stay(self):
        deps, repo, objects, _ = stores(context())
        with pytest.raises(InvalidArgument) as refused:
            deposit.upload(deps, GLYCO, deposit.UploadMeta(patient_id="pat", type_code=REPORT), [b"MZ\x90\x00" * 64])
        assert refused.value.reason == "UNSUPPORTED_TYPE" and repo.documents == [] and objects.stored == {}
