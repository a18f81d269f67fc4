"""Uploads that are not what they claim (issue 10, point 9): each refused with its reason and a
precise French message; the honest files around them still accepted."""
from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from meskit.filecheck import content
from meskit.filecheck.content import ContentRefused, accept

from crafted_files import (RTF_WITH_OBJECT, handmade_pdf, jpeg_changed, jpeg_joined, jpeg_scan_damaged, jpeg_segments,
                           jpeg_with_comment, pdf_with_comment, pdf_with_object_stream, zip_archive)
from documents_samples import RTF, jpeg, pdf, png, tiff


def refused(data: bytes) -> tuple[str, str]:
    with pytest.raises(ContentRefused) as caught:
        accept(data)
    return caught.value.reason, caught.value.message


JS_ACTION = rb"<< /Type /Action /S /JavaScript /JS (app.alert\(1\)) >>"


class TestPolyglots:
    def test_a_pdf_with_a_zip_appended(self):
        reason, message = refused(pdf() + zip_archive())
        assert reason == content.POLYGLOT and "archive ZIP" in message

    def test_a_zip_that_starts_with_a_pdf_header(self):
        assert refused(b"%PDF-1.7\n" + zip_archive())[0] == content.POLYGLOT

    @pytest.mark.parametrize("structure", ["local file header", "central directory", "end of central directory"])
    def test_each_zip_structure_alone_inside_a_pdf(self, structure):
        archive = zip_archive()
        local_end = archive.find(b"PK\x01\x02")
        central_end = archive.find(b"PK\x05\x06")
        piece = {"local file header": archive[:local_end], "central directory": archive[local_end:central_end],
                 "end of central directory": archive[central_end:]}[structure]
        assert refused(pdf_with_comment(piece))[0] == content.POLYGLOT

    def test_a_zip_after_a_jpeg(self):
        assert refused(jpeg() + zip_archive())[0] == content.POLYGLOT

    def test_a_jpeg_carrying_a_pdf_header_in_its_first_bytes(self):
        reason, message = refused(jpeg_with_comment(b"%PDF-1.4\n1 0 obj << >> endobj"))
        assert reason == content.POLYGLOT and "PDF précédé" in message

    def test_a_pdf_header_after_other_bytes(self):
        assert refused(b"<html><!-- " + pdf())[0] == content.POLYGLOT

    def test_the_zip_signature_met_by_chance_is_not_an_archive(self):
        # "PK\3\4" followed by nonsense (version 0xffff, unknown method): compressed data does that
        data = jpeg_with_comment(b"xxPK\x03\x04\xff\xff\xff\xff\xee\xee" + bytes(40))
        assert accept(data).content_type == content.JPEG

    def test_a_zip_is_refused_as_a_zip_even_with_a_pdf_header_inside(self):
        # refusals first: the ZIP signature at the start is not read as a PDF
        reason, message = refused(zip_archive(name="%PDF-1.7.txt"))
        assert reason == content.UNSUPPORTED_TYPE and "archive ZIP" in message


