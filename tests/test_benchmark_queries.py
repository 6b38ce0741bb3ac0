"""The benchmark asks exactly the web page's queries: every one, as the page writes it, answered.

`benchmarks/page_queries.py` reads every document passed to `gql(…)` out of
orgchange/web/*.js and measures it with variables from its table `VARIABLES`. A query
added to or changed in the page has a key the table lacks, and the first test here
fails with the entry to add; an entry whose query the page no longer asks fails the
second. The last test asks every document, with the table's variables, of the service
over the sample register: what the benchmark measures is a question the API answers.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from benchmarks import page_queries

from .api.conftest import Api, Tokens, api, make_api, tokens  # noqa: F401  (fixtures)

DAY = "2017-03-01"


def test_every_query_of_the_web_page_has_an_entry_in_the_benchmark():
    """A query the benchmark does not ask is one whose speed nobody measures."""
    missing = [query for query in page_queries.documents() if query.key not in page_queries.VARIABLES]

    assert not missing, (
        "The web page asks queries the benchmark does not. Add to VARIABLES in "
        "benchmarks/page_queries.py (fill in each `...` from the Sample `s`: s.unit, s.d, s.board, "
        "s.year_before, s.draft, s.units_on_day; a document the page builds at run time is a "
        "`Built` that returns the document too, as `_unit_names` does):\n\n"
        + "\n".join(page_queries.entry_stub(query) for query in missing)
        + "\n\nThe documents:\n"
        + "\n".join(f"{query.where}: {query.text}" for query in missing)
    )


def test_the_benchmark_has_no_entry_for_a_query_the_page_no_longer_asks():
    found = {query.key for query in page_queries.documents()}

    stale = sorted(set(page_queries.VARIABLES) - found)

    assert not stale, (
        f"Remove from VARIABLES in benchmarks/page_queries.py (no such query in the page): {stale}"
    )


def test_documents_are_read_out_of_the_javascript_as_the_page_sends_them(tmp_path: Path):
    """Each way the page writes a query: a plain string, a template with a constant of the
    file, strings joined by `+`, a variable holding the query, a call through a module, and
    a query made at run time; the definition of `gql` itself is no query."""
    (tmp_path / "a.js").write_text(
        'const FIELDS = "id name";\n'
        "async function gql(text, variables = {}) { return fetch(text); }\n"
        'const one = await gql("{ register { organisation } }");\n'
        "const two = await gql(`query($d: Date!) {\n  organisation(asOf: $d) { units { ${FIELDS} } } }`, { d });\n"
        'const three = await api.gql("query($id: ID!) { unit(id: $id, asOf: \\"2020-01-01\\") " +\n'
        "  '{ name } }', { id });\n"
        'const query = `query { ${keys.map((k) => `u${k}: unit(id: "${k}") { name }`).join(" ")} }`;\n'
        "const four = await gql(query);\n",
        encoding="utf-8",
    )

    found = page_queries.documents(tmp_path)

    assert [(q.line, q.text, q.dynamic) for q in found] == [
        (3, "{ register { organisation } }", False),
        (4, "query($d: Date!) { organisation(asOf: $d) { units { id name } } }", False),
        (6, 'query($id: ID!) { unit(id: $id, asOf: "2020-01-01") { name } }', False),
        (9, 'query { ${keys.map((k) => `u${k}: unit(id: "${k}") { name }`).join(" ")} }', True),
    ]
    assert [q.fields for q in found] == [["register"], ["organisation"], ["unit"], []]
    assert found[1].variables == [("d", "Date!")]
    assert len({q.key for q in found}) == 4


def test_the_unit_page_is_among_the_documents_read_out_of_the_page():
    """The target of issue 20 is the unit page's query: the reader must find it in app.js."""
    unit_page = [
        query
        for query in page_queries.documents()
        if query.key in page_queries.VARIABLES and page_queries.VARIABLES[query.key].unit_page
    ]

    assert any(
        query.file == "app.js" and {"unit", "unitHistory", "changes"} <= set(query.fields)
        for query in unit_page
    )
    assert "children { id name kind }" in next(q.text for q in unit_page if "unit" in q.fields)


def test_every_document_of_the_page_is_answered_with_the_benchmarks_variables(
    api: Api,  # noqa: F811
    tokens: Tokens,  # noqa: F811
):
    """As the benchmark asks them, as a signed-in registrar, about units and boards of a day."""
    units = api.data("query ($d: Date!) { organisation(asOf: $d) { units { id kind } } }", {"d": DAY})
    keys = [u["id"] for u in units["organisation"]["units"]]
    board = next(u["id"] for u in units["organisation"]["units"] if u["kind"] == "board")
    made = api.client.post(
        "/drafts",
        json={"name": "Prov", "file": {"format": "orgchange/v1", "changes": []}},
        headers={"Authorization": f"Bearer {tokens.registrar}"},
    )
    assert made.status_code in (200, 201), made.text
    change = api.data("{ changes(first: 1) { edges { node { id } } } }")["changes"]["edges"][0]["node"]["id"]
    sample = page_queries.Sample(
        unit=keys[3],
        day=date.fromisoformat(DAY),
        board=board,
        units_on_day=keys,
        draft=made.json()["id"],
        rng=random.Random(1),
        change=change,
    )

    answered = []
    for query, entry in page_queries.measured():
        document, variables = page_queries.asked(query, entry, sample)
        data = api.data(document, variables, token=tokens.registrar)
        answered.append(query.key)
        assert all(value is not None for value in data.values()) or query.dynamic, (query.where, data)

    assert answered == [query.key for query in page_queries.documents()]
