from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings, env


@dataclass(frozen=True, kw_only=True)
class ProfileSettings(CommonSettings):
    audit_addr: str = env("AUDIT_ADDR", help="host:port of audit (a delegate's or professional's reads are refused while "
                          "it cannot record them; changes reach it through the outbox)")
    documents_addr: str = env("DOCUMENTS_ADDR", help="host:port of documents (the synthesis is saved there)")
    erasure_interval: float = env("ERASURE_INTERVAL_SECONDS", 60.0,
                                  help="seconds between two pulls of the erasures identity asks of profile")
    clock_offset_file: str = env(
        "CLOCK_OFFSET_FILE", "",
        help="TEST HOOK, never for production: a file holding seconds added to profile's clock (end-to-end tests "
             "move time with it); empty = the real clock")
