"""`GET /documents/delegationsordning.{html,csv}`, and plain 422s for bad dates on every GET route."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from .conftest import Api, Tokens


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_delegationsordning_of_a_board_as_csv(api: Api) -> None:
    response = api.client.get(
        "/documents/delegationsordning.csv", params={"asOf": "2017-10-15", "board": "ks"}
    )
    delegations = api.data('{ delegations(asOf: "2017-10-15", board: "ks") { id code } }')["delegations"]

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="delegationsordning-2017-10-15-ks.csv"'
    )
    rows = _csv_rows(response.text)
    assert list(rows[0]) == [
        "Nämnd",
        "Id",
        "Nr",
        "Ärende",
        "Delegat",
        "Ersättare",
        "Vidaredelegation",
        "Lagrum",
        "Begränsning",
        "Anmälan",
        "Anmärkning",
    ]
    assert [r["Id"] for r in rows] == [d["id"] for d in delegations]
    assert {r["Nämnd"] for r in rows} == {"Kommunstyrelsen"}
    by_id = {r["Id"]: r for r in rows}
    assert by_id["ks-b1"]["Delegat"] == "Stadsdirektör"
    assert by_id["ks-b1"]["Begränsning"] == "Högst 10 miljoner kronor per avtal"
    assert by_id["ks-b1-samhallsbyggnad"]["Delegat"] == "Samhällsbyggnadsdirektör (saknas)"  # the gap
    assert by_id["ks-b1-samhallsbyggnad"]["Vidaredelegation"] == "vidaredelegerad från B.1"


def test_the_whole_delegationsordning_as_html(api: Api) -> None:
    response = api.client.get("/documents/delegationsordning.html", params={"asOf": "2017-10-15"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-disposition" not in response.headers
    text = response.text
    assert "<h1>Delegationsordning 2017-10-15</h1>" in text
    for board in ("Kommunstyrelsen", "Socialnämnden", "Natur- och trafiknämnden", "Fritidsnämnden"):
        assert f"<h2>{board}</h2>" in text
    assert text.count("<tr class='gap'>") == 2  # ntn-n2 and ks-b1-samhallsbyggnad
    assert "<h2>Luckor</h2>" in text


def test_the_delegationsordning_as_known_at_an_instant(api: Api, tokens: Tokens) -> None:
    grant = """format: orgchange/v1
changes:
  - {id: g-1, type: grant_delegation, effective: 2017-01-01, delegation: ks-d1, from: ks,
     to: stadsjurist, matter: Yttranden i överklagade ärenden, code: D.1}
"""
    assert api.post_changes(grant, tokens.registrar).status_code == 200
    recorded_at = api.data('{ change(id: "g-1") { recordedAt } }')["change"]["recordedAt"]
    before = (datetime.fromisoformat(recorded_at) - timedelta(microseconds=1)).isoformat()

    def ids(**params: str) -> list[str]:
        response = api.client.get(
            "/documents/delegationsordning.csv", params={"asOf": "2017-03-01", **params}
        )
        assert response.status_code == 200, response.text
        return [r["Id"] for r in _csv_rows(response.text)]

    assert "ks-d1" in ids(board="ks")
    assert "ks-d1" not in ids(board="ks", knownAt=before)
    assert ids(board="ks", knownAt=before) == [i for i in ids(board="ks") if i != "ks-d1"]


def test_an_unknown_board_is_404_and_an_empty_day_an_empty_document(api: Api) -> None:
    unknown = api.client.get(
        "/documents/delegationsordning.csv", params={"asOf": "2017-10-15", "board": "kss"}
    )
    before_the_register = api.client.get("/documents/delegationsordning.csv", params={"asOf": "2000-01-01"})

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "there is no unit 'kss' in the register", "code": "NOT_FOUND"}
    assert before_the_register.status_code == 200
    assert _csv_rows(before_the_register.text) == []


def test_documents_follow_the_public_read_rule(demo_app, make_api, tokens: Tokens) -> None:
    api = make_api(demo_app, public_read=False)
    path, params = "/documents/delegationsordning.html", {"asOf": "2017-10-15"}

    assert api.client.get(path, params=params).status_code == 401
    reader = {"Authorization": f"Bearer {tokens.reader}"}
    assert api.client.get(path, params=params, headers=reader).status_code == 200


# Every GET route that takes a day: (path, the other parameters it needs).
ROUTES_WITH_DAYS = [
    ("/documents/delegationsordning.csv", {}),
    ("/documents/delegationsordning.html", {"board": "ks"}),
    ("/diagrams/orgchart.dot", {}),
    ("/diagrams/delegations.dot", {}),
]


@pytest.mark.parametrize(("path", "params"), ROUTES_WITH_DAYS)
def test_bad_days_and_instants_are_422_with_a_plain_message(api: Api, path: str, params: dict) -> None:
    cases = {
        "2017-13-01": "'asOf': not a calendar date: 2017-13-01",
        "2017-3-1": "'asOf': not a date written YYYY-MM-DD: 2017-3-1",
        "1488326400": "'asOf': not a date written YYYY-MM-DD: 1488326400",  # not read as a Unix time
        "2017-03-01T00:00:00": "'asOf': not a date written YYYY-MM-DD: 2017-03-01T00:00:00",
    }
    for value, message in cases.items():
        response = api.client.get(path, params={**params, "asOf": value})
        assert response.status_code == 422, value
        assert response.json() == {"detail": message, "code": "INVALID_PARAMETER"}

    missing = api.client.get(path, params=params)
    naive = api.client.get(path, params={**params, "asOf": "2017-03-01", "knownAt": "2017-03-01T00:00:00"})
    assert missing.status_code == naive.status_code == 422
    assert missing.json() == {"detail": "query parameter 'asOf': is missing", "code": "INVALID_PARAMETER"}
    assert naive.json() == {
        "detail": "'knownAt': an instant needs a time zone, e.g. Z for UTC or +01:00: 2017-03-01T00:00:00",
        "code": "INVALID_PARAMETER",
    }


def test_a_bad_compare_with_day_is_422(api: Api) -> None:
    response = api.client.get(
        "/diagrams/delegations.dot", params={"asOf": "2017-11-13", "compareWith": "13/11/2017"}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "'compareWith': not a date written YYYY-MM-DD: 13/11/2017",
        "code": "INVALID_PARAMETER",
    }
