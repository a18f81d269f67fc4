"""The tree the rules are checked on: the services folders, the paths the tools need, running a tool."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def services(root: Path = ROOT) -> list[str]:
    """Every folder services/<name>/ holding the package <name>."""
    return sorted(p.parent.name for p in (root / "services").glob("*/*/__init__.py") if p.parent.name == p.parent.parent.name)


def source_path(root: Path = ROOT) -> str:
    return os.pathsep.join(str(root / part) for part in ["lib", "build/gen", *(f"services/{s}" for s in services(root))])


def run(tool: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": source_path(cwd)}
    return subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
