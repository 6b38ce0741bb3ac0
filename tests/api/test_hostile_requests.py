"""Requests an attacker would send, each refused with a status and a stable code, never a 500:
JSON under a media type that only contains `application/json`, a document of the same field
thousands of times, a cursor beyond the database's integers, a trailing slash with a hostile
Host; and expensive documents that take turns while `/health` answers regardless.

The same against a real `orgchange serve`, for what only its HTTP protocol sees (header
sizes, its own 400 and 408), is in tests/hardening/test_hostile_http.py.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid

import anyio.to_thread
import pytest
from graphql import parse

from api.graphql import documents
from api.graphql.bounds import BAD_REQUEST_BODY, UNSUPPORTED_MEDIA_TYPE
from api.graphql.documents import TOO_MANY_FIELDS, field_count
from orgchange.application.config import Settings

from .conftest import Api

DEFAULTS = Settings()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- media types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "media_type", ["application/jsonx", "text/application/json", "application/json-seq", "text/plain", ""]
)
def test_a_graphql_body_that_is_not_application_json_is_a_415_with_a_code(api: Api, media_type: str) -> None:
    """strawberry takes any media type that *contains* `application/json` as JSON, and the
    bounds before it compared the type whole: `application/jsonx` went past every bound."""
    body = '{"query": "{ __typename }", "variables": {"v": ' + nested(50_000) + "}}"
    headers = {"content-type": media_type} if media_type else {}

    response = api.client.post("/graphql", content=body, headers=headers)

    assert response.status_code == 415
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == UNSUPPORTED_MEDIA_TYPE
    assert "application/json" in error["message"]


@pytest.mark.parametrize("media_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_json_nested_deeper_than_the_decoder_can_go_is_a_400_with_a_code(api: Api, media_type: str) -> None:
    body = '{"query": "{ __typename }", "variables": {"v": ' + nested(200_000) + "}}"

    response = api.client.post("/graphql", content=body, headers={"content-type": media_type})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "VARIABLES_TOO_DEEP"


@pytest.mark.parametrize(
    "body, said",
    [
        (b'"x"', "en sträng"),
        (b"1", "ett tal"),
        (b"null", "null"),
        (b"true", "ett sanningsvärde"),
        (b'[{"query": "{ __typename }"}]', "en lista"),
        (b'{"query": "{ __typename \xff}"}', "inte UTF-8"),
        (b"{not json", "inte JSON"),
        (b'{"query": "{ __typename }", "query": "mutation { x }"}', "nyckeln 'query' står två gånger"),
    ],
)
def test_a_graphql_body_that_is_not_one_json_object_of_utf_8_is_a_400_with_a_code(
    api: Api, body: bytes, said: str
) -> None:
    """strawberry's router failed with a 500 on a body that was JSON but no object, or no UTF-8.
    The refusal is said in Swedish when no other language is asked for."""
    response = api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json", "Accept-Language": "sv"}
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == BAD_REQUEST_BODY
    assert said in error["message"]


def test_a_graphql_request_as_json_with_parameters_is_answered(api: Api) -> None:
    response = api.client.post(
        "/graphql",
        content='{"query": "{ __typename }"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}


# --- fields before validation --------------------------------------------------------------------


def test_a_document_repeating_a_field_thousands_of_times_is_refused_before_validation(api: Api) -> None:
    """Validation compares the fields of a selection pairwise: 4,000 times `id` took seconds."""
    query = '{ organisation(asOf: "2017-03-01") { units { ' + "id " * 4_000 + "} } }"

    started = time.perf_counter()
    [error] = api.errors(query)
    elapsed = time.perf_counter() - started

    assert error["extensions"] == {"code": TOO_MANY_FIELDS, "limit": DEFAULTS.graphql_max_fields}
    assert f"more than {DEFAULTS.graphql_max_fields:,} fields" in error["message"]
    assert elapsed < 1.0


def test_the_field_limit_is_a_setting_and_fields_of_a_fragment_count_once(demo_app, make_api) -> None:
    api = make_api(demo_app, graphql_max_fields=5)
    within = (
        'query { organisation(asOf: "2017-03-01") { ...U ...U ...U } } fragment U on Organisation { asOf }'
    )
    assert field_count(parse(within), 5) == 2
    assert api.data(within)["organisation"]["asOf"] == "2017-03-01"

    [error] = api.errors('{ organisation(asOf: "2017-03-01") { asOf units { id name kind parentId } } }')

    assert error["extensions"] == {"code": TOO_MANY_FIELDS, "limit": 5}


# --- integers beyond 64 bits -----------------------------------------------------------------------


@pytest.mark.parametrize("seq", [2**63, 2**64 + 5, -(2**63) - 1, -1])
def test_a_cursor_beyond_the_databases_integers_is_a_bad_argument_not_a_500(api: Api, seq: int) -> None:
    after = base64.urlsafe_b64encode(f"2017-01-01|{seq}".encode()).decode()

    response = api.graphql(
        "query($after: String) { changes(after: $after) { totalCount } }", {"after": after}
    )

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_an_audit_cursor_beyond_the_databases_integers_is_a_bad_argument(api: Api, tokens) -> None:
    after = base64.urlsafe_b64encode(f"audit|{2**63}".encode()).decode()
    errors = api.errors(
        "query($after: String) { audit(after: $after) { totalCount } }", {"after": after}, token=tokens.reader
    )
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_a_depth_beyond_64_bits_is_a_422(api: Api) -> None:
    response = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01", "depth": str(2**64)})

    assert response.status_code == 422


# --- change files over HTTP -----------------------------------------------------------------------


def _establish(n: int) -> str:
    changes = [
        {
            "id": f"e-{i}",
            "type": "establish_unit",
            "effective": "2018-01-01",
            "unit": f"e{i}",
            "name": f"Enhet {i}",
            "kind": "unit",
            "parent": "ks",
        }
        for i in range(n)
    ]
    return json.dumps({"format": "orgchange/v1", "changes": changes})


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_change_file_of_more_changes_than_a_request_takes_is_refused_before_any_is_checked(
    demo_app, make_api, tokens, dry_run: bool
) -> None:
    """Checking a file costs more than linearly in its changes (40,000 took 70 s): a request
    takes `max_changes_per_request`; a larger register is imported from the command line."""
    api = make_api(demo_app, max_changes_per_request=3)
    events = api.event_count()

    response = api.client.post(
        "/changes",
        params={"dryRun": "true"} if dry_run else {},
        content=_establish(4),
        headers={"content-type": "application/json", "authorization": f"Bearer {tokens.registrar}"},
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert "TOO_MANY_CHANGES" in error and "at most 3" in error
    assert api.event_count() == events


def test_a_change_file_within_the_number_a_request_takes_is_recorded(demo_app, make_api, tokens) -> None:
    api = make_api(demo_app, max_changes_per_request=3)

    response = api.post_changes(_establish(3), tokens.registrar, "application/json")

    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == ["e-0", "e-1", "e-2"]


def test_record_changes_in_graphql_takes_no_more_changes_than_a_request_takes(
    demo_app, make_api, tokens
) -> None:
    api = make_api(demo_app, max_changes_per_request=3)

    response = api.client.post(
        "/graphql",
        json={
            "query": "mutation($f: JSON!) { recordChanges(file: $f) }",
            "variables": {"f": json.loads(_establish(4))},
        },
        headers={"authorization": f"Bearer {tokens.registrar}"},
    )

    [error] = response.json()["errors"]
    assert "TOO_MANY_CHANGES" in error["message"]


# --- no redirects built from Host ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/graphql/", "/health/", "/changes/", "/opendata/popolo.json/"])
def test_a_trailing_slash_with_a_hostile_host_is_not_redirected_to_it(api: Api, path: str) -> None:
    response = api.client.get(path, headers={"host": "evil.example"}, follow_redirects=False)

    assert not 300 <= response.status_code < 400, response.headers.get("location")
    assert "evil.example" not in response.headers.get("location", "")
    assert response.status_code in (404, 405)


# --- turns for expensive documents, and /health regardless -------------------------------------


def test_a_review_pack_beyond_the_gate_is_a_503_with_retry_after_and_a_code(demo_app, make_api) -> None:
    api = make_api(demo_app, documents_max_concurrent=1, documents_max_waiting=0)
    gate = api.client.app.state.review_gate  # type: ignore[attr-defined]
    api.client.portal.call(gate._turns.acquire)  # type: ignore[union-attr]  # a pack being built
    try:
        response = api.client.get("/reports/ks/2017-02-06.html")
    finally:
        gate._turns.release()

    assert response.status_code == 503
    assert response.json()["code"] == "REVIEW_BUSY"
    assert int(response.headers["retry-after"]) >= 1
    assert api.client.get("/reports/ks/2017-02-06.html").status_code == 200  # its turn, later


def test_an_export_beyond_the_gate_is_a_503_and_one_made_is_kept_until_something_is_recorded(
    demo_app, make_api, tokens
) -> None:
    api = make_api(demo_app, documents_max_concurrent=1, documents_max_waiting=0)
    state = api.client.app.state  # type: ignore[attr-defined]
    first = api.client.get("/opendata/popolo.json")
    assert first.status_code == 200

    api.client.portal.call(state.export_gate._turns.acquire)  # type: ignore[union-attr]
    try:
        again = api.client.get("/opendata/popolo.json")  # kept: needs no turn
        other = api.client.get("/opendata/register.ttl")  # not kept: refused
    finally:
        state.export_gate._turns.release()
    assert again.status_code == 200 and again.content == first.content
    assert other.status_code == 503 and other.json()["code"] == "EXPORT_BUSY"
    assert "retry-after" in other.headers

    change = """format: orgchange/v1
