"""Fixtures of the contract checks: a real buf (scripts/get-buf.sh) and scratch copies of the workspace."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from protoskit import ROOT, fetch_buf


@pytest.fixture(scope="session")
def buf() -> Path:
    return fetch_buf()


@pytest.fixture
def workspace(buf, tmp_path) -> Path:
    """A copy of the buf workspace (buf.yaml, protos/, the googleapis module) to plant violations in."""
    shutil.copy(ROOT / "buf.yaml", tmp_path / "buf.yaml")
    shutil.copytree(ROOT / "protos", tmp_path / "protos")
    shutil.copytree(ROOT / "build" / "buf" / "googleapis", tmp_path / "build" / "buf" / "googleapis")
    return tmp_path
