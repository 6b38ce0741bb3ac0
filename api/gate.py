"""A turn for expensive work: at most so many at once per process, so many waiting, and no longer.

A review pack (HTML) reads much of the register and draws two charts; an open-data
export serialises the whole history. Either takes a worker thread for a second or
more, and the thread pool is shared with every other request: a few clients asking
for them again and again would leave nothing for the rest. Each kind of work has a
gate of its own: `max_concurrent` run at once, `max_waiting` may wait for a turn
(at most `wait_seconds`), and a request beyond that is answered at once with 503,
a stable code and `Retry-After`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi.responses import JSONResponse

from orgchange.domain.messages import text


class Busy(Exception):
    def __init__(self, code: str, message: str, retry_after: int):
        super().__init__(message)
        self.code, self.retry_after = code, retry_after

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"detail": str(self), "code": self.code},
            status_code=503,
            headers={"Retry-After": str(self.retry_after)},
        )


class Gate:
    def __init__(self, code: str, what: str, max_concurrent: int, max_waiting: int, wait_seconds: float):
        self.code, self.what = code, what
        self.max_concurrent, self.max_waiting, self.wait_seconds = max_concurrent, max_waiting, wait_seconds
        self._turns = asyncio.Semaphore(max_concurrent)
        self._waiting = 0
        self.running = 0
        self.most_running = 0  # the most that ever ran at once (for the tests)

    def _busy(self) -> Busy:
        return Busy(
            self.code,
            str(text(self.code)),
            max(1, round(self.wait_seconds / 10)),
        )

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._turns.locked() and self._waiting >= self.max_waiting:
            raise self._busy()
        self._waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._turns.acquire()
        except TimeoutError:
            raise self._busy() from None
        finally:
            self._waiting -= 1
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            yield
        finally:
            self.running -= 1
            self._turns.release()
