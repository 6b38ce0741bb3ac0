"""Drafts (utkast) over REST, on SQLite and PostgreSQL: kept beside the register, never in it,
checked and previewed by the code that records, recorded whole or not at all (docs/drafts.md)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.tokens import create_token
from tests.support import opened

from .conftest import Api, Tokens, settings_for

DECISION = {"body": "ks", "date": "2026-11-20", "paragraph": "§ 101"}

# A small register: a council, its board, the board's office with two units, each unit's
# head, and a delegation from the board to the head of personnel.
BASE = {
    "format": "orgchange/v1",
    "changes": [
        {
            "id": "b-1",
            "type": "establish_unit",
            "effective": "2020-01-01",
            "unit": "kf",
            "name": "Kommunfullmäktige",
            "kind": "council",
            "decision": {"body": "kf", "date": "2019-12-01"},
        },
        {
            "id": "b-2",
            "type": "establish_unit",
            "effective": "2020-01-01",
            "unit": "ks",
            "name": "Kommunstyrelsen",
            "kind": "board",
            "parent": "kf",
            "decision": {"body": "kf", "date": "2019-12-01"},
        },
        {
            "id": "b-3",
            "type": "establish_unit",
            "effective": "2020-01-01",
            "unit": "slk",
            "name": "Stadsledningskontoret",
            "kind": "office",
            "parent": "ks",
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
        {
            "id": "b-4",
            "type": "establish_unit",
            "effective": "2020-01-01",
            "unit": "ekonomi",
            "name": "Ekonomienheten",
            "kind": "unit",
            "parent": "slk",
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
        {
            "id": "b-5",
            "type": "establish_unit",
            "effective": "2020-01-01",
            "unit": "personal",
            "name": "Personalenheten",
            "kind": "unit",
            "parent": "slk",
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
        {
            "id": "b-6",
            "type": "establish_position",
            "effective": "2020-01-01",
            "position": "ekonomichef",
            "title": "Ekonomichef",
            "unit": "ekonomi",
            "director": True,
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
        {
            "id": "b-7",
            "type": "establish_position",
            "effective": "2020-01-01",
            "position": "personalchef",
            "title": "Personalchef",
            "unit": "personal",
            "director": True,
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
        {
            "id": "b-8",
            "type": "grant_delegation",
            "effective": "2020-01-01",
            "delegation": "ks-p1",
            "from": "ks",
            "to": "personalchef",
            "matter": "Anställning av personal",
            "decision": {"body": "ks", "date": "2019-12-02"},
        },
    ],
}

# The draft: the two units become one staff unit under a new head; both heads' posts go.
MERGE = [
    {
        "type": "merge_units",
        "effective": "2027-01-01",
        "units": ["ekonomi", "personal"],
        "into": "stab",
        "name": "Stabsenheten",
        "kind": "unit",
        "decision": DECISION,
    },
    {
        "type": "establish_position",
        "effective": "2027-01-01",
        "position": "stabschef",
        "title": "Stabschef",
        "unit": "stab",
        "director": True,
        "decision": DECISION,
    },
    {"type": "abolish_position", "effective": "2027-01-01", "position": "ekonomichef", "decision": DECISION},
    {"type": "abolish_position", "effective": "2027-01-01", "position": "personalchef", "decision": DECISION},
]


def file_of(changes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "orgchange/v1", "changes": copy.deepcopy(changes)}


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def desk(empty_api: Api, tokens: Tokens) -> Api:
    """The service over the small register above."""
    response = empty_api.post_changes(json.dumps(BASE), tokens.registrar, "application/json")
    assert response.status_code == 200, response.text
    return empty_api


def new_draft(api: Api, token: str, changes: list[dict[str, Any]], name: str = "Stabsenheten") -> dict:
    response = api.client.post("/drafts", json={"name": name, "file": file_of(changes)}, headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def save(api: Api, token: str, draft: dict, changes: list[dict[str, Any]], revision: int | None = None):
    revision = draft["revision"] if revision is None else revision
    return api.client.put(
        f"/drafts/{draft['id']}/file",
        content=json.dumps(file_of(changes)),
        headers=auth(token, **{"content-type": "application/json", "If-Match": f'"{revision}"'}),
    )


def test_a_draft_is_kept_beside_the_register_and_records_nothing(desk: Api, tokens: Tokens) -> None:
    events = desk.event_count()

    draft = new_draft(desk, tokens.registrar, MERGE)

    assert draft["status"] == "open"
    assert draft["createdBy"] == "registratorn"
    assert draft["revision"] == 1
    assert [c["type"] for c in draft["changes"]] == [c["type"] for c in MERGE]
    assert draft["basedOn"] == events
    assert desk.event_count() == events
    listed = desk.client.get("/drafts", headers=auth(tokens.admin)).json()
    assert [d["id"] for d in listed] == [draft["id"]]
    assert desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).headers["etag"] == '"1"'


def test_drafts_are_not_shown_to_readers_or_to_anyone_without_a_token(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    assert desk.client.get("/drafts").status_code == 401
    assert desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.reader)).status_code == 403
    assert desk.client.get(f"/drafts/{draft['id']}/proposal.html").status_code == 401


def test_the_second_of_two_saves_from_the_same_revision_is_told_and_loses_nothing(
    desk: Api, tokens: Tokens
) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE[:1])

    first = save(desk, tokens.registrar, draft, MERGE[:2])
    second = save(desk, tokens.admin, draft, MERGE[:1] + MERGE[2:3])

    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    assert second.status_code == 412
    assert second.json()["code"] == "DRAFT_CHANGED"
    assert second.json()["revision"] == 2
    kept = desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json()
    assert [c["type"] for c in kept["changes"]] == ["merge_units", "establish_position"]


def test_a_save_without_the_revision_it_was_made_from_is_refused(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE[:1])

    response = desk.client.put(
        f"/drafts/{draft['id']}/file",
        content=json.dumps(file_of(MERGE)),
        headers=auth(tokens.registrar, **{"content-type": "application/json"}),
    )

    assert response.status_code == 428
    assert response.json()["code"] == "DRAFT_REVISION_REQUIRED"


def test_each_edit_is_checked_against_the_register_and_the_drafts_earlier_changes(
    desk: Api, tokens: Tokens
) -> None:
    # The post is established in the merged unit, which only the draft's first change makes.
    draft = new_draft(desk, tokens.registrar, MERGE[:2])
    assert desk.client.get(f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar)).json()["ok"]

    wrong = copy.deepcopy(MERGE[:2])
    wrong[1]["unit"] = "ingen-sadan-enhet"
    wrong.append({"type": "rename_unit", "effective": "2027-01-01", "unit": "stab", "nam": "Staben"})
    saved = save(desk, tokens.registrar, draft, wrong)
    check = desk.client.get(f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar)).json()
    in_swedish = desk.client.get(
        f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar, **{"Accept-Language": "sv"})
    ).json()

    assert saved.status_code == 200
    assert not check["ok"]
    assert [(p["index"], p["field"], p["code"]) for p in check["problems"]] == [
        (3, "name", "MALFORMED_INPUT"),
        (3, "nam", "MALFORMED_INPUT"),
    ]
    # The field at fault is found whatever the language of the words.
    assert [(p["index"], p["field"]) for p in in_swedish["problems"]] == [(3, "name"), (3, "nam")]
    assert all(p["message"].startswith("ändring nr 3 rename_unit") for p in in_swedish["problems"])
    del wrong[2]
    save(
        desk,
        tokens.registrar,
        desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json(),
        wrong,
    )
    check = desk.client.get(f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar)).json()
    assert [(p["index"], p["code"], p["rule"], p["field"]) for p in check["problems"]] == [
        (2, "CHANGE_REJECTED", "in-effect", "unit")
    ]
    assert check["problems"][0]["message"].startswith("change #2 establish_position")
    in_swedish = desk.client.get(
        f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar, **{"Accept-Language": "sv"})
    ).json()
    assert in_swedish["problems"][0]["message"].startswith("ändring nr 2 establish_position")
    assert in_swedish["problems"][0]["field"] == "unit"


def test_the_preview_shows_the_gap_of_an_abolished_post_and_the_suggested_amendment_closes_it(
    desk: Api, tokens: Tokens
) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    answer = desk.client.get(f"/drafts/{draft['id']}/preview", headers=auth(tokens.registrar)).json()
    preview = answer["preview"]

    assert answer["check"]["ok"]
    assert preview["diff"]["added"] == ["stab"]
    assert preview["diff"]["removed"] == ["ekonomi", "personal"]
    assert preview["diff"]["positions"]["abolished"] == ["ekonomichef", "personalchef"]
    assert len(preview["sentences"]) == 4
    assert "Stabsenheten" in preview["sentences"][0]["summary"]
    [gap] = preview["gaps"]
    assert (gap["board"], gap["delegationId"], gap["missingDelegate"]) == ("ks", "ks-p1", "personalchef")
    amend, revoke = gap["fixes"]
    assert (amend["type"], amend["to"], amend["delegation"]) == ("amend_delegation", "stabschef", "ks-p1")
    assert revoke["type"] == "revoke_delegation"

    fixed = dict(amend, decision=DECISION)
    save(desk, tokens.registrar, draft, [*MERGE, fixed])
    after = desk.client.get(f"/drafts/{draft['id']}/preview", headers=auth(tokens.registrar)).json()

    assert after["check"]["ok"], after["check"]
    assert after["preview"]["gaps"] == []


def test_a_recorded_draft_is_closed_and_its_changes_are_in_the_org_chart(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    recorded = desk.client.post(f"/drafts/{draft['id']}/record", headers=auth(tokens.registrar))
    again = desk.client.post(f"/drafts/{draft['id']}/record", headers=auth(tokens.registrar))

    assert recorded.status_code == 200, recorded.text
    ids = recorded.json()["ids"]
    assert ids == [f"{draft['id']}-{n}" for n in range(1, 5)]
    assert recorded.json()["draft"]["status"] == "recorded"
    assert recorded.json()["draft"]["recordedChangeIds"] == ids
    assert again.json()["ids"] == ids
    units = desk.data('{ organisation(asOf: "2027-01-01") { units { id } } }')["organisation"]["units"]
    assert "stab" in {u["id"] for u in units}
    assert "personal" not in {u["id"] for u in units}
    closed = save(desk, tokens.registrar, recorded.json()["draft"], MERGE[:1])
    assert closed.status_code == 409
    assert closed.json()["code"] == "DRAFT_CLOSED"


def test_a_draft_is_recorded_only_with_its_decisions(desk: Api, tokens: Tokens) -> None:
    undecided = copy.deepcopy(MERGE)
    del undecided[1]["decision"]
    draft = new_draft(desk, tokens.registrar, undecided)
    events = desk.event_count()

    response = desk.client.post(f"/drafts/{draft['id']}/record", headers=auth(tokens.registrar))

    assert response.status_code == 422
    assert response.json()["code"] == "DRAFT_DECISION_MISSING"
    assert response.json()["changes"] == [2]
    assert desk.event_count() == events


def test_a_draft_overtaken_by_a_later_change_is_shown_conflicting_and_cannot_be_recorded(
    desk: Api, tokens: Tokens
) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)
    elsewhere = {
        "format": "orgchange/v1",
        "changes": [
            {
                "id": "x-1",
                "type": "dissolve_unit",
                "effective": "2026-12-01",
                "unit": "personal",
                "decision": DECISION,
            }
        ],
    }
    assert desk.post_changes(json.dumps(elsewhere), tokens.admin, "application/json").status_code == 200, (
        "the personnel unit is dissolved before the draft's merge"
    )
    events = desk.event_count()

    check = desk.client.get(f"/drafts/{draft['id']}/check", headers=auth(tokens.registrar)).json()
    recorded = desk.client.post(f"/drafts/{draft['id']}/record", headers=auth(tokens.registrar))

    assert check["stale"] and check["conflicting"] and not check["ok"]
    assert check["problems"][0]["code"] == "DRAFT_CONFLICT"
    assert (check["problems"][0]["index"], check["problems"][0]["field"]) == (1, "units")
    # The merge is refused, so is the post in the merged unit, and the head of the dissolved unit
    # is gone already; abolishing the other head still fits.
    assert [(p["index"], p["code"]) for p in check["problems"]] == [
        (1, "DRAFT_CONFLICT"),
        (2, "DRAFT_CONFLICT"),
        (4, "DRAFT_CONFLICT"),
    ]
    assert recorded.status_code == 409
    assert recorded.json()["code"] == "DRAFT_CONFLICT"
    assert desk.event_count() == events
    assert (
        desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json()["status"] == "open"
    )


def test_a_discarded_draft_stays_listed_and_cannot_be_recorded(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    discarded = desk.client.post(f"/drafts/{draft['id']}/discard", headers=auth(tokens.registrar))
    recorded = desk.client.post(f"/drafts/{draft['id']}/record", headers=auth(tokens.registrar))

    assert discarded.json()["status"] == "discarded"
    assert recorded.status_code == 409
    assert recorded.json()["code"] == "DRAFT_CLOSED"
    assert [
        d["id"] for d in desk.client.get("/drafts?status=discarded", headers=auth(tokens.admin)).json()
    ] == [draft["id"]]


def test_a_draft_exported_as_a_change_file_opens_as_a_draft_again(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    exported = desk.client.get(f"/drafts/{draft['id']}/file", headers=auth(tokens.registrar))
    reopened = new_draft(desk, tokens.admin, exported.json()["changes"], name="Kopia")

    assert exported.headers["content-disposition"].startswith("attachment")
    assert exported.json() == file_of(MERGE)
    assert reopened["changes"] == draft["changes"]
    assert reopened["id"] != draft["id"]


def test_one_registrar_keeps_no_more_open_drafts_than_allowed(
    app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    api = make_api(app, max_drafts_per_user=2)
    new_draft(api, tokens.registrar, [])
    new_draft(api, tokens.registrar, [])

    third = api.client.post("/drafts", json={"name": "Tredje"}, headers=auth(tokens.registrar))

    assert third.status_code == 422
    assert third.json()["code"] == "DRAFT_LIMIT"
    assert api.client.post("/drafts", json={"name": "Annan"}, headers=auth(tokens.admin)).status_code == 201


def test_drafts_survive_a_restart_of_the_service(database_url: str) -> None:
    from fastapi.testclient import TestClient

    with opened(database_url) as first:
        token = create_token(first, "registratorn", "registrar")
        with TestClient(create_app(settings_for(database_url), first)) as client:
            made = client.post("/drafts", json={"name": "Kvar", "file": file_of(MERGE)}, headers=auth(token))
            assert made.status_code == 201
    with opened(database_url) as second, TestClient(create_app(settings_for(database_url), second)) as client:
        found = client.get(f"/drafts/{made.json()['id']}", headers=auth(token))

    assert found.status_code == 200
    assert found.json()["name"] == "Kvar"
    assert found.json()["changes"] == MERGE


def test_the_decision_document_lists_the_changes_the_charts_and_the_delegations_to_amend(
    desk: Api, tokens: Tokens
) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    page = desk.client.get(f"/drafts/{draft['id']}/proposal.html", headers=auth(tokens.registrar))

    assert page.status_code == 200
    html = page.text
    assert "Beslutsunderlag: Stabsenheten" in html
    assert html.count("<li data-change=") == 4
    assert "data-chart='före'" in html and "data-chart='efter'" in html
    assert "data-delegation='ks-p1'" in html
    assert "data-type='amend_delegation'" in html
    assert "&quot;to&quot;: &quot;stabschef&quot;" in html


# --- GraphQL ---------------------------------------------------------------------------------

DRAFT_FIELDS = "id name changes createdBy updatedAt status revision recordedChangeIds"


def test_graphql_creates_updates_checks_previews_and_records_a_draft(desk: Api, tokens: Tokens) -> None:
    created = desk.data(
        f'mutation($f: JSON) {{ createDraft(name: "Stab", file: $f) {{ {DRAFT_FIELDS} }} }}',
        {"f": file_of(MERGE[:1])},
        tokens.registrar,
    )["createDraft"]
    updated = desk.data(
        f"mutation($id: ID!, $f: JSON!) {{ updateDraft(id: $id, file: $f, revision: 1) {{ {DRAFT_FIELDS} }} }}",
        {"id": created["id"], "f": file_of(MERGE)},
        tokens.registrar,
    )["updateDraft"]
    shown = desk.data(
        """query($id: ID!) { draft(id: $id) { status check { ok stale problems { code } }
             preview { asOf diff { added removed } changes { summary }
                       gaps { board gap { delegationId missingDelegateId } fixes reasons } } } }""",
        {"id": created["id"]},
        tokens.registrar,
    )["draft"]
    ids = desk.data("mutation($id: ID!) { recordDraft(id: $id) }", {"id": created["id"]}, tokens.registrar)[
        "recordDraft"
    ]
    listed = desk.data('{ drafts(status: "recorded") { id status recordedChangeIds } }', token=tokens.admin)
    [unknown_status] = desk.errors('{ drafts(status: "klar") { id } }', token=tokens.admin)

    assert created["status"] == "open" and created["revision"] == 1 and created["createdBy"] == "registratorn"
    assert unknown_status["extensions"] == {"code": "BAD_USER_INPUT", "argument": "status"}
    assert unknown_status["message"] == "'status' is one of: open, recorded, discarded"
    assert updated["revision"] == 2 and len(updated["changes"]) == 4
    assert shown["check"] == {"ok": True, "stale": False, "problems": []}
    assert shown["preview"]["diff"] == {"added": ["stab"], "removed": ["ekonomi", "personal"]}
    [gap] = shown["preview"]["gaps"]
    assert gap["gap"] == {"delegationId": "ks-p1", "missingDelegateId": "personalchef"}
    assert gap["fixes"][0]["to"] == "stabschef"
    assert len(ids) == 4
    assert listed["drafts"] == [{"id": created["id"], "status": "recorded", "recordedChangeIds": ids}]


def test_two_registrars_saving_the_same_draft_at_the_same_moment_one_is_kept_the_other_told(
    desk: Api, tokens: Tokens
) -> None:
    """Not one after the other but at once, round after round: the revision check and the save
    are one conditional UPDATE, so no interleaving of the two lets both through or loses the
    kept one's edit without a word to the other."""
    draft = new_draft(desk, tokens.registrar, MERGE[:1])
    edits = {tokens.registrar: MERGE[:2], tokens.admin: MERGE[:1] + MERGE[2:3]}
    for _ in range(5):
        draft = desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json()
        start = threading.Barrier(2)

        def save_at_once(token: str, shown: dict = draft, start: threading.Barrier = start):
            start.wait(timeout=10)
            return token, save(desk, token, shown, edits[token])

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = dict(pool.map(save_at_once, edits))

        statuses = sorted(answer.status_code for answer in answers.values())
        assert statuses == [200, 412], {t: a.text for t, a in answers.items()}
        [kept_by] = [token for token, answer in answers.items() if answer.status_code == 200]
        [told] = [answer for answer in answers.values() if answer.status_code == 412]
        assert told.json()["code"] == "DRAFT_CHANGED"
        assert told.json()["revision"] == draft["revision"] + 1
        kept = desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json()
        assert kept["revision"] == draft["revision"] + 1
        assert [c["type"] for c in kept["changes"]] == [c["type"] for c in edits[kept_by]]


