"""Python's cyclic garbage collector, paused while a register is read or written in bulk.

An import of 200,000 changes, a rebuild and the reading of a register at
start-up each make millions of objects that stay alive; the collector, which
runs again and again as objects are made, then spends a third of the time
walking them and finds nothing to free (the register holds no reference
cycles that end with the operation). Paused for the operation, it runs as
usual afterwards. Nested and concurrent pauses (the server's threads) end
when the last one does.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from threading import Lock

_lock = Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def collection_paused() -> Iterator[None]:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


# A serving process: what it holds from start-up lives as long as it does; an answer of
# 10,000 units makes some 50,000 objects that die with the request.
SERVING_THRESHOLDS = (50_000, 50, 100)
_serving = False


def tune_for_serving() -> None:
    """Set the collector for a long-running server: leave start-up's objects alone
    (`gc.freeze`: they are never garbage) and collect the young generation every
    50,000 objects rather than every 700, so that one large answer does not set
    off dozens of collections, each of which walks what the last ones kept. An
    organisation of 10,000 units: p95 from about 350 ms to about 180 ms."""
    global _serving
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
    _serving = True


# A register of fewer changes is walked by a full collection in milliseconds: not frozen (what
# is frozen is never collected, and garbage cycles alive at that moment would stay for good).
FREEZE_AT = 10_000


def keep_for_good(changes: int) -> None:
    """In a serving process, leave what it holds now to reference counting alone (`gc.freeze`).

    Called when the register has been read in: its millions of objects live as long as the
    process (a command changes the register in place), and every full collection would
    otherwise walk them all — at 200,000 changes about a second, several on a loaded machine,
    in the middle of some request. What a command replaces is freed by its reference count
    (the register's values hold no cycles). Only in a server (`tune_for_serving`) and for a
    register of `FREEZE_AT` changes or more: a short command line, or a small register, leave
    the collector as it is."""
    if _serving and changes >= FREEZE_AT:
        gc.freeze()


def give_back_memory() -> None:
    """Hand the memory the allocator holds free back to the system (glibc's `malloc_trim`).

    Called after a snapshot: its working copy of the register's dictionaries and its pickles'
    objects are freed, but glibc keeps freed memory for later, and a server that takes a
    snapshot every thousand events would hold more after each. Elsewhere than glibc, nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # another C library (musl): it has no malloc_trim
        return None
