"""Document classification: DMP typeCodes (JDV_J66) and their classCode, the patient-side categories
(DOMAIN.md §1.3, §2.2) and how one side is derived from the other. Pure data, no I/O."""
from __future__ import annotations

from dataclasses import dataclass

# TRE_A03 classCodes (DOMAIN §1.3).
CLASS_LABELS = {
    "10": "Compte rendu", "11": "Synthèse", "31": "Imagerie médicale", "42": "Prescription",
    "43": "Dispensation", "44": "Plan de soins, protocole de soins", "45": "Traitement administré",
    "52": "Certificat, déclaration", "60": "Données de remboursement",
    "90": "Autres documents déposés par le patient", "95": "Document de gestion", "99": "Document technique",
}

# Patient-side categories (API codes, DOMAIN §2.2). The first nine are selectable by the user.
SELECTABLE_CATEGORIES = ("SYNTHESE", "ORD_SOIN", "RADIO_SC", "BIOLOGIE", "CPT_REND", "DEPISTAG", "CERT_MED",
                         "AUTR_DOC", "DOC_ADM")
SYSTEM_CATEGORIES = ("SYNTH_PML", "DIR_ANT", "QUEST_SANTE", "CAR_VAC", "VDP", "REMB")
CATEGORIES = SELECTABLE_CATEGORIES + SYSTEM_CATEGORIES

# A patient upload's category -> its DMP typeCode (DOMAIN §2.2, "inferred, not confirmed").
PATIENT_TYPE_FOR_CATEGORY = {
    "SYNTHESE": "DOCPAT01", "ORD_SOIN": "DOCPAT02", "CPT_REND": "DOCPAT03", "RADIO_SC": "DOCPAT04",
    "BIOLOGIE": "DOCPAT05", "DEPISTAG": "DOCPAT06", "CERT_MED": "DOCPAT07", "SYNTH_PML": "DOCPAT08",
    "DOC_ADM": "DOCPAT09", "AUTR_DOC": "EXPPAT_2", "DIR_ANT": "EXPPAT_3",
}
CATEGORY_FOR_PATIENT_TYPE = {t: c for c, t in PATIENT_TYPE_FOR_CATEGORY.items()}
PATIENT_TYPES = frozenset({*PATIENT_TYPE_FOR_CATEGORY.values(), "EXPPAT_1"})   # filed only by patients' side


@dataclass(frozen=True)
class DocumentType:
    type_code: str
    label: str
    class_code: str


def _types(rows: str) -> dict[str, DocumentType]:
    out = {}
    for line in rows.strip().splitlines():
        code, class_code, label = (part.strip() for part in line.split("|"))
        out[code] = DocumentType(code, label, class_code)
    return out


