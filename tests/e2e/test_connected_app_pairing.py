"""A connected glucose meter's whole journey through the gateway (DOMAIN §9, §10.8), the app played
by Authlib's OAuth 2.0 client: the holder finds the demo app in the catalogue, the app sends her to
the login page (password, then the code read from her mail), she consents to its purposes, the app
exchanges the code (PKCE S256) for tokens, sends a glycaemia Observation and a glucose report PDF;
the holder sees both, authored by the app, and her history names it. She withdraws the measures
purpose: the tokens issued before stop at once (the FHIR 403 "Consent not given", the refresh token
refused); paired again for the reports alone, the app files reports but sends no measure; she
disconnects it and its tokens stop at once."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import grpc
import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError
from mes.identity.v1 import identity_pb2 as ipb
from mes.identity.v1 import identity_pb2_grpc

from demo_login import login, wait_for_code
from devtools.demo import _nir, _patient, operator_token
from devtools.demo_catalogue import GLUCOSE_REPORT_TYPE
from devtools.eventually import eventually
from devtools.samples import blank_pdf
from devtools.smtp_sink import read_mails
from family import history
from html_forms import forms_of, submit

PASSWORD = "Sucre-Lorient-1961!"
LOGIN_ID, EMAIL = "odile.glycemie", "odile.glycemie@example.fr"
MEASURES, REPORTS = "MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"
FHIR = "application/fhir+json"
APP_WRITES = {("measurement", "ACTION_CREATE"), ("document", "ACTION_CREATE")}
MOMENT = "https://interop.esante.gouv.fr/ig/fhir/mesures/StructureDefinition/mesures-moment-of-measurement"


@pytest.fixture(scope="module")
def holder(platform) -> tuple[str, httpx.Client]:
    """A patient of this test alone, activated and logged in through the gateway."""
    birth = "1961-03-02"
    nir = _nir("2", birth, "56", "121", "417")
    with grpc.insecure_channel(platform.address("identity")) as channel:
        created = identity_pb2_grpc.IdentityServiceStub(channel).CreateAccount(ipb.CreateAccountRequest(**{
            **_patient(), "nir": nir, "birth_date": birth, "given_name": "Odile", "family_name": "Glycémie"}),
            metadata=[("authorization", f"Bearer {operator_token(platform.key_file)}")])
    client = httpx.Client(base_url=platform.gateway_url, timeout=30)
    activated = client.post("/v1/activations", json={
        "provisional_code": created.provisional_code, "nir": nir, "vitale_serial": _patient()["vitale_serial"],
        "login_id": LOGIN_ID, "password": PASSWORD, "email": EMAIL, "accept_terms": True})
    assert activated.status_code == 200, activated.text
    session = login(client, platform.mail_dir, LOGIN_ID, PASSWORD, EMAIL)
    client.headers["Authorization"] = f"Bearer {session['accessToken']}"
    yield created.account.account_id, client
    client.close()


@pytest.fixture(scope="module")
def demo_app(platform) -> dict:
    return platform.demo["app"]


def app_session(platform, demo_app, **extra) -> OAuth2Session:
    return OAuth2Session(demo_app["client_id"], demo_app["client_secret"], scope=f"{MEASURES} {REPORTS}",
                         redirect_uri=demo_app["redirect_uri"], code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic", **extra)


def pair(platform, demo_app, consented: set[str]) -> tuple[OAuth2Session, dict]:
    """The pairing as the holder lives it in her browser; the app's session and tokens."""
    app = app_session(platform, demo_app)
    verifier = generate_token(48)
    url, state = app.create_authorization_url(f"{platform.gateway_url}/oauth/authorize", code_verifier=verifier)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        (form,) = [f for f in forms_of(page.text) if f.names("password")]
        (login_field,) = [f.name for f in form.fields if f.kind in ("text", "email")]
        before = len(read_mails(platform.mail_dir))
        page = submit(browser, page, form, {login_field: LOGIN_ID, form.names("password")[0]: PASSWORD})
        assert page.status_code == 200, page.text
        code = wait_for_code(platform.mail_dir, EMAIL, before)
        (form,) = [f for f in forms_of(page.text) if any(x.kind in ("text", "number", "tel") for x in f.fields)]
        (code_field,) = [f.name for f in form.fields if f.kind in ("text", "number", "tel")]
        page = submit(browser, page, form, {code_field: code})
        assert page.status_code == 200, page.text
        assert "GlycoSuivi" in page.text
        (form,) = [f for f in forms_of(page.text) if f.names("checkbox")]
        assert set(form.checkbox_values()) == {MEASURES, REPORTS}
        back = submit(browser, page, form, checked=consented, button="allow")
    assert back.status_code in (302, 303), back.text
    location = back.headers["location"]
    assert location.startswith(demo_app["redirect_uri"]) and parse_qs(urlsplit(location).query)["state"] == [state]
    token = app.fetch_token(f"{platform.gateway_url}/oauth/token", authorization_response=location,
                            code_verifier=verifier)
    return app, token


