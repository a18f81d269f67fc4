"""What an upload may hide behind an accepted format (issue 10, point 9), checked before it is accepted.

- Polyglots: a ZIP archive anywhere in the file (a sane local file header, central directory header
  or end of central directory, so that the four bytes `PK..` met by chance in compressed data do not
  count), or a PDF header after other bytes (readers look for it in the first 1,024).
- PDF active content: JavaScript (a `/S /JavaScript` action, a `/JS` script, a `/JavaScript` name
  tree, a `javascript:` URI), a `/Launch` action, embedded files. Found twice: by walking every object
  reachable from the trailer with pypdf (names unescaped, compressed object streams opened), and by a
  scan of the raw bytes for the names themselves, `#xx` escapes decoded (for what pypdf would skip).
  Page content streams are not read: their names are resources, not actions.
- RTF embedded objects: any `\\object`, `\\objdata`, `\\objemb`... control word, or an OLE `\\datastore`;
  and fields whose instruction is DDE / DDEAUTO (they start a program when the file opens).
- JPEG whose structure a decoder would stumble on: segments running past the end, a reserved marker,
  no end of image, a quantization or Huffman table or a scan header libjpeg would refuse (a scan
  naming a component its frame lacks). libjpeg decodes its start afterwards (content.py).

Each check answers None or (reason, French message).
"""
from __future__ import annotations

import re
import struct

Finding = tuple[str, str]

POLYGLOT, PDF_JAVASCRIPT, PDF_LAUNCH, PDF_EMBEDDED_FILE, RTF_EMBEDDED_OBJECT, RTF_DDE_FIELD, CORRUPT = (
    "POLYGLOT", "PDF_JAVASCRIPT", "PDF_LAUNCH_ACTION", "PDF_EMBEDDED_FILE", "RTF_EMBEDDED_OBJECT", "RTF_DDE_FIELD",
    "CORRUPT")
MAX_PDF_OBJECTS = 200_000
ZIP_METHODS = frozenset({0, 1, 6, 8, 9, 12, 14, 93, 95, 96, 97, 98, 99})

# ---- polyglots ----------------------------------------------------------------------------------


def _printable_name(name: bytes) -> bool:
    return bool(name) and all(b >= 0x20 and b != 0x7F for b in name)


def _local_header(data: bytes, at: int) -> bool:
    if at + 30 > len(data):
        return False
    version, _, method, _, _, _, _, _, name_len, _ = struct.unpack_from("<HHHHHLLLHH", data, at + 4)
    return version <= 63 and method in ZIP_METHODS and 1 <= name_len <= 1024 and \
        _printable_name(data[at + 30:at + 30 + name_len]) and at + 30 + name_len <= len(data)


def _central_header(data: bytes, at: int) -> bool:
    if at + 46 > len(data):
        return False
    _, needed, _, method = struct.unpack_from("<HHHH", data, at + 4)
    (name_len,) = struct.unpack_from("<H", data, at + 28)
    return needed <= 63 and method in ZIP_METHODS and 1 <= name_len <= 1024 and \
        _printable_name(data[at + 46:at + 46 + name_len]) and at + 46 + name_len <= len(data)


def _end_of_directory(data: bytes, at: int) -> bool:
    if at + 22 > len(data):
        return False
    disk, cd_disk, here, total, cd_size, _, comment = struct.unpack_from("<HHHHLLH", data, at + 4)
    return disk == cd_disk == 0 and here == total and cd_size <= at and at + 22 + comment <= len(data)


ZIP_STRUCTURES = {b"PK\x03\x04": _local_header, b"PK\x01\x02": _central_header, b"PK\x05\x06": _end_of_directory}
_ZIP_SIGNATURE = re.compile(rb"PK(?:\x03\x04|\x01\x02|\x05\x06)")     # the three, in one pass


def zip_inside(data: bytes) -> bool:
    return any(ZIP_STRUCTURES[found.group()](data, found.start()) for found in _ZIP_SIGNATURE.finditer(data))


def polyglot(data: bytes) -> Finding | None:
    if zip_inside(data):
        return POLYGLOT, ("Le fichier contient une archive ZIP cachée dans un autre format : "
                          "il n'est pas accepté. Déposez le document seul")
    pdf_at = data.find(b"%PDF-", 0, 1024)
    if pdf_at > 0:
        return POLYGLOT, ("Le fichier contient un PDF précédé d'autres données (fichier à double format) : "
                          "il n'est pas accepté")
    return None


