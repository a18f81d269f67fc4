"""Identity's OAuth 2.0 authorization server for the catalogue's apps (DOMAIN §10.8), on Authlib:
authorization code with PKCE S256 only, rotating refresh tokens (a reused one revokes its family,
as for people), RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata.

Authlib is framework-agnostic; this module is its small framework adapter (WebOAuth2Request over
oauth_http.HttpRequest, handle_response to an HttpResponse) and its storage hooks over identity's
repository. Access tokens are JWTs of the access-token lifetime (10 minutes) from identity's signer (actor "app": every service
verifies them with the usual JWKS), their jti kept so a revocation reaches GetAccessContext."""
from __future__ import annotations

import json
import secrets
import uuid
from collections import defaultdict
from datetime import timedelta

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from meskit.auth import APP, Caller
from meskit.errors import Unauthenticated

from identity.domain.catalogue_models import (ACCESS_KIND, BY_CODE_REPLAY, BY_REUSE, BY_REVOCATION,
                                              CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, EXCHANGING, REFRESH_KIND,
                                              STOPPED, AppToken, AuthorizationCode, TokenFamily)
from identity.domain.oauth_http import HttpRequest, HttpResponse
from identity.domain.oauth_models import AppClient, Code, Holder, Token
from identity.domain.ports import Dependencies
from identity.domain.secrets import digest

CODE_SECONDS = 60
AUTH_METHODS = [CLIENT_SECRET_BASIC, CLIENT_SECRET_POST]
NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]


