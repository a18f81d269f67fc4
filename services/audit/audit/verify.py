"""`python -m audit verify [--public-key FILE ...]`: check the whole log in the database.

Recomputes every leaf hash from the stored record fields and every personal data commitment,
rebuilds the tree against the stored subtree hashes, and checks each signed tree head's root and
signature. Prints one line; exit 0 when all is well, 1 naming the first bad record (its leaf index
and record id), 2 when it cannot run.

Tree heads are checked against the keys given with --public-key (PEM or DER; pin them for an
independent check), or else against the keys the log published in its `log_keys` table.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from meskit import config
from meskit.logs import configure_logging

from audit.adapters.database import make_engine
from audit.adapters.keys import HeadVerifier, load_public_key
from audit.adapters.repository import AuditRepository
from audit.config import AuditSettings
from audit.domain.verification import Report, verify_log


def verify_database(database_url: str, public_keys: list[bytes] | None = None) -> Report:
    """One consistent snapshot (REPEATABLE READ, read only), streamed."""
    engine = make_engine(database_url, pool_size=1)
    try:
        snapshot = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with Session(snapshot) as session, session.begin():
            repo = AuditRepository(session)
            keys = public_keys if public_keys is not None else [k.public_key for k in repo.log_keys()]
            return verify_log(repo.ledger(), repo.nodes_in_append_order(), repo.heads(), HeadVerifier(keys))
    finally:
        engine.dispose()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m audit verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--public-key", action="append", type=Path, default=[],
                        help="a trusted tree head key (PEM or DER); repeat for several")
    args = parser.parse_args(argv)
    try:
        settings = config.load(AuditSettings)
        keys = [load_public_key(path.read_bytes()) for path in args.public_key] or None
    except (config.ConfigError, OSError, ValueError) as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.service_name, settings.log_level)
    report = verify_database(settings.database_url, keys)
    print(report.line())
    raise SystemExit(0 if report.ok else 1)
