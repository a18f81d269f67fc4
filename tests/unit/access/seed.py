"""DOMAIN.md §1.2 (groups) and §1.4 (flags, labels left out), copied by hand: matrix.yaml must say exactly this."""
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
