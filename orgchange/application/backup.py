"""Backing the register up while it runs, and restoring it into an empty database.

The operator's side of it is in docs/operations.md#backup-and-restore.

A backup holds every table of the register as one consistent moment: the events, the
read models written in the same transactions, the API tokens (their hashes), the
generated outputs, and any table a later version adds. Nothing is listed by name:

* SQLite: the database's own online backup (`sqlite3` backup API) copies every page of
  the file as one read transaction sees it. The database runs in WAL mode, where the
  latest transactions may still be in the `-wal` file: copying `orgchange.db` alone can
  miss them, the backup API cannot. Writers go on meanwhile. The backup is one
  self-contained SQLite file.
* PostgreSQL: `pg_dump` of every table of the database's schema (`current_schema()`,
  `public` by default), in its custom format; `pg_dump` reads them all in one snapshot,
  and its locks do not stop writers. Sequences owned by the tables come along, so a
  restored register numbers its next event after its last one.

A restore goes into an empty database only (no event, token, output or other row; the
read models' bookkeeping does not count), so that it can never mix two registers nor
overwrite one: a database holding anything is refused, and nothing is changed. A backup
is restored into the kind of database it was taken from: SQLite into SQLite, PostgreSQL
into PostgreSQL.

Every refusal is a `BackupError`: a message of the catalogue (Swedish unless English is
asked for, docs/errors.md#languages) and a stable code.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from orgchange.adapters.eventstore import normalise_database_url
from orgchange.domain import messages
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text

EVENTS_TABLE = "orgchange_events"  # eventsourcing-sqlalchemy's table of the application `OrgChange`
# Rows that do not make a database hold a register: the read models' shape, the schema's version.
BOOKKEEPING_TABLES = frozenset({"read_model_schema", "schema_versions", "alembic_version"})
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_TOOL_TIMEOUT = 3600  # seconds: a dump or a restore of a very large register, bounded all the same


class BackupError(OrgChangeError):
    """A backup or restore refused or failed; nothing was changed. `exit_code`: 2 for a file that
    is wrong (missing, not a backup, of the other kind), 1 for the database or its tools."""

    def __init__(self, message: Text, exit_code: int = 1):
        self.code = message.code
        self.exit_code = exit_code
        super().__init__(message)

    @property
    def message(self) -> str:
        """In the language of where it is shown, the code in brackets at the end."""
        return str(self)


@dataclass(frozen=True)
class BackupInfo:
    kind: str  # "sqlite" or "postgresql"
    path: Path
    last_event_id: int  # the position of the last event the backup holds (0: none)


def backup(database_url: str, path: Path) -> BackupInfo:
    """Write a consistent copy of the register at `database_url` to `path` (a new file)."""
    url = _url(database_url)
    if path.exists():
        raise BackupError(messages.text("BACKUP_FILE_EXISTS", path=path), 2)
    if not path.parent.is_dir():
        raise BackupError(messages.text("BACKUP_FILE_UNWRITABLE", directory=path.parent), 2)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if url.get_backend_name() == "sqlite":
            last = _backup_sqlite(_sqlite_file(url), partial)
            kind = "sqlite"
        else:
            last = _backup_postgres(url, partial)
            kind = "postgresql"
        os.replace(partial, path)  # whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(kind, path, last)


def restore(database_url: str, path: Path) -> BackupInfo:
    """Restore the backup at `path` into the empty database at `database_url`."""
    url = _url(database_url)
    kind = backup_kind(path)
    target = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    if kind != target:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            messages.text("BACKUP_WRONG_KIND", path=path, kind=names[kind], target=names[target]), 2
        )
    last = _restore_sqlite(path, _sqlite_file(url)) if kind == "sqlite" else _restore_postgres(path, url)
    return BackupInfo(kind, path, last)


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", read from the file's first bytes; refused if it is neither."""
    if not path.is_file():
        raise BackupError(messages.text("BACKUP_NOT_FOUND", path=path), 2)
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise _not_a_backup(path)


def _not_a_backup(path: Path, why: str | Text = "") -> BackupError:
    detail = f" ({messages.render(why)})" if why else ""
    return BackupError(messages.text("NOT_A_BACKUP", path=path, detail=detail), 2)


def _url(database_url: str) -> URL:
    return make_url(normalise_database_url(database_url))


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path:
    assert url.database  # normalise_database_url refuses an in-memory database
    return Path(url.database)


def _backup_sqlite(source: Path, partial: Path) -> int:
    if not source.is_file():
        raise BackupError(messages.text("DATABASE_NOT_FOUND", source=source))
    timeout = 30.0  # wait for a writer's lock as the application does
    with _closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)) as db:
        if not _sqlite_has_events(db):
            raise BackupError(messages.text("DATABASE_NOT_A_REGISTER", source=source))
        with _closing(sqlite3.connect(partial)) as copy:
            db.backup(copy)  # all pages in one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            return _sqlite_last_event(copy)


def _restore_sqlite(path: Path, target: Path) -> int:
    try:
        with _closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source:
            if source.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise _not_a_backup(path, messages.text("NOT_A_BACKUP:damaged"))
            if not _sqlite_has_events(source):
                raise _not_a_backup(path, messages.text("NOT_A_BACKUP:no-register"))
            if target.exists():
                _refuse_if_holding(target, _sqlite_target_rows(target))
            elif not target.parent.is_dir():
                raise BackupError(messages.text("DATABASE_NOT_FOUND:directory", directory=target.parent))
            with _closing(sqlite3.connect(target, timeout=30.0)) as db:
                source.backup(db)
                db.execute("PRAGMA journal_mode=WAL")  # as the application keeps it
                return _sqlite_last_event(db)
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError):
            raise BackupError(messages.text("RESTORE_FAILED", error=error)) from None
        raise _not_a_backup(path, str(error)) from None


