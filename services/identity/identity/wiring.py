"""Composition root of identity: build(settings, **overrides) -> (KitServer, engine, on_stop).

Overrides (tests): engine, hasher, code_sender, relay_interval (seconds), erasure_plan, now (the clock: () -> aware datetime;
before CLOCK_OFFSET_FILE, the end-to-end tests' clock hook)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mes.identity.v1 import identity_pb2_grpc

from mes.catalogue.v1 import catalogue_pb2_grpc
from mes.lifecycle.v1 import lifecycle_pb2_grpc

from meskit import clients, db
from meskit.clock import OffsetClock
from meskit.loop import Loop
from meskit.auth import SERVICE, Caller, TokenVerifier
from meskit.config import ConfigError
from meskit.secret_files import WatchedFile
from meskit.audit_client import AuditClient
from meskit.event_publisher import EventPublisher
from meskit.relay import Dispatcher, outbox_relay
from meskit.server import Registration, build_server as build_kit_server

from identity.adapters.audit import AuditRecordsClient
from identity.adapters.notifications import NotificationsCodeSender
from identity.adapters.tables import outbox
from identity.adapters.passwords import Argon2Hasher
from identity.adapters.subject_data import SubjectDataEraser
from identity.adapters.repository import IdentityRepository
from identity.adapters.signing_keys import SigningKeys
from identity.api.catalogue_servicer import CatalogueServicer
from identity.api.lifecycle_servicer import SubjectDataServicer
from identity.api.servicer import IdentityServicer
from identity.config import IdentitySettings
from identity.domain import connections, creation_jobs, delegation_jobs, erasures, suspension, sync_reminders
from identity.domain.flow_state import FlowState, key_from
from identity.domain.login import Login
from identity.domain.oauth_endpoints import OAuthEndpoints
from identity.domain.oauth_flow import PairingFlow
from identity.domain.oauth_server import AppAuthorizationServer
from identity.domain.policy import Policy
from identity.domain.ports import Dependencies
from identity.domain.service_clients import ServiceClients, client_digests

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
RELAY_INTERVAL_SECONDS = 0.5
PUBLISH_TIMEOUT_SECONDS = 10.0


def policy_from(settings: IdentitySettings) -> Policy:
    return Policy(access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
                  refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
                  login_code_ttl=timedelta(seconds=settings.login_code_ttl_seconds),
                  provisional_code_ttl=timedelta(days=settings.provisional_code_ttl_days),
                  max_failures=settings.max_failures, lockout=timedelta(seconds=settings.lockout_seconds),
                  max_failures_per_client=settings.max_failures_per_client,
                  deletion_delay=timedelta(days=deletion_delay_days(settings)))


def deletion_delay_days(settings: IdentitySettings) -> int:
    if not 1 <= settings.deletion_delay_days <= 92:
        raise ValueError("DELETION_DELAY_DAYS: 1 to 92 (a deletion is carried out within three months)")
    return settings.deletion_delay_days


def erasure_plan(settings: IdentitySettings, notifications, audit) -> erasures.ErasurePlan:
    """The services identity calls are told; the others pull their erasures."""
    channels = {"notifications": notifications, "audit": audit}
    told = _names(settings.erasure_told)
    if not told <= channels.keys():
        raise ValueError("ERASURE_TOLD: among notifications, audit (the services identity calls)")
    return erasures.ErasurePlan(pulled=tuple(sorted(_names(settings.erasure_pulled_by))),
                                pushed={n: SubjectDataEraser(n, channels[n]) for n in sorted(told)})


def _names(listed: str) -> set[str]:
    """A comma-separated list; "none" for nobody (empty settings take their default)."""
    return {name.strip() for name in listed.split(",") if name.strip() and name.strip() != "none"}


def service_token_provider(signer: SigningKeys, name: str, ttl_seconds: int):
    """Identity signs its own short service tokens for the calls it makes."""
    cached: dict = {}

    def provide() -> str:
        import time
        if cached.get("expires", 0) - time.time() < 60:
            cached["token"], cached["expires"] = signer.sign(Caller(SERVICE, name), ttl_seconds=ttl_seconds)
        return cached["token"]
    return provide


def signing_keys(settings: IdentitySettings) -> SigningKeys:
    """The token keys; a retired key stays published while a token it signed may live."""
    longest = max(settings.access_token_ttl_seconds, settings.service_token_ttl_seconds)
    try:
        return SigningKeys(settings.signing_key_file, settings.previous_signing_key_file,
                           issuer=settings.token_issuer, audience=settings.token_audience,
                           ttl_seconds=settings.access_token_ttl_seconds,
                           retention_seconds=longest + settings.signing_key_activation_seconds,
                           activation_seconds=settings.signing_key_activation_seconds,
                           poll_seconds=settings.secret_files_poll_seconds)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"SIGNING_KEY_FILE, PREVIOUS_SIGNING_KEY_FILE: cannot load an Ed25519 private key "
                          f"({type(exc).__name__})") from None


def service_clients(settings: IdentitySettings, signer: SigningKeys) -> ServiceClients:
    if not settings.service_clients_file:
        return ServiceClients(lambda: {}, signer, settings.service_token_ttl_seconds)
    try:
        digests = WatchedFile(settings.service_clients_file, client_digests,
                              interval=settings.secret_files_poll_seconds)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"SERVICE_CLIENTS_FILE: {exc if isinstance(exc, ValueError) else type(exc).__name__}") \
            from None
    return ServiceClients(lambda: digests.value() or {}, signer, settings.service_token_ttl_seconds)


def build(settings: IdentitySettings, **overrides):
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    unit_of_work = db.unit_of_work(engine, IdentityRepository)
    with open(settings.signing_key_file, "rb") as handle:
        signing_key = handle.read()
    signer = signing_keys(settings)
    tokens = service_token_provider(signer, "identity", settings.service_token_ttl_seconds)
    notifications = clients.channel(settings.notifications_addr, token_provider=tokens)
    audit = clients.channel(settings.audit_addr, token_provider=tokens)
    clock = overrides["now"] if "now" in overrides else (
        OffsetClock(settings.clock_offset_file) if settings.clock_offset_file else None)
    deps = Dependencies(unit_of_work=unit_of_work, hasher=overrides.get("hasher") or Argon2Hasher(),
                        code_sender=overrides.get("code_sender") or NotificationsCodeSender(notifications),
                        signer=signer, policy=policy_from(settings),
                        audit_records=AuditRecordsClient(audit), read=db.reader(engine, IdentityRepository),
                        **({"now": clock} if clock else {}))
    plan = overrides.get("erasure_plan") or erasure_plan(settings, notifications, audit)
    verifier = TokenVerifier(signer.jwks, issuer=settings.token_issuer, audience=settings.token_audience,
                             refetch_interval=0, max_age=settings.secret_files_poll_seconds)   # its own keys
    oauth = AppAuthorizationServer(deps, verifier.verify)
    pairing = PairingFlow(deps, oauth, Login(deps), FlowState(key_from(signing_key),
                                                              clock=lambda: deps.now().timestamp()))
    kit = build_kit_server(service=settings.service_name, port=settings.grpc_port, verifier=verifier,
                           registrations=[Registration(identity_pb2_grpc.add_IdentityServiceServicer_to_server,
                                                       # RPCs not built yet answer UNIMPLEMENTED (the generated base)
                                                       IdentityServicer(deps, service_clients(settings, signer), plan),  # type: ignore[abstract]
                                                       "mes.identity.v1.IdentityService"),
                                          Registration(lifecycle_pb2_grpc.add_SubjectDataServiceServicer_to_server,
                                                       SubjectDataServicer(deps),  # type: ignore[abstract]
                                                       "mes.lifecycle.v1.SubjectDataService"),
                                          Registration(catalogue_pb2_grpc.add_CatalogueServiceServicer_to_server,
                                                       CatalogueServicer(deps, pairing, OAuthEndpoints(oauth)),
                                                       "mes.catalogue.v1.CatalogueService")])
    # Account events carry a provisional code: their rows go once notifications has them.
    relay = outbox_relay(engine, outbox, Dispatcher(AuditClient(audit), EventPublisher(
        notifications, timeout=PUBLISH_TIMEOUT_SECONDS)), delete_published=True,
        poll_interval=overrides.get("relay_interval", RELAY_INTERVAL_SECONDS))
    relay.start()
    jobs = Loop("identity-delegation-jobs", lambda: delegation_jobs.run_due(deps),
                settings.delegation_jobs_interval_seconds, more_work=lambda done: done.full()).start()
    creations = Loop("identity-creation-jobs", lambda: creation_jobs.run_due(deps),
                     settings.creation_jobs_interval_seconds,
                     more_work=lambda created: created >= creation_jobs.BATCH).start()
    def space_jobs() -> int:       # suspensions closing by themselves, then the erasures due
        return suspension.close_unopposed(deps) + erasures.run_due(deps, plan)
    erasure_jobs = Loop("identity-erasures", space_jobs, settings.erasure_jobs_interval_seconds,
                        more_work=lambda done: done >= erasures.BATCH).start()

    def catalogue_jobs_pass() -> int:      # connections not re-approved in time, then the 90-day lists
        return max(connections.lapse_overdue(deps), sync_reminders.remind_due(deps))
    catalogue_jobs = Loop("identity-catalogue-jobs", catalogue_jobs_pass, settings.catalogue_jobs_interval_seconds,
                          more_work=lambda done: done >= connections.BATCH).start()

    def on_stop():
        catalogue_jobs.stop()
        creations.stop()
        jobs.stop()
        erasure_jobs.stop()
        relay.stop()
        notifications.close()
        audit.close()
    return kit, engine, on_stop
