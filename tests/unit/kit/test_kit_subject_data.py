"""meskit.subject_data: who may call the lifecycle RPCs, ids checked, files cut into chunks."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone

import pytest

from meskit import subject_data
from meskit.auth import OPERATOR, PATIENT, SERVICE, Caller
from meskit.errors import InvalidArgument, PermissionDenied


def test_only_the_named_service_calls():
    subject_data.require_service(Caller(SERVICE, "exports"), "exports")
    for caller in (Caller(SERVICE, "documents"), Caller(PATIENT, "exports"), Caller(OPERATOR, "exports")):
        with pytest.raises(PermissionDenied) as refused:
            subject_data.require_service(caller, "exports")
        assert refused.value.reason == "SERVICE_ONLY"


def test_ids_must_be_uuids_and_each_bad_one_is_named():
    subject_data.require_uuids(account_id=str(uuid.uuid4()))
    with pytest.raises(InvalidArgument) as refused:
        subject_data.require_uuids(account_id="p1", export_id="")
    assert [v.field for v in refused.value.violations] == ["account_id", "export_id"]


def test_a_file_is_cut_in_chunks_and_only_the_first_names_it():
    data = b"x" * (subject_data.CHUNK_BYTES * 2 + 5)
    chunks = list(subject_data.file_chunks("messagerie/a.bin", "application/octet-stream", iter([data[:10], data[10:]])))
    assert [c.path for c in chunks] == ["messagerie/a.bin", "", ""]
    assert b"".join(c.data for c in chunks) == data and max(len(c.data) for c in chunks) <= subject_data.CHUNK_BYTES
    [empty] = subject_data.file_chunks("agenda/vide.ics", "text/calendar", b"")
    assert (empty.path, empty.content_type, empty.data) == ("agenda/vide.ics", "text/calendar", b"")


def test_json_files_write_dates_as_iso_8601():
    [chunk] = subject_data.json_file("x/a.json", {"at": datetime(2026, 12, 2, 5, 0, tzinfo=timezone.utc),
                                                  "on": date(2026, 12, 2)})
    assert json.loads(chunk.data) == {"at": "2026-12-02T05:00:00+00:00", "on": "2026-12-02"}
