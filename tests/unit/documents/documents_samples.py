"""Real files of each accepted format, made in memory for the tests."""
from __future__ import annotations

import io

from devtools.samples import blank_pdf as pdf  # noqa: F401  (the samples' PDF)


def png(size=(64, 48), mode="RGB", color=(200, 30, 30)) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def jpeg(size=(64, 48)) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def tiff(size=(32, 32)) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("L", size, 128).save(out, "TIFF")
    return out.getvalue()


RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}}\f0 Compte rendu de consultation \{ok\}\par}"
TEXT = "Compte rendu : tension 12/8, poids 62 kg. Prochain rendez-vous à l'hôpital.\n".encode()
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