class TestPdfActiveContent:
    def test_javascript_open_action(self):
        reason, message = refused(handmade_pdf(b"/OpenAction 4 0 R", JS_ACTION))
        assert reason == content.PDF_JAVASCRIPT and "JavaScript" in message

    def test_document_level_javascript_name_tree(self):
        data = handmade_pdf(b"/Names << /JavaScript 4 0 R >>", b"<< /Names [(a) 5 0 R] >>", JS_ACTION)
        assert refused(data)[0] == content.PDF_JAVASCRIPT

    def test_javascript_behind_hex_escaped_names(self):
        data = handmade_pdf(b"/OpenAction 4 0 R", rb"<< /S /J#61vaScript /J#53 (app.alert\(1\)) >>")
        assert refused(data)[0] == content.PDF_JAVASCRIPT

    def test_javascript_inside_a_compressed_object_stream(self):
        hidden = rb"<< /S /J#61v#61Script /#4A#53 (this.exportDataObject\({cName: 'a'}\)) >>"
        data = pdf_with_object_stream(hidden)
        assert b"JavaScript" not in data and b"Java#" not in data      # nothing to see in the raw bytes
        assert refused(data)[0] == content.PDF_JAVASCRIPT

    def test_a_launch_action_inside_a_compressed_object_stream(self):
        data = pdf_with_object_stream(rb"<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>")
        reason, message = refused(data)
        assert reason == content.PDF_LAUNCH and "/Launch" in message

    def test_a_launch_action_on_a_page(self):
        data = handmade_pdf(b"", b"<< /S /L#61unch /F (evil.exe) >>")      # even unreferenced: the raw scan
        assert refused(data)[0] == content.PDF_LAUNCH

    def test_a_script_referenced_indirectly(self):
        data = handmade_pdf(b"/OpenAction << /S 4 0 R /JS 5 0 R >>", b"/JavaScript",
                            b"<< /Length 12 >>\nstream\napp.alert(1)\nendstream")
        assert refused(data)[0] == content.PDF_JAVASCRIPT

    def test_a_javascript_uri(self):
        data = handmade_pdf(b"/OpenAction << /S /URI /URI (javascript:alert\\(1\\)) >>")
        assert refused(data)[0] == content.PDF_JAVASCRIPT

    def test_an_embedded_file(self):
        from pypdf import PdfReader, PdfWriter
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
        writer.add_attachment("resultats.exe", b"MZ" + bytes(100))
        out = io.BytesIO()
        writer.write(out)
        reason, message = refused(out.getvalue())
        assert reason == content.PDF_EMBEDDED_FILE and "fichiers joints" in message

    def test_an_embedded_file_inside_a_compressed_object_stream(self):
        data = pdf_with_object_stream(b"<< /Type /Filespec /F (a.exe) /EF << /F 3 0 R >> >>",
                                      catalog_extra=b"/AF [4 0 R]")
        assert refused(data)[0] == content.PDF_EMBEDDED_FILE

    def test_a_page_open_action_and_a_font_named_js_are_fine(self):
        data = handmade_pdf(b"/OpenAction [3 0 R /Fit]",
                            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                            resources=b"/Font << /JS 4 0 R >>")
        assert accept(data).content_type == content.PDF

    def test_an_honest_pdf_in_an_object_stream_is_fine(self):
        assert accept(pdf_with_object_stream(b"<< /Producer (Logiciel de cabinet) >>",
                                             catalog_extra=b"")).content_type == content.PDF


class TestRtf:
    def test_an_embedded_object(self):
        reason, message = refused(RTF_WITH_OBJECT)
        assert reason == content.RTF_EMBEDDED_OBJECT and "\\object" in message

    @pytest.mark.parametrize("word", [rb"\objdata", rb"\objemb", rb"\objlink", rb"\objautlink", rb"\objocx",
                                      rb"\OBJDATA", rb"\*\datastore"])
    def test_each_object_control_word(self, word):
        assert refused(rb"{\rtf1\ansi {" + word + rb" 0105000002000000}\par}")[0] == content.RTF_EMBEDDED_OBJECT

    @pytest.mark.parametrize("field", [rb"{\field{\*\fldinst DDEAUTO c:\\windows\\system32\\cmd.exe \"/k calc\"}}",
                                       rb"{\field{\*\fldinst {\rtlch\fcs1 DD}{E c:\\x.exe}}{\fldrslt}}",
                                       rb"{\field{\*\fldinst {\*\x}\'44\'44E c:\\x.exe}{\fldrslt}}"])
    def test_a_dde_field(self, field):
        reason, message = refused(rb"{\rtf1\ansi " + field + rb"\par}")
        assert reason == content.RTF_DDE_FIELD and "DDE" in message

    def test_an_ordinary_field_is_fine(self):
        assert accept(rb"{\rtf1\ansi {\field{\*\fldinst PAGE}{\fldrslt 1}}\par}").content_type == content.RTF

    def test_the_word_object_in_the_text_is_fine(self):
        assert accept(rb"{\rtf1\ansi Objet : object de la consultation\par}").content_type == content.RTF
        assert accept(RTF).content_type == content.RTF


def progressive_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((96, 96), 50).convert("RGB").save(out, "JPEG", progressive=True)
    return out.getvalue()


