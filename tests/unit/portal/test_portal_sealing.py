"""The session cookie's sealing: what is sealed opens with the same secret until it expires;
an altered, foreign or expired value opens as nothing."""
from __future__ import annotations

import pytest

from portal.sealing import MAX_COOKIE_CHARS, CookieSealer

SECRET = "s" * 40
NOW = 1_800_000_000.0


class TestCookieSealer:
    def test_opens_what_it_sealed_until_it_expires(self):
        sealer = CookieSealer(SECRET)
        sealed = sealer.seal({"csrf": "abc", "tokens": {"access": "x"}}, now=NOW, max_age=60)
        assert sealer.open(sealed, now=NOW + 59) == {"csrf": "abc", "tokens": {"access": "x"}}
        assert sealer.open(sealed, now=NOW + 60) is None

    def test_the_value_is_encrypted(self):
        sealed = CookieSealer(SECRET).seal({"csrf": "lisible-en-clair"}, now=NOW, max_age=60)
        assert "lisible" not in sealed and sealed.count(".") == 4

    def test_another_secret_opens_nothing(self):
        sealed = CookieSealer(SECRET).seal({"a": 1}, now=NOW, max_age=60)
        assert CookieSealer("t" * 40).open(sealed, now=NOW) is None

    @pytest.mark.parametrize("forged", ["", "abc", "a.b.c.d.e", "eyJhbGciOiJub25lIn0.e30.", "x" * (MAX_COOKIE_CHARS + 1)])
    def test_forged_values_open_nothing(self, forged):
        assert CookieSealer(SECRET).open(forged, now=NOW) is None

    def test_an_altered_byte_opens_nothing(self):
        sealer = CookieSealer(SECRET)
        sealed = sealer.seal({"a": 1}, now=NOW, max_age=60)
        head, key, iv, ciphertext, tag = sealed.split(".")
        flipped = ("A" if ciphertext[0] != "A" else "B") + ciphertext[1:]
        assert sealer.open(".".join([head, key, iv, flipped, tag]), now=NOW) is None

    def test_a_session_too_large_for_a_cookie_is_refused(self):
        with pytest.raises(ValueError):
            CookieSealer(SECRET).seal({"big": "x" * MAX_COOKIE_CHARS}, now=NOW, max_age=60)