def _sqlite_target_rows(target: Path) -> list[str]:
    try:
        with _closing(sqlite3.connect(target, timeout=30.0)) as existing:
            return _sqlite_tables_with_rows(existing)
    except sqlite3.DatabaseError as error:
        raise BackupError(
            messages.text("RESTORE_TARGET_NOT_A_DATABASE", target=target, error=error)
        ) from None


def _sqlite_has_events(db: sqlite3.Connection) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (EVENTS_TABLE,))
    return found.fetchone() is not None


def _sqlite_last_event(db: sqlite3.Connection) -> int:
    return db.execute(f"SELECT coalesce(max(id), 0) FROM {EVENTS_TABLE}").fetchone()[0]


def _sqlite_tables_with_rows(db: sqlite3.Connection) -> list[str]:
    names = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return [name for name in names if db.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]]


class _closing:
    """A sqlite3 connection closed afterwards (its own `with` only ends a transaction)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _refuse_if_holding(target: object, tables: list[str]) -> None:
    holding = [name for name in tables if name not in BOOKKEEPING_TABLES]
    if holding:
        raise BackupError(messages.text("RESTORE_TARGET_NOT_EMPTY", target=target, tables=", ".join(holding)))


# --- PostgreSQL ---------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore, and their environment: the password never on a command line."""
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(messages.text("PG_TOOLS_MISSING", name=name))
    return found


def _schema_and_tables(url: URL) -> tuple[str, dict[str, bool], str]:
    """The schema, its tables (each: holds rows?) and the server's version."""
    engine = create_engine(normalise_database_url(url.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            version = connection.execute(text("SHOW server_version")).scalar_one()
            names = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :schema ORDER BY tablename"),
                {"schema": schema},
            ).scalars()
            tables = {
                name: bool(
                    connection.execute(
                        text(f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{name}")')  # names from the catalogue
                    ).scalar_one()
                )
                for name in list(names)
            }
            return schema, tables, version
    except Exception as error:  # any failure to reach the server: in plain words
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise BackupError(messages.text("DATABASE_UNAVAILABLE:backup", detail=first)) from None
    finally:
        engine.dispose()


def _backup_postgres(url: URL, partial: Path) -> int:
    pg_dump = _tool("pg_dump")
    schema, tables, server = _schema_and_tables(url)
    if EVENTS_TABLE not in tables:
        raise BackupError(messages.text("DATABASE_NOT_A_REGISTER:postgresql"))
    address, environment = _libpq(url)
    command = [
        pg_dump,
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--table={_quoted(schema)}.*",  # every table of the schema, as it stands at the snapshot
        f"--file={partial}",
        address,
    ]
    result = _run(command, environment)
    if result.returncode != 0:
        problem = _first_error(result.stderr)
        if "version mismatch" in result.stderr:
            raise BackupError(
                messages.text("PG_DUMP_VERSION_MISMATCH", tool=_tool_version(pg_dump), server=server)
            )
        raise BackupError(messages.text("BACKUP_FAILED", problem=problem))
    return _archive_last_event(partial)


def _restore_postgres(path: Path, url: URL) -> int:
    pg_restore = _tool("pg_restore")
    address, environment = _libpq(url)
    listing = _run([pg_restore, "--list", str(path)], environment)
    if listing.returncode != 0:
        raise _not_a_backup(path, _first_error(listing.stderr))
    if not re.search(rf"^\d+; .*TABLE DATA \S+ {EVENTS_TABLE} ", listing.stdout, re.MULTILINE):
        raise _not_a_backup(path, messages.text("NOT_A_BACKUP:no-register"))
    _schema, tables, _server = _schema_and_tables(url)
    _refuse_if_holding(url.database, sorted(name for name, rows in tables.items() if rows))
    # One transaction: the tables of an empty database that the backup holds too are replaced
    # (`--clean`), and a failure part-way leaves the database as it was.
    command = [
        pg_restore,
        "--single-transaction",
        "--exit-on-error",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        f"--dbname={address}",
        str(path),
    ]
    result = _run(command, environment)
    if result.returncode != 0:
        raise BackupError(messages.text("RESTORE_FAILED:pg-restore", problem=_first_error(result.stderr)))
    return _postgres_last_event(url)


def _archive_last_event(path: Path) -> int:
    """The last event of a fresh dump, as the restored register will have it (read back from
    the dump's rows of events, streamed: a large register's events are not held in memory)."""
    command = [_tool("pg_restore"), f"--table={EVENTS_TABLE}", "--data-only", "--file=-", str(path)]
    last = 0
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        assert process.stdout is not None  # piped
        for line in process.stdout:
            first = line.split("\t", 1)[0]
            if first.isdigit():
                last = max(last, int(first))
    return last


def _postgres_last_event(url: URL) -> int:
    engine = create_engine(normalise_database_url(url.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {EVENTS_TABLE}")).scalar_one()
    finally:
        engine.dispose()


def _run(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=PG_TOOL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(
            messages.text("BACKUP_FAILED:timeout", tool=Path(command[0]).name, seconds=PG_TOOL_TIMEOUT)
        ) from None


def _tool_version(tool: str) -> str | Text:
    result = _run([tool, "--version"], dict(os.environ))
    if result.returncode == 0:
        return result.stdout.strip().rsplit(" ", 1)[-1]
    return messages.text("PG_DUMP_VERSION_MISMATCH:unknown")


def _first_error(stderr: str) -> str | Text:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fel" in line.lower()]
    first = errors or lines
    return first[0] if first else messages.text("RESTORE_FAILED:unknown")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
