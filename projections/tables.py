"""The read models: SQL tables derived only from the register's events.

Versions are bitemporal. `valid_from`/`valid_to` is effective time (the days a
version holds); `recorded_from`/`recorded_to` is transaction time (the instants
the register believed it). A correction never updates a version in place: it
closes the believed row (`recorded_to`) and inserts the new belief, so "as
known at T" stays answerable. `recorded_to IS NULL` is the current belief.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    delete,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.elements import quoted_name


class UTCDateTime(TypeDecorator):
    """Instants stored as naive UTC (SQLite has no time zones), returned aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be time-zone aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

KEY = String(64)
CHANGE_ID = String(100)


def _bitemporal(name: str, key: str, *columns: Column, indexes: tuple = ()) -> Table:
    """A table of versions; `fork_node` and `last_day` find those of a day (`projections.intervals`)."""
    return Table(
        name,
        metadata,
        Column("row_id", Integer, primary_key=True, autoincrement=True),
        Column(key, KEY, nullable=False),
        Column("valid_from", Date, nullable=False),
        Column("valid_to", Date),
        Column("recorded_from", UTCDateTime, nullable=False),
        Column("recorded_to", UTCDateTime),
        *columns,
        Column("change_id", CHANGE_ID, nullable=False),
        Column("ended_by", CHANGE_ID),
        Column("fork_node", Integer, nullable=False),
        Column("last_day", Date, nullable=False),  # the last day in effect (9999-12-31: open-ended)
        Index(f"ix_{name}_key", key, "recorded_to", "valid_from"),
        Index(f"ix_{name}_from", "recorded_to", "fork_node", "valid_from"),
        Index(f"ix_{name}_until", "recorded_to", "fork_node", "last_day"),
        *indexes,
    )


# Every access path of the read side by another key than the version's own ends in the
# columns of the day and the belief: the key (as `=` or `IN`), `recorded_to` (`IS NULL`: the
# current belief) and `valid_from` (`<= day`), so that a unit's children, a unit's posts and a
# board's or a delegate's delegations are index seeks that read the rows of those keys only,
# never a scan of the table (tests/test_query_plans.py; the README, "Speed and scale").
# The revision 0004_access_paths makes them in a database of an earlier version.
unit_versions = _bitemporal(
    "unit_versions",
    "unit_id",
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_id", KEY),
    Column("owner_id", KEY),
    Column("supervisor_id", KEY),  # a company's board with uppsikt
    indexes=(Index("ix_unit_versions_parent", "parent_id", "recorded_to", "valid_from"),),
)

position_versions = _bitemporal(
    "position_versions",
    "position_id",
    Column("title", String(200), nullable=False),
    Column("unit_id", KEY, nullable=False),
    Column("director", Boolean, nullable=False),
    indexes=(Index("ix_position_versions_unit", "unit_id", "recorded_to", "valid_from"),),
)

delegation_versions = _bitemporal(
    "delegation_versions",
    "delegation_id",
    Column("board_id", KEY, nullable=False),
    Column("to_id", KEY, nullable=False),
    Column("matter", Text, nullable=False),
    Column("code", String(200)),
    Column("legal_basis", String(200)),
    Column("limit_text", Text),
    Column("substitute_id", KEY),
    Column("further_delegation", Boolean, nullable=False),
    Column("reporting", Text),
    Column("reserved_matter", Boolean, nullable=False),
    Column("parent_delegation_id", KEY),
    indexes=(
        Index("ix_delegation_versions_board", "board_id", "recorded_to", "valid_from"),
        Index("ix_delegation_versions_to", "to_id", "recorded_to", "valid_from"),
        # The re-check of delegated decisions after a write (projections/decisions.py
        # `affected_by`): the vidaredelegations of a delegation, and the delegations a post
        # stands in for, 0008.
        Index("ix_delegation_versions_parent", "parent_delegation_id", "recorded_to", "valid_from"),
        Index("ix_delegation_versions_substitute", "substitute_id", "recorded_to", "valid_from"),
    ),
)

