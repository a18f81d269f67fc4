"""Documents' metadata partitioned by HASH (patient_id) (migration 0005): a populated table moves
into the partitions and back with every row; a patient's rows share one partition; an upload id
dedupes one patient's deposits and no more."""
from __future__ import annotations

import dataclasses
import importlib
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from mes.documents.v1 import documents_pb2 as pb

from documents.adapters.repository import DocumentsRepository
from documents.domain.errors import DuplicateUpload
from documents.domain.models import Author, Document, Visibility
from documents_samples import pdf
from meskit import db

VERSIONS = importlib.import_module("documents.wiring").VERSIONS_DIR
PATIENTS, EACH = 40, 5
FILL = [sa.text("""
INSERT INTO folders (folder_id, patient_id, name, created_at, updated_at)
SELECT 'f-' || p, 'patient-' || p, 'Dossier', now(), now() FROM generate_series(1, :patients) p"""), sa.text("""
INSERT INTO documents (document_id, patient_id, title, document_date, category, class_code, type_code, author_type,
                       author_id, content_type, size_bytes, sha256, filename, object_key, folder_id, upload_key,
                       upload_id, created_at, updated_at)
SELECT 'd-' || p || '-' || n, 'patient-' || p, 'Titre ' || n, DATE '2026-01-01' + n, 'AUTR_DOC', '', 'DOCPAT01',
       'patient', 'patient-' || p, 'application/pdf', 10, repeat('0', 64), 't.pdf', md5(p || '-' || n),
       'f-' || p, 'patient-' || p, 'u-' || n, now(), now()
FROM generate_series(1, :patients) p, generate_series(1, :each) n""")]


def downgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(importlib.import_module("meskit").__path__[0] + "/alembic"))
    config.set_main_option("version_locations", str(VERSIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = url
    command.downgrade(config, revision)


def stored(url: str) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as c:
        found = {
            "rows": c.execute(sa.text("SELECT count(*) FROM documents")).scalar(),
            "rows_in_folders": c.execute(sa.text("SELECT count(*) FROM documents d JOIN folders f "
                                                 "ON f.folder_id = d.folder_id AND f.patient_id = d.patient_id")).scalar(),
            "partitions": c.execute(sa.text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'documents'::regclass"))
            .scalar(),
            "partitions_of_a_patient": c.execute(sa.text(
                "SELECT max(n) FROM (SELECT count(DISTINCT tableoid) n FROM documents GROUP BY patient_id) per")).scalar(),
            "partitions_filled": c.execute(sa.text("SELECT count(DISTINCT tableoid) FROM documents")).scalar(),
        }
    engine.dispose()
    return found


class TestMigration:
    def test_a_populated_table_moves_into_16_partitions_and_back(self, new_database):
        url = new_database("docs_partitions")
        db.migrate(url, VERSIONS, "0004")
        engine = sa.create_engine(url)
        with engine.begin() as c:
            for statement in FILL:
                c.execute(statement, {"patients": PATIENTS, "each": EACH})
        engine.dispose()
        db.migrate(url, VERSIONS)
        after = stored(url)
        assert after["rows"] == after["rows_in_folders"] == PATIENTS * EACH
        assert after["partitions"] == 16 and after["partitions_of_a_patient"] == 1 and after["partitions_filled"] > 1
        downgrade(url, "0004")
        back = stored(url)
        assert back["rows"] == back["rows_in_folders"] == PATIENTS * EACH and back["partitions"] == 0
        db.migrate(url, VERSIONS)
        assert stored(url)["rows"] == PATIENTS * EACH

    def test_keys_hold_the_patient_and_a_folder_s_deletion_still_unfiles(self, new_database):
        url = new_database("docs_partition_keys")
        db.migrate(url, VERSIONS)
        engine = sa.create_engine(url)
        with engine.begin() as c:
            for statement in FILL:
                c.execute(statement, {"patients": 2, "each": 1})
            c.execute(sa.text("DELETE FROM folders WHERE folder_id = 'f-1'"))
            unfiled = c.execute(sa.text("SELECT folder_id FROM documents WHERE patient_id = 'patient-1'")).scalar()
            keys = c.execute(sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'documents'::regclass "
                "AND contype IN ('p', 'u')")).all()
        engine.dispose()
        assert unfiled is None
        assert dict(keys) == {"pk_documents": "PRIMARY KEY (patient_id, document_id)",
                              "uq_documents_object_key": "UNIQUE (patient_id, object_key)",
                              "uq_documents_upload": "UNIQUE (patient_id, upload_key, upload_id)"}


class TestUploadId:
    def test_one_upload_id_for_two_patients_files_one_document_each(self, stack):
        gp = stack.new_professional("10")
        first, second = stack.new_patient(), stack.new_patient()
        fields = dict(title="CR", type_code="11488-4", upload_id="cr-2026-12")
        a = stack.upload(stack.professional(gp), pdf(), patient_id=first, **fields)
        b = stack.upload(stack.professional(gp), pdf(), patient_id=second, **fields)
        again = stack.upload(stack.professional(gp), pdf(), patient_id=second, **fields)
        assert (a.patient_id, b.patient_id) == (first, second) and a.document_id != b.document_id
        assert again.document_id == b.document_id and stack.rows(first) == stack.rows(second) == 1

    def test_a_deposit_that_lost_the_race_is_a_duplicate_of_the_same_patient_only(self, migrated_database):
        """Two replicas both missed find_upload: the second insert is DuplicateUpload; another patient's is not."""
        now = datetime(2026, 12, 3, tzinfo=timezone.utc)
        first = Document(document_id="d-1", patient_id="pat-1", title="CR", document_date=date(2026, 12, 3),
                         category="CPT_REND", class_code="10", type_code="11488-4",
                         author=Author(type="professional", id="pro-1"), content_type="application/pdf", size_bytes=10,
                         sha256="0" * 64, filename="cr.pdf", object_key="k-1", visibility=Visibility(),
                         upload_id="u-1", created_at=now, updated_at=now)
        engine = sa.create_engine(migrated_database("documents"))
        with sa.orm.Session(engine) as session:
            repo = DocumentsRepository(session)
            repo.add_document(first, upload_key="pro-1")
            with pytest.raises(DuplicateUpload):
                repo.add_document(dataclasses.replace(first, document_id="d-2", object_key="k-2"), upload_key="pro-1")
            repo.add_document(dataclasses.replace(first, document_id="d-3", patient_id="pat-2", object_key="k-3"),
                              upload_key="pro-1")
            found = [repo.find_upload(patient, "pro-1", "u-1") for patient in ("pat-1", "pat-2")]
            assert [(d.patient_id, d.document_id) for d in found if d] == [("pat-1", "d-1"), ("pat-2", "d-3")]
        engine.dispose()
