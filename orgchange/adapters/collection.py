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

import gc
from collections.abc import Iterator
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
