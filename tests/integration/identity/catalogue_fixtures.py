"""A referenced app for the catalogue tests, and the people who use it."""
from __future__ import annotations

from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc
from mes.identity.v1 import identity_pb2 as pb

from devtools.demo import _nir, _patient

REDIRECT_URI = "http://127.0.0.1:8765/callback"
GLUCOSE_CODES = ["GLUCOSE"]


def measures_purpose(code: str = "MESURES_GLYCEMIE") -> cpb.Purpose:
    return cpb.Purpose(code=code, label="Partager vos mesures de glycémie",
                       description="Le lecteur ajoute vos glycémies à votre profil médical.",
                       exchanges=[cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=cpb.EXCHANGE_ACTION_WRITE,
                                                   categories=GLUCOSE_CODES),
                                  cpb.DataExchange(perimeter=cpb.PERIMETER_MEASURES, action=cpb.EXCHANGE_ACTION_READ,
                                                   categories=["GLUCOSE"])])


def reports_purpose() -> cpb.Purpose:
    return cpb.Purpose(code="RAPPORTS_GLYCEMIE", label="Déposer vos rapports glycémiques",
                       exchanges=[cpb.DataExchange(perimeter=cpb.PERIMETER_DOCUMENTS,
                                                   action=cpb.EXCHANGE_ACTION_WRITE, categories=["11502-2"])])


def sample_app(**overrides) -> cpb.App:
    fields = dict(name="GlycoSuivi", publisher="Diabeto Connect", description="Lecteur de glycémie connecté",
                  themes=["DIABETE"], regions=[], status=cpb.APP_STATUS_EN_LIGNE,
                  purposes=[measures_purpose(), reports_purpose()], redirect_uris=[REDIRECT_URI],
                  client_auth_method=cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC, website_url="https://glyco.example")
    fields.update(overrides)
    return cpb.App(**fields)


def catalogue_stub(identity) -> catalogue_pb2_grpc.CatalogueServiceStub:
    return catalogue_pb2_grpc.CatalogueServiceStub(identity.channel)


def reference(identity, **overrides) -> cpb.ReferencedApp:
    return catalogue_stub(identity).ReferenceApp(cpb.ReferenceAppRequest(app=sample_app(**overrides)),
                                                 metadata=identity.operator())


def create_account(identity, order: str = "123", **extra) -> str:
    birth = _patient()["birth_date"]
    fields = {**_patient(), "nir": _nir("2", birth, "75", "056", order), **extra}
    return identity.stub.CreateAccount(pb.CreateAccountRequest(**fields), metadata=identity.operator()).account.account_id


PASSWORD = "Lilas-Paris-1946!"


def activated_patient(identity, order: str = "123", login_id: str = "jacqueline.martin",
                      email: str = "jacqueline@example.fr", **extra) -> str:
    """A patient with her own activated space (login id, PASSWORD); her account id."""
    birth = _patient()["birth_date"]
    nir = _nir("2", birth, "75", "056", order)
    created = identity.stub.CreateAccount(pb.CreateAccountRequest(**{**_patient(), "nir": nir, **extra}),
                                          metadata=identity.operator())
    identity.stub.ActivateAccount(pb.ActivateAccountRequest(
        provisional_code=created.provisional_code, nir=nir, vitale_serial=_patient()["vitale_serial"],
        login_id=login_id, password=PASSWORD, email=email, accept_terms=True))
    return created.account.account_id
