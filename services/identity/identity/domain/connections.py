"""A space's connections to apps and its consents per purpose (DOMAIN §9, §10.8): the holder lists
them, sets her consents (partial grants; withdrawing revokes the app's tokens at once) and
disconnects; a change of the app's purposes needs her re-approval before a deadline, else the
connection lapses (lapse_overdue, safe with several replicas: rows claimed SKIP LOCKED). Only the
holder herself: never a caregiver or a legal representative."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from meskit.auth import PATIENT, Caller
from meskit.errors import FailedPrecondition, NotFound, PermissionDenied, Unauthenticated, Violations

from identity.domain import auditing
from identity.domain.accounts import resolve_me
from identity.domain.catalogue import NO_SUCH_APP, _require_id
from identity.domain.catalogue_models import (ACCESS_KIND, APP_UNAVAILABLE, BY_DISCONNECTION, BY_LAPSE,
                                              CONSENT_REASONS, CONSENT_WITHDRAWN, DISCONNECTED, EXCHANGING, LAPSED,
                                              STOPPED, ACTIVE, App, AppGrant, Connection)
from identity.domain.ports import Dependencies

HOLDER_ONLY = "Seul le titulaire du profil gère les services connectés"
NOT_CONNECTED = "Ce service n'est pas connecté à ce profil"
APP_TOKEN_REVOKED, CONSENT_NOT_GIVEN = "APP_TOKEN_REVOKED", "CONSENT_NOT_GIVEN"
BATCH = 100


@dataclass(frozen=True)
class ConnectionView:
    connection: Connection
    app: App

    @property
    def status(self) -> str:
        if self.app.status in STOPPED and self.connection.status in EXCHANGING:
            return APP_UNAVAILABLE
        return self.connection.status


def _holder(caller: Caller, patient_id: str) -> str:
    patient_id = resolve_me(caller, patient_id)
    if caller.actor_type != PATIENT or caller.subject != patient_id:
        raise PermissionDenied(HOLDER_ONLY)
    return patient_id


def list_connections(deps: Dependencies, caller: Caller, patient_id: str) -> list[ConnectionView]:
    patient_id = _holder(caller, patient_id)
    with deps.unit_of_work() as repo:
        return [ConnectionView(c, app) for c in repo.connections_of(patient_id)
                if (app := repo.get_app(c.app_id)) is not None]


def set_consents(deps: Dependencies, caller: Caller, patient_id: str, app_id: str,
                 codes: list[str]) -> ConnectionView:
    patient_id = _holder(caller, patient_id)
    _require_id(app_id)
    v = Violations()
    if not codes:
        v.add("purposes", "au moins une finalité (sinon, déconnectez le service)")
    v.raise_if_any()
    now = deps.now()
    with deps.unit_of_work() as repo:
        app = repo.get_app(app_id)
        if app is None:
            raise NotFound(NO_SUCH_APP)
        for i, code in enumerate(codes):
            if app.purpose(code) is None:
                v.add(f"purposes[{i}]", "finalité inconnue de ce service")
        v.raise_if_any()
        current = repo.get_connection(patient_id, app_id, for_update=True)
        if current is None:
            raise NotFound(NOT_CONNECTED)
        if current.status not in EXCHANGING:
            raise FailedPrecondition("Ce service n'est plus synchronisé : reconnectez-le depuis l'application",
                                     reason="CONNECTION_ENDED")
        if app.status in STOPPED:
            raise FailedPrecondition("Ce service est suspendu ou retiré du catalogue", reason="APP_UNAVAILABLE")
        changed = consent(repo, caller, app, patient_id, codes, now, connection=current)
        return ConnectionView(changed, app)


def consent(repo, caller: Caller, app: App, patient_id: str, codes, now: datetime, *,
            connection: Connection | None) -> Connection:
    """The connection consenting to `codes` (the app's purposes as they are now): re-approved,
    created by a pairing, or changed; the app's tokens for this space revoked when a consent was
    withdrawn. The holder's history records what she consents to."""
    wanted = set(codes)
    consented = tuple(p for p in app.purposes if p.code in wanted)
    labels = ", ".join(p.label for p in consented)
    if connection is None or connection.status not in EXCHANGING:
        label = f"Connexion du service {app.name} à votre profil : {labels}"
    else:
        label = f"Consentements donnés au service {app.name} : {labels}"
    if connection is None:
        connection = Connection(patient_id=patient_id, app_id=app.app_id, consented=consented,
                                purposes_version=app.purposes_version, status=ACTIVE, reapproval_deadline=None,
                                connected_at=now, updated_at=now)
    else:
        withdrawn = set(connection.consented_codes) - wanted
        if withdrawn and connection.status in EXCHANGING:
            repo.revoke_app_families(app.app_id, CONSENT_WITHDRAWN, now, patient_id=patient_id)
        connection = replace(connection, consented=consented, purposes_version=app.purposes_version, status=ACTIVE,
                             reapproval_deadline=None, updated_at=now,
                             connected_at=now if connection.status not in EXCHANGING else connection.connected_at)
    repo.save_connection(connection)
    repo.add_audit(auditing.app_connection(caller, patient_id, app.app_id, now, label=label))
    return connection


def disconnect(deps: Dependencies, caller: Caller, patient_id: str, app_id: str) -> ConnectionView:
    patient_id = _holder(caller, patient_id)
    _require_id(app_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        current = repo.get_connection(patient_id, app_id, for_update=True)
        app = repo.get_app(app_id)
        if current is None or app is None:
            raise NotFound(NOT_CONNECTED)
        if current.status != DISCONNECTED:
            current = replace(current, status=DISCONNECTED, reapproval_deadline=None, updated_at=now)
            repo.save_connection(current)
            repo.revoke_app_families(app_id, BY_DISCONNECTION, now, patient_id=patient_id)
            repo.add_audit(auditing.app_connection(caller, patient_id, app_id, now,
                                                   label=f"Déconnexion du service {app.name}"))
        return ConnectionView(current, app)


def lapse_overdue(deps: Dependencies) -> int:
    """Connections not re-approved by their deadline lapse; their tokens stop."""
    now = deps.now()
    with deps.unit_of_work() as repo:
        overdue = repo.claim_overdue_connections(now, BATCH)
        for c in overdue:
            repo.save_connection(replace(c, status=LAPSED, updated_at=now))
            repo.revoke_app_families(c.app_id, BY_LAPSE, now, patient_id=c.patient_id)
            app = repo.get_app(c.app_id)
            repo.add_audit(auditing.app_connection(
                auditing.IDENTITY, c.patient_id, c.app_id, now, rule=auditing.CONSENT_EXPIRED,
                label=f"Fin de la synchronisation du service {app.name if app else ''} : consentements non "
                      "renouvelés à temps"))
    return len(overdue)


def grant(repo, patient_id: str, app_id: str, token_id: str, now: datetime) -> AppGrant:
    """What an app's token may exchange with the patient's space right now (GetAccessContext)."""
    app = repo.get_app(app_id) if len(app_id) <= 36 else None
    if app is None or app.status in STOPPED:
        raise Unauthenticated("Jeton révoqué", reason=APP_TOKEN_REVOKED)
    token = repo.get_app_token(token_id) if len(token_id) <= 64 else None
    if (token is None or token.kind != ACCESS_KIND or token.family is None or token.family.app_id != app_id
            or token.family.patient_id != patient_id):
        raise Unauthenticated("Jeton révoqué", reason=APP_TOKEN_REVOKED)
    connection = repo.get_connection(patient_id, app_id)
    if connection is None or connection.status not in EXCHANGING:
        raise PermissionDenied("Consent not given", reason=CONSENT_NOT_GIVEN)
    if token.family.revoked_at is not None and token.family.revoked_reason in CONSENT_REASONS:
        raise PermissionDenied("Consent not given", reason=CONSENT_NOT_GIVEN)
    if token.revoked_at is not None or token.family.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated("Jeton révoqué", reason=APP_TOKEN_REVOKED)
    asked, scoped = set(app.purpose_codes), set(token.scope.split())
    purposes = tuple(p for p in connection.consented if p.code in asked and p.code in scoped)
    if not purposes:
        raise PermissionDenied("Consent not given", reason=CONSENT_NOT_GIVEN)
    return AppGrant(app_id=app_id, app_name=app.name, purposes=tuple(p.code for p in purposes),
                    exchanges=tuple(e for p in purposes for e in p.exchanges))
