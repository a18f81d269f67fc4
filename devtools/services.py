"""The platform's services, one folder each: `services/<name>/<name>/__main__.py`.

The one list every other place derives from (the local platform, the test paths, the image,
the chart's drift test). What a service needs is read from its own code: the settings class in
`<name>/config.py` (the variables it reads) and its proto (`mes.<name>.v1`, its health name).
"""
from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

from meskit.config import CommonSettings, env_names

ROOT = Path(__file__).resolve().parent.parent
SERVICES_DIR = ROOT / "services"
GATEWAY = "gateway"
PORTAL = "portal"          # the web portal: HTTP, after the gateway, whose public API it calls

# `make run`'s well-known ports, the ones the README lists; a service missing here gets a free one.
WELL_KNOWN_PORTS = {PORTAL: 8000, GATEWAY: 8080, "identity": 50051, "documents": 50052, "messaging": 50053,
                    "agenda": 50054, "audit": 50055, "notifications": 50056, "smtp": 2525}


def names() -> list[str]:
    """Every service, the gateway included, sorted."""
    return sorted(p.name for p in SERVICES_DIR.iterdir() if (p / p.name / "__main__.py").is_file())


def grpc_services() -> list[str]:
    """The services with a gRPC contract of their own, `protos/mes/<name>/v1/<name>.proto`."""
    return [n for n in names() if (ROOT / "protos" / "mes" / n / "v1" / f"{n}.proto").is_file()]


def source_paths() -> list[Path]:
    """What goes on the Python path to import the kit, the generated code and every service."""
    return [ROOT / "lib", ROOT / "build" / "gen", ROOT, *(SERVICES_DIR / n for n in names())]


def health_name(service: str) -> str:
    """The full name of the service's gRPC service, from its generated descriptor."""
    module = importlib.import_module(f"mes.{service}.v1.{service}_pb2")
    (descriptor,) = module.DESCRIPTOR.services_by_name.values()
    return descriptor.full_name


def settings_class(service: str) -> type:
    """The settings dataclass of `<service>/config.py`, or the common one for a service without one."""
    try:
        module = importlib.import_module(f"{service}.config")
    except ModuleNotFoundError as exc:
        if exc.name != f"{service}.config":
            raise
        return CommonSettings
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == module.__name__
               and env_names(c)]
    assert len(classes) == 1, f"{service}.config: expected one settings class, found {classes}"
    return classes[0]


def reads(service: str) -> set[str]:
    """Every environment variable the service's settings read (the gateway also reads the
    `<NAME>_ADDR` of any service: it routes to every proto package)."""
    names = set(env_names(settings_class(service)))
    if service == GATEWAY:
        names |= {address_variable(n) for n in grpc_services()}
    return names


def required(service: str) -> set[str]:
    """The variables without a default: the service refuses to start without them."""
    return {f.metadata["env"] for f in dataclasses.fields(settings_class(service))
            if f.metadata.get("env") and f.default is dataclasses.MISSING}


def address_variable(service: str) -> str:
    return f"{service.upper()}_ADDR"


def callees(service: str) -> list[str]:
    """The gRPC services whose `<NAME>_ADDR` this service reads."""
    variables = reads(service)
    return [n for n in grpc_services() if n != service and address_variable(n) in variables]
