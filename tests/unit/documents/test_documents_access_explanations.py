"""Every rule of the access decision has its French sentence for the holder's "why?" question."""
from __future__ import annotations

import re

import pytest

from documents.domain.access import RULES, Decision, Mode
from documents.domain.access_explanations import NOT_IN_CARE_TEAM, PROVISIONAL, TEXTS, sentence

ARGS = dict(subject="Paul Bernard (Médecin)", profession="Médecin", type_label="Compte rendu de bilan fonctionnel")


class TestTexts:
    def test_every_rule_of_the_decision_has_a_text(self):
        assert sorted(RULES - TEXTS.keys()) == []

    def test_the_care_team_rule_has_its_text_before_it_reaches_the_decision(self):
        assert NOT_IN_CARE_TEAM == "not_in_care_team" and "équipe de soins" in TEXTS[NOT_IN_CARE_TEAM]

    @pytest.mark.parametrize("rule", sorted(TEXTS))
    @pytest.mark.parametrize("mode", list(Mode))
    def test_each_text_is_one_french_sentence_with_every_placeholder_filled(self, rule, mode):
        text = sentence(Decision(rule in RULES and not rule.startswith("not"), rule, "reason"), mode=mode, **ARGS)
        assert not re.search(r"[{}]", text) and text.endswith(".") and text[0].isupper()
        assert rule not in text                     # plain French, not the rule's code name


class TestSentence:
    def test_the_matrix_cell_is_named_with_the_profession_and_the_type(self):
        text = sentence(Decision(False, "matrix_denied", ""), **ARGS)
        assert text == ("Paul Bernard (Médecin) ne peut pas lire ce document : la matrice d'habilitation du DMP ne "
                        "permet pas à la profession « Médecin » de lire les documents de type « Compte rendu de bilan "
                        "fonctionnel ».")

    def test_emergency_modes_say_so_and_keep_names_capitalised(self):
        opposed = sentence(Decision(False, "break_glass_opposed", ""), mode=Mode.BRIS_DE_GLACE, **ARGS)
        assert opposed.startswith("En urgence (bris de glace) : personne ne peut ouvrir ce document en bris de glace")
        allowed = sentence(Decision(True, "samu_regulator", ""), mode=Mode.CENTRE_15, **ARGS)
        assert allowed.startswith("En urgence (SAMU - Centre 15) : Paul Bernard (Médecin) peut ouvrir")

    def test_a_provisional_matrix_row_is_said_only_where_the_matrix_decided(self):
        assert sentence(Decision(True, "matrix_allowed", ""), provisional=True, **ARGS).endswith(PROVISIONAL)
        assert PROVISIONAL not in sentence(Decision(False, "masked_document", ""), provisional=True, **ARGS)

    def test_a_rule_without_text_still_answers(self):
        assert sentence(Decision(False, "some_future_rule", ""), **ARGS) == "La règle « some_future_rule » a décidé."
