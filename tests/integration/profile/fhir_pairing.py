"""A glucose meter referenced in the catalogue and paired with a holder, for the FHIR exchange tests.
What a completed OAuth pairing leaves (the flow itself is identity's, tested there): the connection
consenting to the purposes, and one access token of them, written through identity's own domain."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc

from meskit import db
from meskit.auth import APP, Caller

MEASURES, REPORTS = "MESURES_GLYCEMIE", "RAPPORTS_GLYCEMIE"
APP_NAME = "GlycoSuivi"


def _exchange(action, codes: list[str]) -> cpb.DataExchange:
    return cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=action, categories=codes)


def reference_glucometer(stack) -> str:
    """The app (its id): it writes glucose and blood pressure, and reads glucose."""
    app = cpb.App(name=APP_NAME, publisher="Diabeto Connect", description="Lecteur de glycémie connecté",
                  themes=["DIABETE"], status=cpb.APP_STATUS_EN_LIGNE, redirect_uris=["http://127.0.0.1:8765/callback"],
                  client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, website_url="https://glyco.example",
                  purposes=[cpb.Purpose(code=MEASURES, label="Partager vos mesures de glycémie", exchanges=[
                      _exchange(cpb.EXCHANGE_ACTION_WRITE, ["GLUCOSE", "BLOOD_PRESSURE"]),
                      _exchange(cpb.EXCHANGE_ACTION_READ, ["GLUCOSE"])]),
                      cpb.Purpose(code=REPORTS, label="Déposer vos rapports glycémiques", exchanges=[
                          cpb.DataExchange(perimeter=cpb.PERIMETER_DOCUMENTS, action=cpb.EXCHANGE_ACTION_WRITE,
                                           categories=["11502-2"])])])
    stub = catalogue_pb2_grpc.CatalogueServiceStub(stack._channel("identity"))
    return stub.ReferenceApp(cpb.ReferenceAppRequest(app=app), metadata=stack.operator, timeout=10).app.app_id


def pair(stack, app_id: str, patient_id: str, purposes: tuple[str, ...] = (MEASURES, REPORTS)) -> Caller:
    """The app's caller, as the kit verifies its access token."""
    from identity.adapters.repository import IdentityRepository
    from identity.domain import connections
    from identity.domain.catalogue_models import ACCESS_KIND, AppToken, TokenFamily
    engine = db.make_engine(stack.urls["identity"], pool_size=1)
    try:
        now, jti, family_id = datetime.now(timezone.utc), str(uuid.uuid4()), str(uuid.uuid4())
        scope = " ".join(purposes)
        with db.unit_of_work(engine, IdentityRepository)() as repo:
            connections.consent(repo, repo.get_app(app_id), patient_id, purposes, now,
                                connection=repo.get_connection(patient_id, app_id, for_update=True))
            repo.add_token_family(TokenFamily(family_id, app_id, patient_id, scope, now, None, None))
            repo.add_app_token(AppToken(jti, ACCESS_KIND, family_id, scope, now, now + timedelta(minutes=10),
                                        None, None))
    finally:
        engine.dispose()
    return Caller(APP, app_id, token_id=jti, on_behalf_of=patient_id, scopes=purposes)
