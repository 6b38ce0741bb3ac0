"""Answers to GraphQL queries, kept until the register changes.

An answer about the register depends only on its events: the same query asked
again, with nothing recorded in between, has the same answer, byte for byte.
So the encoded answers of read-only queries are kept, keyed by the request and
stamped with the last event the read models reflect; a stamp that is not the
current one is a miss. Every process checks the stamp in the database on each
request (one small indexed query), so an answer is never older than the last
write through any process.

Only queries whose every top-level field is answered from the events are kept
(not `staleOutputs`, which reads the list of generated outputs), and only on a
server with public reads: there a query's answer does not depend on who asks.
The cache is bounded in bytes and forgets the least recently used answers first.

Whether a request can be kept is read from its document, which means parsing it:
that happens behind `GraphQLRequestBounds` (the document's size is bounded), with
the server's token limit, and in a worker thread together with the stamp's query,
so neither a large document nor the database holds up the event loop.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from threading import Lock
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgchange.adapters.eventstore import POOL_TIMEOUT, quick_reads
from projections import tables as t

from ..limits import send_json
from ..paths import route_path
from .bounds import DECODED
from .documents import DEFAULT_MAX_TOKENS, Kept

# Top-level fields whose answers follow from the events alone.
FROM_EVENTS = frozenset(
    {
        "organisation",
        "unit",
        "unitHistory",
        "changes",
        "change",
        "audit",
        "diff",
        "delegations",
        "delegationGaps",
        "reports",
        "unreportedChanges",
        "delegationImpact",
        "delegationFindings",
        "register",
        "__typename",
        # Introspection: the schema is fixed while the process runs; its answer is kept.
        "__schema",
        "__type",
    }
)
HEADER = "x-orgchange-cache"
# The request's key and stamp, when api/caching.py has worked them out already (for its ETag).
GRAPHQL_KEY = "orgchange.graphql_key"
# Set in the request's scope when its answer must not be kept by anyone (an ETag, a browser, a
# shared cache): it holds an error that says the database failed, which a moment later it may not.
UNCACHEABLE = "orgchange.uncacheable"
TRANSIENT_CODES = frozenset({"DATABASE_UNAVAILABLE", "INTERNAL_ERROR"})


class AnswerCache:
    """Encoded answers by request key, each stamped with the event it reflects; LRU, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._answers: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()

    def get(self, key: str, stamp: int) -> bytes | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None or found[0] != stamp:
                return None
            self._answers.move_to_end(key)
            return found[1]

    def put(self, key: str, stamp: int, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return  # one answer may not push out everything else
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._answers[key] = (stamp, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._answers.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size(self) -> int:
        return self._bytes


_judged: Kept[bool] = Kept()


def answered_from_events(document: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> bool:
    """Is `document` one query operation whose top-level fields all follow from the events?

    Parsed with the token limit: a document over it is not kept (the router refuses it).
    """
    key = (document, max_tokens)
    known = _judged.get(key)
    if known is not None:
        return known
    try:
        parsed = parse(document, max_tokens=max_tokens)
    except GraphQLError:
        answer = False
    else:
        operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
        answer = (
            len(operations) == 1
            and operations[0].operation is OperationType.QUERY
            and all(
                isinstance(s, FieldNode) and s.name.value in FROM_EVENTS
                for s in operations[0].selection_set.selections
            )
        )
    _judged.put(key, document, answer)
    return answer


def judged(document: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> bool:
    """Whether `answered_from_events` knows the answer for `document` without parsing it."""
    return _judged.get((document, max_tokens)) is not None


_UNREAD = object()


def request_key(body: bytes, max_tokens: int = DEFAULT_MAX_TOKENS, decoded: Any = _UNREAD) -> str | None:
    """The key of a cacheable GraphQL request body, or None (`decoded`: the body, decoded already)."""
    if decoded is _UNREAD:
        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return None
    request = decoded
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return None
    if not answered_from_events(request["query"], max_tokens):
        return None
    variables, operation = request.get("variables"), request.get("operationName")
    try:
        canonical = json.dumps([request["query"], variables, operation], sort_keys=True)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(canonical.encode()).hexdigest()


DEFAULT_STAMP_WAIT = POOL_TIMEOUT  # seconds, where the pool does not say (SQLite in memory)


class StampBusy(Exception):
    """`Stamp.now` cannot read the stamp without waiting."""


class Stamp:
    """The last event the read models reflect, read on one connection of its own.

    Asked on every cacheable request, so it is worth a connection that stays open in
    autocommit mode: one round trip, instead of a checkout from the pool, the query, and
    the rollback that returns the connection. A connection that fails is opened again.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        # May be asked on the event loop (orgchange.adapters.eventstore.quick_reads).
        self.quick = quick_reads(engine)
        self._connection: Connection | None = None
        self._lock = Lock()
        timeout = getattr(engine.pool, "timeout", None)  # QueuePool's wait for a connection
        self._wait = float(timeout()) if callable(timeout) else DEFAULT_STAMP_WAIT
        state = t.projection_state
        self._query = select(state.c.last_event_id).where(state.c.name == "read_models")

    def __call__(self) -> int:
        # Requests wait here, not in the pool: bounded like the pool's own wait, so that a
        # database that stops answering makes them 503 in time rather than a queue without end.
        if not self._lock.acquire(timeout=self._wait):
            raise PoolTimeout(f"the answers' stamp was busy for {self._wait} s")
        try:
            for attempt in range(2):
                try:
                    if self._connection is None:
                        self._connection = self._open()
                    return self._asked(self._connection)
                except SQLAlchemyError:
                    self.close()
                    if attempt == 1:
                        raise
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def now(self) -> int:
        """The stamp, if it can be read without waiting (see `quick`): the lock free and the
        connection open. Otherwise `StampBusy`: the caller reads it in a thread instead, where
        waiting for the lock or for a connection of the pool holds up no one else."""
        if not self.quick or not self._lock.acquire(blocking=False):
            raise StampBusy
        try:
            if self._connection is None:
                raise StampBusy
            try:
                return self._asked(self._connection)
            except SQLAlchemyError:
                self.close()
                raise StampBusy from None  # opened again, in a thread
        finally:
            self._lock.release()

    def _asked(self, connection: Connection) -> int:
        return connection.execute(self._query).scalar() or 0

    def _open(self) -> Connection:
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None


class CachedGraphQL:
    """ASGI middleware: serves `POST {path}` from the cache when it can, and fills it."""

    def __init__(
        self,
        app: ASGIApp,
        cache: AnswerCache,
        stamp: Callable[[], int],
        path: str = "/graphql",
        max_tokens: int = DEFAULT_MAX_TOKENS,
        on_hit: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.app = app
        self.on_hit = on_hit
        self.cache = cache
        self.stamp = stamp
        self.path = path
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or route_path(scope).rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        if _header(scope, b"content-type").split(";")[0].strip() != "application/json":
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if more:
            await self.app(scope, _replay(body, more, receive), send)
            return
        decoded = scope.get(DECODED, _UNREAD)

        def key_and_stamp() -> tuple[str | None, int]:
            key = request_key(body, self.max_tokens, decoded)
            return key, (self.stamp() if key is not None else 0)

        known = scope.get(GRAPHQL_KEY)
        if known is not None:
            key, stamp = known
        else:
            try:
                key, stamp = await run_in_threadpool(key_and_stamp)
            except SQLAlchemyError:  # the database cannot be asked: let the query itself say so
                key = None
        if key is None:
            await self.app(scope, _replay(body, False, receive), send)
            return
        answer = self.cache.get(key, stamp)
        if answer is not None:
            if self.on_hit is not None and isinstance(decoded, dict):
                self.on_hit(decoded)
            await send_json(send, 200, answer, ((HEADER.encode(), b"hit"),))
            return
        await self.app(scope, _replay(body, False, receive), _keeping(send, self.cache, key, stamp))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and whether it was cut short (a disconnect or an error)."""
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


def _keeping(send: Send, cache: AnswerCache, key: str, stamp: int) -> Send:
    """A `send` that passes the answer on and keeps it if it is a plain success."""
    state: dict[str, Any] = {"status": None, "chunks": []}

    async def keep(message: Message) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            message = {**message, "headers": [*message.get("headers", []), (HEADER.encode(), b"miss")]}
        elif message["type"] == "http.response.body" and state["status"] == 200:
            state["chunks"].append(message.get("body", b""))
            if not message.get("more_body", False):
                answer = b"".join(state["chunks"])
                if b'"errors"' not in answer:  # only answers without errors (some fields may fail)
                    cache.put(key, stamp, answer)
        await send(message)

    return keep


__all__ = ["AnswerCache", "CachedGraphQL", "answered_from_events", "request_key"]
