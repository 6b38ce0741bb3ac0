"""The web page at `/`: static files, no build step. It reads only the public API."""

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


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(WEB))
