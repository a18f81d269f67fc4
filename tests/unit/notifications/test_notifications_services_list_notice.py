"""SERVICES_SYNCHRONISES (DOMAIN §8, §9): from identity, to the holder alone, by email, the apps named."""
from __future__ import annotations

from notifications.domain import routing
from notifications.domain.catalog import SYNCHRONIZED_SERVICE, notice_for
from notifications.domain.content import compose

NOTICE = notice_for("SERVICES_SYNCHRONISES")


class TestSynchronizedServicesNotice:
    def test_comes_from_identity_to_the_holder_alone_by_email(self):
        assert NOTICE.producers == frozenset({"identity"}) and NOTICE.category == SYNCHRONIZED_SERVICE
        assert (NOTICE.email, NOTICE.bell, NOTICE.push, NOTICE.postal, NOTICE.mandatory) == (
            True, False, False, False, False)
        minor = routing.Profile("lea", minor=True, legal_representative_ids=("mum",), caregiver_ids=("gran",))
        assert routing.recipients_of(minor, holder_only=NOTICE.holder_only) == [("lea", routing.SELF)]

    def test_names_the_apps_and_the_day_the_list_was_drawn_up(self):
        content = compose(NOTICE, {"app_names": "GlycoSuivi, TensioFacile", "as_of": "2026-12-01T23:30:00+00:00"},
                          profile_name="Jeanne Martin", recipient_name="Jeanne", public_url="https://mes.example/")
        assert content.lines[0] == ("Les services connectés à votre profil : GlycoSuivi, TensioFacile. "
                                    "Vous pouvez les gérer dans Paramètres.")
        assert content.details == (("Liste établie le", "02/12/2026"),)      # Paris time

    def test_an_empty_list_says_so(self):
        content = compose(NOTICE, {"app_names": ""}, profile_name="", recipient_name="", public_url="")
        assert content.lines[0].startswith("Les services connectés à votre profil : aucun.")
