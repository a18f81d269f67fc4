"""Where a space is, from identity's AccessContext.patient_status, as messaging and agenda answer it:
pending, opposed, deleted → NO_SPACE; closed, suspended → PROFILE_CLOSED; created, active → read."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from mes.identity.v1 import identity_pb2 as pb

from meskit import space
from meskit.auth import PATIENT, PROFESSIONAL, Caller
from meskit.errors import FailedPrecondition

from agenda.adapters.identity import context_from_pb as agenda_context
from agenda.domain import access as agenda_access
from messaging.adapters.identity import context_from_pb as messaging_context
from messaging.domain import actors as messaging_actors

STATES = [(pb.ACCOUNT_STATUS_CREATED, None), (pb.ACCOUNT_STATUS_ACTIVE, None),
          (pb.ACCOUNT_STATUS_PENDING, "NO_SPACE"), (pb.ACCOUNT_STATUS_OPPOSED, "NO_SPACE"),
          (pb.ACCOUNT_STATUS_DELETED, "NO_SPACE"), (pb.ACCOUNT_STATUS_CLOSED, "PROFILE_CLOSED"),
          (pb.ACCOUNT_STATUS_SUSPENDED, "PROFILE_CLOSED")]


@dataclass
class Contexts:
    reply: pb.AccessContext
    convert: object

    def get(self, patient_id: str, professional_id: str = ""):
        return self.convert(patient_id, self.reply)


@dataclass
class Deps:
    contexts: Contexts


def answer(who, caller: Caller, convert, status) -> str | None:
    deps = Deps(Contexts(pb.AccessContext(patient_status=status), convert))
    try:
        who(deps, caller, "pat-1")
    except FailedPrecondition as refused:
        return refused.reason
    return None


@pytest.mark.parametrize("status, reason", STATES)
def test_messaging_and_agenda_answer_the_space_state(status, reason):
    assert answer(messaging_actors.who, Caller(PROFESSIONAL, "dr-1"), messaging_context, status) == reason
    assert answer(agenda_access.who, Caller(PATIENT, "pat-1"), agenda_context, status) == reason


def test_the_refusal_of_a_missing_space_speaks_french():
    assert space.no_space().message == "Ce patient n'a pas de profil Mon espace santé"
    assert space.state(pb.AccessContext(patient_space_closed=True)) == space.CLOSED
