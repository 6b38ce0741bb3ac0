"""Bounds on a GraphQL request, checked before anything parses its document.

ASGI middleware in front of the answer cache and the GraphQL router, for `GET`
and `POST /graphql`:

* the body may hold at most `graphql_max_body_bytes`: a declared Content-Length
  over it is refused before a byte is read, and a body sent in chunks is
  counted as it arrives and refused when it passes the limit (413,
  `REQUEST_TOO_LARGE`);
* the document (`query`) may hold at most `graphql_max_document_bytes` of UTF-8
  (413, `DOCUMENT_TOO_LARGE`): parsing is the expensive step, and its token limit
  (`graphql_max_tokens`, applied wherever a document is parsed) needs a text of
  bounded size to be cheap to reach;
* a body must be JSON (`application/json`, the media type compared whole): anything
  else is 415 `UNSUPPORTED_MEDIA_TYPE`, before a byte of it is read;
* a body must be one JSON object of UTF-8 (400, `BAD_REQUEST_BODY`): the router
  behind would fail on anything else (a string, a number, bytes that are not UTF-8);
* variables and extensions may nest at most `graphql_max_variables_depth` levels
  (400, `VARIABLES_TOO_DEEP`): deeper JSON only serves to exhaust the recursion of
  whatever walks it.

A refusal is a GraphQL response (`{"errors": [{"message", "extensions": {"code"}}]}`)
with the HTTP status above; a body refused before its end is followed by the end of
the connection, so the rest of it is never read.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgchange.application.changefile import RepeatedKey, unique_object
from orgchange.domain.messages import Text, text

from ..limits import send_json
from ..paths import route_path

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
DOCUMENT_TOO_LARGE = "DOCUMENT_TOO_LARGE"
VARIABLES_TOO_DEEP = "VARIABLES_TOO_DEEP"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
# Decoding JSON larger than this is left to a worker thread, off the event loop.
DECODE_ON_LOOP = 65_536
# The decoded body, for the answer cache behind this middleware (it need not decode it again).
DECODED = "orgchange.graphql_request"


def media_type_of(content_type: str | None) -> str:
    """The media type of a Content-Type header, without its parameters, in lower case ('' for none).

    Compared whole: `application/jsonx` or `text/application/json` is not JSON (a test of
    whether the header *contains* `application/json` would let them past every bound here).
    """
    return (content_type or "").split(";", 1)[0].strip().lower()


class Refused(Exception):
    """A request refused by its bounds: `message` is put into words as the answer is sent."""

    def __init__(self, status: int, message: Text, limit: int):
        super().__init__(message)
        self.status, self.code, self.message, self.limit = status, message.code, message, limit


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply `value` nests objects and lists (a scalar: 0), counted no further than `limit + 1`.

    Walked with a stack of its own, so no depth of input can exhaust the interpreter's.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


class GraphQLRequestBounds:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_document_bytes: int,
        max_variables_depth: int,
        path: str = "/graphql",
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_document_bytes = max_document_bytes
        self.max_variables_depth = max_variables_depth
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                self._check_parameters(scope)
            elif scope["method"] == "POST":
                receive = await self._checked_body(scope, receive)
        except Refused as refused:
            await _refuse(send, refused)
            return
        await self.app(scope, receive, send)

    def _check_parameters(self, scope: Scope) -> None:
        query_text = scope.get("query_string", b"").decode("latin-1")
        parameters = dict(parse_qsl(query_text, keep_blank_values=True))
        for name in ("variables", "extensions"):
            value = parameters.get(name)
            if value:
                parameters[name] = self._decoded(value)
        self._check_request(parameters)

    async def _checked_body(self, scope: Scope, receive: Receive) -> Receive:
        media_type = media_type_of(_header(scope, b"content-type"))
        if media_type != "application/json":
            raise Refused(
                415,
                text(
                    "UNSUPPORTED_MEDIA_TYPE:graphql",
                    media_type=repr(media_type[:60])
                    if media_type
                    else text("UNSUPPORTED_MEDIA_TYPE:no-type"),
                ),
                0,
            )
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                return _replay(b"".join(chunks), receive, disconnected=True)
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if len(body) > DECODE_ON_LOOP:
            decoded = await run_in_threadpool(self._checked_json, body)
        else:
            decoded = self._checked_json(body)
        scope[DECODED] = decoded
        return _replay(body, receive)

    def _checked_json(self, body: bytes) -> dict[str, Any]:
        try:
            body_text = body.decode("utf-8-sig")  # as json.loads reads bytes: a BOM is allowed
        except UnicodeDecodeError as error:
            raise _bad_body(text("BAD_REQUEST_BODY:not-utf-8", at=error.start)) from None
        decoded = self._decoded(body_text)
        if decoded is _NOT_JSON:
            raise _bad_body(text("BAD_REQUEST_BODY:not-json"))
        if not isinstance(decoded, dict):
            raise _bad_body(text("BAD_REQUEST_BODY:not-an-object", kind=_json_kind(decoded)))
        self._check_request(decoded)
        return decoded

    def _decoded(self, source: str) -> Any:
        """The JSON, or _NOT_JSON (the router says what is wrong with it); too deep, or a key
        written twice in one object (JSON keeps the last without a word): refused."""
        try:
            value = json.loads(source, object_pairs_hook=unique_object)
        except RepeatedKey as repeated:
            raise _bad_body(text("BAD_REQUEST_BODY:repeated-key", key=repr(repeated.key[:60]))) from None
        except RecursionError:
            raise self._too_deep() from None
        except ValueError:
            return _NOT_JSON
        if nesting_depth(value, self.max_variables_depth + 2) > self.max_variables_depth + 2:
            raise self._too_deep()
        return value

    def _check_request(self, request: dict[str, Any]) -> None:
        query = request.get("query")
        if isinstance(query, str) and len(query.encode("utf-8", "surrogatepass")) > self.max_document_bytes:
            raise Refused(
                413, text(DOCUMENT_TOO_LARGE, limit=f"{self.max_document_bytes:,}"), self.max_document_bytes
            )
        for name in ("variables", "extensions"):
            if nesting_depth(request.get(name), self.max_variables_depth) > self.max_variables_depth:
                raise self._too_deep()

    def _too_large(self) -> Refused:
        return Refused(
            413, text("REQUEST_TOO_LARGE:graphql", limit=f"{self.max_body_bytes:,}"), self.max_body_bytes
        )

    def _too_deep(self) -> Refused:
        return Refused(
            400, text(VARIABLES_TOO_DEEP, limit=self.max_variables_depth), self.max_variables_depth
        )


_NOT_JSON = object()


def _bad_body(what: Text) -> Refused:
    return Refused(400, text(BAD_REQUEST_BODY, what=what), 0)


def _json_kind(value: Any) -> Text:
    if isinstance(value, list):
        return text("BAD_REQUEST_BODY:list")
    if isinstance(value, str):
        return text("BAD_REQUEST_BODY:string")
    if value is None:
        return text("BAD_REQUEST_BODY:null")
    if isinstance(value, bool):
        return text("BAD_REQUEST_BODY:boolean")
    return text("BAD_REQUEST_BODY:number")


async def _refuse(send: Send, refused: Refused) -> None:
    body = json.dumps(
        {
            "data": None,
            "errors": [
                {
                    "message": refused.message.render(),
                    "extensions": {"code": refused.code, "limit": refused.limit},
                }
            ],
        }
    ).encode()
    # The rest of a body refused part way is not read: the connection ends with the answer.
    await send_json(send, refused.status, body, ((b"connection", b"close"),))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _replay(body: bytes, receive: Receive, disconnected: bool = False) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if disconnected:
            return {"type": "http.disconnect"}
        return await receive()

    return replay
