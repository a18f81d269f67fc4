"""Queries of the catalogue of trusted apps (DOMAIN §9), mixed into IdentityRepository."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from identity.adapters.tables import accounts, app_connections, app_token_families, app_tokens, apps, oauth_codes
from identity.domain.catalogue_models import (ACTIVE, REAPPROVAL_REQUIRED, App, AppToken, AuthorizationCode,
                                              Connection, Purpose, TokenFamily)


def _app(row) -> App:
    return App(app_id=row["app_id"], name=row["name"], publisher=row["publisher"], description=row["description"],
               themes=tuple(row["themes"]), regions=tuple(row["regions"]), status=row["status"],
               purposes=tuple(Purpose.of(p) for p in row["purposes"]), redirect_uris=tuple(row["redirect_uris"]),
               client_auth_method=row["client_auth_method"], website_url=row["website_url"],
               purposes_version=row["purposes_version"], created_at=row["created_at"], updated_at=row["updated_at"],
               client_secret_hash=row["client_secret_hash"], status_reason=row["status_reason"])


def _app_values(app: App) -> dict:
    values = dataclasses.asdict(app)
    values.update(themes=list(app.themes), regions=list(app.regions), redirect_uris=list(app.redirect_uris),
                  purposes=[p.as_json() for p in app.purposes])
    return values


def _connection(row) -> Connection:
    return Connection(patient_id=row["patient_id"], app_id=row["app_id"],
                      consented=tuple(Purpose.of(p) for p in row["consented"]),
                      purposes_version=row["purposes_version"], status=row["status"],
                      reapproval_deadline=row["reapproval_deadline"], connected_at=row["connected_at"],
                      updated_at=row["updated_at"], last_reminded_at=row["last_reminded_at"])


def _count(result) -> int:
    return result.rowcount


class CatalogueQueries:
    session: Session

    # ---- apps ----
    def add_app(self, app: App) -> None:
        self.session.execute(apps.insert().values(**_app_values(app)))

    def get_app(self, app_id: str, *, for_update: bool = False) -> App | None:
        query = sa.select(apps).where(apps.c.app_id == app_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return _app(row) if row else None

    def update_app(self, app_id: str, **values) -> None:
        for name in ("themes", "regions", "redirect_uris"):
            if name in values:
                values[name] = list(values[name])
        if "purposes" in values:
            values["purposes"] = [p.as_json() for p in values["purposes"]]
        self.session.execute(apps.update().where(apps.c.app_id == app_id).values(**values))

    def list_apps(self, *, statuses: tuple[str, ...], theme: str, region: str, after: tuple[str, str] | None,
                  limit: int) -> list[App]:
        query = sa.select(apps).where(apps.c.status.in_(statuses))
        if theme:
            query = query.where(sa.cast(apps.c.themes, JSONB).contains([theme]))
        if region:
            query = query.where(sa.or_(sa.cast(apps.c.regions, JSONB) == sa.cast(sa.literal("[]"), JSONB),
                                       sa.cast(apps.c.regions, JSONB).contains([region])))
        if after is not None:
            query = query.where(sa.tuple_(apps.c.name, apps.c.app_id) > sa.tuple_(*after))
        rows = self.session.execute(query.order_by(apps.c.name, apps.c.app_id).limit(limit)).mappings()
        return [_app(r) for r in rows]

    # ---- connections ----
    def get_connection(self, patient_id: str, app_id: str, *, for_update: bool = False) -> Connection | None:
        query = sa.select(app_connections).where(app_connections.c.patient_id == patient_id,
                                                 app_connections.c.app_id == app_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return _connection(row) if row else None

    def save_connection(self, c: Connection) -> None:
        values = dataclasses.asdict(c)
        values["consented"] = [p.as_json() for p in c.consented]
        changed = {k: v for k, v in values.items() if k not in ("patient_id", "app_id", "connected_at")}
        self.session.execute(insert(app_connections).values(**values).on_conflict_do_update(
            index_elements=[app_connections.c.patient_id, app_connections.c.app_id], set_=changed))

    def connections_of(self, patient_id: str) -> list[Connection]:
        rows = self.session.execute(sa.select(app_connections).where(app_connections.c.patient_id == patient_id)
                                    .order_by(app_connections.c.connected_at.desc(), app_connections.c.app_id))
        return [_connection(r) for r in rows.mappings()]

    def require_reapproval(self, app_id: str, deadline: datetime, now: datetime) -> int:
        c = app_connections.c
        return _count(self.session.execute(app_connections.update().where(c.app_id == app_id, c.status == ACTIVE)
                                           .values(status=REAPPROVAL_REQUIRED, reapproval_deadline=deadline,
                                                   updated_at=now)))

    def claim_overdue_connections(self, now: datetime, limit: int) -> list[Connection]:
        c = app_connections.c
        rows = self.session.execute(sa.select(app_connections).where(
            c.status == REAPPROVAL_REQUIRED, c.reapproval_deadline <= now)
            .order_by(c.reapproval_deadline, c.patient_id, c.app_id).limit(limit)
            .with_for_update(skip_locked=True)).mappings()
        return [_connection(r) for r in rows]

    # ---- tokens ----
    def revoke_app_families(self, app_id: str, reason: str, now: datetime, patient_id: str = "") -> int:
        f = app_token_families.c
        statement = app_token_families.update().where(f.app_id == app_id, f.revoked_at.is_(None))
        if patient_id:
            statement = statement.where(f.patient_id == patient_id)
        return _count(self.session.execute(statement.values(revoked_at=now, revoked_reason=reason)))

    def add_token_family(self, family: TokenFamily) -> None:
        self.session.execute(app_token_families.insert().values(**dataclasses.asdict(family)))

    def revoke_app_family(self, family_id: str, reason: str, now: datetime) -> None:
        f = app_token_families.c
        self.session.execute(app_token_families.update().where(f.family_id == family_id, f.revoked_at.is_(None))
                             .values(revoked_at=now, revoked_reason=reason))

    def add_app_token(self, token: AppToken) -> None:
        values = dataclasses.asdict(token)
        values.pop("family")
        self.session.execute(app_tokens.insert().values(**values))

    def get_app_token(self, token_key: str, *, for_update: bool = False) -> AppToken | None:
        query = (sa.select(app_tokens, *[col.label(f"f_{col.name}") for col in app_token_families.c])
                 .select_from(app_tokens.join(app_token_families,
                                              app_token_families.c.family_id == app_tokens.c.family_id))
                 .where(app_tokens.c.token_key == token_key))
        if for_update:
            query = query.with_for_update(of=app_tokens)
        row = self.session.execute(query).mappings().first()
        if not row:
            return None
        family = TokenFamily(**{col.name: row[f"f_{col.name}"] for col in app_token_families.c})
        return AppToken(**{col.name: row[col.name] for col in app_tokens.c}, family=family)

    def rotate_app_token(self, token_key: str, now: datetime) -> bool:
        t = app_tokens.c
        return self.session.execute(app_tokens.update().where(t.token_key == token_key, t.rotated_at.is_(None))
                                    .values(rotated_at=now)).rowcount == 1  # type: ignore[attr-defined]

    def revoke_app_token(self, token_key: str, now: datetime) -> None:
        t = app_tokens.c
        self.session.execute(app_tokens.update().where(t.token_key == token_key, t.revoked_at.is_(None))
                             .values(revoked_at=now))

    # ---- authorization codes ----
    def add_oauth_code(self, code: AuthorizationCode) -> None:
        self.session.execute(oauth_codes.insert().values(**dataclasses.asdict(code)))

    def get_oauth_code(self, code_hash: str, *, for_update: bool = False) -> AuthorizationCode | None:
        query = sa.select(oauth_codes).where(oauth_codes.c.code_hash == code_hash)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return AuthorizationCode(**row) if row else None

    def use_oauth_code(self, code_hash: str, now: datetime) -> bool:
        o = oauth_codes.c
        return self.session.execute(oauth_codes.update().where(o.code_hash == code_hash, o.used_at.is_(None))
                                    .values(used_at=now)).rowcount == 1  # type: ignore[attr-defined]

    # ---- the 90-day list of synchronised apps ----
    def holders_due_reminder(self, due_before: datetime, limit: int) -> list[str]:
        """Holders with an ACTIVE connection whose last list (else their first ACTIVE connection)
        is on or before `due_before`."""
        c = app_connections.c
        anchor = sa.func.coalesce(sa.func.max(c.last_reminded_at),
                                  sa.func.min(c.connected_at).filter(c.status == ACTIVE))
        query = (sa.select(c.patient_id).group_by(c.patient_id)
                 .having(sa.and_(sa.func.bool_or(c.status == ACTIVE), anchor <= due_before))
                 .order_by(anchor, c.patient_id).limit(limit))
        return list(self.session.execute(query).scalars())

    def lock_accounts_skip_locked(self, account_ids: list[str]) -> list[str]:
        if not account_ids:
            return []
        return list(self.session.execute(sa.select(accounts.c.account_id).where(
            accounts.c.account_id.in_(account_ids)).order_by(accounts.c.account_id)
            .with_for_update(skip_locked=True)).scalars())

    def mark_reminded(self, patient_id: str, now: datetime) -> None:
        self.session.execute(app_connections.update().where(app_connections.c.patient_id == patient_id)
                             .values(last_reminded_at=now))
