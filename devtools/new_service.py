"""`python -m devtools.new_service NAME`: a new gRPC service with the standard inside.

It writes services/NAME/ (config, wiring, __main__, api/, domain/, adapters/, a first migration,
README), its contract protos/mes/NAME/v1/NAME.proto, a first test under tests/integration/NAME/,
and its entry in the chart (values.yaml and values.schema.json); then it generates the gRPC code.
Everything else (the local platform, the test paths, the image, the chart's drift test) finds the
service by its folder. Until its RPCs are written, it runs its contract only: it verifies tokens,
owns its migrated database and reports health under its gRPC name, and every RPC answers
UNIMPLEMENTED.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent     # runs without PYTHONPATH: imports nothing of the kit
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def files(name: str) -> dict[str, str]:
    """Relative path -> content of everything the service starts with."""
    service = f"{camel(name)}Service"
    package = f"services/{name}/{name}"
    return {
        f"protos/mes/{name}/v1/{name}.proto": f'''\
// {camel(name)}: what it owns and for whom (replace this line when its contract is written).
syntax = "proto3";

package mes.{name}.v1;

// The {name} service. Its readiness is reported under this name (grpc.health.v1).
service {service} {{}}
''',
        f"services/{name}/README.md": f'''\
# {name}

Contract: `protos/mes/{name}/v1/{name}.proto`. Until its RPCs are written, the service runs with the
shared kit: token verification, health (NOT_SERVING until its database answers), metrics, JSON
logs, its own versioned database.

- Environment: the common settings of `meskit.config.CommonSettings` and those of `{name}/config.py`.
- `python -m {name}` serves; `python -m {name} migrate` upgrades its database.
- Layout: `api/` thin servicers, `domain/` use-cases (no grpc, no sqlalchemy), `adapters/`
  repositories and clients of other services, `migrations/versions/` its schema.
''',
        f"{package}/__init__.py": "",
        f"{package}/__main__.py": f'''\
from meskit.runner import main

from {name}.config import {camel(name)}Settings
from {name}.wiring import VERSIONS_DIR, build

main({camel(name)}Settings, build, VERSIONS_DIR)
''',
        f"{package}/config.py": f'''\
from __future__ import annotations

from dataclasses import dataclass

from meskit.config import CommonSettings


@dataclass(frozen=True, kw_only=True)
class {camel(name)}Settings(CommonSettings):
    """The common settings; add this service's own with `meskit.config.env(...)`."""
''',
        f"{package}/wiring.py": f'''\
"""Composition root of {name}."""
from __future__ import annotations

from pathlib import Path

from mes.{name}.v1 import {name}_pb2, {name}_pb2_grpc

from meskit import db
from meskit.runner import verifier_for
from meskit.server import Registration, build_server

from {name}.api.servicer import {service}Servicer
from {name}.config import {camel(name)}Settings

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
SERVICE_NAME = {name}_pb2.DESCRIPTOR.services_by_name["{service}"].full_name


def build(settings: {camel(name)}Settings, **overrides):
    """(KitServer, engine, on_stop) for `meskit.runner.main`."""
    engine = overrides.get("engine") or db.make_engine(settings.database_url)
    kit = build_server(service=settings.service_name, port=settings.grpc_port,
                       verifier=overrides.get("verifier") or verifier_for(settings),
                       registrations=[Registration({name}_pb2_grpc.add_{service}Servicer_to_server,
                                                   {service}Servicer(), SERVICE_NAME)])
    return kit, engine, lambda: None
''',
        f"{package}/api/__init__.py": "",
        f"{package}/api/servicer.py": f'''\
"""Thin servicers: proto -> domain arguments, one use-case call, domain result -> proto."""
from __future__ import annotations

from mes.{name}.v1 import {name}_pb2_grpc


class {service}Servicer({name}_pb2_grpc.{service}Servicer):
    """Every RPC not written here answers UNIMPLEMENTED (the generated default)."""
''',
        f"{package}/domain/__init__.py": '"""Use-cases, models and errors: imports neither grpc, sqlalchemy nor generated code."""\n',
        f"{package}/adapters/__init__.py": '"""Repositories, object storage and clients of other services."""\n',
        f"{package}/migrations/versions/0001_baseline.py": f'''\
