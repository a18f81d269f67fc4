"""Text for PDFs drawn with fpdf2's core fonts, which speak Latin-1 only, and French dates.

Used by notifications' postal letters and identity's caregiving attestations."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
# Typographic characters outside Latin-1 get a plain equivalent; anything else left outside becomes "?".
_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "œ": "oe", "Œ": "OE", "…": "...", "€": "EUR",
                        "–": "-", "—": "-", "\u202f": " ", "\u2009": " "})


def latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def french_date(day: date) -> str:
    """1er mars 2026, 17 mai 1960."""
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def french_moment(moment: datetime) -> str:
    """The Paris date and time: 2 décembre 2026 à 14 h 05."""
    local = moment.astimezone(PARIS)
    return f"{french_date(local.date())} à {local.hour} h {local.minute:02d}"
