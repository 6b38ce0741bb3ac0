"""The small hierarchy of errors a user can cause.

Every one of them is a user error: it is shown in plain words and never as a
traceback. `RuleViolation` is raised by the domain without knowing where the
change came from; the application wraps it in `ChangeRejected`, which names the
change (its position in the file and its id) as docs/errors.md#refused-changes says.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class OrgChangeError(Exception):
    """Base class of every error that is the user's to fix."""


class MalformedInput(OrgChangeError):
    """Not a readable change file: bad YAML/JSON, unknown type, missing or ill-typed field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class RuleViolation(OrgChangeError):
    """A change breaks a rule of the register (docs/domain.md#rules-the-register-enforces)."""

    def __init__(self, rule: str, message: str):
        self.rule = rule
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Conflict:
    """A later, already recorded change that a retroactive change would break."""

    change_id: str
    change_type: str
    effective: str
    message: str

    def describe(self) -> str:
        return f"{self.change_id} ({self.change_type}, effective {self.effective}): {self.message}"


class RetroactiveConflict(RuleViolation):
    """Rule 7: a change that would make later changes invalid."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        shown = "; ".join(c.describe() for c in conflicts[:5])
        more = f"; and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        super().__init__(
            "retroactive-consistency",
            f"it conflicts with later changes already recorded: {shown}{more}",
        )


@dataclass
class ChangeRejected(OrgChangeError):
    """A change in a file (or API call) was rejected; nothing of the file was recorded."""

    index: int  # 1-based position in the file
    change_id: str | None
    change_type: str
    violation: RuleViolation
    conflicts: list[Conflict] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def rule(self) -> str:
        return self.violation.rule

    def __str__(self) -> str:
        ident = f" ({self.change_id})" if self.change_id else ""
        return f"change #{self.index}{ident} {self.change_type}: {self.violation.message}"


class ConcurrentWriteError(OrgChangeError):
    """Another writer kept recording while this one retried; the caller may try again."""


class NotFound(OrgChangeError):
    """A query named something that does not exist."""


class DatabaseUnavailable(OrgChangeError):
    """The database could not be written or reached (disk full, server down); nothing was recorded.

    `detail` is the database's own first line, for the command line and the server's log;
    the HTTP API answers with the plain message alone (the detail may name hosts and paths).
    """

    MESSAGE = "the database cannot be used right now; nothing was recorded"

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(f"{self.MESSAGE} ({detail})")


class ReadOnlyRegister(DatabaseUnavailable):
    """This process only reads (a read replica, `ORGCHANGE_READ_ONLY`); nothing was recorded."""

    MESSAGE = (
        "this server only reads the register (a read replica); record changes through a server "
        "that writes; nothing was recorded"
    )

    def __init__(self) -> None:
        super().__init__("read-only")
