"""A process tells whoever started it which port it bound: PORT_FILE, written in one step."""
from __future__ import annotations

from meskit.server import report_port


class TestReportPort:
    def test_writes_the_port_and_leaves_no_partial_file(self, tmp_path):
        port_file = tmp_path / "identity.port"
        report_port(str(port_file), 43567)
        assert port_file.read_text() == "43567\n"
        assert [p.name for p in tmp_path.iterdir()] == ["identity.port"]

    def test_a_restart_replaces_the_previous_port(self, tmp_path):
        port_file = tmp_path / "identity.port"
        report_port(str(port_file), 43567)
        report_port(str(port_file), 50051)
        assert int(port_file.read_text()) == 50051

    def test_without_a_port_file_nothing_is_written(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)
        report_port("", 43567)
        assert list(tmp_path.iterdir()) == []
