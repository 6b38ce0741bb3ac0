"""FastAPI dependencies: the application's services, and who is calling.

Access rules (docs/http.md#who-may-read-and-write): reads are public unless `public_read` is off,
then any valid token will do; writes always need a registrar's or an admin's
token — 401 without a valid token, 403 with a reader's.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from orgchange.application import OrgChange
from orgchange.application.config import Settings
from orgchange.application.drafts import Drafts
from orgchange.application.sessions import csrf_matches, find_session
from orgchange.application.tokens import Caller, authenticate
from orgchange.domain.messages import Text, text
from projections.batches import BatchReader

from .observability import CALLER
from .params import DatabaseUnreachable, refusal
from .recording import ChangeRecorder
from .sessions import (
    CSRF_HEADER,
    CSRF_REFUSED,
    SAFE_METHODS,
    SESSION_COOKIE,
    Refusal,
    lifetime,
    refuse_cross_site,
)

log = logging.getLogger(__name__)

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API token, created with `orgchange token create NAME --role …`.",
)


# The services live on app.state (set up by create_app); reading them never blocks.
async def get_orgchange(request: Request) -> OrgChange:
    return request.app.state.orgchange


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_recorder(request: Request) -> ChangeRecorder:
    return request.app.state.recorder


async def get_reader(request: Request) -> BatchReader:
    return request.app.state.reader


async def get_drafts(request: Request) -> Drafts:
    return request.app.state.drafts


OrgChangeDep = Annotated[OrgChange, Depends(get_orgchange)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RecorderDep = Annotated[ChangeRecorder, Depends(get_recorder)]
ReaderDep = Annotated[BatchReader, Depends(get_reader)]
DraftsDep = Annotated[Drafts, Depends(get_drafts)]


async def current_caller(
    request: Request,
    orgchange: OrgChangeDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller | None:
    """The caller of a valid `Authorization: Bearer` token, else of a live session cookie, else None.

    A request with a bearer token is judged by the token alone, as API clients expect.
    One that rests on the session cookie and is not a read (any method but GET, HEAD,
    OPTIONS) must carry the session's anti-CSRF token and must not come from another
    site (api/sessions.py): else 403 CSRF_REFUSED, whatever it asked.

    Looking a token up is a database query, so it runs in the thread pool, off the
    event loop; a request without a token (most reads) does not wait for the pool.
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    if credentials is None and not cookie:
        return None
    try:
        if credentials is not None:
            caller = await run_in_threadpool(authenticate, orgchange.engine, credentials.credentials)
            session = None
        else:
            caller = None
            session = await run_in_threadpool(
                find_session, orgchange.engine, cookie or "", lifetime(settings)
            )
    except SQLAlchemyError:
        log.exception("looking up an API token or a session: the database cannot be used")
        raise DatabaseUnreachable() from None
    if session is not None:
        if request.method not in SAFE_METHODS:
            refuse_cross_site(request, settings)
            if not csrf_matches(session, request.headers.get(CSRF_HEADER)):
                raise Refusal(
                    status.HTTP_403_FORBIDDEN, text(CSRF_REFUSED, problem=text("CSRF_REFUSED:token"))
                )
        caller = session.caller
    if caller is not None:  # its name goes in the log line of a write (api/observability.py)
        request.scope[CALLER] = caller.name
    return caller


CallerDep = Annotated[Caller | None, Depends(current_caller)]


def unauthenticated(detail: Text) -> HTTPException:
    return refusal(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


NEED_TOKEN = text("UNAUTHENTICATED")
NEED_WRITER = text("FORBIDDEN")
NEED_READ_TOKEN = text("UNAUTHENTICATED:read")


async def require_writer(caller: CallerDep) -> Caller:
    if caller is None:
        raise unauthenticated(NEED_TOKEN)
    if not caller.can_write:
        raise refusal(status.HTTP_403_FORBIDDEN, NEED_WRITER)
    return caller


async def require_reader(caller: CallerDep, settings: SettingsDep) -> Caller | None:
    if caller is None and not settings.public_read:
        raise unauthenticated(NEED_READ_TOKEN)
    return caller


WriterDep = Annotated[Caller, Depends(require_writer)]
ReaderAccessDep = Annotated[Caller | None, Depends(require_reader)]