# JDV_J66 typeCodes with their class (DOMAIN §1.3, [J07] labels, [X16] class map).
TYPES: dict[str, DocumentType] = _types("""
11369-6 | 52 | Historique des vaccinations
11488-4 | 10 | CR ou fiche de consultation ou de visite
11490-0 | 10 | Lettre de liaison à la sortie d'un établissement de soins
11502-2 | 10 | CR d'examens biologiques
11505-5 | 10 | CR d'acte thérapeutique (autre)
11506-3 | 10 | CR ou fiche de suivi de soins par auxiliaire médical
11526-1 | 10 | CR d'anatomie et de cytologie pathologiques
15507-7 | 10 | CR de passage aux urgences
15508-5 | 10 | CR d'accouchement
18748-4 | 31 | CR d'imagerie médicale
18761-7 | 11 | Note de transfert (dont lettre de liaison à l'entrée en établissement)
18776-5 | 44 | Plan personnalisé de soins
28653-4 | 10 | Document du secteur social / médico-social
29274-8 | 10 | Mesures de signes vitaux
34112-3 | 10 | CR hospitalier (séjour)
34133-9 | 11 | Synthèse d'épisode de soins
34749-2 | 10 | CR de consultation pré-anesthésique
34794-8 | 10 | CR de réunion de concertation pluridisciplinaire
34842-5 | 11 | Grille d'évaluation médico-sociale
34874-8 | 10 | CR opératoire
34875-5 | 10 | Évaluation postopératoire et note de suivi
47420-5 | 10 | CR de bilan fonctionnel
51969-4 | 10 | CR de génétique moléculaire
52040-3 | 31 | Document encapsulant une image d'illustration non DICOM
55115-0 | 42 | Demande d'actes d'imagerie
56445-0 | 11 | Bilan médicamenteux (officine)
57055-6 | 11 | Synthèse antepartum
57057-2 | 11 | Synthèse salle de naissance mère
57075-4 | 11 | Synthèse salle de naissance enfant
57828-6 | 42 | Prescription (autre)
57832-8 | 42 | Prescription de soins
57833-6 | 42 | Prescription de produits de santé
59283-2 | 10 | CR d'examen de l'enfant
59284-0 | 95 | Attestation de consentement
60568-3 | 10 | CR d'anatomie et de cytologie pathologiques
60591-5 | 11 | Synthèse médicale
60593-1 | 43 | Dispensation médicamenteuse
61357-0 | 42 | Intervention pharmaceutique
67851-6 | 10 | CR d'admission
68599-0 | 11 | Synthèse psychiatrique
68817-6 | 11 | Bilan de santé et de prévention de l'enfant
70004-7 | 10 | CR d'acte diagnostique (autre)
74207-2 | 11 | Document de liaison d'urgence
74465-6 | 90 | Questionnaire patient
75468-9 | 42 | Renouvellement ordonnance par pharmacien correspondant
75482-0 | 10 | CR d'acte thérapeutique à visée préventive
75492-9 | 10 | CR d'acte diagnostique à visée préventive ou de dépistage
75496-0 | 10 | Demande d'acte de télémédecine
77436-4 | 10 | CR d'anesthésie
77604-7 | 44 | Planification thérapeutique
78489-2 | 11 | Synthèse enfant en maternité
78513-9 | 10 | CR de consultation en ophtalmologie
78601-2 | 10 | CR d'entretien pharmaceutique
80565-5 | 45 | CR d'administration de médicaments
80771-9 | 44 | Projet d'accueil individualisé
80788-3 | 44 | Projet personnalisé d'accompagnement
80820-4 | 11 | Formulaire de conciliation médicamenteuse
83836-7 | 11 | Schéma dentaire
83869-8 | 44 | Plan personnalisé de prévention
83901-9 | 11 | Bilan psychologique
83981-1 | 10 | Lettre de liaison à la sortie d'une structure sociale ou médico-sociale
85208-7 | 10 | CR de télémédecine
86531-1 | 95 | Attestation de sortie
87273-9 | 52 | Note de vaccination
88348-8 | 11 | Lettre de liaison d'entrée en structure sociale ou médico-sociale
89235-6 | 11 | Synthèse suites de couches mère
89601-9 | 52 | Certificat médical
93024-8 | 10 | CR de consultation pharmaceutique
96173-0 | 52 | Test rapide d'orientation diagnostique
96349-6 | 10 | Lettre d'adressage
96874-3 | 52 | COVID-19 attestation de vaccination
BIL_AUTO | 10 | CR de bilan d'évaluation de la perte d'autonomie
CERT_DECL | 52 | Certificat, déclaration
DISP_AUT | 43 | Dispensation (autre)
PROT_ALD | 44 | Protocole de soins ALD
REMB | 60 | Données de remboursement
SYNTH | 11 | Synthèse
IMG-KOS | 31 | Référence d'objets d'un examen d'imagerie
PRESC-AAT | 42 | Prescription d'arrêt de travail
PRESC-BIO | 42 | Prescription de biologie
PRESC-KINE | 42 | Prescription de kinésithérapie
PRESC-INF | 42 | Prescription de soins infirmiers
PRESC-PEDI | 42 | Prescription de pédicurie
PRESC-ORTHOPHO | 42 | Prescription d'orthophonie
PRESC-ORTHOPTIE | 42 | Prescription d'orthoptie
AUTORIS-SOINS | 95 | Autorisation de soins
ATTEST-RESID | 95 | Attestation de résidence
ATTEST-DROITS-AM | 95 | Attestation de droits Assurance Maladie
ATTEST-ASS-COMPL | 95 | Attestation d'assurance complémentaire
ATTEST-HEBGT | 95 | Attestation d'hébergement
EXPPAT_1 | 90 | Volontés et droits du patient
EXPPAT_2 | 90 | Autre document du patient
EXPPAT_3 | 90 | Directives anticipées
DOCPAT01 | 11 | Synthèse déposée par le patient
DOCPAT02 | 42 | Traitement ou document de soins déposé par le patient
DOCPAT03 | 10 | CR déposé par le patient
DOCPAT04 | 31 | Imagerie déposée par le patient
DOCPAT05 | 10 | CR de biologie déposé par le patient
DOCPAT06 | 10 | CR de prévention déposé par le patient
DOCPAT07 | 52 | Certificat déposé par le patient
DOCPAT08 | 11 | Profil médical Mon espace santé
DOCPAT09 | 95 | Document administratif déposé par le patient
""")

BIOLOGY_TYPES = frozenset({"11502-2", "51969-4"})
PREVENTION_TYPES = frozenset({"75482-0", "75492-9", "68817-6", "83869-8"})
VACCINATION_TYPES = frozenset({"11369-6", "87273-9", "96874-3"})
CATEGORY_FOR_CLASS = {"10": "CPT_REND", "11": "SYNTHESE", "31": "RADIO_SC", "42": "ORD_SOIN", "43": "ORD_SOIN",
                      "44": "ORD_SOIN", "45": "ORD_SOIN", "52": "CERT_MED", "60": "REMB", "90": "AUTR_DOC",
                      "95": "DOC_ADM", "99": "AUTR_DOC"}

# Display groups of the matrix browser (display only, DOMAIN §1.3).
GROUP_FOR_CLASS = {"10": "Comptes-rendus", "11": "Synthèses", "31": "Imagerie médicale", "42": "Traitements et soins",
                   "43": "Traitements et soins", "44": "Traitements et soins", "45": "Traitements et soins",
                   "52": "Certificats, déclarations", "60": "Données de remboursement",
                   "90": "Documents déposés par le patient", "95": "Documents administratifs et de gestion",
                   "99": "Documents techniques"}


def category_for_type(type_code: str) -> str:
    """The patient-side category a deposit is shown under."""
    if type_code in CATEGORY_FOR_PATIENT_TYPE:
        return CATEGORY_FOR_PATIENT_TYPE[type_code]
    if type_code in BIOLOGY_TYPES:
        return "BIOLOGIE"
    if type_code in PREVENTION_TYPES:
        return "DEPISTAG"
    if type_code in VACCINATION_TYPES:
        return "CAR_VAC"
    known = TYPES.get(type_code)
    return CATEGORY_FOR_CLASS.get(known.class_code, "AUTR_DOC") if known else "AUTR_DOC"


def display_group(type_code: str) -> str:
    if type_code in BIOLOGY_TYPES:
        return "Biologie"
    if type_code in PREVENTION_TYPES:
        return "Prévention"
    known = TYPES.get(type_code)
    return GROUP_FOR_CLASS.get(known.class_code, "Autres") if known else "Autres"
