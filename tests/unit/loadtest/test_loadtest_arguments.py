"""The kit's command line: locust runs in the work folder, so every folder it is given is absolute."""
from pathlib import Path

from loadtest.__main__ import arguments


def test_relative_folders_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = arguments(["--host", "http://127.0.0.1:8080", "--identity", "127.0.0.1:50051",
                      "--signing-key", "keys/signing-key.pem", "--mail-dir", "var/mail", "--work-dir", "build/loadtest"])
    assert args.work_dir == tmp_path / "build" / "loadtest"
    assert args.mail_dir == tmp_path / "var" / "mail"


def test_the_default_work_folder_is_absolute_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = arguments(["--host", "http://h", "--identity", "h:1", "--signing-key", "k.pem", "--smtp-port", "2525"])
    assert args.work_dir == Path(tmp_path, "build", "loadtest") and args.mail_dir is None
