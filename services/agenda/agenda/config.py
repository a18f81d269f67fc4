from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class AgendaSettings(CommonSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (the outbox relays the records of changes there)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    # ---- prevention (engineer "prevention") ----
    prevention_schedule_file: str = env(
        "PREVENTION_SCHEDULE_FILE", "", help="the prevention schedule (operator data, YAML); empty = the shipped "
                                             "schedule (DOMAIN §6.2); a bad file stops the service at start")
    # ---- end prevention ----
