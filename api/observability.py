"""What the service tells its operators: a log line per request, and metrics (docs/monitoring.md).

* Logs are JSON, one object a line, configured once by `orgchange serve`
  (`logging_config`): each request gets one line with its request id, method,
  route template, status and duration, and for a write the name of the token that
  made it. The request id is the client's `X-Request-ID` when that is a plain
  short word, else one made here; it is sent back in the response's
  `X-Request-ID` and stamped on every line logged while the request is served,
  errors included. A line never holds a token, a query's text or a body.
* Metrics are kept per process in a registry of their own (`Metrics`) and served
  at `GET /metrics` in the Prometheus text format. Their labels are bounded: a
  route is its template (`/reports/{board}/{meeting}.{fmt}`), never the path
  asked for; a GraphQL operation's name is one of the first `MAX_OPERATION_NAMES`
  plain names seen, any other is `(other)`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from threading import Lock
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .paths import route_path

log = logging.getLogger("orgchange.http")

# --- request ids ---------------------------------------------------------------------------

REQUEST_ID_HEADER = b"x-request-id"
# A client's request id is taken as it is when it is this plain: no spaces, no quotes, nothing
# a log reader could mistake for another field, and short.
PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("orgchange_request_id", default=None)


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-ID` if it is plain (`PLAIN_REQUEST_ID`), else a new one."""
    for name, value in scope.get("headers", ()):
        if name.lower() == REQUEST_ID_HEADER:
            given = value.decode("latin-1").strip()
            if PLAIN_REQUEST_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


# --- log lines -----------------------------------------------------------------------------

# The fields a request's line may carry (passed as `extra`); nothing else of a record is written.
REQUEST_FIELDS = ("method", "route", "status", "durationMs", "user", "graphql")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id, a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = getattr(record, "requestId", None) or request_id.get()
        if current is not None:
            line["requestId"] = current
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same facts on one line of text, for a person reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = [f"{f}={getattr(record, f)}" for f in REQUEST_FIELDS if getattr(record, f, None) is not None]
        current = getattr(record, "requestId", None) or request_id.get()
        head = f"{self.formatTime(record)} {record.levelname} {record.name}"
        text = " ".join([head, *([f"[{current}]"] if current else []), record.getMessage(), *fields])
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return text


