"""Secret files replaced while a service runs: read again when they change, never lost to a bad write."""
from __future__ import annotations

import os

import pytest

from meskit.secret_files import WatchedFile


def replace(path, text: str) -> None:
    """The kubelet's way: the new version appears whole under the same name (another inode)."""
    staged = path.with_name("staged")
    staged.write_text(text)
    os.replace(staged, path)


def number(data: bytes) -> int:
    return int(data)


class TestWatchedFile:
    def test_a_new_version_is_read_at_the_next_look(self, tmp_path):
        path, now = tmp_path / "secret", [0.0]
        path.write_text("1")
        watched = WatchedFile(str(path), number, interval=5, clock=lambda: now[0])
        replace(path, "2")
        assert watched.value() == 1           # not looked at again yet
        now[0] += 5
        assert watched.value() == 2

    def test_a_version_that_does_not_parse_keeps_the_last_good_one(self, tmp_path):
        path = tmp_path / "secret"
        path.write_text("1")
        watched = WatchedFile(str(path), number, interval=0)
        replace(path, "half")
        assert watched.value() == 1
        replace(path, "3")
        assert watched.value() == 3

    def test_an_optional_file_may_come_and_go(self, tmp_path):
        path = tmp_path / "secret"
        watched = WatchedFile(str(path), number, interval=0, optional=True)
        assert watched.value() is None
        path.write_text("4")
        assert watched.value() == 4
        path.unlink()
        assert watched.value() is None

    def test_a_required_file_must_be_there_at_start_and_stays_once_read(self, tmp_path):
        path = tmp_path / "secret"
        with pytest.raises(FileNotFoundError):
            WatchedFile(str(path), number)
        path.write_text("5")
        watched = WatchedFile(str(path), number, interval=0)
        path.unlink()
        assert watched.value() == 5
