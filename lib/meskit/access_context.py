"""identity's GetAccessContext as every service deciding on a patient's space asks for it: with the
service's token and a 3 s deadline, identity's answers turned into the caller's errors. Each service
turns the reply into its own terms."""
from __future__ import annotations

import grpc
from mes.identity.v1 import identity_pb2 as pb
from mes.identity.v1 import identity_pb2_grpc

from meskit.auth import Caller
from meskit.errors import Unavailable, received

TIMEOUT_SECONDS = 3.0


class AccessContextSource:
    def __init__(self, channel: grpc.Channel, *, not_found: str = "Profil ou professionnel introuvable"):
        self._stub = identity_pb2_grpc.IdentityServiceStub(channel)
        self._not_found = not_found

    def fetch(self, patient_id: str, professional_id: str = "", app: Caller | None = None) -> pb.AccessContext:
        """`app`: a connected app's caller, whose token and connection identity checks (app_grant)."""
        try:
            return self._stub.GetAccessContext(pb.GetAccessContextRequest(
                patient_id=patient_id, professional_id=professional_id,
                app_id=app.subject if app else "", app_token_id=app.token_id if app else ""),
                timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            # an app's token revoked (UNAUTHENTICATED APP_TOKEN_REVOKED) or its consents gone
            # (PERMISSION_DENIED CONSENT_NOT_GIVEN) are the app's answers, with identity's reason
            app_answers = {"UNAUTHENTICATED": "Jeton invalide", "PERMISSION_DENIED": "Consent not given"} if app else {}
            raise received(exc, Unavailable("Paramètres d'accès du profil indisponibles, réessayez plus tard",
                                            reason="IDENTITY_UNAVAILABLE"),
                           NOT_FOUND=self._not_found, INVALID_ARGUMENT="Identifiant de profil invalide",
                           **app_answers) from None
