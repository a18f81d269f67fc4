from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class AgendaSettings(CommonSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (the outbox relays the records of changes there; a "
                          "delegate's reads are refused while it cannot record them)")
    notifications_addr: str = env("NOTIFICATIONS_ADDR", "",
                                  help="host:port of notifications; empty = notices wait in the outbox")
    # ---- calendar (appointments, reminders, their notices, the feed) ----
    reminder_interval: float = env("REMINDER_INTERVAL_SECONDS", 30.0,
                                   help="seconds between two passes of the reminder scheduler")
    public_url: str = env("PUBLIC_URL", "", help="origin of the calendar feed's subscription URLs, e.g. "
                          "https://api.monespacesante.fr; empty = a path only")
    clock_offset_file: str = env(
        "CLOCK_OFFSET_FILE", "",
        help="TEST HOOK, never for production: a file holding seconds added to agenda's clock (end-to-end tests "
             "move time with it); empty = the real clock")
    # ---- prevention ----
    prevention_schedule_file: str = env(
        "PREVENTION_SCHEDULE_FILE", "", help="the prevention schedule (operator data, YAML); empty = the shipped "
                                             "schedule (DOMAIN §6.2); a bad file stops the service at start")
    erasure_interval_seconds: float = env("ERASURE_INTERVAL_SECONDS", 60.0,
                                          help="seconds between passes pulling deleted spaces' erasures from identity")