def logging_config(log_format: str = "json", level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` of `orgchange serve`, uvicorn's own loggers included.

    uvicorn's access log is off: each request's line is written here (`RequestLog`), with
    the route template and the request id that uvicorn's does not have.
    """
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"orgchange": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "orgchange": {
                "class": "logging.StreamHandler",
                "formatter": "orgchange",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["orgchange"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


# --- metrics -------------------------------------------------------------------------------

# Request durations, in seconds: most reads take milliseconds; diagrams and PDFs seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_OPERATION_NAMES = 100
PLAIN_OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
ANONYMOUS = "(anonymous)"
OTHER = "(other)"
UNMATCHED = "(unmatched)"


class OperationNames:
    """GraphQL operation names as metric labels: at most `limit` distinct ones per process.

    A client chooses the names, so they are bounded: the first `limit` plain names are
    kept as they are, any later or odd one counts as `(other)`, an unnamed one as
    `(anonymous)`.
    """

    def __init__(self, limit: int = MAX_OPERATION_NAMES):
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = Lock()

    def label(self, name: object) -> str:
        if name is None or name == "":
            return ANONYMOUS
        if not isinstance(name, str) or not PLAIN_OPERATION_NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) < self.limit:
                self._seen.add(name)
                return name
        return OTHER


class Metrics:
    """The process's metrics, in a registry of its own (each app its own: tests make many)."""

    def __init__(self) -> None:
        disable_created_metrics()  # no `_created` series beside each counter: half the lines, no use here
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "orgchange_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "orgchange_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route template.",
            ["method", "route"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.operations = Counter(
            "orgchange_graphql_operations",
            "GraphQL operations, by type, name and how they were answered "
            "(executed, cache: from the answer cache, not_modified: 304).",
            ["type", "name", "answered"],
            registry=self.registry,
        )
        self.operation_errors = Counter(
            "orgchange_graphql_operation_errors",
            "GraphQL operations whose answer holds errors, by type and name.",
            ["type", "name"],
            registry=self.registry,
        )
        self.events_recorded = Counter(
            "orgchange_events_recorded",
            "Changes recorded by this process (POST /changes, recordChanges).",
            registry=self.registry,
        )
        self.operation_names = OperationNames()
        # Read at each scrape: (the event store's last event id, the read models' position).
        self.positions: Callable[[], tuple[int, int]] | None = None
        # A hook for the age of the register's latest snapshot, in seconds (None: no snapshot).
        self.snapshot_age: Callable[[], float | None] | None = None
        self.registry.register(_StateCollector(self))

    def operation(self, kind: str, name: object, answered: str, failed: bool = False) -> None:
        label = self.operation_names.label(name)
        self.operations.labels(kind, label, answered).inc()
        if failed:
            self.operation_errors.labels(kind, label).inc()


class _StateCollector(Collector):
    """Gauges read at scrape time: positions and lag of the read models, the snapshot's age."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def collect(self) -> Any:
        up = GaugeMetricFamily("orgchange_database_up", "1 if the database answered this scrape, else 0.")
        positions = self.metrics.positions
        if positions is not None:
            try:
                last, projected = positions()
            except Exception:  # any failure of the database: reported as a value, not a 500
                log.warning("metrics: the database cannot be reached", exc_info=True)
                up.add_metric([], 0)
            else:
                up.add_metric([], 1)
                yield GaugeMetricFamily(
                    "orgchange_event_store_last_event_id",
                    "The last event's id in the event store.",
                    value=last,
                )
                yield GaugeMetricFamily(
                    "orgchange_read_models_last_event_id",
                    "The last event the read models reflect.",
                    value=projected,
                )
                yield GaugeMetricFamily(
                    "orgchange_read_models_lag_events",
                    "Events recorded that the read models do not reflect yet (0 when up to date).",
                    value=max(last - projected, 0),
                )
            yield up
        age = self.metrics.snapshot_age() if self.metrics.snapshot_age is not None else None
        if age is not None:
            yield GaugeMetricFamily(
                "orgchange_snapshot_age_seconds", "Age of the register's latest snapshot.", value=age
            )


# --- the middleware ------------------------------------------------------------------------

# Set in the scope by whoever knows: the caller's token name (api/dependencies.py), and
# whether the request only reads (api/caching.py).
CALLER = "orgchange.caller"
READ = "orgchange.read"


class ObservedRequests:
    """Outermost middleware: root path, request id, one log line and the metrics of each request.

    * Under a root path it sets `scope["root_path"]` (as uvicorn's `--root-path` would,
      without rewriting the path: the proxy may pass the prefix on or strip it), and sends
      a request for the root path without its final `/` to the page at `{root}/`.
    * It measures the whole answer, the security headers' middleware and a 500 included.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: RouteTemplates, root_path: str = ""):
        self.app = app
        self.metrics = metrics
        self.templates = templates
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if self.root_path:
                scope["root_path"] = self.root_path
            await self.app(scope, receive, send)
            return
        if self.root_path:
            scope["root_path"] = self.root_path
            if scope["path"] == self.root_path and scope["method"] in ("GET", "HEAD"):
                await self._to_page(send)
                return
        started = time.perf_counter()
        path = route_path(scope)  # now: a mount changes the scope's root path on the way in
        rid = request_id_of(scope)
        token = request_id.set(rid)
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except Exception:
            log.exception("the request failed")
            status = 500
            raise
        finally:
            self._observe(scope, path, status, time.perf_counter() - started)
            request_id.reset(token)

    async def _to_page(self, send: Send) -> None:
        # A path-absolute Location: nothing of it comes from the request's Host header.
        location = (self.root_path + "/").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [(b"location", location), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _observe(self, scope: Scope, path: str, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        route = self.templates.of(path)
        self.metrics.requests.labels(method, route, str(status)).inc()
        self.metrics.duration.labels(method, route).observe(seconds)
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "status": status,
            "durationMs": round(seconds * 1000, 1),
        }
        if method not in ("GET", "HEAD") and not scope.get(READ):
            fields["user"] = scope.get(CALLER)
        log.info("request", extra=fields)


class RouteTemplates:
    """The template of the route a path belongs to (`/reports/{board}/{meeting}.{fmt}`), or `(unmatched)`.

    Worked out from the path alone, so that a request answered before routing (a 304, a
    refused GraphQL body, a 413) has its route too. The templates are the REST routes of
    the OpenAPI description and the page's own, read once, on the first request.
    """

    PAGE = ("/", "/docs", "/openapi.json", "/graphql", "/static/{path:path}")

    def __init__(self, templates_of: Callable[[], Iterable[str]]):
        self.templates_of = templates_of
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def of(self, path: str) -> str:
        if self._compiled is None:
            templates = [*self.templates_of(), *self.PAGE]
            self._compiled = [
                (compile_path(t)[0], t.replace(":path}", "}")) for t in dict.fromkeys(templates)
            ]
        if path.endswith("/") and path != "/":
            path = path.rstrip("/")
        for pattern, template in self._compiled:
            if pattern.match(path):
                return template
        return UNMATCHED
