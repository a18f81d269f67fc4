from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class AuditSettings(CommonSettings):
    signing_key_file: str = env("AUDIT_SIGNING_KEY_FILE", secret=True,
                                help="PEM file of the Ed25519 key that signs the log's tree heads "
                                     "(the log's own key, not the token key); read again when it changes: a rotation needs no restart")
