"""The messaging pages' pure parts: dates in French time, why she cannot reply, the order of the
conversations, the authors shown, the pharmacies offered; and the pages need a patient session."""
from __future__ import annotations

from starlette.testclient import TestClient

from portal.app import build_app
from portal.config import load_settings
from portal.pages.messaging import author, correspondents, newest_first, reply_refusal
from portal.pages.messaging_files import check_text, french_datetime
from portal.pages.messaging_pharmacy import merged, pharmacy_choice

ENV = {"GATEWAY_URL": "http://127.0.0.1:9", "SESSION_SECRET": "k" * 40}


class TestFrenchDatetime:
    def test_in_french_time_winter_and_summer(self):
        assert french_datetime("2026-12-02T17:05:00Z") == "2 décembre 2026 à 18 h 05"
        assert french_datetime("2026-07-14T08:30:00.123Z") == "14 juillet 2026 à 10 h 30"

    def test_nothing_or_garbage_is_left_as_is(self):
        assert french_datetime("") == "" and french_datetime(None) == "" and french_datetime("hier") == "hier"


class TestReplyRefusal:
    def test_open_conversations_take_a_reply(self):
        assert reply_refusal({"replyOptions": ["REPLY_OPTION_REPLY"]}) == ""
        assert reply_refusal({"replyOptions": ["REPLY_OPTION_REPLY_TO_ALL"]}) == ""

    def test_closed_no_reply_and_unknown(self):
        assert "clos" in reply_refusal({"state": "CONVERSATION_STATE_CLOSED", "replyOptions": ["REPLY_OPTION_REPLY_BLOCKED"]})
        assert "n’accepte pas de réponse" in reply_refusal({"replyOptions": ["REPLY_OPTION_NO_REPLY"]})
        assert reply_refusal({}) == "Vous ne pouvez pas répondre dans cette conversation."


class TestConversations:
    def test_newest_first_by_last_message(self):
        found = newest_first([{"conversationId": "a", "lastMessageAt": "2026-01-01T00:00:00Z"},
                              {"conversationId": "b", "lastMessageAt": "2026-03-01T00:00:00Z"},
                              {"conversationId": "c", "createdAt": "2026-02-01T00:00:00Z"}])
        assert [c["conversationId"] for c in found] == ["b", "c", "a"]

    def test_correspondents_leave_her_out(self):
        conversation = {"participants": [{"type": "PARTICIPANT_TYPE_PATIENT", "displayName": "Jacqueline"},
                                         {"type": "PARTICIPANT_TYPE_PROFESSIONAL", "displayName": "Dr Bernard"}]}
        assert correspondents(conversation) == ["Dr Bernard"]

    def test_authors(self):
        assert author({"sender": {"type": "PARTICIPANT_TYPE_PATIENT", "displayName": "Jacqueline"}}) == "Vous"
        assert author({"sender": {"type": "PARTICIPANT_TYPE_PROFESSIONAL", "displayName": "Paul Bernard",
                                  "specialty": "Médecine générale"}}) == "Paul Bernard (Médecine générale)"
        assert author({}) == "Un professionnel de santé"


class TestTexts:
    def test_empty_and_too_long(self):
        errors: dict[str, str] = {}
        check_text(errors, {"message": "  \n"}, "message", "Écrivez votre message")
        check_text(errors, {"objet": "x" * 201}, "objet", "Écrivez l’objet", 200)
        assert errors == {"message": "Écrivez votre message", "objet": "Le texte compte au plus 200 caractères"}


class TestPharmacies:
    def test_a_contact_and_a_search_result_once_each(self):
        contact = pharmacy_choice({"participantId": "p1", "displayName": "Pharmacie des Lilas"})
        result = pharmacy_choice({"pharmacyId": "p1", "name": "Pharmacie des Lilas", "city": "Paris"})
        other = pharmacy_choice({"pharmacyId": "p2", "name": "Pharmacie du Marché", "address": "1 rue Haute",
                                 "postalCode": "75011", "city": "Paris"})
        assert contact["visited"] and not other["visited"]
        assert other["detail"] == "1 rue Haute, 75011 Paris"
        assert [c["id"] for c in merged([contact], [result, other])] == ["p1", "p2"]


class TestSessions:
    def test_the_pages_send_to_login_without_a_session(self):
        with TestClient(build_app(load_settings(ENV)), base_url="http://portail.test") as client:
            for path in ("/messagerie", "/messagerie/ordonnance", "/messagerie/nouveau",
                         "/messagerie/6f1c1a7e-2b1f-4c55-9a55-3f8e0c1d2e3f"):
                answer = client.get(path, follow_redirects=False)
                assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion?suite=")
