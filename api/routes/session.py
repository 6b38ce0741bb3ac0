"""`/session`: the web page signs in, asks who is signed in, and signs out (docs/http.md#sessions-and-csrf).

`POST /session` takes `{"token": "…"}`, an API token, and answers with a session
cookie (HttpOnly, SameSite=Strict, Secure when served over HTTPS) and the session's
anti-CSRF token, which the page sends back in `X-CSRF-Token` on every write. Without
a token, a request from a trusted proxy that names its user (`ORGCHANGE_USER_HEADER`)
signs that user in: a municipality's single sign-on in front of the service. Failed
attempts are bounded per client address (429 with Retry-After).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from orgchange.application.sessions import Identity, create_session, end_session, find_session
from orgchange.application.tokens import Role, identify
from orgchange.domain.messages import text
from orgchange.domain.text import refused

from ..dependencies import OrgChangeDep, SettingsDep
from ..params import DATABASE_RETRY
from ..sessions import (
    SESSION_COOKIE,
    AttemptLimit,
    Refusal,
    client_address,
    from_trusted_proxy,
    is_https,
    lifetime,
    refuse_cross_site,
)

router = APIRouter(tags=["session"])

SIGN_IN_REFUSED = "SIGN_IN_REFUSED"
SIGN_IN_MALFORMED = "SIGN_IN_MALFORMED"
MAX_SIGN_IN_BYTES = 1_024


class SignedIn(BaseModel):
    signedIn: bool = Field(description="Whether a live session goes with the request.")
    name: str | None = Field(
        default=None, description="Who is signed in: the token's name, or the user the proxy named."
    )
    role: str | None = Field(default=None, description="reader, registrar or admin.")
    csrfToken: str | None = Field(
        default=None, description="Send it as `X-CSRF-Token` with every write made with the session cookie."
    )


def _limit(request: Request) -> AttemptLimit:
    app = request.app
    limit = getattr(app.state, "sign_in_limit", None)
    if limit is None:
        settings = app.state.settings
        limit = app.state.sign_in_limit = AttemptLimit(
            settings.sign_in_attempts, settings.sign_in_window_seconds
        )
    return limit


async def _token_of(request: Request) -> str | None:
    body = await request.body()
    if not body.strip():
        return None
    if len(body) > MAX_SIGN_IN_BYTES:
        raise Refusal(422, text(SIGN_IN_MALFORMED))
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or set(data) - {"token"}:
        raise Refusal(422, text(SIGN_IN_MALFORMED))
    token = data.get("token")
    if token is None:
        return None
    if not isinstance(token, str):
        raise Refusal(422, text("SIGN_IN_MALFORMED:text"))
    return token.strip()


def _identity_from_proxy(request: Request, settings: Any) -> Identity | None:
    """The user a trusted proxy names in `ORGCHANGE_USER_HEADER`; None from any other address."""
    if not settings.user_header or not from_trusted_proxy(request, settings):
        return None
    name = request.headers.get(settings.user_header, "").strip()
    if not name or len(name) > 200 or refused(name) is not None:
        return None
    role_text = request.headers.get(settings.user_role_header, "") if settings.user_role_header else ""
    try:
        role = Role((role_text or settings.user_default_role).strip().lower())
    except ValueError:
        raise Refusal(403, text("SIGN_IN_REFUSED:role")) from None
    return Identity(name, role, "header")


@router.post(
    "/session",
    response_model=SignedIn,
    summary="Sign the web page in",
    responses={
        401: {
            "description": "Not a valid, active token, and no trusted proxy named a user (SIGN_IN_REFUSED)."
        },
        403: {"description": "The request came from another site, or the proxy gave an unknown role."},
        422: {"description": 'The body is not {"token": "…"} (SIGN_IN_MALFORMED).'},
        429: {"description": "Too many attempts from the address (SIGN_IN_LIMITED); see Retry-After."},
    },
    # Read by the route itself, so that a malformed body gets the sign-in's own code.
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"token": {"type": "string", "description": "An API token."}},
                        "additionalProperties": False,
                    }
                }
            },
        }
    },
)
async def sign_in(
    request: Request,
    response: Response,
    orgchange: OrgChangeDep,
    settings: SettingsDep,
) -> SignedIn:
    """`{"token": "…"}` signs in with an API token; without one, a trusted proxy's user signs in."""
    refuse_cross_site(request, settings)
    limit, address = _limit(request), client_address(request, settings)
    limit.check(address)
    token = await _token_of(request)
    identity: Identity | None
    try:
        if token:
            found = await run_in_threadpool(identify, orgchange.engine, token)
            identity = None if found is None else Identity(found[0].name, found[0].role, "token", found[1])
        else:
            identity = _identity_from_proxy(request, settings)
        if identity is None:
            limit.failed(address)
            raise Refusal(status.HTTP_401_UNAUTHORIZED, text(SIGN_IN_REFUSED))
        session_id, csrf = await run_in_threadpool(create_session, orgchange.engine, identity)
    except SQLAlchemyError:
        # Signing in records no change: the one who signs in is told to try again, as a read is.
        raise Refusal(503, text("DATABASE_UNAVAILABLE:read"), DATABASE_RETRY) from None
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=settings.session_max_hours * 3600,
        path="/",
        secure=is_https(request, settings),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return SignedIn(signedIn=True, name=identity.name, role=identity.role.value, csrfToken=csrf)


@router.get("/session", response_model=SignedIn, summary="Who is signed in")
async def who(
    request: Request, response: Response, orgchange: OrgChangeDep, settings: SettingsDep
) -> SignedIn:
    response.headers["Cache-Control"] = "no-store"
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return SignedIn(signedIn=False)
    session = await run_in_threadpool(find_session, orgchange.engine, cookie, lifetime(settings))
    if session is None:
        return SignedIn(signedIn=False)
    return SignedIn(
        signedIn=True, name=session.caller.name, role=session.caller.role.value, csrfToken=session.csrf_token
    )


@router.delete("/session", status_code=204, summary="Sign out")
async def sign_out(request: Request, orgchange: OrgChangeDep, settings: SettingsDep) -> Response:
    """Ends the session (Logga ut) and clears the cookie; signing out twice is no error."""
    refuse_cross_site(request, settings)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(end_session, orgchange.engine, cookie)
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=is_https(request, settings), httponly=True, samesite="strict"
    )
    return response
