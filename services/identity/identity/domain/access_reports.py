"""A patient reports a suspicious access (SIGNALEMENT_PS, DOMAIN §3.1; issue 10 point 7).

From one record of her activity history she reports the access with a comment and may block its
professional in the same step: the report, the block and the report's audit record are one
transaction. Audit tells whether the record is hers and who made it; only a professional's
access can be reported. Support and operators list the reports.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from meskit import audit
from meskit.auth import OPERATOR, SUPPORT, Caller
from meskit.errors import AlreadyExists, FailedPrecondition, NotFound, PermissionDenied, Unavailable, Violations

from identity.domain import access_settings, paging
from identity.domain.accounts import acts_for, resolve_me
from identity.domain.models import AccessReport
from identity.domain.ports import Dependencies

PROFESSIONAL_ACTOR = "HEALTHCARE_PROFESSIONAL"      # audit.v1 ActorType name
MAX_COMMENT = 2000
MAX_RECORD_ID = 36
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
READERS = (SUPPORT, OPERATOR)
RESOURCE_TYPE = "access_report"
LABEL = "Signalement d'un accès suspect"
RULE = "holder_reports_access"
NO_SUCH_RECORD = "Enregistrement introuvable dans votre historique d'activité"


def report_suspicious_access(deps: Dependencies, caller: Caller, patient_id: str, record_id: str, comment: str,
                             block: bool) -> AccessReport:
    patient_id = resolve_me(caller, patient_id)
    if not acts_for(caller, patient_id):
        raise PermissionDenied("Seul le titulaire (ou la personne qui agit pour lui) signale un accès à son profil")
    record_id, comment = record_id.strip(), comment.strip()
    v = Violations()
    v.require(record_id, "record_id")
    v.max_length(record_id, "record_id", MAX_RECORD_ID)
    v.require(comment, "comment")
    v.max_length(comment, "comment", MAX_COMMENT)
    v.raise_if_any()
    if deps.audit_records is None:
        raise Unavailable("L'historique d'activité ne répond pas, réessayez dans quelques instants",
                          reason="AUDIT_UNAVAILABLE")
    access = deps.audit_records.get(patient_id, record_id)
    if access.patient_id != patient_id:
        raise NotFound(NO_SUCH_RECORD)
    if access.actor_type != PROFESSIONAL_ACTOR:
        raise FailedPrecondition("Seul un accès par un professionnel de santé peut être signalé",
                                 reason="NOT_A_PROFESSIONAL_ACCESS")
    now = deps.now()
    with deps.unit_of_work() as repo:
        account = repo.get_account(patient_id, for_update=True)     # serialises one patient's reports
        if account is None:
            raise NotFound(access_settings.NO_SUCH_PATIENT)
        if repo.access_report_exists(patient_id, access.record_id):
            raise AlreadyExists("Cet accès a déjà été signalé", reason="ALREADY_REPORTED")
        if block:
            access_settings.block_professional(deps, caller, patient_id, access.actor_id, within=repo)
        report = AccessReport(
            report_id=str(uuid.uuid4()), patient_id=patient_id, record_id=access.record_id,
            professional_id=access.actor_id, rpps=access.rpps, profession_code=access.profession_code,
            accessed_at=access.occurred_at, comment=comment, professional_blocked=block,
            reported_by_type=caller.actor_type, reported_by_id=caller.subject, created_at=now)
        repo.add_access_report(report)
        repo.add_audit(audit.record(caller, group=audit.GENERAL, resource_type=RESOURCE_TYPE, action=audit.CREATE,
                                    patient_id=patient_id, allowed=True, rule=RULE, now=now,
                                    resource_id=report.report_id, resource_label=LABEL))
        return report


def list_access_reports(deps: Dependencies, caller: Caller, *, patient_id: str, professional_id: str,
                        page_size: int, page_token: str) -> tuple[list[AccessReport], str]:
    caller.require(*READERS)
    v = Violations()
    size = paging.page_size(page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE, violations=v)
    v.max_length(patient_id, "patient_id", 36)
    v.max_length(professional_id, "professional_id", 36)
    v.raise_if_any()
    search = paging.fingerprint({"patient_id": patient_id, "professional_id": professional_id})
    after = None
    if page_token:
        created_at, report_id = paging.decode(page_token, search, 2)
        after = (_instant(created_at), report_id)
    with deps.unit_of_work() as repo:
        found = repo.list_access_reports(patient_id=patient_id, professional_id=professional_id, after=after,
                                         limit=size + 1)
    token = ""
    if len(found) > size:
        found = found[:size]
        token = paging.encode((found[-1].created_at.isoformat(), found[-1].report_id), search)
    return found, token


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise paging.invalid_token("jeton illisible") from None
