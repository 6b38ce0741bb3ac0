"""HTTP caching of reads: `ETag`, `If-None-Match` (304), `Cache-Control`; and gzip for reads.

An answer about the register depends only on the events its read models reflect and on
the request itself. So a read's ETag is made of the read models' position (one row
read by its primary key, `Stamp` in api/graphql/cache.py: never a scan) and a hash
of what identifies the request: its route path and query string (asOf, knownAt, a
GraphQL GET's `query` and `variables`), or for `POST /graphql` its document,
variables and operation name, and the `Accept` and `Accept-Language` it was sent
with. A `knownAt` read is another request, and has another ETag. When the
register changes, every ETag changes. A request whose `If-None-Match` holds the
current ETag is answered 304 before anything is computed; docs/http.md#caching.

What counts as a read with an ETag, on a server with public reads:

* `GET` of a diagram, a document, a review pack, the unreported changes, open data;
* a GraphQL query (`GET` or `POST /graphql`) whose every top-level field follows
  from the events (`answered_from_events`: not a mutation, not `staleOutputs` or
  drafts, which are kept outside the events). Telling a query from a mutation means
  parsing the document: that happens behind `GraphQLRequestBounds` (its size is
  bounded), with the token limit, memoised, in a worker thread.

On a server without public reads no ETag is given (a 304 would tell a caller without
a token whether the register changed), and answers are `private, no-store`.

Compression (`CompressReads`): answers to reads, as above or any `GET`, are gzipped
when the client accepts it and they are text (JSON, HTML, SVG, CSV, Turtle, …), not
PNG or PDF. Answers to writes never are: a write's answer may hold what its caller
sent beside what the server made (BREACH).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .graphql.bounds import DECODED
from .graphql.cache import GRAPHQL_KEY, UNCACHEABLE, StampBusy, answered_from_events, judged, request_key
from .graphql.documents import DEFAULT_MAX_TOKENS
from .observability import READ
from .paths import route_path

# Routes whose GET answers are made from the register: an ETag each.
REGISTER_READS = ("/diagrams/", "/documents/", "/reports/", "/opendata/")
# The page, GraphiQL's and Swagger UI's pages and their files: the same for everyone, and
# served anew after an upgrade (their names carry no version, so no long max-age).
PAGE = ("/", "/docs", "/openapi.json")
PAGE_FILES = "/static/"

Headers = list[tuple[bytes, bytes]]

PUBLIC = b"public, max-age=0, must-revalidate"
PRIVATE = b"private, no-cache"
NO_STORE = b"no-store"
PRIVATE_NO_STORE = b"private, no-store"
VARY = b"Accept, Accept-Language, Accept-Encoding"


def etag_of(stamp: int, identity: bytes) -> bytes:
    """A weak ETag: gzipped or not, with another `generated` time, the answer means the same."""
    digest = hashlib.sha256(identity).hexdigest()[:24]
    return f'W/"{stamp}-{digest}"'.encode()


def matches(if_none_match: str, etag: bytes) -> bool:
    """Does `If-None-Match` name `etag`? Compared weakly (RFC 9110, 13.1.2): `W/` aside."""
    ours = etag.decode().removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


class HttpCaching:
    """ASGI middleware: ETag, 304 and Cache-Control on reads; Cache-Control on everything."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        stamp: Callable[[], int],
        public_read: bool,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        on_not_modified: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.app = app
        self.stamp = stamp
        self.public_read = public_read
        self.max_tokens = max_tokens
        self.on_not_modified = on_not_modified
        # The stamp is one indexed row; where the database answers that in microseconds
        # (cache.Stamp.quick: SQLite in WAL mode), the hop to a worker thread and back cost
        # more than the read, about 0.7 ms of the unit page's 10.
        self._quick = bool(getattr(stamp, "quick", False))
        self._stamp_now: Callable[[], int] = getattr(stamp, "now", stamp)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        method = scope["method"]
        if (
            path == PAGE_FILES.rstrip("/")
            or path.startswith(PAGE_FILES)
            or (path in PAGE and method == "GET")
        ):
            await self.app(scope, receive, _revalidated(scope, _with_cache_control(send, PUBLIC)))
            return
        if not self.public_read:
            await self.app(scope, receive, _with_cache_control(send, PRIVATE_NO_STORE))
            return
        if method == "GET" and path.startswith(REGISTER_READS):
            identity = self._identity(scope, path, scope.get("query_string", b""))
            await self._read(scope, receive, send, lambda stamp: (identity, stamp()), quick=self._quick)
            return
        if path.rstrip("/") == "/graphql":
            if method == "GET" and b"query=" in scope.get("query_string", b""):
                await self._graphql_get(scope, receive, send, path)
                return
            if method == "POST" and DECODED in scope:
                await self._graphql_post(scope, receive, send)
                return
            if method == "GET":  # GraphiQL's page
                await self.app(scope, receive, _with_cache_control(send, PUBLIC))
                return
        await self.app(scope, receive, _with_cache_control(send, NO_STORE))

    def _identity(self, scope: Scope, path: str, query: bytes) -> bytes:
        accept, language = _header(scope, b"accept"), _header(scope, b"accept-language")
        return b"\n".join([path.encode(), query, accept.encode("latin-1"), language.encode("latin-1")])

    async def _graphql_get(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        query_string = scope.get("query_string", b"")
        parameters = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        document = parameters.get("query", "")

        def identity_and_stamp(stamp: Callable[[], int]) -> tuple[bytes, int] | None:
            if not answered_from_events(document, self.max_tokens):
                return None
            return self._identity(scope, path, query_string), stamp()

        quick = self._quick and judged(document, self.max_tokens)
        await self._read(scope, receive, send, identity_and_stamp, graphql=parameters, quick=quick)

    async def _graphql_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, cut_short = await _read_body(receive)
        replay = _replay(body, cut_short, receive)
        if cut_short:
            await self.app(scope, replay, _with_cache_control(send, NO_STORE))
            return
        decoded = scope[DECODED]

        def identity_and_stamp(read_stamp: Callable[[], int]) -> tuple[bytes, int] | None:
            key = request_key(body, self.max_tokens, decoded)
            if key is None:
                return None
            stamp = read_stamp()
            scope[GRAPHQL_KEY] = (key, stamp)  # the answer cache need not work them out again
            accept, language = _header(scope, b"accept"), _header(scope, b"accept-language")
            return f"POST /graphql\n{key}\n{accept}\n{language}".encode("latin-1", "replace"), stamp

        document = decoded.get("query") if isinstance(decoded, dict) else None
        quick = self._quick and isinstance(document, str) and judged(document, self.max_tokens)
        await self._read(scope, replay, send, identity_and_stamp, graphql=decoded, quick=quick)

    async def _identified(
        self, identity_and_stamp: Callable[[Callable[[], int]], tuple[bytes, int] | None], quick: bool
    ) -> tuple[bytes, int] | None:
        """Worked out here when `quick` and the stamp can be read without a wait (`Stamp.now`);
        otherwise in a worker thread, where a wait holds up no one else."""
        if quick:
            with suppress(StampBusy):
                return identity_and_stamp(self._stamp_now)
        return await run_in_threadpool(identity_and_stamp, self.stamp)

    async def _read(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        identity_and_stamp: Callable[[Callable[[], int]], tuple[bytes, int] | None],
        graphql: dict[str, Any] | None = None,
        quick: bool = False,
    ) -> None:
        """`identity_and_stamp(read_stamp)`: the request's identity and the stamp, read with
        `read_stamp`. `quick`: it parses nothing and reads are quick (see `_quick`)."""
        try:
            found = await self._identified(identity_and_stamp, quick)
        except SQLAlchemyError:  # the database cannot be asked: the read itself will say so
            found = None
        if found is None:  # not a read of the register (a mutation, drafts), or no stamp
            await self.app(scope, receive, _with_cache_control(send, NO_STORE))
            return
        scope[READ] = True
        identity, stamp = found
        etag = etag_of(stamp, identity)
        control = PRIVATE if _header(scope, b"authorization") else PUBLIC
        headers = [(b"etag", etag), (b"cache-control", control), (b"vary", VARY)]
        if matches(_header(scope, b"if-none-match"), etag):
            if graphql is not None and self.on_not_modified is not None:
                self.on_not_modified(graphql)
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200 and not scope.get(UNCACHEABLE):
                    message = {**message, "headers": _replaced(message.get("headers", []), headers)}
                else:
                    message = {
                        **message,
                        "headers": _replaced(message.get("headers", []), [(b"cache-control", NO_STORE)]),
                    }
            await send(message)

        await self.app(scope, receive, send_tagged)


def _replaced(
    headers: list[tuple[bytes, bytes]], ours: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """`headers` with ours in place of theirs; a `Vary` of theirs is merged into ours."""
    names = {name for name, _ in ours}
    theirs_vary = [v for n, v in headers if n.lower() == b"vary"]
    kept = [(n, v) for n, v in headers if n.lower() not in names and n.lower() != b"vary"]
    merged = []
    for name, value in ours:
        if name == b"vary":
            words = [w.strip() for v in (value, *theirs_vary) for w in v.split(b",") if w.strip()]
            value = b", ".join(dict.fromkeys(words, None).keys())
        merged.append((name, value))
    if b"vary" not in names:
        merged.extend((b"vary", v) for v in theirs_vary)
    return kept + merged


def _with_cache_control(send: Send, value: bytes) -> Send:
    """A `send` that sets Cache-Control, unless the app set its own."""

    async def send_controlled(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"cache-control" for name, _ in headers):
                message = {**message, "headers": [*headers, (b"cache-control", value)]}
        await send(message)

    return send_controlled


def _revalidated(scope: Scope, send: Send) -> Send:
    """A `send` that turns a 200 whose own ETag (a file's) the client holds into a 304 without a body."""
    wanted = _header(scope, b"if-none-match")
    if not wanted:
        return send
    dropped = False

    async def send_revalidated(message: Message) -> None:
        nonlocal dropped
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = message.get("headers", [])
            etag = next((value for name, value in headers if name.lower() == b"etag"), None)
            if etag is not None and matches(wanted, etag):
                dropped = True
                kept = [(n, v) for n, v in headers if n.lower() in (b"etag", b"cache-control", b"vary")]
                message = {"type": "http.response.start", "status": 304, "headers": kept}
        elif message["type"] == "http.response.body" and dropped:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return send_revalidated


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body (bounded already by GraphQLRequestBounds), and whether it was cut short."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes, cut_short: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if cut_short:
            return {"type": "http.disconnect"}
        return await receive()

    return replay


# Already compressed, or not worth it; PDF's streams are compressed inside the file.
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")


class CompressReads:
    """gzip for the answers to reads (`GET`, and GraphQL queries marked as reads by `HttpCaching`)."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024, compresslevel: int = 6):
        self.app = app
        self.gzip = GZipMiddleware(
            app, minimum_size=minimum_size, compresslevel=compresslevel, exclude_content_types=NOT_COMPRESSED
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["method"] in ("GET", "HEAD") or scope.get(READ)):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
