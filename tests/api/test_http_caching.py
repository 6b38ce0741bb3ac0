"""HTTP caching of reads, on both databases: ETags from the register's position, 304, gzip.

docs/http.md#caching: a read's ETag is the read models' position and the request's
identity; a client that holds it is answered 304 with no body until the register
changes. docs/http.md#compression: text answers to reads are gzipped, PNGs and writes not.
"""

from __future__ import annotations

from .conftest import Api, Tokens

UNIT = 'query ($d: Date!) { unit(id: "ks", asOf: $d) { name } }'
KNOWN_AT = 'query ($d: Date!, $k: DateTime) { unit(id: "ks", asOf: $d, knownAt: $k) { name } }'
RENAME = (
    "format: orgchange/v1\nchanges:\n"
    "  - {id: etag-1, type: rename_unit, effective: 2019-01-01, unit: slk, name: Stadsledningen}\n"
)


def test_a_query_asked_again_with_its_etag_is_answered_304_without_a_body(api: Api) -> None:
    first = api.graphql(UNIT, {"d": "2017-03-01"})
    etag = first.headers["etag"]

    again = api.client.post(
        "/graphql", json={"query": UNIT, "variables": {"d": "2017-03-01"}}, headers={"if-none-match": etag}
    )

    assert first.status_code == 200 and etag.startswith('W/"')
    assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in again.headers


def test_other_variables_and_a_get_of_the_same_query_have_etags_of_their_own(api: Api) -> None:
    on_one_day = api.graphql(UNIT, {"d": "2017-03-01"}).headers["etag"]
    on_another = api.graphql(UNIT, {"d": "2018-03-01"}).headers["etag"]
    by_get = api.client.get("/graphql", params={"query": UNIT, "variables": '{"d": "2017-03-01"}'})

    assert on_one_day != on_another
    assert by_get.status_code == 200 and by_get.headers["etag"] not in (on_one_day, on_another)
    assert (
        api.client.get(
            "/graphql",
            params={"query": UNIT, "variables": '{"d": "2017-03-01"}'},
            headers={"if-none-match": by_get.headers["etag"]},
        ).status_code
        == 304
    )


def test_a_write_changes_every_etag_and_the_old_one_gets_the_whole_answer(api: Api, tokens: Tokens) -> None:
    before = api.graphql(UNIT, {"d": "2017-03-01"}).headers["etag"]
    diagram = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"})
    assert api.post_changes(RENAME, tokens.registrar).status_code == 200

    after = api.client.post(
        "/graphql", json={"query": UNIT, "variables": {"d": "2017-03-01"}}, headers={"if-none-match": before}
    )
    diagram_after = api.client.get(
        "/diagrams/orgchart.dot",
        params={"asOf": "2017-03-01"},
        headers={"if-none-match": diagram.headers["etag"]},
    )

    assert after.status_code == 200 and after.json()["data"]["unit"]["name"]
    assert after.headers["etag"] != before
    assert diagram_after.status_code == 200 and diagram_after.headers["etag"] != diagram.headers["etag"]


def test_a_known_at_query_has_an_etag_of_its_own_for_each_instant(api: Api) -> None:
    now = api.graphql(KNOWN_AT, {"d": "2017-03-01"}).headers["etag"]
    then = api.graphql(KNOWN_AT, {"d": "2017-03-01", "k": "2020-01-01T00:00:00+00:00"}).headers["etag"]
    later = api.graphql(KNOWN_AT, {"d": "2017-03-01", "k": "2021-01-01T00:00:00+00:00"}).headers["etag"]
    rest = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"}).headers["etag"]
    rest_then = api.client.get(
        "/diagrams/orgchart.dot", params={"asOf": "2017-03-01", "knownAt": "2020-01-01T00:00:00+00:00"}
    ).headers["etag"]

    assert len({now, then, later}) == 3
    assert rest != rest_then


