"""The agenda's tables (SQLAlchemy Core). Only this service reads or writes them."""
from __future__ import annotations

import sqlalchemy as sa

from meskit import db
from meskit.db import Timestamp
from meskit.outbox import outbox_table

metadata = db.metadata()
outbox = outbox_table(metadata)

# ---- prevention (engineer "prevention"): the person's marks; the items are computed, never stored ----
prevention_marks = sa.Table(
    "prevention_marks", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(80), primary_key=True),      # "<rule id>.<occurrence>", stable
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("execution_date", sa.Date),
    sa.Column("marked_at", Timestamp, nullable=False),
    sa.Column("marked_by", sa.String(64), nullable=False),      # the account: the patient's or a delegate's
)
# ---- end prevention ----
