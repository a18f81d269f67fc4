"""The demo's referenced app: GlycoSuivi, a connected glucose meter by Diabeto Connect (DOMAIN §9's
seed example), referenced once through identity's operator RPC ReferenceApp. Its client id and
secret are kept in the demo's state file (var/demo.json) and printed by `make run`, so that an OAuth
client can pair with the demo patient's space at http://127.0.0.1:8765/callback."""
from __future__ import annotations

import grpc
from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc

REDIRECT_URI = "http://127.0.0.1:8765/callback"
# the glucose measurement codes of profile's measurement rules (profile.domain.measurement_rules.KINDS)
GLUCOSE_MEASUREMENTS = ["GLUCOSE", "INTERSTITIAL_GLUCOSE", "GLYCATED_HEMOGLOBIN", "HEMOGLOBIN_GLYCATION_INDEX"]
GLUCOSE_REPORT_TYPE = "11502-2"       # LOINC "CR d'examens biologiques" (class 10), the AGP report's type here

GLYCOSUIVI = cpb.App(
    name="GlycoSuivi", publisher="Diabeto Connect",
    description="Lecteur de glycémie connecté : vos mesures et vos rapports glycémiques (AGP) dans votre profil.",
    themes=["DIABETE"], status=cpb.APP_STATUS_EN_LIGNE, redirect_uris=[REDIRECT_URI],
    client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, website_url="https://glycosuivi.example",
    purposes=[
        cpb.Purpose(code="MESURES_GLYCEMIE", label="Partager vos mesures de glycémie",
                    description="Le lecteur ajoute vos glycémies à votre profil médical et lit les dernières.",
                    exchanges=[cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=cpb.EXCHANGE_ACTION_WRITE,
                                                categories=GLUCOSE_MEASUREMENTS),
                               cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=cpb.EXCHANGE_ACTION_READ,
                                                categories=["GLUCOSE"])]),
        cpb.Purpose(code="RAPPORTS_GLYCEMIE", label="Déposer vos rapports glycémiques",
                    description="Le lecteur dépose chaque mois votre rapport glycémique (AGP) dans vos documents.",
                    exchanges=[cpb.DataExchange(perimeter=cpb.PERIMETER_DOCUMENTS, action=cpb.EXCHANGE_ACTION_WRITE,
                                                categories=[GLUCOSE_REPORT_TYPE])]),
    ])


def seed_catalogue(identity_addr: str, operator_metadata) -> dict:
    """What the demo's state file keeps of the app: its client id and secret (shown once)."""
    with grpc.insecure_channel(identity_addr) as channel:
        referenced = catalogue_pb2_grpc.CatalogueServiceStub(channel).ReferenceApp(
            cpb.ReferenceAppRequest(app=GLYCOSUIVI), metadata=operator_metadata, timeout=10)
    return {"app": {"name": referenced.app.name, "publisher": referenced.app.publisher,
                    "client_id": referenced.app.app_id, "client_secret": referenced.client_secret,
                    "redirect_uri": REDIRECT_URI}}