class TestImages:
    def test_a_jpeg_with_a_damaged_scan(self):
        reason, message = refused(jpeg_scan_damaged())
        assert reason == content.CORRUPT and "JPEG" in message

    def test_a_jpeg_without_its_end(self):
        data = jpeg()
        assert refused(data[:data.rfind(b"\xff\xd9")]) == (content.CORRUPT, "L'image JPEG est tronquée (fin d'image absente)")

    def test_a_jpeg_segment_running_past_the_end(self):
        data = jpeg()
        assert refused(data[:2] + b"\xff\xe1\xff\xf0" + data[2:30])[0] == content.CORRUPT

    def test_a_truncated_tiff(self):
        data = tiff(size=(200, 200))
        assert refused(data[:len(data) // 2])[0] == content.CORRUPT

    def test_a_tiff_whose_strips_point_past_the_end(self):
        data = bytearray(tiff(size=(64, 64)))
        (ifd,) = struct.unpack_from("<I", data, 4)
        (count,) = struct.unpack_from("<H", data, ifd)
        for n in range(count):
            entry = ifd + 2 + 12 * n
            if struct.unpack_from("<H", data, entry)[0] == 273:          # StripOffsets
                struct.pack_into("<I", data, entry + 8, len(data) + 10_000)
        assert refused(bytes(data))[0] == content.CORRUPT

    def test_the_segment_helpers_rebuild_an_honest_jpeg(self):
        data = progressive_jpeg()
        assert jpeg_joined(jpeg_segments(data)) == data

    def test_a_jpeg_without_quantization_tables_is_refused_by_the_decoder(self):
        # the walk lets it through; libjpeg, decoding the first scan, refuses it
        assert refused(jpeg_changed(jpeg(), 0xDB, lambda body: None))[0] == content.CORRUPT

    def test_a_scan_using_an_undefined_huffman_table_is_refused_by_the_decoder(self):
        def table_3(body: bytes) -> bytes:
            return body[:2] + b"\x33" + body[3:]
        assert refused(jpeg_changed(jpeg(), 0xDA, table_3))[0] == content.CORRUPT

    @pytest.mark.parametrize("nth", [0, 3])
    def test_a_scan_naming_a_component_the_frame_lacks(self, nth):
        # the fourth scan of a progressive JPEG is past what libjpeg decodes: the walk reads every scan header
        def component_9(body: bytes) -> bytes:
            return body[:1] + b"\x09" + body[2:]
        assert refused(jpeg_changed(progressive_jpeg(), 0xDA, component_9, nth=nth)) == \
            (content.CORRUPT, "L'image JPEG est endommagée (structure invalide)")

    def test_a_later_bogus_huffman_table(self):
        def too_many_codes(body: bytes) -> bytes:
            return body[:1] + b"\xff" * 16 + body[17:]
        data = progressive_jpeg()
        later = sum(1 for marker, _ in jpeg_segments(data) if marker == 0xC4) - 1
        assert refused(jpeg_changed(data, 0xC4, too_many_codes, nth=later))[0] == content.CORRUPT

    @pytest.mark.parametrize("change", [lambda body: body[:3] + b"\x00\x00" + body[5:],    # no width
                                        lambda body: b"\x07" + body[1:],                    # 7-bit samples
                                        lambda body: body[:5] + b"\x00" + body[6:]])        # no component
    def test_a_frame_header_no_decoder_reads(self, change):
        assert refused(jpeg_changed(jpeg(), 0xC0, change))[0] == content.CORRUPT

    @pytest.mark.parametrize("options", [{}, {"progressive": True}, {"exif": Image.Exif()}, {"quality": 30}])
    def test_honest_jpegs_pass_the_structure_walk(self, options):
        out = io.BytesIO()
        Image.effect_noise((640, 480), 50).convert("RGB").save(out, "JPEG", **options)
        assert accept(out.getvalue()).content_type == content.JPEG

    def test_a_large_photo_is_checked_in_time(self):
        import time
        out = io.BytesIO()
        Image.effect_noise((2400, 1800), 90).convert("RGB").save(out, "JPEG", quality=95)
        assert len(out.getvalue()) > 2_000_000
        started = time.perf_counter()
        assert accept(out.getvalue()).content_type == content.JPEG
        assert time.perf_counter() - started < 5

    def test_a_png_is_still_converted(self):
        assert accept(png()).content_type == content.JPEG


class TestText:
    def test_utf16(self):
        reason, message = refused("Compte rendu de consultation".encode("utf-16"))
        assert reason == content.INVALID_TEXT and "UTF-16" in message

    def test_neither_utf8_nor_windows_1252(self):
        reason, message = refused(b"Tension 12/8 \x81\x8d suite")
        assert reason == content.INVALID_TEXT and "ni en UTF-8 ni en Windows-1252" in message

    def test_a_c1_control_character(self):
        reason, message = refused("Compte rendu\u0085 suite".encode())
        assert reason == content.INVALID_TEXT and "U+0085" in message

    def test_an_escape_sequence(self):
        reason, message = refused(b"Compte rendu \x1b[2J efface l'ecran")
        assert reason == content.INVALID_TEXT and "U+001B" in message

    def test_random_bytes_are_not_called_text(self):
        import random
        noise = random.Random(7).randbytes(4000)
        assert refused(noise)[0] == content.UNSUPPORTED_TYPE
