"""How the history names a connected app (actor SERVICE_TIERS); every other actor as stated."""
from __future__ import annotations

import pytest

from audit.domain.actor_labels import actor_label


class TestActorLabel:
    @pytest.mark.parametrize(("name", "shown"), [("GlycoSuivi", "GlycoSuivi (service connecté)"),
                                                 ("  GlycoSuivi ", "GlycoSuivi (service connecté)"),
                                                 ("", "Service connecté")])
    def test_an_app_is_named_as_a_connected_service(self, name, shown):
        assert actor_label("SERVICE_TIERS", name) == shown

    @pytest.mark.parametrize("actor_type", ["PATIENT", "HEALTHCARE_PROFESSIONAL", "SUPPORT", "SYSTEM", ""])
    def test_other_actors_keep_their_name(self, actor_type):
        assert actor_label(actor_type, "Dr Paul Bernard") == "Dr Paul Bernard"
