"""Open data: the register as W3C ORG linked data (Turtle, JSON-LD) and as Popolo JSON.

The exports are fetched from the real service (`GET /opendata/…`) and the real command
line, parsed back with rdflib and questioned with SPARQL; every answer is compared with
the GraphQL API's answer for the same question over the same register (the Nacka
sample, recorded once per module on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import ORG
from rdflib.plugins.sparql import prepareQuery

from api.main import create_app
from orgchange.application import OrgChange, opendata
from orgchange.application.config import DEFAULT_URI_BASE, Settings
from tests.builders import base_organisation, change
from tests.support import opened

BASE = DEFAULT_URI_BASE
NAMESPACES = {
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "orgchange": str(opendata.VOCAB),
}

# Changes whose original and resulting units GraphQL tells apart by the day before and the day of.
RESTRUCTURING = {"merge_units", "split_unit", "spin_off_unit", "establish_unit", "dissolve_unit"}


def sparql(text: str) -> Any:
    return prepareQuery(text, initNs=NAMESPACES)


def _holds(interval: str, prefix: str) -> str:
    """SPARQL: the interval ?{interval} holds on ?day (half-open, open-ended without an end)."""
    return f"""
    ?{interval} time:hasBeginning/time:inXSDDate ?{prefix}from .
    OPTIONAL {{ ?{interval} time:hasEnd/time:inXSDDate ?{prefix}to }}
    FILTER (?{prefix}from <= ?day && (!BOUND(?{prefix}to) || ?day < ?{prefix}to))"""


# A unit's key, name, kind, parent and owner on ?day, from the dated (reified) statements.
UNITS_ON_A_DAY = sparql(f"""
SELECT ?key ?name ?kind ?parent ?owner WHERE {{
  ?unit a org:Organization ; org:identifier ?key ; time:hasTime ?life .
  {_holds("life", "l")}
  ?n rdf:subject ?unit ; rdf:predicate skos:prefLabel ; rdf:object ?name ; time:hasTime ?ni .
  {_holds("ni", "n")}
  ?k rdf:subject ?unit ; rdf:predicate org:classification ; rdf:object/skos:notation ?kind ; time:hasTime ?ki .
  {_holds("ki", "k")}
  OPTIONAL {{
    ?p rdf:subject ?unit ; rdf:predicate org:subOrganizationOf ; rdf:object/org:identifier ?parent ;
       time:hasTime ?pi .
    {_holds("pi", "p")}
  }}
  OPTIONAL {{
    ?o rdf:subject ?unit ; rdf:predicate orgchange:ownedBy ; rdf:object/org:identifier ?owner ;
       time:hasTime ?oi .
    {_holds("oi", "o")}
  }}
}}""")

# The same from an as-of export's plain triples.
UNITS_OF_A_SNAPSHOT = sparql("""
SELECT ?key ?name ?kind ?parent ?owner WHERE {
  ?unit a org:Organization ; org:identifier ?key ; skos:prefLabel ?name ;
        org:classification/skos:notation ?kind .
  OPTIONAL { ?unit org:subOrganizationOf/org:identifier ?parent }
  OPTIONAL { ?unit orgchange:ownedBy/org:identifier ?owner }
}""")

POSTS_OF_A_SNAPSHOT = sparql("""
SELECT ?key ?title ?unit ?director WHERE {
  ?post a org:Post ; org:identifier ?key ; skos:prefLabel ?title ; org:postIn/org:identifier ?unit .
  BIND (EXISTS { ?post org:role ?role } AS ?director)
}""")

ORIGINAL_AND_RESULTING = sparql("""
SELECT ?id ?role ?key WHERE {
  ?event a org:ChangeEvent ; dcterms:identifier ?id .
  { ?event org:originalOrganization ?unit . BIND ("original" AS ?role) }
  UNION
  { ?event org:resultingOrganization ?unit . BIND ("resulting" AS ?role) }
  ?unit org:identifier ?key .
}""")

REPLACES = sparql("""
SELECT ?key ?predecessor WHERE {
  ?unit org:identifier ?key ; dcterms:replaces/org:identifier ?predecessor .
}""")

CHANGE_EVENTS = sparql("""
SELECT ?id ?effective ?started ?recorded ?body ?decided ?paragraph ?case ?decision WHERE {
  ?event a org:ChangeEvent ; dcterms:identifier ?id ; dcterms:date ?effective ; prov:startedAtTime ?started ;
         orgchange:registerEntry/prov:generatedAtTime ?recorded .
  OPTIONAL {
    ?event prov:wasInformedBy ?decision .
    OPTIONAL { ?decision orgchange:decisionBody ?body }
    OPTIONAL { ?decision dcterms:date ?decided }
    OPTIONAL { ?decision orgchange:paragraph ?paragraph }
    OPTIONAL { ?decision orgchange:caseNumber ?case }
  }
}""")

CITATIONS = sparql("""
SELECT ?body ?decided ?paragraph ?citation ?who WHERE {
  ?decision a orgchange:Decision ; orgchange:decisionBody ?body ; dcterms:date ?decided ;
            orgchange:paragraph ?paragraph ; rdfs:label ?citation .
  OPTIONAL { ?decision prov:wasAssociatedWith/org:identifier ?who }
}""")

CANCELLATIONS = sparql("""
SELECT ?cancelled ?by WHERE {
  ?c a orgchange:CancelledChange ; dcterms:identifier ?cancelled ; orgchange:cancelledBy ?cancellation .
  ?cancellation a orgchange:Cancellation ; dcterms:identifier ?by ; orgchange:cancels ?c .
}""")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def rows(graph: Graph, query: Any, **bindings: Any) -> set[tuple]:
    return {tuple(_str(v) for v in row) for row in graph.query(query, initBindings=bindings)}


def units_on(graph: Graph, day: date) -> set[tuple]:
    return rows(graph, UNITS_ON_A_DAY, day=Literal(day))


def parse(content: bytes, fmt: str) -> Graph:
    return Graph().parse(data=content, format=fmt)


# --- the GraphQL API's answers -------------------------------------------------------------


def graphql(client: TestClient, query: str, **variables: Any) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


ORGANISATION = """query ($asOf: Date!, $knownAt: DateTime) {
  organisation(asOf: $asOf, knownAt: $knownAt) {
    units { id name kind parentId ownerId validFrom validTo positions { id title unitId director } }
  }
}"""

CHANGES = """{ changes(first: 1000) {
  pageInfo { hasNextPage }
  edges { node {
    id type effective recordedAt unitIds cancelled cancelledBy cancels
    decision { body date paragraph reference }
  } }
} }"""


class GraphQLAnswers:
    """The GraphQL API's answers about the sample register, asked once each."""

    def __init__(self, client: TestClient):
        self.client = client
        self._days: dict[date, list[dict]] = {}
        changes = graphql(client, CHANGES)["changes"]
        assert not changes["pageInfo"]["hasNextPage"]
        self.changes = [e["node"] for e in changes["edges"]]

    def units(self, day: date) -> list[dict]:
        if day not in self._days:
            data = graphql(self.client, ORGANISATION, asOf=day.isoformat())
            self._days[day] = data["organisation"]["units"]
        return self._days[day]

    def unit_tuples(self, day: date) -> set[tuple]:
        return {(u["id"], u["name"], u["kind"], u["parentId"], u["ownerId"]) for u in self.units(day)}

    def effective_days(self) -> list[date]:
        return sorted({date.fromisoformat(c["effective"]) for c in self.changes})

    def every_unit(self) -> dict[str, dict]:
        """Every unit that was ever in effect, with its life (validFrom, validTo)."""
        return {u["id"]: u for day in self.effective_days() for u in self.units(day)}


