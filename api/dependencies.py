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
from orgchange.application.errors import DatabaseUnavailable
from orgchange.application.tokens import Caller, authenticate
from orgchange.domain.messages import Text, text
from projections.batches import BatchReader

from .params import refusal
from .recording import ChangeRecorder

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


OrgChangeDep = Annotated[OrgChange, Depends(get_orgchange)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RecorderDep = Annotated[ChangeRecorder, Depends(get_recorder)]
ReaderDep = Annotated[BatchReader, Depends(get_reader)]


async def current_caller(
    orgchange: OrgChangeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller | None:
    """The caller of a valid `Authorization: Bearer` token, else None.

    Looking a token up is a database query, so it runs in the thread pool, off the
    event loop; a request without a token (most reads) does not wait for the pool.
    """
    if credentials is None:
        return None
    try:
        return await run_in_threadpool(authenticate, orgchange.engine, credentials.credentials)
    except SQLAlchemyError:
        log.exception("looking up an API token: the database cannot be used")
        raise refusal(status.HTTP_503_SERVICE_UNAVAILABLE, text(DatabaseUnavailable.KEY)) from None


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
