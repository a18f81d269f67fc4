"""The pairing's pages, in French, without script nor any resource from elsewhere: the login
(identifier and password), the one-time code, the consent (one checkbox per purpose, with its
data exchanges in plain words), and the error page shown before a redirect URI is trusted."""
from __future__ import annotations

from html import escape

from identity.domain.catalogue_models import AGENDA, DOCUMENTS, MEASURES, READ, App, Exchange, Purpose
from identity.domain.oauth_http import HttpResponse

SECURITY_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
    ("Pragma", "no-cache"),
]
PERIMETERS = {MEASURES: "vos mesures de santé", DOCUMENTS: "vos documents de santé", AGENDA: "votre agenda"}
# what the measurement codes of the medical profile (DOMAIN §5.2) are called
CATEGORY_LABELS = {
    "WEIGHT": "poids", "HEIGHT": "taille", "BODY_MASS_INDEX": "IMC", "WAIST_CIRCUMFERENCE": "tour de taille",
    "HEAD_CIRCUMFERENCE": "périmètre crânien", "BODY_TEMPERATURE": "température",
    "HEART_RATE": "fréquence cardiaque", "BLOOD_PRESSURE": "tension artérielle", "GLUCOSE": "glycémie",
    "INTERSTITIAL_GLUCOSE": "glucose interstitiel", "GLYCATED_HEMOGLOBIN": "hémoglobine glyquée (HbA1c)",
    "HEMOGLOBIN_GLYCATION_INDEX": "indicateur de gestion du glucose", "PAIN_SEVERITY": "niveau de douleur",
    "STEPS_BY_DAY": "nombre de pas",
}


def exchange_text(e: Exchange) -> str:
    verb = "Lire" if e.action == READ else "Ajouter à"
    what = ", ".join(CATEGORY_LABELS.get(c, f"type {c}" if e.perimeter == DOCUMENTS else c) for c in e.categories)
    return f"{verb} {PERIMETERS.get(e.perimeter, e.perimeter)} : {what}"


def _page(title: str, body: str, *, status: int = 200, cookie: str = "") -> HttpResponse:
    html = ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)} – Mon espace santé</title></head>"
            f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>\n")
    headers = list(SECURITY_HEADERS) + ([("Set-Cookie", cookie)] if cookie else [])
    return HttpResponse(status, headers, html.encode("utf-8"))


def _alert(message: str) -> str:
    return f"<p role=\"alert\">{escape(message)}</p>" if message else ""


def _hidden(step: str, csrf: str) -> str:
    return (f"<input type=\"hidden\" name=\"step\" value=\"{escape(step)}\">"
            f"<input type=\"hidden\" name=\"csrf_token\" value=\"{escape(csrf)}\">")


def _who(app: App) -> str:
    return (f"<p>Le service <strong>{escape(app.name)}</strong> ({escape(app.publisher)}) demande à se connecter "
            "à votre profil Mon espace santé.</p>")


def error(message: str, code: str = "", *, status: int = 400, cookie: str = "") -> HttpResponse:
    detail = f"<p>Code d'erreur : <code>{escape(code)}</code></p>" if code else ""
    return _page("Connexion du service impossible", f"<p>{escape(message)}</p>{detail}", status=status,
                 cookie=cookie)


def login(app: App, csrf: str, *, message: str = "", cookie: str = "", status: int = 200) -> HttpResponse:
    return _page("Connexion à Mon espace santé", _who(app) + _alert(message) + (
        "<form method=\"post\" action=\"/oauth/authorize\">" + _hidden("login", csrf)
        + "<p><label for=\"login_id\">Identifiant</label><br>"
        "<input id=\"login_id\" name=\"login_id\" autocomplete=\"username\" maxlength=\"64\" required></p>"
        "<p><label for=\"password\">Mot de passe</label><br>"
        "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>"
        "<p><button type=\"submit\">Continuer</button></p></form>"), cookie=cookie, status=status)


def code(app: App, csrf: str, sent_to: str, *, message: str = "", cookie: str = "", status: int = 200) -> HttpResponse:
    return _page("Code de sécurité", _who(app) + _alert(message) + (
        f"<p>Un code à 6 chiffres vient d'être envoyé à {escape(sent_to)}.</p>"
        "<form method=\"post\" action=\"/oauth/authorize\">" + _hidden("code", csrf)
        + "<p><label for=\"code\">Code reçu</label><br>"
        "<input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" "
        "maxlength=\"6\" required></p><p><button type=\"submit\">Valider</button></p></form>"),
        cookie=cookie, status=status)


def _purpose(p: Purpose, checked: bool) -> str:
    exchanges = "".join(f"<li>{escape(exchange_text(e))}</li>" for e in p.exchanges)
    description = f"<p>{escape(p.description)}</p>" if p.description else ""
    return (f"<fieldset><legend><label><input type=\"checkbox\" name=\"purpose\" value=\"{escape(p.code)}\""
            f"{' checked' if checked else ''}> {escape(p.label)}</label></legend>{description}"
            f"<ul>{exchanges}</ul></fieldset>")


def consent(app: App, csrf: str, purposes: list[Purpose], already: set[str], *, message: str = "",
            cookie: str = "") -> HttpResponse:
    listed = "".join(_purpose(p, p.code in already) for p in purposes)
    return _page("Vos consentements", _who(app) + _alert(message) + (
        "<p>Choisissez ce que vous autorisez. Vous pourrez retirer votre consentement à tout moment "
        "dans les paramètres de votre profil.</p>"
        "<form method=\"post\" action=\"/oauth/authorize\">" + _hidden("consent", csrf) + listed
        + "<p><button type=\"submit\" name=\"decision\" value=\"allow\">Autoriser la sélection</button> "
        "<button type=\"submit\" name=\"decision\" value=\"deny\">Refuser</button></p></form>"), cookie=cookie)
