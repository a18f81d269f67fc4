"""proto <-> domain conversions for identity."""
from __future__ import annotations

from datetime import datetime

from mes.identity.v1 import identity_pb2 as pb

from identity.domain.models import (ADDED_BY_PATIENT, DECLARED_BY_PROFESSIONAL, AccessContext, AccessReport, AccessSettings,
                                    Account, Attestation, CareTeamMember, EmergencySettings, Professional)
from identity.api import catalogue_convert
from identity.domain.context_versions import Unchanged
from identity.domain.rules import age_on
from meskit.timestamps import timestamp
from mes.lifecycle.v1 import lifecycle_pb2

from identity.domain.erasure_models import Erasure

STATUS = {"CREATED": pb.ACCOUNT_STATUS_CREATED, "ACTIVE": pb.ACCOUNT_STATUS_ACTIVE,
          "OPPOSED": pb.ACCOUNT_STATUS_OPPOSED, "CLOSED": pb.ACCOUNT_STATUS_CLOSED,
          "PENDING": pb.ACCOUNT_STATUS_PENDING, "SUSPENDED": pb.ACCOUNT_STATUS_SUSPENDED,
          "DELETED": pb.ACCOUNT_STATUS_DELETED}
STATUS_FROM_PB = {number: name for name, number in STATUS.items()}
SEX_TO_PB = {"F": pb.SEX_FEMALE, "M": pb.SEX_MALE}
SEX_FROM_PB = {pb.SEX_FEMALE: "F", pb.SEX_MALE: "M"}
ROLE_TO_PB = {"": pb.CARE_TEAM_ROLE_UNSPECIFIED, "MEDECIN_TRAITANT": pb.CARE_TEAM_ROLE_MEDECIN_TRAITANT,
              "SAGE_FEMME_REFERENTE": pb.CARE_TEAM_ROLE_SAGE_FEMME_REFERENTE,
              "PHARMACIEN_CORRESPONDANT": pb.CARE_TEAM_ROLE_PHARMACIEN_CORRESPONDANT}
ROLE_FROM_PB = {number: name for name, number in ROLE_TO_PB.items()}


def account(a: Account) -> pb.Account:
    return pb.Account(
        account_id=a.account_id, status=STATUS[a.status], given_name=a.given_name,
        family_name=a.family_name, birth_date=a.birth_date.isoformat(), sex=SEX_TO_PB.get(a.sex, pb.SEX_UNSPECIFIED),
        email=a.email or "", phone=a.phone or "", postal_address=a.postal_address or "",
        login_id=a.login_id or "", created_at=timestamp(a.created_at), activated_at=timestamp(a.activated_at),
        is_minor=age_on(a.birth_date, datetime.now().date()) < 18)


def professional(p: Professional) -> pb.Professional:
    return pb.Professional(
        professional_id=p.professional_id, rpps=p.rpps, profession_code=p.profession_code,
        given_name=p.given_name, family_name=p.family_name, specialty=p.specialty,
        login_id=p.login_id or "", samu_regulator=p.samu_regulator,
        occupational_medicine=p.occupational_medicine, insurer_doctor=p.insurer_doctor,
        mssante_address=p.mssante_address or "", email=p.email or "", city=p.city)


def care_team_role(value: pb.CareTeamRole.ValueType) -> str | None:
    """"" for no role, the role's name, or None for a number the contract does not define."""
    return ROLE_FROM_PB.get(value)


def emergency_from_pb(request) -> EmergencySettings | None:
    if not request.HasField("emergency"):
        return None
    e = request.emergency
    return EmergencySettings(samu_access=e.samu_access, break_glass=e.break_glass,
                             masked_in_emergency=e.masked_in_emergency)


SOURCE_TO_PB = {ADDED_BY_PATIENT: pb.CARE_TEAM_SOURCE_ADDED_BY_PATIENT,
                DECLARED_BY_PROFESSIONAL: pb.CARE_TEAM_SOURCE_DECLARED_BY_PROFESSIONAL}


def care_team_member(m: CareTeamMember) -> pb.CareTeamMember:
    return pb.CareTeamMember(professional_id=m.professional_id, role=ROLE_TO_PB[m.role],
                             administrator=m.administrator, since=timestamp(m.since), source=SOURCE_TO_PB[m.source])


def care_consent_declaration(patient_id: str, m: CareTeamMember, declared: bool) -> pb.CareConsentDeclaration:
    return pb.CareConsentDeclaration(patient_id=patient_id, professional_id=m.professional_id, since=timestamp(m.since),
                                     source=SOURCE_TO_PB[m.source], declared=declared)


def access_settings(s: AccessSettings) -> pb.AccessSettings:
    return pb.AccessSettings(
        patient_id=s.patient_id, blocked_professional_ids=list(s.blocked_professional_ids),
        care_team=[care_team_member(m) for m in s.care_team],
        emergency=pb.EmergencySettings(samu_access=s.emergency.samu_access, break_glass=s.emergency.break_glass,
                                       masked_in_emergency=s.emergency.masked_in_emergency),
        mask_new_documents_by_default=s.mask_new_documents_by_default)


