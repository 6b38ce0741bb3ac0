"""The organisation's name in a change file is a change like any other: recorded when it
changes, said in the reply, and nothing when it stays the same."""

from __future__ import annotations

from .conftest import Api, Tokens

RECORD = "mutation ($file: JSON!) { recordChanges(file: $file) }"


def _file(organisation: str) -> str:
    return f"format: orgchange/v1\norganisation: {organisation}\nchanges: []\n"


def test_a_new_name_is_recorded_and_said_in_the_reply_and_the_same_name_is_not(
    api: Api, tokens: Tokens
) -> None:
    events = api.event_count()

    renamed = api.post_changes(_file("Nacka stad"), tokens.registrar)
    after_renaming = api.event_count()
    same = api.post_changes(_file("Nacka stad"), tokens.registrar)

    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {
        "ids": [],
        "recorded": [],
        "skipped": [],
        "organisationRenamed": {"from": "Nacka kommun", "to": "Nacka stad"},
    }
    assert after_renaming == events + 1
    assert same.json()["organisationRenamed"] is None
    assert api.event_count() == after_renaming  # the same name again records nothing
    assert api.data("{ register { organisation } }")["register"]["organisation"] == "Nacka stad"


def test_record_changes_tells_the_renaming_in_the_response_extensions(api: Api, tokens: Tokens) -> None:
    renamed = api.graphql(RECORD, {"file": _file("Nacka stad")}, tokens.registrar).json()
    same = api.graphql(
        RECORD,
        {"file": {"format": "orgchange/v1", "organisation": "Nacka stad", "changes": []}},
        tokens.registrar,
    ).json()

    assert renamed == {
        "data": {"recordChanges": []},
        "extensions": {"organisationRenamed": {"from": "Nacka kommun", "to": "Nacka stad"}},
    }
    assert same == {"data": {"recordChanges": []}}
    # A query says nothing of it.
    assert "extensions" not in api.graphql("{ register { organisation } }").json()
