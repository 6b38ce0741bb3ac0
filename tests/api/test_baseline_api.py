"""A register started from spreadsheets over HTTP (docs/http.md#post-baselineorganisation-and-post-baselinedelegations):
`POST /baseline/organisation` and `POST /baseline/delegations`, on SQLite and PostgreSQL.

A registrar who has no command line starts here; what the CLI promises (bad rows named by line
and column, all or nothing, unmatched titles listed, a dry run that records nothing) must hold
over HTTP too, behind the same doors as every other write."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from orgchange.application import OrgChange
from orgchange.application.tables import MAX_ROWS

from .conftest import Api, Tokens
from .test_sessions import ORIGIN, sign_in

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "baseline"
HR_EXPORT = (EXAMPLES / "hr-export.csv").read_bytes()
HR_MAPPING = (EXAMPLES / "hr-export-mapping.yaml").read_text(encoding="utf-8")
DELEGATIONSORDNING = (EXAMPLES / "delegationsordning-ks.csv").read_bytes()
DO_MAPPING = (EXAMPLES / "delegationsordning-mapping.yaml").read_text(encoding="utf-8")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DAY = date(2027, 1, 1)
UNITS_IN_THE_EXAMPLE = 17


def post(
    api: Api,
    route: str,
    body: bytes,
    token: str | None,
    media_type: str = "text/csv",
    **params: str,
):
    headers = {"content-type": media_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return api.client.post(f"/baseline/{route}", content=body, headers=headers, params=params)


def organisation(api: Api, token: str | None, body: bytes = HR_EXPORT, **params: str):
    return post(api, "organisation", body, token, asOf="2027-01-01", mapping=HR_MAPPING, **params)


def delegations(api: Api, token: str | None, body: bytes = DELEGATIONSORDNING, **params: str):
    return post(
        api, "delegations", body, token, asOf="2027-01-01", board="1100", mapping=DO_MAPPING, **params
    )


def units(app: OrgChange) -> list[str]:
    return sorted(unit.id for unit in app.read_model.organisation(DAY))


def test_a_registrar_records_the_organisation_of_a_csv_and_the_same_table_again_records_nothing_new(
    empty_api: Api, tokens: Tokens
) -> None:
    first = organisation(empty_api, tokens.registrar)
    again = organisation(empty_api, tokens.registrar)

    assert first.status_code == 200, first.text
    body = first.json()
    assert body["recorded"] == body["ids"] and body["skipped"] == [] and body["unmatched"] == []
    assert "baseline-2027-01-01-1200" in body["ids"] and "baseline-2027-01-01-1200-chef" in body["ids"]
    assert len(units(empty_api.orgchange)) == UNITS_IN_THE_EXAMPLE
    assert again.status_code == 200 and again.json()["recorded"] == []
    assert again.json()["skipped"] == body["ids"]


def test_the_dry_run_answers_the_change_file_it_would_make_records_nothing_and_opens_as_a_draft(
    empty_api: Api, tokens: Tokens
) -> None:
    """The web page's way: a registrar reviews the table as a draft before anything is recorded."""
    dry = organisation(empty_api, tokens.registrar, dryRun="true", filename="C:\\HR\\enheter 2027.csv")

    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dryRun"] is True and body["recorded"] == []
    change_file = body["changeFile"]
    assert change_file["format"] == "orgchange/v1"
    assert [c["id"] for c in change_file["changes"]] == body["ids"]
    first = change_file["changes"][0]
    assert first == {
        "id": "baseline-2027-01-01-1000",
        "type": "establish_unit",
        "effective": "2027-01-01",
        "note": "Utgångsläge inläst från enheter 2027.csv",
        "unit": "1000",
        "name": "Kommunfullmäktige",
        "kind": "council",
    }
    assert units(empty_api.orgchange) == []

    draft = empty_api.client.post(
        "/drafts",
        json={"name": "Utgångsläge 2027", "file": change_file},
        headers={"Authorization": f"Bearer {tokens.registrar}"},
    )
    assert draft.status_code in (200, 201), draft.text
    assert len(draft.json()["file"]["changes"]) == len(body["ids"])


