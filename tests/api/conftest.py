"""Fixtures for the API tests: the real FastAPI app over the real databases.

Every test here runs on SQLite and on PostgreSQL through the shared
`database_url`/`app`/`demo_app` fixtures of tests/conftest.py, and talks to the
service through the HTTP stack (FastAPI's TestClient), with the app's start-up
(table creation, catch-up) run by entering the client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.config import Settings
from orgchange.application.tokens import create_token

SAMPLE_ORGANISATION_ON_2017_03_01 = 37  # units in effect in the Nacka sample that day


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "public_read": True}
    values.update(overrides)
    return Settings(**values)


@dataclass
class Api:
    """A TestClient with small helpers for GraphQL and tokens."""

    client: TestClient
    orgchange: OrgChange

    def graphql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        """The full response (status and JSON body), for tests about errors and status codes."""
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        return self.client.post("/graphql", json=payload, headers=_auth(token))

    def data(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None):
        """`data` of a query that must succeed."""
        response = self.graphql(query, variables, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def errors(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None):
        """`errors` of a query that must fail."""
        body = self.graphql(query, variables, token).json()
        assert body.get("errors"), body
        return body["errors"]

    def post_changes(self, content: bytes | str, token: str | None, media_type: str = "application/yaml"):
        headers = {"content-type": media_type, **_auth(token)}
        return self.client.post("/changes", content=content, headers=headers)

    def event_count(self) -> int:
        return self.client.get("/health").json()["events"]


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def make_api(database_url: str) -> Iterator[Callable[..., Api]]:
    """Start the service over a given OrgChange, with settings overridden as asked."""
    clients: list[TestClient] = []

    def start(orgchange: OrgChange, **settings: Any) -> Api:
        # The tests state the API's reasons in English; Swedish, the default, is tested in
        # tests/api/test_languages.py.
        client = TestClient(
            create_app(settings_for(database_url, **settings), orgchange), headers={"Accept-Language": "en"}
        )
        client.__enter__()
        clients.append(client)
        return Api(client, orgchange)

    yield start
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(demo_app: OrgChange, make_api: Callable[..., Api]) -> Api:
    """The service over the Nacka sample, with public reads."""
    return make_api(demo_app)


@pytest.fixture
def empty_api(app: OrgChange, make_api: Callable[..., Api]) -> Api:
    """The service over an empty register."""
    return make_api(app)


@dataclass(frozen=True)
class Tokens:
    reader: str
    registrar: str
    admin: str


@pytest.fixture
def tokens(app: OrgChange) -> Tokens:
    """One token per role, named after the role: 'läsaren', 'registratorn', 'admin'."""
    return Tokens(
        reader=create_token(app, "läsaren", "reader"),
        registrar=create_token(app, "registratorn", "registrar"),
        admin=create_token(app, "admin", "admin"),
    )
