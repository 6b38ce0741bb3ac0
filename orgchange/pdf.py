"""PDF from HTML with a headless Chromium, driven by Playwright.

The service keeps one browser per process (`Printer`), started when the first PDF
is asked for and started again if it dies, and prints at most `max_concurrent`
pages at once; at most `max_waiting` more requests wait for a turn, none longer
than `timeout`. Beyond that a request is refused at once (`PrinterBusy`; the
service answers 503 with `Retry-After`). A browser per request — what
`chromium --print-to-pdf` does — costs a second of start-up and some 100 MB for
each, with no bound on how many run together.

Each page is printed in a browser context of its own (nothing is shared between
two prints), with JavaScript off and every request to the network refused: the
pages printed are self-contained (styles inline, charts as inline SVG), and a
printed page has no business fetching anything.

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
UNAVAILABLE = "PDF needs a headless Chromium (Debian: apt-get install chromium); the HTML works without it"

log = logging.getLogger(__name__)


class PdfUnavailable(OrgChangeError):
    """No headless browser to print with, or it could not print this page."""


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


def _busy_message() -> str:
    return (
        f"the server is printing as many PDFs as it may at once; try again in {RETRY_AFTER_SECONDS} seconds"
    )


class Printer:
    """One long-lived headless Chromium for this process, printing a bounded number of pages at once."""

    def __init__(self, max_concurrent: int = 2, max_waiting: int = 4, timeout: float = 30.0):
        self.timeout = timeout
        self.turns = _Turns(max_concurrent, max_waiting)
        self._playwright: Any = None
        self._browser: Any = None
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
                browser = await self._running_browser()
                try:
                    remaining = max(self.timeout - (time.monotonic() - started), 0.1)
                    return await asyncio.wait_for(_print_page(browser, html), remaining)
                except TimeoutError:
                    raise PdfUnavailable(
                        f"the browser did not finish printing the PDF within {self.timeout:g} seconds"
                    ) from None
                except Exception as error:  # the browser died under the page: start it again, once
                    if browser.is_connected() or attempt == 1:
                        log.warning("printing a PDF failed: %s", error)
                        raise PdfUnavailable("the browser could not print the PDF") from None
                    log.warning("the browser for PDFs stopped while printing; starting it again")
            raise AssertionError("unreachable")

    async def _running_browser(self) -> Any:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            await self._stop()
            executable = browser()
            if executable is None:
                raise PdfUnavailable(UNAVAILABLE)
            try:
                from playwright.async_api import async_playwright
            except ImportError:
                raise PdfUnavailable(
                    "PDF needs the Python package 'playwright' (pip install playwright)"
                ) from None
            try:
                self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=executable, args=list(FLAGS), timeout=self.timeout * 1000
                )
            except Exception as error:
                log.warning("the browser for PDFs could not be started: %s", error)
                await self._stop()
                raise PdfUnavailable(f"{UNAVAILABLE} (the browser at {executable} did not start)") from None
            self.launches += 1
            log.info("started a headless browser for PDFs (%s)", executable)
            return self._browser

    async def _stop(self) -> None:
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
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


async def _print_page(browser: Any, html: str) -> bytes:
    context = await browser.new_context(java_script_enabled=False, offline=True, service_workers="block")
    try:
        await context.route("**/*", _refuse_request)
        page = await context.new_page()
        await page.set_content(html, wait_until="load")
        return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        with contextlib.suppress(Exception):
            await context.close()


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
