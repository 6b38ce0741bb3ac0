"""The versions of what the register stores, and the upcasters that read older ones.

Events never change once stored; the code that reads them does. Each stored event says
which version of its class wrote it (`class_version` in its state, read by eventsourcing's
`upcast_vN_vN+1` static methods on the event class), and each change inside an event —
stored as the change-file entry it was written as — says which version of the change-file
entry it is (`CHANGE_SCHEMA_VERSION`). A stored entry of an older version is brought up to
the current one by the upcasters here, one version at a time, before it becomes a `Change`
again. How to add one: docs/upgrading.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import OrgChangeError
from .messages import Text, text

# The version of a change-file entry as it is stored now. Entries stored by 0.1.0 and earlier
# carry no version: they are version 1.
CHANGE_SCHEMA_VERSION = 1

ChangeUpcaster = Callable[[dict[str, Any]], dict[str, Any]]

# From version N to N+1, keyed by N. None yet: version 1 is the change file of today.
CHANGE_UPCASTERS: Mapping[int, ChangeUpcaster] = {}


class StoredByNewerVersion(OrgChangeError):
    """What the database holds was written by a newer orgchange than this one.

    Never a reason to change anything: the process that meets it refuses, and leaves the
    database to the version that wrote it (`DATABASE_TOO_NEW`, docs/errors.md).
    """

    code = "DATABASE_TOO_NEW"

    def __init__(self, what: Text, found: object, known: object):
        self.what = what
        self.found = found
        self.known = known
        super().__init__(text("DATABASE_TOO_NEW", what=what, found=found, known=known))


def upcast_change_entry(
    entry: dict[str, Any],
    version: int,
    *,
    current: int = CHANGE_SCHEMA_VERSION,
    upcasters: Mapping[int, ChangeUpcaster] = CHANGE_UPCASTERS,
) -> dict[str, Any]:
    """The stored entry of `version` as an entry of the `current` version."""
    if version > current:
        raise StoredByNewerVersion(text("DATABASE_TOO_NEW:entry"), version, current)
    while version < current:
        entry = upcasters[version](dict(entry))
        version += 1
    return entry