# --- one sample register and one service for the module --------------------------------------


@pytest.fixture(scope="module")
def sample_app(module_database_url: str, sample_file) -> Iterator[OrgChange]:
    with opened(module_database_url, sample_file) as application:
        yield application


def _service(orgchange: OrgChange, database_url: str, **settings: Any) -> TestClient:
    values = {"database_url": database_url, "public_read": True, "uri_base": DEFAULT_URI_BASE, **settings}
    return TestClient(create_app(Settings(**values), orgchange), headers={"Accept-Language": "en"})


@pytest.fixture(scope="module")
def client(sample_app: OrgChange, module_database_url: str) -> Iterator[TestClient]:
    with _service(sample_app, module_database_url) as service:
        yield service


@pytest.fixture(scope="module")
def answers(client: TestClient) -> GraphQLAnswers:
    return GraphQLAnswers(client)


@pytest.fixture(scope="module")
def history(client: TestClient) -> Graph:
    """The whole history, served as Turtle and parsed back."""
    response = client.get("/opendata/register.ttl")
    assert response.status_code == 200, response.text
    return parse(response.content, "turtle")


# --- serialisation ---------------------------------------------------------------------------


def test_turtle_and_jsonld_are_served_and_parse_to_the_same_graph(
    client: TestClient, sample_app: OrgChange, history: Graph
) -> None:
    turtle = client.get("/opendata/register.ttl")
    jsonld = client.get("/opendata/register.jsonld")

    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert jsonld.headers["content-type"] == "application/ld+json"
    from_jsonld = parse(jsonld.content, "json-ld")
    assert set(from_jsonld) == set(history)
    assert not any(isinstance(term, BNode) for triple in history for term in triple)  # stable URIs only
    # Nothing is lost on the way: the served graph is the one built from the read models.
    assert isomorphic(history, opendata.register_graph(opendata.load(sample_app)))
    # The same register gives the same bytes.
    assert client.get("/opendata/register.ttl").content == turtle.content


