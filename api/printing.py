"""The answers of the routes that draw and print: a refusal for a picture not drawn, a 503 for
every turn taken, and a page printed as PDF by the process's one browser.

The diagrams, the review packs, the drafts' charts and decision documents, and the printed
org chart all draw with Graphviz (bounded, documents.graphviz) and print with Chromium
(documents.pdf.Printer); each refusal is answered the same way whichever route met it.
"""

from __future__ import annotations

import asyncio

from fastapi import Request, Response, status
from fastapi.responses import JSONResponse

from orgchange.application.documents.diagrams import GraphvizMissing
from orgchange.application.documents.graphviz import DiagramBusy, DiagramNotDrawn, DiagramTooLarge
from orgchange.application.documents.pdf import PdfUnavailable, Printer, PrinterBusy

from .limits import ClientGone, while_connected

# nginx's name for it: the client closed its connection before the answer (never seen by it).
CLIENT_CLOSED_REQUEST = 499


def busy(error: PrinterBusy | DiagramBusy) -> JSONResponse:
    """503 with `Retry-After`: every turn to print (`PDF_BUSY`) or to draw (`DIAGRAM_BUSY`) is taken."""
    return JSONResponse(
        {"detail": str(error), "code": error.code},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(error.retry_after)},
    )


def unavailable(error: PdfUnavailable | GraphvizMissing) -> JSONResponse:
    """503: this server has no browser to print with (`PDF_UNAVAILABLE`) or no Graphviz to draw
    with (`GRAPHVIZ_MISSING`); the HTML and DOT forms still work."""
    return JSONResponse(
        {"detail": str(error), "code": error.code}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE
    )


def not_drawn(error: DiagramTooLarge | DiagramNotDrawn) -> JSONResponse:
    """422: over the size limit (`DIAGRAM_TOO_LARGE`, with `size` and `limit`), or Graphviz gave
    no picture in time (`DIAGRAM_TIMED_OUT`, `DIAGRAM_FAILED`)."""
    body: dict[str, object] = {"detail": str(error), "code": error.code}
    if isinstance(error, DiagramTooLarge):
        body |= {"size": error.size, "limit": error.limit}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def printed(request: Request, page: str, name: str) -> Response:
    """`page` as PDF (`name`.pdf, inline), printed in a turn of the process's one browser and
    stopped when the client goes away; 503 without a browser, or with `Retry-After` when busy."""
    printer: Printer = request.app.state.printer
    printing = asyncio.ensure_future(printer.print(page))
    try:
        pdf = await while_connected(request, printing, printing.cancel)
    except ClientGone:
        return Response(status_code=CLIENT_CLOSED_REQUEST)
    except PrinterBusy as error:
        return busy(error)
    except PdfUnavailable as error:
        return unavailable(error)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )
