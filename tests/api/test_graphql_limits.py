"""What one GraphQL request may ask of a public endpoint: tokens, cost, result size, page size.

Depth and aliases are in test_graphql_errors.py. A refused query is refused
with one plain, coded error and, when it is refused before it runs, without a
statement sent to the database beyond those any request sends (a query that
reads nothing); introspection stays open to everyone and is not charged.
"""

from __future__ import annotations

import graphql

from api.graphql import context
from api.graphql.limits import QUERY_TOO_COSTLY, RESULT_TOO_LARGE, query_cost
from api.graphql.query import MAX_PAGE_SIZE
from api.graphql.schema import MAX_COST, MAX_INTROSPECTION_COST, MAX_TOKENS, schema

from .conftest import Api, Tokens
from .test_query_count import counting_statements

COSTLY = """{ organisation(asOf: "2017-03-01") {
  units { children { children { children { positions { id title director } } } } }
} }"""


def statements_of_a_request(api: Api) -> int:
    """The statements a request sends that reads no data (`{ __typename }`)."""
    with counting_statements(api.orgchange) as statements:
        api.data("{ __typename }")
    return len(statements)


def _cost(query: str) -> int:
    return query_cost(schema._schema, query, MAX_PAGE_SIZE)


def test_a_document_of_too_many_tokens_is_refused_unparsed(api: Api, tokens: Tokens) -> None:
    # `mutation { previewChanges ( file : [ … ] ) { opened { since } } }`: 16 tokens and the list.
    def document(tokens_in_all: int) -> str:
        items = " ".join(["1"] * (tokens_in_all - 16))
        return f"mutation {{ previewChanges(file: [{items}]) {{ opened {{ since }} }} }}"

    with counting_statements(api.orgchange) as statements:
        [error] = api.errors(document(MAX_TOKENS + 1))
    assert (
        error["message"] == f"Syntax Error: Document contains more than {MAX_TOKENS} tokens. Parsing aborted."
    )
    assert len(statements) <= statements_of_a_request(api)
    # At the limit the document is read, and the mutation judges what it was given.
    [error] = api.errors(document(MAX_TOKENS), token=tokens.registrar)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "file"}


def test_a_costly_query_is_refused_before_it_runs(api: Api) -> None:
    cost = _cost(COSTLY)
    assert cost > MAX_COST  # five nested lists of a dozen units each: a hundred thousand values

    with counting_statements(api.orgchange) as statements:
        response = api.graphql(COSTLY)
    body = response.json()

    assert response.status_code == 200 and body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": QUERY_TOO_COSTLY, "cost": cost, "limit": MAX_COST}
    assert error["message"].startswith(f"the query would cost about {cost:,} (the limit is {MAX_COST:,})")
    assert len(statements) <= statements_of_a_request(api)


def test_a_query_within_the_cost_limit_is_answered(api: Api) -> None:
    # The same units, two levels less deep: about a thousand values.
    query = '{ organisation(asOf: "2017-03-01") { units { id children { id positions { id } } } } }'
    assert _cost(query) < MAX_COST

    units = api.data(query)["organisation"]["units"]

    assert len(units) == 37 and any(unit["children"] for unit in units)


def test_a_page_costs_its_size_and_no_more_than_the_largest_page(api: Api) -> None:
    page = "{{ changes(first: {first}) {{ edges {{ node {{ id type effective summary }} }} }} }}"

    assert _cost(page.format(first=10)) < _cost(page.format(first=1000))
    assert _cost(page.format(first=1000)) == _cost(page.format(first=10**9))  # charged as the cap
    assert (
        len(api.data(page.format(first=1000))["changes"]["edges"])
        == api.data("{ changes { totalCount } }")["changes"]["totalCount"]
    )


def test_pages_are_capped_on_every_paged_field(api: Api, tokens: Tokens) -> None:
    for query in (
        "{ changes(first: 1001) { totalCount } }",
        "{ audit(first: 1001) { totalCount } }",
        '{ unreportedChanges(board: "ks", first: 1001) { id } }',
        "{ changes(first: -1) { totalCount } }",
    ):
        [error] = api.errors(query)
        assert error["message"] == f"'first' must be between 0 and {MAX_PAGE_SIZE}", query
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}
    rest = api.client.get("/reports/ks/unreported", params={"first": MAX_PAGE_SIZE + 1})
    assert rest.status_code == 422 and "first" in rest.json()["detail"]


