"""The sample PDFs the demo's downloads serve, made in memory (one page saying it is fictitious)."""
from __future__ import annotations

from datetime import datetime, timezone

from meskit.pdf import TextDocument


def sample_pdf(title: str, author: str = "") -> bytes:
    document = TextDocument(title, author or "Mon espace santé (démo)", datetime.now(timezone.utc))
    document.line(title, size=16, style="B", gap=6)
    if author:
        document.line(author, gap=6)
    document.line("Document fictif du mode démo de Mon espace santé : il ne concerne aucune personne réelle.")
    return document.output()
