"""The synthesis: the profile's PDF saved as a DOCPAT08 document in her documents (DOMAIN §5.3).
When she masks new documents by default, she says whether this one is visible."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from meskit.auth import Caller
from meskit.errors import FailedPrecondition

from profile.domain import auditing, profile, rendering
from profile.domain.access import who
from profile.domain.ports import Dependencies, SynthesisDeposit


@dataclass(frozen=True)
class Saved:
    document_id: str
    title: str
    masked: bool


def generate(deps: Dependencies, caller: Caller, authorization: str, patient_id: str, sections: list[str],
             visible: bool | None) -> Saved:
    w = who(deps, caller, patient_id)
    w.require_holder_side()
    if visible is None and w.context.mask_new_documents_by_default:
        raise FailedPrecondition("Vos nouveaux documents sont masqués par défaut : dites si la synthèse est visible "
                                 "des professionnels de santé", reason="VISIBILITY_CHOICE_REQUIRED")
    chosen = [s for s in sections if s in rendering.PDF_SECTIONS] or list(rendering.PDF_SECTIONS)
    now = deps.now()
    view = profile.collect(deps, w.patient_id)
    pdf = rendering.synthesis_pdf(view, chosen, w.context.patient_display_name, now)
    title = f"{rendering.TITLE} du {rendering.french_date(now.astimezone(rendering.PARIS).date())}"
    document_id, masked = deps.documents.deposit_synthesis(SynthesisDeposit(
        patient_id=w.patient_id, author_display_name=w.context.patient_display_name, title=title,
        upload_id=str(uuid.uuid4()), mask=visible is False), pdf)
    if masked and visible:
        deps.documents.unmask(authorization, w.patient_id, document_id)
        masked = False
    with deps.unit_of_work() as repo:
        auditing.change(w, repo, action=auditing.CREATE, resource_type=auditing.SYNTHESIS, resource_id=document_id,
                        now=now)
    return Saved(document_id, title, masked)

