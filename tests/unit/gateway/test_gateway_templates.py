from __future__ import annotations

import pytest

from gateway.templates import TemplateError, parse, split_verb


class TestParsing:
    def test_literal_template(self):
        template = parse("/v1/sessions:start")
        assert template.is_literal and template.verb == "start" and template.variables == ()

    def test_variables_and_verb(self):
        template = parse("/v1/accounts/{account_id}:close")
        assert template.variables == ("account_id",) and template.verb == "close"
        assert template.segment_count == 3 and not template.is_literal

    def test_variable_with_segments(self):
        template = parse("/v1/{name=shelves/*/books/*}")
        assert template.variables == ("name",) and template.segment_count == 5

    def test_double_wildcard_leaves_the_length_open(self):
        assert parse("/v1/files/{path=**}").segment_count is None

    def test_nested_field_path(self):
        assert parse("/v1/libraries/{library.id}/shelves").variables == ("library.id",)

    @pytest.mark.parametrize("text", ["v1/no-slash", "/v1/{unclosed", "/v1/{a}/{a}", "/v1/**/tail",
                                      "/v1/{bad name}", "/v1/x:verb/more", "/v1//double"])
    def test_rejects_malformed_templates(self, text):
        with pytest.raises(TemplateError):
            parse(text)


class TestMatching:
    def test_binds_and_decodes_variables(self):
        assert parse("/v1/accounts/{account_id}").match("/v1/accounts/a%20b") == {"account_id": "a b"}

    def test_single_variable_stays_in_one_segment(self):
        assert parse("/v1/accounts/{account_id}").match("/v1/accounts/a/b") is None

    def test_segments_inside_a_variable(self):
        template = parse("/v1/{name=shelves/*/books/*}")
        assert template.match("/v1/shelves/s1/books/b2") == {"name": "shelves/s1/books/b2"}
        assert template.match("/v1/shelves/s1/magazines/b2") is None

    def test_double_wildcard_takes_the_rest(self):
        assert parse("/v1/files/{path=**}").match("/v1/files/a/b/c.txt") == {"path": "a/b/c.txt"}

    def test_openapi_path_renames_variables(self):
        template = parse("/v1/{name=shelves/*}/books/{book_id}:read")
        assert template.openapi_path(lambda v: v.upper()) == "/v1/{NAME}/books/{BOOK_ID}:read"


class TestSplitVerb:
    @pytest.mark.parametrize("path, expected", [
        ("/v1/sessions:start", ("/v1/sessions", "start")),
        ("/v1/accounts/a1:close", ("/v1/accounts/a1", "close")),
        ("/v1/accounts/a1", ("/v1/accounts/a1", "")),
        ("/v1/a:b/c", ("/v1/a:b/c", "")),
        ("/v1/:x", ("/v1/:x", "")),
    ])
    def test_splits_the_verb_of_the_last_segment(self, path, expected):
        assert split_verb(path) == expected
