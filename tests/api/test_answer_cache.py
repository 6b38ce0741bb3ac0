"""Answers to repeated GraphQL queries are kept until the register changes (api/graphql/cache.py).

Two services over one database stand for two server processes: each has its own
cache, and a write through one must be seen by the next query through the other.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.graphql.cache import AnswerCache, answered_from_events, request_key
from orgchange.application import OrgChange

from .conftest import Api, Tokens

UNIT = '{ unit(id: "planenheten", asOf: "2018-06-01") { id name parentId } }'
RENAME = """format: orgchange/v1
changes:
  - {id: cache-1, type: rename_unit, effective: 2018-01-01, unit: planenheten, name: Planeringsenheten}
"""


def _ask(api: Api, query: str, variables: dict | None = None) -> tuple[str | None, dict]:
    response = api.graphql(query, variables)
    assert response.status_code == 200, response.text
    return response.headers.get("x-orgchange-cache"), response.json()


def test_a_repeated_query_is_answered_from_the_cache_with_the_same_answer(api: Api) -> None:
    first = _ask(api, UNIT)
    second = _ask(api, UNIT)
    other_day = _ask(api, UNIT.replace("2018-06-01", "2017-06-01"))

    assert first[0] == "miss" and second[0] == "hit"
    assert (
        second[1]
        == first[1]
        == {"data": {"unit": {"id": "planenheten", "name": "Planenheten", "parentId": "territorieomradet"}}}
    )
    assert other_day[0] == "miss"


def test_variables_are_part_of_the_question(api: Api) -> None:
    query = 'query ($d: Date!) { unit(id: "planenheten", asOf: $d) { name } }'
    assert _ask(api, query, {"d": "2018-06-01"})[0] == "miss"
    assert _ask(api, query, {"d": "2011-06-01"}) == ("miss", {"data": {"unit": None}})
    assert _ask(api, query, {"d": "2018-06-01"})[0] == "hit"


def test_a_recorded_change_makes_the_next_answer_new(api: Api, tokens: Tokens) -> None:
    _ask(api, UNIT)
    assert api.post_changes(RENAME, tokens.registrar).status_code == 200

    how, body = _ask(api, UNIT)

    assert how == "miss"
    assert body["data"]["unit"]["name"] == "Planeringsenheten"


def test_a_write_through_another_service_is_seen_by_the_next_query(
    demo_app: OrgChange, database_url: str, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    reading = make_api(demo_app)
    other = OrgChange(database_url)  # another process's register and read models
    try:
        writing = make_api(other)
        assert _ask(reading, UNIT)[1]["data"]["unit"]["name"] == "Planenheten"
        assert _ask(reading, UNIT)[0] == "hit"

        assert writing.post_changes(RENAME, tokens.registrar).status_code == 200
        how, body = _ask(reading, UNIT)
    finally:
        other.close()
        other.engine.dispose()

    assert how == "miss"
    assert body["data"]["unit"]["name"] == "Planeringsenheten"


def test_errors_mutations_and_outputs_are_never_kept(api: Api, tokens: Tokens) -> None:
    unknown = '{ unitHistory(id: "ingen-sadan") { name } }'
    assert api.graphql(unknown).json()["errors"]
    assert api.graphql(unknown).headers.get("x-orgchange-cache") == "miss"

    stale = "{ staleOutputs { description } }"
    assert api.graphql(stale).status_code == 200
    assert "x-orgchange-cache" not in api.graphql(stale).headers

    mutation = 'mutation { reportChanges(board: "ks", meeting: "2018-02-05", changeIds: ["nacka-2017-001"]) { board } }'
    assert not answered_from_events(mutation)


def test_a_server_without_public_reads_keeps_no_answers(
    demo_app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    private = make_api(demo_app, public_read=False)
    headers = {"Authorization": f"Bearer {tokens.reader}"}

    responses = [private.client.post("/graphql", json={"query": UNIT}, headers=headers) for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert all("x-orgchange-cache" not in r.headers for r in responses)
    assert not hasattr(private.client.app.state, "answer_cache")


@pytest.mark.parametrize(
    ("body", "cacheable"),
    [
        (b'{"query": "{ organisation(asOf: \\"2017-01-01\\") { units { id } } }"}', True),
        (
            b'{"query": "{ staleOutputs { description } organisation(asOf: \\"2017-01-01\\") { asOf } }"}',
            False,
        ),
        (b'{"query": "query A { register { units } } query B { register { units } }"}', False),
        (b'{"query": "{ ...F } fragment F on Query { register { units } }"}', False),
        (b'{"query": "{ unit(id: "}', False),
        (b"[1, 2]", False),
        (b"not json", False),
    ],
)
def test_which_requests_are_kept(body: bytes, cacheable: bool) -> None:
    assert (request_key(body) is not None) == cacheable


def test_the_cache_forgets_the_least_recently_used_answers_within_its_bytes() -> None:
    cache = AnswerCache(max_bytes=400)
    for n in range(5):
        cache.put(f"k{n}", 1, bytes(100))
        assert cache.size <= 400
    cache.get("k1", 1)  # used: kept
    cache.put("k5", 1, bytes(100))

    assert cache.get("k0", 1) is None and cache.get("k2", 1) is None
    assert cache.get("k1", 1) == bytes(100) and cache.get("k5", 1) == bytes(100)
    assert cache.get("k5", 2) is None  # stamped with another event: not this answer
    cache.put("huge", 1, bytes(101))  # over a quarter of the cache: not kept
    assert cache.get("huge", 1) is None
