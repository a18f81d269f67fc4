"""The four rules and the types, checked over every service found under services/ (no list to keep).

`python -m devtools.rules` runs import-linter with the contracts of `.importlinter` and mypy with
`mypy.ini`, as tests/unit/rules does in `make test`. The contracts say `{services}` where the list
of services goes: each folder services/<name>/ holding the package <name>.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SERVICES_MARK = "{services}"


def services(root: Path = ROOT) -> list[str]:
    return sorted(p.parent.name for p in (root / "services").glob("*/*/__init__.py")
                  if p.parent.name == p.parent.parent.name)


def _env(root: Path) -> dict[str, str]:
    service_paths = os.pathsep.join(str(root / "services" / name) for name in services(root))
    python_path = os.pathsep.join([str(root / "lib"), str(root / "build" / "gen"), service_paths])
    return {**os.environ, "PYTHONPATH": python_path, "MYPYPATH": service_paths}


def import_contracts(root: Path = ROOT) -> str:
    """`.importlinter` with `{services}` expanded, one service a line, indented like the line it replaces."""
    lines = []
    for line in (root / ".importlinter").read_text(encoding="utf-8").splitlines():
        if line.strip() == SERVICES_MARK:
            indent = line[:len(line) - len(line.lstrip())]
            lines.extend(indent + name for name in services(root))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def lint_imports(root: Path = ROOT, *args: str) -> subprocess.CompletedProcess:
    config = root / "build" / "importlinter.ini"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(import_contracts(root), encoding="utf-8")
    return subprocess.run([str(BIN / "lint-imports"), "--config", str(config), "--no-logo",
                           "--cache-dir", str(root / "build" / ".import_linter_cache"), *args],
                          cwd=root, env=_env(root), capture_output=True, text=True, timeout=300)


def mypy(root: Path = ROOT, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "mypy"), "--config-file", str(root / "mypy.ini"), *args],
                          cwd=root, env=_env(root), capture_output=True, text=True, timeout=600)


def main() -> int:
    failed = False
    for name, check in (("import contracts", lint_imports), ("types", mypy)):
        result = check()
        print(f"== {name}\n{result.stdout}{result.stderr}", end="")
        failed = failed or result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