def test_mutations_and_answers_kept_outside_the_events_get_no_etag(api: Api, tokens: Tokens) -> None:
    mutation = api.graphql(
        "mutation ($f: JSON!) { recordChanges(file: $f) }", {"f": RENAME}, tokens.registrar
    )
    outputs = api.graphql("{ staleOutputs { id } }")
    posted = api.client.post(
        "/changes",
        content=RENAME,
        headers={"content-type": "application/yaml", "authorization": f"Bearer {tokens.registrar}"},
    )

    for response in (mutation, outputs, posted):
        assert response.status_code == 200, response.text
        assert "etag" not in response.headers
        assert response.headers["cache-control"] == "no-store"


def test_reads_on_a_server_without_public_reads_are_private_and_carry_no_etag(
    demo_app, make_api, tokens: Tokens
) -> None:
    private = make_api(demo_app, public_read=False)
    auth = {"authorization": f"Bearer {tokens.reader}"}

    query = private.client.post(
        "/graphql", json={"query": UNIT, "variables": {"d": "2017-03-01"}}, headers=auth
    )
    diagram = private.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"}, headers=auth)

    for response in (query, diagram):
        assert response.status_code == 200
        assert "etag" not in response.headers
        assert response.headers["cache-control"] == "private, no-store"


def test_text_answers_to_reads_are_gzipped_and_pngs_and_writes_are_not(api: Api, tokens: Tokens) -> None:
    accept = {"accept-encoding": "gzip"}
    organisation = api.client.post(
        "/graphql",
        json={"query": '{ organisation(asOf: "2017-03-01") { units { id name kind } } }'},
        headers=accept,
    )
    svg = api.client.get("/diagrams/orgchart.svg", params={"asOf": "2017-03-01"}, headers=accept)
    png = api.client.get(
        "/diagrams/orgchart.png", params={"asOf": "2017-03-01", "root": "ks", "depth": 1}, headers=accept
    )
    write = api.client.post(
        "/changes?dryRun=true",
        content=RENAME,
        headers={"content-type": "application/yaml", "authorization": f"Bearer {tokens.registrar}", **accept},
    )

    assert organisation.headers["content-encoding"] == "gzip" and organisation.json()["data"]["organisation"]
    assert svg.headers["content-encoding"] == "gzip" and svg.text.lstrip().startswith("<")
    assert "accept-encoding" in organisation.headers["vary"].lower()
    assert png.status_code == 200 and "content-encoding" not in png.headers
    assert png.content.startswith(b"\x89PNG")
    assert write.status_code == 200 and "content-encoding" not in write.headers


def test_a_gzipped_answer_and_a_plain_one_are_the_same_answer_with_the_same_etag(api: Api) -> None:
    """The ETag is weak: the same answer, encoded otherwise, is not another version of it."""
    query = {"query": '{ organisation(asOf: "2017-03-01") { units { id name } } }'}
    zipped = api.client.post("/graphql", json=query, headers={"accept-encoding": "gzip"})
    plain = api.client.post("/graphql", json=query, headers={"accept-encoding": "identity"})

    assert zipped.headers["etag"] == plain.headers["etag"]
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == plain.json()


def test_the_page_and_its_files_are_revalidated_with_their_own_etags(api: Api) -> None:
    for path in ("/", "/static/app.js"):
        first = api.client.get(path)
        again = api.client.get(path, headers={"if-none-match": first.headers["etag"]})
        assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert again.status_code == 304 and again.content == b"", path


def test_a_read_sent_with_a_token_may_be_kept_by_the_browser_only(api: Api, tokens: Tokens) -> None:
    """A shared cache keeps nothing that was asked for with a token, even where reads are public."""
    signed = api.client.post(
        "/graphql",
        json={"query": UNIT, "variables": {"d": "2017-03-01"}},
        headers={"authorization": f"Bearer {tokens.reader}"},
    )
    anonymous = api.graphql(UNIT, {"d": "2017-03-01"})

    assert signed.headers["cache-control"] == "private, no-cache"
    assert signed.headers["etag"] == anonymous.headers["etag"]  # the same answer
