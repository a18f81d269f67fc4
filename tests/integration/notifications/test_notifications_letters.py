"""Postal letters: real PDFs, one per person per batch listing the notices, in a print file with a
manifest; letter statuses; batches made once even with several replicas."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from mes.notifications.v1 import notifications_pb2 as pb

from devtools.eventually import eventually
from devtools.print_files import letters_of, open_print_file, run_batch

ADDRESS = "12 rue des Lilas\n75020 Paris"


def no_email(h, account_id, **kw):
    h.person(account_id, postal_address=kw.pop("postal_address", ADDRESS), **kw)


class TestPrintFile:
    def test_one_letter_per_person_listing_the_days_notices(self, notifications):
        h = notifications
        no_email(h, "p1", given_name="Jeanne", family_name="Dupont")
        no_email(h, "p2", given_name="Marcel", family_name="Petit", postal_address="4 avenue Foch\n13001 Marseille")
        h.publish("p1", payload={"actor_display": "Dr Claire Bernard"})
        h.publish("p1", "ACCES_DMP_PS", producer="audit", payload={"actor_display": "Pharmacie du Centre"})
        h.publish("p2", "RAPPEL_RDV_PREV_DEPIST", producer="agenda")
        batch = run_batch(h)
        assert batch.state == pb.LETTER_BATCH_STATE_WRITTEN and batch.letter_count == 2
        assert {(x.recipient_id, x.notices, x.status) for x in batch.letters} == {
            ("p1", 2, pb.LETTER_STATUS_HANDED_TO_PRINTER), ("p2", 1, pb.LETTER_STATUS_HANDED_TO_PRINTER)}
        assert Path(batch.location).is_file() and Path(batch.location).parent.parent.parent == h.letters_dir
        manifest, pdfs = open_print_file(batch)
        assert manifest["letter_count"] == 2 and len(pdfs) == 2
        entries = {e["recipient_id"]: e for e in manifest["letters"]}
        assert entries["p1"]["address"] == ["12 rue des Lilas", "75020 Paris"]
        assert entries["p1"]["notices"] == ["AJOUT_DOCUMENT", "ACCES_DMP_PS"]
        assert all(e["pages"] >= 1 for e in entries.values())
        texts = letters_of(batch)
        by_person = {x.recipient_id: texts[x.letter_id] for x in batch.letters}
        assert "JEANNE DUPONT" in by_person["p1"] and "Bonjour Jeanne," in by_person["p1"]
        assert "Un nouveau document a été ajouté au profil de Jeanne Dupont par Dr Claire Bernard." in by_person["p1"]
        assert "Pharmacie du Centre a accédé au dossier médical de Jeanne Dupont." in by_person["p1"]
        assert "Dépistage recommandé" in by_person["p2"] and "13001 Marseille" in by_person["p2"]
        assert "Pharmacie" not in by_person["p2"]

    def test_a_letter_is_written_once_and_the_next_batch_has_only_new_notices(self, notifications):
        h = notifications
        no_email(h, "p1")
        h.publish("p1")
        first = run_batch(h)
        assert first.letter_count == 1
        assert run_batch(h).letter_count == 0
        h.publish("p1", "ACCES_DMP_PS", producer="audit")
        third = run_batch(h)
        assert [x.notices for x in third.letters] == [1]
        assert "Accès à votre dossier" in next(iter(letters_of(third).values()))

    def test_the_provisional_code_is_erased_once_the_creation_notice_is_delivered(self, notifications):
        from notifications.adapters.queue import DeliveryQueue
        h = notifications
        queue = DeliveryQueue(h.engine, lease_seconds=60)
        creation = {"provisional_code": "K7MP2QX9RT4B", "opposition_deadline": "2027-01-07T10:00:00+00:00"}
        no_email(h, "p1", event_type="ACCOUNT_CREATED", payload=creation)
        mailed = h.person("p2", email="p2@example.test", event_type="ACCOUNT_CREATED", payload=creation)
        h.wait_statuses(mailed, lambda s: s and s[0].state == pb.DELIVERY_STATE_SENT)

        def stored(account_id):
            with h.engine.connect() as connection:
                return connection.execute(sa.text(
                    "SELECT payload FROM events WHERE patient_id = :a AND event_type = 'ACCOUNT_CREATED'"),
                    {"a": account_id}).scalar_one()
        assert queue.forget_finished_secrets() == 1                   # p2's mail went; p1's letter waits
        assert "provisional_code" not in stored("p2") and stored("p2")["opposition_deadline"]
        assert stored("p1")["provisional_code"] == "K7MP2QX9RT4B"
        (letter,) = letters_of(run_batch(h)).values()
        assert "K7MP2QX9RT4B" in letter
        assert queue.forget_finished_secrets() == 1 and "provisional_code" not in stored("p1")
        assert queue.forget_finished_secrets() == 0

    def test_without_a_postal_address_the_notice_is_skipped(self, notifications):
        h = notifications
        h.person("p1")
        event_id, _ = h.publish("p1")
        assert run_batch(h).letter_count == 0
        (status,) = h.statuses(event_id)
        assert status.state == pb.DELIVERY_STATE_SKIPPED


class TestLetterStatus:
    def test_the_printer_reports_posted_or_returned(self, notifications):
        h = notifications
        no_email(h, "p1")
        no_email(h, "p2")
        h.publish("p1")
        h.publish("p2")
        batch = run_batch(h)
        posted, returned = batch.letters
        op = h.operator()
        assert h.stub.UpdateLetterStatus(pb.UpdateLetterStatusRequest(
            letter_id=posted.letter_id, status=pb.LETTER_STATUS_POSTED), metadata=op).status == pb.LETTER_STATUS_POSTED
        h.stub.UpdateLetterStatus(pb.UpdateLetterStatusRequest(letter_id=returned.letter_id,
                                                               status=pb.LETTER_STATUS_RETURNED), metadata=op)
        again = h.stub.GetLetterBatch(pb.GetLetterBatchRequest(batch_id=batch.batch_id), metadata=op)
        assert {x.letter_id: x.status for x in again.letters} == {posted.letter_id: pb.LETTER_STATUS_POSTED,
                                                                  returned.letter_id: pb.LETTER_STATUS_RETURNED}
        listed = h.stub.ListLetterBatches(pb.ListLetterBatchesRequest(), metadata=op).batches
        assert [b.batch_id for b in listed] == [batch.batch_id] and not listed[0].letters
        with pytest.raises(grpc.RpcError) as wrong:
            h.stub.UpdateLetterStatus(pb.UpdateLetterStatusRequest(letter_id=posted.letter_id,
                                                                   status=pb.LETTER_STATUS_RENDERING), metadata=op)
        assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as denied:
            run_batch_as_patient = h.stub.RunLetterBatch(pb.RunLetterBatchRequest(), metadata=h.patient("p1"))
            del run_batch_as_patient
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED


class TestSchedule:
    def test_replicas_on_a_short_interval_put_each_notice_in_exactly_one_letter(self, make_notifications):
        replicas = [make_notifications(LETTER_BATCH_TIME="00:00", LETTER_BATCH_INTERVAL_SECONDS="1")
                    for _ in range(2)]
        h = replicas[0]
        people = [f"p{i}" for i in range(5)]
        for person in people:
            no_email(h, person)
        events = [h.publish(people[i % 5])[0] for i in range(15)]
        eventually(lambda: {s.state for e in events for s in h.statuses(e)} == {pb.DELIVERY_STATE_SENT}, timeout=30,
                   interval=0.2, what="every notice in a letter")
        statuses = [s for e in events for s in h.statuses(e)]
        assert len(statuses) == 15 and {s.state for s in statuses} == {pb.DELIVERY_STATE_SENT}
        batches = h.stub.ListLetterBatches(pb.ListLetterBatchesRequest(page_size=100), metadata=h.operator()).batches
        letters = [x for b in batches for x in h.stub.GetLetterBatch(
            pb.GetLetterBatchRequest(batch_id=b.batch_id), metadata=h.operator()).letters]
        assert sum(x.notices for x in letters) == 15
        assert len({s.letter_id for s in statuses}) == len(letters)
        keys = [b.batch_key for b in batches]
        assert len(keys) == len(set(keys))


def test_print_files_go_to_s3_when_configured(tmp_path):
    moto = pytest.importorskip("moto.server")
    from datetime import date

    from meskit.objects import S3Store
    from notifications.adapters.letters import PrintShop
    from notifications.domain.models import LetterNotice, LetterToRender
    server = moto.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        store = S3Store(f"{host}:{port}", "test", "testsecret", "mes-letters", secure=False, region="eu-west-3")
        letter = LetterToRender("l1", "p1", "Jeanne", "Dupont", ADDRESS, "l1.pdf",
                                (LetterNotice("AJOUT_DOCUMENT", "Jeanne Dupont", {}, None),))
        location, manifest, pages = PrintShop(store, "https://mes.test").write("b1", "2026-03-10", [letter],
                                                                                date(2026, 3, 10))
        assert location == "s3://mes-letters/print-files/2026-03-10/mes-courriers-2026-03-10.zip"
        assert manifest == "s3://mes-letters/print-files/2026-03-10/manifest.json"
        assert json.loads(store.get("print-files/2026-03-10/manifest.json"))["letter_count"] == 1
        with zipfile.ZipFile(io.BytesIO(store.get("print-files/2026-03-10/mes-courriers-2026-03-10.zip"))) as archive:
            assert sorted(archive.namelist()) == ["letters/l1.pdf", "manifest.json"]
        assert pages == {"l1": 1}
    finally:
        server.stop()
