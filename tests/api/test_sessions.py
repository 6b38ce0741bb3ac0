"""The web page's sign-in (docs/http.md#sessions-and-csrf): sessions, their cookie, and CSRF.

A cookie goes with every request a browser makes to this origin, whoever's page made
it; these tests are the ways another site could try to use a signed-in registrar's
cookie, and the ways a session ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.main import create_app
from api.sessions import AttemptLimit, Refusal
from orgchange.application import OrgChange
from orgchange.application.sessions import web_sessions
from orgchange.application.tokens import revoke_token

from .conftest import Api, Tokens, settings_for

EMPTY_FILE = "format: orgchange/v1\nchanges: []\n"
MUTATION = 'mutation { recordChanges(file: {format: "orgchange/v1", changes: []}) }'
ORIGIN = "http://testserver"


def sign_in(api: Api, token: str, **headers: str) -> dict[str, Any]:
    response = api.client.post("/session", json={"token": token}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def cookie_of(response: Any) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def write(api: Api, csrf: str | None = None, **headers: str) -> Any:
    sent = {"content-type": "application/yaml", **headers}
    if csrf is not None:
        sent["X-CSRF-Token"] = csrf
    return api.client.post("/changes", content=EMPTY_FILE, headers=sent)


def test_signing_in_with_a_token_sets_a_strict_httponly_cookie_and_says_who_and_what_role(
    empty_api: Api, tokens: Tokens
) -> None:
    response = empty_api.client.post("/session", json={"token": tokens.registrar})

    assert response.status_code == 200
    body = response.json()
    assert (body["signedIn"], body["name"], body["role"]) == (True, "registratorn", "registrar")
    morsel = cookie_of(response)["orgchange_session"]
    assert morsel["httponly"] and morsel["samesite"] == "strict" and morsel["path"] == "/"
    assert not morsel["secure"]  # served over plain HTTP here
    assert tokens.registrar not in response.headers["set-cookie"]
    who = empty_api.client.get("/session").json()
    assert (who["name"], who["role"], who["csrfToken"]) == ("registratorn", "registrar", body["csrfToken"])


def test_the_cookie_is_secure_under_https_and_behind_a_trusted_proxy_that_says_so(
    app: OrgChange, database_url: str, tokens: Tokens
) -> None:
    with TestClient(create_app(settings_for(database_url), app), base_url="https://testserver") as client:
        response = client.post("/session", json={"token": tokens.reader})
        assert cookie_of(response)["orgchange_session"]["secure"]
    settings = settings_for(database_url, trusted_proxies="10.0.0.0/8")
    for peer, secure in ((("10.1.2.3", 4000), True), (("192.0.2.9", 4000), False)):
        with TestClient(create_app(settings, app), client=peer) as client:
            response = client.post(
                "/session", json={"token": tokens.reader}, headers={"X-Forwarded-Proto": "https"}
            )
            assert bool(cookie_of(response)["orgchange_session"]["secure"]) is secure, peer


def test_nobody_is_signed_in_without_a_cookie_and_a_wrong_token_signs_nobody_in(
    empty_api: Api, tokens: Tokens
) -> None:
    assert empty_api.client.get("/session").json()["signedIn"] is False
    for token in ("oc_0000000000000000_guess", tokens.registrar + "x"):
        response = empty_api.client.post("/session", json={"token": token})
        assert response.status_code == 401
        assert response.json()["code"] == "SIGN_IN_REFUSED"
        assert "set-cookie" not in response.headers
    response = empty_api.client.post("/session", content=b"[1]", headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (422, "SIGN_IN_MALFORMED")


def test_signing_out_ends_the_session_on_the_server_not_only_in_the_browser(
    empty_api: Api, tokens: Tokens
) -> None:
    signed = sign_in(empty_api, tokens.registrar)
    stolen = empty_api.client.cookies.get("orgchange_session")

    assert empty_api.client.delete("/session").status_code == 204
    assert empty_api.client.get("/session").json()["signedIn"] is False
    empty_api.client.cookies.set("orgchange_session", stolen)  # the cookie, kept by someone
    assert write(empty_api, signed["csrfToken"]).status_code == 401


def test_a_page_write_with_the_session_and_its_csrf_token_is_recorded_as_the_tokens_name(
    empty_api: Api, tokens: Tokens
) -> None:
    signed = sign_in(empty_api, tokens.registrar)

    response = write(empty_api, signed["csrfToken"], Origin=ORIGIN, **{"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200, response.text
    mutation = empty_api.client.post(
        "/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": signed["csrfToken"]}
    )
    assert mutation.status_code == 200 and "errors" not in mutation.json(), mutation.text


def test_a_cross_site_write_carrying_a_valid_session_cookie_is_refused(
    empty_api: Api, tokens: Tokens
) -> None:
    signed = sign_in(empty_api, tokens.registrar)
    before = empty_api.event_count()
    attempts: list[Callable[[], Any]] = [
        lambda: write(empty_api),  # no proof at all, as a form on another site would send
        lambda: write(empty_api, "not-the-token"),
        lambda: write(empty_api, signed["csrfToken"][:-1]),
        lambda: write(empty_api, signed["csrfToken"], Origin="https://elak.example"),
        lambda: write(empty_api, signed["csrfToken"], **{"Sec-Fetch-Site": "cross-site"}),
        lambda: empty_api.client.post("/graphql", json={"query": MUTATION}),
        lambda: empty_api.client.post(
            "/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": "x", "Origin": "null"}
        ),
    ]
    for attempt in attempts:
        response = attempt()
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "CSRF_REFUSED"
    assert empty_api.event_count() == before


def test_a_bearer_token_writes_as_before_whatever_cookie_goes_with_it(empty_api: Api, tokens: Tokens) -> None:
    sign_in(empty_api, tokens.reader)
    response = write(empty_api, Authorization=f"Bearer {tokens.registrar}", Origin="https://elak.example")
    assert response.status_code == 200, response.text


def test_a_readers_session_may_not_write_even_with_its_csrf_token(empty_api: Api, tokens: Tokens) -> None:
    signed = sign_in(empty_api, tokens.reader)
    assert write(empty_api, signed["csrfToken"]).status_code == 403


def test_an_idle_session_ends_and_so_does_one_past_its_absolute_age(empty_api: Api, tokens: Tokens) -> None:
    engine = empty_api.orgchange.engine
    for column in ("last_seen_at", "created_at"):
        signed = sign_in(empty_api, tokens.registrar)
        long_ago = datetime.now(UTC) - (
            timedelta(minutes=31) if column == "last_seen_at" else timedelta(hours=13)
        )
        values = {column: long_ago} if column == "created_at" else {"last_seen_at": long_ago}
        with engine.begin() as connection:
            connection.execute(
                update(web_sessions).where(web_sessions.c.csrf_token == signed["csrfToken"]).values(**values)
            )
        assert empty_api.client.get("/session").json()["signedIn"] is False, column
        assert write(empty_api, signed["csrfToken"]).status_code == 401, column


def test_revoking_the_token_ends_its_sessions(empty_api: Api, tokens: Tokens) -> None:
    signed = sign_in(empty_api, tokens.registrar)
    assert revoke_token(empty_api.orgchange, "registratorn")
    assert empty_api.client.get("/session").json()["signedIn"] is False
    assert write(empty_api, signed["csrfToken"]).status_code == 401


def test_failed_sign_in_attempts_are_bounded_per_address(
    app: OrgChange, make_api: Callable[..., Api], tokens: Tokens
) -> None:
    api = make_api(app, sign_in_attempts=3, sign_in_window_seconds=600)
    for _ in range(4):  # signing in rightly counts for nothing
        assert api.client.post("/session", json={"token": tokens.reader}).status_code == 200
    for _ in range(3):
        assert api.client.post("/session", json={"token": "oc_0000000000000000_guess"}).status_code == 401
    for token in ("oc_0000000000000000_guess", tokens.reader):  # then not even the right token
        response = api.client.post("/session", json={"token": token})
        assert (response.status_code, response.json()["code"]) == (429, "SIGN_IN_LIMITED")
        assert 0 < int(response.headers["retry-after"]) <= 600


def test_a_trusted_proxys_user_header_signs_in_only_from_the_proxy(app: OrgChange, database_url: str) -> None:
    settings = settings_for(
        database_url,
        trusted_proxies="10.0.0.5, 192.168.0.0/24",
        user_header="X-Remote-User",
        user_role_header="X-Remote-Role",
    )
    sso = {"X-Remote-User": "anna.andersson", "X-Remote-Role": "registrar"}
    with TestClient(create_app(settings, app), client=("10.0.0.5", 5000)) as client:
        response = client.post("/session", headers=sso)
        assert response.status_code == 200, response.text
        assert (response.json()["name"], response.json()["role"]) == ("anna.andersson", "registrar")
    for peer in ("10.0.0.6", "203.0.113.7", "testclient"):
        with TestClient(create_app(settings, app), client=(peer, 5000)) as client:
            response = client.post("/session", headers={**sso, "X-Forwarded-For": "10.0.0.5"})
            assert response.status_code == 401, peer
            assert client.get("/session").json()["signedIn"] is False
            record = client.post(
                "/changes", content=EMPTY_FILE, headers={"content-type": "application/yaml", **sso}
            )
            assert record.status_code == 401, peer


def test_without_a_role_header_the_proxys_user_gets_the_default_role(
    app: OrgChange, database_url: str
) -> None:
    settings = settings_for(database_url, trusted_proxies="10.0.0.5", user_header="X-Remote-User")
    with TestClient(create_app(settings, app), client=("10.0.0.5", 5000)) as client:
        response = client.post("/session", headers={"X-Remote-User": "bo", "X-Remote-Role": "admin"})
        assert response.json()["role"] == "reader"


def test_failed_attempts_older_than_the_window_no_longer_count() -> None:
    limit = AttemptLimit(attempts=2, window=60)
    limit.failed("192.0.2.1", now=0)
    limit.failed("192.0.2.1", now=10)
    with pytest.raises(Refusal) as refused:
        limit.check("192.0.2.1", now=59)
    assert refused.value.headers["Retry-After"] == "2"
    limit.check("192.0.2.2", now=59)  # another address is not held back
    limit.check("192.0.2.1", now=61)  # the first failure has left the window


def test_a_session_in_use_does_not_idle_out(empty_api: Api, tokens: Tokens) -> None:
    signed = sign_in(empty_api, tokens.registrar)
    engine = empty_api.orgchange.engine
    mine = web_sessions.c.csrf_token == signed["csrfToken"]
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions).where(mine).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=29))
        )
    assert empty_api.client.get("/session").json()["signedIn"] is True  # used: its idle time starts again
    with engine.connect() as connection:
        seen = connection.execute(select(web_sessions.c.last_seen_at).where(mine)).scalar_one()
    assert datetime.now(UTC) - seen < timedelta(minutes=1)
