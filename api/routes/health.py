"""`GET /health`, `/health/live` and `/health/ready`: is the service up, and may it be asked?

* `/health/live`: the process answers (nothing else is looked at): restart it if not.
* `/health/ready`: the database answers, the read models reflect every event, and a
  server that writes has read the register in (`api/loading.py`): send it requests if
  so, else 503 with a code.
* `/health`: the status and the positions, for people and older probes.

Each reads at most two single rows by index (the last event's id, the read models'
position) and, for `/health`, the register's version: never a count over the
events. When reads are not public, the positions are not public either: a caller
without a valid token is told only the status.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from orgchange.application import OrgChange
from orgchange.application.tokens import authenticate
from orgchange.domain.messages import Text, text

from ..dependencies import OrgChangeDep, SettingsDep
from ..params import DATABASE_RETRY

router = APIRouter(tags=["service"])
log = logging.getLogger(__name__)


class Health(BaseModel):
    """The whole answer; on a server without public reads, only `status` without a valid token."""

    status: str = Field(description="'ok', or 'read models behind' until they catch up.")
    events: int = Field(description="The register's events (its version).")
    last_event_id: int = Field(serialization_alias="lastEventId")
    read_models_last_event_id: int = Field(serialization_alias="readModelsLastEventId")
    read_models_up_to_date: bool = Field(serialization_alias="readModelsUpToDate")


class HealthStatus(BaseModel):
    """The answer to a caller without a valid token, on a server without public reads."""

    status: str = Field(description="'ok', or 'read models behind' until they catch up.")


class Unavailable(BaseModel):
    status: str
    detail: str
    code: str = Field(
        description="DATABASE_UNAVAILABLE, READ_MODELS_BEHIND or REGISTER_LOADING "
        "(docs/errors.md#other-routes)."
    )


class Live(BaseModel):
    status: str = Field(description="Always 'ok': the process answers.")


class Ready(BaseModel):
    """The answer of a ready service; only `status` without a valid token when reads are not public."""

    status: str = Field(description="'ok'.")
    last_event_id: int | None = Field(default=None, serialization_alias="lastEventId")
    read_models_last_event_id: int | None = Field(default=None, serialization_alias="readModelsLastEventId")


DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
READ_MODELS_BEHIND = "READ_MODELS_BEHIND"
REGISTER_LOADING = "REGISTER_LOADING"
LOADING_WAIT_SECONDS = 1.0  # how long a readiness probe waits for the register being read in
UNREACHABLE = "DATABASE_UNAVAILABLE:unreachable"


def _unavailable(state: str, detail: Text) -> JSONResponse:
    return JSONResponse(
        {"status": state, "detail": detail.render(), "code": detail.code},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers=DATABASE_RETRY,
    )


@router.get(
    "/health/live",
    summary="Liveness",
    description="The process answers. Looks at nothing else (no database): for a liveness probe.",
    response_model=Live,
)
async def live() -> Live:
    return Live(status="ok")


@router.get(
    "/health/ready",
    summary="Readiness",
    description=(
        "The database answers, the read models reflect every event and (on a server that "
        "writes) the register is read in: 200. Otherwise 503 with `code` DATABASE_UNAVAILABLE, "
        "READ_MODELS_BEHIND or REGISTER_LOADING. Two rows read by index, no count. When reads "
        "are not public, the positions only with a valid token."
    ),
    response_model=Ready,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses={503: {"model": Unavailable, "description": "Not ready: the code says why."}},
)
async def ready(request: Request, orgchange: OrgChangeDep, settings: SettingsDep) -> Ready | JSONResponse:
    loop = asyncio.get_running_loop()
    try:
        last, projected = await loop.run_in_executor(HEALTH_THREADS, _two_positions, orgchange)
    except (SQLAlchemyError, PersistenceError):
        log.exception("readiness: the database cannot be reached")
        return _unavailable("unavailable", text(UNREACHABLE))
    if projected < last:
        return _unavailable("read models behind", text(READ_MODELS_BEHIND, projected=projected, last=last))
    # (a small register is read in within the second: a probe right after the start waits for it)
    loading = getattr(request.app.state, "register_loading", None)
    if (
        loading is not None
        and not loading.done.is_set()
        and not await loop.run_in_executor(HEALTH_THREADS, loading.wait, LOADING_WAIT_SECONDS)
    ):
        return _unavailable("register loading", text(REGISTER_LOADING, seconds=round(loading.seconds())))
    if not settings.public_read and not await loop.run_in_executor(
        HEALTH_THREADS, _has_valid_token, request, orgchange
    ):
        return Ready(status="ok")
    return Ready(status="ok", last_event_id=last, read_models_last_event_id=projected)


@router.head("/health/ready", include_in_schema=False)
async def ready_head(request: Request, orgchange: OrgChangeDep, settings: SettingsDep) -> Response:
    answer = await ready(request, orgchange, settings)
    return Response(status_code=answer.status_code if isinstance(answer, JSONResponse) else 200)


@router.get(
    "/health",
    summary="Service health",
    description=(
        "The status, and the event store's and read models' positions. When reads are not "
        "public (`ORGCHANGE_PUBLIC_READ=false`), a caller without a valid token gets only "
        '`{"status": "ok"}` (or the status the service is in).'
    ),
    response_model=Health | HealthStatus,
    response_model_by_alias=True,
    responses={503: {"model": Unavailable, "description": "The database cannot be reached."}},
)
async def health(
    request: Request, orgchange: OrgChangeDep, settings: SettingsDep
) -> Health | HealthStatus | JSONResponse:
    # Not in the shared thread pool, which documents and diagrams may keep busy: in two
    # threads of its own (no statement runs on the event loop). Its three queries each read
    # one row by index: no count over the events.
    loop = asyncio.get_running_loop()
    try:
        last, projected, events = await loop.run_in_executor(HEALTH_THREADS, _positions, orgchange)
    except (SQLAlchemyError, PersistenceError):  # the event store wraps the driver's errors
        log.exception("health check: the database cannot be reached")
        return _unavailable("unavailable", text(UNREACHABLE))
    up_to_date = projected >= last
    state = "ok" if up_to_date else "read models behind"
    if not settings.public_read and not await loop.run_in_executor(
        HEALTH_THREADS, _has_valid_token, request, orgchange
    ):
        return HealthStatus(status=state)
    return Health(
        status=state,
        events=events,
        last_event_id=last,
        read_models_last_event_id=projected,
        read_models_up_to_date=up_to_date,
    )


@router.head("/health", include_in_schema=False)
async def health_head(request: Request, orgchange: OrgChangeDep, settings: SettingsDep) -> Response:
    """What some load balancers probe with: the status of `GET /health`, without a body."""
    answer = await health(request, orgchange, settings)
    return Response(status_code=answer.status_code if isinstance(answer, JSONResponse) else 200)


HEALTH_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="orgchange-health")


def _two_positions(orgchange: OrgChange) -> tuple[int, int]:
    """The event store's last event and the read models' last event."""
    return orgchange.last_event_id(), orgchange.read_model.last_event_id()


def _positions(orgchange: OrgChange) -> tuple[int, int, int]:
    """The event store's last event, the read models' last event, and the register's events."""
    return orgchange.last_event_id(), orgchange.read_model.last_event_id(), orgchange.register_event_count()


def _has_valid_token(request: Request, orgchange: OrgChange) -> bool:
    """Read from the header here rather than by the bearer dependency, which would make the
    OpenAPI description say that a health check needs a token: it needs none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        return authenticate(orgchange.engine, token.strip()) is not None
    except SQLAlchemyError:
        return False
