"""DOMAIN.md §1.2 (groups), §1.3 (type -> class), §1.4 (flags, labels left out) and §10.1 (class defaults),
copied by hand: matrix.yaml must say exactly this."""
from __future__ import annotations

import csv
import io

# DOMAIN.md §1.4 without the type_label column.
SEED_CSV = """\
class_code,type_code,medecins,pharmaciens_biologistes,pharmaciens_officine_hospitaliers_preparateurs,chirurgiens_dentistes,sages_femmes,infirmiers,masseurs_kinesitherapeutes,pedicures_podologues,orthophonistes,orthoptistes_ergotherapeutes_psychomotriciens_dieteticiens,audioprothesistes_appareillage,opticiens_lunetiers,manipulateurs_erm
10,15508-5,1,1,1,0,1,1,1,0,0,0,0,0,0
10,70004-7,1,1,1,1,1,1,1,1,1,1,0,0,1
10,75492-9,1,1,1,1,1,1,1,1,1,1,0,0,1
10,11505-5,1,1,1,1,1,1,1,1,1,1,0,0,0
10,75482-0,1,1,1,1,1,1,1,1,1,1,0,0,0
10,67851-6,1,1,1,1,1,1,1,0,1,1,0,0,1
10,11526-1,1,1,1,1,1,1,1,1,1,1,0,0,1
10,77436-4,1,1,1,1,1,1,1,0,1,1,0,0,0
10,BIL_AUTO,1,1,1,1,1,1,1,1,1,1,1,0,0
10,47420-5,1,1,1,1,1,1,1,1,1,1,1,1,0
10,34749-2,1,1,1,1,1,1,1,0,1,1,0,0,1
10,51969-4,1,1,1,0,0,1,1,0,0,0,0,0,0
10,15507-7,1,1,1,1,1,1,1,1,1,1,0,0,1
10,34794-8,1,1,1,1,1,1,1,1,1,1,1,0,1
10,85208-7,1,1,1,1,1,1,1,1,1,1,1,0,1
10,11502-2,1,1,1,1,1,1,1,1,0,0,0,0,0
10,34112-3,1,1,1,1,1,1,1,1,1,1,0,0,0
10,34874-8,1,1,1,1,1,1,1,1,1,1,1,0,0
10,11488-4,1,1,1,1,1,1,1,1,1,1,0,0,1
10,11506-3,1,1,1,1,1,1,1,1,1,1,0,0,1
10,11490-0,1,1,1,1,1,1,1,0,1,1,0,0,0
"""
SEED_ROWS = list(csv.DictReader(io.StringIO(SEED_CSV)))
# DOMAIN.md §1.2: TRE_G15 codes per matrix column.
SEED_GROUPS = {
    "medecins": {"10"}, "pharmaciens_biologistes": {"21"},
    "pharmaciens_officine_hospitaliers_preparateurs": {"21"}, "chirurgiens_dentistes": {"40"},
    "sages_femmes": {"50"}, "infirmiers": {"60", "69"}, "masseurs_kinesitherapeutes": {"70"},
    "pedicures_podologues": {"80"}, "orthophonistes": {"91"},
    "orthoptistes_ergotherapeutes_psychomotriciens_dieteticiens": {"92", "94", "95", "96"},
    "audioprothesistes_appareillage": {"26", "81", "82", "83", "84", "85"},
    "opticiens_lunetiers": {"28"}, "manipulateurs_erm": {"98"},
}

