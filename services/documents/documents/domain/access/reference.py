"""Reference data the matrix file is checked against at load (DOMAIN.md §1.2, §1.3). Pure data."""
from __future__ import annotations

import documents.domain.catalog as catalog

# TRE_G15 profession codes known to the project (DOMAIN §1.2), with their labels. Codes 31, 32, 86
# and the deprecated 35-39 are real codes absent from the seed matrix: a matrix may give them a
# column, the shipped one does not (they read nothing).
PROFESSIONS: dict[str, str] = {
    "10": "Médecin", "21": "Pharmacien", "26": "Audioprothésiste", "28": "Opticien-lunetier",
    "31": "Assistant dentaire", "32": "Physicien médical", "35": "Aide-soignant", "36": "Ambulancier",
    "37": "Auxiliaire de puériculture", "38": "Préparateur en pharmacie hospitalière",
    "39": "Préparateur en pharmacie", "40": "Chirurgien-dentiste", "50": "Sage-femme", "60": "Infirmier",
    "69": "Infirmier psychiatrique", "70": "Masseur-kinésithérapeute", "80": "Pédicure-podologue",
    "81": "Orthoprothésiste", "82": "Podo-orthésiste", "83": "Orthopédiste-orthésiste", "84": "Oculariste",
    "85": "Épithésiste", "86": "Technicien de laboratoire médical", "91": "Orthophoniste", "92": "Orthoptiste",
    "94": "Ergothérapeute", "95": "Diététicien", "96": "Psychomotricien",
    "98": "Manipulateur d'électroradiologie médicale",
}

# DMP typeCodes (JDV_J66) and their classCode in the DMP map (DOMAIN §1.3): one home, the catalog.
TYPE_CLASSES: dict[str, str] = {code: t.class_code for code, t in catalog.TYPES.items()}

# J07 (2026) codes absent from the 2024 DMP map (DOMAIN §1.3): known type codes whose class the map
# does not give, so a matrix row for one may name any TRE_A03 class. The shipped file has none.
UNMAPPED_TYPES: frozenset[str] = frozenset({
    "28617-9", "34120-6", "89233-1", "96163-1", "101881-1", "PIECE-IDENTITE", "FICHE-CONTACTS", "EXPORT_DUI"})
