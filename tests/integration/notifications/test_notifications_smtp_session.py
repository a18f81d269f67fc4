"""The final "." and the "sent" record, against a real SMTP server: a mail is taken exactly when
it is recorded, and a sender killed between the two writes sends it twice rather than never."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import uuid

import pytest
import sqlalchemy as sa

from devtools.eventually import eventually, settled
from devtools.smtp_sink import read_mails
from notifications.adapters.queue import SentMarker
from notifications.adapters.smtp import SENT, TEMPORARY, SmtpConnection

MAIL = b"From: a@example.test\r\nTo: b@example.test\r\nSubject: Nouveau document\r\n\r\nBonjour\r\n"


def deliver(smtp, begin_mark):
    connection = SmtpConnection("127.0.0.1", smtp.port)
    try:
        return connection.deliver("a@example.test", "b@example.test", MAIL, begin_mark)
    finally:
        connection.close()


def taken(smtp) -> int:
    return len(read_mails(smtp.directory))


def settled_count(smtp) -> int:
    """How many mails the server took once nothing more arrives: the absence of a mail has no signal,
    so a "." that leaked out would show within the quiet time."""
    return settled(lambda: taken(smtp))


def test_a_recorded_mail_is_taken_once(smtp):
    outcome = deliver(smtp, lambda: (lambda: True))
    assert (outcome.kind, outcome.committed) == (SENT, True)
    assert taken(smtp) == 1                 # the 250 came after the server stored it
    assert settled_count(smtp) == 1


def test_when_the_record_cannot_be_sent_the_server_never_takes_the_mail(smtp):
    def database_down():
        raise TimeoutError("database not writable")
    outcome = deliver(smtp, database_down)
    assert outcome.kind == TEMPORARY
    assert settled_count(smtp) == 0


@pytest.mark.parametrize("kill_at", ["before the record", "after the record"])
def test_a_sender_killed_after_the_final_dot_has_its_mail_taken(smtp, kill_at):
    """SIGKILL while the "." is still held in the socket: the kernel flushes it as the process dies."""
    child = textwrap.dedent(f"""
        import os, signal
        from notifications.adapters.smtp import SmtpConnection

        def begin_mark():
            if {kill_at == "before the record"!r}:
                os.kill(os.getpid(), signal.SIGKILL)
            def answer():
                os.kill(os.getpid(), signal.SIGKILL)
            return answer

        SmtpConnection("127.0.0.1", {smtp.port}).deliver("a@example.test", "b@example.test", {MAIL!r}, begin_mark)
    """)
    result = subprocess.run([sys.executable, "-c", child], timeout=30,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    assert result.returncode == -9
    eventually(lambda: taken(smtp), what="the mail taken")
    assert settled_count(smtp) == 1


def test_a_mark_after_the_database_ended_the_markers_session_is_made_on_a_new_one(migrated_database):
    """A PostgreSQL restart ends the marker's idle session. The next mark follows a mail already
    sent: failing it would send that mail again once its lease runs out (the fault test, issue 18)."""
    url = migrated_database("notifications")
    marker = SentMarker(url)
    admin = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")   # fresh statistics
    try:
        assert marker.begin(str(uuid.uuid4()), "worker-1", "<a@example.test>")() is False    # no such delivery
        others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        with admin.connect() as connection:
            connection.execute(sa.text(f"SELECT pg_terminate_backend(pid) {others}"))
            eventually(lambda: connection.execute(sa.text(f"SELECT count(*) {others}")).scalar_one() == 0)
        assert marker.begin(str(uuid.uuid4()), "worker-1", "<b@example.test>")() is False
    finally:
        marker.close()
        admin.dispose()
