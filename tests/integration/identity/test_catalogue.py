"""The catalogue of trusted apps over real gRPC: operators reference, change, suspend apps and
rotate their secrets; patients browse the listed ones; the holder manages her connections."""
from __future__ import annotations

import grpc
import pytest
from mes.catalogue.v1 import catalogue_pb2 as cpb

from devtools.rpc_errors import error_of
from meskit.auth import DELEGATE, OPERATOR, PATIENT, PROFESSIONAL, Caller
from meskit.status import details

from catalogue_fixtures import REDIRECT_URI, catalogue_stub, measures_purpose, reference, sample_app


def fields_of(error) -> set[str]:
    return {v.field for v in details(error).violations}


class TestReferenceApp:
    def test_operator_references_an_app_and_gets_its_secret_once(self, identity):
        referenced = reference(identity, status=cpb.APP_STATUS_UNSPECIFIED)
        assert len(referenced.client_secret) >= 32
        assert referenced.app.status == cpb.APP_STATUS_PRESERIE
        assert referenced.app.purposes_version == 1
        assert list(referenced.app.redirect_uris) == [REDIRECT_URI]
        again = catalogue_stub(identity).GetApp(cpb.GetAppRequest(app_id=referenced.app.app_id),
                                                metadata=identity.operator())
        assert again.name == "GlycoSuivi" and [p.code for p in again.purposes] == ["MESURES_GLYCEMIE",
                                                                                   "RAPPORTS_GLYCEMIE"]

    @pytest.mark.parametrize("actor", [PATIENT, DELEGATE, PROFESSIONAL])
    def test_only_operators_reference(self, identity, actor):
        error = error_of(lambda: catalogue_stub(identity).ReferenceApp(
            cpb.ReferenceAppRequest(app=sample_app()), metadata=identity.as_(Caller(actor, "x", on_behalf_of="y"))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED

    def test_unauthenticated(self, identity):
        error = error_of(lambda: catalogue_stub(identity).ReferenceApp(cpb.ReferenceAppRequest(app=sample_app())))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED

    @pytest.mark.parametrize("overrides, field", [
        ({"name": ""}, "app.name"),
        ({"publisher": ""}, "app.publisher"),
        ({"name": "x" * 101}, "app.name"),
        ({"purposes": []}, "app.purposes"),
        ({"purposes": [cpb.Purpose(code="X", label="x")]}, "app.purposes[0].exchanges"),
        ({"purposes": [cpb.Purpose(code="bad code", label="x", exchanges=measures_purpose().exchanges)]},
         "app.purposes[0].code"),
        ({"purposes": [measures_purpose(), measures_purpose()]}, "app.purposes[1].code"),
        ({"purposes": [cpb.Purpose(code="X", label="x", exchanges=[cpb.DataExchange(
            perimeter=cpb.PERIMETER_MEASURES, action=cpb.EXCHANGE_ACTION_READ)])]},
         "app.purposes[0].exchanges[0].categories"),
        ({"purposes": [cpb.Purpose(code="X", label="x", exchanges=[cpb.DataExchange(
            action=cpb.EXCHANGE_ACTION_READ, categories=["GLUCOSE"])])]}, "app.purposes[0].exchanges[0].perimeter"),
        ({"redirect_uris": []}, "app.redirect_uris"),
        ({"redirect_uris": ["http://glyco.example/callback"]}, "app.redirect_uris[0]"),
        ({"redirect_uris": ["/callback"]}, "app.redirect_uris[0]"),
        ({"redirect_uris": ["https://glyco.example/cb#frag"]}, "app.redirect_uris[0]"),
        ({"status": 42}, "app.status"),
        ({"client_auth_method": 9}, "app.client_auth_method"),
        ({"website_url": "http://glyco.example"}, "app.website_url"),
        ({"themes": ["diabète"]}, "app.themes[0]"),
    ])
    def test_malformed_apps_are_refused_naming_the_field(self, identity, overrides, field):
        error = error_of(lambda: reference(identity, **overrides))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in fields_of(error)

    def test_https_and_loopback_redirects_are_fine(self, identity):
        uris = ["https://glyco.example/callback", "http://localhost:9000/cb", "http://[::1]:9000/cb"]
        assert list(reference(identity, redirect_uris=uris).app.redirect_uris) == uris


class TestUpdateAndStatus:
    def test_update_replaces_fields_and_keeps_name_and_status(self, identity):
        app = reference(identity).app
        changed = catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(app_id=app.app_id, app=sample_app(
            name="", publisher="", status=cpb.APP_STATUS_UNSPECIFIED, description="Nouvelle description",
            themes=["DIABETE", "PREVENTION"])), metadata=identity.operator())
        assert (changed.name, changed.status, changed.description) == (
            "GlycoSuivi", cpb.APP_STATUS_EN_LIGNE, "Nouvelle description")
        assert changed.purposes_version == 1        # the same purposes

    def test_a_change_of_purposes_bumps_the_version(self, identity):
        app = reference(identity).app
        changed = catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(
            app_id=app.app_id, app=sample_app(purposes=[measures_purpose()]), reapproval_days=10),
            metadata=identity.operator())
        assert changed.purposes_version == 2

    @pytest.mark.parametrize("days", [-1, 181])
    def test_reapproval_days_out_of_range(self, identity, days):
        app = reference(identity).app
        error = error_of(lambda: catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(
            app_id=app.app_id, app=sample_app(), reapproval_days=days), metadata=identity.operator()))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "reapproval_days" in fields_of(error)

    def test_unknown_app(self, identity):
        for call in (lambda: catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(
                app_id="00000000-0000-0000-0000-000000000000", app=sample_app()), metadata=identity.operator()),
                lambda: catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(
                    app_id="nope", status=cpb.APP_STATUS_SUSPENDUE), metadata=identity.operator()),
                lambda: catalogue_stub(identity).RotateAppSecret(cpb.RotateAppSecretRequest(app_id="x" * 37),
                                                                 metadata=identity.operator())):
            assert error_of(call).code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)

    def test_set_status_needs_a_known_status(self, identity):
        app = reference(identity).app
        for status in (cpb.APP_STATUS_UNSPECIFIED, 17):
            error = error_of(lambda: catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(
                app_id=app.app_id, status=status), metadata=identity.operator()))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "status" in fields_of(error)
        suspended = catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(
            app_id=app.app_id, status=cpb.APP_STATUS_SUSPENDUE, reason="Incident de sécurité"),
            metadata=identity.operator())
        assert suspended.status == cpb.APP_STATUS_SUSPENDUE

    def test_rotate_secret_gives_a_new_one(self, identity):
        referenced = reference(identity)
        rotated = catalogue_stub(identity).RotateAppSecret(cpb.RotateAppSecretRequest(app_id=referenced.app.app_id),
                                                           metadata=identity.operator())
        assert rotated.client_secret and rotated.client_secret != referenced.client_secret

    def test_a_patient_cannot_change_an_app(self, identity):
        app = reference(identity).app
        patient = identity.as_(Caller(PATIENT, "p"))
        for call in (lambda: catalogue_stub(identity).UpdateApp(cpb.UpdateAppRequest(app_id=app.app_id,
                                                                                    app=sample_app()), metadata=patient),
                     lambda: catalogue_stub(identity).SetAppStatus(cpb.SetAppStatusRequest(
                         app_id=app.app_id, status=cpb.APP_STATUS_SUSPENDUE), metadata=patient),
                     lambda: catalogue_stub(identity).RotateAppSecret(cpb.RotateAppSecretRequest(app_id=app.app_id),
                                                                      metadata=patient)):
            assert error_of(call).code() == grpc.StatusCode.PERMISSION_DENIED


