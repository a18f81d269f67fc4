from __future__ import annotations

import pytest

from audit_fakes import FakeLog


@pytest.fixture
def fake_log():
    return FakeLog()