def glycaemia(identifier: str, value: float = 104) -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {"method": "POST", "url": "Observation"},
            "resource": {
                "resourceType": "Observation", "status": "final",
                "identifier": [{"system": "https://glycosuivi.example/mesures", "value": identifier}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
                "effectiveDateTime": "2026-11-30T07:45:00+01:00",
                "valueQuantity": {"value": value, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
                "extension": [{"url": MOMENT, "valueCodeableConcept": {
                    "coding": [{"system": "http://loinc.org", "code": "53049-3"}]}}]}}]}


def as_app(platform, token: str) -> httpx.Client:
    return httpx.Client(base_url=platform.gateway_url, timeout=30, headers={"authorization": f"Bearer {token}"})


def report(app: httpx.Client, holder_id: str, type_code: str) -> httpx.Response:
    metadata = {"patientId": holder_id, "title": "Rapport glycémique (AGP) novembre", "typeCode": type_code}
    return app.post(f"/v1/patients/{holder_id}/documents",
                    files={"metadata": (None, json.dumps(metadata), "application/json"),
                           "file": ("agp-novembre.pdf", blank_pdf(), "application/pdf")})


def test_the_holder_finds_the_app_in_the_catalogue(holder):
    _, me = holder
    found = me.get("/v1/catalogue/apps", params={"theme": "DIABETE"})
    assert found.status_code == 200, found.text
    (app,) = [a for a in found.json()["apps"] if a["name"] == "GlycoSuivi"]
    assert app["publisher"] == "Diabeto Connect" and {p["code"] for p in app["purposes"]} == {MEASURES, REPORTS}
    assert not app.get("redirectUris")                    # the app's own business


def test_a_paired_app_pushes_a_glycaemia_and_a_report_the_holder_sees(platform, demo_app, holder):
    holder_id, me = holder
    _, token = pair(platform, demo_app, {MEASURES, REPORTS})
    assert set(token["scope"].split()) == {MEASURES, REPORTS} and token["expires_in"] == 600
    with as_app(platform, token["access_token"]) as app:
        sent = app.post("/fhir/r4", content=json.dumps(glycaemia("m-1")), headers={"content-type": FHIR})
        assert sent.status_code == 200, sent.text
        assert sent.json()["type"] == "transaction-response"
        again = app.post("/fhir/r4", content=json.dumps(glycaemia("m-1")), headers={"content-type": FHIR})
        assert again.status_code == 200 and again.json()["entry"][0]["response"]["status"].startswith("200")
        filed = report(app, holder_id, GLUCOSE_REPORT_TYPE)
        assert filed.status_code == 200, filed.text
        assert app.get(f"/v1/patients/{holder_id}/documents").status_code == 403     # apps read no document

    measured = me.get(f"/v1/patients/{holder_id}/profile/measurements", params={"code": "GLUCOSE"})
    assert measured.status_code == 200, measured.text
    (glucose,) = measured.json()["measurements"]                 # the resend stored nothing
    assert (glucose["authorType"], glucose["authorName"]) == ("EDITOR_SOLUTION", "GlycoSuivi")
    documents = me.get(f"/v1/patients/{holder_id}/documents").json()["documents"]
    assert [d["title"] for d in documents] == ["Rapport glycémique (AGP) novembre"]
    eventually(lambda: {(r["resourceType"], r["action"]) for r in history(me, holder_id)
                                 if r["actor"].get("displayName") == "GlycoSuivi (service connecté)"} >= APP_WRITES,
                        what="the app's writes in the holder's history")
    assert ("app_connection", "ACTION_SETTINGS_CHANGE") in {(r["resourceType"], r["action"]) for r in history(me, holder_id)}
    (connection,) = me.get(f"/v1/patients/{holder_id}/connections").json()["connections"]
    assert connection["status"] == "CONNECTION_STATUS_ACTIVE"
    assert set(connection["consentedPurposes"]) == {MEASURES, REPORTS}


