"""Login codes read from the mail sink's folder (one .eml file per mail, devtools.smtp_sink): each
file is parsed once, and its code kept under its recipient."""
from __future__ import annotations

import re
from collections import defaultdict
from email import message_from_bytes, policy
from email.utils import getaddresses
from pathlib import Path

LOGIN_CODE_SUBJECT = "code de connexion"
CODE = re.compile(r"\b(\d{6})\b")


class Mailbox:
    def __init__(self, directory: Path):
        self.directory = directory
        self._seen: set[str] = set()
        self._codes: dict[str, list[str]] = defaultdict(list)

    def codes(self, email: str) -> list[str]:
        """Every login code mailed to `email` so far, oldest first."""
        for path in sorted(self.directory.glob("*.eml")):
            if path.name not in self._seen:
                self._seen.add(path.name)
                self._read(path)
        return list(self._codes.get(email.lower(), ()))

    def _read(self, path: Path) -> None:
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if LOGIN_CODE_SUBJECT not in str(mail["Subject"] or ""):
            return
        match = CODE.search(mail.get_body(preferencelist=("plain",)).get_content())
        if match:
            for _, address in getaddresses([str(mail["To"] or "")]):
                self._codes[address.lower()].append(match.group(1))
