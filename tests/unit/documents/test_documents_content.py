"""Uploads are judged by their bytes: accepted formats, refusals with a reason, PNG -> JPEG."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from meskit.filecheck import content
from meskit.filecheck.content import ContentRefused, accept

from documents_samples import EXECUTABLE, RTF, TEXT, jpeg, pdf, png, tiff


def refusal(data: bytes) -> str:
    with pytest.raises(ContentRefused) as caught:
        accept(data)
    assert caught.value.message
    return caught.value.reason


class TestRefusals:
    def test_rejects_exe_renamed_pdf(self):
        # the name is never looked at: only the bytes reach the check
        assert refusal(EXECUTABLE) == content.UNSUPPORTED_TYPE

    def test_rejects_one_byte_over_the_limit(self):
        assert refusal(b"a" * (content.MAX_SIZE_BYTES + 1)) == content.TOO_LARGE

    def test_accepts_exactly_the_limit(self):
        assert accept(b"a" * content.MAX_SIZE_BYTES).content_type == content.TEXT

    def test_rejects_empty(self):
        assert refusal(b"") == content.EMPTY

    def test_rejects_truncated_png(self):
        data = png(size=(300, 300), color=(1, 2, 3))
        assert refusal(data[: len(data) // 2]) == content.CORRUPT

    def test_rejects_truncated_jpeg(self):
        from PIL import Image as I
        out = io.BytesIO()
        I.effect_noise((200, 200), 64).convert("RGB").save(out, "JPEG")
        data = out.getvalue()
        assert refusal(data[: len(data) // 2]) == content.CORRUPT

    def test_rejects_pdf_without_end_of_file(self):
        data = pdf()
        assert refusal(data[: data.rfind(b"%%EOF")]) == content.CORRUPT

    def test_rejects_pdf_header_on_garbage(self):
        assert refusal(b"%PDF-1.7\n garbage \n%%EOF\n") == content.CORRUPT

    def test_rejects_unbalanced_rtf(self):
        assert refusal(rb"{\rtf1\ansi {\b bold}") == content.CORRUPT

    def test_rejects_text_with_nul_bytes(self):
        assert refusal(b"hello\x00world") == content.INVALID_TEXT

    def test_rejects_text_with_control_characters(self):
        assert refusal(b"hello\x1b[31m world") == content.INVALID_TEXT

    @pytest.mark.parametrize("magic", [b"PK\x03\x04", b"GIF89a", b"\x7fELF"])
    def test_rejects_other_known_formats(self, magic):
        assert refusal(magic + b"\x00\x01\x02" * 10) == content.UNSUPPORTED_TYPE

    def test_rejects_a_gif_even_when_decodable(self):
        out = io.BytesIO()
        Image.new("P", (8, 8)).save(out, "GIF")
        assert refusal(out.getvalue()) == content.UNSUPPORTED_TYPE

    def test_rejects_a_decompression_bomb(self):
        out = io.BytesIO()
        Image.new("1", (8000, 6000)).save(out, "PNG")        # 48 Mpx in a few kB
        assert refusal(out.getvalue()) == content.TOO_LARGE

    def test_rejects_a_password_protected_pdf(self):
        from pypdf import PdfReader, PdfWriter
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
        writer.encrypt("secret", algorithm="AES-128")
        out = io.BytesIO()
        writer.write(out)
        assert refusal(out.getvalue()) == content.UNSUPPORTED_TYPE


class TestAccepted:
    def test_png_is_stored_as_jpeg(self):
        stored = accept(png())
        assert stored.content_type == "image/jpeg" and stored.detected_type == "image/png"
        assert stored.data.startswith(b"\xff\xd8\xff") and stored.extension == "jpg"
        with Image.open(io.BytesIO(stored.data)) as image:
            assert image.format == "JPEG" and image.size == (64, 48)

    def test_transparent_png_becomes_white_paper(self):
        stored = accept(png(mode="RGBA", color=(0, 0, 0, 0)))
        with Image.open(io.BytesIO(stored.data)) as image:
            assert image.convert("RGB").getpixel((5, 5)) > (250, 250, 250)

    def test_jpeg_is_kept_byte_for_byte(self):
        data = jpeg()
        stored = accept(data)
        assert stored.data == data and stored.content_type == "image/jpeg"

    def test_tiff(self):
        stored = accept(tiff())
        assert stored.content_type == "image/tiff" and stored.extension == "tif"

    def test_pdf(self):
        data = pdf(pages=2)
        assert accept(data) == content.StoredContent(data, "application/pdf", "application/pdf", "pdf")

    def test_rtf(self):
        assert accept(RTF).content_type == "application/rtf"

    def test_utf8_text(self):
        stored = accept(TEXT)
        assert stored.content_type == "text/plain; charset=utf-8" and stored.data == TEXT

    def test_windows_1252_text_is_stored_as_utf8(self):
        stored = accept("Résultat : créatinine élevée, à revoir.\r\n".encode("cp1252"))
        assert stored.data.decode("utf-8") == "Résultat : créatinine élevée, à revoir.\r\n"

    def test_text_that_starts_like_a_bitmap_is_still_text(self):
        assert accept(b"BMI 24, tension normale\n").content_type.startswith("text/plain")


def test_the_policy_lists_png_as_stored_as_jpeg():
    size, types = content.policy()
    assert size == 5_000_000
    assert {t.content_type: t.stored_as for t in types}["image/png"] == "image/jpeg"