def test_graphql_tells_the_second_of_two_updates_from_one_revision(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE[:1])
    update = "mutation($id: ID!, $f: JSON!) { updateDraft(id: $id, file: $f, revision: 1) { revision } }"

    desk.data(update, {"id": draft["id"], "f": file_of(MERGE[:2])}, tokens.registrar)
    [error] = desk.errors(update, {"id": draft["id"], "f": file_of(MERGE[:3])}, tokens.admin)

    assert error["extensions"]["code"] == "DRAFT_CHANGED"
    assert error["extensions"]["revision"] == 2


def test_graphql_shows_drafts_to_registrars_only(desk: Api, tokens: Tokens) -> None:
    new_draft(desk, tokens.registrar, MERGE)

    anonymous = desk.graphql("{ drafts { id } }")
    reader = desk.graphql("{ drafts { id } }", token=tokens.reader)

    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert reader.status_code == 403
    assert reader.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert desk.data('{ draft(id: "0000") { id } }', token=tokens.registrar) == {"draft": None}


def test_graphql_discards_a_draft(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, MERGE)

    discarded = desk.data(
        "mutation($id: ID!) { discardDraft(id: $id) { status } }", {"id": draft["id"]}, tokens.registrar
    )
    [error] = desk.errors(
        "mutation($id: ID!) { recordDraft(id: $id) }", {"id": draft["id"]}, tokens.registrar
    )

    assert discarded == {"discardDraft": {"status": "discarded"}}
    assert error["extensions"]["code"] == "DRAFT_CLOSED"