def test_an_answer_over_the_result_budget_is_refused_whole(api: Api, monkeypatch) -> None:
    # The budget is 200,000 items, more than the sample holds in any query the cost limit lets
    # through; a budget of 50 shows what happens at the limit.
    monkeypatch.setattr(context, "MAX_RESULT_ITEMS", 50)
    query = '{ organisation(asOf: "2017-03-01") { units { id children { id } positions { id } } } }'

    body = api.graphql(query).json()

    assert body["data"] is None  # no half answer that would look complete
    [error] = body["errors"]
    assert error["extensions"] == {"code": RESULT_TOO_LARGE, "limit": 50}
    assert "more than 50 units, posts, delegations and links" in error["message"]
    # A part of the organisation still fits.
    assert api.data('{ unit(id: "kf", asOf: "2017-03-01") { children { id } } }')["unit"]["children"]


def test_introspection_is_open_to_everyone_and_charged_within_its_own_limit(api: Api) -> None:
    query = graphql.get_introspection_query(descriptions=True, specified_by_url=True)
    assert MAX_COST // 10 < _cost(query) <= MAX_INTROSPECTION_COST

    response = api.graphql(query)  # no token

    assert response.status_code == 200 and "errors" not in response.json()
    built = graphql.build_client_schema(response.json()["data"])
    assert graphql.print_schema(built) == graphql.print_schema(schema._schema)


def test_the_whole_schema_asked_for_under_fifteen_aliases_is_refused_before_it_runs(api: Api) -> None:
    """Introspection was not charged: the schema asked for 15 times over in one request was
    answered, value by value, on the event loop."""
    ref = "kind name ofType { kind name ofType { kind name } }"
    whole = f"__schema {{ types {{ name kind description fields {{ name description args {{ name type {{ {ref} }} }}"
    whole += f" type {{ {ref} }} }} }} }}"
    assert _cost(f"{{ {whole} }}") <= MAX_INTROSPECTION_COST
    api.data(f"{{ {whole} }}")  # once is an ordinary question
    query = "{ " + " ".join(f"a{n}: {whole}" for n in range(15)) + " }"  # 420 fields: within their limit

    [error] = api.errors(query)

    assert error["extensions"]["code"] == QUERY_TOO_COSTLY
    assert error["extensions"]["limit"] == MAX_INTROSPECTION_COST
    assert error["extensions"]["cost"] > MAX_INTROSPECTION_COST


def test_a_page_size_given_by_a_variable_is_charged_as_the_largest_page_whatever_its_default() -> None:
    """A variable's default was charged as if it were the page asked for; the variable itself
    can ask for the largest page at run time."""
    nested = "edges { node { id type effective decision { body date } } }"
    literal = _cost(f"{{ changes(first: 1) {{ {nested} }} }}")
    with_default = _cost(f"query($n: Int = 1) {{ changes(first: $n) {{ {nested} }} }}")
    without_default = _cost(f"query($n: Int) {{ changes(first: $n) {{ {nested} }} }}")
    largest = _cost(f"{{ changes(first: {MAX_PAGE_SIZE}) {{ {nested} }} }}")

    assert with_default == without_default == largest > literal


def test_fifteen_largest_pages_by_a_variable_with_a_small_default_are_refused(api: Api) -> None:
    pages = " ".join(
        f"p{n}: changes(first: $n) {{ edges {{ node {{ id type effective }} }} }}" for n in range(15)
    )
    query = f"query Pages($n: Int = 1) {{ {pages} }}"

    [error] = api.errors(query, {"n": MAX_PAGE_SIZE})

    assert error["extensions"]["code"] == QUERY_TOO_COSTLY


def test_the_same_costly_list_asked_under_many_aliases_is_refused_before_it_runs(api: Api) -> None:
    """Each call of delegatedDecisions counts and pages in the database whatever it returns:
    a request may not repeat that work under a dozen aliases (docs/security.md)."""
    one = "delegatedDecisions(first: 100) { totalCount edges { node { id } } }"
    aliased = "{ " + " ".join(f"a{i}: {one}" for i in range(12)) + " }"

    assert api.data("{ " + one + " }")["delegatedDecisions"]["totalCount"] >= 0
    [error] = api.errors(aliased)
    assert error["extensions"]["code"] == QUERY_TOO_COSTLY
