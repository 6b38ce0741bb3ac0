"""Every statement the unit page's queries send finds its rows through an index, never a scan.

The unit page (orgchange/web/app.js, `views.enhet`) asks for a unit with its parent,
owner, children, posts, delegations, history and changes, and then for the names of
the units it links to: the documents `benchmarks/page_queries.py` reads out of the
JavaScript and marks as the unit page's. Each is asked here over HTTP for units of
several kinds; every SQL statement the service sends for them is recorded and then
explained by the database itself, with the same parameters: SQLite's `EXPLAIN QUERY
PLAN`, PostgreSQL's `EXPLAIN` with sequential scans disabled (on a table this small
the planner would rightly prefer one; disabled, it still takes one where no index
serves). A read model that grows with the register (versions, links, the change log)
must be searched through an index with a condition — not read whole, and not walked
whole along an index either. This is what keeps a click on a unit cheap at any size
(the benchmark measures it: benchmarks/README via the README's tables).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from benchmarks import page_queries
from projections import intervals, tables
from tests.builders import base_organisation

from .api.conftest import Api, make_api  # noqa: F401  (a fixture, used by `api`)

DAY = "2017-03-01"
FILLER = 20_000  # rows of history added to each growing table, beside the sample's
READ_AT_MOST = 1_000  # rows a statement of the unit page may read from one table (PostgreSQL)
# The tables that grow with the register: each must be searched, never scanned.
GROWING = {
    tables.unit_versions.name,
    tables.position_versions.name,
    tables.delegation_versions.name,
    tables.unit_links.name,
    tables.change_log.name,
    tables.change_units.name,
    tables.change_effects.name,
    tables.report_items.name,
    tables.audit_log.name,
}


def _a_register_sized_history(engine) -> None:  # noqa: ANN001
    """FILLER versions, posts, delegations, links and changes of things the sample does not
    have (keys "fyll-…", under parents and boards of their own), spread over 1990–2024 with a
    tenth of them no longer believed, and the databases' statistics of them: the planner then
    chooses as it would for a register of that size, and a scan shows as one."""
    rng = random.Random(5)
    start = date(1990, 1, 1).toordinal()
    recorded = datetime(2020, 1, 1, tzinfo=UTC)

    def versioned(key: str, n: int) -> dict[str, Any]:
        first = date.fromordinal(start + rng.randrange(12_000))
        end = None if rng.random() < 0.3 else first + timedelta(days=rng.randrange(1, 3_000))
        fork_node, last_day = intervals.place(first, end)
        return {
            key: f"fyll-{n}",
            "valid_from": first,
            "valid_to": end,
            "recorded_from": recorded,
            "recorded_to": recorded + timedelta(days=1) if n % 10 == 0 else None,
            "change_id": f"fyll-{n}",
            "ended_by": None,
            "fork_node": fork_node,
            "last_day": last_day,
        }

    units = [
        versioned("unit_id", n)
        | {"name": f"Enhet {n}", "kind": "unit", "parent_id": f"fyll-p-{n % 2_000}", "owner_id": None}
        | {"supervisor_id": None}
        for n in range(FILLER)
    ]
    posts = [
        versioned("position_id", n) | {"title": "Chef", "unit_id": f"fyll-{n % 5_000}", "director": False}
        for n in range(FILLER)
    ]
    delegations = [
        versioned("delegation_id", n)
        | {"board_id": f"fyll-n-{n % 200}", "to_id": f"fyll-{n % 5_000}", "matter": "Ärende", "code": str(n)}
        | {"legal_basis": None, "limit_text": None, "substitute_id": None, "further_delegation": False}
        | {"reporting": None, "reserved_matter": False, "parent_delegation_id": None}
        for n in range(FILLER)
    ]
    links = [
        {"successor_id": f"fyll-{n}", "predecessor_id": f"fyll-{n + 1}", "link_date": units[n]["valid_from"]}
        | {"change_id": f"fyll-{n}", "recorded_from": recorded, "recorded_to": None}
        for n in range(FILLER)
    ]
    log = [
        {"seq": 10_000_000 + n, "change_id": f"fyll-{n}", "type": "rename_unit"}
        | {"effective": units[n]["valid_from"], "recorded_at": recorded, "recorded_by": "test"}
        | {"summary": "Fyllnad.", "payload": "{}"}
        for n in range(FILLER)
    ]
    touched = [{"change_id": f"fyll-{n}", "unit_id": f"fyll-{n}"} for n in range(FILLER)]
    effects = [
        {
            "change_id": f"fyll-{n}",
            "board_id": f"fyll-n-{n % 200}",
            "delegation_id": f"fyll-{n}",
            "code": None,
        }
        for n in range(FILLER)
    ]
    items = [
        {"board_id": f"fyll-n-{n % 200}", "meeting": units[n]["valid_from"], "change_id": f"fyll-{n}"}
        | {"position": n, "report_change_id": f"fyll-r-{n}", "recorded_at": recorded}
        for n in range(FILLER)
    ]
    with engine.begin() as connection:
        for table, rows in (
            (tables.unit_versions, units),
            (tables.position_versions, posts),
            (tables.delegation_versions, delegations),
            (tables.unit_links, links),
            (tables.change_log, log),
            (tables.change_units, touched),
            (tables.change_effects, effects),
            (tables.report_items, items),
        ):
            connection.execute(insert(table), rows)
        connection.execute(text("ANALYZE"))


@pytest.fixture
def api(demo_app, make_api) -> Api:  # noqa: ANN001, F811
    """The service over the Nacka sample, with a register's worth of history beside it."""
    _a_register_sized_history(demo_app.engine)
    return make_api(demo_app, answer_cache_mb=0)


