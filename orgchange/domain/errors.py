"""The errors of the domain's rules: a change the register refuses.

Every one of them is a user error: it is shown in plain words and never as a
traceback. Errors of reading input, of the database and of queries are the
application's (`orgchange.application.errors`); they share `OrgChangeError`.
`RuleViolation` is raised by the domain without knowing where the change came from; the
application wraps it in `ChangeRejected`, which names the change (its position in the
file and its id) as docs/errors.md#refused-changes says.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class OrgChangeError(Exception):
    """Base class of every error that is the user's to fix."""


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
