"""PDF from HTML with the headless Chromium that the browser tests already need."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

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
    "--no-pdf-header-footer",
)


class PdfUnavailable(OrgChangeError):
    """No headless browser to print with."""


def browser() -> str | None:
    configured = os.environ.get("ORGCHANGE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, timeout: float = 120) -> bytes:
    executable = browser()
    if executable is None:
        raise PdfUnavailable(
            "PDF needs a headless Chromium (Debian: apt-get install chromium); the HTML works without it"
        )
    with tempfile.TemporaryDirectory(prefix="orgchange-pdf-") as folder:
        source, target = Path(folder) / "page.html", Path(folder) / "page.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            executable,
            *FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable("the browser did not finish printing the PDF in time") from None
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("the browser could not print the PDF")
        return target.read_bytes()
