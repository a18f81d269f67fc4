"""Pair an app with a space over gRPC as a browser would: mes.web.v1 WebRequests to identity's
CatalogueService.Authorize (the login page, the one-time code read from the SMTP sink, the consent
page), the HTML forms parsed with the stdlib, the cookie kept; then the token endpoint. Reusable by
any test that needs a paired app (`pair`, `exchange`, `refresh`)."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

from mes.catalogue.v1 import catalogue_pb2_grpc
from mes.web.v1 import web_pb2

from devtools.eventually import eventually
from devtools.smtp_sink import read_mails, text_of

BASE_URL = "https://mes.example"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)        # hidden and text inputs
    checkboxes: dict[str, bool] = field(default_factory=dict)   # purpose code: checked
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").upper()))
        elif tag == "input" and self.forms:
            if a.get("type") == "checkbox":
                self.forms[-1].checkboxes[a.get("value", "")] = "checked" in a
            elif a.get("name"):
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms and a.get("name"):
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))


def forms_of(html: bytes) -> list[Form]:
    parser = _Forms()
    parser.feed(html.decode("utf-8"))
    return parser.forms


def header(response, name: str) -> str:
    return next((h.value for h in response.headers if h.name == name), "")


def pkce() -> tuple[str, str]:
    """(verifier, its S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class Browser:
    """A user agent talking to identity's raw OAuth RPCs: it keeps the cookie identity sets."""
    identity: object
    base_url: str = BASE_URL
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def stub(self) -> catalogue_pb2_grpc.CatalogueServiceStub:
        return catalogue_pb2_grpc.CatalogueServiceStub(self.identity.channel)

    def request(self, method: str, path: str, *, query: str = "", form: dict | list | None = None,
                headers: tuple[tuple[str, str], ...] = ()) -> web_pb2.WebRequest:
        sent = [web_pb2.Header(name=n, value=v) for n, v in headers]
        if self.cookies:
            sent.append(web_pb2.Header(name="cookie", value="; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        body = b""
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent.append(web_pb2.Header(name="content-type", value=FORM))
        return web_pb2.WebRequest(method=method, path=path, query=query, headers=sent, body=body,
                                  base_url=self.base_url)

    def authorize(self, method: str = "GET", *, query: str = "", form=None) -> web_pb2.WebResponse:
        response = self.stub.Authorize(self.request(method, "/oauth/authorize", query=query, form=form))
        for h in response.headers:
            if h.name == "set-cookie":
                jar: SimpleCookie = SimpleCookie()
                jar.load(h.value)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return response

    def submit(self, response, values: dict | None = None, *, purposes: list[str] | None = None,
               decision: str = "allow") -> web_pb2.WebResponse:
        """Fill the page's form: `values` for its inputs, `purposes` ticked on the consent page
        (None: as offered)."""
        (form,) = forms_of(response.body)
        data: list[tuple[str, str]] = list({**form.fields, **(values or {})}.items())
        if form.checkboxes:
            ticked = [c for c, on in form.checkboxes.items() if on] if purposes is None else purposes
            data += [("purpose", c) for c in ticked]
            data.append(("decision", decision))
        return self.authorize(form.method, form=data)


def authorize_query(client_id: str, redirect_uri: str, challenge: str | None, *, state: str = "xyz",
                    scope: str | None = None, method: str | None = "S256", **extra) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state}
    if challenge is not None:
        params["code_challenge"] = challenge
    if method is not None:
        params["code_challenge_method"] = method
    if scope is not None:
        params["scope"] = scope
    params.update(extra)
    return urlencode(params)


def mailed_code(identity, mails_before: int) -> str:
    def arrived():
        mails = read_mails(identity.mail_dir)
        return mails[-1] if len(mails) > mails_before else None
    return re.search(r"\b(\d{6})\b", text_of(eventually(arrived, what="the one-time code mailed"))).group(1)


def log_in(browser: Browser, login_page, login_id: str, password: str) -> web_pb2.WebResponse:
    """The login page, then the code page: the consent page (or whatever identity answered)."""
    before = len(read_mails(browser.identity.mail_dir))
    code_page = browser.submit(login_page, {"login_id": login_id, "password": password})
    if code_page.status != 200 or b'name="code"' not in code_page.body:
        return code_page
    return browser.submit(code_page, {"code": mailed_code(browser.identity, before)})


@dataclass
class Paired:
    code: str
    state: str
    verifier: str
    redirect_uri: str
    location: str


def pair(identity, client_id: str, login_id: str, password: str, redirect_uri: str, *,
         purposes: list[str] | None = None, scope: str | None = None, state: str = "xyz") -> Paired:
    """The whole pairing (`purposes` ticked; None: every one offered); the authorization code the
    app receives at its redirect URI."""
    browser = Browser(identity)
    verifier, challenge = pkce()
    login_page = browser.authorize(query=authorize_query(client_id, redirect_uri, challenge, state=state, scope=scope))
    assert login_page.status == 200, login_page.body
    consent_page = log_in(browser, login_page, login_id, password)
    assert consent_page.status == 200 and b'name="purpose"' in consent_page.body, consent_page.body
    offered = list(forms_of(consent_page.body)[0].checkboxes)
    redirected = browser.submit(consent_page, purposes=offered if purposes is None else purposes)
    assert redirected.status == 302, redirected.body
    location = header(redirected, "location")
    got = parse_qs(urlsplit(location).query)
    return Paired(got["code"][0], got["state"][0], verifier, redirect_uri, location)


def basic(client_id: str, secret: str) -> tuple[str, str]:
    return ("authorization", "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode())


def post(identity, rpc: str, form: dict, *, auth: tuple[str, str] | None = None,
         path: str = "") -> web_pb2.WebResponse:
    browser = Browser(identity)
    request = browser.request("POST", path or f"/oauth/{rpc.lower()}", form=form, headers=(auth,) if auth else ())
    return getattr(browser.stub, rpc)(request)


def exchange(identity, client_id: str, secret: str, paired: Paired, **overrides) -> web_pb2.WebResponse:
    form = {"grant_type": "authorization_code", "code": paired.code, "redirect_uri": paired.redirect_uri,
            "code_verifier": paired.verifier, **overrides}
    return post(identity, "Token", {k: v for k, v in form.items() if v is not None},
                auth=basic(client_id, secret))


def token_caller(identity, access_token: str):
    """The app's access token as any service verifies it (identity's published keys)."""
    from meskit.auth import TokenSigner, TokenVerifier
    jwks = TokenSigner(identity.key_file.read_bytes(), issuer="mes-identity", audience="mes-api", ttl_seconds=300).jwks()
    return TokenVerifier(lambda: jwks, issuer="mes-identity", audience="mes-api").verify(access_token)


def paired_tokens(identity, referenced, login_id: str, password: str, redirect_uri: str, **kwargs) -> dict:
    """A pairing and its token exchange: the token response (access_token, refresh_token, scope...)."""
    import json
    paired = pair(identity, referenced.app.app_id, login_id, password, redirect_uri, **kwargs)
    answer = exchange(identity, referenced.app.app_id, referenced.client_secret, paired)
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def refresh(identity, client_id: str, secret: str, refresh_token: str) -> web_pb2.WebResponse:
    return post(identity, "Token", {"grant_type": "refresh_token", "refresh_token": refresh_token},
                auth=basic(client_id, secret))