"""{camel(name)} baseline: the database exists and is versioned; tables come with the service's RPCs.

Revision ID: 0001
"""
revision = "0001"
down_revision = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
''',
        f"tests/integration/{name}/test_{name}_service.py": f'''\
"""{name} as a process: it migrates its own database, binds a free port, reports it, and answers
health under its gRPC service name."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devtools.platform import ROOT, python_path, terminate
from devtools.services import health_name
from meskit import auth


def test_it_migrates_starts_and_answers_health(new_database, tmp_path):
    signer = auth.TokenSigner(auth.generate_private_key_pem(), issuer="mes-identity", audience="mes-api",
                              ttl_seconds=60)
    (tmp_path / "jwks.json").write_text(json.dumps(signer.jwks()))
    port_file = tmp_path / "port"
    env = {{**os.environ, "PYTHONPATH": python_path("{name}"), "SERVICE_NAME": "{name}",
           "DATABASE_URL": new_database("{name}"), "JWKS_FILE": str(tmp_path / "jwks.json"),
           "METRICS_PORT": "-1", "PORT_FILE": str(port_file)}}
    migrate = subprocess.run([sys.executable, "-m", "{name}", "migrate"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    process = subprocess.Popen([sys.executable, "-m", "{name}"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output = []
        for line in process.stdout:     # its log, until the line saying it serves (after PORT_FILE)
            output.append(line.decode(errors="replace"))
            if line.startswith(b"{{") and json.loads(line).get("message") == "serving":
                break
        assert port_file.exists(), "".join(output)
        health = ""
        with grpc.insecure_channel(f"127.0.0.1:{{int(port_file.read_text())}}") as channel:
            request = health_pb2.HealthCheckRequest(service=health_name("{name}"))
            for reply in health_pb2_grpc.HealthStub(channel).Watch(request, timeout=30):
                health = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
                if health == "SERVING":
                    break
        assert health == "SERVING"
    finally:
        terminate(process, grace=10)
''',
    }


def add_to_chart(root: Path, name: str) -> None:
    """The service's entry in values.yaml (before the gateway's) and in the schema's list."""
    values = root / "helm" / "mes" / "values.yaml"
    text = values.read_text()
    head, services = text.split("\nservices:\n", 1)
    entry = f"  {name}:\n    healthService: mes.{name}.v1.{camel(name)}Service\n"
    if "\n  gateway:\n" in "\n" + services:
        services = ("\n" + services).replace("\n  gateway:\n", "\n" + entry + "  gateway:\n", 1)[1:]
    else:
        services += entry
    values.write_text(f"{head}\nservices:\n{services}")
    schema_path = root / "helm" / "mes" / "values.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["properties"]["services"]["properties"][name] = {"$ref": "#/$defs/service"}
    schema_path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


def create(name: str, root: Path = ROOT) -> list[Path]:
    if not NAME.match(name):
        raise SystemExit(f"{name!r}: a service name is lower case letters, digits and single underscores")
    if (root / "services" / name).exists() or (root / "protos" / "mes" / name).exists():
        raise SystemExit(f"{name!r} exists already")
    written = []
    for relative, content in files(name).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        written.append(path)
    add_to_chart(root, name)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help="the service's name, e.g. billing or demo_probe")
    parser.add_argument("--no-gen", action="store_true", help="do not regenerate build/gen from the protos")
    args = parser.parse_args(argv)
    written = create(args.name)
    for path in written:
        print(f"created {path.relative_to(ROOT)}")
    print("added services." + args.name + " to helm/mes/values.yaml and values.schema.json")
    if not args.no_gen:
        subprocess.run([str(ROOT / "scripts" / "gen-protos.sh")], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHON": sys.executable})
    # the API reference in docs/api covers every contract (its test compares it with the protos)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-api-docs.py")], cwd=ROOT, check=True)
    print(f"Next: write its contract, describe it in README.md's table of services, and set its `calls`"
          f" and `uses` in the chart if it needs more than identity and its database.")


if __name__ == "__main__":
    main()
