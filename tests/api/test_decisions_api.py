"""Delegated decisions over HTTP and GraphQL (docs/decisions.md, docs/http.md#post-decisions,
docs/graphql.md#delegated-decisions), on the Nacka sample and both databases."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Api, Tokens

SAMPLE = Path(__file__).resolve().parents[2] / "orgchange" / "sample" / "nacka-decisions-2016-2018.yaml"

LIST = """
query($board: ID, $unreported: Boolean, $withFindings: Boolean, $first: Int, $after: String) {
  delegatedDecisions(board: $board, unreported: $unreported, withFindings: $withFindings,
                     first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id delegationId decidedBy date matter reference amount reportTo findings reportedAt
                          reported { meeting notedParagraph } } }
  }
}
"""


def post(api: Api, body: str | bytes, token: str | None, media_type: str = "application/yaml"):
    headers = {"content-type": media_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return api.client.post("/decisions", content=body, headers=headers)


def test_post_decisions_records_the_sample_and_answers_the_ids(api: Api, tokens: Tokens) -> None:
    """YAML body, registrar token: 200 with every id; a second time they are skipped."""
    response = post(api, SAMPLE.read_bytes(), tokens.registrar)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ids"] == body["recorded"] and len(body["ids"]) == 12 and body["skipped"] == []
    again = post(api, SAMPLE.read_bytes(), tokens.registrar).json()
    assert again["recorded"] == [] and again["skipped"] == body["ids"]


def test_post_decisions_needs_a_registrars_token(api: Api, tokens: Tokens) -> None:
    """401 without a token, 403 with a reader's: writes always need a registrar or an admin."""
    assert post(api, SAMPLE.read_bytes(), None).status_code == 401
    assert post(api, SAMPLE.read_bytes(), tokens.reader).status_code == 403


