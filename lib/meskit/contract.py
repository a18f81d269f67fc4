"""Facts read from the generated service descriptors (the protos are the single source)."""
from __future__ import annotations

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import ServiceDescriptor


def service_descriptor(full_name: str) -> ServiceDescriptor:
    return descriptor_pool.Default().FindServiceByName(full_name)


def is_public(method) -> bool:
    from mes.options.v1 import options_pb2
    return method.GetOptions().Extensions[options_pb2.public]


def public_methods(full_name: str) -> set[str]:
    """Short names of the methods of `full_name` that need no access token."""
    return {m.name for m in service_descriptor(full_name).methods if is_public(m)}


def app_methods(full_name: str) -> set[str]:
    """Short names of the methods of `full_name` that connected apps' tokens may call."""
    from mes.options.v1 import options_pb2
    return {m.name for m in service_descriptor(full_name).methods if m.GetOptions().Extensions[options_pb2.apps]}
