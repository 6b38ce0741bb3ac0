"""Errors the register does not word itself still answer with a code, in the language asked for.

graphql-core says what is wrong with a document, strawberry what is wrong with a request,
Starlette and FastAPI what is wrong with an address, a method or a parameter, all in
English and (but for a syntax error) without a code. Each is put into the catalogue's
words (docs/errors.md#languages): Swedish unless `Accept-Language` prefers English, and a
code that is the same in both.
"""

from __future__ import annotations

import pytest

from orgchange.domain.messages import CODES

from .conftest import Api


def _graphql(api: Api, language: str, **request) -> tuple[int, list[dict]]:
    response = api.client.post("/graphql", json=request, headers={"Accept-Language": language})
    return response.status_code, response.json()["errors"]


def _both(api: Api, **request) -> tuple[dict, dict]:
    """The one error of a GraphQL request asked in Swedish, and in English."""
    (_, [swedish]), (_, [english]) = _graphql(api, "sv", **request), _graphql(api, "en", **request)
    return swedish, english


@pytest.mark.parametrize(
    ("query", "code", "swedish", "english"),
    [
        (
            "{ nope }",
            "GRAPHQL_VALIDATION_FAILED",
            "Typen 'Query' har inget fält 'nope'.",
            "Cannot query field 'nope' on type 'Query'.",
        ),
        (
            '{ organisation(asOf: "2017-03-01") { units { nam } } }',
            "GRAPHQL_VALIDATION_FAILED",
            "Typen 'Unit' har inget fält 'nam'. Menade du 'name'?",
            "Cannot query field 'nam' on type 'Unit'. Did you mean 'name'?",
        ),
        (
            "{ organisation(asOf: 5) { units { id } } }",
            "GRAPHQL_VALIDATION_FAILED",
            "Värdet 5 är inte av typen 'Date': inte ett datum skrivet ÅÅÅÅ-MM-DD: 5.",
            "Expected value of type 'Date', found 5: not a date written YYYY-MM-DD: 5.",
        ),
        (
            '{ organisation(asOf: "2017-03-01", nope: 1) { units { id } } }',
            "GRAPHQL_VALIDATION_FAILED",
            "'Query.organisation' har inget argument 'nope'.",
            "Unknown argument 'nope' on 'Query.organisation'.",
        ),
        (
            "{ organisation(asOf: ) }",
            "GRAPHQL_PARSE_FAILED",
            "Syntaxfel: oväntat ')'.",
            "Syntax Error: Unexpected ')'.",
        ),
        (
            "{ organisation(",
            "GRAPHQL_PARSE_FAILED",
            "Syntaxfel: väntade Name, fann slutet av dokumentet.",
            "Syntax Error: Expected Name, found <EOF>.",
        ),
    ],
)
def test_a_query_graphql_core_refuses_is_said_in_either_language_with_a_code(
    empty_api: Api, query: str, code: str, swedish: str, english: str
):
    said_in_swedish, said_in_english = _both(empty_api, query=query)

    assert said_in_swedish["message"] == swedish
    assert said_in_english["message"] == english
    assert said_in_swedish["extensions"]["code"] == said_in_english["extensions"]["code"] == code


def test_a_variable_of_the_wrong_type_is_a_bad_user_input_in_either_language(empty_api: Api):
    query = "query ($day: Date!) { organisation(asOf: $day) { units { id } } }"
    swedish, english = _both(empty_api, query=query, variables={"day": "2017-02-30"})
    missing_sv, missing_en = _both(empty_api, query=query, variables={})

    assert swedish["message"] == (
        "Variabeln '$day' har ett ogiltigt värde: Värdet '2017-02-30' är inte av typen 'Date': "
        "inte ett datum i kalendern: 2017-02-30."
    )
    assert english["message"] == (
        "Variable '$day' has an invalid value: Expected value of type 'Date', found '2017-02-30': "
        "not a calendar date: 2017-02-30."
    )
    assert missing_sv["message"] == "Variabeln '$day' av typen 'Date!' måste anges."
    assert missing_en["message"] == "Variable '$day' of type 'Date!' must be provided."
    codes = {e["extensions"]["code"] for e in (swedish, english, missing_sv, missing_en)}
    assert codes == {"BAD_USER_INPUT"}


def test_a_document_kept_from_an_earlier_request_is_said_in_the_language_of_the_next(empty_api: Api):
    """Validation is kept by document text (api/graphql/documents.py): its errors must not keep
    the words of the request that was validated first."""
    query = '{ organisation(asOf: "2017-02-30") { units { id } } }'

    first = _graphql(empty_api, "sv", query=query)[1][0]["message"]
    second = _graphql(empty_api, "en", query=query)[1][0]["message"]
    third = _graphql(empty_api, "sv", query=query)[1][0]["message"]

    assert (
        first
        == third
        == "Värdet \"2017-02-30\" är inte av typen 'Date': inte ett datum i kalendern: 2017-02-30."
    )
    assert second == "Expected value of type 'Date', found \"2017-02-30\": not a calendar date: 2017-02-30."


