"""All of the profile's queries. Works inside the session it is given and never commits."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from meskit.audit import AuditRecord
from meskit.outbox import add_audit_record

from profile.adapters.tables import declarations, entries, measurements, outbox, profiles
from profile.domain import models as m
from profile.domain.entry_rules import TRUSTED


def _fields_out(fields: dict) -> dict:
    out = dict(fields)
    for name in m.DATE_FIELDS:
        if name in out:
            out[name] = m.PartialDate(**out[name]) if out[name] else m.PartialDate()
    for name in m.LIST_FIELDS:
        if name in out:
            out[name] = tuple(out[name])
    return out


def _fields_in(fields: dict) -> dict:
    out = dict(fields)
    for name in m.DATE_FIELDS:
        if name in out:
            d = out[name]
            out[name] = {"year": d.year, "month": d.month, "day": d.day} if d else None
    for name in m.LIST_FIELDS:
        if name in out:
            out[name] = list(out[name])
    return out


def _entry(row) -> m.Entry:
    return m.Entry(entry_id=row.entry_id, patient_id=row.patient_id, section=row.section,
                   fields=_fields_out(row.fields), author_type=row.author_type, author_id=row.author_id,
                   confirmed_by_professional=row.confirmed_by_professional, created_at=row.created_at,
                   updated_at=row.updated_at)


def _measurement(row) -> m.Measurement:
    return m.Measurement(measurement_id=row.measurement_id, patient_id=row.patient_id, code=row.code,
                         effective_time=row.effective_time,
                         metrics=tuple(m.Metric(x["code"], x["value"], x["unit"]) for x in row.metrics),
                         comment=row.comment, context=row.context, number_of_days=row.number_of_days,
                         author_type=row.author_type, author_id=row.author_id, created_at=row.created_at,
                         derived_from=tuple(row.derived_from), author_name=row.author_name, source=row.source,
                         identifier_system=row.identifier_system, identifier_value=row.identifier_value)


def _count(result: Any) -> int:
    """Rows a DELETE removed (a CursorResult's rowcount)."""
    return int(result.rowcount)


class ProfileRepository:
    def __init__(self, session: Session):
        self._s = session

    # ---- entries ----
    def entries(self, patient_id: str, sections: Iterable[str] | None = None) -> list[m.Entry]:
        q = sa.select(entries).where(entries.c.patient_id == patient_id)
        if sections is not None:
            q = q.where(entries.c.section.in_(list(sections)))
        rows = self._s.execute(q.order_by(entries.c.section, entries.c.created_at, entries.c.entry_id))
        return [_entry(r) for r in rows]

    def entry(self, patient_id: str, entry_id: str, *, for_update: bool = False) -> m.Entry | None:
        q = sa.select(entries).where(entries.c.patient_id == patient_id, entries.c.entry_id == entry_id)
        row = self._s.execute(q.with_for_update() if for_update else q).first()
        return _entry(row) if row else None

    def _values(self, e: m.Entry) -> dict:
        return dict(entry_id=e.entry_id, patient_id=e.patient_id, section=e.section, fields=_fields_in(e.fields),
                    author_type=e.author_type, author_id=e.author_id,
                    confirmed_by_professional=e.confirmed_by_professional, created_at=e.created_at,
                    updated_at=e.updated_at)

    def add_entry(self, entry: m.Entry) -> None:
        self._s.execute(entries.insert().values(**self._values(entry)))

    def replace_entry(self, entry: m.Entry) -> None:
        self._s.execute(entries.update().where(entries.c.entry_id == entry.entry_id).values(**self._values(entry)))

    def delete_entry(self, patient_id: str, entry_id: str) -> None:
        self._s.execute(entries.delete().where(entries.c.patient_id == patient_id, entries.c.entry_id == entry_id))

    def count_entries(self, patient_id: str, section: str) -> int:
        return self._s.execute(sa.select(sa.func.count()).select_from(entries).where(
            entries.c.patient_id == patient_id, entries.c.section == section)).scalar_one()

    def trusted_contacts(self, patient_id: str) -> list[str]:
        return list(self._s.execute(sa.select(entries.c.entry_id).where(
            entries.c.patient_id == patient_id, entries.c.section == m.ENTOURAGE,
            entries.c.fields["contact_roles"].contains([TRUSTED]))).scalars())

    def lock_profile(self, patient_id: str) -> None:
        self._s.execute(insert(profiles).values(patient_id=patient_id).on_conflict_do_nothing())
        self._s.execute(sa.select(profiles.c.patient_id).where(profiles.c.patient_id == patient_id).with_for_update())

    # ---- declarations ----
    def declarations(self, patient_id: str) -> list[m.Declaration]:
        rows = self._s.execute(sa.select(declarations).where(declarations.c.patient_id == patient_id)
                               .order_by(declarations.c.section))
        return [m.Declaration(section=r.section, declared_at=r.declared_at) for r in rows]

    def set_declaration(self, patient_id: str, section: str, declared_at) -> None:
        if declared_at is None:
            self._s.execute(declarations.delete().where(declarations.c.patient_id == patient_id,
                                                        declarations.c.section == section))
            return
        self._s.execute(insert(declarations).values(patient_id=patient_id, section=section, declared_at=declared_at)
                        .on_conflict_do_update(index_elements=["patient_id", "section"],
                                               set_={"declared_at": declared_at}))

    # ---- single values ----
    def facts(self, patient_id: str) -> m.Facts:
        row = self._s.execute(sa.select(profiles).where(profiles.c.patient_id == patient_id)).first()
        if row is None:
            return m.Facts()
        return m.Facts(**{k: getattr(row, k) for k in m.Facts.__dataclass_fields__})

    def save_facts(self, patient_id: str, facts: m.Facts) -> None:
        self._s.execute(profiles.update().where(profiles.c.patient_id == patient_id).values(**facts.__dict__))

    # ---- measurements ----
    def add_measurement(self, x: m.Measurement) -> None:
        self._s.execute(measurements.insert().values(
            measurement_id=x.measurement_id, patient_id=x.patient_id, code=x.code, effective_time=x.effective_time,
            metrics=[{"code": k.code, "value": k.value, "unit": k.unit} for k in x.metrics], comment=x.comment,
            context=x.context, number_of_days=x.number_of_days, author_type=x.author_type, author_id=x.author_id,
            created_at=x.created_at, derived_from=list(x.derived_from), author_name=x.author_name, source=x.source,
            identifier_system=x.identifier_system, identifier_value=x.identifier_value))

    def _newest(self):
        return (measurements.c.effective_time.desc(), measurements.c.created_at.desc(),
                measurements.c.measurement_id)

    def measurements(self, patient_id: str, code: str, offset: int, limit: int) -> list[m.Measurement]:
        rows = self._s.execute(sa.select(measurements).where(
            measurements.c.patient_id == patient_id, measurements.c.code == code)
            .order_by(*self._newest()).offset(offset).limit(limit))
        return [_measurement(r) for r in rows]

    def measurements_between(self, patient_id: str, codes: Iterable[str], start: datetime | None,
                             end: datetime | None, offset: int, limit: int) -> list[m.Measurement]:
        """Newest first; `start` included, `end` excluded."""
        q = sa.select(measurements).where(measurements.c.patient_id == patient_id,
                                          measurements.c.code.in_(list(codes)))
        if start is not None:
            q = q.where(measurements.c.effective_time >= start)
        if end is not None:
            q = q.where(measurements.c.effective_time < end)
        rows = self._s.execute(q.order_by(*self._newest()).offset(offset).limit(limit))
        return [_measurement(r) for r in rows]

    def measurement_by_identifier(self, patient_id: str, author_id: str, system: str,
                                  value: str) -> m.Measurement | None:
        row = self._s.execute(sa.select(measurements).where(
            measurements.c.patient_id == patient_id, measurements.c.author_id == author_id,
            measurements.c.identifier_system == system, measurements.c.identifier_value == value)).first()
        return _measurement(row) if row else None

    def all_measurements(self, patient_id: str) -> list[m.Measurement]:
        rows = self._s.execute(sa.select(measurements).where(measurements.c.patient_id == patient_id)
                               .order_by(measurements.c.code, *self._newest()))
        return [_measurement(r) for r in rows]

    def latest_measurements(self, patient_id: str) -> list[m.Measurement]:
        rows = self._s.execute(sa.select(measurements).ext(distinct_on(measurements.c.code)).where(
            measurements.c.patient_id == patient_id).order_by(measurements.c.code, *self._newest()))
        return [_measurement(r) for r in rows]

    def latest(self, patient_id: str, code: str) -> m.Measurement | None:
        found = self.measurements(patient_id, code, 0, 1)
        return found[0] if found else None

    def measurement(self, patient_id: str, measurement_id: str) -> m.Measurement | None:
        row = self._s.execute(sa.select(measurements).where(
            measurements.c.patient_id == patient_id, measurements.c.measurement_id == measurement_id)).first()
        return _measurement(row) if row else None

    def delete_measurement(self, patient_id: str, measurement_id: str) -> int:
        derived = _count(self._s.execute(measurements.delete().where(
            measurements.c.patient_id == patient_id, measurements.c.derived_from.contains([measurement_id]))))
        return derived + _count(self._s.execute(measurements.delete().where(
            measurements.c.patient_id == patient_id, measurements.c.measurement_id == measurement_id)))

    # ---- a person as a whole ----
    def erase(self, patient_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind, table in (("profile_entries", entries), ("not_concerned_declarations", declarations),
                            ("measurements", measurements), ("profiles", profiles)):
            counts[kind] = _count(self._s.execute(table.delete().where(table.c.patient_id == patient_id)))
        return counts

    # ---- outbox ----
    def add_audit(self, record: AuditRecord) -> None:
        add_audit_record(self._s, outbox, record)
