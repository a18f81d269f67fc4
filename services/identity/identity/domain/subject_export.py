"""Identity's part of "Télécharger mes données" (DOMAIN §4.4): what it holds of the person, as JSON
files under `identite/` of her archive (her account and contact details, her delegations on either
side, her care team, her access settings). Asked by the exports service only."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from meskit.auth import SERVICE, Caller
from meskit.errors import NotFound, PermissionDenied, require_ids

from identity.domain.models import Account
from identity.domain.ports import Dependencies

EXPORTER = "exports"
FOLDER = "identite"
JSON = "application/json"


@dataclass(frozen=True)
class ExportFile:
    path: str
    content_type: str
    data: bytes


def export(deps: Dependencies, caller: Caller, account_id: str) -> list[ExportFile]:
    if caller.actor_type != SERVICE or caller.subject != EXPORTER:
        raise PermissionDenied("Réservé au service des exports", reason="NOT_EXPORTER")
    require_ids(account_id=account_id)
    now = deps.now()
    with deps.unit_of_work() as repo:
        account = repo.get_account(account_id)
        if account is None:
            raise NotFound("Profil introuvable")
        links = repo.delegations_of(either_id=account_id)
        people = {i: repo.get_account(i) for d in links for i in (d.delegator_id, d.delegate_id) if i != account_id}
        settings = repo.get_access_settings(account_id)
        professionals = {i: repo.get_professional(i)
                         for i in {m.professional_id for m in settings.care_team} | set(settings.blocked_professional_ids)}
    name = {i: _name(a) for i, a in people.items()}
    pro = {i: f"{p.given_name} {p.family_name}".strip() if p else "" for i, p in professionals.items()}
    return [
        _json("compte.json", _account(account)),
        _json("delegations.json", [{
            "type": d.type, "etat": d.state_on(now), "sens": "pour moi" if d.delegator_id == account_id else "par moi",
            "personne": name.get(d.delegate_id if d.delegator_id == account_id else d.delegator_id, ""),
            "creee_le": _at(d.created_at), "repondue_le": _at(d.answered_at), "fin_prevue_le": _at(d.ends_at),
            "terminee_le": _at(d.ended_at), "motif_de_fin": d.ended_reason or ""} for d in links]),
        _json("equipe-de-soins.json", [{
            "professionnel": pro.get(m.professional_id, ""), "role": m.role, "administrateur": m.administrator,
            "depuis": _at(m.since), "origine": m.source} for m in settings.care_team]),
        _json("parametres.json", {
            "acces_samu": settings.emergency.samu_access, "bris_de_glace": settings.emergency.break_glass,
            "documents_masques_visibles_en_urgence": settings.emergency.masked_in_emergency,
            "masquer_les_nouveaux_documents": settings.mask_new_documents_by_default,
            "professionnels_bloques": sorted(pro.get(i, "") for i in settings.blocked_professional_ids)}),
    ]


def _account(a: Account) -> dict:
    return {"identifiant": a.account_id, "nir": a.nir, "prenom": a.given_name, "nom": a.family_name,
            "date_de_naissance": a.birth_date.isoformat(), "sexe": a.sex, "email": a.email or "",
            "telephone": a.phone or "", "adresse_postale": a.postal_address or "", "statut": a.status,
            "identifiant_de_connexion": a.login_id or "", "cree_le": _at(a.created_at),
            "active_le": _at(a.activated_at)}


def _json(name: str, content: object) -> ExportFile:
    return ExportFile(f"{FOLDER}/{name}", JSON, json.dumps(content, ensure_ascii=False, indent=2).encode())


def _name(account: Account | None) -> str:
    return account.full_name if account else ""


def _at(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
