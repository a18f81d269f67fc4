"""The professionals' pages' texts and form checks: finding a patient, her birth date, the
refusals of the documents API in French, and the break-glass justification as the API takes it."""
from __future__ import annotations

from datetime import date

from portal import forms

NOT_FOUND = ("Aucun patient ne correspond à ces informations. Vérifiez le numéro de sécurité sociale, le nom "
             "et la date de naissance avec le patient ou sa carte Vitale.")
FIND_FIELDS = {"nir": "nir", "family_name": "nom", "familyName": "nom", "birth_date": "jour",
               "birthDate": "jour", "given_name": "prenom", "givenName": "prenom"}
FIELD_CHECKS = {"nir": "Vérifiez le numéro de sécurité sociale du patient",
                "nom": "Vérifiez le nom de famille du patient", "jour": "Vérifiez la date de naissance du patient",
                "prenom": "Vérifiez le prénom du patient"}
# Refusals of the whole space (PERMISSION_DENIED, reason = the rule), in French.
REFUSALS = {
    "NOT_IN_CARE_TEAM": "Le patient ne vous a pas autorisé à accéder à son dossier : vous ne faites pas partie de "
                        "son équipe de soins.",
    "BLOCKED_PROFESSIONAL": "Le patient a bloqué votre accès à son dossier. Vous pouvez toujours y déposer des "
                            "documents.",
    "BREAK_GLASS_OPPOSED": "Le patient s’est opposé à l’accès en urgence (bris de glace) à son dossier.",
    "MASKED_IN_EMERGENCY_OPPOSED": "Le patient s’est opposé à l’accès en urgence à ses documents masqués.",
    "OCCUPATIONAL_MEDICINE_NEVER": "La médecine du travail n’a jamais accès au dossier médical partagé.",
    "INSURER_NEVER": "Les médecins des assurances n’ont jamais accès au dossier médical partagé.",
}
# Refusals that neither a declared consent nor break-glass lift.
FINAL_REFUSALS = {"BLOCKED_PROFESSIONAL", "OCCUPATIONAL_MEDICINE_NEVER", "INSURER_NEVER"}
OTHER_REFUSAL = "Vous n’avez pas accès au dossier de ce patient."
MISMATCH = ("Le nom, le prénom ou la date de naissance saisis ne correspondent pas au dossier de ce patient. "
            "Vérifiez-les auprès du patient ou de ses documents.")
DECLARE_REFUSALS = {
    "PROFESSIONAL_BLOCKED": "Le patient a bloqué votre accès : vous ne pouvez pas déclarer son consentement.",
    "NOT_A_CARE_PROFESSIONAL": "Votre exercice (médecine du travail, médecin d’assurance) ne permet pas "
                               "d’accéder au dossier médical partagé.",
    "ACCOUNT_CLOSED": "L’espace santé de ce patient est fermé.",
}
MESSAGE_REFUSED = ("Votre message n’a pas pu être envoyé à ce patient. Vérifiez l’objet et le message, puis "
                   "réessayez.")
UPLOAD_REFUSALS = {
    "UNSUPPORTED_TYPE": "Ce format de fichier n’est pas accepté : choisissez un fichier {formats}",
    "TOO_LARGE": "Le fichier dépasse {limit} : choisissez un fichier plus petit",
    "EMPTY": "Le fichier choisi est vide",
    "CORRUPT": "Le fichier choisi est abîmé ou ne peut pas être lu",
}


def birth_date(values: dict[str, str]) -> tuple[str, str]:
    """(ISO birth date, error) from the jour/mois/annee fields; a birth date is required and past."""
    day, month, year = (values.get(name, "").strip() for name in ("jour", "mois", "annee"))
    if not (day or month or year):
        return "", "Saisissez la date de naissance du patient"
    if len(year) != 4:
        return "", "L’année de naissance compte 4 chiffres, par exemple 1946"
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        return "", "La date de naissance doit être une vraie date, par exemple 27 3 1946"
    if when > date.today() or when.year < 1900:
        return "", "La date de naissance doit être dans le passé"
    return when.isoformat(), ""


def find_form(raw: dict[str, str]) -> forms.Form:
    form = forms.Form({name: raw.get(name, "").strip() for name in ("nir", "nom", "prenom", "jour", "mois", "annee")})
    values = form.values
    nir = forms.compact(values["nir"]).upper()
    if not nir:
        form.error("nir", "Saisissez le numéro de sécurité sociale du patient")
    elif not forms.NIR.match(nir):
        form.error("nir", "Le numéro de sécurité sociale compte 15 caractères, par exemple 2 46 05 75 056 123 45")
    if not values["nom"]:
        form.error("nom", "Saisissez le nom de famille du patient")
    elif len(values["nom"]) > 100:
        form.error("nom", "Le nom compte au plus 100 caractères")
    if len(values["prenom"]) > 100:
        form.error("prenom", "Le prénom compte au plus 100 caractères")
    born, problem = birth_date(values)
    if problem:
        form.error("jour", problem)
    if form.valid:
        form.clean = {"nir": nir, "familyName": values["nom"], "birthDate": born, "givenName": values["prenom"]}
    return form


def access_params(session, patient_id: str) -> dict[str, str]:
    """The break-glass AccessJustification as the documents API takes it (query), for this patient only."""
    access = session.get("pro_access")
    if not isinstance(access, dict) or access.get("patient_id") != patient_id:
        return {}
    return {"access.mode": "ACCESS_MODE_BRIS_DE_GLACE", "access.justification": access["justification"],
            "access.patientFamilyName": access["family_name"], "access.patientGivenName": access["given_name"],
            "access.patientBirthDate": access["birth_date"]}


