"""The access decision's rules in plain French, for the holder asking "why can this professional see
this?" (ExplainDocumentAccess). One sentence per rule of `access.decide` (RULES); a test checks that
none is missing. Placeholders: {subject} (who the answer is about, capitalised: it opens the
sentence), {profession} (TRE_G15 label) and {type} (the document type's label).

The texts name rules and the patient's own settings, nothing else: the answer goes to the holder.
"""
from __future__ import annotations

from documents.domain.access import Decision, Mode

# The rule of the care team (DOMAIN §10.2), in decide.py once the policy change lands.
NOT_IN_CARE_TEAM = "not_in_care_team"
_MATRIX = "la matrice d'habilitation du DMP autorise la profession « {profession} » à lire les documents de type « {type} »"

TEXTS: dict[str, str] = {
    # ---- allowing ----
    "patient_owner": "Vous voyez tous les documents de votre espace, y compris ceux que vous avez masqués aux "
                     "professionnels.",
    "legal_representative": "Le représentant légal d'un mineur voit ce que voit le mineur, sauf les documents masqués "
                            "aux représentants légaux.",
    "caregiver": "Un aidant voit ce que voit la personne qu'il aide.",
    "author": "{subject} a déposé ce document : l'auteur d'un document le lit toujours, même masqué ou s'il a été "
              "bloqué.",
    "matrix_allowed": "{subject} peut lire ce document : il fait partie de votre équipe de soins, vous ne l'avez pas "
                      f"bloqué, et {_MATRIX}.",
    "administrator_sees_masked": "{subject} peut lire ce document bien que vous l'ayez masqué : vous l'avez désigné "
                                 f"administrateur de votre espace, et {_MATRIX}.",
    "samu_regulator": "{subject} peut ouvrir ce document sans donner de motif, comme médecin régulateur du SAMU - "
                      f"Centre 15 : vous ne vous y êtes pas opposé, et {_MATRIX}.",
    "break_glass": "{subject} peut ouvrir ce document en bris de glace, en justifiant son accès et en saisissant "
                   f"votre identité : vous ne vous y êtes pas opposé, et {_MATRIX}.",
    "masked_in_emergency": "{subject} peut ouvrir ce document bien qu'il soit masqué : vous avez accepté que vos "
                           f"documents masqués soient ouverts en urgence, et {_MATRIX}.",
    # ---- denying ----
    "inconsistent_inputs": "La vérification n'a pas pu être faite : les paramètres lus ne sont pas ceux de ce profil.",
    "document_deleted": "Ce document a été supprimé par le professionnel qui l'avait déposé : personne ne peut plus le "
                        "lire.",
    "actor_without_document_access": "Les comptes d'assistance, d'exploitation et les services de la plateforme ne "
                                     "lisent jamais le contenu des documents.",
    "emergency_mode_professionals_only": "Les accès d'urgence sont réservés aux professionnels de santé.",
    "not_the_patient": "Un patient ne voit que les documents de son propre espace.",
    "embargo_until_announcement": "Ce document est masqué au patient jusqu'à la consultation d'annonce, au plus un "
                                  "mois après son dépôt.",
    "not_the_patients_delegate": "Ce compte n'agit pas pour ce patient.",
    "unknown_delegation_type": "Aucune représentation légale ni aucune aide n'est enregistrée pour ce compte.",
    "legal_representation_of_adult": "La représentation légale d'un mineur prend fin à sa majorité.",
    "hidden_from_legal_representatives": "Ce document est masqué aux représentants légaux du mineur.",
    "occupational_medicine_never": "La médecine du travail ne lit jamais le DMP, même en urgence.",
    "insurer_never": "Les médecins des assurances ne lisent jamais le DMP, même en urgence.",
    "blocked_professional": "{subject} ne peut pas lire ce document : vous l'avez bloqué (il peut encore déposer des "
                            "documents dans votre espace).",
    "masked_document": "{subject} ne peut pas lire ce document : vous l'avez masqué aux professionnels (seuls son "
                       "auteur et les professionnels que vous avez désignés administrateurs le voient).",
    "not_a_samu_regulator": "{subject} ne peut pas utiliser l'accès SAMU - Centre 15 : il est réservé aux médecins "
                            "régulateurs du SAMU.",
    "samu_opposed": "Personne ne peut ouvrir ce document par le SAMU - Centre 15 : vous vous êtes opposé à cet accès.",
    "break_glass_without_justification": "L'accès en bris de glace exige une justification écrite du professionnel.",
    "break_glass_opposed": "Personne ne peut ouvrir ce document en bris de glace : vous vous êtes opposé à cet accès.",
    "masked_in_emergency_opposed": "Ce document est masqué et vous n'avez pas accepté que vos documents masqués "
                                   "soient ouverts en urgence.",
    "matrix_unknown_type": "Le type de ce document (« {type} ») n'a pas de ligne dans la matrice d'habilitation : "
                           "aucun professionnel ne peut le lire, sauf son auteur.",
    "matrix_unknown_profession": "La profession « {profession} » n'a pas de colonne dans la matrice d'habilitation : "
                                 "elle ne lit aucun document du DMP.",
    "matrix_class_mismatch": "La classe de ce document ne correspond pas à celle de son type : par prudence, aucun "
                             "professionnel ne peut le lire, sauf son auteur.",
    "matrix_denied": "{subject} ne peut pas lire ce document : la matrice d'habilitation du DMP ne permet pas à la "
                     "profession « {profession} » de lire les documents de type « {type} ».",
    NOT_IN_CARE_TEAM: "{subject} ne peut pas lire ce document : il ne fait pas partie de votre équipe de soins. Vous "
                      "pouvez l'y ajouter, ou il peut déclarer votre consentement lors d'une consultation.",
}
EMERGENCY_PREFIX = {Mode.BRIS_DE_GLACE: "En urgence (bris de glace) : ",
                    Mode.CENTRE_15: "En urgence (SAMU - Centre 15) : "}
PROVISIONAL = (" Cette règle de la matrice est provisoire : la plateforme l'applique en attendant la matrice "
               "officielle du DMP.")
# The rules decided by a matrix cell, where a provisional row is worth saying.
BY_THE_MATRIX = frozenset({"matrix_allowed", "administrator_sees_masked", "samu_regulator", "break_glass",
                           "masked_in_emergency", "matrix_denied"})
UNKNOWN_RULE = "La règle « {rule} » a décidé."


def sentence(decision: Decision, *, subject: str, profession: str, type_label: str, mode: Mode = Mode.NORMAL,
             provisional: bool = False) -> str:
    """The French explanation of one decision; emergency modes start with "En urgence (...) : "."""
    template = TEXTS.get(decision.rule, UNKNOWN_RULE)
    text = template.format(subject=subject, profession=profession, type=type_label, rule=decision.rule)
    if mode != Mode.NORMAL:
        text = EMERGENCY_PREFIX[Mode(mode)] + _lower_first(text)
    if provisional and decision.rule in BY_THE_MATRIX:
        text += PROVISIONAL
    return text


_COMMON_WORDS = frozenset({"Un", "Une", "Le", "La", "Les", "Ce", "Cette", "Aucun", "Aucune", "Personne", "Vous"})


def _lower_first(text: str) -> str:
    """After "En urgence (...) : " a sentence's first word loses its capital, unless it is a name."""
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first in _COMMON_WORDS or first.startswith("L'") else text
