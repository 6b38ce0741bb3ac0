"""`POST /decisions`: record delegated decisions (docs/decisions.md, docs/http.md#post-decisions)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orgchange.application import decisions
from orgchange.application.errors import ConcurrentWriteError
from orgchange.domain.decisions import FORMAT

from ..dependencies import OrgChangeDep, WriterDep
from .changes import ACCEPTED_MEDIA_TYPES, _media_type, unsupported_media_type

router = APIRouter(tags=["decisions"])
log = logging.getLogger(__name__)


class RecordedDecisions(BaseModel):
    ids: list[str] = Field(description="Every decision of the body, in order.")
    recorded: list[str] = Field(description="Those recorded by this request.")
    skipped: list[str] = Field(description="Those recorded before with the same content (idempotent by id).")


class DecisionsNotRecorded(BaseModel):
    errors: list[str] = Field(description="What is wrong, naming the decision by position and id.")
    code: str = Field(description="DECISIONS_MALFORMED, PERSONAL_DATA or DECISION_CONFLICT.")


_EXAMPLE = f"""format: {FORMAT}
decisions:
  - id: NTN-2017-0312
    delegation: N.2
    decided_by: va-chef
    date: 2017-03-05
    matter: Anslutning till den allmänna VA-anläggningen
    reference: NTN 2017/112
"""


@router.post(
    "/decisions",
    summary="Record delegated decisions",
    description=(
        "Records the body's decisions taken under delegation atomically: all or none. A decision "
        "whose `id` was recorded before with the same content is skipped. Each is checked against "
        "the delegationsordning of its day; findings never block recording. A personnummer or "
        "samordningsnummer in any field refuses the body. Needs a registrar's or an admin's token."
    ),
    response_model=RecordedDecisions,
    responses={
        401: {"description": "No valid token."},
        403: {"description": "A reader's token cannot record."},
        409: {"description": "Other writers kept the register busy; retry."},
        415: {"description": "The body is not JSON or YAML."},
        422: {"model": DecisionsNotRecorded, "description": "Malformed or refused; nothing recorded."},
        503: {"description": "The database cannot be used; retry."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"`format: {FORMAT}` (docs/decisions.md), JSON or YAML.",
            "content": {
                "application/yaml": {"schema": {"type": "string"}, "example": _EXAMPLE},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def record_decisions(
    request: Request, caller: WriterDep, orgchange: OrgChangeDep
) -> RecordedDecisions | JSONResponse:
    if _media_type(request) not in ACCEPTED_MEDIA_TYPES:
        return unsupported_media_type()
    body = await request.body()

    def record() -> decisions.DecisionsResult:
        entries = decisions.parse_decisions(body, "request body")
        return decisions.record_decisions(orgchange, entries, caller.name)

    try:
        result = await run_in_threadpool(record)
    except decisions.DecisionsRefused as error:
        return JSONResponse(
            {"errors": error.problems, "code": error.code},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    except ConcurrentWriteError as error:
        return JSONResponse(
            {"errors": [str(error)], "code": "CONCURRENT_WRITE"}, status_code=status.HTTP_409_CONFLICT
        )
    return RecordedDecisions(ids=result.ids, recorded=result.recorded, skipped=result.skipped)
