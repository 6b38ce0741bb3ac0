"""Limits on request bodies, for every endpoint: their size, and the time they take to arrive.

A change file can be large, but not unbounded: a body over the limit is
refused with 413 before it is read into memory. The declared Content-Length is
checked first; a body sent without one (chunked) is counted as it arrives.

Nor may a body take forever: a client that sends its body a byte at a time, or
stops half way, would hold its connection and the request's task for as long as
it liked. The whole body must arrive within `timeout` seconds of the request's
headers; otherwise the request is answered 408 and the connection closed.
(The headers themselves are bounded by the HTTP protocol of `orgchange serve`,
api/main.py.)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import TypeVar

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgchange.domain.messages import text

T = TypeVar("T")


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return

        received = 0
        complete = False
        response_started = False
        deadline = None if self.timeout is None else time.monotonic() + self.timeout

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete or deadline is None:
                message = await receive()
            else:
                try:
                    # In this task, not a task of its own: a message already there is taken at once.
                    async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                        message = await receive()
                except TimeoutError:
                    raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if response_started:
                raise
            await self._refuse(send)
        except BodyTooSlow:
            if response_started:
                raise
            body = json.dumps(
                {
                    "detail": str(text("REQUEST_TIMEOUT:body", seconds=f"{self.timeout:g}")),
                    "code": "REQUEST_TIMEOUT",
                }
            ).encode()
            await send_json(send, 408, body, ((b"connection", b"close"),))

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"errors": [str(text("REQUEST_TOO_LARGE", limit=self.max_bytes))], "rule": None}
        ).encode()
        await send_json(send, 413, body)


async def send_json(
    send: Send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """A whole JSON response, from ASGI middleware that answers before the app does."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ClientGone(Exception):
    """The client closed its connection before the answer was ready; the work was stopped."""


async def while_connected(
    request: Request, work: Awaitable[T], stop: Callable[[], object], poll_seconds: float = 0.25
) -> T:
    """The result of `work`, unless the client goes away first: then `stop()` is called (it
    must make `work` end soon: kill a subprocess, cancel a task), `work` is awaited to its
    end, and ClientGone is raised. Expensive work (drawing, printing) is not done for nobody.
    """
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=poll_seconds)
            if done:
                return task.result()
            if await request.is_disconnected():
                break
    except BaseException:  # this request itself was cancelled: so is its work
        stop()
        task.cancel()
        raise
    stop()
    with suppress(BaseException):
        await task
    raise ClientGone
