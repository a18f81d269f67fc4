"""Caregiving attestations (PDF "justificatif", DOMAIN §3.4) saved in the Documents of the person helped.

Identity writes one when a caregiving is accepted and when it ends; it cannot call documents (documents
calls identity), so documents pulls them: `collect` is a background pass (meskit.loop) that lists the
pending ones, files each through the deposit path (the same content checks, store and audit record
as an upload) under its attestation id, then acknowledges those filed.

- Several replicas, retries: the document id is the attestation id and the row is inserted unless it
  exists (`deposit.SystemDeposit`), so a second pass files nothing twice and acknowledges again.
- Identity down: the pass logs a warning and ends; the next one retries (nothing was acknowledged).
- A space that no longer takes documents (unknown, closed): the attestation cannot be filed; it is
  acknowledged so that it does not hold the queue, with a warning naming its id only.

Filed as: author "Mon espace santé" (an organisation, DOMAIN §2.3 owner MON_ESPACE_SANTE: read-only
for the patient's side), hidden from professionals (MASQUE_PS: it is not health data), not announced
(identity's ACCORD_PARTAGE_PROFIL / REVOCATION_* notices told both people already).
"""
from __future__ import annotations

import logging

from meskit.auth import SERVICE, Caller
from meskit.errors import DomainError, FailedPrecondition, NotFound, Unavailable

from documents.domain import deposit
from documents.domain.models import Author
from documents.domain.ports import Attestations, Dependencies, PendingAttestation

log = logging.getLogger("documents.attestations")
BATCH = 20
CALLER = Caller(SERVICE, "documents")       # documents files them on identity's behalf
AUTHOR = Author(type="organisation", id="mon-espace-sante", display_name="Mon espace santé",
                organisation_type="MON_ESPACE_SANTE")
# 59284-0 "Attestation de consentement" (class 95, Document de gestion, DOMAIN §1.3): the attestation
# records the person's consent to a caregiver's access. Of the administrative type codes it is the
# one whose meaning fits (the ATTEST-* codes are about residence, insurance rights, lodging); class 95
# puts it under the patient category DOC_ADM "Pièces administratives" (§2.2, derived by the catalogue).
TYPE_CODE = "59284-0"
RULE = "caregiving_attestation"


def collect(deps: Dependencies, source: Attestations) -> int:
    """One pass: how many attestations were acknowledged (a full batch calls the next pass at once)."""
    try:
        pending = source.pending(BATCH)
    except Unavailable as exc:
        log.warning("attestations not collected: identity unavailable", extra={"reason": exc.reason})
        return 0
    done: list[str] = []
    for attestation in pending:
        try:
            save(deps, attestation)
        except Unavailable as exc:         # identity, audit or the store: the next pass retries them all
            log.warning("attestation not filed: a dependency is unavailable",
                        extra={"attestation_id": attestation.attestation_id, "reason": exc.reason})
            break
        except (NotFound, FailedPrecondition) as exc:
            log.warning("attestation dropped: the space takes no document",
                        extra={"attestation_id": attestation.attestation_id, "reason": exc.reason or exc.code})
        except DomainError as exc:         # refused content or the like: kept, logged, the others go on
            log.error("attestation refused", extra={"attestation_id": attestation.attestation_id,
                                                    "reason": exc.reason or exc.code})
            continue
        done.append(attestation.attestation_id)
    if not done:
        return 0
    try:
        source.acknowledge(done)
    except Unavailable as exc:             # filed already: the next pass finds them and acknowledges again
        log.warning("attestations filed but not acknowledged", extra={"reason": exc.reason, "count": len(done)})
        return 0
    return len(done)


def save(deps: Dependencies, attestation: PendingAttestation) -> None:
    today = deps.now().astimezone(deposit.PARIS).date()
    day = min(attestation.occurred_at.astimezone(deposit.PARIS).date(), today)
    meta = deposit.UploadMeta(patient_id=attestation.patient_id, title=attestation.title[:deposit.TITLE_LIMIT],
                              document_date=day.isoformat(), type_code=TYPE_CODE, masked=True,
                              filename="attestation.pdf", author=AUTHOR)
    deposit.upload(deps, CALLER, meta, [attestation.content],
                   system=deposit.SystemDeposit(document_id=attestation.attestation_id, rule=RULE))
