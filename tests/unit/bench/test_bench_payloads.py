"""What the document and audit measurements send (nothing here is timed)."""
from __future__ import annotations

import io
import json
from email import message_from_bytes, policy

import pytest
from PIL import Image

from bench.payloads import RAW_INSERT, _com_segments, audit_record, deposit_body, jpeg_of_size, raw_row


class TestJpegOfSize:
    @pytest.mark.parametrize("size", [1_000_000, 150_000])
    def test_exactly_the_size_and_decodable(self, size):
        data = jpeg_of_size(size)
        assert len(data) == size
        assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"
        image = Image.open(io.BytesIO(data))
        image.load()                                   # a full decode, as the documents service does
        assert image.format == "JPEG" and image.mode == "RGB"

    def test_the_documents_service_stores_it_as_sent(self):
        from meskit.filecheck.content import accept
        data = jpeg_of_size(1_000_000)
        stored = accept(data)
        assert stored.data == data

    def test_deterministic(self):
        assert jpeg_of_size(120_000, seed=3) == jpeg_of_size(120_000, seed=3)

    @pytest.mark.parametrize("pad", [4, 5, 1000, 65_537, 65_538, 65_539, 65_540, 65_541, 131_074, 200_003])
    def test_comment_padding_takes_exactly_the_bytes(self, pad):
        segments = _com_segments(pad)
        assert len(segments) == pad
        at = 0
        while at < len(segments):                      # a chain of well-formed COM segments
            assert segments[at:at + 2] == b"\xff\xfe"
            at += 2 + int.from_bytes(segments[at + 2:at + 4], "big")
        assert at == pad

    def test_no_room_for_a_segment(self):
        with pytest.raises(ValueError):
            _com_segments(3)


def test_deposit_body_is_the_multipart_the_gateway_takes():
    metadata = {"title": "Compte rendu", "category": "DOCUMENT_CATEGORY_CPT_REND"}
    body, content_type = deposit_body(metadata, b"\xff\xd8\xff-bytes", "scan.jpg", "image/jpeg")
    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=policy.HTTP)
    parts = list(message.iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == ["metadata", "file"]
    assert json.loads(parts[0].get_content()) == metadata
    assert parts[1].get_filename() == "scan.jpg"
    assert parts[1].get_content() == b"\xff\xd8\xff-bytes"


def test_audit_records_are_fresh_and_complete():
    first, second = audit_record("patient", "patient"), audit_record("patient", "patient")
    assert first.record_id != second.record_id
    assert first.HasField("occurred_at") and first.actor.type and first.action and first.decision


def test_raw_row_fills_every_column():
    assert RAW_INSERT.count("%s") == len(raw_row("p", "a"))
