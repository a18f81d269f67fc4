"""Postal letters: one PDF per person (fpdf2), gathered with a manifest into a print file (ZIP)
written to the object store (meskit.objects: S3 or a folder)."""
from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from fpdf import FPDF

from meskit.objects import ObjectStore
from meskit.pdf import french_date, latin1

from notifications.domain.catalog import notice_for
from notifications.domain.content import CONNECT, compose, full_name
from notifications.domain.routing import PARIS
from notifications.domain.models import LetterToRender

SENDER_BLOCK = ("Mon espace santé", "Assurance Maladie", "Service des notifications", "TSA 30000",
                "75986 PARIS CEDEX 20")


def render_letter(letter: LetterToRender, day: date, public_url: str) -> tuple[bytes, int]:
    """The letter as PDF bytes, and its page count."""
    name = full_name(letter.given_name, letter.family_name)
    pdf = FPDF(format="A4")
    pdf.set_title(latin1("Mon espace santé - courrier d'information"))
    pdf.set_author("Mon espace santé")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 11)
    for line in SENDER_BLOCK:
        pdf.cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 10)
    # the address sits in the envelope's window (French C5/DL window, right side)
    pdf.set_xy(110, 50)
    pdf.set_font("helvetica", "", 11)
    for line in [name.upper(), *letter.postal_address.splitlines()]:
        if line.strip():
            pdf.set_x(110)
            pdf.cell(80, 5.5, latin1(line.strip()), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, 85)
    pdf.cell(80, 6, latin1(f"Le {french_date(day)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(100)
    pdf.set_font("helvetica", "B", 11)
    pdf.multi_cell(0, 6, latin1("Objet : ce qui s'est passé dans votre espace Mon espace santé"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "", 11)
    paragraphs = [f"Bonjour {letter.given_name}," if letter.given_name else "Madame, Monsieur,",
                  "Nous vous informons des évènements suivants :"]
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    for notice_data in letter.notices:
        notice = notice_for(notice_data.event_type)
        if notice is None:
            continue
        content = compose(notice, notice_data.payload, profile_name=notice_data.profile_name,
                          recipient_name=letter.given_name, public_url=public_url,
                          occurred_at=notice_data.occurred_at)
        when = f" ({notice_data.occurred_at.astimezone(PARIS):%d/%m/%Y})" if notice_data.occurred_at else ""
        pdf.set_font("helvetica", "B", 11)
        pdf.multi_cell(0, 6, latin1(f"- {content.title}{when}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 11)
        for line in (x for x in content.lines if x != CONNECT):   # said once, at the end
            pdf.set_x(25)
            pdf.multi_cell(0, 6, latin1(line), new_x="LMARGIN", new_y="NEXT")
        for label, value in content.details:
            pdf.set_x(25)
            pdf.multi_cell(0, 6, latin1(f"{label} : {value}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(4)
    closing = [f"Pour en savoir plus, connectez-vous à Mon espace santé : {public_url.rstrip('/')}/",
               "Pour recevoir ces informations par e-mail plutôt que par courrier, indiquez votre adresse "
               "e-mail dans Mon espace santé ou appelez le 3422 (service gratuit + prix de l'appel).",
               "Nous vous prions d'agréer, Madame, Monsieur, nos salutations distinguées.",
               "Mon espace santé"]
    for paragraph in closing:
        pdf.multi_cell(0, 6, latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", "", 7)
    pdf.set_y(-15)
    pdf.cell(0, 4, latin1(f"Réf. {letter.letter_id}"))
    return bytes(pdf.output()), pdf.pages_count


def build_print_file(path: Path, manifest: dict, letters: list[tuple[str, bytes]]) -> None:
    """The print provider's file: `manifest.json` and `letters/<name>.pdf`, in a ZIP."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, data in letters:
            archive.writestr(f"letters/{name}", data)


class PrintShop:
    """Renders a batch's letters and writes its print file and manifest to the store."""

    def __init__(self, store: ObjectStore, public_url: str):
        self.store, self.public_url = store, public_url

    def write(self, batch_id: str, batch_key: str, to_print: list[LetterToRender], day: date) -> tuple[str, str, dict[str, int]]:
        rendered, pages, entries = [], {}, []
        for letter in to_print:
            data, count = render_letter(letter, day, self.public_url)
            rendered.append((letter.file_name, data))
            pages[letter.letter_id] = count
            entries.append({"letter_id": letter.letter_id, "file": f"letters/{letter.file_name}",
                            "recipient_id": letter.recipient_id,
                            "name": full_name(letter.given_name, letter.family_name),
                            "address": [line.strip() for line in letter.postal_address.splitlines() if line.strip()],
                            "pages": count, "notices": [n.event_type for n in letter.notices]})
        manifest = {"batch_id": batch_id, "batch_key": batch_key, "date": day.isoformat(),
                    "letter_count": len(entries), "page_count": sum(pages.values()), "letters": entries}
        prefix = f"print-files/{batch_key}"
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "print.zip"
            build_print_file(archive, manifest, rendered)
            location = self.store.put_file(f"{prefix}/mes-courriers-{batch_key}.zip", archive, "application/zip")
        manifest_json = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        manifest_location = self.store.put(f"{prefix}/manifest.json", manifest_json, "application/json")
        return location, manifest_location, pages
