"""The clock hook of end-to-end tests (meskit.clock): real time + the offset a file holds."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from meskit.clock import ClockOffsetError, OffsetClock


def near(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < timedelta(seconds=5)


def test_a_missing_or_empty_file_is_the_real_clock(tmp_path):
    path = tmp_path / "offset"
    clock = OffsetClock(str(path))
    assert near(clock(), datetime.now(timezone.utc)) and clock().tzinfo is not None
    path.write_text("  \n")
    assert clock.offset == timedelta(0)


def test_the_offset_moves_the_clock_and_is_read_again_when_the_file_changes(tmp_path):
    path = tmp_path / "offset"
    path.write_text("86400\n")
    clock = OffsetClock(str(path))
    assert near(clock(), datetime.now(timezone.utc) + timedelta(days=1))
    path.write_text("-3600.5")
    os.utime(path, ns=(1, 10 ** 18))          # a new mtime, whatever the filesystem's resolution
    assert clock.offset == timedelta(seconds=-3600.5)
    path.unlink()
    assert clock.offset == timedelta(0)


def test_the_file_is_not_read_again_while_it_does_not_change(tmp_path):
    path = tmp_path / "offset"
    path.write_text("60")
    clock = OffsetClock(str(path))
    stat = path.stat()
    path.write_text("90")                      # same size: only a new mtime says it changed
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert clock.offset == timedelta(seconds=60)


@pytest.mark.parametrize("text", ["tomorrow", "1e400", "nan", "12 h"])
def test_a_malformed_file_is_refused_at_start_and_when_it_changes(tmp_path, text):
    path = tmp_path / "offset"
    path.write_text(text)
    with pytest.raises(ClockOffsetError, match="offset"):
        OffsetClock(str(path))
    path.write_text("0")
    clock = OffsetClock(str(path))
    path.write_text(text)
    os.utime(path, ns=(1, 10 ** 18))
    with pytest.raises(ClockOffsetError):
        clock()
