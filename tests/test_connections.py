"""The connection pool: its sizes are settings, and a small one still answers every read.

docs/operations.md#database-connections: on PostgreSQL the connections of every process must
fit under `max_connections`, so an operator with many workers sizes the pool down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.main import create_app
from orgchange.adapters.eventstore import POOL_OVERFLOW, POOL_SIZE
from orgchange.application import OrgChange
from orgchange.application.config import Settings, get_settings
from orgchange.application.errors import DatabaseUnavailable, ReadOnlyRegister
from orgchange.application.tokens import create_token
from tests.builders import base_organisation


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def _sizes(app: OrgChange) -> tuple[int, int]:
    pool = app.engine.pool
    return pool.size(), pool._max_overflow  # type: ignore[attr-defined]


def test_a_process_keeps_ten_connections_and_may_open_twenty_more_unless_told_otherwise(
    database_url: str, environment: pytest.MonkeyPatch
) -> None:
    app = OrgChange(database_url)
    try:
        assert _sizes(app) == (POOL_SIZE, POOL_OVERFLOW) == (10, 20)
    finally:
        app.close()
        app.engine.dispose()


def test_the_pool_sizes_are_the_settings_orgchange_database_pool_size_and_overflow(
    database_url: str, environment: pytest.MonkeyPatch
) -> None:
    environment.setenv("ORGCHANGE_DATABASE_POOL_SIZE", "3")
    environment.setenv("ORGCHANGE_DATABASE_POOL_OVERFLOW", "0")
    app = OrgChange(database_url)
    try:
        assert _sizes(app) == (3, 0)
    finally:
        app.close()
        app.engine.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_POOL_SIZE", "0"),
        ("DATABASE_POOL_SIZE", "1"),
        ("DATABASE_POOL_SIZE", "ten"),
        ("DATABASE_POOL_OVERFLOW", "-1"),
        ("DATABASE_POOL_TIMEOUT_SECONDS", "0"),
        ("DATABASE_POOL_TIMEOUT_SECONDS", "inf"),
        ("DATABASE_POOL_TIMEOUT_SECONDS", "nan"),
        ("DATABASE_POOL_TIMEOUT_SECONDS", "1e10"),
    ],
)
def test_a_pool_setting_out_of_bounds_is_refused_before_anything_starts(
    environment: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """A pool of one would leave no connection for the routes (one stays with the answers' stamp,
    api/graphql/cache.py); an infinite or enormous wait is past what the driver's queue can wait
    (Python's TIMEOUT_MAX) and would make a full pool a 500."""
    environment.setenv(f"ORGCHANGE_{name}", value)
    with pytest.raises(ValueError, match=name.lower()):
        get_settings()


def test_a_server_with_two_connections_and_none_more_answers_the_unit_page_whole(database_url: str) -> None:
    """The page asks about ten things at once; with two connections they wait their turn for one
    (the pool's own timeout is 30 s) instead of failing, and the answer is the same."""
    settings = Settings(database_url=database_url, database_pool_size=2, database_pool_overflow=0)
    app = OrgChange(database_url, pool_size=2, pool_overflow=0)
    app.record_changes(base_organisation(), "test")
    query = """query ($d: Date!) { unit(id: "ks", asOf: $d) { id name parent { id } children { id name }
      positions { id title } validFrom predecessors successors delegationsGranted { id } }
      unitHistory(id: "ks") { name } changes(unitId: "ks", first: 10) { edges { node { id } } } }"""
    try:
        with TestClient(create_app(settings)) as client:
            served = client.app.state.orgchange  # type: ignore[attr-defined]
            assert _sizes(served) == (2, 0)
            answers = [
                client.post("/graphql", json={"query": query, "variables": {"d": "2020-01-01"}}).json()
                for _ in range(5)
            ]
        assert all("errors" not in a for a in answers), answers[0]
        assert answers[0]["data"]["unit"]["id"] == "ks"
        assert answers[0]["data"]["unit"]["children"]
        assert all(a == answers[0] for a in answers)
    finally:
        app.close()
        app.engine.dispose()


def test_a_read_that_finds_no_free_connection_in_time_is_answered_503_in_plain_words(
    database_url: str,
) -> None:
    """Every connection held elsewhere for longer than `database_pool_timeout_seconds`: the
    routes answer 503 DATABASE_UNAVAILABLE (with Retry-After) and GraphQL its error code, in the
    request's language, after the timeout — never a 500 or the pool's own words."""
    app = OrgChange(database_url)
    app.record_changes(base_organisation(), "test")
    app.close()
    app.engine.dispose()
    settings = Settings(
        database_url=database_url,
        database_pool_size=2,  # one for the answers' stamp, one for the routes
        database_pool_overflow=0,
        database_pool_timeout_seconds=0.3,
        answer_cache_mb=0,
        load_register_at_start=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        served: OrgChange = client.app.state.orgchange  # type: ignore[attr-defined]
        assert client.get("/diagrams/orgchart.dot", params={"asOf": "2020-01-01"}).status_code == 200
        held = served.engine.connect()  # the routes' only connection
        held.exec_driver_sql("SELECT 1")
        try:
            diagram = client.get("/diagrams/orgchart.dot", params={"asOf": "2020-01-01"})
            english = client.get(
                "/diagrams/orgchart.dot", params={"asOf": "2020-01-01"}, headers={"Accept-Language": "en"}
            )
            asked = client.post("/graphql", json={"query": '{ unit(id: "ks", asOf: "2020-01-01") { id } }'})
            health = client.get("/health")
        finally:
            held.close()
        asked_again = client.post("/graphql", json={"query": '{ unit(id: "ks", asOf: "2020-01-01") { id } }'})
        again = client.get("/diagrams/orgchart.dot", params={"asOf": "2020-01-01"})
    assert diagram.status_code == 503
    assert diagram.headers["retry-after"] == "5"
    assert diagram.json() == {  # a read: nothing was asked to be recorded
        "detail": "databasen kan inte användas just nu; försök igen om en stund",
        "code": "DATABASE_UNAVAILABLE",
    }
    assert english.status_code == 503
    assert english.json()["code"] == "DATABASE_UNAVAILABLE"
    assert "QueuePool" not in english.text and "databasen" not in english.text
    errors = asked.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["DATABASE_UNAVAILABLE"]
    # An answer that says the database failed is kept by nobody: no ETag to send back, no-store.
    assert "etag" not in asked.headers
    assert asked.headers["cache-control"] == "no-store"
    assert asked_again.status_code == 200 and asked_again.json()["data"]["unit"]["id"] == "ks"
    assert health.status_code == 503 and health.headers["retry-after"] == "5"
    assert again.status_code == 200  # the connection back, the same route answers again


def test_a_write_that_finds_no_free_connection_says_nothing_was_recorded_and_a_read_to_try_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same outage in the words of what was asked: a registrar's upload is told that nothing
    was recorded; a registrar's read — the draft list, a draft's check, or its token looked up
    first — is told to try again. Each answer says when to ask again. On `/graphql` the token's
    lookup failing is a GraphQL answer, which a client (and the web page) reads as any other."""
    import api.dependencies
    from orgchange.application.tokens import authenticate

    app = OrgChange(database_url)
    app.record_changes(base_organisation(), "test")
    token = create_token(app, "registratorn", "registrar")
    caller = authenticate(app.engine, token)
    app.close()
    app.engine.dispose()
    settings = Settings(
        database_url=database_url,
        database_pool_size=2,
        database_pool_overflow=0,
        database_pool_timeout_seconds=0.3,
        answer_cache_mb=0,
        load_register_at_start=False,
    )
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    file = '{"format": "orgchange/v1", "changes": []}'
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        served: OrgChange = client.app.state.orgchange  # type: ignore[attr-defined]
        draft = client.post("/drafts", json={"name": "Utkast"}, headers=auth).json()["id"]
        held = [served.engine.connect() for _ in range(2)]  # the whole pool
        try:
            looked_up = client.get("/drafts", headers=auth)  # the token's lookup finds no connection
            signing_in = client.post("/session", json={"token": token}, headers={"Accept-Language": "en"})
            unit = '{ unit(id: "ks", asOf: "2020-01-01") { id } }'
            graphql_posted = client.post("/graphql", json={"query": unit}, headers=auth)
            graphql_got = client.get("/graphql", params={"query": unit}, headers=auth)
            # From here the token is known without the database, so each request reaches its route.
            monkeypatch.setattr(api.dependencies, "authenticate", lambda engine, presented: caller)
            posted = client.post(
                "/changes", content=file, headers={"content-type": "application/json", **auth}
            )
            drafted = client.post("/drafts", json={"name": "Utkast"}, headers=auth)
            listed = client.get("/drafts", headers=auth)
            checked = client.get(f"/drafts/{draft}/check", headers=auth)
        finally:
            for connection in held:
                connection.close()
        posted_again = client.post(
            "/changes", content=file, headers={"content-type": "application/json", **auth}
        )
    for write in (posted, drafted):
        assert write.status_code == 503, write.text
        assert write.json() == {
            "detail": "the database cannot be used right now; nothing was recorded",
            "code": "DATABASE_UNAVAILABLE",
        }
        assert write.headers["retry-after"] == "5"
    for read in (looked_up, listed, checked, signing_in):
        assert read.status_code == 503, read.text
        assert read.json() == {
            "detail": "the database cannot be used right now; try again in a moment",
            "code": "DATABASE_UNAVAILABLE",
        }
        assert read.headers["retry-after"] == "5"
    # GraphQL's token looked up before GraphQL runs: a GraphQL answer all the same.
    for asked, words in (
        (graphql_posted, "the database cannot be used right now; nothing was recorded"),
        (graphql_got, "the database cannot be used right now; try again in a moment"),
    ):
        assert asked.status_code == 503, asked.text
        assert asked.json() == {
            "data": None,
            "errors": [{"message": words, "extensions": {"code": "DATABASE_UNAVAILABLE"}}],
        }
        assert asked.headers["retry-after"] == "5"
    assert posted_again.status_code == 200, posted_again.text


@pytest.mark.parametrize(
    ("refusal", "read_words", "retry"),
    [
        (
            DatabaseUnavailable("disk I/O error"),
            "the database cannot be used right now; try again in a moment",
            "5",
        ),
        (
            ReadOnlyRegister(),
            "this server only reads the register (a read replica); do this through a server that writes",
            None,
        ),
    ],
    ids=["down", "read-only"],
)
def test_the_application_refusing_a_write_says_nothing_was_recorded_and_a_read_what_to_do(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    refusal: DatabaseUnavailable,
    read_words: str,
    retry: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When the code that records refuses (`DatabaseUnavailable` and its kinds), an upload is told
    that nothing was recorded and a draft's check — a GET that needs a server that writes — is told
    to try again or where to go; `Retry-After` only where asking again may help. The log says
    the same of each."""
    app = OrgChange(database_url)
    app.record_changes(base_organisation(), "test")
    token = create_token(app, "registratorn", "registrar")
    app.close()
    app.engine.dispose()
    settings = Settings(database_url=database_url, answer_cache_mb=0, load_register_at_start=False)
    auth = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    file = '{"format": "orgchange/v1", "changes": []}'

    def refuse(*args: object, **kwargs: object) -> None:
        raise refusal

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        rename = {"type": "rename_unit", "effective": "2030-01-01", "unit": "ks", "name": "Styrelsen"}
        draft_file = {"format": "orgchange/v1", "changes": [rename]}
        made = client.post("/drafts", json={"name": "Utkast", "file": draft_file}, headers=auth)
        draft = made.json()["id"]
        monkeypatch.setattr(OrgChange, "record_changes", refuse)
        monkeypatch.setattr(OrgChange, "try_out", refuse)
        with caplog.at_level(logging.ERROR, logger="api.params"):
            posted = client.post(
                "/changes", content=file, headers={"content-type": "application/json", **auth}
            )
            checked = client.get(f"/drafts/{draft}/check", headers=auth)

    assert posted.status_code == 503, posted.text
    assert posted.json() == {"detail": type(refusal).MESSAGE, "code": "DATABASE_UNAVAILABLE"}
    assert posted.json()["detail"].endswith("nothing was recorded")
    assert checked.status_code == 503, checked.text
    assert checked.json() == {"detail": read_words, "code": "DATABASE_UNAVAILABLE"}
    assert posted.headers.get("retry-after") == checked.headers.get("retry-after") == retry
    logged = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("POST /changes: nothing was recorded: ") for line in logged), logged
    assert any(line.startswith(f"GET /drafts/{draft}/check: not answered: ") for line in logged), logged


def test_a_request_that_finds_the_answers_stamp_busy_waits_no_longer_than_for_a_connection(
    database_url: str,
) -> None:
    """Cacheable reads first ask the stamp of the answers, on its own connection behind a lock; a
    database that stops answering would hold that lock and queue every read behind it. They wait
    no longer than for a connection of the pool, and are then answered without an ETag."""
    app = OrgChange(database_url)
    app.record_changes(base_organisation(), "test")
    app.close()
    app.engine.dispose()
    settings = Settings(
        database_url=database_url, database_pool_timeout_seconds=0.3, load_register_at_start=False
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        stamp = client.app.state.answer_stamp  # type: ignore[attr-defined]
        assert stamp._lock.acquire(timeout=5)  # as a stamp query that hangs would hold it
        try:
            started = time.monotonic()
            answer = client.get("/diagrams/orgchart.dot", params={"asOf": "2020-01-01"})
            took = time.monotonic() - started
        finally:
            stamp._lock.release()
        tagged = client.get("/diagrams/orgchart.dot", params={"asOf": "2020-01-01"})
    assert answer.status_code == 200 and "digraph" in answer.text
    assert "etag" not in answer.headers
    assert 0.3 <= took < 5
    assert "etag" in tagged.headers
