from __future__ import annotations

import json

import pytest

from gateway import transcode
from gateway.problems import Problem

SHELF = ("GET", "/v1/shelves/{shelf_id}")
LIST = ("GET", "/v1/shelves")


def _violations(problem: Problem) -> dict[str, str]:
    return {v.field: v.description for v in problem.violations}


class TestPathAndQuery:
    def test_path_variables_fill_nested_fields(self, route_of):
        route = route_of("GET", "/v1/libraries/{library.id}/shelves/{shelf_id}")
        message = transcode.build_request(route, {"library.id": "l1", "shelf_id": "s1"}, "", None)
        assert message.library.id == "l1" and message.shelf_id == "s1"

    def test_query_accepts_json_and_proto_names(self, route_of):
        message = transcode.build_request(route_of(*LIST), {}, "pageSize=5&page_token=t&includeArchived=true", None)
        assert (message.page_size, message.page_token, message.include_archived) == (5, "t", True)

    def test_repeated_enums_nested_and_well_known_types(self, route_of):
        query = ("genres=GENRE_NOVEL&genres=2&library.city=Lyon&since=2025-01-31T09:30:00Z"
                 "&minCapacity=3&maxAge=1.5s&minPages=9007199254740993&ids=a&ids=b")
        message = transcode.build_request(route_of(*LIST), {}, query, None)
        assert list(message.genres) == [1, 2] and message.library.city == "Lyon"
        assert message.since.seconds == 1738315800 and message.min_capacity.value == 3
        assert message.max_age.ToJsonString() == "1.500s" and message.min_pages == 9007199254740993
        assert list(message.ids) == ["a", "b"]

    def test_rejects_bad_values_naming_each_parameter(self, route_of):
        with pytest.raises(Problem) as error:
            transcode.build_request(route_of(*LIST), {}, "pageSize=x&genres=GENRE_JAZZ&includeArchived=maybe"
                                                          "&since=yesterday&nope=1", None)
        assert error.value.status == 400 and error.value.reason == "INVALID_PARAMETER"
        assert set(_violations(error.value)) == {"pageSize", "genres", "includeArchived", "since", "nope"}

    def test_rejects_out_of_range_integers(self, route_of):
        with pytest.raises(Problem) as error:
            transcode.build_request(route_of(*LIST), {}, "pageSize=2147483648", None)
        assert "2147483647" in _violations(error.value)["pageSize"]

    def test_rejects_a_repeated_value_for_a_single_field(self, route_of):
        with pytest.raises(Problem) as error:
            transcode.build_request(route_of(*LIST), {}, "pageSize=1&page_size=2", None)
        assert "page_size" in _violations(error.value)

    def test_refuses_query_for_fields_bound_by_the_path(self, route_of):
        with pytest.raises(Problem) as error:
            transcode.build_request(route_of(*SHELF), {"shelf_id": "s1"}, "shelfId=other", None)
        assert "shelfId" in _violations(error.value)

    def test_refuses_query_when_the_body_takes_every_field(self, route_of):
        route = route_of("PATCH", "/v1/shelves/{shelf_id}")
        with pytest.raises(Problem):
            transcode.build_request(route, {"shelf_id": "s1"}, "theme=x", None)


class TestBody:
    def test_star_body_and_path_together_path_wins(self, route_of):
        route = route_of("PATCH", "/v1/shelves/{shelf_id}")
        body = {"shelfId": "from-body", "theme": "Polar", "books": [{"title": "T", "pages": "12"}]}
        message = transcode.build_request(route, {"shelf_id": "s1"}, "", body)
        assert (message.shelf_id, message.theme, message.books[0].pages) == ("s1", "Polar", 12)

    def test_body_field(self, route_of):
        route = route_of("POST", "/v1/shelves")
        message = transcode.build_request(route, {}, "requestId=r1", {"theme": "Polar"})
        assert message.shelf.theme == "Polar" and message.request_id == "r1"

    def test_rejects_field_of_wrong_type_with_its_path(self, route_of):
        route = route_of("PATCH", "/v1/shelves/{shelf_id}")
        body = {"theme": 3, "books": [{"title": "ok"}, {"pages": "many", "genre": "JAZZ", "ratings": {"a": "x"}}]}
        with pytest.raises(Problem) as error:
            transcode.build_request(route, {"shelf_id": "s1"}, "", body)
        assert set(_violations(error.value)) == {"theme", "books[1].pages", "books[1].genre", "books[1].ratings[a]"}

    def test_rejects_unknown_fields_at_any_depth(self, route_of):
        route = route_of("PATCH", "/v1/shelves/{shelf_id}")
        with pytest.raises(Problem) as error:
            transcode.build_request(route, {"shelf_id": "s1"}, "", {"colour": "red", "books": [{"isbn": "x"}]})
        assert _violations(error.value) == {"colour": "champ inconnu", "books[0].isbn": "champ inconnu"}

    @pytest.mark.parametrize("body", [[1, 2], "text", 3])
    def test_rejects_a_body_that_is_not_an_object(self, route_of, body):
        with pytest.raises(Problem) as error:
            transcode.build_request(route_of("PATCH", "/v1/shelves/{shelf_id}"), {"shelf_id": "s"}, "", body)
        assert error.value.status == 400

    def test_rejects_bad_timestamps(self, route_of):
        route = route_of("PATCH", "/v1/shelves/{shelf_id}")
        with pytest.raises(Problem) as error:
            transcode.build_request(route, {"shelf_id": "s"}, "", {"books": [{"publishedAt": "31/01/2025"}]})
        assert "RFC 3339" in _violations(error.value)["books[0].publishedAt"]