@contextmanager
def _statements(api: Api) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT") or statement.lstrip().startswith("("):
            sent.append((statement, parameters))

    event.listen(api.orgchange.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(api.orgchange.engine, "before_cursor_execute", record)


def _unit_page_statements(api: Api) -> list[tuple[str, Any]]:
    """The statements of the unit page's documents, asked for a board, an office and a unit."""
    units = api.data(
        "query ($d: Date!) { organisation(asOf: $d) { units { id kind children { id } positions { id } } } }",
        {"d": DAY},
    )["organisation"]["units"]
    by_kind = {}
    for unit in units:
        if unit["children"] or unit["positions"]:
            by_kind.setdefault(unit["kind"], unit["id"])
    chosen = [by_kind[kind] for kind in ("board", "office", "unit") if kind in by_kind]
    assert len(chosen) >= 2, by_kind
    asked = [(query, entry) for query, entry in page_queries.measured() if entry.unit_page]
    assert any("unit" in query.fields for query, _ in asked)
    with _statements(api) as sent:
        for key in chosen:
            sample = page_queries.Sample(
                unit=key,
                day=date.fromisoformat(DAY),
                board=by_kind["board"],
                units_on_day=[u["id"] for u in units],
                draft=None,
                rng=random.Random(1),
            )
            for query, entry in asked:
                document, variables = page_queries.asked(query, entry, sample)
                api.data(document, variables)
    assert sent
    return sent


def _sqlite_problems(api: Api, statement: str, parameters: Any, watched: set[str] = GROWING) -> list[str]:
    with api.orgchange.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    problems = []
    for row in plan:
        detail = row[-1]
        words = detail.split()
        if len(words) < 2 or words[1] not in watched:
            continue
        # "SCAN t" reads t whole, "SCAN t USING [COVERING] INDEX i" walks all of i; "SEARCH" seeks,
        # but a seek on the belief alone (every current row) is a scan by another name.
        if words[0] == "SCAN" or detail.endswith("(recorded_to=?)"):
            problems.append(detail)
    return problems


def _postgres_problems(api: Api, statement: str, parameters: Any, watched: set[str] = GROWING) -> list[str]:
    """Run with EXPLAIN ANALYZE: how many rows each growing table gave (kept or filtered out)."""
    with api.orgchange.engine.connect() as connection:
        (plan,) = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).one()
    problems: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        relation = node.get("Relation Name")
        if relation in watched:
            kind = node["Node Type"]
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
            if kind == "Seq Scan" or read > READ_AT_MOST:
                problems.append(f"{kind} on {relation} ({node.get('Index Name')}): {read} rows read")
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return problems


def test_every_statement_of_the_unit_page_is_an_index_search_on_both_databases(api: Api):
    """A read model read whole would make every click on a unit cost the register's size."""
    sent = _unit_page_statements(api)
    explain = _postgres_problems if api.orgchange.engine.dialect.name == "postgresql" else _sqlite_problems
    growing = [(s, p) for s, p in sent if any(name in s for name in GROWING)]

    problems = {s: found for s, p in growing if (found := explain(api, s, p))}

    assert len(growing) >= 5, sent  # the page's reads of the read models were seen
    assert problems == {}, {s[:120]: f for s, f in problems.items()}


def test_the_children_of_a_unit_are_found_through_the_index_of_parent_and_day(api: Api):
    """The read the issue measured at 137 ms with 10,000 units: `children` by `parent_id`."""
    units = api.data("query ($d: Date!) { organisation(asOf: $d) { units { id kind } } }", {"d": DAY})
    board = next(u["id"] for u in units["organisation"]["units"] if u["kind"] == "board")
    with _statements(api) as sent:
        api.data(
            "query ($id: ID!, $d: Date!) { unit(id: $id, asOf: $d) { children { id } } }",
            {"id": board, "d": DAY},
        )
    statement, parameters = next((s, p) for s, p in sent if "parent_id IN" in s)
    with api.orgchange.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            plan = " ".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        else:
            plan = " ".join(
                r[-1] for r in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )

    assert "ix_unit_versions_parent" in plan


def _decisions_of_years(engine, count: int = 20_000) -> None:  # noqa: ANN001
    """`count` delegated decisions over 2016–2018, for 20 boards and posts, with their checks
    and the databases' statistics of them (the bulk path's rows, without their events)."""
    from projections import decisions as dm

    rng = random.Random(9)
    recorded = datetime(2020, 1, 1, tzinfo=UTC)
    rows, checks = [], []
    for n in range(count):
        board = f"fyll-n-{n % 20}"
        rows.append(
            {
                "decision_id": f"fyll-{n}",
                "seq": 1_000_000 + n,
                "delegation_ref": f"F.{n % 100}",
                "decided_by": f"fyll-p-{n % 500}",
            }
            | {"decision_date": date(2016, 1, 1) + timedelta(days=rng.randrange(1_095)), "matter": "Ärende"}
            | {"reference": None, "amount": None, "acting_as_substitute": False, "recorded_at": recorded}
            | {"recorded_by": "test", "content": "{}", "delegation_id": f"fyll-d-{n % 50}", "board_id": board}
            | {"report_to": board, "not_reported": False, "finding_count": 0, "listed_for": board}
        )
        checks.append(
            {"decision_id": f"fyll-{n}", "delegation_id": f"fyll-d-{n % 50}", "board_id": board}
            | {"report_to": board, "not_reported": False, "findings": "[]", "recorded_from": recorded}
            | {"recorded_to": None}
        )
    with engine.begin() as connection:
        connection.execute(insert(dm.delegated_decisions), rows)
        connection.execute(insert(dm.decision_checks), checks)
        connection.execute(text("ANALYZE"))


DECISIONS = {"delegated_decisions", "decision_checks", "decision_reports"}
MONTH = """query ($b: ID, $f: Date, $t: Date, $after: String) {
  delegatedDecisions(board: $b, from: $f, to: $t, first: 100, after: $after) {
    pageInfo { endCursor } edges { node { id date findings reportTo reported { meeting } } } } }"""


def test_a_boards_list_of_a_month_is_an_index_search_that_stops_at_the_page_on_both_databases(
    demo_app,
    make_api,  # noqa: ANN001, F811
):
    """The meeting's list (issue: p50 ≤ 100 ms at 500,000 decisions): the board's decisions of
    a month, a page and the page after it, each found through the index of (board, date,
    recording order, id) — no scan of the decisions (SQLite: and no sort; PostgreSQL may sort
    the month's few rows it read)."""
    _decisions_of_years(demo_app.engine)
    api = make_api(demo_app, answer_cache_mb=0)
    variables = {"b": "fyll-n-3", "f": "2017-03-01", "t": "2017-03-31"}
    with _statements(api) as sent:
        first = api.data(MONTH, variables)["delegatedDecisions"]
        api.data(MONTH, variables | {"after": first["pageInfo"]["endCursor"]})
    assert len(first["edges"]) > 0
    asked = [(s, p) for s, p in sent if any(name in s for name in DECISIONS)]
    listing = [(s, p) for s, p in asked if "ORDER BY" in s]
    assert len(listing) == 2, asked
    postgres = api.orgchange.engine.dialect.name == "postgresql"
    problems: dict[str, list[str]] = {}
    with api.orgchange.engine.connect() as connection:
        for statement, parameters in asked:
            if postgres:
                (plan,) = connection.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
                ).one()
                found: list[str] = []

                def walk(node: dict[str, Any], found: list[str] = found) -> None:
                    relation = node.get("Relation Name")
                    read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get(
                        "Actual Loops", 1
                    )
                    # A month's few rows may be sorted; what must not happen is reading many.
                    scanned = node["Node Type"] == "Seq Scan" and read > 0
                    if relation in DECISIONS and (scanned or read > READ_AT_MOST):
                        found.append(f"{node['Node Type']} on {relation}: {read} rows read")
                    for child in node.get("Plans", []):
                        walk(child)

                walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
            else:
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                found = [
                    row[-1]
                    for row in plan
                    if row[-1].startswith("SCAN")
                    and row[-1].split()[1] in DECISIONS
                    or "TEMP B-TREE" in row[-1]
                ]
                if "ORDER BY" in statement:
                    assert any("ix_delegated_decisions_listed" in row[-1] for row in plan), plan
            if found:
                problems[statement] = found
    assert problems == {}, {s[:120]: f for s, f in problems.items()}