# Predecessor/successor links, one row per link, keyed (for syncing) by the successor.
unit_links = Table(
    "unit_links",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("successor_id", KEY, nullable=False),
    Column("predecessor_id", KEY, nullable=False),
    Column("link_date", Date, nullable=False),
    Column("change_id", CHANGE_ID, nullable=False),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_to", UTCDateTime),
    Index("ix_unit_links_successor", "successor_id", "recorded_to"),
    Index("ix_unit_links_predecessor", "predecessor_id", "recorded_to"),
)

# The change log: one row per recorded change (reports live in `reports`).
change_log = Table(
    "change_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # recording order
    Column("change_id", CHANGE_ID, nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("effective", Date),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("decision_body", String(200)),
    Column("decision_date", Date),
    Column("decision_paragraph", String(200)),
    Column("decision_reference", String(200)),
    Column("decision_position", KEY),
    Column("decision_name", String(200)),  # who decided, by name, on the decision's day
    # To whom the change is to be reported, derived when it was recorded (orgchange.domain.reporting).
    Column("report_to", KEY),
    Column("report_basis", String(32)),
    Column("note", Text),
    Column("payload", Text, nullable=False),  # the change as written in a change file (JSON)
    Column("cancels", CHANGE_ID),  # for cancel_change: the change it cancels
    Column("cancelled_by", CHANGE_ID),
    Column("cancelled_at", UTCDateTime),
    Index("ix_change_log_effective", "effective", "seq"),
    Index("ix_change_log_recorded", "recorded_at"),
    Index("ix_change_log_report_to", "report_to"),
)

# Delegations a change left without a delegate, by the board that granted them: that board
# is to hear of the change too, whoever decided it ("påverkar er delegationsordning").
change_effects = Table(
    "change_effects",
    metadata,
    Column("change_id", CHANGE_ID, primary_key=True),
    Column("board_id", KEY, primary_key=True),
    Column("delegation_id", KEY, primary_key=True),
    Column("code", String(200)),
    Index("ix_change_effects_board", "board_id"),
)

change_units = Table(
    "change_units",
    metadata,
    Column("change_id", CHANGE_ID, primary_key=True),
    Column("unit_id", KEY, primary_key=True),
    # The change's place in the log (`change_log.effective`, `seq`), kept beside each of its
    # units so that a unit's changes are read in the log's order from one index, a page at a
    # time, however many changes the unit has had (`projections/queries.py`, `_change_page`).
    # Written with every row; nullable only so that revision 0009 could add them in place.
    Column("effective", Date),
    Column("seq", Integer),
    Index("ix_change_units_unit", "unit_id", "effective", "seq"),
)

reports = Table(
    "reports",
    metadata,
    Column("board_id", KEY, primary_key=True),
    Column("meeting", Date, primary_key=True),
    Column("reference", String(200)),
    Column("noted_paragraph", String(200)),
    Column("noted_at", UTCDateTime),
)

report_items = Table(
    "report_items",
    metadata,
    Column("board_id", KEY, primary_key=True),
    Column("meeting", Date, primary_key=True),
    Column("change_id", CHANGE_ID, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("report_change_id", CHANGE_ID, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_report_items_change", "change_id"),
)

# The rest of the audit trail, beside the change log: who reported changes to a board
# (report_changes), who recorded that a board noted a report (note_report), and who gave
# the organisation its name (name_organisation; `name` is the name given). `seq` is the
# event's place in the register, shared with the change log, so the two interleave.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("change_id", CHANGE_ID),  # a report's or noting's id; none for a naming
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", String(200)),  # none: a naming recorded before namings said who
    Column("summary", Text),  # a report's or noting's sentence; a naming's is made when read
    Column("name", Text),
    Index("ix_audit_log_recorded", "recorded_at"),
)

# Every name of every unit and post, one row per word it starts a word at (projections.search):
# `words` is the folded name from that word on, compared byte by byte (the collation "C" on
# PostgreSQL, SQLite's own) so that a B-tree range finds a prefix. The current belief only.
SEARCH_WORDS_LENGTH = 200
search_names = Table(
    "search_names",
    metadata,
    Column("kind", String(16), primary_key=True),  # unit | position
    Column("entity_id", KEY, primary_key=True),
    Column("valid_from", Date, primary_key=True),  # the first day of the name
    Column(
        "words",
        String(SEARCH_WORDS_LENGTH).with_variant(String(SEARCH_WORDS_LENGTH, collation="C"), "postgresql"),
        primary_key=True,
    ),
    Column("whole", Boolean, nullable=False),  # `words` is the whole name (it starts at its first word)
    Column("name", String(200), nullable=False),
    Column("valid_to", Date),  # the day after the name's last day; null: still in use
    Column("life_from", Date, nullable=False),  # the unit's or post's whole life
    Column("life_last", Date, nullable=False),  # its last day (9999-12-31: open-ended)
    Column("unit_id", KEY),  # a post's unit while it had the name
    Index("ix_search_names_words", "words"),
)

# Which event the read models reflect; written in the same transaction as they are.
projection_state = Table(
    "projection_state",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("last_event_id", Integer, nullable=False),
    Column("register_version", Integer, nullable=False),
)

# The tables the events cannot rebuild: made and changed only by the migrations
# (orgchange/adapters/migrations, `orgchange migrate`), never dropped with the read models.
kept_metadata = MetaData()

# Outputs generated from the register (review packs, diagrams written to files), so that
# a later correction can say which of them no longer tell the truth. Not a read model:
# it records what was handed out, which the events do not know, and a rebuild keeps it.
generated_outputs = Table(
    "generated_outputs",
    kept_metadata,
    Column("output_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("description", String(500), nullable=False),
    Column("covers_from", Date, nullable=False),
    Column("covers_to", Date, nullable=False),
    Column("generated_at", UTCDateTime, nullable=False),
    Column("generated_by", String(200), nullable=False),
    Column("location", String(1000)),
)

READ_MODEL_TABLES = (
    unit_versions,
    position_versions,
    delegation_versions,
    unit_links,
    change_log,
    change_units,
    change_effects,
    reports,
    report_items,
    audit_log,
    search_names,
    projection_state,
)

# The shape of the read models, stored beside them: a database whose read models were
# written by another version of orgchange gets them rebuilt from the events, not misread.
read_model_schema = Table(
    "read_model_schema",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
)


# What the read models hold, beyond their shape: bump it when the words or values written
# into them change (a summary's wording, a derived column), so a database written by an
# earlier version is rebuilt rather than left saying what the code no longer would.
# 2: areas are "verksamhetsområdet" and groups "ledningsgruppen" in summaries.
# 3: the names of units and posts for search (`search_names`).
# 4: a unit's changes in the log's order (`change_units.effective`, `seq`).
CONTENT_VERSION = 4


def schema_fingerprint() -> str:
    shape: list[object] = [CONTENT_VERSION]
    shape += [
        (
            table.name,
            [(c.name, str(c.type), c.nullable, c.primary_key) for c in table.columns],
            sorted((index.name, [c.name for c in index.columns]) for index in table.indexes),
        )
        for table in READ_MODEL_TABLES
    ]
    return hashlib.sha256(repr(shape).encode()).hexdigest()[:32]


# Which version of the read models the database holds: a process that knows only lower
# versions leaves them (and the database) alone (`DATABASE_TOO_NEW`). Versions up to 0.1.0
# wrote no row here: their read models are of version 2 or lower.
schema_versions = Table(
    "schema_versions",
    metadata,
    Column("component", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
)

READ_MODELS = "read_models"
READ_MODEL_VERSION = CONTENT_VERSION


class ReadModelState(enum.Enum):
    CURRENT = "current"  # of this version: nothing to do
    MISSING = "missing"  # a database without read models: made at once, empty
    STALE = "stale"  # of an earlier version (or another shape): to be rebuilt (`orgchange migrate`)
    TOO_NEW = "too_new"  # of a later version: left alone


@dataclass(frozen=True)
class Found:
    state: ReadModelState
    version: int | None  # as stored; None: not stored (none yet, or written by 0.1.0 or earlier)


def read_model_state(connection: Connection) -> Found:
    inspector = inspect(connection)
    version = None
    if inspector.has_table(schema_versions.name):
        row = connection.execute(
            select(schema_versions.c.version, schema_versions.c.fingerprint).where(
                schema_versions.c.component == READ_MODELS
            )
        ).first()
        if row is not None:
            version = row.version
            if version > READ_MODEL_VERSION:
                return Found(ReadModelState.TOO_NEW, version)
    if not inspector.has_table(read_model_schema.name):
        state = ReadModelState.STALE if inspector.has_table(change_log.name) else ReadModelState.MISSING
        return Found(state, version)
    found = connection.execute(select(read_model_schema.c.fingerprint)).scalar()
    return Found(ReadModelState.CURRENT if found == schema_fingerprint() else ReadModelState.STALE, version)


def stored_read_model_version(connection: Connection) -> int | None:
    """The version of the read models as stored (None: none stored); one query, for every write."""
    return connection.execute(
        select(schema_versions.c.version).where(schema_versions.c.component == READ_MODELS)
    ).scalar()


def prepare(engine: Engine) -> Found:
    """Make the read models of a database that has none (they are then empty, to be rebuilt).

    Read models of another version are left as they are: `rebuild_into_new_tables` replaces
    them, built beside them while they keep answering.
    """
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                found = read_model_state(connection)
                if found.state is ReadModelState.MISSING:
                    metadata.create_all(connection)
                    _mark(connection)
                elif found.state is ReadModelState.CURRENT and found.version is None:
                    # Read models of this shape written by 0.1.0, which stored no version.
                    metadata.create_all(connection, tables=[schema_versions])
                    _mark(connection)
                return found
        except DBAPIError:  # another process made the same tables at the same moment
            if attempt == 4:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _mark(connection: Connection) -> None:
    fingerprint = schema_fingerprint()
    connection.execute(delete(read_model_schema))
    connection.execute(insert(read_model_schema).values(fingerprint=fingerprint))
    connection.execute(delete(schema_versions).where(schema_versions.c.component == READ_MODELS))
    connection.execute(
        insert(schema_versions).values(
            component=READ_MODELS, version=READ_MODEL_VERSION, fingerprint=fingerprint
        )
    )


def new_tables(engine: Engine, indexed: bool = True) -> dict[str, Table]:
    """Empty read-model tables of this version beside the ones in use, by the name they will take.

    Their names (and their indexes') carry a token of their own, so that they clash with
    nothing the database holds; `swap_in` gives them the read models' names. With
    `indexed=False` the tables are made without their secondary indexes, for a bulk load:
    `index_new_tables` makes them afterwards, each in one sorted pass rather than row by row.
    """
    token = secrets.token_hex(4)
    building = MetaData()
    made: dict[str, Table] = {}
    for table in READ_MODEL_TABLES:
        copy = table.to_metadata(building, name=f"{table.name}__{token}")
        for index in copy.indexes:
            index.name = quoted_name(f"{index.name}__{token}", None)
        made[table.name] = copy
    with engine.begin() as connection:
        if indexed:
            building.create_all(connection)
        else:
            for table in made.values():
                connection.execute(CreateTable(table))
    return made


def index_new_tables(connection: Connection, made: dict[str, Table]) -> None:
    """The secondary indexes of tables made by `new_tables(…, indexed=False)`, once they are full."""
    for table in made.values():
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            index.create(connection)


def drop_new_tables(engine: Engine, made: dict[str, Table]) -> None:
    with engine.begin() as connection:
        for table in made.values():
            table.drop(connection, checkfirst=True)


def swap_in(connection: Connection, made: dict[str, Table]) -> None:
    """In the caller's transaction: the new tables become the read models, the old ones go."""
    metadata.create_all(connection, tables=[read_model_schema, schema_versions])
    existing = set(inspect(connection).get_table_names())
    preparer = connection.dialect.identifier_preparer
    for table in READ_MODEL_TABLES:
        if table.name in existing:
            connection.exec_driver_sql(f"DROP TABLE {preparer.quote(table.name)}")
        connection.exec_driver_sql(
            f"ALTER TABLE {preparer.quote(made[table.name].name)} RENAME TO {preparer.quote(table.name)}"
        )
    _mark(connection)
