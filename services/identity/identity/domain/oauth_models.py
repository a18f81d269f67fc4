"""The catalogue's records as Authlib's models (authlib.oauth2.rfc6749 ClientMixin,
AuthorizationCodeMixin, TokenMixin): an app is an OAuth client, its tokens are a space's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from identity.domain.catalogue_models import REFRESH_KIND, App, AppToken, AuthorizationCode
from identity.domain.ports import PasswordHasher

GRANT_TYPES = ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class Holder:
    """The resource owner: the patient whose space the app pairs with; `scope`: the purposes she
    consented to on the consent page (what the authorization code grants)."""
    patient_id: str
    scope: str = ""

    def get_user_id(self) -> str:
        return self.patient_id


class AppClient(ClientMixin):
    def __init__(self, app: App, hasher: PasswordHasher):
        self.app = app
        self._hasher = hasher

    @property
    def client_id(self) -> str:
        return self.app.app_id

    def get_client_id(self) -> str:
        return self.app.app_id

    def get_default_redirect_uri(self) -> str | None:
        return None                       # the redirect URI is always named, and matched exactly

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Every purpose when none is named; None (invalid_scope) for a purpose the app lacks."""
        codes = self.app.purpose_codes
        if not scope:
            return " ".join(codes)
        asked = scope.split()
        return " ".join(dict.fromkeys(asked)) if all(code in codes for code in asked) else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.app.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return len(client_secret) <= 200 and self._hasher.verify(self.app.client_secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.app.client_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class Code(AuthorizationCodeMixin):
    def __init__(self, code: AuthorizationCode):
        self.code = code
        self.code_challenge = code.code_challenge
        self.code_challenge_method = code.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.code.redirect_uri

    def get_scope(self) -> str:
        return self.code.scope


class Token(TokenMixin):
    """An app's access or refresh token; `active`: its app, connection and family still allow it."""

    def __init__(self, token: AppToken, now: datetime, active: bool):
        self.token = token
        self._now = now
        self._active = active

    @property
    def family_id(self) -> str:
        return self.token.family_id

    @property
    def patient_id(self) -> str:
        assert self.token.family is not None
        return self.token.family.patient_id

    @property
    def app_id(self) -> str:
        assert self.token.family is not None
        return self.token.family.app_id

    def check_client(self, client: AppClient) -> bool:
        return self.app_id == client.app.app_id

    def get_scope(self) -> str:
        return self.token.scope

    def get_expires_in(self) -> int:
        return int((self.token.expires_at - self.token.created_at).total_seconds())

    def is_expired(self) -> bool:
        return self.token.expires_at <= self._now

    def is_revoked(self) -> bool:
        family = self.token.family
        rotated = self.token.kind == REFRESH_KIND and self.token.rotated_at is not None
        return (not self._active or rotated or self.token.revoked_at is not None
                or (family is not None and family.revoked_at is not None))

    def get_user(self) -> Holder:
        return Holder(self.patient_id)

    def get_client(self):          # not needed by the endpoints used here
        raise NotImplementedError
