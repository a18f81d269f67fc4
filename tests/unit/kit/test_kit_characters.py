"""Which characters a string field may hold, and how the refused ones are named."""
from __future__ import annotations

import pytest
from google.protobuf import struct_pb2
from mes.documents.v1 import documents_pb2 as dpb
from mes.identity.v1 import identity_pb2 as ipb

from meskit import characters
from meskit.errors import InvalidArgument


class TestHasControl:
    @pytest.mark.parametrize("text", ["a\x00b", "\x01", "fin\x1f", "\x7f", "\x0b", "\x0c", "\x1b[31m"])
    def test_refuses_nul_and_other_c0_controls_and_del(self, text):
        assert characters.has_control(text)

    @pytest.mark.parametrize("text", ["", "Jacqueline Martin", "ligne 1\nligne 2\r\n\tfin", "é à ç ß 医 🩺",
                                      "\u00a0\u200b\u0085"])
    def test_allows_tab_newlines_and_any_other_character(self, text):
        assert not characters.has_control(text)


class TestRefuseControls:
    def test_names_the_nested_field(self):
        request = dpb.UploadDocumentRequest(metadata=dpb.UploadDocumentMetadata(title="Compte\x00rendu"))
        with pytest.raises(InvalidArgument) as caught:
            characters.refuse_controls(request)
        assert caught.value.reason == "CONTROL_CHARACTER"
        assert [(v.field, v.description) for v in caught.value.violations] == [
            ("metadata.title", "caractère de contrôle interdit")]
        assert "metadata.title" in caught.value.message

    def test_names_every_offending_field_of_repeated_and_map_values(self):
        value = struct_pb2.Struct()
        value.fields["ok"].string_value = "bien"
        value.fields["bad"].string_value = "mal\x07"
        value.fields["list"].list_value.values.add().string_value = "\x00"
        found = {v.field for v in characters.violations(value)}
        assert found == {"fields[bad].string_value", "fields[list].list_value.values[0].string_value"}

    def test_a_control_character_in_a_map_key_is_named_without_echoing_it(self):
        value = struct_pb2.Struct()
        value.fields["a\x00"].string_value = "x"
        assert [(v.field, v.description) for v in characters.violations(value)] == [
            ("fields", "caractère de contrôle interdit dans une clé")]

    def test_clean_messages_pass_unchanged_and_bytes_are_not_text(self):
        request = ipb.StartLoginRequest(login_id="jacqueline.martin")
        assert characters.refuse_controls(request) is request
        chunk = dpb.UploadDocumentRequest(chunk=b"\x00\x01\x7f")
        assert characters.refuse_controls(chunk) is chunk

    def test_tells_which_message_types_can_hold_text(self):
        assert not characters.holds_text(ipb.GetJwksRequest.DESCRIPTOR)
        assert not characters.holds_text(dpb.DeletePatientDocumentsResponse.DESCRIPTOR)
        assert characters.holds_text(dpb.UploadDocumentRequest.DESCRIPTOR)     # through its metadata
        assert characters.holds_text(struct_pb2.Struct.DESCRIPTOR)             # a recursive type