class TestParseJson:
    def test_malformed_json_says_where(self):
        with pytest.raises(Problem) as error:
            transcode.parse_json(b'{"a": ')
        assert error.value.reason == "MALFORMED_JSON" and "colonne 7" in error.value.detail

    def test_invalid_utf8(self):
        with pytest.raises(Problem):
            transcode.parse_json(b'{"a": "\xff"}')

    def test_deep_nesting_is_refused_not_crashed(self):
        with pytest.raises(Problem):
            transcode.parse_json(b"[" * 100_000)


class TestResponse:
    def test_proto3_json_conventions(self, sample_service):
        from google.protobuf import message_factory
        book_class = message_factory.GetMessageClass(sample_service.file.message_types_by_name["Book"])
        book = book_class(title="T", genre=1, pages=2**53 + 1)
        book.published_at.FromSeconds(0)
        document = json.loads(transcode.to_json(book))
        assert document["publishedAt"] == "1970-01-01T00:00:00Z"     # lowerCamelCase, RFC 3339
        assert document["genre"] == "GENRE_NOVEL"                   # enums by name
        assert document["pages"] == str(2**53 + 1)                  # 64-bit integers as strings
        assert document["authors"] == [] and document["price"] == 0  # fields without presence always
        assert document["name"] == ""

    def test_response_body_selects_one_field(self, sample_service):
        from google.protobuf import message_factory
        book_class = message_factory.GetMessageClass(sample_service.file.message_types_by_name["Book"])
        assert json.loads(transcode.to_json(book_class(title="Only"), "title")) == "Only"


def _filled(message, depth: int = 0, counter: list[int] | None = None):
    """`message` with every field set to a value that is not its default (nested down to depth 3),
    varying from field to field: NaN and infinities, unknown enum numbers, 64-bit integers, bytes,
    timestamps with 0, 3, 6 or 9 digits."""
    from google.protobuf.descriptor import FieldDescriptor as F
    counter = counter if counter is not None else [0]

    def scalar(field):
        counter[0] += 1
        n = counter[0]
        if field.enum_type is not None:
            numbers = [v.number for v in field.enum_type.values] + [99]
            return numbers[n % len(numbers)]
        if field.type == F.TYPE_BOOL:
            return n % 2 == 0
        if field.type == F.TYPE_STRING:
            return f"texte é {n}"
        if field.type == F.TYPE_BYTES:
            return bytes([n % 256, 0, 255])
        if field.cpp_type in (F.CPPTYPE_FLOAT, F.CPPTYPE_DOUBLE):
            return [float("nan"), float("inf"), float("-inf"), 0.1, 1e20, -2.5][n % 6]
        if field.cpp_type in (F.CPPTYPE_INT64, F.CPPTYPE_UINT64):
            return 2**53 + n
        return n

    def fill_message(target, full_name: str) -> None:
        counter[0] += 1
        n = counter[0]
        if full_name == "google.protobuf.Timestamp":
            target.seconds, target.nanos = [(0, 0), (1700000000, 123000000), (-62135596800, 456000),
                                            (253402300799, 999999999)][n % 4]
        elif full_name == "google.protobuf.Duration":
            target.seconds, target.nanos = n, 1000 * n
        elif full_name.startswith("google.protobuf."):
            if "value" in target.DESCRIPTOR.fields_by_name and full_name.endswith("Value") \
                    and full_name not in ("google.protobuf.Value", "google.protobuf.ListValue"):
                target.value = scalar(target.DESCRIPTOR.fields_by_name["value"])
        elif depth < 3:
            _filled(target, depth + 1, counter)

    for field in message.DESCRIPTOR.fields:
        if field.containing_oneof is not None and message.WhichOneof(field.containing_oneof.name):
            continue
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_field, value_field = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            for _ in range(2):
                key = scalar(key_field)
                if value_field.message_type is not None:
                    fill_message(value[key], value_field.message_type.full_name)
                else:
                    value[key] = scalar(value_field)
        elif field.message_type is not None:
            for _ in range(2 if field.is_repeated else 1):
                fill_message(value.add() if field.is_repeated else value, field.message_type.full_name)
        elif field.is_repeated:
            value.extend([scalar(field), scalar(field)])
        else:
            setattr(message, field.name, scalar(field))
    return message


class TestResponseAsJsonFormatPrintsIt:
    """to_dict prints from a plan per message type; it answers what json_format.MessageToDict does."""

    def messages(self, sample_service):
        from gateway import media, protos
        from google.protobuf import message_factory
        services = [*protos.services_of(protos.import_generated()), sample_service]
        types = {route.response_class.DESCRIPTOR.full_name: route.response_class
                 for service in services for route in media.routes_for(service)}
        types.update({route.request_class.DESCRIPTOR.full_name: route.request_class
                      for service in services for route in media.routes_for(service)})
        types["gwtest.v1.Shelf"] = message_factory.GetMessageClass(sample_service.file.message_types_by_name["Shelf"])
        return types

    def test_every_message_of_the_routes_empty_and_filled(self, sample_service):
        from google.protobuf import json_format
        types = self.messages(sample_service)
        assert len(types) > 100
        for name, message_class in sorted(types.items()):
            for message in (message_class(), _filled(message_class())):
                expected = json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
                assert json.dumps(transcode.to_dict(message), sort_keys=True) == json.dumps(expected, sort_keys=True), name

    def test_a_timestamp_out_of_range_is_refused_as_json_format_does(self, sample_service):
        from google.protobuf import message_factory
        book = message_factory.GetMessageClass(sample_service.file.message_types_by_name["Book"])()
        book.published_at.seconds = 253402300800
        with pytest.raises(ValueError):
            transcode.to_dict(book)
