"""The professionals' pages' own checks: finding a patient, her birth date, and the break-glass
justification sent for the patient it was given for only."""
from __future__ import annotations

from portal.pages import pro_forms

GOOD = {"nir": "2 46 05 75 056 123 45", "nom": " Martin ", "prenom": "", "jour": "2", "mois": "8", "annee": "1946"}


class TestFindForm:
    def test_a_good_form_is_cleaned_for_find_patient(self):
        form = pro_forms.find_form(GOOD)
        assert form.valid
        assert form.clean == {"nir": "246057505612345", "familyName": "Martin", "birthDate": "1946-08-02",
                              "givenName": ""}

    def test_every_required_field_is_said_in_french(self):
        form = pro_forms.find_form({})
        assert form.errors == {"nir": "Saisissez le numéro de sécurité sociale du patient",
                               "nom": "Saisissez le nom de famille du patient",
                               "jour": "Saisissez la date de naissance du patient"}

    def test_a_bad_nir_and_an_impossible_date(self):
        form = pro_forms.find_form({**GOOD, "nir": "123", "jour": "31", "mois": "2"})
        assert set(form.errors) == {"nir", "jour"}
        assert "vraie date" in form.errors["jour"]

    def test_a_birth_date_in_the_future_or_a_short_year(self):
        assert pro_forms.birth_date({"jour": "1", "mois": "1", "annee": "2999"})[1] == (
            "La date de naissance doit être dans le passé")
        assert "4 chiffres" in pro_forms.birth_date({"jour": "1", "mois": "1", "annee": "46"})[1]


class TestAccessParams:
    ACCESS = {"patient_id": "p1", "justification": "Inconsciente", "family_name": "MARTIN",
              "given_name": "Jacqueline", "birth_date": "1946-08-02"}

    def test_the_justification_goes_with_the_reads_of_its_patient(self):
        assert pro_forms.access_params({"pro_access": self.ACCESS}, "p1") == {
            "access.mode": "ACCESS_MODE_BRIS_DE_GLACE", "access.justification": "Inconsciente",
            "access.patientFamilyName": "MARTIN", "access.patientGivenName": "Jacqueline",
            "access.patientBirthDate": "1946-08-02"}

    def test_never_with_another_patient_or_none_given(self):
        assert pro_forms.access_params({"pro_access": self.ACCESS}, "p2") == {}
        assert pro_forms.access_params({}, "p1") == {}