# ---- PDF active content --------------------------------------------------------------------------

JAVASCRIPT_FOUND = (PDF_JAVASCRIPT, "Le PDF contient du JavaScript : il n'est pas accepté. "
                                    "Imprimez-le en PDF (« Microsoft Print to PDF », « Enregistrer au format PDF ») "
                                    "puis déposez la copie")
LAUNCH_FOUND = (PDF_LAUNCH, "Le PDF contient une action qui lance un programme (/Launch) : il n'est pas accepté")
EMBEDDED_FOUND = (PDF_EMBEDDED_FILE, "Le PDF contient des fichiers joints : il n'est pas accepté. "
                                     "Déposez chaque document séparément")
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SCRIPT_FOLLOWS = re.compile(rb"[\x00\t\n\x0c\r ]*(\(|<(?!<))")      # /JS (…) or /JS <hex>
RAW_NAMES = {b"JavaScript": JAVASCRIPT_FOUND, b"Launch": LAUNCH_FOUND, b"EmbeddedFile": EMBEDDED_FOUND,
             b"EmbeddedFiles": EMBEDDED_FOUND}


def pdf_raw_names(data: bytes) -> Finding | None:
    """The names as written in the file, `#4A#53` read as `JS`: catches what is outside any object
    pypdf reaches (an object the cross-reference table hides, a damaged file a viewer repairs)."""
    for match in _NAME.finditer(data):
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in RAW_NAMES:
            return RAW_NAMES[name]
        if name == b"JS" and _SCRIPT_FOLLOWS.match(data, match.end()):
            return JAVASCRIPT_FOUND
    return None


def _action(node) -> Finding | None:
    from pypdf.generic import ByteStringObject, StreamObject, TextStringObject

    def value(key: str):          # resolved: `/S 12 0 R` may point at the name /JavaScript
        return node[key] if key in node else None
    kind = value("/S")
    if kind == "/JavaScript" or "/JavaScript" in node:
        return JAVASCRIPT_FOUND
    if isinstance(value("/JS"), (TextStringObject, ByteStringObject, StreamObject)):
        return JAVASCRIPT_FOUND
    if kind == "/URI" and str(value("/URI") or "").strip().lower().startswith("javascript:"):
        return JAVASCRIPT_FOUND
    if kind == "/Launch":
        return LAUNCH_FOUND
    if value("/Type") == "/EmbeddedFile" or "/EF" in node or "/EmbeddedFiles" in node:
        return EMBEDDED_FOUND
    return None


