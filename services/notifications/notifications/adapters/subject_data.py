"""What notifications holds about one person, erased when her space is deleted: identity's snapshot
of her (name, contacts), the links of who sees her notices and whose she sees, her preferences, her
push subscriptions, the events about her, her bell, and the deliveries to her or about her. Letters
already written to a print file stay with the printer; their rows name no one but her account id,
and without her snapshot nothing more is sent to her."""
from __future__ import annotations

import sqlalchemy as sa

from notifications.adapters.tables import (bell_items, deliveries, events, preferences, profile_viewers, push_devices,
                                           recipients)


class SubjectData:
    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def erase(self, account_id: str) -> dict[str, int]:
        """One transaction; how many of each kind (zero once gone)."""
        with self._engine.begin() as c:
            def gone(table: sa.Table, *where) -> int:
                return c.execute(sa.delete(table).where(sa.or_(*where))).rowcount
            return {
                "deliveries": gone(deliveries, deliveries.c.recipient_id == account_id,
                                   deliveries.c.profile_id == account_id),
                "bell_items": gone(bell_items, bell_items.c.profile_id == account_id),
                "events": gone(events, events.c.patient_id == account_id),
                "push_subscriptions": gone(push_devices, push_devices.c.account_id == account_id),
                "preferences": gone(preferences, preferences.c.account_id == account_id),
                "profile_viewers": gone(profile_viewers, profile_viewers.c.profile_id == account_id,
                                        profile_viewers.c.viewer_id == account_id),
                "snapshots": gone(recipients, recipients.c.account_id == account_id),
            }
