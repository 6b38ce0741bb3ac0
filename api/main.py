"""The HTTP service of `orgchange serve` (CONTRACT.md §4): GraphQL, REST and diagrams on one port."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import uvicorn
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from orgchange.application import OrgChange
from orgchange.config import Settings, get_settings

from . import auth
from .graphql.cache import AnswerCache, CachedGraphQL
from .graphql.router import graphql_router
from .limits import BodySizeLimit
from .params import plain_validation_error
from .readers import BatchReader
from .recording import ChangeRecorder
from .routes import changes, diagrams, documents, health, opendata, reports, web

DESCRIPTION = """
An event-sourced register of organisational change for Swedish municipalities.

* **GraphQL** at `POST /graphql` (GraphiQL in a browser at `GET /graphql`): the organisation
  at any date, unit histories, the change log, diffs, delegations and reports.
* **REST**: `POST /changes` records a change file; `GET /health`; org-chart and delegation
  diagrams; the review pack of a board's meeting (HTML, PDF) and its unreported changes;
  the delegationsordning as a document (HTML, CSV).

Days are `YYYY-MM-DD` and instants ISO 8601 with a time zone; a malformed parameter is a
422 `{"detail": "<what is wrong>"}`.

Reads are public unless the server sets `ORGCHANGE_PUBLIC_READ=false`. Writes need
`Authorization: Bearer TOKEN` of a registrar or an admin (`orgchange token create`).
"""


def _package_version() -> str:
    try:
        return version("orgchange")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(settings: Settings | None = None, orgchange: OrgChange | None = None) -> FastAPI:
    """The service. Given an `orgchange`, the caller owns it; otherwise the app opens and closes one."""
    settings = settings or get_settings()
    owns_orgchange = orgchange is None
    application = orgchange if orgchange is not None else OrgChange(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(auth.create_tables, application.engine)
        # Read models may lag the events after an upgrade or a crash; answer nothing stale.
        await run_in_threadpool(application.catch_up)
        try:
            yield
        finally:
            if owns_orgchange:
                application.close()
                application.engine.dispose()

    app = FastAPI(
        title="orgchange",
        version=_package_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.orgchange = application
    app.state.reader = BatchReader(application.engine)
    app.state.recorder = ChangeRecorder(application)

    if settings.public_read and settings.answer_cache_mb > 0:
        cache = AnswerCache(settings.answer_cache_mb * 2**20)
        app.state.answer_cache = cache
        app.add_middleware(CachedGraphQL, cache=cache, stamp=application.read_model.last_event_id)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)  # outermost: first to see a body
    app.add_exception_handler(RequestValidationError, plain_validation_error)
    app.include_router(changes.router)
    app.include_router(health.router)
    app.include_router(diagrams.router)
    app.include_router(reports.router)
    app.include_router(documents.router)
    app.include_router(opendata.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    # GraphQL documents itself (introspection, GraphiQL); OpenAPI covers the REST part.
    app.include_router(graphql_router(), prefix="/graphql", include_in_schema=False)
    return app


def run(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (`orgchange serve`), in `settings.workers` processes."""
    settings = settings or get_settings()
    if settings.workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port)
        return
    # Each worker process builds its own app from the environment: hand the settings on there.
    os.environ["ORGCHANGE_DATABASE_URL"] = settings.database_url
    uvicorn.run("api.main:app_from_environment", factory=True, host=host, port=port, workers=settings.workers)


def app_from_environment() -> FastAPI:
    """The app of one worker process of `orgchange serve --workers N`."""
    return create_app(Settings())
