"""The migrations of the tables the events cannot rebuild, run by the program itself.

Alembic, with its environment inside the package (`orgchange/adapters/migrations`): no
alembic.ini, no command of Alembic's for the operator; `orgchange migrate` runs them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this version knows."""
    found = _scripts().get_current_head()
    assert found is not None  # there is one line of revisions
    return found


def known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


@dataclass(frozen=True)
class MigrationState:
    current: tuple[str, ...]  # the revisions the database is at; () if none was applied

    @property
    def unknown(self) -> tuple[str, ...]:
        """Revisions of a newer version: this one must leave the database alone."""
        return tuple(r for r in self.current if not known(r))

    @property
    def pending(self) -> bool:
        return self.current != (head(),)


def migration_state(connection: Connection) -> MigrationState:
    return MigrationState(tuple(MigrationContext.configure(connection).get_current_heads()))


# Alembic's `context` and `op` are module-wide: one migration at a time in a process.
_one_at_a_time = threading.Lock()


def upgrade(engine: Engine) -> None:
    """Apply every revision the database lacks, in one transaction."""
    with _one_at_a_time, engine.begin() as connection:
        command.upgrade(_config(connection), "head")
