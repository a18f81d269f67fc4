"""The activity history (Historique d'activité): newest first, paged, filtered by who acted, by kind
of action and by period; each record checked by the portal against the audit log's proofs (an
inclusion proof per record to a signed tree head, and a consistency proof from the head seen on the
previous visit), shown as a badge."""
from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import merkle
from portal.auth import Caller, signed_in
from portal.gateway import GatewayError, gateway_of
from portal.rendering import MONTHS, Pages
from portal.session import session_of

VERIFIED, UNAVAILABLE, FAILED = "verifie", "indisponible", "echec"
PAGE_SIZE = 20
PARIS = ZoneInfo("Europe/Paris")
ACTORS = {"vous": ("ACTOR_TYPE_PATIENT", "Vous ou vos proches"),
          "professionnels": ("ACTOR_TYPE_HEALTHCARE_PROFESSIONAL", "Les professionnels de santé"),
          "etablissements": ("ACTOR_TYPE_HEALTHCARE_FACILITY", "Les établissements de santé"),
          "services": ("ACTOR_TYPE_SERVICE_TIERS", "Les services connectés"),
          "support": ("ACTOR_TYPE_SUPPORT", "Le service d’assistance"),
          "systeme": ("ACTOR_TYPE_SYSTEM", "Mon espace santé")}
GROUPS = {"general": ("ACTIVITY_GROUP_GENERAL", "Compte et paramètres"),
          "documents": ("ACTIVITY_GROUP_MEDICAL_DOCUMENT", "Documents"),
          "messagerie": ("ACTIVITY_GROUP_MESSAGING", "Messagerie"),
          "services": ("ACTIVITY_GROUP_SERVICE_TIERS", "Services connectés")}
PERIODS = {"7j": (7, "Les 7 derniers jours"), "30j": (30, "Les 30 derniers jours"),
           "12m": (365, "Les 12 derniers mois")}
ACTIONS = {"ACTION_READ": "Consultation", "ACTION_CREATE": "Ajout", "ACTION_UPDATE": "Modification",
           "ACTION_DELETE": "Suppression", "ACTION_DOWNLOAD": "Téléchargement", "ACTION_LIST": "Consultation de la liste",
           "ACTION_LOGIN": "Connexion", "ACTION_LOGOUT": "Déconnexion", "ACTION_SETTINGS_CHANGE": "Paramètres d’accès",
           "ACTION_EMERGENCY_ACCESS": "Accès en urgence", "ACTION_VISIBILITY_CHANGE": "Masquage",
           "ACTION_SEND": "Envoi", "ACTION_EXPORT": "Export", "ACTION_DELEGATION_CHANGE": "Accès d’un proche",
           "ACTION_ACCOUNT_CHANGE": "Compte", "ACTION_ERASE": "Effacement"}
ACTOR_LABELS = {"ACTOR_TYPE_HEALTHCARE_PROFESSIONAL": "Un professionnel de santé",
                "ACTOR_TYPE_HEALTHCARE_FACILITY": "Un établissement de santé",
                "ACTOR_TYPE_SUPPORT": "Le service d’assistance", "ACTOR_TYPE_PATIENT": "Un proche",
                "ACTOR_TYPE_SERVICE_TIERS": "Un service connecté", "ACTOR_TYPE_SYSTEM": "Mon espace santé",
                "ACTOR_TYPE_ENROLMENT": "L’Assurance Maladie", "ACTOR_TYPE_OPERATOR": "L’Assurance Maladie"}
MODES = {"ACCESS_MODE_BRIS_DE_GLACE": "Accès d’urgence (bris de glace)",
         "ACCESS_MODE_CENTRE_15": "Accès d’urgence (SAMU – Centre 15)"}


@dataclass
class Check:
    """What the portal could verify of the records shown."""

    state: str
    head: merkle.Head | None = None
    failed: set[str] = field(default_factory=set)      # record ids whose proof does not verify
    append_only: bool = True


