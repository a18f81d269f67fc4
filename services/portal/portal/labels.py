"""French labels of the platform's codes, as the patient side shows them (DOMAIN §2.2)."""
from __future__ import annotations

# The nine categories the patient side selects, in the app's order (API code: name without prefix).
SELECTABLE_CATEGORIES = {
    "SYNTHESE": "Ma santé en résumé",
    "ORD_SOIN": "Ordonnances et soins",
    "RADIO_SC": "Radio, écho, scanner, IRM",
    "BIOLOGIE": "Résultats de biologie",
    "CPT_REND": "Comptes rendus",
    "DEPISTAG": "Prévention et dépistage(s)",
    "CERT_MED": "Certificats médicaux",
    "AUTR_DOC": "Autres documents",
    "DOC_ADM": "Pièces administratives",
}
OTHER_CATEGORIES = {
    "SYNTH_PML": "Synthèse du profil médical",
    "DIR_ANT": "Directives anticipées",
    "QUEST_SANTE": "Questionnaires de prévention",
    "CAR_VAC": "Carnet de vaccination",
    "VDP": "Volet de synthèse",
    "REMB": "Historique des remboursements",
}
AUTHOR_TYPES = {"AUTHOR_TYPE_PRACTITIONER": "Un professionnel de santé", "AUTHOR_TYPE_PATIENT": "Vous",
                "AUTHOR_TYPE_DISPOSITIF": "Une application connectée",
                "AUTHOR_TYPE_ORGANISATION": "Un établissement ou l’Assurance Maladie"}
PREFIX = "DOCUMENT_CATEGORY_"


def category(value: str) -> str:
    code = value.removeprefix(PREFIX)
    return SELECTABLE_CATEGORIES.get(code) or OTHER_CATEGORIES.get(code) or "Autres documents"


def author(document: dict) -> str:
    who = document.get("author") or {}
    name = who.get("displayName") or who.get("name") or ""
    return name or AUTHOR_TYPES.get(who.get("type", ""), "")

# Mes proches (pages/people.py): the delegations' kinds and states.
DELEGATION_KINDS = {"DELEGATION_TYPE_LEGAL_REPRESENTATION": "Représentant légal",
                    "DELEGATION_TYPE_CAREGIVING": "Aidant"}
DELEGATION_STATES = {"DELEGATION_STATE_PENDING": ("En attente de réponse", "yellow"),
                     "DELEGATION_STATE_ACCEPTED": ("En cours", "green"),
                     "DELEGATION_STATE_REFUSED": ("Refusé", "grey"),
                     "DELEGATION_STATE_EXPIRED": ("Expiré", "grey"),
                     "DELEGATION_STATE_REVOKED": ("Terminé", "grey"),
                     "DELEGATION_STATE_ENDED": ("Terminé", "grey")}
