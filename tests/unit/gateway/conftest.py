"""The sample contract (sample.proto) compiled once and added to the default descriptor pool."""
from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


@pytest.fixture(scope="session")
def sample_service(tmp_path_factory):
    import google.api
    import google.api.annotations_pb2  # noqa: F401  the pool must know the imports first
    import google.protobuf.duration_pb2  # noqa: F401
    import google.protobuf.timestamp_pb2  # noqa: F401
    import google.protobuf.wrappers_pb2  # noqa: F401
    from google.protobuf import descriptor_pb2, descriptor_pool
    from grpc_tools import protoc

    from mes.options.v1 import options_pb2  # noqa: F401

    out = tmp_path_factory.mktemp("sample") / "sample.pb"
    googleapis = os.path.dirname(os.path.dirname(google.api.__path__[0]))
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    assert protoc.main(["protoc", f"-I{ROOT / 'protos'}", f"-I{googleapis}", f"-I{well_known}", f"-I{HERE}",
                        f"--descriptor_set_out={out}", str(HERE / "sample.proto")]) == 0
    pool = descriptor_pool.Default()
    try:
        return pool.FindServiceByName("gwtest.v1.ShelfService")
    except KeyError:
        pass
    for file in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:
        pool.AddSerializedFile(file.SerializeToString())
    return pool.FindServiceByName("gwtest.v1.ShelfService")


@pytest.fixture(scope="session")
def sample_routes(sample_service):
    from gateway.routes import routes_for
    return routes_for(sample_service)


@pytest.fixture(scope="session")
def sample_router(sample_routes):
    from gateway.routes import Router
    return Router(sample_routes)


@pytest.fixture
def route_of(sample_routes):
    """The route bound to (HTTP method, template)."""
    def find(method: str, template: str):
        return next(r for r in sample_routes if r.http_method == method and r.template.text == template)
    return find