async def check(gateway, token: str, records: list[dict], remembered: dict | None) -> Check:
    """Each record's inclusion proof to the latest signed head (tree_size 0), each head's signature,
    and the consistency of the newest head with the one remembered from an earlier visit."""
    if not records:
        return Check(UNAVAILABLE)
    try:
        keys = (await gateway.call("GET", "/v1/audit/log-keys", token=token)).get("keys", [])
        proofs = await asyncio.gather(*(gateway.call(
            "GET", f"/v1/audit/inclusion-proofs/{r['recordId']}", token=token, params={"treeSize": 0})
            for r in records))
    except GatewayError:
        return Check(UNAVAILABLE)
    heads: dict[tuple, merkle.Head | None] = {}
    failed: set[str] = set()
    for record, proof in zip(records, proofs):
        raw = proof.get("treeHead") or {}
        seen = (raw.get("treeSize"), raw.get("rootHash"), raw.get("signature"), raw.get("timestamp"))
        if seen not in heads:
            try:
                heads[seen] = merkle.verified_head(raw, keys)
            except merkle.ProofError:
                heads[seen] = None
        head = heads[seen]
        if head is None or not merkle.record_included(record, proof, head):
            failed.add(record["recordId"])
    good = [h for h in heads.values() if h is not None]
    newest = max(good, key=lambda h: h.tree_size) if good else None
    if newest is None:
        return Check(FAILED, None, failed)
    append_only = True
    older = [h for h in good if h.tree_size < newest.tree_size]
    if remembered:
        try:
            older.append(merkle.Head(merkle.uint(remembered.get("size")), merkle.b64(remembered.get("root", "")),
                                     newest.timestamp))
        except merkle.ProofError:
            pass
    for old in older:
        if old.tree_size == newest.tree_size:
            append_only = append_only and old.root_hash == newest.root_hash
            continue
        if old.tree_size > newest.tree_size:
            append_only = False
            continue
        try:
            proof = await gateway.call("GET", "/v1/audit/consistency-proofs", token=token,
                                       params={"first": old.tree_size, "second": newest.tree_size})
            hashes = [merkle.b64(h) for h in proof.get("proof", [])]
        except GatewayError:
            return Check(UNAVAILABLE, newest, failed)
        except merkle.ProofError:
            hashes = []
        append_only = append_only and merkle.consistent(old.tree_size, newest.tree_size, old.root_hash,
                                                        newest.root_hash, hashes)
    state = VERIFIED if not failed and append_only else FAILED
    return Check(state, newest, failed, append_only)


def french_moment(value: str | datetime | None) -> str:
    """An RFC 3339 time -> "2 décembre 2026 à 19 h 05" (Paris time)."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    when = when.astimezone(PARIS)
    return f"{when.day} {MONTHS[when.month - 1]} {when.year} à {when.hour} h {when.minute:02d}"


def who(record: dict, caller: Caller) -> str:
    actor = record.get("actor") or {}
    name = actor.get("displayName", "")
    if actor.get("type") == "ACTOR_TYPE_PATIENT" and actor.get("id") == caller.account_id:
        return "Vous"
    if actor.get("onBehalfOf"):
        return f"{name or 'Un proche'}, pour {'vous' if not caller.delegate else 'ce profil'}"
    return name or ACTOR_LABELS.get(actor.get("type", ""), "Mon espace santé")


def filters_of(request: Request) -> tuple[dict, dict]:
    """(chosen filters, the API's query for them); unknown values are left out."""
    chosen = {name: request.query_params.get(name, "") for name in ("qui", "quoi", "periode")}
    chosen["qui"] = chosen["qui"] if chosen["qui"] in ACTORS else ""
    chosen["quoi"] = chosen["quoi"] if chosen["quoi"] in GROUPS else ""
    chosen["periode"] = chosen["periode"] if chosen["periode"] in PERIODS else ""
    params: dict = {"pageSize": PAGE_SIZE}
    if chosen["qui"]:
        params["actorTypes"] = ACTORS[chosen["qui"]][0]
    if chosen["quoi"]:
        params["groups"] = GROUPS[chosen["quoi"]][0]
    if chosen["periode"]:
        start = datetime.now(timezone.utc) - timedelta(days=PERIODS[chosen["periode"]][0])
        params["startTime"] = start.isoformat(timespec="seconds").replace("+00:00", "Z")
    return chosen, params


def routes(pages: Pages) -> list[Route]:
    @signed_in
    async def history(request: Request, caller: Caller) -> Response:
        chosen, params = filters_of(request)
        page_token = request.query_params.get("page", "")
        if page_token and len(page_token) <= 512:
            params["pageToken"] = page_token
        gateway = gateway_of(request)
        try:
            found = await gateway.call("GET", f"/v1/patients/{caller.patient_id}/activity", token=caller.token,
                                       params=params)
        except GatewayError as exc:
            if exc.status != 400 or "pageToken" not in params:
                raise
            params.pop("pageToken")           # a page link of other filters: the first page
            found = await gateway.call("GET", f"/v1/patients/{caller.patient_id}/activity", token=caller.token,
                                       params=params)
        records = found.get("records", [])
        session = session_of(request)
        remembered = session.get("audit_head")
        verified = await check(gateway, caller.token, records, remembered if isinstance(remembered, dict) else None)
        if verified.state == VERIFIED and verified.head is not None and (
                not isinstance(remembered, dict) or merkle.uint(remembered.get("size")) <= verified.head.tree_size):
            session["audit_head"] = {"size": verified.head.tree_size,
                                     "root": base64.b64encode(verified.head.root_hash).decode()}
        next_query = {k: v for k, v in chosen.items() if v}
        if found.get("nextPageToken"):
            next_query["page"] = found["nextPageToken"]
        return pages.render(request, "history.html", records=records, chosen=chosen, actors=ACTORS, groups=GROUPS,
                            periods=PERIODS, check=verified, next_query=next_query if found.get("nextPageToken") else {},
                            first_page=bool(params.get("pageToken")), who=lambda r: who(r, caller),
                            actions=ACTIONS, modes=MODES, moment=french_moment, states=(VERIFIED, UNAVAILABLE, FAILED))

    return [Route("/historique", history)]