def test_the_decision_document_prints_as_a_pdf(sqlite_url: str) -> None:
    """Printed by the review pack's printer; once, on SQLite: the printing is the same on both."""
    from fastapi.testclient import TestClient

    from orgchange.application.documents.pdf import browser
    from tests.support import IN_CI

    if browser() is None:
        message = "PDF needs Chromium (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with opened(sqlite_url) as app, TestClient(create_app(settings_for(sqlite_url), app)) as client:
        token = create_token(app, "registratorn", "registrar")
        headers = auth(token, **{"content-type": "application/json"})
        assert client.post("/changes", content=json.dumps(BASE), headers=headers).status_code == 200
        made = client.post("/drafts", json={"name": "Stab", "file": file_of(MERGE)}, headers=auth(token))

        response = client.get(f"/drafts/{made.json()['id']}/proposal.pdf", headers=auth(token))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_graphql_builds_a_draft_change_by_change_with_typed_inputs(desk: Api, tokens: Tokens) -> None:
    """Each change type has its input type; what is given becomes the change-file entry."""
    draft = new_draft(desk, tokens.registrar, [])
    add = """mutation($id: ID!, $change: ChangeInput!, $at: Int) {
               addDraftChange(id: $id, change: $change, at: $at) { revision changes } }"""
    decision = {"body": "ks", "date": "2026-11-20", "paragraph": "§ 101"}
    typed = [
        {
            "mergeUnits": {
                "effective": "2027-01-01",
                "units": ["ekonomi", "personal"],
                "into": "stab",
                "name": "Stabsenheten",
                "kind": "unit",
                "decision": decision,
            }
        },
        {"abolishPosition": {"effective": "2027-01-01", "position": "ekonomichef", "decision": decision}},
        {"abolishPosition": {"effective": "2027-01-01", "position": "personalchef", "decision": decision}},
        {
            "establishPosition": {
                "effective": "2027-01-01",
                "position": "stabschef",
                "title": "Stabschef",
                "unit": "stab",
                "director": True,
                "decision": decision,
            }
        },
    ]
    for change in typed[:3]:
        desk.data(add, {"id": draft["id"], "change": change}, tokens.registrar)
    added = desk.data(add, {"id": draft["id"], "change": typed[3], "at": 2}, tokens.registrar)[
        "addDraftChange"
    ]
    replaced = desk.data(
        """mutation($id: ID!, $change: ChangeInput!) {
             replaceDraftChange(id: $id, index: 4, change: $change, revision: 5) { changes } }""",
        {
            "id": draft["id"],
            "change": {
                "grantDelegation": {
                    "effective": "2027-01-01",
                    "delegation": "ks-s1",
                    "from": "ks",
                    "to": "stabschef",
                    "matter": "Anställning",
                    "furtherDelegation": False,
                    "decision": decision,
                }
            },
        },
        tokens.registrar,
    )["replaceDraftChange"]
    removed = desk.data(
        "mutation($id: ID!) { removeDraftChange(id: $id, index: 4) { changes } }",
        {"id": draft["id"]},
        tokens.registrar,
    )["removeDraftChange"]

    assert added["revision"] == 5
    assert added["changes"][:2] == [MERGE[0], MERGE[1]]
    assert replaced["changes"][3] == {
        "type": "grant_delegation",
        "effective": "2027-01-01",
        "delegation": "ks-s1",
        "from": "ks",
        "to": "stabschef",
        "matter": "Anställning",
        "further_delegation": False,
        "decision": decision,
    }
    assert removed["changes"] == MERGE[:3]


