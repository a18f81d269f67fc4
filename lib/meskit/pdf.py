"""Text for PDFs drawn with fpdf2's core fonts, which speak Latin-1 only, and French dates.

Used by notifications' postal letters, identity's caregiving attestations and proofs of opposition,
and the profile's synthesis."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF

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


class TextDocument:
    """One A4 document made of lines of text, titled and dated."""

    def __init__(self, title: str, author: str, now: datetime):
        self._pdf = FPDF(format="A4")
        self._pdf.set_creation_date(now)
        self._pdf.set_title(latin1(title))
        self._pdf.set_author(latin1(author))
        self._pdf.set_margins(20, 20, 20)
        self._pdf.set_auto_page_break(True, margin=20)
        self._pdf.add_page()

    def line(self, text: str, size: float = 11, style: str = "", gap: float = 2) -> None:
        """A paragraph in Helvetica (`style` "B" for bold), then `gap` millimetres of space."""
        self._pdf.set_font("Helvetica", style, size)
        self._pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(gap)

    def space(self, millimetres: float) -> None:
        self._pdf.ln(millimetres)

    def output(self) -> bytes:
        return bytes(self._pdf.output())