def pdf_objects(reader) -> Finding | None:
    """Every object reachable from the trailer, object streams included (pypdf opens them)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
    seen: set[tuple[int, int]] = set()
    todo: list = [reader.trailer]
    visited = 0
    while todo:
        node = todo.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return CORRUPT, "Le PDF a trop d'objets pour être vérifié"
        if isinstance(node, DictionaryObject):       # streams too: their dictionary, not their content
            found = _action(node)
            if found:
                return found
            todo.extend(node.values())
        elif isinstance(node, ArrayObject):
            todo.extend(node)
    return None


# ---- RTF embedded objects ------------------------------------------------------------------------

_RTF_OBJECT = re.compile(rb"\\(obj[a-z]*|object|datastore)(?![a-z])", re.IGNORECASE)
_RTF_FIELD = re.compile(rb"\\fldinst(?![a-z])", re.IGNORECASE)
_RTF_HEX = re.compile(rb"\\'([0-9a-f]{2})", re.IGNORECASE)
_RTF_MARKUP = re.compile(rb"\\[a-z]+-?\d* ?|\\.|[{}\s]", re.IGNORECASE | re.DOTALL)


def rtf_objects(data: bytes) -> Finding | None:
    found = _RTF_OBJECT.search(data)
    if found:
        word = found.group(1).decode("ascii").lower()
        return RTF_EMBEDDED_OBJECT, (f"Le fichier RTF contient un objet incorporé (\\{word}) : il n'est pas accepté. "
                                     "Enregistrez-le en PDF puis déposez la copie")
    for field in _RTF_FIELD.finditer(data):       # {\field{\*\fldinst DDEAUTO c:\\windows\\cmd.exe ...}}
        text = _RTF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), data[field.end():field.end() + 1024])
        instruction = _RTF_MARKUP.sub(b"", text)
        if instruction.upper().startswith(b"DDE"):
            return RTF_DDE_FIELD, "Le fichier RTF contient un champ DDE qui lance un programme : il n'est pas accepté"
    return None


# ---- JPEG structure -----------------------------------------------------------------------------

JPEG_TRUNCATED = (CORRUPT, "L'image JPEG est tronquée (fin d'image absente)")
JPEG_DAMAGED = (CORRUPT, "L'image JPEG est endommagée (structure invalide)")
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _entropy_end(data: bytes, at: int) -> int:
    """Where the entropy-coded data that starts at `at` ends (the next marker), -1 at the end."""
    while True:
        ff = data.find(b"\xff", at)
        if ff == -1 or ff + 1 >= len(data):
            return -1
        following = data[ff + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at = ff + (1 if following == 0xFF else 2)
            continue
        return ff


def _frame_components(segment: bytes) -> frozenset[int] | None:
    """The component ids of a start-of-frame segment (after its length), None if it is malformed."""
    if len(segment) < 6:
        return None
    precision, height, width, count = struct.unpack_from(">BHHB", segment)
    if precision not in (8, 12, 16) or not width or not 1 <= count <= 4 or len(segment) != 6 + 3 * count:
        return None
    ids = frozenset(segment[6 + 3 * i] for i in range(count))
    sampling_ok = all(1 <= segment[7 + 3 * i] >> 4 <= 4 and 1 <= segment[7 + 3 * i] & 15 <= 4 and segment[8 + 3 * i] <= 3
                      for i in range(count))
    return ids if len(ids) == count and sampling_ok else None


def _scan_header(segment: bytes, components: frozenset[int]) -> bool:
    """A start-of-scan segment: 1 to 4 of the frame's components, tables 0-3, a spectral range in 0-63."""
    if not segment or not 1 <= segment[0] <= 4 or len(segment) != 4 + 2 * segment[0]:
        return False
    count = segment[0]
    named = [segment[1 + 2 * i] for i in range(count)]
    tables_ok = all(segment[2 + 2 * i] >> 4 <= 3 and segment[2 + 2 * i] & 15 <= 3 for i in range(count))
    start, stop = segment[1 + 2 * count], segment[2 + 2 * count]
    return tables_ok and len(set(named)) == count and set(named) <= components and start <= stop <= 63


def _quantization_tables(segment: bytes) -> bool:
    at = 0
    while at < len(segment):
        precision, table = segment[at] >> 4, segment[at] & 15
        if precision > 1 or table > 3:
            return False
        at += 1 + 64 * (precision + 1)
    return at == len(segment) and at > 0


def _huffman_tables(segment: bytes) -> bool:
    at = 0
    while at < len(segment):
        if segment[at] >> 4 > 1 or segment[at] & 15 > 3 or at + 17 > len(segment):
            return False
        symbols = sum(segment[at + 1:at + 17])
        if symbols > 256:
            return False
        at += 17 + symbols
    return at == len(segment) and at > 0


_TABLE_CHECKS = {0xDB: _quantization_tables, 0xC4: _huffman_tables}


def jpeg_structure(data: bytes) -> Finding | None:
    """From SOI to EOI, segment by segment; what follows EOI is left to the polyglot check."""
    at, end, frame = 2, len(data), False
    components: frozenset[int] = frozenset()
    while at < end:
        ff = data.find(b"\xff", at)          # a decoder skips stray bytes between segments, so do we
        if ff == -1:
            return JPEG_TRUNCATED
        at = ff
        while at < end and data[at] == 0xFF:
            at += 1
        if at >= end:
            return JPEG_TRUNCATED
        marker = data[at]
        at += 1
        if marker == 0xD9:
            return None if frame else JPEG_DAMAGED
        if marker in _STANDALONE:
            continue
        if marker == 0xD8 or 0x02 <= marker <= 0xBF:
            return JPEG_DAMAGED
        if at + 2 > end:
            return JPEG_TRUNCATED
        (length,) = struct.unpack_from(">H", data, at)
        if length < 2 or at + length > end:
            return JPEG_TRUNCATED
        at += length
        segment = data[at - length + 2:at]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            found = _frame_components(segment)
            if frame or found is None:
                return JPEG_DAMAGED
            components, frame = found, True
        elif marker in _TABLE_CHECKS and not _TABLE_CHECKS[marker](segment):
            return JPEG_DAMAGED
        if marker == 0xDA:
            if not frame or not _scan_header(segment, components):
                return JPEG_DAMAGED
            at = _entropy_end(data, at)
            if at == -1:
                return JPEG_TRUNCATED
    return JPEG_TRUNCATED