def test_jsonld_is_compacted_with_the_vocabularies_prefixes(client: TestClient) -> None:
    document = client.get("/opendata/register.jsonld", params={"asOf": "2017-03-01"}).json()

    assert document["@context"]["org"] == str(ORG)
    types = {t for node in document["@graph"] for t in _as_list(node.get("@type"))}
    assert {"org:Organization", "org:FormalOrganization", "org:OrganizationalUnit", "org:Post"} <= types


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


# --- the organisation on a day ------------------------------------------------------------------


def test_sparql_over_the_history_answers_as_graphql_on_every_day(
    history: Graph, answers: GraphQLAnswers
) -> None:
    # The organisation changes only on effective days; those and the day before each are every state there
    # is, and every boundary of a half-open interval.
    days = sorted(
        {d - delta for d in answers.effective_days() for delta in (timedelta(0), timedelta(days=1))}
    )

    assert len(days) > 10
    for day in days:
        assert units_on(history, day) == answers.unit_tuples(day), day


def test_an_as_of_export_is_the_organisation_of_that_day(client: TestClient, answers: GraphQLAnswers) -> None:
    restructured = sorted(
        {date.fromisoformat(c["effective"]) for c in answers.changes if c["type"] in RESTRUCTURING}
    )
    for day in (restructured[0], restructured[len(restructured) // 2], restructured[-1]):
        graph = parse(
            client.get("/opendata/register.ttl", params={"asOf": day.isoformat()}).content, "turtle"
        )
        units = answers.units(day)

        assert rows(graph, UNITS_OF_A_SNAPSHOT) == answers.unit_tuples(day), day
        assert units_on(graph, day) == answers.unit_tuples(day), day  # its dated statements hold on the day
        assert rows(graph, POSTS_OF_A_SNAPSHOT) == {
            (p["id"], p["title"], p["unitId"], str(p["director"]).lower())
            for u in units
            for p in u["positions"]
        }, day
        # A snapshot carries no change events, and says which day it shows.
        assert not list(graph.subjects(RDF.type, ORG.ChangeEvent))
        assert (URIRef(f"{BASE}register"), opendata.VOCAB.asOf, Literal(day)) in graph


# --- changes -----------------------------------------------------------------------------------


def test_sparql_gives_each_merge_split_and_spin_off_the_original_and_resulting_units_of_graphql(
    history: Graph, answers: GraphQLAnswers
) -> None:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"original": set(), "resulting": set()})
    for change_id, role, key in rows(history, ORIGINAL_AND_RESULTING):
        found[change_id][role].add(key)
    checked = []
    for c in answers.changes:
        if c["type"] not in RESTRUCTURING or c["cancelled"]:
            continue
        day = date.fromisoformat(c["effective"])
        before = {u["id"] for u in answers.units(day - timedelta(days=1))}
        after = {u["id"] for u in answers.units(day)}
        # GraphQL: the units the change touches that were in effect just before it, and right after it.
        expected = {
            "original": {u for u in c["unitIds"] if u in before},
            "resulting": {u for u in c["unitIds"] if u in after},
        }
        assert found[c["id"]] == expected, c["id"]
        checked.append(c)

    merges = [c for c in checked if c["type"] == "merge_units"]
    assert {"merge_units", "split_unit", "spin_off_unit", "dissolve_unit"} <= {c["type"] for c in checked}
    # Both kinds of merge: into a new unit, and into one of the merged units.
    assert any(set(found[c["id"]]["resulting"]) <= found[c["id"]]["original"] for c in merges)
    assert any(not found[c["id"]]["resulting"] & found[c["id"]]["original"] for c in merges)


