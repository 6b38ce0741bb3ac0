"""Objects whose selected fields are all plain attributes take a faster way (api/graphql/execution.py).

Every query here is answered twice over the Nacka sample, through graphql-core's
own way of executing fields and through the faster one, and the answers — data
and errors — must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql.execution import PlainFieldsExecutionContext
from api.graphql.schema import schema

from .conftest import Api

QUERIES = [
    '{ organisation(asOf: "2017-03-01") { asOf units { id name kind parentId ownerId } roots { id } } }',
    '{ organisation(asOf: "2017-03-01") { units { __typename key: id n: name name id kind } } }',
    '{ organisation(asOf: "2017-03-01") { units { id parent { id name } children { id kind } '
    "positions { id title director unitId } validFrom validTo predecessors successors } } }",
    '{ organisation(asOf: "2017-03-01") { units { id name @include(if: false) kind @skip(if: true) } } }',
    "query ($d: Date!) { organisation(asOf: $d) { units { ... on Unit { id name } ...U } } } "
    "fragment U on Unit { kind ownerId }",
    '{ unit(id: "va-och-avfall", asOf: "2016-12-31") { id name validTo successors } }',
    '{ unitHistory(id: "va-och-avfall") { validFrom validTo name kind parentId changeId } }',
    '{ changes(from: "2017-01-01", to: "2017-12-31", first: 50) { totalCount pageInfo { hasNextPage endCursor } '
    "edges { cursor node { id type effective recordedBy unitIds summary cancelled "
    "decision { body date paragraph reference } } } } }",
    '{ diff(from: "2016-12-31", to: "2017-01-01") { added removed renamed { id from to } '
    "moved { id fromParent toParent } } }",
    '{ delegations(asOf: "2017-10-15") { id code matter fromId toId legalBasis limit substitute '
    "furtherDelegation parentDelegationId validFrom validTo } }",
    '{ delegationGaps(asOf: "2017-10-15") { delegationId since reason } }',
    '{ reports(board: "ks") { board meeting changeIds notedParagraph } }',
    '{ unitHistory(id: "ingen-sadan") { name } }',  # an error
]


@contextmanager
def executed_with(context_class: type) -> Iterator[None]:
    saved = schema.execution_context_class
    schema.execution_context_class = context_class
    try:
        yield
    finally:
        schema.execution_context_class = saved


@pytest.fixture
def uncached_api(demo_app, make_api) -> Api:
    return make_api(demo_app, answer_cache_mb=0)


@pytest.mark.parametrize("query", QUERIES)
def test_the_faster_way_gives_the_same_answer(uncached_api: Api, query: str) -> None:
    variables = {"d": "2017-03-01"} if "$d" in query else None
    with executed_with(StrawberryGraphQLCoreExecutionContext):
        ordinary = uncached_api.graphql(query, variables)
    with executed_with(PlainFieldsExecutionContext):
        faster = uncached_api.graphql(query, variables)

    assert faster.status_code == ordinary.status_code
    assert faster.json() == ordinary.json()
    assert "data" in faster.json()


class Counting(PlainFieldsExecutionContext):
    """Keeps the last request's execution context, to read how many objects took the faster way."""

    last: PlainFieldsExecutionContext | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        Counting.last = self


def test_the_service_takes_the_faster_way_for_plain_fields(uncached_api: Api) -> None:
    assert schema.execution_context_class is PlainFieldsExecutionContext
    with executed_with(Counting):
        uncached_api.graphql(QUERIES[0])
        units = Counting.last.plain_objects
        uncached_api.graphql('{ unit(id: "ks", asOf: "2017-03-01") { name parent { id } } }')
        with_a_resolver = Counting.last.plain_objects

    assert units == 37 + 1  # every unit, and each root (its id alone) once
    assert with_a_resolver == 1  # only the parent { id }: `unit` has a resolver field asked


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        (
            '{ unitHistory(id: "va-och-avfall") { validFrom validTo name kind parentId changeId } }',
            "unitHistory",
        ),
        ('{ delegations(asOf: "2017-10-15") { id code matter fromId toId validFrom } }', "delegations"),
        ('{ reports(board: "ks") { board meeting notedParagraph reference } }', "reports"),
        ('{ findings(asOf: "2018-06-01") { code subjectKind subjectId since reason } }', "findings"),
    ],
)
def test_versions_delegations_reports_and_findings_take_the_faster_way(
    uncached_api: Api, query: str, listed: str
) -> None:
    """Their fields are plain attributes set from the row, not a resolver each, so a list of them
    is answered in one loop (a field holding a list, such as changeIds, still takes the ordinary way)."""
    with executed_with(Counting):
        answer = uncached_api.graphql(query).json()
    items = answer["data"][listed]
    assert items, "the sample has some to list"
    assert Counting.last.plain_objects == len(items)


def test_a_page_of_changes_answers_its_changes_the_faster_way(uncached_api: Api) -> None:
    with executed_with(Counting):
        answer = uncached_api.graphql(
            "{ changes(first: 20) { edges { node { id type effective recordedAt recordedBy summary "
            "cancelled note } } } }"
        ).json()
    changes = len(answer["data"]["changes"]["edges"])
    assert changes == 20
    assert Counting.last.plain_objects >= changes  # every node (and nothing asked of a resolver)
