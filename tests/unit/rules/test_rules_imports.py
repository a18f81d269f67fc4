"""The four import rules (.importlinter) hold on the tree, and a planted violation of each is refused."""
from __future__ import annotations

import configparser
import shutil

import pytest

from devtools import rules


def test_the_contracts_cover_every_service_folder():
    contracts = configparser.ConfigParser()
    contracts.read_string(rules.import_contracts())
    names = set(rules.services())
    assert {"identity", "documents", "notifications", "gateway"} <= names
    assert set(contracts["importlinter"]["root_packages"].split()) == names | {"meskit", "mes"}
    assert set(contracts["importlinter:contract:services-independent"]["modules"].split()) == names
    assert set(contracts["importlinter:contract:kit-imports-no-service"]["forbidden_modules"].split()) == names


def test_the_tree_keeps_every_contract():
    result = rules.lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


PLANTS = {   # id: (module planted in a copy of the tree, its source, what lint-imports must say)
    "service-imports-service": ("services/documents/documents/adapters/planted.py", "from identity.domain import models\n",
                                "documents is not allowed to import identity"),
    "kit-imports-service": ("lib/meskit/planted.py", "import notifications.domain.models\n",
                            "meskit is not allowed to import notifications"),
    "domain-imports-sqlalchemy": ("services/identity/identity/domain/planted.py", "import sqlalchemy\n",
                                  "identity.domain is not allowed to import sqlalchemy"),
    "domain-imports-grpc": ("services/audit/audit/domain/planted.py", "import grpc\n",
                            "audit.domain is not allowed to import grpc"),
    "domain-imports-generated-code": ("services/notifications/notifications/domain/planted.py",
                                      "from mes.notifications.v1 import notifications_pb2\n",
                                      "notifications.domain is not allowed to import mes"),
    "access-opens-a-socket": ("services/documents/documents/domain/access/planted_socket.py", "import socket\n",
                              "documents.domain.access is not allowed to import socket"),
    "access-reads-files": ("services/documents/documents/domain/access/planted_file.py", "from pathlib import Path\n",
                           "documents.domain.access is not allowed to import pathlib"),
    "access-uses-the-kit": ("services/documents/documents/domain/access/planted_kit.py", "from meskit import db\n",
                            "documents.domain.access is not allowed to import meskit"),
}


@pytest.fixture(scope="module")
def planted_report(tmp_path_factory) -> str:
    """lint-imports' report on a copy of the real tree (kit, generated stubs, services, contracts) with
    every violation of PLANTS planted at once: one run, each contract listing its own."""
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "migrations")
    for part in ("lib", "build/gen", "services"):
        shutil.copytree(rules.ROOT / part, root / part, ignore=ignore)
    shutil.copy(rules.ROOT / ".importlinter", root / ".importlinter")
    for module, source, _ in PLANTS.values():
        (root / module).write_text(source, encoding="utf-8")
    result = rules.lint_imports(root)
    assert result.returncode != 0, result.stdout + result.stderr
    return " ".join(result.stdout.split())


class TestPlantedViolations:
    def test_every_contract_is_broken(self, planted_report):
        assert "Contracts: 0 kept, 4 broken." in planted_report, planted_report

    @pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
    def test_is_refused(self, planted_report, plant):
        _, _, refusal = PLANTS[plant]
        assert refusal in planted_report, planted_report