def test_recording_a_reorganisation_beside_delegated_decisions_reads_no_growing_table_whole(
    demo_app,
    make_api,  # noqa: ANN001, F811
):
    """A write re-checks the delegated decisions under what it changed (docs/decisions.md). What
    it changed is told by the writer that has just written it, not read back from the version
    tables by the recording instant, which no index serves: a rename and a move of a unit, a new
    post and a delegation re-pointed to it, in a register with a register's worth of history and
    20,000 decisions, send no statement that scans a growing table or the decisions."""
    from orgchange.application.changefile import parse_change_file

    _a_register_sized_history(demo_app.engine)
    _decisions_of_years(demo_app.engine)
    api = make_api(demo_app, answer_cache_mb=0)
    file = parse_change_file(
        "format: orgchange/v1\nchanges:\n"
        "  - {id: plan-1, type: rename_unit, effective: 2019-01-01, unit: personalenheten, name: Personalenheten}\n"
        "  - {id: plan-2, type: establish_position, effective: 2019-01-02, position: plan-chef,"
        " unit: personalenheten, title: Planchef}\n"
        "  - {id: plan-3, type: amend_delegation, effective: 2019-01-03, delegation: ntn-n1, to: plan-chef}\n"
    )
    with _statements(api) as sent:
        for change in file.changes:
            demo_app.record_changes([change], "test")
    postgres = api.orgchange.engine.dialect.name == "postgresql"
    explain = _postgres_problems if postgres else _sqlite_problems
    watched = GROWING | DECISIONS
    # whether any decision is recorded at all (a first row, LIMIT 1) reads one row of any table
    read = [(s, p) for s, p in sent if any(name in s for name in watched) and not _first_row_only(s)]

    problems = {s: found for s, p in read if (found := explain(api, s, p, watched))}

    assert any("delegated_decisions" in s for s, _ in read), "the re-check was not seen"
    assert problems == {}, "\n".join(f"{s[-300:]!r}: {f}" for s, f in problems.items())


