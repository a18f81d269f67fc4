"""A glucose meter referenced in identity's catalogue and paired with a holder, for the FHIR exchange
tests: through the OAuth 2.0 flow as a browser and the app would go (identity's `oauth_pairing`
helper: login page, one-time code, consent page, token endpoint)."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))

import oauth_pairing  # noqa: E402
from documents_harness import PASSWORD  # noqa: E402

MEASURES, REPORTS = "MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"
APP_NAME = "GlycoSuivi"
REDIRECT_URI = "http://127.0.0.1:8765/callback"


def _exchange(action, codes: list[str]) -> cpb.DataExchange:
    return cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=action, categories=codes)


def catalogue(stack) -> catalogue_pb2_grpc.CatalogueServiceStub:
    return catalogue_pb2_grpc.CatalogueServiceStub(stack._channel("identity"))


def reference_glucometer(stack) -> cpb.ReferencedApp:
    """The app and its client secret: it writes glucose and blood pressure, and reads glucose."""
    app = cpb.App(name=APP_NAME, publisher="Diabeto Connect", description="Lecteur de glycémie connecté",
                  themes=["DIABETE"], status=cpb.APP_STATUS_EN_LIGNE, redirect_uris=[REDIRECT_URI],
                  client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, website_url="https://glyco.example",
                  purposes=[cpb.Purpose(code=MEASURES, label="Partager vos mesures de glycémie", exchanges=[
                      _exchange(cpb.EXCHANGE_ACTION_WRITE, ["GLUCOSE", "BLOOD_PRESSURE"]),
                      _exchange(cpb.EXCHANGE_ACTION_READ, ["GLUCOSE"])]),
                      cpb.Purpose(code=REPORTS, label="Déposer vos rapports glycémiques", exchanges=[
                          cpb.DataExchange(perimeter=cpb.PERIMETER_DOCUMENTS, action=cpb.EXCHANGE_ACTION_WRITE,
                                           categories=["11502-2"])])])
    return catalogue(stack).ReferenceApp(cpb.ReferenceAppRequest(app=app), metadata=stack.operator, timeout=10)


@dataclass
class _Identity:
    """What identity's pairing helper needs of identity: its channel and the mail it sends."""
    channel: grpc.Channel
    mail_dir: Path


def _identity(stack) -> _Identity:
    return _Identity(stack._channel("identity"), stack.tmp / "mail")


def pair_through_oauth(stack, app: cpb.ReferencedApp, login_id: str) -> dict:
    """The token endpoint's answer (access_token, refresh_token, scope...) after the holder logged in
    and ticked every purpose."""
    identity = _identity(stack)
    paired = oauth_pairing.pair(identity, app.app.app_id, login_id, PASSWORD, REDIRECT_URI)
    answer = oauth_pairing.exchange(identity, app.app.app_id, app.client_secret, paired)
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def refresh_through_oauth(stack, app: cpb.ReferencedApp, refresh_token: str):
    """The token endpoint's answer to the app's refresh token."""
    return oauth_pairing.refresh(_identity(stack), app.app.app_id, app.client_secret, refresh_token)


def bearer(tokens: dict) -> list[tuple[str, str]]:
    """The gRPC metadata of the app's calls, as the gateway forwards its bearer token."""
    return [("authorization", f"Bearer {tokens['access_token']}")]
