"""proto <-> domain conversions for identity."""
from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from mes.identity.v1 import identity_pb2 as pb

from identity.domain.models import Account, Professional
from identity.domain.rules import age_on

STATUS = {"CREATED": pb.ACCOUNT_STATUS_CREATED, "ACTIVE": pb.ACCOUNT_STATUS_ACTIVE,
          "OPPOSED": pb.ACCOUNT_STATUS_OPPOSED, "CLOSED": pb.ACCOUNT_STATUS_CLOSED}
SEX_TO_PB = {"F": pb.SEX_FEMALE, "M": pb.SEX_MALE}
SEX_FROM_PB = {pb.SEX_FEMALE: "F", pb.SEX_MALE: "M"}


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def account(a: Account) -> pb.Account:
    return pb.Account(
        account_id=a.account_id, status=STATUS[a.status], given_name=a.given_name,
        family_name=a.family_name, birth_date=a.birth_date.isoformat(), sex=SEX_TO_PB.get(a.sex, 0),
        email=a.email or "", phone=a.phone or "", postal_address=a.postal_address or "",
        login_id=a.login_id or "", created_at=timestamp(a.created_at), activated_at=timestamp(a.activated_at),
        is_minor=age_on(a.birth_date, datetime.now().date()) < 18)


def professional(p: Professional) -> pb.Professional:
    return pb.Professional(
        professional_id=p.professional_id, rpps=p.rpps, profession_code=p.profession_code,
        given_name=p.given_name, family_name=p.family_name, specialty=p.specialty,
        login_id=p.login_id or "", samu_regulator=p.samu_regulator,
        occupational_medicine=p.occupational_medicine, insurer_doctor=p.insurer_doctor,
        mssante_address=p.mssante_address or "", email=p.email or "")