def test_withdrawn_consent_and_disconnection_stop_the_app_at_once(platform, demo_app, holder):
    holder_id, me = holder
    app, token = pair(platform, demo_app, {MEASURES, REPORTS})
    withdrawn = me.post(f"/v1/patients/{holder_id}/connections/{demo_app['client_id']}:setConsents",
                        json={"purposes": [REPORTS]})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consentedPurposes"] == [REPORTS]
    with as_app(platform, token["access_token"]) as client:     # a withdrawal stops the tokens issued before it
        refused = client.post("/fhir/r4", content=json.dumps(glycaemia("m-2")), headers={"content-type": FHIR})
        assert refused.status_code == 403, refused.text
        assert [(i["code"], i["diagnostics"]) for i in refused.json()["issue"]] == [("forbidden", "Consent not given")]
        assert report(client, holder_id, GLUCOSE_REPORT_TYPE).status_code == 403
    with pytest.raises(OAuthError) as refresh:
        app.refresh_token(f"{platform.gateway_url}/oauth/token", refresh_token=token["refresh_token"])
    assert refresh.value.error == "invalid_grant"

    app, token = pair(platform, demo_app, {REPORTS})             # paired again, for the reports alone
    assert token["scope"] == REPORTS
    with as_app(platform, token["access_token"]) as client:
        again = client.post("/fhir/r4", content=json.dumps(glycaemia("m-2")), headers={"content-type": FHIR})
        assert again.status_code == 403, again.text
        kept = report(client, holder_id, GLUCOSE_REPORT_TYPE)
        assert kept.status_code == 200, kept.text
    disconnected = me.post(f"/v1/patients/{holder_id}/connections/{demo_app['client_id']}:disconnect", json={})
    assert disconnected.status_code == 200, disconnected.text
    with as_app(platform, token["access_token"]) as client:
        assert report(client, holder_id, GLUCOSE_REPORT_TYPE).status_code in (401, 403)
    with pytest.raises(OAuthError) as refresh:
        app.refresh_token(f"{platform.gateway_url}/oauth/token", refresh_token=token["refresh_token"])
    assert refresh.value.error == "invalid_grant"
    (connection,) = me.get(f"/v1/patients/{holder_id}/connections").json()["connections"]
    assert connection["status"] == "CONNECTION_STATUS_DISCONNECTED"


def test_nonconforming_observations_are_operation_outcomes_and_store_nothing(platform, demo_app, holder):
    holder_id, me = holder
    _, token = pair(platform, demo_app, {MEASURES})
    wrong_unit = glycaemia("bad-1")
    wrong_unit["entry"][0]["resource"]["valueQuantity"].update(unit="kg", code="kg")
    out_of_range = glycaemia("bad-2", value=90000)
    bmi = glycaemia("bad-3")
    bmi["entry"][0]["resource"].update(code={"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
                                       valueQuantity={"value": 24, "unit": "kg/m2", "system": "http://unitsofmeasure.org",
                                                      "code": "kg/m2"})
    bmi["entry"][0]["resource"].pop("extension")
    too_many = {"resourceType": "Bundle", "type": "batch",
                "entry": glycaemia("bad-4")["entry"] * 1001}
    before = me.get(f"/v1/patients/{holder_id}/profile/measurements", params={"code": "GLUCOSE"}).json()
    with as_app(platform, token["access_token"]) as app:
        for bundle, field in ((wrong_unit, "valueQuantity"), (out_of_range, "valueQuantity"), (bmi, "code"),
                              (too_many, "Bundle.entry")):
            refused = app.post("/fhir/r4", content=json.dumps(bundle), headers={"content-type": FHIR})
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"] == FHIR
            outcome = refused.json()
            assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "invalid"
            assert field in outcome["issue"][0]["expression"][0]
    assert me.get(f"/v1/patients/{holder_id}/profile/measurements", params={"code": "GLUCOSE"}).json() == before


def test_plain_pkce_and_a_foreign_redirect_uri_are_refused(platform, demo_app, holder):
    app = app_session(platform, demo_app)
    url, _ = app.create_authorization_url(f"{platform.gateway_url}/oauth/authorize", code_verifier=generate_token(48))
    assert "code_challenge_method=S256" in url
    plain = httpx.get(url.replace("code_challenge_method=S256", "code_challenge_method=plain"), timeout=30)
    assert plain.status_code in (302, 303, 400)
    if plain.status_code != 400:
        assert parse_qs(urlsplit(plain.headers["location"]).query)["error"] == ["invalid_request"]
    wrong = httpx.get(url.replace(demo_app["redirect_uri"].replace(":", "%3A").replace("/", "%2F"),
                                  "https%3A%2F%2Fevil.example%2Fcallback"), timeout=30)
    assert wrong.status_code == 400 and "evil.example" not in wrong.headers.get("location", "")