# DOMAIN.md §1.3: every DMP typeCode by classCode (the slash-grouped rows of the table spelt out).
_TYPES_BY_CLASS = """\
10 11488-4 11490-0 11502-2 11505-5 11506-3 11526-1 15507-7 15508-5 28653-4 29274-8 34112-3 34749-2 34794-8 34874-8 34875-5 47420-5 51969-4 59283-2 60568-3 67851-6 70004-7 75482-0 75492-9 75496-0 77436-4 78513-9 78601-2 83981-1 85208-7 93024-8 96349-6 BIL_AUTO DOCPAT03 DOCPAT05 DOCPAT06
11 18761-7 34133-9 34842-5 56445-0 57055-6 57057-2 57075-4 60591-5 68599-0 68817-6 74207-2 78489-2 80820-4 83836-7 83901-9 88348-8 89235-6 DOCPAT01 DOCPAT08 SYNTH
31 18748-4 52040-3 DOCPAT04 IMG-KOS
42 55115-0 57828-6 57832-8 57833-6 61357-0 75468-9 DOCPAT02 PRESC-AAT PRESC-BIO PRESC-INF PRESC-KINE PRESC-ORTHOPHO PRESC-ORTHOPTIE PRESC-PEDI
43 60593-1 DISP_AUT
44 18776-5 77604-7 80771-9 80788-3 83869-8 PROT_ALD
45 80565-5
52 11369-6 87273-9 89601-9 96173-0 96874-3 CERT_DECL DOCPAT07
60 REMB
90 74465-6 EXPPAT_1 EXPPAT_2 EXPPAT_3
95 59284-0 86531-1 ATTEST-ASS-COMPL ATTEST-DROITS-AM ATTEST-HEBGT ATTEST-RESID AUTORIS-SOINS DOCPAT09
"""
DOMAIN_1_3_CLASSES = {code: line.split()[0] for line in _TYPES_BY_CLASS.splitlines() for code in line.split()[1:]}

# DOMAIN.md §10.1: the provisional column groups per class, written from the table's words.
ALL_GROUPS = set(SEED_GROUPS)
PHARMACISTS = {"pharmaciens_biologistes", "pharmaciens_officine_hospitaliers_preparateurs"}
_MED_PHARMA_DENT_SF_INF = {"medecins", *PHARMACISTS, "chirurgiens_dentistes", "sages_femmes", "infirmiers"}
CLASS_DEFAULTS = {
    "11": ALL_GROUPS - {"audioprothesistes_appareillage", "opticiens_lunetiers"},
    "31": {"medecins", "chirurgiens_dentistes", "sages_femmes", "infirmiers", "masseurs_kinesitherapeutes",
           "pedicures_podologues", "manipulateurs_erm"},
    "42": ALL_GROUPS,
    "43": _MED_PHARMA_DENT_SF_INF,
    "44": ALL_GROUPS - {"opticiens_lunetiers", "manipulateurs_erm"},
    "45": _MED_PHARMA_DENT_SF_INF,
    "52": _MED_PHARMA_DENT_SF_INF,
    "60": {"medecins", "pharmaciens_officine_hospitaliers_preparateurs"},
    "90": ALL_GROUPS,
    "95": ALL_GROUPS,
}
MEDECINS_ONLY = {"68599-0", "83901-9"}      # synthèse psychiatrique, bilan psychologique
# Class-10 types without a seed row: the project takes the seed's generic report row 11488-4.
CLASS_10_DEFAULT_ROW = "11488-4"


def class_default_readers(type_code: str) -> set[str]:
    """The groups that read a type not in the seed, from §10.1 (and the class-10 choice above)."""
    if type_code in MEDECINS_ONLY:
        return {"medecins"}
    class_code = DOMAIN_1_3_CLASSES[type_code]
    if class_code == "10":
        row = next(r for r in SEED_ROWS if r["type_code"] == CLASS_10_DEFAULT_ROW)
        return {g for g in SEED_GROUPS if row[g] == "1"}
    return CLASS_DEFAULTS[class_code]


def expected_readers(type_code: str) -> set[str]:
    """Which matrix columns read a type: the seed row when there is one, else the default above."""
    row = next((r for r in SEED_ROWS if r["type_code"] == type_code), None)
    if row is not None:
        return {g for g in SEED_GROUPS if row[g] == "1"}
    return class_default_readers(type_code)
