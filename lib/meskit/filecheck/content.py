"""What an upload really is, decided by its bytes, never by its name (DOMAIN.md §2.1).

Accepted: JPEG, PNG (converted and stored as JPEG), PDF, plain text, RTF, TIFF; at most
5,000,000 bytes. PNG and TIFF are fully decoded with Pillow. A JPEG's segments are walked from start
to end of image, every table and scan header checked (disguises.py), then libjpeg decodes its headers
and the start of its first scan: what a full decode would refuse (missing or bogus tables, a scan
naming an unknown component) is refused at that point, and libjpeg refuses nothing later on (it
repairs damaged entropy-coded data without an error), so decoding the rest would only cost. A PDF
must open with its header, have an end-of-file marker and be readable by pypdf; RTF must open with
`{\\rtf` and have balanced braces.

Refusals come before acceptance: first a refused format's signature at the start, then what an
accepted format could hide (disguises.py: a ZIP inside, a PDF after other bytes), then each accepted
format's own refusals (PDF JavaScript, launch actions and attachments; RTF embedded objects; a JPEG or
TIFF its decoder cannot read; text that is not text).

Plain text is valid UTF-8 (a BOM is allowed) or, failing that, Windows-1252 (the superset of
Latin-1 that French Windows editors write), without NUL or other control characters except tab,
line feed, carriage return and form feed. Windows-1252 text is transcoded and stored as UTF-8,
so every stored text is `text/plain; charset=utf-8`. Latin-1 alone is never tried: every byte
string decodes as Latin-1, so it would accept anything without control bytes.

Every refusal raises `ContentRefused` with a stable reason code and a French message.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from meskit.filecheck import disguises
from meskit.filecheck.disguises import (  # noqa: F401  (reason codes, listed here with the others)
    PDF_EMBEDDED_FILE, PDF_JAVASCRIPT, PDF_LAUNCH, POLYGLOT, RTF_DDE_FIELD, RTF_EMBEDDED_OBJECT)

MAX_SIZE_BYTES = 5_000_000
MAX_IMAGE_PIXELS = 40_000_000          # decompression bombs: a 5 MB PNG may declare billions of pixels
JPEG_QUALITIES = (90, 80, 70, 60)      # a PNG converted to JPEG must also fit under the limit

UNSUPPORTED_TYPE, TOO_LARGE, EMPTY, CORRUPT, INVALID_TEXT = (
    "UNSUPPORTED_TYPE", "TOO_LARGE", "EMPTY", "CORRUPT", "INVALID_TEXT")
ACCEPTED_FORMATS = "Formats acceptés : PDF, JPEG, PNG, TIFF, texte, RTF"

JPEG, PNG, PDF, TEXT, RTF, TIFF = ("image/jpeg", "image/png", "application/pdf", "text/plain; charset=utf-8",
                                   "application/rtf", "image/tiff")


@dataclass(frozen=True)
class FileType:
    content_type: str          # as received
    extensions: tuple[str, ...]
    stored_as: str             # as stored


ACCEPTED = (
    FileType(PDF, ("pdf",), PDF),
    FileType(JPEG, ("jpg", "jpeg"), JPEG),
    FileType(PNG, ("png",), JPEG),
    FileType(TIFF, ("tif", "tiff"), TIFF),
    FileType("text/plain", ("txt",), TEXT),
    FileType(RTF, ("rtf",), RTF),
)
EXTENSION_FOR = {PDF: "pdf", JPEG: "jpg", TIFF: "tif", TEXT: "txt", RTF: "rtf"}

# Well-known signatures of what is refused, to name it in the message.
KNOWN_REFUSED = (
    (b"MZ", "un programme Windows"), (b"\x7fELF", "un programme"), (b"PK\x03\x04", "une archive ZIP ou un document Office"),
    (b"GIF8", "une image GIF"), (b"\xd0\xcf\x11\xe0", "un document Office ancien"), (b"Rar!", "une archive RAR"),
    (b"7z\xbc\xaf", "une archive 7z"), (b"\x1f\x8b", "une archive gzip"), (b"RIFF", "un fichier RIFF (WebP, AVI, WAV)"),
    (b"#!", "un script"), (b"\xca\xfe\xba\xbe", "un programme"), (b"\xcf\xfa\xed\xfe", "un programme"),
    (b"BM", "une image BMP"),
)
ALLOWED_CONTROLS = frozenset("\t\n\r\f")


class ContentRefused(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class StoredContent:
    data: bytes
    content_type: str          # as stored
    detected_type: str         # as received (image/png for a converted PNG)
    extension: str


def too_large(size: int | None = None) -> ContentRefused:
    shown = f" ({size:,} octets)".replace(",", " ") if size else ""
    return ContentRefused(TOO_LARGE, f"Le fichier dépasse la taille maximale de 5 Mo{shown}")


def check_size(size: int) -> None:
    if size > MAX_SIZE_BYTES:
        raise too_large(size)


def _refuse(finding: disguises.Finding | None) -> None:
    if finding is not None:
        raise ContentRefused(*finding)


def accept(data: bytes) -> StoredContent:
    """Decide what `data` is and return it as it will be stored, or raise ContentRefused."""
    if not data:
        raise ContentRefused(EMPTY, "Le fichier est vide")
    check_size(len(data))
    for magic, what in KNOWN_REFUSED:
        if data.startswith(magic) and not _is_text(data):
            raise ContentRefused(UNSUPPORTED_TYPE, f"Format non accepté : le fichier est {what}. {ACCEPTED_FORMATS}")
    _refuse(disguises.polyglot(data))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return StoredContent(_png_to_jpeg(data), JPEG, PNG, "jpg")
    if data.startswith(b"\xff\xd8\xff"):
        _refuse(disguises.jpeg_structure(data))
        _decode_jpeg_start(data)
        return StoredContent(data, JPEG, JPEG, "jpg")
    if data.startswith((b"II*\x00", b"MM\x00*")):
        _decode_image(data, "TIFF")
        return StoredContent(data, TIFF, TIFF, "tif")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return StoredContent(data, PDF, PDF, "pdf")
    if data.startswith(b"{\\rtf"):
        _check_rtf(data)
        return StoredContent(data, RTF, RTF, "rtf")
    text, why = _as_text(data)
    if text is None:
        if _looks_like_text(data):
            raise ContentRefused(INVALID_TEXT, why)
        raise ContentRefused(UNSUPPORTED_TYPE, f"Format non accepté. {ACCEPTED_FORMATS}")
    return StoredContent(text, TEXT, "text/plain", "txt")


# ---- images ----
def _open_image(data: bytes, expected: str):
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != expected:
                raise ContentRefused(CORRUPT, "Le fichier image est illisible")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ContentRefused(TOO_LARGE, "L'image a trop de pixels (40 millions au plus)")
            return image
    except ContentRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            ValueError, SyntaxError) as exc:
        raise ContentRefused(CORRUPT, "Le fichier image est illisible ou tronqué") from exc


def _decode_image(data: bytes, expected: str):
    """Open and decode every frame: a truncated or damaged image is refused as CORRUPT."""
    from PIL import Image
    image = _open_image(data, expected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            frames = getattr(image, "n_frames", 1)
            for index in range(min(frames, 500)):
                image.seek(index)
                image.load()
            image.seek(0)
            if expected == "PNG":
                image.load()
        return image
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise ContentRefused(CORRUPT, "Le fichier image est illisible ou tronqué") from exc


JPEG_DECODED_BYTES = 64 * 1024    # of the first scan, after its header


def _decode_jpeg_start(data: bytes) -> None:
    """libjpeg reads the headers and the start of the first scan, at 1/8 scale (the check needs no pixels)."""
    from PIL import Image
    image = _open_image(data, "JPEG")
    image.draft(image.mode, (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
    name, extents, offset, args = image.tile[0]
    scan = data.find(b"\xff\xda")
    try:
        image.load_prepare()
        decoder = Image._getdecoder(image.mode, name, args, image.decoderconfig)
        try:
            decoder.setimage(image.im, extents)
            _, error = decoder.decode(data[offset:scan + JPEG_DECODED_BYTES])
        finally:
            decoder.cleanup()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ContentRefused(CORRUPT, "Le fichier image est illisible ou tronqué") from exc
    if error < 0:
        raise ContentRefused(CORRUPT, "Le fichier image est illisible ou tronqué")


def _png_to_jpeg(data: bytes) -> bytes:
    from PIL import Image
    image = _decode_image(data, "PNG")
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))      # transparency becomes white paper
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    for quality in JPEG_QUALITIES:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= MAX_SIZE_BYTES:
            return out.getvalue()
    raise ContentRefused(TOO_LARGE, "Converti en JPEG, le fichier dépasse la taille maximale de 5 Mo")


# ---- PDF ----
def _check_pdf(data: bytes) -> None:
    _refuse(disguises.pdf_raw_names(data))
    if b"%%EOF" not in data[-2048:]:
        raise ContentRefused(CORRUPT, "Le PDF est incomplet (fin de fichier absente)")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ContentRefused(UNSUPPORTED_TYPE, "Les PDF protégés par un mot de passe ne sont pas acceptés")
        _refuse(disguises.pdf_objects(reader))
        pages = len(reader.pages)
    except ContentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, NotImplementedError, AssertionError) as exc:
        raise ContentRefused(CORRUPT, "Le PDF est illisible") from exc
    if pages < 1:
        raise ContentRefused(CORRUPT, "Le PDF ne contient aucune page")


# ---- RTF ----
def _check_rtf(data: bytes) -> None:
    _refuse(disguises.rtf_objects(data))
    if b"\x00" in data.rstrip(b"\x00"):
        raise ContentRefused(CORRUPT, "Le fichier RTF est illisible")
    body = data.rstrip(b"\x00 \t\r\n")
    if not body.endswith(b"}"):
        raise ContentRefused(CORRUPT, "Le fichier RTF est incomplet")
    if b"\\bin" in body:          # raw binary runs may hold unbalanced braces: the ending check suffices
        return
    depth, escaped = 0, False
    for byte in body:
        if escaped:
            escaped = False
        elif byte == 0x5C:        # backslash
            escaped = True
        elif byte == 0x7B:
            depth += 1
        elif byte == 0x7D:
            depth -= 1
            if depth < 0:
                break
    if depth != 0:
        raise ContentRefused(CORRUPT, "Le fichier RTF est incomplet (accolades déséquilibrées)")


# ---- plain text ----
def _control(text: str) -> str | None:
    """The first control character (C0 but tab, line feed, carriage return, form feed; DEL; C1)."""
    return next((c for c in text if (ord(c) < 0x20 and c not in ALLOWED_CONTROLS) or 0x7F <= ord(c) <= 0x9F), None)


def _is_text(data: bytes) -> bool:
    return _as_text(data)[0] is not None


def _as_text(data: bytes) -> tuple[bytes | None, str]:
    """(the text as UTF-8 bytes, "") or (None, why it is not text, in French)."""
    if b"\x00" in data:
        return None, ("Le fichier texte est en UTF-16 : enregistrez-le en UTF-8" if _utf16(data) else
                      "Le fichier texte contient des octets nuls : ce n'est pas du texte")
    try:
        text, stored = data.decode("utf-8-sig"), data
    except UnicodeDecodeError as not_utf8:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None, (f"Le fichier texte n'est ni en UTF-8 ni en Windows-1252 (octet invalide à la "
                          f"position {not_utf8.start}) : enregistrez-le en UTF-8")
        stored = text.encode("utf-8")
    bad = _control(text)
    if bad is not None:
        return None, (f"Le fichier texte contient un caractère de contrôle (U+{ord(bad):04X}) : "
                      "ce n'est pas du texte lisible")
    return stored, ""


def _utf16(data: bytes) -> bool:
    sample = data[:65536]
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or sample.count(0) >= 0.3 * len(sample)


def _looks_like_text(data: bytes) -> bool:
    """Meant as text, so told why it is not: mostly printable ASCII (random bytes are about 38% so),
    or UTF-16 (every other byte nul)."""
    sample = data[:65536]
    plain = sum(1 for b in sample if 0x20 <= b < 0x7F or b in (0x09, 0x0A, 0x0D))
    return plain >= 0.75 * len(sample) or (_utf16(data) and plain + sample.count(0) >= 0.9 * len(sample))


def policy() -> tuple[int, tuple[FileType, ...]]:
    return MAX_SIZE_BYTES, ACCEPTED
