"""The errors of the application: input it cannot read, a database it cannot use, a busy writer.

Like the domain's rule errors (`orgchange.domain.errors`) they are the user's to fix or to
retry, shown in plain words and never as a traceback. `NotFound` is raised by the read side
(`projections.errors`) and is named here too, so callers take every error from one place.
"""

from __future__ import annotations

from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text, render, text
from orgchange.domain.versions import StoredByNewerVersion
from projections.errors import NotFound

__all__ = [
    "ConcurrentWriteError",
    "DatabaseNeedsMigration",
    "DatabaseTooNew",
    "DatabaseUnavailable",
    "MalformedInput",
    "NotFound",
    "ReadOnlyRegister",
]


class MalformedInput(OrgChangeError):
    """Not a readable change file: bad YAML/JSON, unknown type, missing or ill-typed field."""

    def __init__(self, problems: list[str | Text]):
        self.reasons = problems
        super().__init__(*problems)

    @property
    def problems(self) -> list[str]:
        """Each problem, in the language of where it is shown."""
        return [render(problem) for problem in self.reasons]

    def __str__(self) -> str:
        return "\n".join(self.problems)


class ConcurrentWriteError(OrgChangeError):
    """Another writer kept recording while this one retried; the caller may try again."""

    def __init__(self, message: str | Text | None = None):
        message = message or text("CONCURRENT_WRITE")
        self.text = message if isinstance(message, Text) else None
        super().__init__(message)


class _Rendered:
    """The message of an error class's `KEY`, in the language of where it is shown."""

    def __get__(self, error: DatabaseUnavailable | None, kind: type[DatabaseUnavailable]) -> str:
        if error is not None and error.SHOWN_WHOLE:
            return str(error)
        return render(text(kind.KEY))


class DatabaseUnavailable(OrgChangeError):
    """The database could not be written or reached (disk full, server down); nothing was recorded.

    `detail` is the database's own first line, for the command line and the server's log;
    the HTTP API answers with the plain message alone (the detail may name hosts and paths).
    """

    KEY = "DATABASE_UNAVAILABLE"
    SHOWN_WHOLE = False  # the whole message (not only KEY's) is fit for the HTTP API
    TRANSIENT = True  # asking again later may succeed (the server back, the disk freed)

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(detail)
        self.text = text("DATABASE_UNAVAILABLE:detail", message=text(self.KEY), detail=detail)

    # What the HTTP API answers: the message without the database's own words, in the
    # language of where it is shown (on the class and on an error alike).
    MESSAGE = _Rendered()


class ReadOnlyRegister(DatabaseUnavailable):
    """This process only reads (a read replica, `ORGCHANGE_READ_ONLY`); nothing was recorded."""

    KEY = "DATABASE_UNAVAILABLE:read-only"
    TRANSIENT = False  # a replica stays one: Retry-After would only bring the write back

    def __init__(self) -> None:
        super().__init__("read-only")


class DatabaseTooNew(DatabaseUnavailable):
    """The database was written by a newer orgchange: nothing is written, nothing dropped."""

    code = StoredByNewerVersion.code
    SHOWN_WHOLE = True
    TRANSIENT = False  # until orgchange is upgraded

    def __init__(self, cause: StoredByNewerVersion):
        self.cause = cause
        super().__init__(self.code)
        assert cause.text is not None  # the catalogue's DATABASE_TOO_NEW
        self.text = cause.text


class DatabaseNeedsMigration(DatabaseUnavailable):
    """The register was written by an earlier version; `orgchange migrate` brings it up to this one."""

    code = "DATABASE_NEEDS_MIGRATION"
    SHOWN_WHOLE = True
    TRANSIENT = False  # until `orgchange migrate` has run

    def __init__(self) -> None:
        super().__init__(self.code)
        self.text = text(self.code)
