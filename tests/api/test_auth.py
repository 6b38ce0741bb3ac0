"""Tokens and access (docs/http.md#who-may-read-and-write): public reads, writes for registrars and admins only."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from orgchange.application.tokens import TokenError, api_tokens, create_token, list_tokens, revoke_token

from .conftest import Api, Tokens

EMPTY_FILE = "format: orgchange/v1\nchanges: []\n"
MUTATION = 'mutation { recordChanges(file: {format: "orgchange/v1", changes: []}) }'
QUERY = '{ organisation(asOf: "2017-03-01") { roots { id } } }'


def test_writing_without_a_valid_token_is_401(api: Api, tokens: Tokens) -> None:
    for token in (None, "not-a-token", "oc_0000000000000000_guess", tokens.registrar + "x"):
        response = api.post_changes(EMPTY_FILE, token)
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == "Bearer"


def test_writing_with_a_reader_token_is_403(api: Api, tokens: Tokens) -> None:
    response = api.post_changes(EMPTY_FILE, tokens.reader)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "recording changes needs a registrar's or an admin's token",
        "code": "FORBIDDEN",
    }


def test_registrar_and_admin_may_write(api: Api, tokens: Tokens) -> None:
    assert api.post_changes(EMPTY_FILE, tokens.registrar).status_code == 200
    assert api.post_changes(EMPTY_FILE, tokens.admin).status_code == 200


def test_a_revoked_token_no_longer_writes(api: Api, tokens: Tokens) -> None:
    assert revoke_token(api.orgchange, "registratorn") is True
    assert revoke_token(api.orgchange, "registratorn") is False

    assert api.post_changes(EMPTY_FILE, tokens.registrar).status_code == 401
    assert api.post_changes(EMPTY_FILE, tokens.admin).status_code == 200


def test_mutations_need_a_registrar_or_admin(api: Api, tokens: Tokens) -> None:
    anonymous = api.graphql(MUTATION)
    reader = api.graphql(MUTATION, token=tokens.reader)
    registrar = api.graphql(MUTATION, token=tokens.registrar)

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert anonymous.json()["data"] is None
    assert reader.status_code == 403
    assert reader.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert registrar.status_code == 200
    assert registrar.json() == {"data": {"recordChanges": []}}


def test_reads_are_public_by_default(api: Api) -> None:
    response = api.graphql(QUERY)

    assert response.status_code == 200
    assert response.json()["data"]["organisation"]["roots"] == [{"id": "kf"}]
    assert api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"}).status_code == 200


def test_reads_need_a_token_when_not_public(demo_app, make_api, tokens: Tokens) -> None:
    api = make_api(demo_app, public_read=False)

    anonymous = api.graphql(QUERY)
    wrong = api.graphql(QUERY, token="oc_0_nothing")
    reader = api.graphql(QUERY, token=tokens.reader)
    via_get = api.client.get("/graphql", params={"query": QUERY})
    diagram = api.client.get("/diagrams/orgchart.dot", params={"asOf": "2017-03-01"})
    diagram_with_token = api.client.get(
        "/diagrams/orgchart.dot",
        params={"asOf": "2017-03-01"},
        headers={"Authorization": f"Bearer {tokens.reader}"},
    )

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert via_get.status_code == 401
    assert reader.status_code == 200
    assert reader.json()["data"]["organisation"]["roots"] == [{"id": "kf"}]
    assert diagram.status_code == 401
    assert diagram_with_token.status_code == 200
    # Neither the GraphiQL page (it holds no data) nor the health check needs a token.
    assert api.client.get("/graphql", headers={"accept": "text/html"}).status_code == 200
    assert api.client.get("/health").status_code == 200
    # Writes are as before.
    assert api.post_changes(EMPTY_FILE, tokens.reader).status_code == 403
    assert api.post_changes(EMPTY_FILE, tokens.registrar).status_code == 200


def test_only_a_hash_of_the_token_is_stored(app, tokens: Tokens) -> None:
    with app.engine.connect() as connection:
        rows = connection.execute(select(api_tokens)).mappings().all()

    stored = {row["name"]: row for row in rows}
    registrar = stored["registratorn"]
    assert registrar["role"] == "registrar"
    assert registrar["secret_hash"] == hashlib.sha256(tokens.registrar.encode()).hexdigest()
    for row in rows:
        for value in row.values():
            assert tokens.registrar not in str(value)
            assert tokens.registrar.split("_", 2)[2] not in str(value)


def test_tokens_are_listed_without_secrets(app, tokens: Tokens) -> None:
    revoke_token(app, "läsaren")

    listed = {t.name: t for t in list_tokens(app)}

    assert set(listed) == {"läsaren", "registratorn", "admin"}
    assert listed["läsaren"].revoked_at is not None
    assert listed["admin"].revoked_at is None
    assert listed["admin"].role == "admin"
    assert not any(hasattr(t, "secret_hash") or hasattr(t, "token") for t in listed.values())


def test_token_names_and_roles_are_checked(app, tokens: Tokens) -> None:
    with pytest.raises(TokenError, match="a token named 'admin' already exists"):
        create_token(app, "admin", "admin")
    with pytest.raises(TokenError, match="unknown role 'owner'; use one of: reader, registrar, admin"):
        create_token(app, "someone", "owner")
    with pytest.raises(TokenError, match="needs a name"):
        create_token(app, "   ", "reader")
    # After revocation the name can be given to a new token (rotation).
    revoke_token(app, "admin")
    assert create_token(app, "admin", "admin") != tokens.admin


def test_orgchange_public_read_false_in_the_environment(
    demo_app, database_url, monkeypatch, tokens: Tokens
) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from orgchange.application.config import Settings

    monkeypatch.setenv("ORGCHANGE_PUBLIC_READ", "false")
    settings = Settings(database_url=database_url)  # everything else from the environment

    with TestClient(create_app(settings, demo_app), headers={"Accept-Language": "en"}) as client:
        anonymous = client.post("/graphql", json={"query": QUERY})
        reader = client.post(
            "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {tokens.reader}"}
        )

    assert settings.public_read is False
    assert anonymous.status_code == 401
    assert reader.status_code == 200
