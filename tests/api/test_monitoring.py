"""What operators watch (docs/monitoring.md): /metrics, /health/live, /health/ready, on both databases."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, make_url, text

from api.observability import JsonFormatter
from orgchange.application import OrgChange
from orgchange.domain.register import REGISTER_ID
from tests.support import POSTGRES_ADMIN_URL

from .conftest import Api, Tokens

RENAME = (
    "format: orgchange/v1\nchanges:\n"
    "  - {id: m-1, type: rename_unit, effective: 2019-01-01, unit: slk, name: Stadsledningen}\n"
)


def samples(api: Api, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed as the Prometheus text format: by name and labels."""
    response = api.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_to(found: dict, route: str, method: str = "GET") -> float:
    """Requests to `route`, whatever their status."""
    return sum(
        value
        for (name, labels), value in found.items()
        if name == "orgchange_http_requests_total"
        and ("route", route) in labels
        and ("method", method) in labels
    )


def test_metrics_count_requests_by_route_template_not_by_path(api: Api) -> None:
    before = samples(api)
    for board in ("ks", "no-such-board"):
        api.client.get(f"/reports/{board}/unreported")

    after = samples(api)

    template = "/reports/{board}/unreported"
    assert requests_to(after, template) - requests_to(before, template) == 2
    assert not any("/reports/ks" in str(labels) for _, labels in after)
    buckets = [k for k in after if k[0] == "orgchange_http_request_duration_seconds_count"]
    assert any(("route", template) in labels for _, labels in buckets)


def test_metrics_count_graphql_operations_errors_and_events_recorded(api: Api, tokens: Tokens) -> None:
    before = samples(api)
    api.client.post(
        "/graphql", json={"query": "query Units { register { eventCount } }", "operationName": "Units"}
    )
    api.client.post(
        "/graphql", json={"query": 'query Broken { unit(id: "ks", asOf: "2017-13-01") { name } }'}
    )
    assert api.post_changes(RENAME, tokens.registrar).status_code == 200

    after = samples(api)

    def delta(metric: str, **labels: str) -> float:
        key = (metric, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    executed = "orgchange_graphql_operations_total"
    assert delta(executed, type="query", name="Units", answered="executed") == 1
    assert delta(executed, type="query", name="Broken", answered="executed") == 1
    assert delta("orgchange_graphql_operation_errors_total", type="query", name="Broken") == 1
    assert delta("orgchange_graphql_operation_errors_total", type="query", name="Units") == 0
    assert delta("orgchange_events_recorded_total") == 1
    last = after[("orgchange_event_store_last_event_id", ())]
    assert last == after[("orgchange_read_models_last_event_id", ())] > 0
    assert after[("orgchange_read_models_lag_events", ())] == 0
    assert after[("orgchange_database_up", ())] == 1


def test_metrics_need_the_metrics_token_when_the_server_sets_one(demo_app: OrgChange, make_api) -> None:
    guarded = make_api(demo_app, metrics_token="scrape-secret")

    refused = guarded.client.get("/metrics")
    wrong = guarded.client.get("/metrics", headers={"authorization": "Bearer nope"})

    assert refused.status_code == wrong.status_code == 401
    assert refused.json()["code"] == "METRICS_UNAUTHENTICATED"
    assert samples(guarded, authorization="Bearer scrape-secret")


def test_liveness_and_readiness_answer_with_the_security_headers(api: Api) -> None:
    live = api.client.get("/health/live")
    ready = api.client.get("/health/ready")
    health = api.client.get("/health").json()

    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "lastEventId": health["lastEventId"],
        "readModelsLastEventId": health["readModelsLastEventId"],
    }
    for response in (live, ready):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in response.headers
        assert response.headers["cache-control"] == "no-store"


def test_readiness_tells_read_models_that_lag_behind_the_events(api: Api) -> None:
    with api.orgchange.engine.begin() as connection:
        connection.execute(text("UPDATE projection_state SET last_event_id = last_event_id - 1"))

    ready = api.client.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json()["code"] == "READ_MODELS_BEHIND"