def access_context(c: AccessContext | Unchanged) -> pb.AccessContext:
    if isinstance(c, Unchanged):
        return pb.AccessContext(version=c.version, unchanged=True)
    return pb.AccessContext(
        settings=access_settings(c.settings),
        professional=professional(c.professional) if c.professional else None,
        patient_is_minor=c.patient_is_minor,
        legal_representative_account_ids=list(c.legal_representative_account_ids),
        caregiver_account_ids=list(c.caregiver_account_ids),
        patient_family_name=c.patient.family_name if c.patient else "",
        patient_given_name=c.patient.given_name if c.patient else "",
        patient_birth_date=c.patient.birth_date.isoformat() if c.patient else "",
        patient_sex=SEX_TO_PB.get(c.patient.sex, pb.SEX_UNSPECIFIED) if c.patient else pb.SEX_UNSPECIFIED,
        general_practitioners=[pb.GeneralPractitionerContact(
            professional_id=g.professional_id, notification_address=g.notification_address)
            for g in c.general_practitioners],
        delegate_display_names=c.delegate_display_names,
        patient_space_closed=c.patient_space_closed,
        patient_status=STATUS[c.patient.status] if c.patient else pb.ACCOUNT_STATUS_UNSPECIFIED,
        app_grant=catalogue_convert.app_grant(c.app_grant) if c.app_grant else None, version=c.version)


def access_report(r: AccessReport) -> pb.AccessReport:
    return pb.AccessReport(
        report_id=r.report_id, patient_id=r.patient_id, record_id=r.record_id, professional_id=r.professional_id,
        rpps=r.rpps, profession_code=r.profession_code, accessed_at=timestamp(r.accessed_at), comment=r.comment,
        professional_blocked=r.professional_blocked, reported_by=r.reported_by_id, created_at=timestamp(r.created_at))


DELEGATION_TYPES = {"LEGAL_REPRESENTATION": pb.DELEGATION_TYPE_LEGAL_REPRESENTATION,
                    "CAREGIVING": pb.DELEGATION_TYPE_CAREGIVING}
DELEGATION_TYPE_FROM_PB = {v: k for k, v in DELEGATION_TYPES.items()}
DELEGATION_STATES = {"PENDING": pb.DELEGATION_STATE_PENDING, "ACCEPTED": pb.DELEGATION_STATE_ACCEPTED,
                     "REFUSED": pb.DELEGATION_STATE_REFUSED, "EXPIRED": pb.DELEGATION_STATE_EXPIRED,
                     "REVOKED": pb.DELEGATION_STATE_REVOKED, "ENDED": pb.DELEGATION_STATE_ENDED}


def delegation(d, state: str, names: dict[str, str] | None = None) -> pb.Delegation:
    """expires_at: a pending invitation's deadline, else the caregiving's end date (unset: none);
    `names` (ListDelegations): the two parties' names by account id."""
    names = names or {}
    ends = d.expires_at if d.state == "PENDING" else d.ends_at
    return pb.Delegation(delegation_id=d.delegation_id, patient_id=d.delegator_id, delegate_account_id=d.delegate_id,
                         type=DELEGATION_TYPES[d.type], state=DELEGATION_STATES[state],
                         expires_at=timestamp(ends) if ends else None, created_at=timestamp(d.created_at),
                         answered_at=timestamp(d.answered_at) if d.answered_at else None,
                         ended_at=timestamp(d.ended_at) if d.ended_at else None,
                         invited_by_account_id=d.invited_by_id or "",
                         ended_reason=d.ended_reason or ("END_DATE" if state == "EXPIRED" and d.answered_at else ""),
                         patient_display_name=names.get(d.delegator_id, ""),
                         delegate_display_name=names.get(d.delegate_id, ""))


def attestation(a: Attestation) -> pb.Attestation:
    return pb.Attestation(attestation_id=a.attestation_id, patient_id=a.patient_id, delegation_id=a.delegation_id,
                          kind=a.kind, title=a.title, content=a.content, occurred_at=timestamp(a.occurred_at))


FEED_OUTCOMES = {"ANNOUNCED": pb.FEED_OUTCOME_ANNOUNCED, "ALREADY_KNOWN": pb.FEED_OUTCOME_ALREADY_KNOWN,
                 "REJECTED": pb.FEED_OUTCOME_REJECTED}


def feed_result(r) -> pb.FeedResult:
    return pb.FeedResult(
        index=r.index, nir=r.nir, outcome=FEED_OUTCOMES[r.outcome], account_id=r.account_id,
        provisional_code=r.provisional_code, provisional_code_expires_at=timestamp(r.code_expires_at),
        error=r.error, field_violations=[pb.FeedFieldViolation(field=f.field, description=f.description)
                                         for f in r.violations])


def opposition(o, channel_label: str) -> pb.Opposition:
    return pb.Opposition(account_id=o.account_id, recorded_at=timestamp(o.recorded_at), channel=channel_label,
                         proof_pdf=o.proof_pdf, reference=o.reference)


def erasure(e: Erasure, participants: tuple[str, ...]) -> pb.Erasure:
    return pb.Erasure(
        erasure_id=e.erasure_id, account_id=e.account_id, reason=e.reason, started_at=timestamp(e.started_at),
        completed_at=timestamp(e.completed_at),
        waiting_for=[p for p in participants if p not in e.reports] if e.completed_at is None else [],
        reports=[pb.ErasureReport(service=name, reported_at=timestamp(at), erased=[
            lifecycle_pb2.ErasedCount(kind=k, count=c) for k, c in sorted(counts.items())])
            for name, (at, counts) in sorted(e.reports.items(), key=lambda r: (r[0] == "identity", r[0]))])
