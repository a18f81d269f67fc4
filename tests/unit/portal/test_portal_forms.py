"""The forms' own checks, in French, before anything is sent."""
from __future__ import annotations

from datetime import date

import pytest

from meskit.config import ConfigError
from portal import forms
from portal.config import load_settings

GOOD = {"provisional_code": "ABCD 2345 EFGH", "nir": "2 46 05 75 056 123 45", "vitale_serial": "40123456789",
        "login_id": "jacqueline.martin", "password": "Lilas-Paris-1946!", "email": "j.martin@example.fr",
        "accept_terms": "oui"}


class TestActivationForm:
    def test_a_good_form_is_cleaned_for_the_service(self):
        form = forms.activation_form(GOOD)
        assert form.valid
        assert form.clean == {"provisional_code": "ABCD2345EFGH", "nir": "246057505612345",
                              "vitale_serial": "40123456789", "login_id": "jacqueline.martin",
                              "password": "Lilas-Paris-1946!", "email": "j.martin@example.fr"}

    def test_every_field_is_checked_and_the_password_never_kept(self):
        form = forms.activation_form({"nir": "123", "password": "court", "login_id": "é"})
        assert set(form.errors) == {"provisional_code", "nir", "vitale_serial", "login_id", "password", "email",
                                    "accept_terms"}
        assert "password" not in form.values and form.values["nir"] == "123"
        assert form.errors["password"] == ("Le mot de passe doit contenir au moins 9 caractères, une lettre majuscule, "
                                           "un chiffre, un caractère spécial (par exemple ! ? - _ @)")

    @pytest.mark.parametrize("password, missing", [
        ("Lilas-Paris-1946!", []), ("lilas-paris-1946!", ["une lettre majuscule"]),
        ("LilasParis1946", ["un caractère spécial (par exemple ! ? - _ @)"]), ("Aa1!", ["au moins 9 caractères"])])
    def test_password_rules(self, password, missing):
        assert forms.missing_password_rules(password) == missing

    def test_corsican_nir_and_bad_email(self):
        form = forms.activation_form({**GOOD, "nir": "1 46 05 2A 056 123 45", "email": "pas-une-adresse"})
        assert "nir" not in form.errors and form.errors["email"].startswith("Saisissez une adresse e-mail valide")


class TestLoginAndCode:
    def test_login_needs_both(self):
        assert set(forms.login_form({"login_id": "  "}).errors) == {"login_id", "password"}
        assert forms.login_form({"login_id": "a", "password": "b"}).clean == {"login_id": "a", "password": "b"}

    @pytest.mark.parametrize("typed, error", [("123 456", None), ("12345", "Le code compte 6 chiffres"),
                                              ("", "Saisissez le code à 6 chiffres reçu par e-mail"),
                                              ("abcdef", "Le code compte 6 chiffres")])
    def test_code(self, typed, error):
        assert forms.code_form({"code": typed}).errors.get("code") == error


class TestDocumentDate:
    TODAY = date(2026, 12, 2)

    @pytest.mark.parametrize("parts, expected", [
        (("", "", ""), ("", "")), (("27", "3", "2026"), ("2026-03-27", "")),
        (("31", "2", "2026"), ("", "La date du document doit être une vraie date, par exemple 27 3 2026")),
        (("3", "12", "2026"), ("", "La date du document doit être aujourd’hui ou dans le passé")),
        (("1", "1", "26"), ("", "L’année doit compter 4 chiffres, par exemple 2026"))])
    def test_document_date(self, parts, expected):
        assert forms.document_date(*parts, today=self.TODAY) == expected


class TestSafeNext:
    @pytest.mark.parametrize("value, expected", [
        ("/documents?categorie=BIOLOGIE", "/documents?categorie=BIOLOGIE"), (None, "/"), ("", "/"),
        ("https://ailleurs.example/", "/"), ("//ailleurs.example", "/"), ("/\\ailleurs.example", "/"),
        ("/a\r\nSet-Cookie: x", "/"), ("documents", "/")])
    def test_only_local_paths(self, value, expected):
        assert forms.safe_next(value) == expected


class TestSettings:
    def test_a_short_secret_is_refused_without_showing_it(self):
        with pytest.raises(ConfigError) as refused:
            load_settings({"GATEWAY_URL": "http://gateway:8080", "SESSION_SECRET": "court"})
        assert "SESSION_SECRET: too short" in str(refused.value) and "court" not in str(refused.value)

    def test_required_ones_are_named(self):
        with pytest.raises(ConfigError) as refused:
            load_settings({})
        assert "GATEWAY_URL: missing" in str(refused.value) and "SESSION_SECRET: missing" in str(refused.value)