def test_post_decisions_refuses_a_bad_item_naming_it_and_records_nothing(api: Api, tokens: Tokens) -> None:
    """422 naming the decision by position and id; not one of the body is recorded."""
    body = {
        "format": "orgchange-decisions/v1",
        "decisions": [
            {"id": "a", "delegation": "N.1", "decided_by": "trafikchef", "date": "2016-05-01", "matter": "x"},
            {"id": "b", "delegation": "N.1", "decided_by": "trafikchef", "date": "den femte", "matter": "x"},
        ],
    }
    response = post(api, json.dumps(body), tokens.registrar, "application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "DECISIONS_MALFORMED"
    assert any("#2 (b)" in error for error in response.json()["errors"])
    assert api.data(LIST)["delegatedDecisions"]["totalCount"] == 0


def test_post_decisions_refuses_a_personnummer_in_any_field(api: Api, tokens: Tokens) -> None:
    """A valid personnummer in the reference: refused with PERSONAL_DATA, naming the field."""
    body = {
        "format": "orgchange-decisions/v1",
        "decisions": [
            {
                "id": "a",
                "delegation": "N.1",
                "decided_by": "trafikchef",
                "date": "2016-05-01",
                "matter": "Yttrande",
                "reference": "19811218-9876",
            }
        ],
    }
    response = post(api, json.dumps(body), tokens.registrar, "application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "PERSONAL_DATA"
    assert "reference" in response.json()["errors"][0]


def test_delegated_decisions_pages_by_date_with_a_total(api: Api, tokens: Tokens) -> None:
    """Five per page; the cursor of one page starts the next, and every decision comes once."""
    post(api, SAMPLE.read_bytes(), tokens.registrar)
    seen: list[str] = []
    after = None
    while True:
        page = api.data(LIST, {"first": 5, "after": after})["delegatedDecisions"]
        assert page["totalCount"] == 12
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 12 == len(set(seen))


def test_the_findings_of_the_sample_after_the_2017_reorganisation_are_shown(api: Api, tokens: Tokens) -> None:
    """NTN-2017-0031: N.2's delegate, the VA-chef's post, ended with the spin-off of 2017-01-01."""
    post(api, SAMPLE.read_bytes(), tokens.registrar)
    page = api.data(LIST, {"board": "ntn", "withFindings": True})["delegatedDecisions"]
    (node,) = [edge["node"] for edge in page["edges"]]
    assert node["id"] == "NTN-2017-0031"
    assert node["findings"] == [
        "Beslutet 2017-03-05 saknar stöd i delegationsordningen: befattningen Enhetschef VA och avfall "
        "innehade inte delegation N.2 den dagen (befattningen upphörde 2017-01-01)."
    ]


def test_report_decisions_and_note_the_report_with_its_paragraph(api: Api, tokens: Tokens) -> None:
    """Reported to the board's meeting, they leave its unreported list; the § is noted once."""
    post(api, SAMPLE.read_bytes(), tokens.registrar)
    unreported = api.data(LIST, {"board": "ntn", "unreported": True})["delegatedDecisions"]
    ids = [edge["node"]["id"] for edge in unreported["edges"]]
    assert ids == ["NTN-2016-0210", "NTN-2017-0031", "NTN-2017-0032"]
    report = """mutation($ids: [ID!]!) { reportDecisions(board: "ntn", meeting: "2017-04-20", decisionIds: $ids) }"""
    assert api.data(report, {"ids": ids}, tokens.registrar) == {"reportDecisions": True}
    assert api.data(LIST, {"board": "ntn", "unreported": True})["delegatedDecisions"]["totalCount"] == 0
    note = """mutation { noteDecisionReport(board: "ntn", meeting: "2017-04-20", paragraph: "§ 58") }"""
    assert api.data(note, token=tokens.registrar) == {"noteDecisionReport": True}
    nodes = [edge["node"] for edge in api.data(LIST, {"board": "ntn"})["delegatedDecisions"]["edges"]]
    assert {n["reportedAt"] for n in nodes} == {"2017-04-20"}
    assert {n["reported"]["notedParagraph"] for n in nodes} == {"§ 58"}
    (error,) = api.errors(note, token=tokens.registrar)
    assert error["extensions"]["code"] == "DECISION_REPORT_REFUSED"


def test_decisions_under_a_vidaredelegation_are_reported_to_the_forvaltningschef(
    api: Api, tokens: Tokens
) -> None:
    """KS-2016-0102 was taken under the välfärdsdirektör's vidaredelegation of B.1: the stadsdirektör's list."""
    post(api, SAMPLE.read_bytes(), tokens.registrar)
    ks = [e["node"]["id"] for e in api.data(LIST, {"board": "ks"})["delegatedDecisions"]["edges"]]
    chief = [
        e["node"]["id"] for e in api.data(LIST, {"board": "stadsdirektor"})["delegatedDecisions"]["edges"]
    ]
    assert "KS-2016-0102" in chief and "KS-2016-0102" not in ks
    (error,) = api.errors(
        """mutation { reportDecisions(board: "ks", meeting: "2016-04-01", decisionIds: ["KS-2016-0102"]) }""",
        token=tokens.registrar,
    )
    assert error["extensions"]["code"] == "DECISION_REPORT_REFUSED"
    assert "stadsdirektor" in error["message"]


def test_record_decisions_mutation_takes_the_same_file_as_post_decisions(api: Api, tokens: Tokens) -> None:
    """recordDecisions: the same body as a JSON object, the ids back; a reader may not."""
    file = {
        "format": "orgchange-decisions/v1",
        "decisions": [
            {"id": "a", "delegation": "N.1", "decided_by": "trafikchef", "date": "2016-05-01", "matter": "x"}
        ],
    }
    mutation = "mutation($file: JSON!) { recordDecisions(file: $file) }"
    assert api.data(mutation, {"file": file}, tokens.registrar) == {"recordDecisions": ["a"]}
    (error,) = api.errors(mutation, {"file": file}, tokens.reader)
    assert error["extensions"]["code"] == "FORBIDDEN"


def _same_day_decisions(count: int) -> str:
    """`count` decisions on two days, most of them on the same day (ties in the order)."""
    items = [
        {"id": f"T-{n:03}", "delegation": "N.1", "decided_by": "trafikchef", "matter": "Yttrande"}
        | {"date": "2016-05-02" if n % 3 else "2016-05-01"}
        for n in range(count)
    ]
    return json.dumps({"format": "orgchange-decisions/v1", "decisions": items})


def test_a_page_starts_right_after_the_last_decision_of_the_one_before_even_among_ties(
    api: Api, tokens: Tokens
) -> None:
    """Keyset paging: pages of 7 over 40 decisions on two days give each once, in order, and a
    decision recorded meanwhile before the cursor does not shift the next page."""
    assert post(api, _same_day_decisions(40), tokens.registrar, "application/json").status_code == 200
    whole = [e["node"]["id"] for e in api.data(LIST, {"first": 100})["delegatedDecisions"]["edges"]]
    first = api.data(LIST, {"first": 7})["delegatedDecisions"]
    late = {
        "format": "orgchange-decisions/v1",
        "decisions": [
            {
                "id": "A-late",
                "delegation": "N.1",
                "decided_by": "trafikchef",
                "date": "2016-04-01",
                "matter": "x",
            }
        ],
    }
    assert post(api, json.dumps(late), tokens.registrar, "application/json").status_code == 200
    seen = [e["node"]["id"] for e in first["edges"]]
    after = first["pageInfo"]["endCursor"]
    while after is not None:
        page = api.data(LIST, {"first": 7, "after": after})["delegatedDecisions"]
        seen += [e["node"]["id"] for e in page["edges"]]
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert seen == whole and len(whole) == 40


def test_a_cursor_of_the_earlier_kind_an_offset_still_pages(api: Api, tokens: Tokens) -> None:
    """Cursors given out before keyset paging named an offset; they still start there."""
    import base64

    post(api, _same_day_decisions(12), tokens.registrar, "application/json")
    whole = [e["node"]["id"] for e in api.data(LIST, {"first": 100})["delegatedDecisions"]["edges"]]
    old = base64.urlsafe_b64encode(b"decision:5").decode()
    page = api.data(LIST, {"first": 4, "after": old})["delegatedDecisions"]
    assert [e["node"]["id"] for e in page["edges"]] == whole[5:9]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = api.data(LIST, {"first": 100, "after": page["pageInfo"]["endCursor"]})["delegatedDecisions"]
    assert [e["node"]["id"] for e in rest["edges"]] == whole[9:]


def test_the_list_counts_its_decisions_only_when_total_count_is_asked(api: Api, tokens: Tokens) -> None:
    from sqlalchemy import event

    post(api, SAMPLE.read_bytes(), tokens.registrar)
    counts: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "count(" in statement.lower() and "delegated_decisions" in statement:
            counts.append(statement)

    event.listen(api.orgchange.engine, "before_cursor_execute", seen)
    try:
        api.data('{ delegatedDecisions(board: "ntn", first: 5) { edges { node { id } } } }')
        assert counts == []
        total = api.data('{ delegatedDecisions(board: "ntn", first: 1) { totalCount } }')
        assert len(counts) == 1
    finally:
        event.remove(api.orgchange.engine, "before_cursor_execute", seen)
    assert total["delegatedDecisions"]["totalCount"] >= 2


def test_a_cursor_naming_an_impossible_day_or_order_is_a_clear_error(api: Api) -> None:
    import base64

    for raw in (
        b"decision@2016-02-30@1@x",
        b"decision@2016-02-01@-1@x",
        b"decision@2016-02-01@1@",
        b"decision:-3",
    ):
        (error,) = api.errors(LIST, {"after": base64.urlsafe_b64encode(raw).decode()})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", raw


def test_a_bad_cursor_is_a_clear_error(api: Api) -> None:
    """A cursor this service did not give out is named, not a server error."""
    (error,) = api.errors(LIST, {"after": "not-a-cursor"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_delegation_lists_the_decisions_taken_under_it(api: Api, tokens: Tokens) -> None:
    """Delegation.decisions: N.2 of Natur- och trafiknämnden as it stood in 2016, and its decisions."""
    post(api, SAMPLE.read_bytes(), tokens.registrar)
    query = """{ delegations(asOf: "2016-06-01", board: "ntn") { id decisions(first: 10) {
                   totalCount edges { node { id findings } } } } }"""
    found = {d["id"]: d["decisions"] for d in api.data(query)["delegations"]}
    assert [e["node"]["id"] for e in found["ntn-n2"]["edges"]] == ["NTN-2016-0210", "NTN-2017-0031"]
    assert found["ntn-n1"]["totalCount"] == 1