def test_predecessors_are_those_of_graphql(
    history: Graph, client: TestClient, answers: GraphQLAnswers
) -> None:
    expected = set()
    for key, unit in answers.every_unit().items():
        data = graphql(
            client,
            "query ($id: ID!, $d: Date!) { unit(id: $id, asOf: $d) { predecessors } }",
            id=key,
            d=unit["validFrom"],
        )
        expected |= {(key, p) for p in data["unit"]["predecessors"]}

    assert expected
    assert rows(history, REPLACES) == expected


def test_every_change_event_has_graphqls_dates_and_decision(history: Graph, answers: GraphQLAnswers) -> None:
    events = {row[0]: row for row in history.query(CHANGE_EVENTS)}
    happened = [
        c
        for c in answers.changes
        if not c["cancelled"] and c["type"] not in ("cancel_change", "correct_change")
    ]

    assert set(map(str, events)) == {c["id"] for c in happened}
    decisions: dict[tuple, set[Any]] = defaultdict(set)
    for c in happened:
        _, effective, started, recorded, body, decided, paragraph, case, node = events[Literal(c["id"])]
        assert effective.toPython() == date.fromisoformat(c["effective"]), c["id"]
        assert started.toPython() == datetime.combine(date.fromisoformat(c["effective"]), datetime.min.time())
        assert recorded.toPython() == datetime.fromisoformat(c["recordedAt"]), c["id"]
        decision = c["decision"] or {}
        assert (_str(body), _str(decided), _str(paragraph), _str(case)) == (
            decision.get("body"),
            decision.get("date"),
            decision.get("paragraph"),
            decision.get("reference"),
        ), c["id"]
        if decision.get("body") and decision.get("date") and decision.get("paragraph"):
            decisions[(decision["body"], decision["date"], decision["paragraph"])].add(node)
    # A decision is one resource, shared by every change it decided.
    assert all(len(nodes) == 1 for nodes in decisions.values())
    assert len({n for nodes in decisions.values() for n in nodes}) == len(decisions)
    assert len(decisions) < sum(1 for c in happened if c["decision"] and c["decision"]["paragraph"])


def assert_cited_with_the_bodys_name_of_that_day(graph: Graph, client: TestClient) -> None:
    citations = rows(graph, CITATIONS)

    assert citations
    for body, decided, paragraph, citation, who in citations:
        versions = graphql(
            client, "query ($id: ID!) { unitHistory(id: $id) { validFrom validTo name } }", id=body
        )["unitHistory"]
        # The body's name on the day it decided (or its first one, if the register starts later).
        name = next(
            (v["name"] for v in versions if v["validFrom"] <= decided and (v["validTo"] or "9") > decided),
            versions[0]["name"] if versions else body,
        )
        assert citation == f"{name} {decided} {paragraph}"
        assert who == (body if versions else None)


def test_decisions_are_cited_with_the_bodys_name_of_that_day(history: Graph, client: TestClient) -> None:
    assert_cited_with_the_bodys_name_of_that_day(history, client)


