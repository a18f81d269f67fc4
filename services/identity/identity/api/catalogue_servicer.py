"""mes.catalogue.v1.CatalogueService, served by identity: the catalogue and the connections (thin:
proto in, one use-case call, proto out); the OAuth endpoints are api/oauth_servicer's."""
from __future__ import annotations

from mes.catalogue.v1 import catalogue_pb2 as cpb
from mes.catalogue.v1 import catalogue_pb2_grpc

from meskit.auth import current_caller

from identity.api import catalogue_convert as convert, web
from identity.api.servicer import client_address
from identity.domain import catalogue, connections
from identity.domain.oauth_endpoints import OAuthEndpoints
from identity.domain.oauth_flow import PairingFlow
from identity.domain.ports import Dependencies


class CatalogueServicer(catalogue_pb2_grpc.CatalogueServiceServicer):
    def __init__(self, deps: Dependencies, pairing: PairingFlow, endpoints: OAuthEndpoints):
        self._deps = deps
        self._pairing = pairing
        self._endpoints = endpoints

    # ---- the OAuth 2.0 authorization server (raw HTTP exchanges) ----
    def Authorize(self, request, context):
        return web.response(self._pairing.authorize(web.request(request), client_address(context)))

    def Token(self, request, context):
        return web.response(self._endpoints.token(web.request(request)))

    def Revoke(self, request, context):
        return web.response(self._endpoints.revoke(web.request(request)))

    def Introspect(self, request, context):
        return web.response(self._endpoints.introspect(web.request(request)))

    def Metadata(self, request, context):
        return web.response(self._endpoints.metadata(web.request(request)))

    def ReferenceApp(self, request, context):
        app, secret = catalogue.reference_app(self._deps, current_caller(), convert.app_fields(request.app))
        return cpb.ReferencedApp(app=convert.app(app), client_secret=secret)

    def UpdateApp(self, request, context):
        return convert.app(catalogue.update_app(self._deps, current_caller(), request.app_id,
                                                convert.app_fields(request.app), request.reapproval_days))

    def SetAppStatus(self, request, context):
        return convert.app(catalogue.set_app_status(self._deps, current_caller(), request.app_id,
                                                    convert.status_from_pb(request.status), request.reason))

    def RotateAppSecret(self, request, context):
        app, secret = catalogue.rotate_secret(self._deps, current_caller(), request.app_id)
        return cpb.ReferencedApp(app=convert.app(app), client_secret=secret)

    def ListApps(self, request, context):
        caller = current_caller()
        found, token = catalogue.list_apps(
            self._deps, caller, theme=request.theme.strip(), region=request.region.strip(),
            status=convert.status_from_pb(request.status), page_size=request.page_size, page_token=request.page_token)
        return cpb.ListAppsResponse(apps=[convert.app(catalogue.public_view(caller, a)) for a in found],
                                    next_page_token=token)

    def GetApp(self, request, context):
        caller = current_caller()
        return convert.app(catalogue.public_view(caller, catalogue.get_app(self._deps, caller, request.app_id)))

    def ListConnections(self, request, context):
        found = connections.list_connections(self._deps, current_caller(), request.patient_id)
        return cpb.ListConnectionsResponse(connections=[convert.connection(c) for c in found])

    def SetConsents(self, request, context):
        return convert.connection(connections.set_consents(self._deps, current_caller(), request.patient_id,
                                                           request.app_id, [c.strip() for c in request.purposes]))

    def Disconnect(self, request, context):
        return convert.connection(connections.disconnect(self._deps, current_caller(), request.patient_id,
                                                         request.app_id))