class _Headers(dict):
    """Request headers looked up whatever their case (Authlib asks for "Authorization")."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return super().__contains__(str(key).lower())


class _Payload(OAuth2Payload):
    def __init__(self, fields: dict[str, list[str]]):
        self._fields = fields

    @property
    def data(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._fields.items() if v}

    @property
    def datalist(self):
        return defaultdict(list, self._fields)


class WebOAuth2Request(OAuth2Request):
    """Authlib's request over one HttpRequest: its query and urlencoded body, as Flask's values."""

    def __init__(self, http: HttpRequest, form: dict[str, list[str]] | None = None):
        super().__init__(method=http.method, uri=http.uri, headers=_Headers(http.headers))
        self.http = http
        self._args = http.args()
        self._form = http.form() if form is None else form
        merged: dict[str, list[str]] = {k: list(v) for k, v in self._args.items()}
        for k, v in self._form.items():
            merged.setdefault(k, []).extend(v)
        self.payload = _Payload(merged)

    @property
    def args(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._args.items() if v}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._form.items() if v}


class S256Challenge(CodeChallenge):
    """PKCE with S256 only: a challenge is required, plain (or no method, which means plain) refused."""
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': S256 only")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    server: "AppAuthorizationServer"

    def save_authorization_code(self, code: str, request) -> None:
        deps, now = self.server.deps, self.server.deps.now()
        data = request.payload.data
        with deps.unit_of_work() as repo:
            repo.add_oauth_code(AuthorizationCode(
                code_hash=digest(code), app_id=request.client.app.app_id, patient_id=request.user.patient_id,
                redirect_uri=request.payload.redirect_uri, scope=request.user.scope or request.scope or "",
                code_challenge=data["code_challenge"], code_challenge_method=data["code_challenge_method"],
                family_id=str(uuid.uuid4()), created_at=now, expires_at=now + timedelta(seconds=CODE_SECONDS),
                used_at=None))

    def query_authorization_code(self, code: str, client: AppClient) -> Code | None:
        """Claimed at once (single use, even when the rest of the request fails); a replayed code
        revokes what it issued."""
        if not code or len(code) > 200:
            return None
        deps, now = self.server.deps, self.server.deps.now()
        with deps.unit_of_work() as repo:
            found = repo.get_oauth_code(digest(code), for_update=True)
            if found is None or found.app_id != client.app.app_id:
                return None
            if not repo.use_oauth_code(found.code_hash, now):
                repo.revoke_app_family(found.family_id, BY_CODE_REPLAY, now)
                return None
        return Code(found) if found.expires_at > now else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Already used: query_authorization_code claimed it."""

    def authenticate_user(self, authorization_code: Code) -> Holder | None:
        code = authorization_code.code
        with self.server.deps.unit_of_work() as repo:
            connection = repo.get_connection(code.patient_id, code.app_id)
        return Holder(code.patient_id) if connection is not None and connection.status in EXCHANGING else None


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: "AppAuthorizationServer"

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        """Rotated at once: presenting a rotated one again revokes its whole family (it was stolen)."""
        if not refresh_token or len(refresh_token) > 200:
            return None
        deps, now = self.server.deps, self.server.deps.now()
        client: AppClient = self.request.client
        with deps.unit_of_work() as repo:
            stored = repo.get_app_token(digest(refresh_token), for_update=True)
            if (stored is None or stored.kind != REFRESH_KIND or stored.family is None
                    or stored.family.app_id != client.app.app_id):
                return None
            if not repo.rotate_app_token(stored.token_key, now):
                repo.revoke_app_family(stored.family_id, BY_REUSE, now)
                return None
            token = Token(stored, now, active=self.server.still_allowed(repo, stored))
        return None if token.is_expired() or token.is_revoked() else token

    def authenticate_user(self, refresh_token: Token) -> Holder:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Already rotated: authenticate_refresh_token did it."""


class _TokenQueries:
    server: "AppAuthorizationServer"
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return self.server.find_token(token_string)


class Revocation(_TokenQueries, RevocationEndpoint):
    def revoke_token(self, token: Token, request) -> None:
        """An access token's jti stops at once; a refresh token's whole grant with it (RFC 7009 §2.1)."""
        deps, now = self.server.deps, self.server.deps.now()
        with deps.unit_of_work() as repo:
            if token.token.kind == ACCESS_KIND:
                repo.revoke_app_token(token.token.token_key, now)
            else:
                repo.revoke_app_family(token.family_id, BY_REVOCATION, now)


class Introspection(_TokenQueries, IntrospectionEndpoint):
    def check_permission(self, token: Token, client: AppClient, request) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict:
        t = token.token
        return {"active": True, "client_id": token.app_id, "scope": t.scope, "sub": token.patient_id,
                "token_type": "Bearer" if t.kind == ACCESS_KIND else "refresh_token",
                "exp": int(t.expires_at.timestamp()), "iat": int(t.created_at.timestamp()),
                **({"jti": t.token_key} if t.kind == ACCESS_KIND else {})}


class AppAuthorizationServer(AuthorizationServer):
    def __init__(self, deps: Dependencies, verify_access_token):
        """`verify_access_token`: the Caller of a valid access token signed by identity (raises
        Unauthenticated otherwise)."""
        super().__init__()
        self.deps = deps
        self._verify = verify_access_token
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    # ---- the framework adapter ----
    def create_oauth2_request(self, request) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else WebOAuth2Request(request)

    def create_json_request(self, request):
        raise NotImplementedError("no JSON endpoint")

    def handle_response(self, status, body, headers) -> HttpResponse:
        if isinstance(body, dict):
            body = json.dumps(body)
        names = {name.lower() for name, _ in headers}
        extra = [(n, v) for n, v in NO_STORE if n.lower() not in names]
        return HttpResponse(status, [*headers, *extra], (body or "").encode())

    def send_signal(self, name, *args, **kwargs) -> None:
        pass

    # ---- storage ----
    def query_client(self, client_id: str) -> AppClient | None:
        """An app that may pair and exchange (a suspended or dereferenced one is unknown here)."""
        if not client_id or len(client_id) > 36:
            return None
        with self.deps.unit_of_work() as repo:
            app = repo.get_app(client_id)
        return AppClient(app, self.deps.hasher) if app is not None and app.status not in STOPPED else None

    def _generate_token(self, grant_type, client: AppClient, user: Holder, scope=None, expires_in=None,
                        include_refresh_token=True) -> dict:
        jti, now = uuid.uuid4().hex, self.deps.now()
        lifetime = int(self.deps.policy.access_token_ttl.total_seconds())
        access, _ = self.deps.signer.sign(Caller(APP, client.app.app_id, on_behalf_of=user.patient_id,
                                                 scopes=tuple((scope or "").split()), token_id=jti),
                                          ttl_seconds=lifetime, now=now.timestamp())
        token = {"token_type": "Bearer", "access_token": access, "expires_in": lifetime,
                 "scope": scope or "", "_jti": jti}
        if include_refresh_token:
            token["refresh_token"] = secrets.token_urlsafe(32)
        return token

    def save_token(self, token: dict, request) -> None:
        deps, now = self.deps, self.deps.now()
        jti, scope = token.pop("_jti"), token["scope"]
        with deps.unit_of_work() as repo:
            if request.payload.grant_type == "authorization_code":
                code = request.authorization_code.code
                family_id = code.family_id
                repo.add_token_family(TokenFamily(family_id, code.app_id, code.patient_id, scope, now, None, None))
            else:
                family_id = request.refresh_token.family_id
            repo.add_app_token(AppToken(jti, ACCESS_KIND, family_id, scope, now,
                                        now + deps.policy.access_token_ttl, None, None))
            if "refresh_token" in token:
                repo.add_app_token(AppToken(digest(token["refresh_token"]), REFRESH_KIND, family_id, scope, now,
                                            now + deps.policy.refresh_token_ttl, None, None))

    def still_allowed(self, repo, token: AppToken) -> bool:
        """Its app still exchanging and its connection too."""
        assert token.family is not None
        app = repo.get_app(token.family.app_id)
        connection = repo.get_connection(token.family.patient_id, token.family.app_id)
        return (app is not None and app.status not in STOPPED and connection is not None
                and connection.status in EXCHANGING)

    def find_token(self, token_string: str) -> Token | None:
        """An access token (a JWT identity signed, by its jti) or a refresh token (by its hash)."""
        if not token_string or len(token_string) > 4096:
            return None
        key = digest(token_string)
        if token_string.count(".") == 2:
            try:
                caller = self._verify(token_string)
            except Unauthenticated:
                return None
            if caller.actor_type != APP:
                return None
            key = caller.token_id
        now = self.deps.now()
        with self.deps.unit_of_work() as repo:
            stored = repo.get_app_token(key[:64])
            if stored is None:
                return None
            return Token(stored, now, active=self.still_allowed(repo, stored))

    # ---- RFC 8414 ----
    def metadata(self, base_url: str) -> dict:
        data = AuthorizationServerMetadata({
            "issuer": base_url,
            "authorization_endpoint": f"{base_url}/oauth/authorize",
            "token_endpoint": f"{base_url}/oauth/token",
            "revocation_endpoint": f"{base_url}/oauth/revoke",
            "introspection_endpoint": f"{base_url}/oauth/introspect",
            "jwks_uri": f"{base_url}/v1/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "ui_locales_supported": ["fr-FR"],
        })
        data.validate()
        return dict(data)
