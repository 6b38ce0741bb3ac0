"""`GET /metrics`: the process's metrics in the Prometheus text format (docs/monitoring.md).

Public unless `ORGCHANGE_METRICS_TOKEN` is set: they tell request counts and times,
and the register's positions, which its public reads tell anyway. With the setting,
the scraper sends `Authorization: Bearer` that value; anything else is a 401.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from orgchange.domain.messages import text

from ..dependencies import SettingsDep

router = APIRouter(tags=["service"])

METRICS_UNAUTHENTICATED = "METRICS_UNAUTHENTICATED"


@router.get(
    "/metrics",
    summary="Metrics (Prometheus text format)",
    description=(
        "Requests by route template and status, their durations, GraphQL operations and "
        "errors, events recorded, and the read models' lag. When the server sets "
        "`ORGCHANGE_METRICS_TOKEN`, only with `Authorization: Bearer` that token."
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The metrics."},
        401: {"description": "`ORGCHANGE_METRICS_TOKEN` is set, and was not sent."},
    },
)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token is not None else ""
    if expected:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            return JSONResponse(
                {
                    "detail": str(text(METRICS_UNAUTHENTICATED)),
                    "code": METRICS_UNAUTHENTICATED,
                },
                status_code=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
    # The gauges of positions read the database: in a worker thread.
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
