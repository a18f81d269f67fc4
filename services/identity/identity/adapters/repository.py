"""Queries on identity's tables. Never commits: the use-case's transaction does."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from meskit import db
from meskit import outbox as kit_outbox
from meskit.audit import AuditRecord
from meskit.events import Envelope

from identity.adapters.access_version_queries import AccessVersionQueries
from identity.adapters.catalogue_repository import CatalogueQueries
from identity.adapters.closure_repository import ClosureQueries
from identity.adapters.creation_repository import CreationQueries
from identity.adapters.delegation_queries import DelegationQueries
from identity.adapters.login_queries import LoginQueries
from identity.adapters.tables import (access_reports, access_settings, accounts, app_token_families, attestations,
                                      blocked_professionals, care_team_members, credentials, delegations, outbox,
                                      professionals, provisional_codes, refresh_tokens)
from identity.domain.directory import Cursor, DirectoryQuery, search_key
from identity.domain.models import (ACCEPTED, ADDED_BY_PATIENT, CAREGIVING, LEGAL_REPRESENTATION, AccessReport,
                                    AccessSettings, Account, Attestation, CareTeamMember, EmergencySettings,
                                    Professional)


def _account_by_id(condition) -> sa.Select:
    return (sa.select(accounts, credentials.c.display_login_id.label("login_id"))
            .select_from(accounts.outerjoin(credentials, credentials.c.subject_id == accounts.c.account_id))
            .where(condition))


_ACCOUNT_BY_ID = db.Query(_account_by_id(accounts.c.account_id == sa.bindparam("account_id")))


class IdentityRepository(ClosureQueries, CreationQueries, CatalogueQueries, AccessVersionQueries, DelegationQueries,
                         LoginQueries):
    def __init__(self, session: Session):
        self.session = session

    # ---- accounts ----
    def add_account(self, **values) -> None:
        self.session.execute(accounts.insert().values(**values))

    def nir_exists(self, nir: str) -> bool:
        return self.session.execute(sa.select(sa.literal(1)).where(accounts.c.nir == nir)).first() is not None

    def read_account(self, account_id: str) -> Account | None:
        """The account without who acts for her (get_account's second query), in one prepared statement."""
        row = _ACCOUNT_BY_ID.first(self.session, account_id=account_id)
        return None if row is None else Account(**row)

    def get_account(self, account_id: str, *, for_update: bool = False) -> Account | None:
        query = _account_by_id(accounts.c.account_id == account_id)
        if for_update:
            query = query.with_for_update(of=accounts)
        row = self.session.execute(query).mappings().first()
        if not row:
            return None
        links = self.session.execute(
            sa.select(delegations.c.type, delegations.c.delegate_id, delegations.c.ends_at)
            .where(delegations.c.delegator_id == account_id, delegations.c.state == ACCEPTED)
            .order_by(delegations.c.created_at, delegations.c.delegation_id)).all()
        now = datetime.now(timezone.utc)
        return Account(**row, legal_representative_ids=tuple(l.delegate_id for l in links
                                                             if l.type == LEGAL_REPRESENTATION),
                       caregiver_ids=tuple(l.delegate_id for l in links if l.type == CAREGIVING
                                           and (l.ends_at is None or l.ends_at > now)))

    def find_accounts(self, family_name: str, given_name: str, birth_date) -> list[Account]:
        """Accounts matching a name at birth, first name and birth date (case-insensitive names)."""
        ids = self.session.execute(sa.select(accounts.c.account_id).where(
            sa.func.lower(accounts.c.family_name) == family_name.lower(),
            sa.func.lower(accounts.c.given_name) == given_name.lower(),
            accounts.c.birth_date == birth_date)).scalars().all()
        return [a for a in (self.get_account(i) for i in ids) if a is not None]

    def lock_people(self, *account_ids: str) -> None:
        """Serialises the limit checks of the people named (in a stable order: no deadlock)."""
        for account_id in sorted(set(account_ids)):
            self.session.execute(sa.select(accounts.c.account_id).where(accounts.c.account_id == account_id)
                                 .with_for_update())

    def activate_account(self, account_id: str, email: str, now: datetime) -> None:
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id)
                             .values(status="ACTIVE", email=email, activated_at=now))

    def close_account(self, account_id: str) -> None:
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id).values(status="CLOSED"))

    def end_sessions(self, subject_id: str, now: datetime) -> None:
        """Every refresh token of the subject is revoked: no session of hers refreshes any more, nor
        any app's token for her space."""
        self.session.execute(refresh_tokens.update().where(
            refresh_tokens.c.subject_id == subject_id, refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
        self.session.execute(app_token_families.update().where(
            app_token_families.c.patient_id == subject_id, app_token_families.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason="SPACE_CLOSED"))

    def update_contact(self, account_id: str, **values: str) -> None:
        self.session.execute(accounts.update().where(accounts.c.account_id == account_id).values(**values))

    # ---- operators' views of the accounts ----
    def accounts_in(self, status: str, offset: int, limit: int) -> list[Account]:
        ids = self.session.execute(sa.select(accounts.c.account_id).where(accounts.c.status == status)
                                   .order_by(accounts.c.created_at, accounts.c.account_id)
                                   .offset(offset).limit(limit)).scalars().all()
        return [a for a in (self.get_account(i) for i in ids) if a is not None]

    def count_by_status(self) -> dict[str, int]:
        return {status: count for status, count in self.session.execute(
            sa.select(accounts.c.status, sa.func.count()).group_by(accounts.c.status))}

    # ---- provisional codes ----
    def add_provisional_code(self, code_hash: str, account_id: str, expires_at: datetime) -> None:
        self.session.execute(provisional_codes.insert().values(
            code_hash=code_hash, account_id=account_id, expires_at=expires_at))

    def get_provisional_code(self, code_hash: str):
        return self.session.execute(sa.select(provisional_codes).where(
            provisional_codes.c.code_hash == code_hash).with_for_update()).mappings().first()

    def record_provisional_failure(self, code_hash: str) -> None:
        self.session.execute(provisional_codes.update().where(provisional_codes.c.code_hash == code_hash)
                             .values(failed_attempts=provisional_codes.c.failed_attempts + 1))

    def use_provisional_code(self, code_hash: str, now: datetime) -> None:
        self.session.execute(provisional_codes.update().where(provisional_codes.c.code_hash == code_hash)
                             .values(used_at=now))

    # ---- professionals ----
    def add_professional(self, **values) -> None:
        self.session.execute(professionals.insert().values(
            **values, family_key=search_key(values["family_name"]), given_key=search_key(values["given_name"]),
            city_key=search_key(values.get("city", ""))))

    def rpps_exists(self, rpps: str) -> bool:
        return self.session.execute(sa.select(sa.literal(1)).where(professionals.c.rpps == rpps)).first() is not None

    def get_professional(self, professional_id: str) -> Professional | None:
        row = self.session.execute(
            sa.select(professionals, credentials.c.display_login_id.label("login_id"))
            .select_from(professionals.outerjoin(credentials, credentials.c.subject_id == professionals.c.professional_id))
            .where(professionals.c.professional_id == professional_id)).mappings().first()
        if row is None:
            return None
        return _professional(row)

    def search_professionals(self, query: DirectoryQuery, *, after: Cursor | None, limit: int) -> list[Professional]:
        """Keyset pages in (family_key, given_key, professional_id) order; professionals only, by construction."""
        order = (professionals.c.family_key, professionals.c.given_key, professionals.c.professional_id)
        statement = (sa.select(professionals, credentials.c.display_login_id.label("login_id"))
                     .select_from(professionals.outerjoin(
                         credentials, credentials.c.subject_id == professionals.c.professional_id)))
        for word in query.words:     # search keys hold letters, digits and spaces only: no LIKE escaping needed
            statement = statement.where(sa.or_(professionals.c.family_key.contains(word),
                                               professionals.c.given_key.contains(word)))
        if query.rpps_prefix:
            statement = statement.where(professionals.c.rpps.startswith(query.rpps_prefix))
        if query.profession_code:
            statement = statement.where(professionals.c.profession_code == query.profession_code)
        if query.city_prefix:
            statement = statement.where(professionals.c.city_key.startswith(query.city_prefix))
        if after is not None:
            statement = statement.where(sa.tuple_(*order) > (after.family_key, after.given_key, after.professional_id))
        rows = self.session.execute(statement.order_by(*order).limit(limit)).mappings().all()
        return [_professional(row) for row in rows]

    # ---- suspicious-access reports ----
    def add_access_report(self, report: AccessReport) -> None:
        self.session.execute(access_reports.insert().values(**dataclasses.asdict(report)))

    def access_report_exists(self, patient_id: str, record_id: str) -> bool:
        return self.session.execute(sa.select(sa.literal(1)).where(
            access_reports.c.patient_id == patient_id, access_reports.c.record_id == record_id)).first() is not None

    def list_access_reports(self, *, patient_id: str, professional_id: str, after: tuple[datetime, str] | None,
                            limit: int) -> list[AccessReport]:
        """Newest first (created_at, report_id descending), keyset pages."""
        statement = sa.select(access_reports)
        if patient_id:
            statement = statement.where(access_reports.c.patient_id == patient_id)
        if professional_id:
            statement = statement.where(access_reports.c.professional_id == professional_id)
        if after is not None:
            statement = statement.where(sa.tuple_(access_reports.c.created_at, access_reports.c.report_id)
                                        < after)
        rows = self.session.execute(statement.order_by(access_reports.c.created_at.desc(),
                                                       access_reports.c.report_id.desc()).limit(limit)).mappings()
        return [AccessReport(**row) for row in rows]

    # ---- access settings, blocks, care team ----
    def get_access_settings(self, patient_id: str) -> AccessSettings:
        """The stored settings, or the defaults when the patient never changed any."""
        row = self.session.execute(sa.select(access_settings).where(
            access_settings.c.patient_id == patient_id)).mappings().first()
        blocked = self.session.execute(
            sa.select(blocked_professionals.c.professional_id)
            .where(blocked_professionals.c.patient_id == patient_id)
            .order_by(blocked_professionals.c.blocked_at, blocked_professionals.c.professional_id)).scalars().all()
        team = self.session.execute(
            sa.select(care_team_members.c.professional_id, care_team_members.c.role,
                      care_team_members.c.administrator, care_team_members.c.since, care_team_members.c.source)
            .where(care_team_members.c.patient_id == patient_id)
            .order_by(care_team_members.c.since, care_team_members.c.professional_id)).mappings().all()
        emergency = (EmergencySettings(row["samu_access"], row["break_glass"], row["masked_in_emergency"])
                     if row else EmergencySettings())
        return AccessSettings(patient_id=patient_id, blocked_professional_ids=tuple(blocked),
                              care_team=tuple(CareTeamMember(**m) for m in team), emergency=emergency,
                              mask_new_documents_by_default=bool(row and row["mask_new_documents_by_default"]))

    def save_access_settings(self, patient_id: str, now: datetime, **values) -> None:
        """Insert the patient's row (defaults for what is not given) or update the given columns."""
        statement = insert(access_settings).values(patient_id=patient_id, updated_at=now, **values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[access_settings.c.patient_id], set_={**values, "updated_at": now}))

    def block_professional(self, patient_id: str, professional_id: str, by_type: str, by_id: str,
                           now: datetime) -> bool:
        """True when the block is new."""
        inserted = self.session.execute(
            insert(blocked_professionals).values(patient_id=patient_id, professional_id=professional_id,
                                                 blocked_at=now, blocked_by_type=by_type, blocked_by_id=by_id)
            .on_conflict_do_nothing().returning(blocked_professionals.c.professional_id)).first()
        return inserted is not None

    def unblock_professional(self, patient_id: str, professional_id: str) -> bool:
        deleted = self.session.execute(blocked_professionals.delete().where(
            blocked_professionals.c.patient_id == patient_id,
            blocked_professionals.c.professional_id == professional_id)
            .returning(blocked_professionals.c.professional_id)).first()
        return deleted is not None

    def save_care_team_member(self, patient_id: str, professional_id: str, role: str, administrator: bool,
                              now: datetime, source: str = ADDED_BY_PATIENT) -> None:
        """A new member joins with `source`; an existing one keeps how and when they joined."""
        statement = insert(care_team_members).values(patient_id=patient_id, professional_id=professional_id,
                                                     role=role, administrator=administrator, since=now,
                                                     source=source)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[care_team_members.c.patient_id, care_team_members.c.professional_id],
            set_={"role": role, "administrator": administrator}))

    def remove_care_team_member(self, patient_id: str, professional_id: str) -> CareTeamMember | None:
        row = self.session.execute(care_team_members.delete().where(
            care_team_members.c.patient_id == patient_id, care_team_members.c.professional_id == professional_id)
            .returning(care_team_members.c.professional_id, care_team_members.c.role,
                       care_team_members.c.administrator, care_team_members.c.since,
                       care_team_members.c.source)).mappings().first()
        return CareTeamMember(**row) if row else None

    # ---- caregiving attestations (the outbox documents drains) ----
    def add_attestation(self, a: Attestation) -> None:
        """Once per id: a retried change adds nothing."""
        self.session.execute(insert(attestations).values(**dataclasses.asdict(a)).on_conflict_do_nothing())

    def pending_attestations(self, limit: int) -> list[Attestation]:
        """The oldest not acknowledged (partial index ix_attestations_pending)."""
        rows = self.session.execute(
            sa.select(*[c for c in attestations.c if c.name != "acknowledged_at"])
            .where(attestations.c.acknowledged_at.is_(None))
            .order_by(attestations.c.occurred_at, attestations.c.attestation_id).limit(limit)).mappings()
        return [Attestation(**row) for row in rows]

    def acknowledge_attestations(self, attestation_ids: list[str], now: datetime) -> int:
        """How many of these were still pending. The PDF is dropped: it lives in the person's documents now."""
        if not attestation_ids:
            return 0
        acknowledged = self.session.execute(attestations.update().where(
            attestations.c.attestation_id.in_(attestation_ids), attestations.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now, content=b"").returning(attestations.c.attestation_id)).all()
        return len(acknowledged)

    # ---- outbox ----
    def add_audit(self, record: AuditRecord) -> None:
        """A change's audit record, relayed to audit (meskit.relay)."""
        kit_outbox.add_audit_record(self.session, outbox, record)

    def add_notice(self, envelope: Envelope) -> None:
        """An event for notifications (meskit.events)."""
        kit_outbox.add_envelope(self.session, outbox, envelope)


    # ---- mail addresses (messaging's MSSanté bridge) ----
    def patients_by_nir(self, nirs: list[str], statuses: tuple[str, ...]) -> dict[str, str]:
        """NIR (upper case) -> account id, for the accounts in one of `statuses`."""
        rows = self.session.execute(sa.select(accounts.c.nir, accounts.c.account_id).where(
            sa.func.upper(accounts.c.nir).in_(nirs), accounts.c.status.in_(statuses)))
        return {r.nir.upper(): r.account_id for r in rows}

    def nirs_of(self, account_ids: list[str], statuses: tuple[str, ...]) -> dict[str, str]:
        """Account id -> NIR (with its key), for the accounts in one of `statuses`."""
        rows = self.session.execute(sa.select(accounts.c.account_id, accounts.c.nir).where(
            accounts.c.account_id.in_(account_ids), accounts.c.status.in_(statuses)))
        return {r.account_id: r.nir for r in rows}

    def professionals_by_mssante_address(self, addresses: list[str]) -> dict[str, str]:
        """MSSanté address (lower case) -> professional id."""
        rows = self.session.execute(sa.select(professionals.c.mssante_address, professionals.c.professional_id).where(
            sa.func.lower(professionals.c.mssante_address).in_(addresses)))
        return {r.mssante_address.lower(): r.professional_id for r in rows}

def _professional(row) -> Professional:
    values = {k: v for k, v in row.items() if k not in ("created_at", "family_key", "given_key", "city_key")}
    return Professional(**values)
