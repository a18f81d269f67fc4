"""JSON log lines: the fixed keys every line has, data in fields, the current request id."""
from __future__ import annotations

import json
import logging
import re
import sys

from meskit.logs import JsonFormatter, request_id_var


def record(message: str = "document stored", *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.getLogger("documents.api").makeRecord(
        "documents.api", logging.WARNING, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def line(made: logging.LogRecord) -> dict:
    text = JsonFormatter("documents").format(made)
    assert "\n" not in text  # one event, one line
    return json.loads(text)


class TestJsonFormatter:
    def test_every_line_has_the_fixed_keys(self):
        parsed = line(record("stored %s documents", 3))
        assert {"timestamp", "severity", "service", "message", "trace_id", "request_id"} <= parsed.keys()
        assert (parsed["severity"], parsed["service"], parsed["message"]) == ("WARNING", "documents", "stored 3 documents")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", parsed["timestamp"])
        assert parsed["trace_id"] == "" and parsed["request_id"] == ""  # outside a request

    def test_data_goes_in_fields(self):
        parsed = line(record(document_id="doc-1", size_bytes=2048, at=object()))
        assert (parsed["document_id"], parsed["size_bytes"]) == ("doc-1", 2048)
        assert parsed["at"].startswith("<object")  # anything else is written as text, never dropped
        assert "args" not in parsed and "msg" not in parsed and "levelno" not in parsed

    def test_carries_the_current_request_id(self):
        token = request_id_var.set("req-42")
        try:
            assert line(record())["request_id"] == "req-42"
        finally:
            request_id_var.reset(token)

    def test_exception_is_one_field(self):
        try:
            raise ValueError("bad page count")
        except ValueError:
            parsed = line(record("failed", exc_info=sys.exc_info()))
        assert parsed["exception"].startswith("Traceback") and "ValueError: bad page count" in parsed["exception"]

    def test_keeps_non_ascii_readable(self):
        assert line(record("Compte rendu reçu"))["message"] == "Compte rendu reçu"
