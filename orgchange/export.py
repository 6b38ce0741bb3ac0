"""Export: the whole register as one change file, in recording order.

Importing the file into an empty database records the same changes in the
same order (cancellations and reports included), so every as-of answer is the
same; only the recording instants are new.
"""

from __future__ import annotations

from typing import Any

from orgchange.application import OrgChange
from orgchange.domain.register import REGISTER_ID


def export_entries(app: OrgChange) -> tuple[list[dict[str, Any]], str | None]:
    entries: list[dict[str, Any]] = []
    organisation: str | None = None
    start = 1
    while True:
        batch = app.recorder.select_notifications(start, limit=5000)
        for notification in batch:
            event = app.mapper.to_domain_event(notification)
            if event.originator_id != REGISTER_ID:
                continue
            change = getattr(event, "change", None)
            if change is not None:
                entries.append(change.canonical())
            elif getattr(event, "organisation", None):
                organisation = event.organisation
        if len(batch) < 5000:
            return entries, organisation
        start = batch[-1].id + 1