class TestBrowsing:
    @pytest.fixture
    def apps(self, identity):
        made = {}
        for name, status, themes, regions in (("Alpha", cpb.APP_STATUS_EN_LIGNE, ["DIABETE"], []),
                                               ("Bravo", cpb.APP_STATUS_HORS_LIGNE, ["PREVENTION"], ["11"]),
                                               ("Charlie", cpb.APP_STATUS_PRESERIE, ["DIABETE"], []),
                                               ("Delta", cpb.APP_STATUS_SUSPENDUE, ["DIABETE"], []),
                                               ("Echo", cpb.APP_STATUS_EN_LIGNE, ["DIABETE"], ["84"])):
            made[name] = reference(identity, name=name, status=status, themes=themes, regions=regions).app.app_id
        return made

    def names(self, identity, caller, **filters):
        reply = catalogue_stub(identity).ListApps(cpb.ListAppsRequest(**filters), metadata=caller)
        return [a.name for a in reply.apps], reply

    def test_patients_see_listed_apps_without_their_secrets(self, identity, apps):
        names, reply = self.names(identity, identity.as_(Caller(PATIENT, "p")))
        assert names == ["Alpha", "Bravo", "Echo"]
        assert all(not a.redirect_uris and a.client_auth_method == 0 for a in reply.apps)
        delegate = identity.as_(Caller(DELEGATE, "d", on_behalf_of="p"))
        assert self.names(identity, delegate)[0] == ["Alpha", "Bravo", "Echo"]

    def test_operators_see_every_status_and_filter_on_one(self, identity, apps):
        assert self.names(identity, identity.operator())[0] == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
        assert self.names(identity, identity.operator(), status=cpb.APP_STATUS_SUSPENDUE)[0] == ["Delta"]
        error = error_of(lambda: self.names(identity, identity.as_(Caller(PATIENT, "p")),
                                            status=cpb.APP_STATUS_SUSPENDUE))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT

    def test_filters_by_theme_and_region(self, identity, apps):
        patient = identity.as_(Caller(PATIENT, "p"))
        assert self.names(identity, patient, theme="DIABETE")[0] == ["Alpha", "Echo"]
        assert self.names(identity, patient, region="11")[0] == ["Alpha", "Bravo"]
        assert self.names(identity, patient, region="84", theme="DIABETE")[0] == ["Alpha", "Echo"]

    def test_pages(self, identity, apps):
        operator = identity.operator()
        first, reply = self.names(identity, operator, page_size=2)
        second, reply2 = self.names(identity, operator, page_size=2, page_token=reply.next_page_token)
        third, reply3 = self.names(identity, operator, page_size=2, page_token=reply2.next_page_token)
        assert (first, second, third, reply3.next_page_token) == (["Alpha", "Bravo"], ["Charlie", "Delta"],
                                                                  ["Echo"], "")
        error = error_of(lambda: self.names(identity, operator, page_size=2, theme="DIABETE",
                                            page_token=reply.next_page_token))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_of(lambda: self.names(identity, operator, page_token="garbage!")).code() == \
            grpc.StatusCode.INVALID_ARGUMENT
        assert error_of(lambda: self.names(identity, operator, page_size=-1)).code() == \
            grpc.StatusCode.INVALID_ARGUMENT

    def test_get_app_hides_unlisted_apps_from_patients(self, identity, apps):
        patient = identity.as_(Caller(PATIENT, "p"))
        assert catalogue_stub(identity).GetApp(cpb.GetAppRequest(app_id=apps["Alpha"]), metadata=patient).name == "Alpha"
        for name in ("Charlie", "Delta"):
            error = error_of(lambda: catalogue_stub(identity).GetApp(cpb.GetAppRequest(app_id=apps[name]),
                                                                     metadata=patient))
            assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error_of(lambda: catalogue_stub(identity).GetApp(cpb.GetAppRequest(), metadata=patient)).code() == \
            grpc.StatusCode.INVALID_ARGUMENT

    def test_professionals_do_not_browse(self, identity, apps):
        error = error_of(lambda: self.names(identity, identity.as_(Caller(PROFESSIONAL, "x"))))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


class TestDemoApp:
    def test_the_demo_glucose_meter_is_referenced_and_listed(self, identity):
        from devtools.demo_catalogue import REDIRECT_URI as DEMO_REDIRECT, seed_catalogue
        kept = seed_catalogue(identity.address, identity.operator())["app"]
        assert kept["client_secret"] and kept["redirect_uri"] == DEMO_REDIRECT == "http://127.0.0.1:8765/callback"
        listed = catalogue_stub(identity).ListApps(cpb.ListAppsRequest(theme="DIABETE"),
                                                   metadata=identity.as_(Caller(PATIENT, "p"))).apps
        assert [(a.app_id, a.name, a.publisher) for a in listed] == [(kept["client_id"], "GlycoSuivi",
                                                                      "Diabeto Connect")]
        measures, reports = listed[0].purposes
        assert list(measures.exchanges[0].categories) == ["GLUCOSE", "INTERSTITIAL_GLUCOSE", "GLYCATED_HEMOGLOBIN",
                                                          "HEMOGLOBIN_GLYCATION_INDEX"]
        assert list(reports.exchanges[0].categories) == ["11502-2"]