def test_a_query_over_its_bounds_is_said_in_either_language_each_time(empty_api: Api):
    aliased = "{ " + " ".join(f"a{i}: __typename" for i in range(40)) + " }"

    swedish, english = _both(empty_api, query=aliased)

    assert swedish["message"] == "40 alias i dokumentet; högst 30 får användas"
    assert english["message"] == "40 aliases found. Allowed: 30"
    assert swedish["extensions"] == english["extensions"] == {"code": "TOO_MANY_ALIASES", "limit": 30}


def test_a_request_strawberry_refuses_is_a_graphql_answer_with_a_code_not_english_plain_text(empty_api: Api):
    no_query = {
        language: empty_api.client.post(
            "/graphql", json={"variables": {}}, headers={"Accept-Language": language}
        )
        for language in ("sv", "en")
    }
    by_get = {
        language: empty_api.client.get(
            "/graphql",
            params={"query": 'mutation { discardDraft(id: "x") { id } }'},
            headers={"Accept-Language": language, "Accept": "application/json"},
        )
        for language in ("sv", "en")
    }

    for answers in (no_query, by_get):
        assert answers["sv"].status_code == answers["en"].status_code == 400
        assert answers["sv"].headers["content-type"].startswith("application/json")
        codes = {answer.json()["errors"][0]["extensions"]["code"] for answer in answers.values()}
        assert codes == {"GRAPHQL_REQUEST_INVALID"}
    assert no_query["sv"].json()["errors"][0]["message"] == "Begäran har ingen GraphQL-fråga ('query')."
    assert no_query["en"].json()["errors"][0]["message"] == "No GraphQL query found in the request."
    assert (
        by_get["sv"].json()["errors"][0]["message"] == "En ändring (mutation) skickas med POST, inte med GET."
    )
    assert by_get["en"].json()["errors"][0]["message"] == "Mutations are not allowed when using GET."


def _rest(api: Api, method: str, path: str, language: str, **kwargs):
    return api.client.request(method, path, headers={"Accept-Language": language}, **kwargs)


def test_an_address_with_no_route_is_a_404_with_a_code_in_either_language(empty_api: Api):
    swedish = _rest(empty_api, "GET", "/ingenstans", "sv")
    english = _rest(empty_api, "GET", "/ingenstans", "en")

    assert swedish.status_code == english.status_code == 404
    assert swedish.json() == {"detail": "Det finns ingenting på adressen /ingenstans.", "code": "NOT_FOUND"}
    assert english.json() == {"detail": "There is nothing at /ingenstans.", "code": "NOT_FOUND"}


def test_a_method_the_address_does_not_take_is_a_405_with_a_code_in_either_language(empty_api: Api):
    swedish = _rest(empty_api, "DELETE", "/changes", "sv")
    english = _rest(empty_api, "DELETE", "/changes", "en")

    assert swedish.status_code == english.status_code == 405
    assert swedish.json() == {
        "detail": "Adressen /changes tar inte emot DELETE; den tar emot POST.",
        "code": "METHOD_NOT_ALLOWED",
    }
    assert english.json() == {
        "detail": "/changes does not take DELETE; it takes POST.",
        "code": "METHOD_NOT_ALLOWED",
    }
    assert swedish.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "params", "swedish", "english"),
    [
        (
            "/reports/ks/unreported",
            {"first": "många"},
            "frågeparametern 'first': inte ett heltal: många",
            "query parameter 'first': not an integer: många",
        ),
        (
            "/reports/ks/unreported",
            {"first": "-1"},
            "frågeparametern 'first': mindre än 0: -1",
            "query parameter 'first': less than 0: -1",
        ),
        (
            "/reports/ks/2017-02-06.docx",
            {},
            "sökvägsparametern 'fmt': inte en av 'html' eller 'pdf': docx",
            "path parameter 'fmt': not one of 'html' or 'pdf': docx",
        ),
        (
            "/documents/delegationsordning.html",
            {},
            "frågeparametern 'asOf': saknas",
            "query parameter 'asOf': is missing",
        ),
    ],
)
def test_fastapis_own_refusal_of_a_parameter_is_a_422_in_either_language(
    empty_api: Api, path: str, params: dict, swedish: str, english: str
):
    said_in_swedish = _rest(empty_api, "GET", path, "sv", params=params)
    said_in_english = _rest(empty_api, "GET", path, "en", params=params)

    assert said_in_swedish.status_code == said_in_english.status_code == 422
    assert said_in_swedish.json() == {"detail": swedish, "code": "INVALID_PARAMETER"}
    assert said_in_english.json() == {"detail": english, "code": "INVALID_PARAMETER"}


def test_every_code_these_answers_carry_is_a_public_code_of_the_catalogue(empty_api: Api):
    answers = [
        _rest(empty_api, "GET", "/ingenstans", "sv").json()["code"],
        _rest(empty_api, "PUT", "/changes", "sv").json()["code"],
        _graphql(empty_api, "sv", query="{ nope }")[1][0]["extensions"]["code"],
        _graphql(empty_api, "sv", query="{")[1][0]["extensions"]["code"],
    ]

    assert set(answers) <= set(CODES)
