"""identity's GetAccessContext as every service deciding on a patient's space asks for it: with the
service's token and a 3 s deadline, identity's answers turned into the caller's errors. Each service
turns the reply into its own terms.

Answers are kept per (patient, professional) with their version, sent back at the next request:
identity then answers `unchanged` while every row the context was read from is as it was (one read
of versions instead of the whole context), else the new context. So a change (a block, a revoked
delegation, a closed space) applies to the very next request, whichever replica made it. An app's
request is never kept (identity checks its token and grant each time)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from meskit.auth import Caller
from meskit.errors import Unavailable, received

TIMEOUT_SECONDS = 3.0
KEPT_CONTEXTS = 4096          # per process: a few hundred kilobytes
T = TypeVar("T")


class _Kept:
    """An answer and, once asked for, what one `convert` made of it."""
    __slots__ = ("reply", "convert", "converted")

    def __init__(self, reply: pb.AccessContext):
        self.reply = reply
        self.convert: Callable[[pb.AccessContext], Any] | None = None
        self.converted: Any = None


class AccessContextSource:
    def __init__(self, channel: grpc.Channel, *, not_found: str = "Profil ou professionnel introuvable",
                 kept: int = KEPT_CONTEXTS):
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self._not_found = not_found
        self._capacity = kept
        self._kept: OrderedDict[tuple[str, str], _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, patient_id: str, professional_id: str = "", app: Caller | None = None) -> pb.AccessContext:
        """`app`: a connected app's caller, whose token and connection identity checks (app_grant)."""
        return self._current(patient_id, professional_id, app).reply

    def fetch_as(self, convert: Callable[[pb.AccessContext], T], patient_id: str, professional_id: str = "",
                 app: Caller | None = None) -> T:
        """The answer in the caller's terms; `convert` runs once per version of the context (its result
        is shared between requests: it must not be changed)."""
        kept = self._current(patient_id, professional_id, app)
        if kept.convert is not convert:
            kept.converted, kept.convert = convert(kept.reply), convert
        return kept.converted

    def _current(self, patient_id: str, professional_id: str, app: Caller | None) -> _Kept:
        key = (patient_id, professional_id)
        with self._lock:
            kept = None if app else self._kept.get(key)
        reply = self._call(patient_id, professional_id, app, kept.reply.version if kept else "")
        if kept is not None and reply.unchanged:
            with self._lock:
                if key in self._kept:
                    self._kept.move_to_end(key)
            return kept
        fresh = _Kept(reply)
        if reply.version and not app:
            with self._lock:
                self._kept[key] = fresh
                self._kept.move_to_end(key)
                while len(self._kept) > self._capacity:
                    self._kept.popitem(last=False)
        return fresh

    def _call(self, patient_id: str, professional_id: str, app: Caller | None, known_version: str) -> Any:
        try:
            return self._stub.GetAccessContext(pb.GetAccessContextRequest(
                patient_id=patient_id, professional_id=professional_id,
                app_id=app.subject if app else "", app_token_id=app.token_id if app else "",
                known_version=known_version), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            # an app's token revoked (UNAUTHENTICATED APP_TOKEN_REVOKED) or its consents gone
            # (PERMISSION_DENIED CONSENT_NOT_GIVEN) are the app's answers, with identity's reason
            app_answers = {"UNAUTHENTICATED": "Jeton invalide", "PERMISSION_DENIED": "Consent not given"} if app else {}
            raise received(exc, Unavailable("Paramètres d'accès du profil indisponibles, réessayez plus tard",
                                            reason="IDENTITY_UNAVAILABLE"),
                           NOT_FOUND=self._not_found, INVALID_ARGUMENT="Identifiant de profil invalide",
                           **app_answers) from None
