from __future__ import annotations

import json

import pytest

from gateway.openapi import document


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.fixture(scope="module")
def spec(sample_routes):
    return document(sample_routes)


def _schema(spec, name):
    return spec["components"]["schemas"][name]


class TestDocument:
    def test_is_openapi_3_1_and_serialisable(self, spec):
        assert spec["openapi"] == "3.1.0" and json.loads(json.dumps(spec)) == spec

    def test_passes_a_validator_when_one_is_installed(self, spec):
        validator = pytest.importorskip("openapi_spec_validator")
        validator.validate(spec)

    def test_every_binding_is_a_path_and_method(self, spec, sample_routes):
        assert "purge" not in spec["paths"]["/v1/shelves/{shelfId}"]   # custom kinds are not OpenAPI methods
        for route in (r for r in sample_routes if r.http_method != "PURGE"):
            path = route.template.openapi_path(lambda v, r=route: ".".join(
                f.json_name for f in r.path_fields[r.template.variables.index(v)]))
            assert route.http_method.lower() in spec["paths"][path]

    def test_path_variables_use_json_names(self, spec):
        assert "/v1/libraries/{library.id}/shelves/{shelfId}" in spec["paths"]
        parameters = spec["paths"]["/v1/shelves/{shelfId}"]["get"]["parameters"]
        assert {"name": "shelfId", "in": "path", "required": True, "schema": {"type": "string"}} in parameters

    def test_security_only_on_protected_operations(self, spec):
        assert "security" not in spec["paths"]["/v1/shelves"]["get"]
        assert spec["paths"]["/v1/shelves/{shelfId}"]["get"]["security"] == [{"bearer": []}]
        assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    def test_every_ref_resolves(self, spec):
        for ref in _refs(spec):
            assert ref.removeprefix("#/components/schemas/") in spec["components"]["schemas"], ref

    def test_operation_ids_are_unique(self, spec):
        ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
        assert len(ids) == len(set(ids))

    def test_errors_are_problem_details(self, spec):
        for item in spec["paths"].values():
            for operation in item.values():
                assert operation["responses"]["default"]["content"]["application/problem+json"]["schema"] == \
                       {"$ref": "#/components/schemas/Problem"}
        assert {"code", "request_id"} <= set(_schema(spec, "Problem")["required"])

    def test_every_operation_documents_its_429_and_503_with_retry_after(self, spec):
        for item in spec["paths"].values():
            for operation in item.values():
                for status in ("429", "503"):
                    response = operation["responses"][status]
                    assert set(response["headers"]) == {"Retry-After"}
                    assert response["content"]["application/problem+json"]["schema"] == \
                           {"$ref": "#/components/schemas/Problem"}


class TestParameters:
    def test_query_parameters_cover_unbound_leaves(self, spec):
        names = {p["name"] for p in spec["paths"]["/v1/shelves"]["get"]["parameters"]}
        assert names == {"pageSize", "pageToken", "genres", "includeArchived", "library.id", "library.city",
                         "since", "minCapacity", "maxAge", "minPages", "ids"}

    def test_no_query_parameters_when_the_body_takes_all(self, spec):
        parameters = spec["paths"]["/v1/shelves/{shelfId}"]["patch"]["parameters"]
        assert [p["in"] for p in parameters] == ["path"]

    def test_star_body_leaves_out_path_fields(self, spec):
        body = spec["paths"]["/v1/shelves/{shelfId}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(body["properties"]) == {"theme", "books"}

    def test_body_field_schema(self, spec):
        body = spec["paths"]["/v1/shelves"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/gwtest.v1.Shelf"}


class TestSchemas:
    def test_field_types(self, spec):
        book = _schema(spec, "gwtest.v1.Book")["properties"]
        assert book["publishedAt"] == {"type": "string", "format": "date-time"}
        assert book["pages"]["type"] == "string" and book["pages"]["format"] == "int64"
        assert book["authors"] == {"type": "array", "items": {"type": "string"}}
        assert book["genre"] == {"$ref": "#/components/schemas/gwtest.v1.Genre"}
        assert book["ratings"] == {"type": "object", "additionalProperties": {"type": "integer", "format": "int32"}}
        assert book["price"] == {"type": "number", "format": "double"}

    def test_enums_are_string_enums(self, spec):
        assert _schema(spec, "gwtest.v1.Genre") == {
            "type": "string", "enum": ["GENRE_UNSPECIFIED", "GENRE_NOVEL", "GENRE_POETRY"]}

    def test_nested_messages_and_wrappers(self, spec):
        shelf = _schema(spec, "gwtest.v1.Shelf")["properties"]
        assert shelf["books"] == {"type": "array", "items": {"$ref": "#/components/schemas/gwtest.v1.Book"}}
        assert shelf["library"] == {"$ref": "#/components/schemas/gwtest.v1.Library"}
        assert shelf["capacity"]["type"] == ["integer", "null"]

    def test_streaming_and_response_body(self, spec):
        watch = spec["paths"]["/v1/shelves/{shelfId}:watch"]["get"]["responses"]["200"]["content"]
        assert watch["application/x-ndjson"]["schema"]["properties"]["result"] == \
               {"$ref": "#/components/schemas/gwtest.v1.Shelf"}
        title = spec["paths"]["/v1/files/{path}"]["get"]["responses"]["200"]["content"]["application/json"]
        assert title["schema"] == {"type": "string"}
