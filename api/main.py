"""The HTTP service of `orgchange serve` (docs/http.md): GraphQL, REST and diagrams on one port."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import h11
import uvicorn
from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

from orgchange.adapters.collection import tune_for_serving
from orgchange.application import OrgChange, drafts, tokens
from orgchange.application.config import Settings, get_settings
from orgchange.application.documents.pdf import Printer
from orgchange.application.errors import DatabaseUnavailable
from orgchange.domain.messages import speaking, text
from projections.batches import BatchReader

from . import headers
from .caching import CompressReads, HttpCaching
from .gate import Gate
from .graphql.bounds import GraphQLRequestBounds
from .graphql.cache import AnswerCache, CachedGraphQL, Stamp
from .graphql.router import graphql_router
from .language import AnswerLanguage, negotiate
from .limits import BodySizeLimit
from .loading import RegisterLoading
from .observability import Metrics, ObservedRequests, RouteTemplates, logging_config
from .params import (
    DATABASE_FAILURES,
    DatabaseUnreachable,
    catalogued_http_error,
    database_unavailable,
    database_unreachable,
    no_nul_in_parameters,
    nothing_recorded,
    plain_validation_error,
)
from .recording import ChangeRecorder
from .routes import baseline as baseline_routes
from .routes import changes, diagrams, documents, health, opendata, reports, session, web
from .routes import decisions as decision_routes
from .routes import drafts as draft_routes
from .routes import metrics as metrics_route
from .sessions import Refusal, refusal_response

log = logging.getLogger(__name__)

DESCRIPTION = """
An event-sourced register of organisational change for Swedish municipalities.

* **GraphQL** at `POST /graphql` (GraphiQL in a browser at `GET /graphql`): the organisation
  at any date, unit histories, the change log, diffs, delegations and reports.
* **REST**: `POST /changes` records a change file; `GET /health`, `/health/live`, `/health/ready`;
  `GET /metrics` (Prometheus); org-chart and delegation
  diagrams; the review pack of a board's meeting (HTML, PDF) and its unreported changes;
  the delegationsordning as a document (HTML, CSV).

Days are `YYYY-MM-DD` and instants ISO 8601 with a time zone; a malformed parameter is a
422 `{"detail": "<what is wrong>"}`.