def _make_unreachable(orgchange: OrgChange, database_url: str) -> None:
    """The database goes away under the running service: the file, or the PostgreSQL database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        os.replace(path, path.with_suffix(".gone"))
        path.mkdir()  # where the file was, a directory: SQLite cannot open it
    else:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
        admin.dispose()
    orgchange.engine.dispose()


def test_readiness_fails_with_a_code_when_the_database_is_unreachable_and_logs_the_request_id(
    api: Api, database_url: str
) -> None:
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("api.routes.health")
    logger.addHandler(handler)
    try:
        assert api.client.get("/health/ready").status_code == 200
        _make_unreachable(api.orgchange, database_url)
        ready = api.client.get("/health/ready", headers={"x-request-id": "ready-check-1"})
        live = api.client.get("/health/live")
    finally:
        logger.removeHandler(handler)

    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "detail": "the database cannot be reached",
        "code": "DATABASE_UNAVAILABLE",
    }
    assert ready.headers["x-request-id"] == "ready-check-1"
    assert "Traceback" not in ready.text
    assert live.status_code == 200  # the process itself is fine: no restart for a database outage
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert any(entry["requestId"] == "ready-check-1" and entry["level"] == "ERROR" for entry in logged)


def test_metrics_tell_the_age_of_the_newest_snapshot_once_there_is_one(api: Api, demo_app: OrgChange) -> None:
    """An operator sees whether snapshots are being taken (docs/operations.md#snapshots): no gauge
    while there is none, then the seconds since the newest was taken."""
    assert not any(name == "orgchange_snapshot_age_seconds" for name, _ in samples(api))
    assert demo_app.snapshot_now() is not None
    (age,) = [v for (name, _), v in samples(api).items() if name == "orgchange_snapshot_age_seconds"]
    assert 0 <= age < 600


def _recorded_and_reopened(url: str, sample_file) -> OrgChange:
    """The sample recorded, and the application opened again as a process that starts would."""
    recorder = OrgChange(url)
    recorder.record_changes(sample_file.changes, "test", sample_file.organisation)
    recorder.close()
    recorder.engine.dispose()
    return OrgChange(url)


def _register_in_memory(orgchange: OrgChange) -> bool:
    try:
        orgchange.repository.cache.get(REGISTER_ID)
    except KeyError:
        return False
    return True


def test_a_server_that_writes_reads_the_register_in_as_it_starts_and_is_ready_once_it_has(
    database_url: str, sample_file, make_api
) -> None:
    """The first write after a start does not read the register in: the server did, before it was
    ready (`api/loading.py`)."""
    orgchange = _recorded_and_reopened(database_url, sample_file)
    try:
        assert not _register_in_memory(orgchange)
        api = make_api(orgchange)
        ready = api.client.get("/health/ready")
        assert ready.status_code == 200
        assert _register_in_memory(orgchange)
    finally:
        orgchange.close()
        orgchange.engine.dispose()


def test_readiness_is_refused_with_register_loading_until_the_register_is_read_in(
    database_url: str, sample_file, make_api
) -> None:
    orgchange = _recorded_and_reopened(database_url, sample_file)
    try:
        orgchange._writers_lock.acquire()  # a command holds it: the loading waits its turn
        try:
            api = make_api(orgchange)
            waiting = api.client.get("/health/ready")
            swedish = api.client.get("/health/ready", headers={"Accept-Language": "sv"})
            assert api.client.get("/health/live").status_code == 200
            assert api.client.get("/health").status_code == 200
        finally:
            orgchange._writers_lock.release()
        assert waiting.status_code == 503
        assert waiting.json()["code"] == "REGISTER_LOADING"
        assert "being read in" in waiting.json()["detail"]
        assert swedish.json()["detail"].startswith("registret läses in i minnet")
        api.client.app.state.register_loading.wait(30)
        assert api.client.get("/health/ready").status_code == 200
        assert _register_in_memory(orgchange)
    finally:
        orgchange.close()
        orgchange.engine.dispose()


def test_a_server_told_not_to_read_the_register_in_at_start_leaves_it_to_the_first_write(
    database_url: str, sample_file, make_api
) -> None:
    orgchange = _recorded_and_reopened(database_url, sample_file)
    try:
        api = make_api(orgchange, load_register_at_start=False)
        assert api.client.get("/health/ready").status_code == 200
        assert not _register_in_memory(orgchange)
    finally:
        orgchange.close()
        orgchange.engine.dispose()
