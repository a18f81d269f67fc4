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


# The professionals' pages (pages/pro.py): the common DMP type codes a professional files under
# (JDV_J66, DOMAIN §1.3), with their French labels; the category is derived from the code.
PROFESSIONAL_TYPE_CODES = {
    "11488-4": "Compte rendu ou fiche de consultation ou de visite",
    "11502-2": "Compte rendu d’examens biologiques",
    "18748-4": "Compte rendu d’imagerie médicale",
    "11490-0": "Lettre de liaison à la sortie d’un établissement de soins",
    "34112-3": "Compte rendu hospitalier (séjour)",
    "15507-7": "Compte rendu de passage aux urgences",
    "34874-8": "Compte rendu opératoire",
    "47420-5": "Compte rendu de bilan fonctionnel",
    "11506-3": "Compte rendu ou fiche de suivi de soins par auxiliaire médical",
    "57833-6": "Prescription de produits de santé",
    "57832-8": "Prescription de soins",
    "60591-5": "Synthèse médicale",
    "11369-6": "Historique des vaccinations",
    "56445-0": "Bilan médicamenteux (officine)",
    "60593-1": "Dispensation médicamenteuse",
}


# Mes proches (pages/people.py): the delegations' kinds and states.
DELEGATION_KINDS = {"DELEGATION_TYPE_LEGAL_REPRESENTATION": "Représentant légal",
                    "DELEGATION_TYPE_CAREGIVING": "Aidant"}
DELEGATION_STATES = {"DELEGATION_STATE_PENDING": ("En attente de réponse", "yellow"),
                     "DELEGATION_STATE_ACCEPTED": ("En cours", "green"),
                     "DELEGATION_STATE_REFUSED": ("Refusé", "grey"),
                     "DELEGATION_STATE_EXPIRED": ("Expiré", "grey"),
                     "DELEGATION_STATE_REVOKED": ("Terminé", "grey"),
                     "DELEGATION_STATE_ENDED": ("Terminé", "grey")}
