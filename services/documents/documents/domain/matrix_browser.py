"""The app's matrix browser (DOMAIN.md §1.1): professions, and per profession every DMP type with
whether it may be read and whether its row is provisional (DOMAIN §10.1), from the same matrix as
the decision (MATRIX_FILE, by default `access/matrix.yaml`)."""
from __future__ import annotations

from dataclasses import dataclass

from meskit.errors import InvalidArgument, NotFound

from documents.domain import catalog
from documents.domain.access import Matrix
from documents.domain.access.reference import PROFESSIONS

COLUMN_LABELS = {
    "medecins": "Médecins (dont radiologues, biologistes), libéraux ou salariés (hors médecine du travail), "
                "SAMU-Urgences-Centre 15, internes",
    "pharmaciens_biologistes": "Pharmaciens biologistes et internes",
    "pharmaciens_officine_hospitaliers_preparateurs": "Pharmaciens d'officine et de pharmacies hospitalières, "
                                                      "internes et préparateurs",
    "chirurgiens_dentistes": "Chirurgiens-dentistes, internes", "sages_femmes": "Sages-femmes",
    "infirmiers": "Infirmiers", "masseurs_kinesitherapeutes": "Kinésithérapeutes",
    "pedicures_podologues": "Pédicures-podologues", "orthophonistes": "Orthophonistes",
    "orthoptistes_ergotherapeutes_psychomotriciens_dieteticiens": "Ergothérapeutes, Psychomotriciens, Orthoptistes, "
                                                                  "Diététiciens",
    "audioprothesistes_appareillage": "Audioprothésistes, métiers de l'appareillage",
    "opticiens_lunetiers": "Opticiens-lunetiers", "manipulateurs_erm": "Manipulateurs d'électroradiologie médicale",
}


@dataclass(frozen=True)
class Profession:
    code: str
    label: str
    column: str           # several columns (pharmacists): joined with "+"
    column_label: str


@dataclass(frozen=True)
class Entry:
    type_code: str
    type_label: str
    class_code: str
    class_label: str
    display_group: str
    readable: bool
    provisional: bool


def professions(matrix: Matrix) -> list[Profession]:
    codes = sorted({code for codes in matrix.groups.values() for code in codes})
    out = []
    for code in codes:
        groups = matrix.groups_of(code)
        out.append(Profession(code, PROFESSIONS.get(code, code), "+".join(groups),
                              " / ".join(COLUMN_LABELS.get(g, g) for g in groups)))
    return out


def access_matrix(matrix: Matrix, profession_code: str, readable_only: bool = False) -> tuple[Profession, list[Entry]]:
    if not profession_code:
        raise InvalidArgument("profession_code : champ obligatoire")
    profession = next((p for p in professions(matrix) if p.code == profession_code), None)
    if profession is None:
        raise NotFound("Profession absente de la matrice (elle ne lit aucun document)")
    entries = []
    for code, known in sorted(catalog.TYPES.items(), key=lambda item: (item[1].class_code, item[0])):
        found = matrix.lookup(profession_code, code)
        row = found.row
        readable = found.allowed and row is not None and row.class_code == known.class_code
        if readable_only and not readable:
            continue
        entries.append(Entry(code, row.label if row else known.label, known.class_code,
                             catalog.CLASS_LABELS.get(known.class_code, ""), catalog.display_group(code), readable,
                             row.provisional if row else False))
    return profession, entries
