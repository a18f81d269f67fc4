from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings


@dataclass(frozen=True, kw_only=True)
class ExportsSettings(CommonSettings):
    """The common settings; add this service's own with `meskit.config.env(...)`."""
