"""Messaging's pure rules: pages, reply options, a delegate's signature, the attachment limits."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from meskit import paging
from meskit.auth import DELEGATE, PATIENT, PROFESSIONAL, Caller
from meskit.errors import InvalidArgument, PermissionDenied, Unimplemented

from messaging.domain.actors import AccessContext, ProfessionalRecord, Who, may_write, signature
from messaging.domain.attachments import NewAttachment, NewFile, check
from messaging.domain.lookup import can_see, reply_options
from messaging.domain.models import CLOSED, OPEN, PATIENT as PATIENT_PARTY, PROFESSIONAL as PRO_PARTY
from messaging.domain.models import Attachment, Conversation, Participant

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
TEXT = "Compte rendu : tension 12/8.\n".encode()


def conversation(state=OPEN, *others: str, deleted: bool = False) -> Conversation:
    people = (Participant(participant_id="pat-1", type=PATIENT_PARTY),
              *(Participant(participant_id=o, type=PRO_PARTY) for o in ("dr-1", *others)))
    return Conversation(conversation_id="c-1", patient_id="pat-1", subject="s", state=state, started_by="dr-1",
                        created_at=NOW, last_message_at=NOW, participants=people,
                        deleted_by_patient_at=NOW if deleted else None)


def context(**fields) -> AccessContext:
    return AccessContext(patient_id="pat-1", patient_display_name="Jacqueline Martin", **fields)


class TestPages:
    def test_a_token_brings_the_next_offset_back(self):
        token = paging.next_token(0, 20, 21)
        assert paging.page(20, token) == (20, 20) and paging.next_token(20, 20, 20) == ""

    @pytest.mark.parametrize("token", ["garbage", "bzp4", "eDoxMA==", "bzotMQ=="])
    def test_a_forged_token_is_refused(self, token):
        with pytest.raises(InvalidArgument) as caught:
            paging.page(10, token)
        assert caught.value.reason == "PAGE_TOKEN"

    def test_sizes_are_bounded(self):
        assert paging.page(0, "") == (0, paging.DEFAULT_PAGE_SIZE) and paging.page(10_000, "")[1] == paging.MAX_PAGE_SIZE
        with pytest.raises(InvalidArgument):
            paging.page(-1, "")


class TestWhoSeesAndAnswers:
    def test_reply_options(self):
        assert reply_options("pat-1", conversation()) == ("reply",)
        assert reply_options("pat-1", conversation(OPEN, "dr-2")) == ("reply", "reply_to_all")
        assert reply_options("pat-1", conversation(CLOSED)) == ("reply_blocked",)

    def test_the_patient_side_no_longer_sees_what_it_deleted_professionals_only_theirs(self):
        patient = Who(Caller(PATIENT, "pat-1"), context())
        assert can_see(patient, conversation()) and not can_see(patient, conversation(deleted=True))
        assert can_see(Who(Caller(PROFESSIONAL, "dr-1"), context()), conversation(deleted=True))
        assert not can_see(Who(Caller(PROFESSIONAL, "dr-9"), context()), conversation())

    def test_a_caregiver_signs_a_legal_representative_too_the_patient_does_not(self):
        caregiver = Who(Caller(DELEGATE, "cg-1", on_behalf_of="pat-1", scopes=("messages",)),
                        context(caregiver_ids=frozenset({"cg-1"}), delegate_display_names={"cg-1": "Sophie Martin"}))
        assert signature(caregiver) == "rédigé par Sophie Martin, l'aidant de Jacqueline Martin"
        parent = Who(Caller(DELEGATE, "lr-1", on_behalf_of="pat-1"),
                     context(legal_representative_ids=frozenset({"lr-1"}), delegate_display_names={"lr-1": "Julien Moreau"}))
        assert signature(parent) == "rédigé par Julien Moreau, représentant légal de Jacqueline Martin"
        assert signature(Who(Caller(PATIENT, "pat-1"), context())) == ""

    def test_professionals_write_from_mssante_unless_blocked(self):
        record = ProfessionalRecord(professional_id="dr-1", mssante_address="dr@medecin.mssante.fr")
        may_write(Who(Caller(PROFESSIONAL, "dr-1"), context(professional=record)))
        for ctx, reason in ((context(professional=ProfessionalRecord(professional_id="dr-1")), "NOT_IN_MSSANTE"),
                            (context(professional=record, blocked_professional_ids=frozenset({"dr-1"})),
                             "PROFESSIONAL_BLOCKED")):
            with pytest.raises(PermissionDenied) as caught:
                may_write(Who(Caller(PROFESSIONAL, "dr-1"), ctx))
            assert caught.value.reason == reason


class TestAttachmentLimits:
    def file(self, name="note.txt", data=TEXT) -> NewAttachment:
        return NewAttachment(file=NewFile(name, "text/plain", data))

    def test_a_file_is_named_after_what_it_is(self):
        [checked] = check([self.file("compte/rendu.pdf")], [])
        assert checked.filename == "compte_rendu.txt" and checked.stored.content_type.startswith("text/plain")

    def test_kept_attachments_count_and_weigh_with_the_new_ones(self):
        kept = [Attachment(attachment_id=f"a{i}", patient_id="pat-1", filename="x.pdf", content_type="application/pdf",
                           size_bytes=2_000_000, sha256="0" * 64, object_key=f"k{i}", source="upload", created_at=NOW)
                for i in range(5)]
        with pytest.raises(InvalidArgument) as caught:
            check([self.file()], kept)
        assert caught.value.reason == "TOO_MANY_ATTACHMENTS"
        with pytest.raises(InvalidArgument) as caught:
            check([self.file("big.txt", b"a" * 2_000_001)], kept[:4])
        assert caught.value.reason == "ATTACHMENTS_TOO_LARGE"

    def test_the_refusal_names_the_attachment(self):
        with pytest.raises(InvalidArgument) as caught:
            check([self.file(), self.file("setup.pdf", b"MZ" + bytes(range(256)) * 4)], [])
        assert caught.value.reason == "UNSUPPORTED_TYPE" and caught.value.violations[0].field == "attachments[1]"

    def test_sources_not_served_yet(self):
        with pytest.raises(Unimplemented):
            check([NewAttachment(unavailable="document_id")], [])
