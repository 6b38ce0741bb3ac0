"""The service around the API: start-up, /health, GraphiQL and the diagrams."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import delete

from projections import tables

from .conftest import SAMPLE_ORGANISATION_ON_2017_03_01, Api, Tokens

COUNT = '{ organisation(asOf: "2017-03-01") { units { id } } }'


def test_health_reports_the_event_store_and_the_read_models(api: Api, tokens: Tokens) -> None:
    before = api.client.get("/health")
    assert before.status_code == 200
    body = before.json()
    assert body["status"] == "ok"
    assert body["readModelsUpToDate"] is True
    assert body["lastEventId"] == body["readModelsLastEventId"] > 0
    assert body["events"] >= 118  # the sample's changes, and the register's own start

    content = "format: orgchange/v1\nchanges:\n  - {id: h-1, type: rename_unit, effective: 2019-01-01, unit: slk, name: Stadsledningen}\n"
    assert api.post_changes(content, tokens.registrar).status_code == 200

    after = api.client.get("/health").json()
    assert after["events"] == body["events"] + 1
    assert after["lastEventId"] > body["lastEventId"]
    assert after["readModelsLastEventId"] == after["lastEventId"]


def test_start_up_brings_stale_read_models_up_to_date(demo_app, make_api) -> None:
    # Simulate read models left behind (an upgrade, a crash): wipe them.
    with demo_app.engine.begin() as connection:
        connection.execute(delete(tables.unit_versions))
        connection.execute(delete(tables.projection_state))
    assert demo_app.read_model.organisation(date(2017, 3, 1)) == []

    api = make_api(demo_app)  # entering the client runs the start-up

    assert len(api.data(COUNT)["organisation"]["units"]) == SAMPLE_ORGANISATION_ON_2017_03_01
    assert api.client.get("/health").json()["readModelsUpToDate"] is True


def test_create_app_opens_its_own_register_when_not_given_one(database_url, demo_app) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    from .conftest import settings_for

    with TestClient(create_app(settings_for(database_url)), headers={"Accept-Language": "en"}) as client:
        response = client.post("/graphql", json={"query": COUNT})
        own = client.app.state.orgchange

    assert own is not demo_app
    assert len(response.json()["data"]["organisation"]["units"]) == SAMPLE_ORGANISATION_ON_2017_03_01


def test_graphiql_is_served_to_a_browser(api: Api) -> None:
    response = api.client.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_queries_also_work_over_get(api: Api) -> None:
    response = api.client.get("/graphql", params={"query": '{ unit(id: "ks", asOf: "2017-03-01") { name } }'})

    assert response.json() == {"data": {"unit": {"name": "Kommunstyrelsen"}}}


def test_orgchart_diagram(api: Api) -> None:
    dot = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"})
    svg = api.client.get("/diagrams/orgchart.svg", params={"asOf": "2017-03-01", "root": "territorieomradet"})
    missing_root = api.client.get(
        "/diagrams/orgchart.dot", params={"asOf": "2017-03-01", "root": "va-och-avfall"}
    )
    bad_day = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-13-01"})
    naive = api.client.get(
        "/diagrams/orgchart.dot", params={"asOf": "2017-03-01", "knownAt": "2017-03-01T00:00:00"}
    )
    bad_format = api.client.get("/diagrams/orgchart.gif", params={"asOf": "2017-03-01"})

    assert dot.status_code == 200
    assert dot.headers["content-type"].startswith("text/vnd.graphviz")
    assert "Nacka vatten och avfall AB" in dot.text
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "<svg" in svg.text and "Stadsledningskontoret" not in svg.text
    assert missing_root.status_code == 404
    assert "va-och-avfall" in missing_root.json()["detail"]
    assert bad_day.status_code == naive.status_code == bad_format.status_code == 422


def test_delegations_diagram(api: Api) -> None:
    dot = api.client.get("/diagrams/delegations.dot", params={"asOf": "2017-10-15", "board": "ks"})
    compared = api.client.get(
        "/diagrams/delegations.dot", params={"asOf": "2017-11-13", "compareWith": "2017-10-15"}
    )

    assert dot.status_code == 200
    assert "Samhällsbyggnadsdirektör" in dot.text
    assert "Natur- och trafiknämnden" not in dot.text  # another board
    assert compared.status_code == 200
    assert dot.text != compared.text


def test_a_delegations_diagram_or_document_of_an_unknown_board_is_404(api: Api) -> None:
    for path in (
        "/diagrams/delegations.svg?asOf=2017-10-15&board=ingen-sadan",
        "/diagrams/delegations.dot?asOf=2017-10-15&board=ingen-sadan",
        "/documents/delegationsordning.csv?asOf=2017-10-15&board=ingen-sadan",
    ):
        response = api.client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {
            "detail": "there is no unit 'ingen-sadan' in the register",
            "code": "NOT_FOUND",
        }
    known = api.client.get("/diagrams/delegations.dot?asOf=2017-10-15&board=ks")
    assert known.status_code == 200 and "Kommunstyrelsen" in known.text


def test_the_readme_example_query_runs(api: Api) -> None:
    readme = (Path(__file__).resolve().parents[2] / "api" / "README.md").read_text(encoding="utf-8")
    query = readme.split("```graphql\n", 1)[1].split("```", 1)[0]

    data = api.data(query)

    assert data["unit"] == {
        "name": "VA- och avfallsenheten",
        "validTo": "2017-01-01",
        "successors": ["nacka-vatten-och-avfall-ab"],
    }
    assert data["changes"]["totalCount"] > 5
    assert data["reports"][0]["notedParagraph"] == "§ 190"  # KS noted the first progress report
    assert data["diff"]["reclassified"] == [
        {"id": "valfard-samhallsservice", "from": "unit", "to": "office"},
        {"id": "valfard-skola", "from": "unit", "to": "office"},
    ]
    assert "produktionsdirektor" in data["diff"]["positions"]["abolished"]
    assert {c["reportTo"] for c in data["unreportedChanges"]} == {"ks"}