def test_a_decision_of_a_body_renamed_since_is_cited_with_its_name_then(
    app: OrgChange, database_url: str
) -> None:
    decision = {"body": "ks", "date": "2013-02-11", "paragraph": "§ 53", "reference": "KS 2013/1"}
    app.record_changes(base_organisation(), "test")
    app.record_changes(
        [
            change(
                "rename_unit", id="r1", effective="2013-03-01", unit="kfv", name="Kultur", decision=decision
            ),
            change("rename_unit", id="r2", effective="2015-01-01", unit="ks", name="Stadsstyrelsen"),
        ],
        "test",
    )
    with _service(app, database_url) as service:
        graph = parse(service.get("/opendata/register.ttl").content, "turtle")
        assert_cited_with_the_bodys_name_of_that_day(graph, service)


def test_cancelled_changes_are_not_events_and_name_their_cancellation(
    history: Graph, answers: GraphQLAnswers
) -> None:
    expected = {(c["id"], c["cancelledBy"]) for c in answers.changes if c["cancelled"]}

    assert expected
    assert rows(history, CANCELLATIONS) == expected
    cancellations = {
        c["id"]: c["cancels"] for c in answers.changes if c["type"] in ("cancel_change", "correct_change")
    }
    assert {(cancels, by) for by, cancels in cancellations.items()} == expected


def test_companies_have_their_owner_and_no_parent(history: Graph, answers: GraphQLAnswers) -> None:
    companies = {k: u for k, u in answers.every_unit().items() if u["kind"] == "company"}

    assert companies
    for key, unit in companies.items():
        node = URIRef(f"{BASE}unit/{key}")
        assert (node, RDF.type, ORG.FormalOrganization) in history
        assert set(history.objects(node, opendata.VOCAB.ownedBy)) == {URIRef(f"{BASE}unit/{unit['ownerId']}")}
        assert set(history.objects(node, ORG.linkedTo)) == {URIRef(f"{BASE}unit/{unit['ownerId']}")}
        assert (node, ORG.subOrganizationOf, None) not in history  # the owner is not the line hierarchy


# --- as the register knew it ---------------------------------------------------------------------


def test_known_at_shows_what_the_register_believed(app: OrgChange, database_url: str) -> None:
    app.record_changes(base_organisation(), "test")
    app.record_changes(
        [change("rename_unit", id="r1", effective="2013-01-01", unit="kfv", name="Kultur")], "test"
    )
    app.record_changes([change("cancel_change", id="c1", change="r1", reason="fel")], "test")
    day = date(2013, 6, 1)

    with _service(app, database_url) as service:
        believed_at = graphql(service, '{ change(id: "r1") { recordedAt } }')["change"]["recordedAt"]
        then = parse(service.get("/opendata/register.ttl", params={"knownAt": believed_at}).content, "turtle")
        now = parse(service.get("/opendata/register.ttl").content, "turtle")
        units_then = graphql(service, ORGANISATION, asOf=day.isoformat(), knownAt=believed_at)["organisation"]
        units_now = graphql(service, ORGANISATION, asOf=day.isoformat())["organisation"]

    assert units_on(then, day) == {
        (u["id"], u["name"], u["kind"], u["parentId"], u["ownerId"]) for u in units_then["units"]
    }
    assert units_on(now, day) == {
        (u["id"], u["name"], u["kind"], u["parentId"], u["ownerId"]) for u in units_now["units"]
    }
    assert units_on(then, day) != units_on(now, day)  # the rename was believed, then cancelled
    change_uri = URIRef(f"{BASE}change/r1")
    assert (change_uri, RDF.type, ORG.ChangeEvent) in then
    assert (change_uri, RDF.type, opendata.VOCAB.CancelledChange) in now


def test_an_empty_register_exports_an_empty_organisation(app: OrgChange, database_url: str) -> None:
    with _service(app, database_url) as service:
        turtle = parse(service.get("/opendata/register.ttl").content, "turtle")
        popolo = service.get("/opendata/popolo.json").json()

    assert not list(turtle.subjects(RDF.type, ORG.Organization))
    assert popolo == {"organizations": [], "posts": []}


# --- Popolo ------------------------------------------------------------------------------------------


def _name_periods(versions: list[dict]) -> list[dict]:
    """GraphQL's unit history as Popolo other_names: adjacent versions with one name are one period."""
    periods: list[dict] = []
    for v in versions:
        if periods and periods[-1]["name"] == v["name"] and periods[-1]["end_date"] == v["validFrom"]:
            periods[-1]["end_date"] = v["validTo"]
        else:
            periods.append({"name": v["name"], "start_date": v["validFrom"], "end_date": v["validTo"]})
    return periods


