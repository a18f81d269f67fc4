"""An access context's version: what it names, and when it is no longer current."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from identity.domain.context_versions import ContextVersion, parse, read, still_current

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


class Versions:
    """A repository's access_versions, in memory."""

    def __init__(self, **versions: int):
        self.versions = versions

    def access_versions(self, subject_ids):
        return {s: self.versions[s] for s in subject_ids if s in self.versions}


def test_a_version_reads_back_as_written():
    version = ContextVersion("p", "pro", (("p", 3), ("pro", 0)), NOW + timedelta(hours=1))
    assert parse(version.token()) == version
    assert parse(ContextVersion("p", "", (("p", 1),)).token()) == ContextVersion("p", "", (("p", 1),))


def test_what_this_code_did_not_write_is_no_version():
    for token in ("", "x", "2|p||||p=1", "1|p||", "1|p|||p=one", "1|p||soon|p=1", "1||||p=1"):
        assert parse(token) is None


def test_people_never_changed_read_as_zero_and_ids_once_in_order():
    assert read(Versions(b=7), "b", "", ["b", "a", "b"], None).subjects == (("a", 0), ("b", 7))


def test_current_while_every_version_is_the_same_and_its_end_has_not_come():
    repo = Versions(p=3, pro=5)
    token = read(repo, "p", "pro", ["p", "pro"], NOW + timedelta(hours=1)).token()
    assert still_current(repo, token, "p", "pro", NOW)
    assert not still_current(repo, token, "p", "pro", NOW + timedelta(hours=1))
    assert not still_current(Versions(p=4, pro=5), token, "p", "pro", NOW)
    assert not still_current(Versions(p=3), token, "p", "pro", NOW)          # a row deleted


def test_a_version_holds_only_for_the_request_it_was_given_for():
    repo = Versions(p=3, q=3)
    token = read(repo, "p", "", ["p"], None).token()
    assert still_current(repo, token, "p", "", NOW)
    assert not still_current(repo, token, "q", "", NOW)
    assert not still_current(repo, token, "p", "pro", NOW)
