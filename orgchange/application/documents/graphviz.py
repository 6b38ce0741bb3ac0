"""Running Graphviz's `dot`: bounded in size, in time and in number, and stopped when nobody waits.

Laying out a graph costs far more than linear time in its size: the whole org
chart of a register of 2,000 units took `dot` 80 seconds and 700 MB, and its PNG
came out 32,767 pixels wide. So every diagram drawn to SVG or PNG is bounded
before `dot` starts and while it runs:

* **size**: a diagram of more than `max_nodes` boxes (units, boards, delegates) is
  refused; the callers say how to ask for a part (`root=` and `depth=` for the org
  chart, `board=` for the delegationsordning). A PNG is at most `max_png_pixels`
  on its longest side: Graphviz scales a larger drawing down (`size`, `dpi`).
* **time**: `dot` is killed when it has run `timeout` seconds.
* **number**: at most `max_concurrent` `dot` run at once in a process; at most
  `max_waiting` more wait for a turn, each no longer than `timeout`; beyond that the
  request is refused at once (`DiagramBusy`), and the service answers 503 with
  `Retry-After`.
* **nobody waiting**: given a `cancelled` event (the HTTP client went away), `dot` is
  killed as soon as it is set.

The DOT text itself is made without `dot` and is not bounded here.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orgchange.domain import messages
from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text

if TYPE_CHECKING:
    from orgchange.application.config import Settings

DPI = 96  # Graphviz's own default for bitmaps: a point is 96/72 pixels
POLL_SECONDS = 0.1  # how often a running `dot` looks whether it is still wanted
RETRY_AFTER_SECONDS = 5
SMALLER_PART = messages.text("DIAGRAM_TOO_LARGE:smaller-part")


class DiagramTooLarge(OrgChangeError):
    """The diagram holds more than one diagram may; the message says how to ask for a part."""

    code = "DIAGRAM_TOO_LARGE"

    def __init__(self, message: str | Text, size: int, limit: int):
        super().__init__(message)
        self.size = size
        self.limit = limit


class DiagramNotDrawn(OrgChangeError):
    """`dot` ran but gave no diagram; the message says why and how to ask for a part."""

    code = "DIAGRAM_NOT_DRAWN"


class DiagramTimedOut(DiagramNotDrawn):
    """`dot` did not finish in time and was stopped."""

    code = "DIAGRAM_TIMED_OUT"


class DiagramFailed(DiagramNotDrawn):
    """`dot` gave up on the diagram (Graphviz has limits of its own, e.g. in routing lines)."""

    code = "DIAGRAM_FAILED"


class DiagramBusy(OrgChangeError):
    """Every turn to run `dot` is taken, and so is every place to wait for one."""

    code = "DIAGRAM_BUSY"
    retry_after = RETRY_AFTER_SECONDS


class DiagramCancelled(Exception):
    """Nobody waits for the diagram any more (the HTTP client went away); `dot` was stopped."""


@dataclass(frozen=True)
class RenderLimits:
    max_nodes: int = 500
    timeout: float = 20.0
    max_png_pixels: int = 8_000
    max_concurrent: int = 2
    max_waiting: int = 8

    @classmethod
    def of(cls, settings: Settings) -> RenderLimits:
        return cls(
            max_nodes=settings.diagram_max_nodes,
            timeout=settings.diagram_timeout_seconds,
            max_png_pixels=settings.diagram_max_png_pixels,
            max_concurrent=settings.diagram_max_concurrent,
            max_waiting=settings.diagram_max_waiting,
        )

    @classmethod
    def from_environment(cls) -> RenderLimits:
        from orgchange.application.config import get_settings

        return cls.of(get_settings())


class Gate:
    """At most `slots` holders at once, at most `max_waiting` waiting; a thread waits in `slot`."""

    def __init__(self, slots: int, max_waiting: int):
        self.slots = slots
        self.max_waiting = max_waiting
        self.running = 0
        self.waiting = 0
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, wait: float, cancelled: threading.Event | None = None) -> Iterator[None]:
        with self._changed:
            if self.running >= self.slots:
                if self.waiting >= self.max_waiting:
                    raise DiagramBusy(_busy_message())
                self.waiting += 1
                try:
                    deadline = time.monotonic() + wait
                    while self.running >= self.slots:
                        if cancelled is not None and cancelled.is_set():
                            raise DiagramCancelled
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise DiagramBusy(_busy_message())
                        self._changed.wait(min(remaining, POLL_SECONDS))
                finally:
                    self.waiting -= 1
            self.running += 1
        try:
            yield
        finally:
            with self._changed:
                self.running -= 1
                self._changed.notify()


def _busy_message() -> Text:
    return messages.text("DIAGRAM_BUSY", seconds=RETRY_AFTER_SECONDS)


_gates: dict[tuple[int, int], Gate] = {}
_gates_lock = threading.Lock()


def gate_for(limits: RenderLimits) -> Gate:
    """The process's gate for these numbers (one per process, whatever asks)."""
    key = (limits.max_concurrent, limits.max_waiting)
    with _gates_lock:
        found = _gates.get(key)
        if found is None:
            found = _gates[key] = Gate(*key)
        return found


def dot_command(fmt: str, limits: RenderLimits) -> list[str]:
    command = ["dot", f"-T{fmt}"]
    if fmt == "png":  # scaled down to fit: never wider or taller than max_png_pixels
        inches = limits.max_png_pixels / DPI
        command += [f"-Gdpi={DPI}", f"-Gsize={inches:.4f},{inches:.4f}"]
    return command


def run_dot(
    text: bytes,
    fmt: str,
    limits: RenderLimits,
    cancelled: threading.Event | None = None,
    hint: str | Text = SMALLER_PART,
    fallback: bytes | None = None,
) -> bytes:
    """`dot -T{fmt}` of `text`, within the limits; raises DiagramTimedOut, DiagramFailed,
    DiagramBusy, DiagramCancelled.

    `hint` tells how to ask for a smaller diagram, should this one take too long. `fallback`,
    if given, is drawn instead when `dot` gives up on `text`, in the same turn and within
    the same time limit.
    """
    with gate_for(limits).slot(limits.timeout, cancelled):
        deadline = time.monotonic() + limits.timeout
        try:
            return _dot(text, fmt, limits, deadline, cancelled, hint)
        except DiagramFailed:
            if fallback is None:
                raise
            return _dot(fallback, fmt, limits, deadline, cancelled, hint)


def _dot(
    text: bytes,
    fmt: str,
    limits: RenderLimits,
    deadline: float,
    cancelled: threading.Event | None,
    hint: str | Text,
) -> bytes:
    if cancelled is not None and cancelled.is_set():
        raise DiagramCancelled
    process = subprocess.Popen(
        dot_command(fmt, limits), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    given: bytes | None = text
    try:
        while True:
            try:
                output, errors = process.communicate(given, timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                given = None  # sent already: communicate() goes on with what is left of it
            if cancelled is not None and cancelled.is_set():
                raise DiagramCancelled
            if time.monotonic() > deadline:
                raise DiagramTimedOut(
                    messages.text("DIAGRAM_TIMED_OUT", seconds=f"{limits.timeout:g}", hint=hint)
                )
    finally:
        if process.returncode is None:
            process.kill()
            process.communicate()
    if process.returncode != 0:
        reason = errors.decode("utf-8", errors="replace").strip().splitlines()
        said = f" ({reason[-1][:200]})" if reason else ""
        raise DiagramFailed(messages.text("DIAGRAM_FAILED", said=said, hint=hint))
    return output
