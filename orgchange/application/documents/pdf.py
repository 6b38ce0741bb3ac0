"""PDF from HTML with a headless Chromium, driven by Playwright.

The service keeps one browser per process (`Printer`), started when the first PDF
is asked for and started again if it dies, and prints at most `max_concurrent`
pages at once; at most `max_waiting` more requests wait for a turn, none longer
than `timeout`. Beyond that a request is refused at once (`PrinterBusy`; the
service answers 503 with `Retry-After`). A browser per request — what
`chromium --print-to-pdf` does — costs a second of start-up and some 100 MB for
each, with no bound on how many run together.

Pages are printed with JavaScript off and every request to the network refused:
the pages printed are self-contained (styles inline, charts as inline SVG), and a
printed page has no business fetching anything (nor can it keep anything for the
next: no script runs, nothing is stored).

Playwright drives the browser over a pipe (no port is opened), and it is a
dependency of the package; the browser is the system's Chromium
(`ORGCHANGE_CHROMIUM`, else `chromium` on the `PATH`): Playwright's own downloads
are not used. The command line prints with a browser of its own, started and
closed for the one document.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text, text

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-dev-shm-usage",
)
RETRY_AFTER_SECONDS = 5
PRINTS_PER_PAGE = 100  # a tab is replaced after this many prints, whatever its renderer holds on to
UNAVAILABLE = "PDF_UNAVAILABLE"

log = logging.getLogger(__name__)


class PdfUnavailable(OrgChangeError):
    """No headless browser to print with, or it could not print this page."""

    code = "PDF_UNAVAILABLE"


class PrinterBusy(OrgChangeError):
    """Every turn to print is taken, and so is every place to wait for one."""

    code = "PDF_BUSY"
    retry_after = RETRY_AFTER_SECONDS


def browser() -> str | None:
    configured = os.environ.get("ORGCHANGE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class _Turns:
    """At most `slots` holders at once and `max_waiting` waiting, on one event loop."""

    def __init__(self, slots: int, max_waiting: int):
        self.slots = slots
        self.max_waiting = max_waiting
        self.running = 0
        self.waiting = 0
        self._freed: asyncio.Condition | None = None

    @contextlib.asynccontextmanager
    async def turn(self, wait: float) -> AsyncIterator[None]:
        if self._freed is None:
            self._freed = asyncio.Condition()
        freed = self._freed
        if self.running >= self.slots:
            if self.waiting >= self.max_waiting:
                raise PrinterBusy(_busy_message())
            self.waiting += 1
            try:
                async with freed:
                    await asyncio.wait_for(freed.wait_for(lambda: self.running < self.slots), wait)
            except TimeoutError:
                raise PrinterBusy(_busy_message()) from None
            finally:
                self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            async with freed:
                freed.notify()


def _busy_message() -> Text:
    return text("PDF_BUSY", seconds=RETRY_AFTER_SECONDS)


class Printer:
    """One long-lived headless Chromium for this process, printing a bounded number of pages at once.

    The browser keeps one tab (a page, in Playwright's words) per turn: a print writes
    its document into a free tab and prints it, so there are never more renderer
    processes than turns, and no process is started or ended for a print. A tab is
    replaced after `PRINTS_PER_PAGE` prints, or when a print in it failed.
    """

    def __init__(self, max_concurrent: int = 2, max_waiting: int = 4, timeout: float = 30.0):
        self.timeout = timeout
        self.turns = _Turns(max_concurrent, max_waiting)
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._free: list[tuple[Any, int]] = []  # tabs not printing, with the prints each has made
        self._starting: asyncio.Lock | None = None
        self.launches = 0  # browsers started (for the operator's log, and the tests)

    async def print(self, html: str) -> bytes:
        """The page as PDF (A4 unless the page's CSS says otherwise).

        Raises PrinterBusy when no turn is free in time, PdfUnavailable when no browser
        can print it (none installed, or it did not finish within `timeout`).
        """
        async with self.turns.turn(self.timeout):
            started = time.monotonic()
            for attempt in range(2):
                page, prints = await self._free_page()
                kept = False
                try:
                    remaining = max(self.timeout - (time.monotonic() - started), 0.1)
                    pdf = await asyncio.wait_for(_print_on(page, html), remaining)
                    kept = prints + 1 < PRINTS_PER_PAGE
                    if kept:
                        self._free.append((page, prints + 1))
                    return pdf
                except TimeoutError:
                    raise PdfUnavailable(
                        text("PDF_UNAVAILABLE:timed-out", seconds=f"{self.timeout:g}")
                    ) from None
                except Exception as error:  # the browser died under the page: start it again, once
                    if self._browser_alive() or attempt == 1:
                        log.warning("printing a PDF failed: %s", error)
                        raise PdfUnavailable(text("PDF_UNAVAILABLE:failed")) from None
                    log.warning("the browser for PDFs stopped while printing; starting it again")
                finally:
                    if not kept:
                        await _close_quietly(page)
            raise AssertionError("unreachable")

    def _browser_alive(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def _free_page(self) -> tuple[Any, int]:
        """A tab to print in, of a running browser (started, or started again, if need be)."""
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if not self._browser_alive():
                await self._stop()
                await self._start()
            while self._free:
                page, prints = self._free.pop()
                if not page.is_closed():
                    return page, prints
            return await self._context.new_page(), 0

    async def _start(self) -> None:
        executable = browser()
        if executable is None:
            raise PdfUnavailable(text(UNAVAILABLE))
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            raise PdfUnavailable(text("PDF_UNAVAILABLE:playwright")) from None
        try:
            self._playwright = await async_playwright().start()
            # One renderer process per turn, and no spare one started ahead of need.
            processes = f"--renderer-process-limit={self.turns.slots}"
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable, args=[*FLAGS, processes], timeout=self.timeout * 1000
            )
            # JavaScript off, offline, and every request refused: a printed page is whole as it is.
            self._context = await self._browser.new_context(
                java_script_enabled=False, offline=True, service_workers="block"
            )
            await self._context.route("**/*", _refuse_request)
        except Exception as error:
            log.warning("the browser for PDFs could not be started: %s", error)
            await self._stop()
            raise PdfUnavailable(text("PDF_UNAVAILABLE:not-started", executable=executable)) from None
        self.launches += 1
        log.info("started a headless browser for PDFs (%s)", executable)

    async def _stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = self._context = None
        self._free = []
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                await playwright.stop()

    async def close(self) -> None:
        """Stop the browser (the service's shutdown). A later print starts another, on whatever
        event loop then runs."""
        if self._starting is not None:
            async with self._starting:
                await self._stop()
        else:
            await self._stop()
        self._starting = None
        self.turns = _Turns(self.turns.slots, self.turns.max_waiting)


async def _print_on(page: Any, html: str) -> bytes:
    await page.set_content(html, wait_until="load")
    return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)


async def _close_quietly(page: Any) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(page.close(), 5)


async def _refuse_request(route: Any) -> None:
    """Nothing is fetched for a printed page: it is whole as it is."""
    await route.abort("blockedbyclient")


def html_to_pdf(html: str, timeout: float = 120) -> bytes:
    """One page as PDF, with a browser started for it and closed after (the command line)."""

    async def once() -> bytes:
        printer = Printer(max_concurrent=1, max_waiting=0, timeout=timeout)
        try:
            return await printer.print(html)
        finally:
            await printer.close()

    return asyncio.run(once())
