"""`buf lint` (STANDARD and COMMENTS rules) and `buf breaking` (against the last released image) over
protos/, and planted violations of each that buf must refuse with the rule that names them."""
from __future__ import annotations

import pytest

from protoskit import RELEASE_IMAGE, ROOT, findings, plant, report, run_buf

DOCUMENTS = "protos/mes/documents/v1/documents.proto"
VISIBILITY_MASKED = "  bool masked = 1;\n"


class TestContract:
    def test_passes_buf_lint(self, buf):
        result = run_buf(buf, ROOT, "lint", "protos")
        assert result.returncode == 0, report(result)

    def test_breaks_nothing_of_the_last_release(self, buf):
        result = run_buf(buf, ROOT, "breaking", "protos", "--against", str(RELEASE_IMAGE))
        assert result.returncode == 0, report(result)


class TestBufLint:
    @pytest.mark.parametrize("old, new, rule", [
        ("  string display_name = 3;\n", "  string displayName = 3;\n", "FIELD_LOWER_SNAKE_CASE"),
        (VISIBILITY_MASKED, VISIBILITY_MASKED + "  bool undocumented = 9;\n", "COMMENT_FIELD"),
        ("message DocumentVisibility {\n", "message DocumentVisibility {}\nmessage Undocumented {\n",
         "COMMENT_MESSAGE"),
    ], ids=["camel-case-field", "field-without-comment", "message-without-comment"])
    def test_refuses_a_planted_violation(self, buf, workspace, old, new, rule):
        plant(workspace / DOCUMENTS, old, new)
        result = run_buf(buf, workspace, "lint", "protos")
        assert result.returncode != 0
        assert rule in {f["type"] for f in findings(result)}, report(result)


class TestBufBreaking:
    @pytest.mark.parametrize("old, new, rule", [
        (VISIBILITY_MASKED, "", "FIELD_NO_DELETE"),
        (VISIBILITY_MASKED, "  bool masked = 9;\n", "FIELD_NO_DELETE"),
        (VISIBILITY_MASKED, "  string masked = 1;\n", "FIELD_SAME_TYPE"),
    ], ids=["removed-field", "renumbered-field", "retyped-field"])
    def test_refuses_a_planted_break(self, buf, workspace, old, new, rule):
        plant(workspace / DOCUMENTS, old, new)
        result = run_buf(buf, workspace, "breaking", "protos", "--against", str(RELEASE_IMAGE))
        assert result.returncode != 0
        assert rule in {f["type"] for f in findings(result)}, report(result)
