"""Nested fields cost a bounded number of SQL statements, whatever the size of the answer.

One database grows from 100 to 1,000 units; the same GraphQL questions are
asked at both sizes and the statements sent to the database are counted with a
SQLAlchemy `before_cursor_execute` listener on the application's engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from api.graphql import loaders
from orgchange.adapters.eventstore import POOL_SIZE, quick_reads
from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change

from .conftest import Api, Tokens

BRANCHING = 5  # unit n stands under unit (n - 1) // BRANCHING: a tree about five levels deep


@pytest.fixture
def empty_api(app: OrgChange, make_api: Callable[..., Api]) -> Api:
    """Without the answer cache: these tests count what answering a query costs."""
    return make_api(app, answer_cache_mb=0)


ORGANISATION = """
query ($asOf: Date!) {
  organisation(asOf: $asOf) {
    roots { id }
    units {
      id name kind parentId
      parent { id name }
      children { id name }
      positions { id title director delegations { id fromId validFrom } }
      validFrom validTo predecessors successors
    }
  }
}
"""

SUBTREE = """
query ($asOf: Date!) {
  unit(id: "u-0", asOf: $asOf) {
    children { id positions { id }
      children { id validFrom
        children { id parent { id } positions { id title } } } }
  }
}
"""


def _generated_units(start: int, stop: int, effective: str) -> list[Any]:
    """Units u-start .. u-(stop-1) (u-0 the council, u-1 a board), a post in every other
    unit, and a delegation from the board to every other post."""
    changes = []
    for n in range(start, stop):
        fields: dict[str, Any] = {
            "type": "establish_unit",
            "effective": effective,
            "unit": f"u-{n}",
            "name": f"Enhet {n}",
            "kind": {0: "council", 1: "board"}.get(n, "unit"),
        }
        if n:
            fields["parent"] = f"u-{(n - 1) // BRANCHING}"
        changes.append(parse_change(fields, n + 1))
        if n % 2:
            changes.append(
                parse_change(
                    {
                        "type": "establish_position",
                        "effective": effective,
                        "position": f"p-{n}",
                        "title": f"Chef {n}",
                        "unit": f"u-{n}",
                        "director": n % 4 == 1,
                    },
                    n + 1,
                )
            )
        if n % 4 == 1:
            changes.append(
                parse_change(
                    {
                        "type": "grant_delegation",
                        "effective": effective,
                        "delegation": f"d-{n}",
                        "from": "u-1",
                        "to": f"p-{n}",
                        "matter": f"Ärenden inom enhet {n}",
                        "code": f"{n}.1",
                    },
                    n + 1,
                )
            )
    return changes


@contextmanager
def counting_statements(orgchange: OrgChange) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(orgchange.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(orgchange.engine, "before_cursor_execute", count)


def _statements_for(api: Api, query: str, as_of: str, expected_units: int | None) -> int:
    api.data(query, {"asOf": as_of})  # warm the pool: a first connection may say hello
    with counting_statements(api.orgchange) as statements:
        data = api.data(query, {"asOf": as_of})
    if expected_units is not None:
        assert len(data["organisation"]["units"]) == expected_units
        assert sum(len(u["children"]) for u in data["organisation"]["units"]) == expected_units - 1
    return len(statements)


def test_organisation_with_nested_fields_costs_the_same_for_100_and_1000_units(
    empty_api: Api,
) -> None:
    app = empty_api.orgchange
    app.record_changes(_generated_units(0, 100, "2020-01-01"), "test")
    small = _statements_for(empty_api, ORGANISATION, "2020-06-01", 100)
    small_subtree = _statements_for(empty_api, SUBTREE, "2020-06-01", None)

    app.record_changes(_generated_units(100, 1000, "2021-01-01"), "test")
    large = _statements_for(empty_api, ORGANISATION, "2021-06-01", 1000)
    large_subtree = _statements_for(empty_api, SUBTREE, "2021-06-01", None)

    # organisation, positions, delegations, their lives, whole lives, links: six, at any size;
    # and one row for the ETag, the read models' position (docs/http.md#caching). Where reads
    # of a few keys run on the event loop (SQLite), one more for 100 units: the capped count
    # that says the 50 posts' delegations are few enough to read there (`Reads.bounded`).
    assert large == 7
    assert small == large + (1 if quick_reads(app.engine) else 0)
    # unit, three levels of children, positions twice, lives: one statement each; the position.
    assert small_subtree == large_subtree == 8


UNIT_DELEGATIONS = """
query ($asOf: Date!) {
  organisation(asOf: $asOf) {
    units { id delegationsGranted { id validFrom } delegationsReceived { id } positions { delegations { id } } }
  }
}
"""


def test_delegations_granted_and_received_cost_the_same_for_100_and_1000_units(empty_api: Api) -> None:
    app = empty_api.orgchange
    app.record_changes(_generated_units(0, 100, "2020-01-01"), "test")
    small = _statements_for(empty_api, UNIT_DELEGATIONS, "2020-06-01", None)

    app.record_changes(_generated_units(100, 1000, "2021-01-01"), "test")
    data = empty_api.data(UNIT_DELEGATIONS, {"asOf": "2021-06-01"})
    large = _statements_for(empty_api, UNIT_DELEGATIONS, "2021-06-01", None)

    board = next(u for u in data["organisation"]["units"] if u["id"] == "u-1")
    assert len(board["delegationsGranted"]) == 250  # to every fourth unit's post
    # organisation; positions; delegations granted and their lives; delegations to the
    # units (none: no committees); delegations to the positions and their lives; the ETag's
    # position. On SQLite, for 100 units, the count of the 50 posts' delegations (as above).
    assert large == 8
    assert small == large + (1 if quick_reads(app.engine) else 0)


@contextmanager
def statements_on_the_loop(orgchange: OrgChange) -> Iterator[list[str]]:
    """The statements sent from the thread that runs the event loop (a worker's are left out)."""
    on_loop: list[str] = []

    def check(conn, cursor, statement, parameters, context, executemany) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread
        on_loop.append(statement)

    event.listen(orgchange.engine, "before_cursor_execute", check)
    try:
        yield on_loop
    finally:
        event.remove(orgchange.engine, "before_cursor_execute", check)


def test_no_statement_but_a_lookup_of_a_few_keys_runs_on_the_event_loop(api: Api, tokens: Tokens) -> None:
    """What may take long stays off the loop on every database: a day's whole organisation,
    a diff, a page of the whole log and its count, the delegations of a day, every write, the
    documents and charts. On SQLite the DataLoaders' lookups of the sample's few keys and the
    answers' stamp run on the loop (the next test)."""
    with statements_on_the_loop(api.orgchange) as on_loop:
        api.data(ORGANISATION, {"asOf": "2017-03-01"})
        api.data('{ diff(from: "2016-01-01", to: "2017-01-01") { added } }')
        api.data("{ changes(first: 5) { totalCount edges { node { id } } } }")
        api.data(
            '{ delegations(asOf: "2017-03-01") { id validFrom } delegationGaps(asOf: "2017-03-01") { since } }'
        )
        api.data(
            'mutation { reportChanges(board: "ks", meeting: "2019-02-04", changeIds: ["nacka-2018-011"])'
            ' { board } noteReport(board: "ks", meeting: "2019-02-04", paragraph: "§ 9") { board } }',
            token=tokens.registrar,
        )
        api.post_changes("format: orgchange/v1\nchanges: []\n", tokens.registrar)
        api.client.get("/health")
        api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"})
        api.data(
            "{ register { organisation firstEffective eventCount changeCount } staleOutputs { id }"
            ' unreportedChanges(board: "ks", first: 3) { id }'
            ' delegationImpact(changeId: "nacka-2017-001") { opened { delegationId } }'
            ' delegationFindings(asOf: "2017-03-01") { delegationId } }'
        )
        api.data(
            "mutation ($f: JSON!) { previewChanges(file: $f) { opened { delegationId } } }",
            {"f": {"format": "orgchange/v1", "changes": []}},
            token=tokens.registrar,
        )
        for path, params in (
            ("/reports/ks/2017-02-06.html", {}),
            ("/reports/ks/review.html", {"from": "2017-01-01", "to": "2017-01-31"}),
            ("/reports/ks/unreported", {}),
            ("/documents/delegationsordning.csv", {"asOf": "2017-03-01", "board": "ks"}),
        ):
            assert api.client.get(path, params=params).status_code == 200, path

    if api.orgchange.engine.dialect.name == "postgresql":
        assert on_loop == []
    else:  # the sample's few units, posts and delegations, and the answers' stamp
        assert on_loop
        assert [s for s in on_loop if not _a_lookup_by_key(s)] == []


def _a_lookup_by_key(statement: str) -> bool:
    """A SELECT of the rows of given keys (`IN (?, …)`, `= ?`), not a day's slice, a count or a
    write; or a count of them that stops at a cap (`LIMIT ?`: `BatchReader.rows_at_most`)."""
    flat = " ".join(statement.split())
    where = flat.partition(" WHERE ")[2]
    capped = "LIMIT ?" in where
    return (
        flat.startswith("SELECT ")
        and ("count(*)" not in flat or capped)
        and ("IN (?" in where or "= ?" in where)
    )


UNIT_PAGE_LOOKUPS = """
query ($id: ID!, $d: Date!) {
  unit(id: $id, asOf: $d) { id parent { id } children { id } positions { id delegations { id } }
    validFrom predecessors delegationsGranted { id } delegationsReceived { id } }
  unitHistory(id: $id) { name }
  changes(unitId: $id, first: 100) { edges { node { id affectedDelegations { board } } } }
  change(id: "nacka-2013-004") { id }
  reports(board: "ks") { changes { id } }
}
"""


def test_on_sqlite_a_lookup_of_a_few_keys_runs_on_the_event_loop_and_on_postgresql_none_does(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A click on a unit: on SQLite (WAL) each of its lookups by key costs less than the hop to a
    worker thread, so it runs on the loop (api/graphql/loaders.py `Reads`); on PostgreSQL, which
    waits on a socket, nothing does. A unit's changes and a board's delegations, which their
    keys do not bound, run there only when a capped count finds few: past the cap, in a
    thread. The answer is the same either way (the other tests)."""
    variables = {"id": "ks", "d": "2017-03-01"}
    with statements_on_the_loop(api.orgchange) as on_loop:
        data = api.data(UNIT_PAGE_LOOKUPS, variables)
    assert data["unit"]["children"] and data["changes"]["edges"] and data["unit"]["delegationsGranted"]
    if api.orgchange.engine.dialect.name == "postgresql":
        assert on_loop == []
        return
    statements = " ".join(on_loop)
    for table in ("unit_versions", "position_versions", "unit_links", "delegation_versions", "change_log"):
        assert f"FROM {table}" in statements, table
    assert "FROM change_units JOIN change_log" in statements  # the unit's page of changes
    assert all(_a_lookup_by_key(s) for s in on_loop)

    monkeypatch.setattr(loaders, "BOUNDED_ROWS", 1)  # ks has more changes and delegations than that
    with statements_on_the_loop(api.orgchange) as on_loop:
        assert api.data(UNIT_PAGE_LOOKUPS, {**variables, "d": "2017-03-02"})["unit"]["delegationsGranted"]
    read_there = [s for s in on_loop if not s.startswith("SELECT count(*)")]  # but the capped counts
    assert any("FROM unit_versions" in s for s in read_there)
    assert not any("delegation_versions.board_id IN" in s for s in read_there)  # ks's delegations
    # the unit's page of changes (100) is larger than the cap: not on the loop either
    assert not any("FROM change_units JOIN change_log" in s for s in read_there)


UNIT_CHANGES = """
query ($id: ID!) { changes(unitId: $id, first: 2) { edges { node { id type } } pageInfo { hasNextPage } } }
"""
UNIT_CHANGES_COUNTED = """
query ($id: ID!) { changes(unitId: $id, first: 2) { edges { node { id } } ...counted } }
fragment counted on ChangeConnection { n: totalCount }
"""


def test_a_page_of_changes_counts_every_matching_change_only_when_totalcount_is_asked(empty_api: Api) -> None:
    """The unit page lists a unit's changes without their number: no COUNT for it. Asked for
    (here through a fragment and an alias), the number is every matching change, on all pages."""
    empty_api.orgchange.record_changes(_generated_units(0, 12, "2020-01-01"), "test")
    empty_api.data(UNIT_CHANGES, {"id": "u-1"})  # warm the pool
    with counting_statements(empty_api.orgchange) as statements:
        page = empty_api.data(UNIT_CHANGES, {"id": "u-1"})["changes"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
    assert not [s for s in statements if _counts_the_log(s)]

    with counting_statements(empty_api.orgchange) as statements:
        counted = empty_api.data(UNIT_CHANGES_COUNTED, {"id": "u-1"})["changes"]
    every = empty_api.data(UNIT_CHANGES.replace("first: 2", "first: 100"), {"id": "u-1"})["changes"]
    assert counted["n"] == len(every["edges"]) > 2
    assert len([s for s in statements if _counts_the_log(s)]) == 1


def _counts_the_log(statement: str) -> bool:
    """A COUNT of the change log's rows (not the capped count of a unit's entries, which says
    where the page is read: api/graphql/loaders.py `Reads.bounded`)."""
    flat = " ".join(statement.split()).lower()
    return flat.startswith("select count(") and "from change_log" in flat


UNIT_HISTORY_AND_CHANGES = """
query ($id: ID!) { unitHistory(id: $id) { validFrom name } changes(unitId: $id, first: 5) { edges { node { id } } } }
"""


def test_a_recorded_units_history_and_changes_need_no_look_up_of_whether_it_is_recorded(
    empty_api: Api,
) -> None:
    """The unit page asks for a unit's history and its changes: a recorded unit has versions,
    which say so, so nothing more is asked. An unknown unit has none; then one look-up, for
    both fields together, tells that it is unknown, and the error names the first of them,
    every time (the fields' checks resolve together, in the document's order)."""
    empty_api.orgchange.record_changes(_generated_units(0, 12, "2020-01-01"), "test")
    empty_api.data(UNIT_HISTORY_AND_CHANGES, {"id": "u-1"})  # warm the pool
    with counting_statements(empty_api.orgchange) as statements:
        data = empty_api.data(UNIT_HISTORY_AND_CHANGES, {"id": "u-1"})
    assert data["unitHistory"] and data["changes"]["edges"]
    assert [s for s in statements if "DISTINCT" in s] == []
    for _ in range(10):
        with counting_statements(empty_api.orgchange) as statements:
            errors = empty_api.errors(UNIT_HISTORY_AND_CHANGES, {"id": "u-nowhere"})
        assert [(e["path"], e["extensions"]["argument"]) for e in errors] == [(["unitHistory"], "id")]
        assert "u-nowhere" in errors[0]["message"]
        assert len([s for s in statements if "DISTINCT" in s]) == 1


def test_a_page_of_changes_reads_their_units_and_affected_delegations_only_when_asked(
    empty_api: Api,
) -> None:
    """The unit page lists changes without the units each touched or the delegations each
    affected: neither table is read for it. Asked for, they are read once for the page (not
    once per change) and are what the change touched."""
    app = empty_api.orgchange
    app.record_changes(_generated_units(0, 12, "2020-01-01"), "test")
    # The post p-5 of u-5 is the board u-1's delegate for d-5: abolished, it leaves d-5 without one.
    app.record_changes(
        [parse_change({"type": "abolish_position", "effective": "2021-01-01", "position": "p-5"}, 99)], "test"
    )
    empty_api.data(UNIT_CHANGES, {"id": "u-5"})  # warm the pool
    with counting_statements(app) as statements:
        empty_api.data(UNIT_CHANGES, {"id": "u-5"})
    assert [s for s in statements if "change_units.change_id IN" in s or "FROM change_effects" in s] == []

    fields = "id unitIds affectedDelegations { board delegationId code }"
    asked = UNIT_CHANGES.replace("node { id type }", "node { " + fields + " }").replace(
        "first: 2", "first: 5"
    )
    with counting_statements(app) as statements:
        edges = empty_api.data(asked, {"id": "u-5"})["changes"]["edges"]
    assert len([s for s in statements if "change_units.change_id IN" in s]) == 1
    assert len([s for s in statements if "FROM change_effects" in s]) == 1
    assert len(edges) == 3  # the unit, its post, the post's end
    affected = [e["node"]["affectedDelegations"] for e in edges if e["node"]["affectedDelegations"]]
    assert affected == [[{"board": "u-1", "delegationId": "d-5", "code": "5.1"}]]
    for edge in edges:  # as a change read on its own (with what it touched) has them
        assert "u-5" in edge["node"]["unitIds"]
        alone = empty_api.data(
            "query ($id: ID!) { change(id: $id) { " + fields + " } }", {"id": edge["node"]["id"]}
        )
        assert alone["change"] == edge["node"]


UNIT_PAGE = """
query ($id: ID!, $d: Date!) {
  unit(id: $id, asOf: $d) { id name kind parent { id name } owner { id name } children { id name kind }
    positions { id title director delegations { id code matter } } validFrom validTo predecessors successors
    delegationsGranted { id code } delegationsReceived { id code } }
  unitHistory(id: $id) { validFrom validTo name kind parentId changeId }
  changes(unitId: $id, first: 100) { edges { node { id type effective summary } } }
}
"""


def test_a_click_on_a_unit_opens_and_closes_no_connection_of_its_own(empty_api: Api) -> None:
    """The unit page asks about ten things of the database at once; the pool keeps enough
    connections for them, so none is opened (a PostgreSQL backend, a SQLite file with a cold
    page cache) and closed again on each click: the pool grows once to what a page needs."""
    app = empty_api.orgchange
    app.record_changes(_generated_units(0, 100, "2020-01-01"), "test")
    opened: list[object] = []
    closed: list[object] = []

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        opened.append(dbapi_connection)

    def on_close(dbapi_connection: Any, record: Any) -> None:
        closed.append(dbapi_connection)

    empty_api.data(UNIT_PAGE, {"id": "u-1", "d": "2020-06-01"})
    event.listen(app.engine, "connect", on_connect)
    event.listen(app.engine.pool, "close", on_close)
    try:
        for n in range(2, 32):
            data = empty_api.data(UNIT_PAGE, {"id": f"u-{n}", "d": "2020-06-01"})
            assert data["unit"]["parent"]["id"] == f"u-{(n - 1) // BRANCHING}"
    finally:
        event.remove(app.engine, "connect", on_connect)
        event.remove(app.engine.pool, "close", on_close)
    assert closed == []
    assert len(opened) <= POOL_SIZE


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver's connection holds a transaction open (psycopg, or sqlite3)."""
    info = getattr(dbapi_connection, "info", None)
    if info is not None and hasattr(info, "transaction_status"):  # psycopg: IDLE is 0
        return int(info.transaction_status) != 0
    return bool(dbapi_connection.in_transaction)


def test_a_click_on_a_unit_reads_outside_any_transaction(empty_api: Api) -> None:
    """Each read of the unit page is a statement on its own: no BEGIN is sent before it and no
    ROLLBACK after it (three round trips where one does, on PostgreSQL). The DataLoaders'
    statements and the root fields' alike."""
    app = empty_api.orgchange
    app.record_changes(_generated_units(0, 40, "2020-01-01"), "test")
    seen: list[tuple[str, bool]] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, _in_transaction(conn.connection.dbapi_connection)))

    event.listen(app.engine, "after_cursor_execute", after)
    try:
        data = empty_api.data(UNIT_PAGE, {"id": "u-7", "d": "2020-06-01"})
    finally:
        event.remove(app.engine, "after_cursor_execute", after)
    assert data["unit"]["parent"]["id"] == "u-1"
    assert len(seen) >= 8  # the page's reads were seen
    assert [statement for statement, open_ in seen if open_] == []
