from __future__ import annotations

import pytest

from identity.domain import rules
from identity.domain.secrets import PROVISIONAL_ALPHABET, new_login_code, new_provisional_code
from meskit.errors import InvalidArgument, Violations


class TestNir:
    def test_accepts_a_nir_with_the_right_key(self):
        assert rules.nir_is_valid("2460375056123" + rules.nir_key("2460375056123"))

    def test_rejects_a_wrong_key(self):
        body = "2460375056123"
        wrong = f"{(int(rules.nir_key(body)) + 1) % 100:02d}"
        assert not rules.nir_is_valid(body + wrong)

    def test_corsica_departments(self):
        body = "185022A004123"                      # department 2A counts as 19 in the key
        key = f"{97 - int('1850219004123') % 97:02d}"
        assert rules.nir_is_valid(body + key)

    @pytest.mark.parametrize("nir", ["", "123", "246037505612X45", "946037505612345", "2460375056123456"])
    def test_rejects_malformed(self, nir):
        assert not rules.nir_is_valid(nir)


class TestPassword:
    @pytest.mark.parametrize("password, missing", [
        ("Ab1!", "au moins 9"), ("abcdefgh1!", "une majuscule"), ("ABCDEFGH1!", "une minuscule"),
        ("Abcdefghi!", "un chiffre"), ("Abcdefgh12", "un caractère spécial")])
    def test_names_what_is_missing(self, password, missing):
        assert any(missing in p for p in rules.password_problems(password, personal=[]))

    def test_accepts_a_strong_password(self):
        assert rules.password_problems("Lilas-Paris-1946!", personal=["Jacqueline"]) == []

    def test_refuses_personal_information(self):
        problems = rules.password_problems("Jacqueline-2026!", personal=["Jacqueline", "Martin"])
        assert any("personnelle" in p for p in problems)


class TestLoginId:
    @pytest.mark.parametrize("login_id", ["short", "with space1", "accentué.id", "someone@example.fr"])
    def test_refused(self, login_id):
        violations = Violations()
        rules.check_login_id(violations, login_id)
        with pytest.raises(InvalidArgument):
            violations.raise_if_any()

    def test_accepted(self):
        violations = Violations()
        rules.check_login_id(violations, "jacqueline.martin_46")
        violations.raise_if_any()


class TestCodes:
    def test_provisional_code_has_12_unambiguous_characters(self):
        codes = {new_provisional_code() for _ in range(200)}
        assert len(codes) == 200
        assert all(len(c) == 12 and set(c) <= set(PROVISIONAL_ALPHABET) for c in codes)
        assert not set("01OIL") & set(PROVISIONAL_ALPHABET)

    def test_login_code_is_six_digits(self):
        assert all(len(c) == 6 and c.isdigit() for c in (new_login_code() for _ in range(200)))


def test_mask_email_hides_the_local_part():
    assert rules.mask_email("jacqueline@example.fr") == "j***@example.fr"
