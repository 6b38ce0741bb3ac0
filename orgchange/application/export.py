"""Export: the whole register as one change file, in recording order.

Importing the file into an empty database records the same changes in the
same order (cancellations, corrections and reports included), so every as-of answer is
the same; only the recording instants are new.

Text recorded before control characters were refused at the door (or put into
the store by other means) is written out cleaned (`printable`), so that the file
can be imported again.
"""

from __future__ import annotations

from typing import Any

from orgchange.application import OrgChange
from orgchange.domain.changes import change_adapter
from orgchange.domain.register import REGISTER_ID, Register
from orgchange.domain.text import CLEANED, printable


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
            if isinstance(event, Register.ReplacementRecorded):
                continue  # written inside its correct_change, the entry before it
            change = getattr(event, "change", None)
            if change is not None:
                entries.append(_importable(change.canonical()))
            elif isinstance(event, Register.Named):
                organisation = printable(event.name)
        if len(batch) < 5000:
            return entries, organisation
        start = batch[-1].id + 1


def _importable(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry, its text cleaned as the door would want it if any of it is not printable."""
    if all(text.isprintable() for text in _texts(entry)):
        return entry  # the common case: nothing to clean, nothing to check again
    return change_adapter.validate_python(entry, context=CLEANED).canonical()


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []
