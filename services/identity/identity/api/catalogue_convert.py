"""mes.catalogue.v1 messages <-> the catalogue's records."""
from __future__ import annotations

from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.identity.v1 import identity_pb2 as pb

from meskit.timestamps import timestamp

from identity.domain.catalogue_models import (AGENDA, APP_UNAVAILABLE, CLIENT_SECRET_BASIC, CLIENT_SECRET_POST,
                                              DOCUMENTS, MEASURES, READ, WRITE, App, AppGrant, Exchange, Purpose)
from identity.domain.catalogue_rules import AppFields
from identity.domain.connections import ConnectionView

STATUSES = {name: cpb.AppStatus.Value(f"APP_STATUS_{name}") for name in
            ("EN_LIGNE", "HORS_LIGNE", "DEREFERENCEE", "PRESERIE", "SUSPENDUE")}
STATUS_FROM_PB = {v: k for k, v in STATUSES.items()}
PERIMETERS = {MEASURES: cpb.PERIMETER_MEASURES, DOCUMENTS: cpb.PERIMETER_DOCUMENTS, AGENDA: cpb.PERIMETER_AGENDA}
PERIMETER_FROM_PB = {v: k for k, v in PERIMETERS.items()}
ACTIONS = {READ: cpb.EXCHANGE_ACTION_READ, WRITE: cpb.EXCHANGE_ACTION_WRITE}
ACTION_FROM_PB = {v: k for k, v in ACTIONS.items()}
AUTH_METHODS = {CLIENT_SECRET_BASIC: cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_BASIC,
                CLIENT_SECRET_POST: cpb.CLIENT_AUTH_METHOD_CLIENT_SECRET_POST}
AUTH_FROM_PB = {v: k for k, v in AUTH_METHODS.items()}
CONNECTION_STATUSES = {name: cpb.ConnectionStatus.Value(f"CONNECTION_STATUS_{name}") for name in
                       ("ACTIVE", "REAPPROVAL_REQUIRED", "LAPSED", "DISCONNECTED", APP_UNAVAILABLE)}


def status_from_pb(value: int) -> str | None:
    """None unset, "" unknown."""
    return None if value == cpb.APP_STATUS_UNSPECIFIED else STATUS_FROM_PB.get(value, "")  # type: ignore[call-overload]


def app_fields(app: cpb.App) -> AppFields:
    auth = (None if app.client_auth_method == cpb.CLIENT_AUTH_METHOD_UNSPECIFIED
            else AUTH_FROM_PB.get(app.client_auth_method, ""))
    return AppFields(
        name=app.name.strip(), publisher=app.publisher.strip(), description=app.description.strip(),
        themes=tuple(t.strip() for t in app.themes), regions=tuple(r.strip() for r in app.regions),
        status=status_from_pb(app.status), purposes=tuple(purpose_from_pb(p) for p in app.purposes),
        redirect_uris=tuple(app.redirect_uris), client_auth_method=auth, website_url=app.website_url.strip())


def purpose_from_pb(p: cpb.Purpose) -> Purpose:
    return Purpose(code=p.code.strip(), label=p.label.strip(), description=p.description.strip(),
                   exchanges=tuple(Exchange(PERIMETER_FROM_PB.get(e.perimeter, ""), ACTION_FROM_PB.get(e.action, ""),
                                            tuple(c.strip() for c in e.categories)) for e in p.exchanges))


def exchange(e: Exchange) -> cpb.DataExchange:
    return cpb.DataExchange(perimeter=PERIMETERS[e.perimeter], action=ACTIONS[e.action], categories=list(e.categories))


def purpose(p: Purpose) -> cpb.Purpose:
    return cpb.Purpose(code=p.code, label=p.label, description=p.description,
                       exchanges=[exchange(e) for e in p.exchanges])


def app(a: App) -> cpb.App:
    return cpb.App(app_id=a.app_id, name=a.name, publisher=a.publisher, description=a.description,
                   themes=list(a.themes), regions=list(a.regions), status=STATUSES[a.status],
                   purposes=[purpose(p) for p in a.purposes], redirect_uris=list(a.redirect_uris),
                   client_auth_method=AUTH_METHODS.get(a.client_auth_method, cpb.CLIENT_AUTH_METHOD_UNSPECIFIED),
                   website_url=a.website_url, purposes_version=a.purposes_version,
                   created_at=timestamp(a.created_at), updated_at=timestamp(a.updated_at))


def connection(view: ConnectionView) -> cpb.Connection:
    c, a = view.connection, view.app
    return cpb.Connection(app_id=a.app_id, app_name=a.name, publisher=a.publisher,
                          purposes=[purpose(p) for p in a.purposes], consented_purposes=list(c.consented_codes),
                          status=CONNECTION_STATUSES[view.status],
                          reapproval_deadline=timestamp(c.reapproval_deadline) if c.reapproval_deadline else None,
                          connected_at=timestamp(c.connected_at), updated_at=timestamp(c.updated_at))


def app_grant(g: AppGrant) -> pb.AppGrant:
    return pb.AppGrant(app_id=g.app_id, app_name=g.app_name, purposes=list(g.purposes),
                       exchanges=[exchange(e) for e in g.exchanges])
