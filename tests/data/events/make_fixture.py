"""How the recorded-events fixture in this folder was made (run once; the tests never run it).

The fixture is the register as orgchange 0.1.0 (before events carried versions) stored it:
the Nacka sample, then a few more transactions — a rename, its cancellation, a retroactive
rename (so that "as known at" answers differ before and after it), a report of it to the
kommunstyrelse and the board's noting of that report. It is kept in two forms:

* `register.db`: the SQLite file as that version left it (events, read models, tables);
* `events.jsonl`: every stored event, one JSON object a line — `id`, `originator_id`,
  `originator_version`, `topic` and `state` (base64), as the events table holds them —
  to load into any database (tests/test_recorded_events.py loads it into PostgreSQL);

and `answers.json`: GraphQL queries with the answers that version gave to them. The tests
load the fixture with today's code and compare every answer with these, forever: a change
of code that reads the old events differently fails them. Never regenerate the files to
make a test pass; an answer that must change is a decision to record in docs/upgrading.md.

    .venv/bin/python tests/data/events/make_fixture.py   # from the repository's root
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from api.main import create_app  # noqa: E402
from orgchange.application import OrgChange  # noqa: E402
from orgchange.application.changefile import parse_change_file  # noqa: E402
from orgchange.application.config import Settings  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE = ROOT / "orgchange" / "sample" / "nacka-2012-2018.yaml"
DECISION = {"body": "ks", "date": "2018-05-14", "paragraph": "§ 120", "reference": "KFKS 2018/300"}

TRANSACTIONS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "registrator-a",
        [
            {
                "id": "fixture-001",
                "type": "rename_unit",
                "effective": "2018-06-01",
                "decision": DECISION,
                "unit": "park-och-naturenheten",
                "name": "Enheten för parker",
            }
        ],
    ),
    (
        "registrator-b",
        [{"id": "fixture-002", "type": "cancel_change", "change": "fixture-001", "reason": "Fel enhet"}],
    ),
    (
        "registrator-a",
        [
            {
                "id": "fixture-003",
                "type": "rename_unit",
                "effective": "2016-01-01",
                "decision": {**DECISION, "date": "2015-12-07", "reference": "KFKS 2015/700"},
                "note": "Registrerat i efterhand.",
                "unit": "lokalenheten",
                "name": "Lokalenheten i Nacka",
            }
        ],
    ),
    (
        "registrator-b",
        [
            {
                "id": "fixture-004",
                "type": "report_changes",
                "to": "ks",
                "meeting": "2018-09-03",
                "changes": ["fixture-003"],
                "reference": "KFKS 2018/501",
            }
        ],
    ),
    (
        "registrator-b",
        [
            {
                "id": "fixture-005",
                "type": "note_report",
                "to": "ks",
                "meeting": "2018-09-03",
                "paragraph": "§ 201",
            }
        ],
    ),
]

UNIT = "id name kind parentId ownerId validFrom validTo predecessors successors positions { id title unitId director }"
CHANGE = (
    "id type effective recordedAt recordedBy unitIds summary cancelled reportTo "
    "decision { body date paragraph reference }"
)
DELEGATION = "id code matter fromId toId legalBasis limit substitute furtherDelegation parentDelegationId validFrom validTo"


def queries(known_before_retroactive: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, query, variables): the answers kept."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for day in ("2012-06-01", "2014-06-01", "2016-06-01", "2017-06-01", "2018-07-01", "2018-12-31"):
        out.append(
            (
                f"organisation {day}",
                f"query($d: Date!) {{ organisation(asOf: $d) {{ asOf units {{ {UNIT} }} roots {{ id }} }} }}",
                {"d": day},
            )
        )
        out.append(
            (
                f"delegations {day}",
                f"query($d: Date!) {{ delegations(asOf: $d) {{ {DELEGATION} }} "
                "delegationGaps(asOf: $d) { delegationId since reason } }",
                {"d": day},
            )
        )
    known = {"k": known_before_retroactive}
    out += [
        (
            "organisation 2016-06-01 known before the retroactive rename",
            f'query($k: DateTime) {{ organisation(asOf: "2016-06-01", knownAt: $k) {{ units {{ {UNIT} }} }} }}',
            known,
        ),
        (
            "unit history of lokalenheten, known before and now",
            'query($k: DateTime) { before: unitHistory(id: "lokalenheten", knownAt: $k) '
            "{ validFrom validTo name kind parentId changeId } "
            'now: unitHistory(id: "lokalenheten") { validFrom validTo name kind parentId changeId } }',
            known,
        ),
        (
            "changes known before the retroactive rename",
            f"query($k: DateTime) {{ changes(first: 500, knownAt: $k) {{ totalCount edges {{ node {{ {CHANGE} }} }} }} }}",
            known,
        ),
        (
            "changes",
            f"{{ changes(first: 500) {{ totalCount edges {{ cursor node {{ {CHANGE} }} }} }} }}",
            {},
        ),
        ("audit trail", f"{{ audit(first: 500) {{ totalCount edges {{ node {{ {CHANGE} }} }} }} }}", {}),
        (
            "reports to ks",
            '{ reports(board: "ks") { board meeting changeIds notedParagraph notedAt reference } }',
            {},
        ),
        (
            "diff 2012-01-01 to 2018-12-31",
            '{ diff(from: "2012-01-01", to: "2018-12-31") { added removed renamed { id from to } '
            "moved { id fromParent toParent } } }",
            {},
        ),
        ("register", "{ register { organisation } }", {}),
    ]
    return out


def main() -> None:
    database = HERE / "register.db"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    app = OrgChange(url)
    sample = parse_change_file(SAMPLE.read_bytes(), str(SAMPLE))
    app.record_changes(sample.changes, "demo", sample.organisation)
    for who, changes in TRANSACTIONS:
        parsed = parse_change_file(json.dumps({"format": "orgchange/v1", "changes": changes}))
        app.record_changes(parsed.changes, who)
    retro = app.read_model.change("fixture-003")
    assert retro is not None
    known_before = (retro.recorded_at - timedelta(microseconds=1)).isoformat()

    answers = []
    settings = Settings(database_url=url, public_read=True)
    with TestClient(create_app(settings, app)) as client:
        for name, query, variables in queries(known_before):
            response = client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            assert response.status_code == 200 and "errors" not in body, body
            answers.append({"name": name, "query": query, "variables": variables, "data": body["data"]})
    # One answer a line: small, and a difference shows which answer it is in.
    lines = ",\n".join(json.dumps(answer, ensure_ascii=False, sort_keys=True) for answer in answers)
    (HERE / "answers.json").write_text(f"[\n{lines}\n]\n")
    app.close()
    app.engine.dispose()

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, originator_id, originator_version, topic, state FROM orgchange_events ORDER BY id"
            )
        ).all()
        lines = [
            json.dumps(
                {
                    "id": id_,
                    "originator_id": str(_uuid(originator)),
                    "originator_version": version,
                    "topic": topic,
                    "state": base64.b64encode(bytes(state)).decode(),
                }
            )
            for id_, originator, version, topic, state in rows
        ]
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")
    engine.dispose()
    (HERE / "events.jsonl").write_text("\n".join(lines) + "\n")


def _uuid(raw: Any) -> Any:
    from uuid import UUID

    return raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw))


if __name__ == "__main__":
    main()
