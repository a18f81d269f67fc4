"""Files that pretend (issue 10, point 9), made in memory: polyglots, PDFs written by hand (with a
classic cross-reference table, or with a compressed object stream), RTF with objects, broken images."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from documents_samples import jpeg, pdf

PAGE_OBJECTS = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")


def zip_archive(name: str = "charge.exe", data: bytes = b"MZ" + bytes(200)) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def pdf_with_comment(comment: bytes) -> bytes:
    """The sample PDF with `comment` just before its end-of-file marker (offsets unchanged)."""
    data = pdf()
    at = data.rfind(b"%%EOF")
    return data[:at] + b"%" + comment + b"\n" + data[at:]


def handmade_pdf(catalog_extra: bytes = b"", *extra_objects: bytes, resources: bytes = b"") -> bytes:
    """A one-page PDF: catalog (object 1, with `catalog_extra`), pages, page, then `extra_objects`
    from object 4 on, and a classic cross-reference table."""
    page = PAGE_OBJECTS[1].replace(b" >>", b" /Resources << " + resources + b" >> >>") if resources else PAGE_OBJECTS[1]
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", PAGE_OBJECTS[0], page, *extra_objects]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_with_object_stream(hidden: bytes, catalog_extra: bytes = b"/OpenAction 4 0 R") -> bytes:
    """A PDF 1.5 whose object 4 (`hidden`) is only inside a Flate-compressed object stream (object
    5), found through a cross-reference stream (object 6): invisible in the raw bytes."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in enumerate((b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", *PAGE_OBJECTS), 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    head = b"4 0 "
    packed = zlib.compress(head + hidden)
    offsets[5] = len(out)
    out += (b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(head), len(packed)) + packed + b"\nendstream\nendobj\n")
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)] + [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0), struct.pack(">BIH", 1, offsets[5], 0), struct.pack(">BIH", 1, offsets[6], 0)]
    table = b"".join(rows)
    out += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
            + table + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def jpeg_with_comment(comment: bytes, image: bytes | None = None) -> bytes:
    """A JPEG with a COM segment right after its start-of-image marker."""
    data = image or jpeg()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


def jpeg_scan_damaged() -> bytes:
    """A JPEG whose entropy-coded data holds a reserved marker (FF 05), as a flipped bit leaves."""
    from PIL import Image
    out = io.BytesIO()
    Image.effect_noise((64, 64), 40).convert("RGB").save(out, "JPEG")
    data = out.getvalue()
    start = data.rfind(b"\xff\xda")
    middle = start + (len(data) - start) // 2
    return data[:middle] + b"\xff\x05" + data[middle + 2:]


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, segment bytes after the length) up to and including every scan's header, then (0, the rest)."""
    out, at = [], 2
    while data[at + 1] != 0xD9:
        marker, (length,) = data[at + 1], struct.unpack_from(">H", data, at + 2)
        out.append((marker, data[at + 4:at + 2 + length]))
        at += 2 + length
        if marker == 0xDA:
            following = at
            while not (data[following] == 0xFF and data[following + 1] not in (0x00, *range(0xD0, 0xD8))):
                following += 1
            out.append((0, data[at:following]))
            at = following
    return out


def jpeg_joined(segments: list[tuple[int, bytes]]) -> bytes:
    return b"\xff\xd8" + b"".join(body if marker == 0 else bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
                                for marker, body in segments) + b"\xff\xd9"


def jpeg_changed(data: bytes, marker: int, change, *, nth: int = 0) -> bytes:
    """The JPEG with the `nth` segment of `marker` changed by `change(bytes) -> bytes | None` (None drops it)."""
    segments, seen, out = jpeg_segments(data), 0, []
    for found, body in segments:
        if found == marker:
            if seen == nth:
                body = change(body)
            seen += 1
        if body is not None:
            out.append((found, body))
    return jpeg_joined(out)


RTF_WITH_OBJECT = (rb"{\rtf1\ansi {\object\objemb\objw100\objh100{\*\objclass Package}"
                   rb"{\*\objdata 01050000020000000800000050616b6167650000}}\par}")
