"""Recording changes for the API (`POST /changes` and the GraphQL mutations).

The register is one aggregate: two writers in the same process would only race
for its next version and retry. A lock per process lets them queue instead; the
application's own retry still handles writers in other processes.

Errors are turned into one shape, `Problem`, shared by REST (422/409 bodies)
and GraphQL (error extensions), so both say the same thing in the same words.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from orgchange.application import Impact, OrgChange, RecordResult
from orgchange.application.changefile import ChangeFile, parse_change, parse_change_file
from orgchange.application.errors import ConcurrentWriteError, MalformedInput
from orgchange.domain.changes import Change
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import text
from orgchange.domain.register import Register
from projections.read_model import ReadModel

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """Why nothing was recorded: the messages and the rule broken of docs/errors.md#refused-changes."""

    kind: str  # "malformed" | "rejected" | "concurrent"
    errors: list[str]
    rule: str | None = None
    conflicts: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"errors": self.errors, "rule": self.rule}
        if self.conflicts:
            body["conflicts"] = self.conflicts
        return body


def problem_of(error: MalformedInput | ChangeRejected | ConcurrentWriteError) -> Problem:
    if isinstance(error, MalformedInput):
        return Problem("malformed", list(error.problems), rule="malformed-input")
    if isinstance(error, ChangeRejected):
        return Problem(
            "rejected",
            [str(error)],
            rule=error.rule,
            conflicts=[c.describe() for c in error.conflicts],
        )
    return Problem("concurrent", [str(error)], rule=None)


class ChangeRecorder:
    """Records changes on behalf of API callers, one write at a time per process."""

    def __init__(self, orgchange: OrgChange, max_changes: int | None = None):
        self.orgchange = orgchange
        self.max_changes = max_changes
        self._write_lock = threading.Lock()
        # Told how many events each write recorded (the metrics' counter, api/main.py).
        self.on_recorded: Callable[[int], None] | None = None
        # Reading a file takes memory in proportion to it (up to the body limit, several
        # times over): one at a time per process, so a few large files cannot add up.
        self._read_lock = threading.Lock()

    def _read(self, content: bytes | str | dict, source: str) -> ChangeFile:
        if isinstance(content, dict):
            content = json.dumps(content, ensure_ascii=False)
        with self._read_lock:
            return parse_change_file(content, source, max_changes=self.max_changes)

    def record_file(self, content: bytes | str | dict, recorded_by: str, source: str) -> RecordResult:
        """A change file (YAML/JSON text, or an already decoded JSON object), atomically."""
        change_file = self._read(content, source)
        return self.record(change_file.changes, recorded_by, change_file.organisation)

    def preview_file(self, content: bytes | str | dict, recorded_by: str, source: str) -> Impact:
        """What a change file would do to the delegationsordning; nothing is recorded.

        The changes are checked and projected exactly as when recorded, in a transaction
        that is rolled back (`OrgChange.dry_run`), so a preview is refused in the same
        words as the recording would be. It queues behind this process's writes; a writer
        in another process that gets in first makes it a `ConcurrentWriteError`.
        """
        change_file = self._read(content, source)
        with self._write_lock:
            try:
                return self.orgchange.dry_run(change_file.changes, recorded_by)
            except (IntegrityError, SAIntegrityError):
                raise ConcurrentWriteError(text("CONCURRENT_WRITE:preview")) from None

    def try_out(
        self,
        changes: Sequence[Change],
        look_before: Callable[[ReadModel], Any],
        look_after: Callable[[ReadModel, Register, list[str], Any], T],
        recorded_by: str,
    ) -> T:
        """Changes recorded in a transaction that is rolled back (`OrgChange.try_out`), queued
        behind this process's writes like a preview: a draft's check and its preview."""
        with self._write_lock:
            try:
                return self.orgchange.try_out(changes, look_before, look_after, recorded_by)
            except (IntegrityError, SAIntegrityError):
                raise ConcurrentWriteError(
                    "another registrar recorded changes at the same moment; please check again"
                ) from None

    def record_entry(self, entry: dict[str, Any], recorded_by: str) -> RecordResult:
        """One change given as a change-file entry (validated exactly as in a file)."""
        return self.record([parse_change(entry, 1)], recorded_by)

    def record(
        self, changes: Sequence[Change], recorded_by: str, organisation: str | None = None
    ) -> RecordResult:
        with self._write_lock:
            result = self.orgchange.record_changes(changes, recorded_by, organisation)
        if self.on_recorded is not None:
            self.on_recorded(result.count + (1 if result.renamed is not None else 0))
        return result
