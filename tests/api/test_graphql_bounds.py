"""A GraphQL request is bounded before anything parses its document: bytes, tokens, variables' depth;
and what is measured of a document (cost, depth, aliases) is measured in time linear in its size.

The same attacks against a real server, with its event loop and memory watched, are in
tests/hardening/test_bounded_work.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from api.graphql.bounds import DOCUMENT_TOO_LARGE, REQUEST_TOO_LARGE, VARIABLES_TOO_DEEP, nesting_depth
from api.graphql.limits import QUERY_TOO_COSTLY, QUERY_TOO_DEEP, TOO_MANY_ALIASES, measure, query_cost
from api.graphql.query import MAX_PAGE_SIZE
from api.graphql.schema import MAX_ALIASES, MAX_COST, MAX_DEPTH, MAX_TOKENS, schema
from orgchange.application.config import Settings

from .conftest import Api, Tokens

DEFAULTS = Settings()


def doubling_fragments(levels: int) -> str:
    """`levels` fragments, each spreading the next twice: 2^levels paths through a few hundred bytes."""
    parts = ['query Q { organisation(asOf: "2017-03-01") { ...F0 } }']
    parts += [
        f"fragment F{n} on Organisation {{ units {{ id }} ...F{n + 1} ...F{n + 1} }}" for n in range(levels)
    ]
    parts.append(f"fragment F{levels} on Organisation {{ asOf }}")
    return "\n".join(parts)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def post_json(api: Api, body: str | bytes) -> tuple[int, dict]:
    response = api.client.post("/graphql", content=body, headers={"content-type": "application/json"})
    return response.status_code, response.json()


def the_error(body: dict) -> dict:
    [error] = body["errors"]
    return error


# --- measured in linear time ---------------------------------------------------------------


def test_twenty_fragments_each_spreading_the_next_twice_are_measured_at_once() -> None:
    document = doubling_fragments(20)
    assert len(document.encode()) < 1500

    started = time.perf_counter()
    cost = query_cost(schema._schema, document, MAX_PAGE_SIZE)
    elapsed = time.perf_counter() - started

    # Each level doubles what is below it: 2^20 `units` lists of ten, and as many `asOf`.
    assert cost > 2**20 * 10
    assert elapsed < 0.5  # walking every path took 10 s; each fragment once takes a millisecond


def test_a_fragment_costs_as_much_as_its_fields_written_out_wherever_it_is_spread() -> None:
    written_out = '{ organisation(asOf: "2017-03-01") { units { id name children { id name } } } }'
    with_fragments = """
        query { organisation(asOf: "2017-03-01") { units { ...Named children { ...Named } } } }
        fragment Named on Unit { id name }
    """
    assert query_cost(schema._schema, with_fragments, MAX_PAGE_SIZE) == query_cost(
        schema._schema, written_out, MAX_PAGE_SIZE
    )


def test_depth_and_aliases_count_through_fragments_as_often_as_they_are_spread() -> None:
    from graphql import parse

    document = parse("""
        query Deep { unit(id: "kf", asOf: "2017-03-01") { ...Two } }
        fragment Two on Unit { a: children { b: children { id } } c: id }
        query Twice { unit(id: "kf", asOf: "2017-03-01") { ...Two ...Two } }
    """)

    found = measure(schema._schema, document, MAX_PAGE_SIZE)

    assert (found["Deep"].depth, found["Deep"].aliases) == (3, 3)
    assert (found["Twice"].depth, found["Twice"].aliases) == (3, 6)


def test_a_doubling_query_is_refused_as_too_costly_before_it_runs(api: Api) -> None:
    started = time.perf_counter()
    error = the_error(api.graphql(doubling_fragments(20)).json())
    elapsed = time.perf_counter() - started

    assert error["extensions"]["code"] == QUERY_TOO_COSTLY
    assert error["extensions"]["limit"] == MAX_COST
    assert elapsed < 2  # a generous bound: it took 10 s


def test_aliases_spread_by_doubling_fragments_are_refused_with_a_code(api: Api) -> None:
    parts = ["query Q { ...F0 }"]
    parts += [f"fragment F{n} on Query {{ a{n}: __typename ...F{n + 1} ...F{n + 1} }}" for n in range(25)]
    parts.append("fragment F25 on Query { __typename }")

    error = the_error(api.graphql("\n".join(parts)).json())

    assert error["extensions"] == {"code": TOO_MANY_ALIASES, "limit": MAX_ALIASES}
    assert error["message"].endswith(f"aliases found. Allowed: {MAX_ALIASES}")


def test_depth_through_fragments_is_refused_with_a_code(api: Api) -> None:
    parts = ['query Deep { unit(id: "kf", asOf: "2017-03-01") { ...F0 } }']
    parts += [f"fragment F{n} on Unit {{ parent {{ ...F{n + 1} }} }}" for n in range(MAX_DEPTH)]
    parts.append(f"fragment F{MAX_DEPTH} on Unit {{ id }}")

    error = the_error(api.graphql("\n".join(parts)).json())

    assert error["message"] == f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}"
    assert error["extensions"] == {"code": QUERY_TOO_DEEP, "limit": MAX_DEPTH}


def test_fragments_spread_hundreds_deep_are_refused_not_failed(api: Api) -> None:
    parts = ["query Q { ...F0 }"]
    parts += [f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(600)]
    parts.append("fragment F600 on Query { __typename }")

    response = api.graphql("\n".join(parts))

    assert response.status_code == 200
    assert response.json()["data"] is None and response.json()["errors"]


def test_a_query_reusing_fragments_within_the_limits_is_answered(api: Api) -> None:
    query = """
        query { organisation(asOf: "2017-03-01") { units { ...Named children { ...Named } } } }
        fragment Named on Unit { id name }
    """
    units = api.data(query)["organisation"]["units"]

    assert len(units) == 37 and all(unit["name"] for unit in units)


# --- bytes and tokens, before parsing ------------------------------------------------------------


def test_a_document_over_the_byte_limit_is_refused_unparsed(api: Api) -> None:
    document = "{" + " __typename" * (DEFAULTS.graphql_max_document_bytes // 11 + 1) + "}"
    assert len(document) > DEFAULTS.graphql_max_document_bytes

    status, body = post_json(api, json.dumps({"query": document}))

    assert status == 413
    assert body["data"] is None
    assert the_error(body)["extensions"] == {
        "code": DOCUMENT_TOO_LARGE,
        "limit": DEFAULTS.graphql_max_document_bytes,
    }


def test_the_document_limit_is_a_setting_and_holds_for_get_too(demo_app, make_api) -> None:
    api = make_api(demo_app, graphql_max_document_bytes=100)
    document = "{" + " __typename" * 10 + "}"

    over_get = api.client.get("/graphql", params={"query": document})
    over_post = api.graphql(document)

    assert over_get.status_code == over_post.status_code == 413
    assert the_error(over_get.json())["extensions"] == {"code": DOCUMENT_TOO_LARGE, "limit": 100}
    assert api.client.get("/graphql", params={"query": "{ __typename }"}).json() == {
        "data": {"__typename": "Query"}
    }


def test_a_body_over_the_limit_is_refused_by_its_declared_length(api: Api) -> None:
    five_megabytes = json.dumps({"query": "{" + " __typename" * 500_000 + "}"})

    status, body = post_json(api, five_megabytes)

    assert status == 413
    assert the_error(body)["extensions"] == {
        "code": REQUEST_TOO_LARGE,
        "limit": DEFAULTS.graphql_max_body_bytes,
    }
    assert "POST /changes" in the_error(body)["message"]


def test_a_body_over_the_limit_is_refused_as_it_arrives_without_a_declared_length(api: Api) -> None:
    def chunks() -> Iterator[bytes]:  # sent chunked: no Content-Length
        yield b'{"query": "{'
        for _ in range(200):
            yield b" __typename" * 1000
        yield b'}"}'

    response = api.client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert the_error(response.json())["extensions"]["code"] == REQUEST_TOO_LARGE


def test_a_document_over_the_token_limit_is_refused_with_a_code(api: Api) -> None:
    document = "{" + " __typename" * MAX_TOKENS + "}"
    assert len(document) < DEFAULTS.graphql_max_document_bytes

    error = the_error(api.graphql(document).json())

    assert error["message"].startswith(f"Syntax Error: Document contains more than {MAX_TOKENS} tokens.")
    assert error["extensions"] == {"code": "TOO_MANY_TOKENS", "limit": MAX_TOKENS}


def test_the_token_limit_is_a_setting(demo_app, make_api) -> None:
    api = make_api(demo_app, graphql_max_tokens=10)

    # 16 tokens: { unit ( id : "kf" asOf : "2017-03-01" ) { id name kind parentId } }
    error = the_error(api.graphql('{ unit(id: "kf", asOf: "2017-03-01") { id name kind parentId } }').json())

    assert error["extensions"] == {"code": "TOO_MANY_TOKENS", "limit": 10}
    assert api.data("{ __typename }") == {"__typename": "Query"}


def test_a_syntax_error_has_a_code(api: Api) -> None:
    error = the_error(api.graphql("{ unit(").json())

    assert error["message"].startswith("Syntax Error:")
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


# --- variables' depth ------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [DEFAULTS.graphql_max_variables_depth + 1, 5_000, 200_000])
def test_deeply_nested_variables_are_a_400_with_a_code(api: Api, depth: int) -> None:
    body = '{"query": "query ($v: JSON) { __typename }", "variables": {"v": ' + nested(depth) + "}}"

    status, answer = post_json(api, body)

    assert status == 400
    assert the_error(answer)["extensions"] == {
        "code": VARIABLES_TOO_DEEP,
        "limit": DEFAULTS.graphql_max_variables_depth,
    }


def test_deeply_nested_variables_over_get_are_a_400_with_a_code(api: Api) -> None:
    response = api.client.get(
        "/graphql",
        params={"query": "query ($v: JSON) { __typename }", "variables": '{"v": ' + nested(3_000) + "}"},
    )

    assert response.status_code == 400
    assert the_error(response.json())["extensions"]["code"] == VARIABLES_TOO_DEEP


def test_a_change_file_in_variables_nests_well_within_the_limit(api: Api, tokens: Tokens) -> None:
    change_file = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "bounds-1",
                "type": "rename_unit",
                "effective": "2019-01-01",
                "unit": "slk",
                "name": "Stadsledningen",
                "decision": {"body": "ks", "date": "2018-12-10", "paragraph": "§ 1"},
            }
        ],
    }
    assert nesting_depth({"file": change_file}, 100) == 5

    recorded = api.data(
        "mutation ($file: JSON!) { recordChanges(file: $file) }",
        {"file": change_file},
        token=tokens.registrar,
    )

    assert recorded == {"recordChanges": ["bounds-1"]}


def test_nesting_depth_is_counted_without_recursion() -> None:
    value: list = []
    for _ in range(100_000):
        value = [value]

    assert nesting_depth(value, 40) == 41  # stops counting past the limit
    assert nesting_depth({"a": [1, {"b": 2}], "c": "x"}, 10) == 3
    assert nesting_depth("text", 10) == 0


@pytest.mark.parametrize("media_type", ["application/json", "application/yaml"])
def test_deeply_nested_change_files_are_refused_as_malformed(
    api: Api, tokens: Tokens, media_type: str
) -> None:
    depth = 100_000
    if media_type == "application/json":
        content = '{"format": "orgchange/v1", "changes": ' + nested(depth) + "}"
    else:
        content = "format: orgchange/v1\nchanges: " + nested(depth) + "\n"

    response = api.post_changes(content, tokens.registrar, media_type)

    assert response.status_code == 422
    assert response.json()["rule"] == "malformed-input"
