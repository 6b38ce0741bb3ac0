"""The API answers in the language of `Accept-Language`, the command line in `ORGCHANGE_LANGUAGE`.

Swedish unless English is asked for (docs/errors.md#languages): the register is kept by
Swedish municipalities, and a program reads the codes, which are the same in both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from api.language import MAX_RANGES, negotiate

from .conftest import Api, Tokens

MOVE_UNDER_AN_ENDED_UNIT = {
    "format": "orgchange/v1",
    "changes": [
        {
            "id": "m-1",
            "type": "move_unit",
            "effective": "2017-03-01",
            "unit": "planenheten",
            "parent": "va-och-avfall",
        }
    ],
}
SWEDISH_REFUSAL = (
    "ändring nr 1 (m-1) move_unit: enheten 'planenheten' kan inte flyttas under 'va-och-avfall': "
    "'va-och-avfall' gäller inte 2017-03-01 (den upphör 2016-12-31)"
)
ENGLISH_REFUSAL = (
    "change #1 (m-1) move_unit: unit 'planenheten' cannot move under 'va-och-avfall': "
    "'va-och-avfall' is not in effect on 2017-03-01 (it ends 2016-12-31)"
)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "sv"),
        ("", "sv"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        ("sv;q=0.5,en;q=0.8", "en"),
        ("fr,de;q=0.9", "sv"),  # nothing supported: Swedish
        ("fr,en;q=0.1", "en"),
        ("*", "sv"),
        ("sv;q=0,en;q=0.1", "en"),  # Swedish refused
        ("en;q=0", "sv"),
        ("en;q=2", "sv"),  # a weight out of range: the range is skipped
        ("en;q=abc", "sv"),
        ("e n", "sv"),
        ("en;q=0.5,sv;q=0.5", "en"),  # equal weights: the first named
    ],
)
def test_the_language_of_an_answer_follows_the_weights_of_accept_language(header, language):
    assert negotiate(header) == language


def test_a_long_accept_language_is_read_only_up_to_its_bound():
    """A header of thousands of ranges costs no more than its first few."""
    assert negotiate(", ".join(["fr"] * MAX_RANGES + ["en"])) == "sv"
    assert negotiate("x" * 100_000 + ",en") == "sv"


def _post(api: Api, token: str, language: str | None):
    headers = {"content-type": "application/json", "Authorization": f"Bearer {token}"}
    if language is not None:
        headers["Accept-Language"] = language
    return api.client.post("/changes", content=json.dumps(MOVE_UNDER_AN_ENDED_UNIT), headers=headers)


def test_a_refused_change_over_rest_is_said_in_swedish_unless_english_is_asked_for(api: Api, tokens: Tokens):
    # The test client of these tests asks for English by default; "sv" and "fr" stand for no preference.
    swedish = _post(api, tokens.registrar, "sv")
    unsupported = _post(api, tokens.registrar, "fr")
    english = _post(api, tokens.registrar, "en-GB")

    assert swedish.status_code == english.status_code == 422
    assert swedish.json() == unsupported.json() == {"errors": [SWEDISH_REFUSAL], "rule": "in-effect"}
    assert english.json() == {"errors": [ENGLISH_REFUSAL], "rule": "in-effect"}
    assert swedish.headers["content-language"] == "sv" and english.headers["content-language"] == "en"
    assert "accept-language" in swedish.headers["vary"].lower()


def test_a_request_error_over_rest_is_said_in_either_language_with_the_same_code(api: Api):
    swedish = api.client.get(
        "/diagrams/orgchart.dot", params={"asOf": "2017-02-30"}, headers={"Accept-Language": "sv"}
    )
    english = api.client.get(
        "/diagrams/orgchart.dot", params={"asOf": "2017-02-30"}, headers={"Accept-Language": "en"}
    )

    assert swedish.status_code == english.status_code == 422
    assert swedish.json() == {
        "detail": "'asOf': inte ett datum i kalendern: 2017-02-30",
        "code": "INVALID_PARAMETER",
    }
    assert english.json() == {
        "detail": "'asOf': not a calendar date: 2017-02-30",
        "code": "INVALID_PARAMETER",
    }


def test_a_missing_token_is_said_in_swedish_by_default(api: Api):
    response = api.client.post(
        "/changes", content="{}", headers={"content-type": "application/json", "Accept-Language": "sv"}
    )

    assert response.status_code == 401
    assert response.json() == {
        "detail": "en giltig API-token behövs: skicka 'Authorization: Bearer TOKEN'",
        "code": "UNAUTHENTICATED",
    }


def _graphql(api: Api, query: str, variables: dict, token: str | None, language: str) -> dict:
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return api.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()


def test_a_refused_change_over_graphql_is_said_in_the_language_asked_for(api: Api, tokens: Tokens):
    mutation = "mutation ($file: JSON!) { recordChanges(file: $file) }"
    swedish = _graphql(api, mutation, {"file": MOVE_UNDER_AN_ENDED_UNIT}, tokens.registrar, "sv-SE")[
        "errors"
    ][0]
    english = _graphql(api, mutation, {"file": MOVE_UNDER_AN_ENDED_UNIT}, tokens.registrar, "en")["errors"][0]

    assert swedish["message"] == SWEDISH_REFUSAL
    assert english["message"] == ENGLISH_REFUSAL
    assert swedish["extensions"]["code"] == english["extensions"]["code"] == "CHANGE_REJECTED"
    assert swedish["extensions"]["rule"] == "in-effect"


def test_a_request_error_over_graphql_is_said_in_the_language_asked_for(api: Api, tokens: Tokens):
    mutation = "mutation { recordChanges(file: {}) }"
    swedish = _graphql(api, mutation, {}, None, "sv")["errors"][0]
    english = _graphql(api, mutation, {}, None, "en")["errors"][0]

    assert swedish["message"] == "en giltig API-token behövs: skicka 'Authorization: Bearer TOKEN'"
    assert english["message"] == "a valid API token is needed: send 'Authorization: Bearer TOKEN'"
    assert swedish["extensions"]["code"] == english["extensions"]["code"] == "UNAUTHENTICATED"


def _cli(database_url: str, language: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url}
    env.pop("ORGCHANGE_LANGUAGE", None)
    if language is not None:
        env["ORGCHANGE_LANGUAGE"] = language
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_command_line_speaks_orgchange_language_and_swedish_by_default(sqlite_url: str):
    default = _cli(sqlite_url, None, "chart", "--as-of", "2017-02-30")
    english = _cli(sqlite_url, "en", "chart", "--as-of", "2017-02-30")

    assert default.returncode == english.returncode == 2
    assert "inte ett datum i kalendern: 2017-02-30" in default.stderr
    assert "not a calendar date: 2017-02-30" in english.stderr


def test_a_language_the_command_line_does_not_speak_is_a_clear_error(sqlite_url: str):
    result = _cli(sqlite_url, "fr", "chart", "--as-of", "2017-03-01")

    assert result.returncode == 2
    assert result.stderr == "error: ORGCHANGE_LANGUAGE måste vara en av sv, en (fann 'fr')\n"


CORRECT_AN_UNKNOWN_CHANGE = {
    "format": "orgchange/v1",
    "changes": [
        {
            "id": "k-1",
            "type": "correct_change",
            "change": "no-such-change",
            "replacement": {
                "id": "k-2",
                "type": "rename_unit",
                "effective": "2017-03-01",
                "unit": "planenheten",
                "name": "Planen",
            },
        }
    ],
}


def test_a_refused_correction_is_said_in_either_language_with_the_same_rule(api: Api, tokens: Tokens):
    """The reasons of `correction` are in the catalogue, not in English only."""
    answers = {
        language: api.client.post(
            "/changes",
            content=json.dumps(CORRECT_AN_UNKNOWN_CHANGE),
            headers={
                "content-type": "application/json",
                "Authorization": f"Bearer {tokens.registrar}",
                "Accept-Language": language,
            },
        )
        for language in ("sv", "en")
    }

    assert answers["sv"].status_code == answers["en"].status_code == 422
    assert answers["sv"].json() == {
        "errors": [
            "ändring nr 1 (k-1) correct_change: ändringen 'no-such-change' kan inte rättas: "
            "ingen ändring med det id:t har registrerats"
        ],
        "rule": "correction",
    }
    assert answers["en"].json() == {
        "errors": [
            "change #1 (k-1) correct_change: change 'no-such-change' cannot be corrected: "
            "no change with that id was recorded"
        ],
        "rule": "correction",
    }


def test_a_refused_sign_in_is_said_in_either_language_with_the_same_code(api: Api):
    """A sign-in's refusals (api/routes/session.py) carry a message of the catalogue, not Swedish alone."""
    swedish = api.client.post("/session", json={"token": 3}, headers={"Accept-Language": "sv"})
    english = api.client.post("/session", json={"token": 3}, headers={"Accept-Language": "en"})

    assert swedish.status_code == english.status_code == 422
    assert swedish.json() == {"detail": "En token är text.", "code": "SIGN_IN_MALFORMED"}
    assert english.json() == {"detail": "A token is text.", "code": "SIGN_IN_MALFORMED"}


def test_a_backup_refused_on_the_command_line_speaks_orgchange_language(sqlite_url: str, tmp_path):
    """Backup and restore say what is wrong in the language asked for, the code at the end in both."""
    missing = tmp_path / "no-such-backup.db"
    said = {
        language: subprocess.run(
            [sys.executable, "-m", "orgchange", "restore", str(missing)],
            capture_output=True,
            text=True,
            env={**os.environ, "ORGCHANGE_DATABASE_URL": sqlite_url, "ORGCHANGE_LANGUAGE": language},
            timeout=120,
        )
        for language in ("sv", "en")
    }

    assert said["sv"].returncode == said["en"].returncode == 2
    assert f"säkerhetskopian {missing} finns inte (BACKUP_NOT_FOUND)" in said["sv"].stderr
    assert f"the backup {missing} does not exist (BACKUP_NOT_FOUND)" in said["en"].stderr