changes:
  - id: ny-enhet
    type: establish_unit
    effective: 2018-01-01
    unit: ny-enhet
    name: Nyinrättade enheten
    kind: unit
    parent: ks
"""
    recorded = api.post_changes(change, tokens.registrar)
    assert recorded.status_code == 200, recorded.text
    after = api.client.get("/opendata/popolo.json")
    assert after.status_code == 200 and "Nyinrättade enheten" in after.text


def test_health_answers_while_the_thread_pool_is_taken(api: Api) -> None:
    """/health ran in the thread pool, and waited behind documents and diagrams there."""
    limiter = api.client.portal.call(anyio.to_thread.current_default_thread_limiter)  # type: ignore[union-attr]
    holder = object()
    total = limiter.total_tokens
    api.client.portal.call(lambda: _set_tokens(limiter, 1))  # type: ignore[union-attr]
    api.client.portal.call(limiter.acquire_on_behalf_of, holder)  # type: ignore[union-attr]
    answers: list[int] = []
    asking = threading.Thread(
        target=lambda: answers.append(api.client.get("/health").status_code), daemon=True
    )
    try:
        asking.start()
        asking.join(timeout=20)
        assert answers == [200]
    finally:
        api.client.portal.call(limiter.release_on_behalf_of, holder)  # type: ignore[union-attr]
        api.client.portal.call(lambda: _set_tokens(limiter, total))  # type: ignore[union-attr]
        asking.join(timeout=60)


def _set_tokens(limiter, tokens: int) -> None:
    limiter.total_tokens = tokens


# --- introspection, answered off the event loop and kept ------------------------------------------


def test_an_answer_about_the_schema_is_kept_for_the_same_document_and_variables(api: Api) -> None:
    """graphql-core answers introspection value by value; the schema does not change while the
    process runs, so the answer is made once, in a worker thread, and kept."""
    # A text of its own: what one test kept is not another's.
    query = (
        f"query Named($name: String!) {{ __type(name: $name) {{ name fields {{ name }} }} }} # {uuid.uuid4()}"
    )
    key = (query, "Named", json.dumps({"name": "Unit"}, sort_keys=True))
    assert documents._introspected.get(key) is None

    first = api.data(query, {"name": "Unit"})
    kept = documents._introspected.get(key)
    again = api.data(query, {"name": "Unit"})
    other = api.data(query, {"name": "Position"})

    assert kept is not None and kept.data == first == again
    assert first["__type"]["name"] == "Unit" and other["__type"]["name"] == "Position"
    assert any(field["name"] == "name" for field in first["__type"]["fields"])


# --- which operation runs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        "query A { __typename } query B { __typename }",
        "query A { register { eventCount } } query B { register { changeCount } }",
        "query A { __schema { queryType { name } } } mutation B { __typename }",
    ],
)
def test_a_document_of_several_operations_without_an_operation_name_runs_none(
    api: Api, document: str
) -> None:
    """The first operation ran: a request could hide what it did behind a harmless first query."""
    response = api.client.post("/graphql", json={"query": document})

    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "OPERATION_NOT_CHOSEN"
    assert "operationName" in error["message"]


def test_the_operation_named_is_the_one_that_runs(api: Api) -> None:
    document = "query A { register { eventCount } } query B { register { changeCount } }"

    response = api.client.post("/graphql", json={"query": document, "operationName": "B"})

    assert response.json() == {
        "data": {
            "register": {
                "changeCount": api.client.post(
                    "/graphql", json={"query": "{ register { changeCount } }"}
                ).json()["data"]["register"]["changeCount"]
            }
        }
    }


def test_health_answers_a_head_request_as_load_balancers_send_it(api: Api) -> None:
    response = api.client.head("/health")

    assert response.status_code == 200
    assert response.content == b""
    assert "content-security-policy" in response.headers
