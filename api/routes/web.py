"""The web page at `/`, GraphiQL's and Swagger UI's pages: static files, no build step.

The page reads only the public API. Every page here runs under the
Content-Security-Policy of api/headers.py: scripts from files, none inline.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB = resources.files("orgchange") / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(str(WEB / "index.html"), media_type="text/html")


@router.get("/docs")
def api_docs() -> FileResponse:
    """Swagger UI, in place of FastAPI's page, whose inline script the policy refuses."""
    return FileResponse(str(WEB / "api-docs.html"), media_type="text/html")


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(WEB))