def test_popolo_organizations_are_graphqls_units_with_their_history(
    client: TestClient, answers: GraphQLAnswers
) -> None:
    document = client.get("/opendata/popolo.json").json()
    organizations = {o["id"]: o for o in document["organizations"]}
    units = answers.every_unit()

    assert set(organizations) == set(units)
    renamed = 0
    for key, unit in units.items():
        history = graphql(
            client,
            "query ($id: ID!) { unitHistory(id: $id) { validFrom validTo name kind parentId ownerId } }",
            id=key,
        )["unitHistory"]
        latest = history[-1]
        organization = organizations[key]
        assert organization["founding_date"] == unit["validFrom"], key
        assert organization["dissolution_date"] == unit["validTo"], key
        assert organization["name"] == latest["name"], key
        assert organization["classification"] == latest["kind"], key
        assert organization["parent_id"] == (latest["parentId"] or latest["ownerId"]), key
        assert organization["other_names"] == _name_periods(history), key
        assert organization["links"][0]["url"] == f"{BASE}unit/{key}"
        renamed += len(organization["other_names"]) > 1
    assert renamed  # the sample renames units


def test_popolo_as_of_a_day_is_graphqls_organisation(client: TestClient, answers: GraphQLAnswers) -> None:
    day = answers.effective_days()[len(answers.effective_days()) // 2]
    document = client.get("/opendata/popolo.json", params={"asOf": day.isoformat()}).json()
    units = {u["id"]: u for u in answers.units(day)}

    assert [o["id"] for o in document["organizations"]] == sorted(units)
    for organization in document["organizations"]:
        unit = units[organization["id"]]
        assert (organization["name"], organization["classification"]) == (unit["name"], unit["kind"])
        assert organization["parent_id"] == (unit["parentId"] or unit["ownerId"])
        assert [n["name"] for n in organization["other_names"]] == [unit["name"]]
    assert {(p["id"], p["label"], p["organization_id"], p["role"]) for p in document["posts"]} == {
        (p["id"], p["title"], p["unitId"], "director" if p["director"] else None)
        for u in units.values()
        for p in u["positions"]
    }


# --- the HTTP routes ------------------------------------------------------------------------------

ROUTES = ("/opendata/register.ttl", "/opendata/register.jsonld", "/opendata/popolo.json")


def test_bad_parameters_are_plain_422s(client: TestClient) -> None:
    for path in ROUTES:
        for params, words in (
            ({"asOf": "1 mars"}, "'asOf': not a date written YYYY-MM-DD"),
            ({"asOf": "2017-02-30"}, "'asOf': not a calendar date"),
            ({"knownAt": "2017-01-01T00:00:00"}, "'knownAt': an instant needs a time zone"),
        ):
            response = client.get(path, params=params)
            assert response.status_code == 422, (path, params)
            assert response.json()["detail"].startswith(words), (path, response.json())


def test_the_routes_need_a_token_when_reads_are_not_public(
    sample_app: OrgChange, module_database_url: str
) -> None:
    with _service(sample_app, module_database_url, public_read=False) as service:
        for path in ROUTES:
            response = service.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"


def test_the_uri_base_is_the_servers(sample_app: OrgChange, module_database_url: str) -> None:
    base = "https://data.nacka.se/organisation"
    with _service(sample_app, module_database_url, uri_base=base) as service:
        graph = parse(service.get("/opendata/register.ttl", params={"asOf": "2017-03-01"}).content, "turtle")
        popolo = service.get("/opendata/popolo.json", params={"asOf": "2017-03-01"}).json()
    with _service(sample_app, module_database_url, uri_base="data.nacka.se") as service:
        misconfigured = service.get("/opendata/popolo.json")

    units = set(graph.subjects(RDF.type, ORG.Organization))
    assert units and all(str(u).startswith(f"{base}/unit/") for u in units)
    assert all(o["links"][0]["url"].startswith(f"{base}/unit/") for o in popolo["organizations"])
    assert misconfigured.status_code == 500
    assert "ORGCHANGE_URI_BASE" in misconfigured.json()["detail"]


def test_openapi_documents_the_routes_and_their_media_types(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    for path, media_type in zip(
        ROUTES, ("text/turtle", "application/ld+json", "application/json"), strict=True
    ):
        operation = paths[path]["get"]
        assert media_type in operation["responses"]["200"]["content"], path
        assert "422" in operation["responses"], path
        assert {p["name"] for p in operation["parameters"]} == {"asOf", "knownAt"}, path


def test_odd_change_ids_make_valid_uris() -> None:
    uris = opendata.Uris(BASE)

    assert uris.change("KS 2017/1 §3") == URIRef(f"{BASE}change/KS%202017%2F1%20%C2%A73")
    assert uris.interval(date(2017, 1, 1), None) == URIRef(f"{BASE}interval/2017-01-01/open")
    assert opendata.uri_base("https://x.example/a#") == "https://x.example/a#"
    for bad in ("data.nacka.se", "ftp://data.nacka.se/", "https://data nacka.se/", "https:///x"):
        with pytest.raises(ValueError, match="URI base"):
            opendata.uri_base(bad)


# --- the command line ---------------------------------------------------------------------------


def orgchange(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "ORGCHANGE_URI_BASE"}
    environment.update(ORGCHANGE_DATABASE_URL=database_url, ORGCHANGE_USER="test", **env)
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, env=environment, timeout=120
    )


def test_the_command_line_exports_what_the_service_serves(
    client: TestClient, module_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "register.jsonld"
    jsonld = orgchange(module_database_url, "export", "--format", "jsonld", "-o", str(output))
    popolo = orgchange(module_database_url, "export", "--format", "popolo", "--as-of", "2017-03-01")

    assert jsonld.returncode == 0, jsonld.stderr
    served = parse(client.get("/opendata/register.jsonld").content, "json-ld")
    assert isomorphic(parse(output.read_bytes(), "json-ld"), served)
    assert popolo.returncode == 0, popolo.stderr
    assert (
        json.loads(popolo.stdout) == client.get("/opendata/popolo.json", params={"asOf": "2017-03-01"}).json()
    )


def test_the_command_line_takes_the_uri_base_from_the_environment_or_an_option(
    module_database_url: str,
) -> None:
    from_env = orgchange(
        module_database_url,
        "export",
        "--format",
        "turtle",
        "--as-of",
        "2017-03-01",
        ORGCHANGE_URI_BASE="https://data.nacka.se/org",
    )
    from_option = orgchange(
        module_database_url,
        "export",
        "--format",
        "turtle",
        "--as-of",
        "2017-03-01",
        "--base-uri",
        "https://data.nacka.se/org/",
        ORGCHANGE_URI_BASE="https://elsewhere.example/",
    )

    assert from_env.returncode == 0, from_env.stderr
    assert from_env.stdout == from_option.stdout
    units = set(parse(from_env.stdout, "turtle").subjects(RDF.type, ORG.Organization))
    assert units and all(str(u).startswith("https://data.nacka.se/org/unit/") for u in units)


def test_the_command_line_refuses_bad_input_plainly(module_database_url: str) -> None:
    for args, env, words in (
        (["--format", "turtle", "--as-of", "1 mars"], {}, "not a date written YYYY-MM-DD: 1 mars"),
        (["--format", "popolo", "--known-at", "2017-01-01T00:00"], {}, "needs a time zone"),
        (
            ["--format", "yaml", "--as-of", "2017-03-01"],
            {},
            "--as-of: only with --format jsonld|turtle|popolo",
        ),
        (["--format", "jsonld", "--base-uri", "data.nacka.se"], {}, "must be an absolute http(s) URI"),
        (["--format", "jsonld"], {"ORGCHANGE_URI_BASE": "ftp://x"}, "ORGCHANGE_URI_BASE"),
        (["--format", "rdfxml"], {}, "'rdfxml' is not one of"),
    ):
        result = orgchange(module_database_url, "export", *args, **env)
        stderr = result.stderr.decode()
        assert result.returncode == 2, (args, stderr)
        assert words in stderr, (args, stderr)
        assert "Traceback" not in stderr