def test_a_typed_input_names_exactly_one_change_type(desk: Api, tokens: Tokens) -> None:
    draft = new_draft(desk, tokens.registrar, [])

    response = desk.graphql(
        "mutation($id: ID!, $change: ChangeInput!) { addDraftChange(id: $id, change: $change) { revision } }",
        {
            "id": draft["id"],
            "change": {
                "dissolveUnit": {"effective": "2027-01-01", "unit": "personal"},
                "abolishPosition": {"effective": "2027-01-01", "position": "personalchef"},
            },
        },
        tokens.registrar,
    )
    out_of_range = desk.errors(
        "mutation($id: ID!) { removeDraftChange(id: $id, index: 3) { revision } }",
        {"id": draft["id"]},
        tokens.registrar,
    )

    assert "errors" in response.json()
    assert desk.client.get(f"/drafts/{draft['id']}", headers=auth(tokens.registrar)).json()["changes"] == []
    assert out_of_range[0]["extensions"]["code"] == "DRAFT_INVALID"


def test_one_request_checks_only_a_few_drafts(desk: Api, tokens: Tokens) -> None:
    """Each check records the draft in a transaction rolled back: a list of them is bounded."""
    for n in range(3):
        new_draft(desk, tokens.registrar, MERGE[:1], name=f"Utkast {n}")

    errors = desk.errors("{ drafts { check { ok } preview { asOf } } }", token=tokens.registrar)
    one = desk.data("{ drafts { id } }", token=tokens.registrar)["drafts"][0]

    assert errors[0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "limit": 4}
    assert desk.data(
        "query($id: ID!) { draft(id: $id) { check { ok } } }", {"id": one["id"]}, tokens.registrar
    ) == {"draft": {"check": {"ok": True}}}


