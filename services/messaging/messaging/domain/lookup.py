"""Which conversation: identifiers checked, then one the caller's side may see, or NOT_FOUND."""
from __future__ import annotations

from meskit.errors import NotFound

from messaging.domain.actors import Who
from messaging.domain.models import CLOSED, REPLY, REPLY_BLOCKED, REPLY_TO_ALL, Conversation

NO_SUCH_CONVERSATION = "Conversation introuvable"


def can_see(w: Who, c: Conversation) -> bool:
    if c.patient_id != w.patient_id or (c.hidden_from_legal_representatives and w.kept_from_secret):
        return False
    if w.patient_side:
        return c.deleted_by_patient_at is None
    return c.participant(w.caller.subject) is not None


def visible(repo, w: Who, conversation_id: str, *, for_update: bool = False) -> Conversation:
    found = repo.get_conversation(conversation_id, for_update=for_update)
    if found is None or not can_see(w, found):
        raise NotFound(NO_SUCH_CONVERSATION)
    return found


def reply_options(participant_id: str, c: Conversation) -> tuple[str, ...]:
    """What the participant (the patient for her side) may answer."""
    if c.state == CLOSED or c.deleted_by_patient_at is not None:
        return (REPLY_BLOCKED,)
    others = [p for p in c.participants if p.participant_id != participant_id]
    return (REPLY, REPLY_TO_ALL) if len(others) > 1 else (REPLY,)
