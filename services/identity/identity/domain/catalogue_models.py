"""The catalogue's records (DOMAIN §9): apps, their purposes and exchanges, a space's connections."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

EN_LIGNE, HORS_LIGNE, DEREFERENCEE, PRESERIE, SUSPENDUE = "EN_LIGNE", "HORS_LIGNE", "DEREFERENCEE", "PRESERIE", "SUSPENDUE"
APP_STATUSES = (EN_LIGNE, HORS_LIGNE, DEREFERENCEE, PRESERIE, SUSPENDUE)
LISTED_TO_PATIENTS = (EN_LIGNE, HORS_LIGNE)
STOPPED = (DEREFERENCEE, SUSPENDUE)          # its tokens stop, no new pairing
PAIRABLE = (EN_LIGNE, HORS_LIGNE, PRESERIE)

MEASURES, DOCUMENTS, AGENDA = "MEASURES", "DOCUMENTS", "AGENDA"
READ, WRITE = "READ", "WRITE"
CLIENT_SECRET_BASIC, CLIENT_SECRET_POST = "client_secret_basic", "client_secret_post"

# connection statuses
ACTIVE, REAPPROVAL_REQUIRED, LAPSED, DISCONNECTED = "ACTIVE", "REAPPROVAL_REQUIRED", "LAPSED", "DISCONNECTED"
APP_UNAVAILABLE = "APP_UNAVAILABLE"          # read only: the app is suspended or dereferenced
EXCHANGING = (ACTIVE, REAPPROVAL_REQUIRED)

# why an app's tokens were revoked: the first ones read as a consent no longer given
CONSENT_WITHDRAWN, BY_DISCONNECTION, BY_LAPSE = "CONSENT_WITHDRAWN", "DISCONNECTED", "LAPSED"
CONSENT_REASONS = (CONSENT_WITHDRAWN, BY_DISCONNECTION, BY_LAPSE)
BY_REVOCATION, BY_REUSE, BY_APP_STATUS, BY_CODE_REPLAY = "REVOKED", "REUSED", "APP_STATUS", "CODE_REPLAYED"


@dataclass(frozen=True)
class Exchange:
    perimeter: str
    action: str
    categories: tuple[str, ...]

    def as_json(self) -> dict:
        return {"perimeter": self.perimeter, "action": self.action, "categories": list(self.categories)}

    @staticmethod
    def of(data: dict) -> "Exchange":
        return Exchange(data["perimeter"], data["action"], tuple(data["categories"]))


@dataclass(frozen=True)
class Purpose:
    code: str
    label: str
    description: str
    exchanges: tuple[Exchange, ...]

    def as_json(self) -> dict:
        return {"code": self.code, "label": self.label, "description": self.description,
                "exchanges": [e.as_json() for e in self.exchanges]}

    @staticmethod
    def of(data: dict) -> "Purpose":
        return Purpose(data["code"], data["label"], data.get("description", ""),
                       tuple(Exchange.of(e) for e in data["exchanges"]))


@dataclass(frozen=True)
class App:
    app_id: str
    name: str
    publisher: str
    description: str
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    status: str
    purposes: tuple[Purpose, ...]
    redirect_uris: tuple[str, ...]
    client_auth_method: str
    website_url: str
    purposes_version: int
    created_at: datetime
    updated_at: datetime
    client_secret_hash: str = field(default="", repr=False)
    status_reason: str = ""

    def purpose(self, code: str) -> Purpose | None:
        return next((p for p in self.purposes if p.code == code), None)

    @property
    def purpose_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.purposes)


@dataclass(frozen=True)
class Connection:
    patient_id: str
    app_id: str
    consented: tuple[Purpose, ...]        # as consented (their exchanges then)
    purposes_version: int
    status: str
    reapproval_deadline: datetime | None
    connected_at: datetime
    updated_at: datetime
    last_reminded_at: datetime | None = None

    @property
    def consented_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.consented)


@dataclass(frozen=True)
class TokenFamily:
    family_id: str
    app_id: str
    patient_id: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


@dataclass(frozen=True)
class AppToken:
    token_key: str
    kind: str                             # access | refresh
    family_id: str
    scope: str
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    family: TokenFamily | None = None


@dataclass(frozen=True)
class AuthorizationCode:
    code_hash: str
    app_id: str
    patient_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    family_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class AppGrant:
    """What a connected app may exchange with a space right now."""
    app_id: str
    app_name: str
    purposes: tuple[str, ...]
    exchanges: tuple[Exchange, ...]


ACCESS_KIND, REFRESH_KIND = "access", "refresh"
