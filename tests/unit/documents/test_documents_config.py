"""Settings: the variable names the chart sets, and one store or the other."""
from __future__ import annotations

import pytest

from documents.config import DocumentsSettings
from documents.wiring import object_store
from meskit.config import ConfigError, env_names, load

BASE = {"SERVICE_NAME": "documents", "DATABASE_URL": "postgresql+psycopg://x/y", "AUDIT_ADDR": "audit:50051"}


def test_reads_the_s3_variables_the_chart_sets():
    assert {"S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET", "S3_REGION", "S3_SECURE", "AUDIT_ADDR",
            "NOTIFICATIONS_ADDR", "DOCUMENTS_DIR", "MATRIX_FILE"} <= set(env_names(DocumentsSettings))


def test_audit_is_required():
    with pytest.raises(ConfigError, match="AUDIT_ADDR"):
        load(DocumentsSettings, {k: v for k, v in BASE.items() if k != "AUDIT_ADDR"})


def test_neither_s3_nor_a_folder_is_refused():
    with pytest.raises(ConfigError, match="S3_ENDPOINT"):
        object_store(load(DocumentsSettings, BASE))


def test_s3_wins_over_the_folder():
    settings = load(DocumentsSettings, {**BASE, "S3_ENDPOINT": "minio:9000", "DOCUMENTS_DIR": "/tmp/x",
                                        "S3_SECURE": "false"})
    assert type(object_store(settings)).__name__ == "S3Store"
