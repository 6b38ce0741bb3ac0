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

from .messages import Text, render, text


class OrgChangeError(Exception):
    """Base class of every error that is the user's to fix.

    One that carries a `Text` (orgchange/domain/messages.py) is put into words in the
    language of where it is shown (docs/errors.md#languages).
    """

    text: Text | None = None

    def __init__(self, *args: object):
        super().__init__(*args)
        if args and isinstance(args[0], Text):
            self.text = args[0]

    def __str__(self) -> str:
        return self.text.render() if self.text is not None else super().__str__()


class RuleViolation(OrgChangeError):
    """A change breaks a rule of the register (docs/domain.md#rules-the-register-enforces)."""

    def __init__(self, rule: str, message: str | Text):
        self.rule = rule
        self.text = message if isinstance(message, Text) else None
        self._message = message
        super().__init__(message)

    @property
    def reason(self) -> str | Text:
        """The reason, not yet in words (a `Text`), or in the words it was given."""
        return self._message

    @property
    def message(self) -> str:
        """The reason, in the language of where it is shown."""
        return render(self._message)


@dataclass(frozen=True)
class Conflict:
    """A later, already recorded change that a retroactive change would break."""

    change_id: str
    change_type: str
    effective: str
    reason: str | Text

    @property
    def message(self) -> str:
        """What would go wrong with it, in the language of where it is shown."""
        return render(self.reason)

    def describe(self) -> str:
        return text(
            "retroactive-consistency:conflict",
            change=self.change_id,
            type=self.change_type,
            effective=self.effective,
            reason=self.reason,
        ).render()


class RetroactiveConflict(RuleViolation):
    """Rule 7: a change that would make later changes invalid."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        shown: list[Text] = [
            text(
                "retroactive-consistency:conflict",
                change=c.change_id,
                type=c.change_type,
                effective=c.effective,
                reason=c.reason,
            )
            for c in conflicts[:5]
        ]
        if len(conflicts) > 5:
            shown.append(text("retroactive-consistency:more", count=len(conflicts) - 5))
        super().__init__("retroactive-consistency", text("retroactive-consistency", conflicts=shown))


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
        return text(
            "CHANGE_REJECTED",
            index=self.index,
            ident=ident,
            type=self.change_type,
            reason=self.violation.reason,
        ).render()