Reads answer with an `ETag` and honour `If-None-Match` (304). Reads are public unless the
server sets `ORGCHANGE_PUBLIC_READ=false`. Writes need
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
    application = (
        orgchange
        if orgchange is not None
        else OrgChange(
            settings.database_url,
            read_only=settings.read_only,
            snapshot_interval=settings.snapshot_interval,
            snapshot_in_process=settings.snapshot_process,
            pool_size=settings.database_pool_size,
            pool_overflow=settings.database_pool_overflow,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not application.read_only:  # a replica has the primary's tables
            await run_in_threadpool(tokens.create_tables, application.engine)
            try:  # made on the first draft if it cannot be made now (docs/drafts.md#storage)
                await run_in_threadpool(drafts.create_tables, application.engine)
            except DBAPIError as error:
                log.warning("the drafts' table could not be made at start: %s", str(error).splitlines()[0])
        # Read models may lag the events after an upgrade or a crash; answer nothing stale.
        await run_in_threadpool(application.catch_up)
        tune_for_serving()
        loading = None
        if settings.load_register_at_start and not application.read_only:
            loading = app.state.register_loading = RegisterLoading(application)
            loading.start()
        try:
            yield
        finally:
            if loading is not None:  # (the application is closed below)
                await run_in_threadpool(loading.wait)
            await app.state.printer.close()
            stamp = getattr(app.state, "answer_stamp", None)
            if stamp is not None:
                stamp.close()
            if owns_orgchange:
                application.close()
                application.engine.dispose()

    app = FastAPI(
        title="orgchange",
        version=_package_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        # Swagger UI is served by routes.web (no inline script); ReDoc is not served.
        docs_url=None,
        redoc_url=None,
        # No redirect from `/graphql/` to `/graphql`: Starlette builds the address of such a
        # redirect from the request's Host header, which an attacker chooses.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.orgchange = application
    app.state.reader = BatchReader(application.reading_engine)
    app.state.recorder = ChangeRecorder(application, settings.max_changes_per_request)
    app.state.drafts = drafts.Drafts(
        application,
        app.state.recorder,
        max_changes=settings.max_changes_per_request,
        max_bytes=settings.max_upload_bytes,
        max_open_per_user=settings.max_drafts_per_user,
    )
    # Review packs and open-data exports: a few at a time per process (api/gate.py).
    gate = (
        settings.documents_max_concurrent,
        settings.documents_max_waiting,
        settings.documents_wait_seconds,
    )
    app.state.review_gate = Gate("REVIEW_BUSY", "granskningsunderlag", *gate)
    app.state.export_gate = Gate("EXPORT_BUSY", "exporter av öppna data", *gate)
    app.state.exports = OrderedDict()  # open-data exports by the register's last event (routes.opendata)
    # One browser for the process's PDFs, started on the first one (orgchange.application.documents.pdf).
    app.state.printer = Printer(
        settings.pdf_max_concurrent, settings.pdf_max_waiting, settings.pdf_timeout_seconds
    )

    metrics = Metrics()
    app.state.metrics = metrics
    metrics.positions = lambda: (application.last_event_id(), application.read_model.last_event_id())
    metrics.snapshot_age = application.snapshot_age
    app.state.recorder.on_recorded = metrics.events_recorded.inc

    def graphql_answered(answered: str) -> Callable[[dict[str, Any]], None]:
        return lambda request: metrics.operation("query", request.get("operationName"), answered)

    # The read models' position: the answer cache's stamp and the reads' ETags (api/caching.py).
    stamp = Stamp(application.engine)
    app.state.answer_stamp = stamp
    if settings.public_read and settings.answer_cache_mb > 0:
        cache = AnswerCache(settings.answer_cache_mb * 2**20)
        app.state.answer_cache = cache
        app.add_middleware(
            CachedGraphQL,
            cache=cache,
            stamp=stamp,
            max_tokens=settings.graphql_max_tokens,
            on_hit=graphql_answered("cache"),
        )
    app.add_middleware(CompressReads)  # outside the answer cache, which keeps answers uncompressed
    app.add_middleware(
        HttpCaching,
        stamp=stamp,
        public_read=settings.public_read,
        max_tokens=settings.graphql_max_tokens,
        on_not_modified=graphql_answered("not_modified"),
    )
    app.add_middleware(  # before anything parses a GraphQL document, the answer cache included
        GraphQLRequestBounds,
        max_body_bytes=settings.graphql_max_body_bytes,
        max_document_bytes=settings.graphql_max_document_bytes,
        max_variables_depth=settings.graphql_max_variables_depth,
    )
    app.add_middleware(  # outermost: first to see a body
        BodySizeLimit, max_bytes=settings.max_upload_bytes, timeout=settings.http_body_timeout_seconds
    )
    # Outside all of them: everything of a request, its refusals too, in the language it asks for.
    app.add_middleware(AnswerLanguage)
    app.add_exception_handler(RequestValidationError, plain_validation_error)
    app.add_exception_handler(Refusal, refusal_response)
    app.add_exception_handler(StarletteHTTPException, catalogued_http_error)
    for failure in DATABASE_FAILURES:
        app.add_exception_handler(failure, database_unavailable)
    app.add_exception_handler(DatabaseUnavailable, nothing_recorded)  # from every route that writes
    app.add_exception_handler(DatabaseUnreachable, database_unreachable)  # a token's or session's lookup
    app.include_router(changes.router)
    app.include_router(decision_routes.router)
    app.include_router(baseline_routes.router, dependencies=[Depends(no_nul_in_parameters)])
    app.include_router(health.router)
    app.include_router(metrics_route.router)
    app.include_router(session.router)
    for router in (diagrams.router, reports.router, documents.router, opendata.router, draft_routes.router):
        app.include_router(router, dependencies=[Depends(no_nul_in_parameters)])
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    # GraphQL documents itself (introspection, GraphiQL); OpenAPI covers the REST part.
    app.include_router(graphql_router(), prefix="/graphql", include_in_schema=False)
    _document_read_access(app, settings.public_read)
    # Outermost of all, so that even a 500 carries the security headers.
    # Starlette has no hook outside its error middleware; it is a method, so mypy objects to replacing it.
    templates = RouteTemplates(lambda: app.openapi()["paths"])
    app.build_middleware_stack = headers.wrap(  # type: ignore[method-assign]
        app.build_middleware_stack,
        lambda inner: ObservedRequests(inner, metrics, templates, settings.root_path),
    )
    return app


# Reads that need a registrar's or an admin's token on every server (routes.drafts).
WRITERS_ONLY_TAGS = frozenset({"drafts"})

_NO_READ_TOKEN = {
    "description": "Reads are not public on this server, and no valid token was sent.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}},
}


def _document_read_access(app: FastAPI, public_read: bool) -> None:
    """Let the OpenAPI description say what a read needs on this server.

    FastAPI marks every operation that looks at the bearer token as needing one. A
    read (every GET that looks at it; writes are POSTs) only looks: on a server with
    public reads it needs no token (`security: [{}, {HTTPBearer: []}]`, a token
    optional); without them it needs any valid token, and 401 is one of its answers.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path in schema["paths"].values():
            read = path.get("get")
            if read is None or not read.get("security"):
                continue
            if WRITERS_ONLY_TAGS & set(read.get("tags", ())):  # drafts: a registrar's, never public
                read["responses"].setdefault("401", _NO_READ_TOKEN)
                continue
            if public_read:
                read["security"] = [{}, *read["security"]]
            else:
                read["responses"].setdefault("401", _NO_READ_TOKEN)
        return schema

    # FastAPI's documented way to change the schema, a method that mypy does not let be replaced.
    app.openapi = openapi  # type: ignore[method-assign]


def run(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (`orgchange serve`), in `settings.workers` processes.

    Slow clients are bounded (docs/security.md): headers within
    `http_header_timeout_seconds` (BoundedH11Protocol) and of at most
    `http_max_header_bytes`, an idle kept-alive connection closed after
    `http_keep_alive_seconds`, at most `http_max_connections` connections and
    requests per process (503 beyond), bodies within `http_body_timeout_seconds`
    (api.limits.BodySizeLimit).
    """
    settings = settings or get_settings()
    bounds: dict[str, Any] = {
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "limit_concurrency": settings.http_max_connections,
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        # Logging is configured here, once, for every worker (api/observability.py): JSON lines,
        # one per request written by the app, uvicorn's own access log off.
        "log_config": logging_config(settings.log_format, settings.log_level),
        "access_log": False,
    }
    if settings.workers == 1:
        protocol = type(
            "BoundedH11Protocol",
            (BoundedH11Protocol,),
            {"header_timeout": settings.http_header_timeout_seconds},
        )
        uvicorn.run(create_app(settings), host=host, port=port, http=protocol, **bounds)
        return
    # Each worker process builds its own app from the environment: hand the settings on there.
    os.environ["ORGCHANGE_DATABASE_URL"] = settings.database_url
    os.environ["ORGCHANGE_HTTP_HEADER_TIMEOUT_SECONDS"] = str(settings.http_header_timeout_seconds)
    uvicorn.run(
        "api.main:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=settings.workers,
        http=BoundedH11Protocol,
        **bounds,
    )


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with Nagle's algorithm off on every connection.

    asyncio turns it off only on sockets that say they are TCP; the listening
    socket uvicorn shares among worker processes does not, and then the body of
    each response waits for the client's delayed acknowledgement of its headers:
    40 ms a request.
    """

    # uvicorn's own signature, narrower than asyncio.Protocol's BaseTransport (uvicorn ignores it too).
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def _plain_answer(status: int, reason: str, text: str, code: str) -> bytes:
    """A whole HTTP/1.1 answer written by the protocol itself, before any application has
    seen the request: with the security headers every other answer carries."""
    body = json.dumps({"detail": text, "code": code}).encode()
    lines = [
        f"HTTP/1.1 {status} {reason}".encode(),
        b"content-type: application/json",
        b"connection: close",
        b"content-length: " + str(len(body)).encode(),
        *(name + b": " + value for name, value in headers.security_headers("", False)),
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _language_of(head: bytes) -> str:
    """The language the request's `Accept-Language` asks for, from as much of its head as has
    arrived (Swedish, the service's default, without one): the protocol answers before any
    middleware has read the headers, and answers in the same language as the rest."""
    for line in head.split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"accept-language":
            return negotiate(value.decode("latin-1").strip())
    return negotiate(None)


class BoundedH11Protocol(NoDelayH11Protocol):
    """The protocol of `orgchange serve`: a request's line and headers must arrive in time.

    uvicorn bounds the time an idle kept-alive connection may wait, but not a
    connection that sends nothing after opening, nor headers that trickle in a byte
    at a time (each byte resets its keep-alive timer): each would hold a connection
    for as long as the client liked. Here a timer starts when a connection opens,
    and again when the first byte of each further request arrives; it stops when
    the request's headers are complete. When it runs out, the client gets a 408 and
    the connection is closed.
    """

    header_timeout: float | None = None  # None: the setting, read from the environment

    # uvicorn's own signature, narrower than asyncio.Protocol's BaseTransport (uvicorn ignores it too).
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._head = b""  # what has come of the request line and headers being received
        self._start_header_timer()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            if self._header_timer is None:
                self._start_header_timer()  # the first bytes of a further request on the connection
            if self._headers_too_large(data):
                return
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_header_timer()
            self._head = b""

    def _headers_too_large(self, data: bytes) -> bool:
        """Are the request line and headers larger than the limit? Then 431, and the end.

        h11 bounds only headers that are still incomplete: headers that arrive whole in
        one read would be taken at any size. Counted here, whichever way they arrive.
        """
        limit = self.config.h11_max_incomplete_event_size or DEFAULT_MAX_HEADER_BYTES
        self._head = (self._head + data)[: limit + 4]
        end = self._head.find(b"\r\n\r\n")
        size = end + 4 if end >= 0 else len(self._head)
        if size <= limit:
            return False
        self._stop_header_timer()
        with speaking(_language_of(self._head)):
            words = str(text("HEADERS_TOO_LARGE", limit=f"{limit:,}"))
        self.transport.write(
            _plain_answer(431, "Request Header Fields Too Large", words, "HEADERS_TOO_LARGE")
        )
        self.transport.close()
        return True

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request that is not HTTP, with the security headers."""
        if self.conn.our_state is h11.IDLE and not self.transport.is_closing():
            self.transport.write(_plain_answer(400, "Bad Request", msg, "BAD_HTTP_REQUEST"))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        timeout = self.header_timeout
        if timeout is None:
            timeout = BoundedH11Protocol.header_timeout = get_settings().http_header_timeout_seconds
        self._header_timer = self.loop.call_later(timeout, self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.our_state is h11.IDLE:  # nothing of a response sent on this request yet
            with speaking(_language_of(self._head)):
                words = str(text("REQUEST_TIMEOUT"))
            self.transport.write(_plain_answer(408, "Request Timeout", words, "REQUEST_TIMEOUT"))
        self.transport.close()


DEFAULT_MAX_HEADER_BYTES: int = Settings.model_fields["http_max_header_bytes"].default


def app_from_environment() -> FastAPI:
    """The app of one worker process of `orgchange serve --workers N`."""
    return create_app(Settings())