def test_a_draft_holds_no_more_changes_than_a_request_may(
    app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    api = make_api(app, max_changes_per_request=2)

    refused = api.client.post(
        "/drafts", json={"name": "Stor", "file": file_of(MERGE[:3])}, headers=auth(tokens.registrar)
    )

    assert refused.status_code == 413
    assert refused.json()["code"] == "DRAFT_TOO_LARGE"
    assert api.client.get("/drafts", headers=auth(tokens.registrar)).json() == []


def test_a_draft_opens_from_a_yaml_change_file_and_refuses_a_name_with_control_characters(
    desk: Api, tokens: Tokens
) -> None:
    yaml_file = (
        "format: orgchange/v1\nchanges:\n"
        "  - {type: rename_unit, effective: 2027-01-01, unit: personal, name: HR-enheten}\n"
    )
    made = desk.data(
        'mutation($f: JSON) { createDraft(name: "Från YAML", file: $f) { changes } }',
        {"f": yaml_file},
        tokens.registrar,
    )
    [refused] = desk.errors('mutation { createDraft(name: "Rad\\u0007ett") { id } }', token=tokens.registrar)
    [in_swedish] = desk.client.post(
        "/graphql",
        json={"query": 'mutation { createDraft(name: "Rad\\u0007ett") { id } }'},
        headers=auth(tokens.registrar, **{"Accept-Language": "sv"}),
    ).json()["errors"]

    assert made["createDraft"]["changes"] == [
        {"type": "rename_unit", "effective": "2027-01-01", "unit": "personal", "name": "HR-enheten"}
    ]
    assert refused["extensions"]["code"] == "DRAFT_INVALID"
    assert "control characters" in refused["message"]
    assert in_swedish["extensions"]["code"] == "DRAFT_INVALID"
    assert "styrtecken" in in_swedish["message"]


def test_a_drafts_chart_too_large_to_draw_is_refused_with_its_code_not_an_error(
    app, make_api, tokens: Tokens
) -> None:
    """The before/after chart of a draft is bounded like every diagram: over the limit it is a 422
    naming the limit, never a server error."""
    small = make_api(app, diagram_max_nodes=1)
    assert small.post_changes(json.dumps(BASE), tokens.registrar, "application/json").status_code == 200
    draft = new_draft(small, tokens.registrar, MERGE)

    response = small.client.get(f"/drafts/{draft['id']}/chart/after.svg", headers=auth(tokens.registrar))

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "DIAGRAM_TOO_LARGE" and response.json()["limit"] == 1