def test_an_xlsx_body_reads_like_the_csv_of_the_same_table(
    empty_api: Api, tokens: Tokens, tmp_path: Path
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in HR_EXPORT.decode("utf-8-sig").splitlines():
        sheet.append([int(c) if c.isdigit() else (c or None) for c in line.split(";")])
    buffer = io.BytesIO()
    workbook.save(buffer)

    from_xlsx = post(
        empty_api,
        "organisation",
        buffer.getvalue(),
        tokens.registrar,
        XLSX,
        asOf="2027-01-01",
        mapping=HR_MAPPING,
        dryRun="1",
    )
    from_csv = organisation(empty_api, tokens.registrar, dryRun="1")

    assert from_xlsx.status_code == 200, from_xlsx.text
    notes = {"Utgångsläge inläst från kalkylblad.xlsx", "Utgångsläge inläst från kalkylblad.csv"}
    strip = [{k: v for k, v in c.items() if k != "note"} for c in from_xlsx.json()["changeFile"]["changes"]]
    assert strip == [
        {k: v for k, v in c.items() if k != "note"} for c in from_csv.json()["changeFile"]["changes"]
    ]
    assert {c["note"] for r in (from_xlsx, from_csv) for c in r.json()["changeFile"]["changes"]} == notes


BAD = (
    "key;name;kind;parent;manager_title\n"
    "kf;Kommunfullmäktige;fullmäktige;;\n"
    "ks;Kommunstyrelsen;nämnd;kf;\n"
    "sf;Socialförvaltningen;förvaltning;Socialnämnden;Socialchef\n"
).encode()


@pytest.mark.parametrize(
    "language, words",
    [
        (
            "sv",
            "enheter.csv rad 4, kolumn 'parent': 'Socialnämnden' finns varken i tabellen eller i registret",
        ),
        (
            "en",
            "enheter.csv line 4, column 'parent': 'Socialnämnden' is neither in the table nor in the register",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_its_line_and_column_in_the_language_asked_and_nothing_is_recorded(
    empty_api: Api, tokens: Tokens, language: str, words: str
) -> None:
    response = empty_api.client.post(
        "/baseline/organisation",
        content=BAD,
        params={"asOf": "2027-01-01", "filename": "enheter.csv"},
        headers={
            "content-type": "text/csv",
            "Authorization": f"Bearer {tokens.registrar}",
            "Accept-Language": language,
        },
    )

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "TABLE_REFERENCE"
    assert response.json()["errors"][0].startswith(words), response.json()
    assert units(empty_api.orgchange) == []


def test_a_row_the_register_refuses_is_named_by_its_line_and_the_whole_table_is_left_unrecorded(
    empty_api: Api, tokens: Tokens
) -> None:
    """The rows are checked one by one as changes: a key the register holds already with other content
    is named by the row it came from, and the rows before it are not recorded either."""
    assert organisation(empty_api, tokens.registrar).status_code == 200
    renamed = HR_EXPORT.replace(b"Kommunledningskontoret", b"Stadsledningskontoret")
    events = empty_api.event_count()

    response = organisation(empty_api, tokens.registrar, body=renamed)

    assert response.status_code == 422, response.text
    assert "kalkylblad.csv line 5" in response.json()["errors"][0]
    assert "recorded before with different content" in response.json()["errors"][0]
    assert empty_api.event_count() == events


def test_a_delegationsordning_with_an_unmatched_title_is_refused_listing_it_and_records_nothing(
    empty_api: Api, tokens: Tokens
) -> None:
    assert organisation(empty_api, tokens.registrar).status_code == 200
    table = DELEGATIONSORDNING.replace(b"HR-chef", "Personaldirektör".encode())

    refused = delegations(empty_api, tokens.registrar, body=table)
    dry = delegations(empty_api, tokens.registrar, body=table, dryRun="true")

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "DELEGATES_UNMATCHED"
    unmatched = "kalkylblad.csv line 5, column 'Delegat': no post is titled 'Personaldirektör'"
    assert refused.json()["unmatched"] == [unmatched]
    assert refused.json()["errors"][1:] == [unmatched]
    assert dry.status_code == 200, dry.text
    assert dry.json()["unmatched"] == [unmatched]
    assert [c["code"] for c in dry.json()["changeFile"]["changes"]] == ["1.1", "2.1", "2.2"]
    assert empty_api.orgchange.read_model.delegations.delegations(DAY) == []


def test_with_partial_the_matched_delegations_are_recorded_and_the_others_listed(
    empty_api: Api, tokens: Tokens
) -> None:
    assert organisation(empty_api, tokens.registrar).status_code == 200
    table = DELEGATIONSORDNING.replace(b"HR-chef", "Personaldirektör".encode())

    partial = delegations(empty_api, tokens.registrar, body=table, partial="true")

    assert partial.status_code == 200, partial.text
    assert len(partial.json()["recorded"]) == 3 and len(partial.json()["unmatched"]) == 1
    rows = empty_api.orgchange.read_model.delegations.delegations(DAY, board="1100")
    assert [(r.code, r.to_id) for r in rows] == [("1.1", "1110"), ("2.1", "1200-chef"), ("2.2", "1210-chef")]


def test_the_routes_need_a_registrar_as_every_write_does(empty_api: Api, tokens: Tokens) -> None:
    """401 without a token, 403 with a reader's, 403 for a signed-in session without its CSRF proof;
    the session with it records."""
    assert organisation(empty_api, None).status_code == 401
    assert organisation(empty_api, tokens.reader).status_code == 403
    assert delegations(empty_api, tokens.reader).status_code == 403
    signed = sign_in(empty_api, tokens.registrar)

    def by_session(**headers: str):
        return empty_api.client.post(
            "/baseline/organisation",
            content=HR_EXPORT,
            params={"asOf": "2027-01-01", "mapping": HR_MAPPING},
            headers={"content-type": "text/csv", **headers},
        )

    without = by_session()
    nothing = units(empty_api.orgchange)
    with_proof = by_session(**{"X-CSRF-Token": signed["csrfToken"], "Origin": ORIGIN})

    assert without.status_code == 403 and without.json()["code"] == "CSRF_REFUSED"
    assert nothing == []
    assert with_proof.status_code == 200, with_proof.text
    assert len(units(empty_api.orgchange)) == UNITS_IN_THE_EXAMPLE


def test_the_doors_of_the_body_a_wrong_type_415_too_large_413_and_bad_parameters_422(
    app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    api = make_api(app, max_upload_bytes=2_000)

    wrong_type = post(api, "organisation", HR_EXPORT, tokens.registrar, "application/json", asOf="2027-01-01")
    too_large = post(
        api, "organisation", b"key,name,kind\n" + b"a,A,enhet\n" * 500, tokens.registrar, asOf="2027-01-01"
    )
    bad_day = post(api, "organisation", HR_EXPORT, tokens.registrar, asOf="2027-02-30")
    bad_dry = post(api, "organisation", HR_EXPORT, tokens.registrar, asOf="2027-01-01", dryRun="kanske")
    no_board = post(api, "delegations", DELEGATIONSORDNING, tokens.registrar, asOf="2027-01-01")

    assert wrong_type.status_code == 415 and wrong_type.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "send the table as text/csv or " + XLSX in wrong_type.json()["detail"]
    assert too_large.status_code == 413
    assert bad_day.status_code == 422 and bad_day.json()["code"] == "INVALID_PARAMETER"
    assert "'asOf'" in bad_day.json()["detail"]
    assert bad_dry.status_code == 422 and "'dryRun'" in bad_dry.json()["detail"]
    assert no_board.status_code == 422
    assert units(app) == []


def test_a_table_over_the_bounds_is_refused_with_table_too_large_rows_and_changes(
    app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    """The reader's row limit holds over HTTP; and a table that would make more changes than one
    request may record is refused before anything is checked against the register."""
    api = make_api(app, max_changes_per_request=10)
    rows = b"key,name,kind,parent\n" + b"".join(b"u%d,U %d,enhet,\n" % (i, i) for i in range(MAX_ROWS + 1))
    many = post(api, "organisation", rows, tokens.registrar, asOf="2027-01-01", dryRun="true")
    eleven = b"key,name,kind,parent\n" + b"".join(b"u%d,U %d,enhet,\n" % (i, i) for i in range(11))
    too_many_changes = post(api, "organisation", eleven, tokens.registrar, asOf="2027-01-01")

    assert many.status_code == 422 and many.json()["code"] == "TABLE_TOO_LARGE", many.text
    assert "more than 20,000 rows" in many.json()["errors"][0]
    assert too_many_changes.status_code == 422 and too_many_changes.json()["code"] == "TABLE_TOO_LARGE"
    assert "makes 11 changes, more than the 10" in too_many_changes.json()["errors"][0]
    assert units(app) == []


@pytest.mark.parametrize("mapping", ["columns: [a, b", "columns: " + "[" * 3_000 + "]" * 3_000])
def test_a_mapping_that_is_not_one_is_refused_with_its_code(
    empty_api: Api, tokens: Tokens, mapping: str
) -> None:
    """Deep nesting too: it took the YAML composer past Python's recursion limit, a 500."""
    response = post(
        empty_api, "organisation", HR_EXPORT, tokens.registrar, asOf="2027-01-01", mapping=mapping
    )

    assert response.status_code == 422 and response.json()["code"] == "MAPPING_INVALID", response.text
