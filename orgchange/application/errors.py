"""The errors of the application: input it cannot read, a database it cannot use, a busy writer.

Like the domain's rule errors (`orgchange.domain.errors`) they are the user's to fix or to
retry, shown in plain words and never as a traceback. `NotFound` is raised by the read side
(`projections.errors`) and is named here too, so callers take every error from one place.
"""

from __future__ import annotations

from orgchange.domain.errors import OrgChangeError
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

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ConcurrentWriteError(OrgChangeError):
    """Another writer kept recording while this one retried; the caller may try again."""


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


class DatabaseTooNew(DatabaseUnavailable):
    """The database was written by a newer orgchange: nothing is written, nothing dropped."""

    code = StoredByNewerVersion.code

    def __init__(self, cause: StoredByNewerVersion):
        self.cause = cause
        self.MESSAGE = str(cause)
        super().__init__(self.code)

    def __str__(self) -> str:
        return self.MESSAGE


class DatabaseNeedsMigration(DatabaseUnavailable):
    """The register was written by an earlier version; `orgchange migrate` brings it up to this one."""

    code = "DATABASE_NEEDS_MIGRATION"

    def __init__(self) -> None:
        self.MESSAGE = (
            "databasen är skriven av en tidigare version av orgchange och behöver uppgraderas; "
            "kör `orgchange migrate` (eller starta med `orgchange serve --migrate`); inget har "
            f"ändrats ({self.code})"
        )
        super().__init__(self.code)

    def __str__(self) -> str:
        return self.MESSAGE
