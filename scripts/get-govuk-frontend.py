#!/usr/bin/env python3
"""Fetch GOV.UK Frontend (npm `govuk-frontend`, MIT) from the npm registry, check the tarball
against its pinned sha512 (`dist.integrity`), and extract what the portal serves under /assets/
into build/portal-assets/ (or DEST): the compiled CSS and the JavaScript module.

Left out on purpose: the GDS Transport fonts and the crown images, which GOV.UK's terms reserve to
GOV.UK services (the CSS falls back to Arial / the system sans-serif; its @font-face rules are
removed so that no browser asks for the missing files). A second run with the same pin does nothing.

Usage: scripts/get-govuk-frontend.py [DEST]
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "5.14.0"
INTEGRITY = "sha512-MgfaXswIM6KpXS2T5gltEnzgVLgfM3UoE9+rYkhBiR0suaJ8Let31VZXQZqz9QhiPDbv28fW1nRjIyLujfZIBA=="
TARBALL = f"https://registry.npmjs.org/govuk-frontend/-/govuk-frontend-{VERSION}.tgz"
ROOT = Path(__file__).resolve().parents[1]
# tarball member -> file name under DEST
MEMBERS = {"package/dist/govuk/govuk-frontend.min.css": "govuk-frontend.min.css",
           "package/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js"}
_FONT_FACE = re.compile(rb"@font-face\{[^}]*\}")


def verified(data: bytes) -> bytes:
    algorithm, _, expected = INTEGRITY.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"get-govuk-frontend: {TARBALL} does not match the pinned {algorithm} "
                         f"(got {actual[:16]}…): refusing it")
    return data


def extract(data: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in MEMBERS.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                raise SystemExit(f"get-govuk-frontend: {member} missing from the tarball")
            content = extracted.read()
            if name.endswith(".css"):
                content = _FONT_FACE.sub(b"", content)
            (dest / name).write_bytes(content)
    (dest / "NOTICE").write_text(f"GOV.UK Frontend {VERSION} (npm govuk-frontend), MIT licence, "
                                 "© Crown copyright. https://github.com/alphagov/govuk-frontend\n")


def main() -> int:
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "portal-assets"
    pin = dest / ".pin"
    if pin.exists() and pin.read_text() == INTEGRITY and all((dest / n).exists() for n in MEMBERS.values()):
        return 0
    dest.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        data = verified(response.read())
    extract(data, dest)
    pin.write_text(INTEGRITY)
    print(f"GOV.UK Frontend {VERSION} in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
