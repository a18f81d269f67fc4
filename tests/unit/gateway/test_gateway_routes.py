from __future__ import annotations

import pytest

from gateway import protos
from gateway.routes import BindingError, Router, routes_for


class TestRouteDerivation:
    def test_every_binding_becomes_a_route(self, sample_routes):
        assert {(r.http_method, r.template.text) for r in sample_routes} == {
            ("GET", "/v1/shelves/{shelf_id}"),
            ("GET", "/v1/libraries/{library.id}/shelves/{shelf_id}"),   # additional_bindings
            ("GET", "/v1/shelves"),
            ("POST", "/v1/shelves"),
            ("PATCH", "/v1/shelves/{shelf_id}"),
            ("POST", "/v1/shelves/{shelf_id}:archive"),
            ("GET", "/v1/{name=shelves/*/books/*}"),
            ("GET", "/v1/files/{path=**}"),
            ("PURGE", "/v1/shelves/{shelf_id}"),                         # custom verb
            ("GET", "/v1/shelves/{shelf_id}:watch"),
        }

    def test_skips_client_streaming_and_unbound_rpcs(self, sample_routes):
        names = {r.method.name for r in sample_routes}
        assert "UploadBooks" not in names and "Internal" not in names

    def test_reads_public_option_body_and_response_body(self, route_of):
        assert route_of("GET", "/v1/shelves").public
        assert not route_of("GET", "/v1/shelves/{shelf_id}").public
        assert route_of("POST", "/v1/shelves").body == "shelf"
        assert route_of("PATCH", "/v1/shelves/{shelf_id}").body == "*"
        assert route_of("GET", "/v1/files/{path=**}").response_body == "title"

    def test_marks_server_streaming(self, route_of):
        assert route_of("GET", "/v1/shelves/{shelf_id}:watch").server_streaming
        assert route_of("GET", "/v1/shelves/{shelf_id}").grpc_path == "/gwtest.v1.ShelfService/GetShelf"

    def test_path_variables_resolve_to_field_chains(self, route_of):
        route = route_of("GET", "/v1/libraries/{library.id}/shelves/{shelf_id}")
        assert [[f.name for f in chain] for chain in route.path_fields] == [["library", "id"], ["shelf_id"]]
        assert route.bound_paths == {"library.id", "shelf_id"}

    def test_the_real_contract_yields_routes_for_every_package(self):
        services = protos.services_of(protos.import_generated())
        table = [route for service in services for route in routes_for(service)]
        assert {"identity", "notifications"} <= {route.upstream for route in table}
        assert any(r.template.text == "/v1/sessions:start" and r.public for r in table)
        Router(table)   # no two RPCs claim the same method and path


class TestRouter:
    def test_literal_path(self, sample_router):
        assert sample_router.resolve("GET", "/v1/shelves").route.method.name == "ListShelves"

    def test_variables(self, sample_router):
        found = sample_router.resolve("GET", "/v1/libraries/l1/shelves/s1")
        assert found.route.method.name == "GetShelf" and found.variables == {"library.id": "l1", "shelf_id": "s1"}

    def test_verb_wins_over_a_variable_that_would_swallow_it(self, sample_router):
        found = sample_router.resolve("POST", "/v1/shelves/s1:archive")
        assert found.route.method.name == "ArchiveShelf" and found.variables == {"shelf_id": "s1"}
        assert sample_router.resolve("GET", "/v1/shelves/s1:watch").route.method.name == "WatchShelf"

    def test_method_chooses_among_bindings_of_one_path(self, sample_router):
        assert sample_router.resolve("PATCH", "/v1/shelves/s1").route.method.name == "UpdateShelf"
        assert sample_router.resolve("PURGE", "/v1/shelves/s1").route.method.name == "Purge"

    def test_wrong_method_lists_the_allowed_ones(self, sample_router):
        found = sample_router.resolve("DELETE", "/v1/shelves/s1")
        assert found.route is None and set(found.allowed) == {"GET", "PATCH", "PURGE"}

    def test_unknown_path(self, sample_router):
        found = sample_router.resolve("GET", "/v2/nothing")
        assert found.route is None and found.allowed == ()

    def test_multi_segment_variables(self, sample_router):
        assert sample_router.resolve("GET", "/v1/shelves/s1/books/b1").variables == {"name": "shelves/s1/books/b1"}
        assert sample_router.resolve("GET", "/v1/files/a/b/c").variables == {"path": "a/b/c"}

    def test_refuses_two_rpcs_on_one_method_and_path(self, sample_routes):
        with pytest.raises(BindingError, match="bound by both"):
            Router(sample_routes + sample_routes[:1])
