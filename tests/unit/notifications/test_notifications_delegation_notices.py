"""The notices of delegations that end by themselves (DOMAIN.md §3.3, §10.5): the young adult's
majority notice goes to her alone and carries her activation code only when she has one; the bell
never shows the code; each side of a caregiving reads the other's name."""
from __future__ import annotations

from notifications.domain import routing
from notifications.domain.catalog import SECRET_PAYLOAD_KEYS, notice_for
from notifications.domain.content import bell_text, compose


def compose_for(event_type: str, payload: dict, profile: str = "Léa Petit"):
    return compose(notice_for(event_type), payload, profile_name=profile, recipient_name="Léa",
                   public_url="https://mes.test")


def test_the_majority_notice_goes_to_the_young_adult_alone_whoever_reads_her_profile():
    notice = notice_for("RAPPEL_CONSENT_PASSAGE_MAJO")
    profile = routing.Profile("lea", minor=True, legal_representative_ids=("mother",), caregiver_ids=("aunt",))
    assert routing.recipients_of(profile, holder_only=notice.holder_only) == [("lea", routing.SELF)]
    assert notice.mandatory and notice.producers == {"identity"} and not notice.push


def test_her_code_is_in_the_mail_with_how_to_use_it_never_in_the_bell():
    payload = {"provisional_code": "ABCD2345EFGH", "provisional_code_expires_at": "2027-03-01T10:00:00+00:00"}
    content = compose_for("RAPPEL_CONSENT_PASSAGE_MAJO", payload)
    assert ("Code provisoire", "ABCD2345EFGH") in content.details
    assert ("Valable jusqu'au", "01/03/2027") in content.details
    assert "Activez votre propre accès avec le code provisoire" in content.body
    assert "ABCD2345EFGH" not in " ".join(bell_text(notice_for("RAPPEL_CONSENT_PASSAGE_MAJO"), payload, "Léa Petit"))
    assert "provisional_code" in SECRET_PAYLOAD_KEYS        # erased once delivered, as at creation


def test_already_active_she_is_asked_to_check_her_choices():
    content = compose_for("RAPPEL_CONSENT_PASSAGE_MAJO", {"provisional_code": ""})
    assert content.details == () and "vérifier vos choix" in content.body


def test_a_former_representative_reads_the_first_name_only_on_her_own_profile():
    content = compose_for("RAPPEL_CONSENT_RL_PASSAGE_MAJO", {"actor_display": "Léa"}, profile="Claire Petit")
    assert content.lines[0].startswith("Léa est désormais majeur(e) : votre accès à son profil")


def test_each_side_of_a_caregiving_reads_the_other_name():
    for code in ("DATE_FIN_PARTAGE_PROFIL", "RAPPEL_FIN_PARTAGE_PROFIL", "FIN_PARTAGE_PROFIL"):
        notice = notice_for(code)
        assert notice.mandatory and notice.producers == {"identity"}, code
        line = compose_for(code, {"actor_display": "Paul Martin"}, profile="Jacqueline Martin").lines[0]
        assert "entre Paul Martin et Jacqueline Martin" in line, code
