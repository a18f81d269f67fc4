"""Finds the generated `mes.<service>.v<N>.*_pb2` modules, so a new service needs no gateway change."""
from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from google.protobuf.descriptor import ServiceDescriptor
from mes.options.v1 import options_pb2

_VERSION = re.compile(r"^v\d+$")


def import_generated(root: str = "mes") -> list[ModuleType]:
    """Import every `<root>.<service>.<version>.<name>_pb2` module found on sys.path."""
    package = importlib.import_module(root)
    modules = []
    for service in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not service.ispkg:
            continue
        service_package = importlib.import_module(f"{root}.{service.name}")
        for version in sorted(pkgutil.iter_modules(service_package.__path__), key=lambda m: m.name):
            if not (version.ispkg and _VERSION.match(version.name)):
                continue
            version_package = importlib.import_module(f"{root}.{service.name}.{version.name}")
            for module in sorted(pkgutil.iter_modules(version_package.__path__), key=lambda m: m.name):
                if module.name.endswith("_pb2"):
                    modules.append(importlib.import_module(f"{version_package.__name__}.{module.name}"))
    return modules


def services_of(modules: list[ModuleType]) -> list[ServiceDescriptor]:
    return [service for module in modules for service in module.DESCRIPTOR.services_by_name.values()]


def package_name(service: ServiceDescriptor) -> str:
    """'identity' for mes.identity.v1.IdentityService."""
    parts = service.file.package.split(".")
    return parts[1] if len(parts) >= 3 else parts[-1]


def upstream_name(service: ServiceDescriptor) -> str:
    """The `<NAME>_ADDR` that serves `service`: its package's, unless its contract names another
    (`(mes.options.v1.served_by)`, e.g. "identity" for mes.catalogue.v1.CatalogueService)."""
    options = service.GetOptions()
    if options.HasExtension(options_pb2.served_by) and options.Extensions[options_pb2.served_by]:
        return options.Extensions[options_pb2.served_by]
    return package_name(service)
