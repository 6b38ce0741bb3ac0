"""The register read in as a server starts, in a thread of its own.

A process that accepts writes keeps the register in memory (`OrgChange._command`); the first
command after a start reads it from its newest snapshot and the events after it — seconds at
hundreds of thousands of changes, past the timeout of a reverse proxy if a registrar's save is
what pays for it. A server therefore reads it in as it starts, and `/health/ready` answers 503
`REGISTER_LOADING` until it has (a load balancer sends nothing meanwhile): the first write after
the process is ready costs a write. Reads never wait for it. A write that arrives before the
register is in waits for it, as it would have read it itself. Turned off by
`ORGCHANGE_LOAD_REGISTER_AT_START=false`; never on a read replica (which does not write).
"""

from __future__ import annotations

import logging
import threading
import time

from orgchange.application import OrgChange

log = logging.getLogger("orgchange.loading")


class RegisterLoading:
    """The thread that reads the register in; `done` is set once it has (or has given up)."""

    def __init__(self, application: OrgChange):
        self.done = threading.Event()
        self._application = application
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._load, name="orgchange-load-register", daemon=True)

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread.start()

    def seconds(self) -> float:
        """Seconds since the loading started."""
        return time.monotonic() - self._started

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def _load(self) -> None:
        try:
            self._application.load_register()
            log.info("the register read in at start in %.1f s", self.seconds())
        except Exception as error:  # the first write reads it in, as it did before
            log.warning("the register was not read in at start (the first write will): %s", error)
        finally:
            self.done.set()