def _first_row_only(statement: str) -> bool:
    return " WHERE " not in statement.upper() and "\n LIMIT" in statement


def test_a_later_page_of_a_units_changes_reads_that_page_on_both_databases(app) -> None:  # noqa: ANN001
    """A unit's changes after a cursor are a range of the index of (unit, effective, seq): the
    page's rows, however far into the unit's history the cursor is (with the cursor's
    condition alone PostgreSQL read the index from the unit's first change and filtered)."""
    from projections.queries import _change_filter, _change_page

    app.record_changes(base_organisation(), "test")
    many = 20_000
    day = [date(2000, 1, 1) + timedelta(days=n // 3) for n in range(many)]
    with app.engine.begin() as connection:
        connection.execute(
            insert(tables.change_log),
            [
                {
                    "seq": 100_000 + n,
                    "change_id": f"x{n}",
                    "type": "rename_unit",
                    "effective": day[n],
                    "recorded_at": datetime(2026, 1, 1, tzinfo=UTC),
                    "recorded_by": "test",
                    "summary": "s",
                    "payload": "{}",
                }
                for n in range(many)
            ],
        )
        connection.execute(
            insert(tables.change_units),
            [
                {"change_id": f"x{n}", "unit_id": "ks", "effective": day[n], "seq": 100_000 + n}
                for n in range(many)
            ],
        )
        connection.execute(text("ANALYZE"))
    shape, params = _change_filter(None, None, "ks", None, None, None)
    middle = many // 2
    params.update(limit=101, after_day=day[middle], after_seq=100_000 + middle)
    statement = str(
        _change_page(shape, True).params(**params).compile(app.engine, compile_kwargs={"literal_binds": True})
    )
    with app.engine.connect() as connection:
        page = [row.change_id for row in connection.execute(_change_page(shape, True), params)]
        if app.engine.dialect.name == "postgresql":
            (plan,) = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}").one()
            read = _rows_read(
                (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"], "change_units"
            )
            assert read <= 3 * 101, read
        else:
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
            assert any(p.startswith("SEARCH change_units USING INDEX") and "effective>" in p for p in plan), (
                plan
            )
    assert page == [f"x{n}" for n in range(middle + 1, middle + 102)]


def _rows_read(node: dict[str, Any], relation: str) -> int:
    """The rows a plan read from `relation` (kept or filtered out), over all its loops."""
    here = 0
    if node.get("Relation Name") == relation:
        here = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
    return here + sum(_rows_read(child, relation) for child in node.get("Plans", []))
