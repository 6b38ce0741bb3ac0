"""`POST /changes`: record a change file (docs/change-files.md, docs/http.md)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from orgchange.application import Impact
from orgchange.application.changefile import FORMAT
from orgchange.application.errors import ConcurrentWriteError, MalformedInput
from orgchange.domain.changes import CHANGE_CLASSES
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import text
from projections.delegations import Gap

from ..dependencies import RecorderDep, WriterDep
from ..recording import problem_of

router = APIRouter(tags=["changes"])
log = logging.getLogger(__name__)

# YAML has no registered media type everyone agrees on; accept the ones in use.
ACCEPTED_MEDIA_TYPES = (
    "application/json",
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
)


class OrganisationRenamed(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(alias="from", description="The name before; null if it had none.")
    to: str = Field(description="The name the file gave.")


class RecordedChanges(BaseModel):
    ids: list[str] = Field(description="Every change of the file, in file order.")
    recorded: list[str] = Field(description="Those recorded by this request.")
    skipped: list[str] = Field(
        description="Those recorded before with the same content (the import is idempotent)."
    )
    organisation_renamed: OrganisationRenamed | None = Field(
        default=None,
        serialization_alias="organisationRenamed",
        description=(
            "The organisation's name, when the file's `organisation` changed it (recorded with "
            "who and when, like a change); null when the name stayed as it was."
        ),
    )


class NotRecorded(BaseModel):
    errors: list[str] = Field(
        description="What is wrong, naming the change (position and id), the rule and the dates."
    )
    rule: str | None = Field(description="The rule broken, e.g. 'malformed-input'.")
    conflicts: list[str] = Field(
        default_factory=list,
        description="For a retroactive change: the later changes it conflicts with.",
    )


class Refused(BaseModel):
    detail: str


class PreviewGap(BaseModel):
    delegationId: str
    since: str
    reason: str


class PreviewFinding(BaseModel):
    code: str = Field(description="RESERVED_MATTER, REPEALED_ACT, BOARD_OWNS_COMPANY or UNCHECKED_DECIDER.")
    subjectKind: str = Field(description="delegation, unit or change")
    subjectId: str
    since: str | None = Field(description="The first day it holds; null for a decision's body.")
    reason: str


class DryRun(BaseModel):
    dryRun: bool = True
    recorded: list[str] = Field(default_factory=list, description="Always empty: nothing is recorded.")
    opened: list[PreviewGap] = Field(description="Delegations the file would leave without a delegate.")
    closed: list[PreviewGap] = Field(description="Gaps the file would close.")
    findings: list[PreviewFinding] = Field(
        description="What is wrong with the file's decisions; a finding never blocks recording."
    )


DRY_RUN_VALUES = {"true": True, "1": True, "false": False, "0": False}


def _dry_run(impact: Impact) -> DryRun:
    def gap(g: Gap) -> PreviewGap:
        return PreviewGap(delegationId=g.delegation_id, since=g.since.isoformat(), reason=g.reason)

    return DryRun(
        opened=[gap(g) for g in impact.opened],
        closed=[gap(g) for g in impact.closed],
        findings=[
            PreviewFinding(
                code=f.code,
                subjectKind=f.subject_kind,
                subjectId=f.subject,
                since=f.since.isoformat() if f.since else None,
                reason=f.reason,
            )
            for f in impact.findings
        ],
    )


_EXAMPLE = """format: orgchange/v1
changes:
  - id: ks-2017-001
    type: rename_unit
    effective: 2017-01-01
    decision: {body: ks, date: 2016-12-12, paragraph: "§ 312"}
    unit: bygglovenheten
    name: Bygg- och tillståndsenheten
"""

# The outer form of a change file; each change's own fields are checked by the reader, which
# names what is wrong (docs/errors.md#refused-changes).
_CHANGE_FILE = {
    "type": "object",
    "required": ["format", "changes"],
    "properties": {
        "format": {"const": FORMAT},
        "organisation": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": sorted(CHANGE_CLASSES)}},
            },
        },
    },
    "additionalProperties": False,
}

_REQUEST_BODY = {
    "required": True,
    "description": "A change file, `format: orgchange/v1` (docs/change-files.md), as JSON or YAML.",
    "content": {
        "application/yaml": {"schema": {"type": "string"}, "example": _EXAMPLE},
        "application/json": {"schema": _CHANGE_FILE},
    },
}


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported_media_type(
    types: tuple[str, ...] = ACCEPTED_MEDIA_TYPES[:2], table: bool = False
) -> JSONResponse:
    """415: a body of a media type other than JSON or YAML (POST /changes, POST /decisions), or
    than those `types` a route takes (POST /baseline/…: CSV or XLSX)."""
    return JSONResponse(
        {
            "detail": str(
                text(
                    "UNSUPPORTED_MEDIA_TYPE:table" if table else "UNSUPPORTED_MEDIA_TYPE",
                    types=str(text("UNSUPPORTED_MEDIA_TYPE:or")).join(types),
                )
            ),
            "code": "UNSUPPORTED_MEDIA_TYPE",
        },
        status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    )


@router.post(
    "/changes",
    summary="Record a change file",
    description=(
        "Records the file's changes atomically: all of them or none. A change whose `id` was "
        "recorded before with the same content is skipped. Needs a registrar's or an admin's "
        "token; `recordedBy` is the token's name. With `dryRun=true` nothing is recorded: the "
        "answer says what the file would do to the delegationsordning and what findings its "
        "decisions bring, or refuses it exactly as recording would."
    ),
    response_model=RecordedChanges | DryRun,
    response_model_by_alias=True,
    responses={
        401: {"model": Refused, "description": "No valid token."},
        403: {"model": Refused, "description": "A reader's token cannot record changes."},
        409: {"model": NotRecorded, "description": "Other writers kept the register busy; retry."},
        413: {"model": NotRecorded, "description": "The body is larger than allowed."},
        415: {"model": Refused, "description": "The body is not JSON or YAML."},
        422: {"model": NotRecorded, "description": "Malformed or rejected; nothing recorded."},
        503: {"model": Refused, "description": "The database cannot be used (full, or down); retry."},
    },
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def record_change_file(
    request: Request,
    caller: WriterDep,
    recorder: RecorderDep,
    dry_run: Annotated[
        str | None,
        Query(alias="dryRun", description="`true`: check and preview the file, record nothing."),
    ] = None,
) -> RecordedChanges | DryRun | JSONResponse:
    preview = DRY_RUN_VALUES.get((dry_run or "false").lower())
    if preview is None:  # refused in the words of every refusal of this route, before the body is read
        problem = {"errors": [str(text("malformed-input:dry-run"))], "rule": "malformed-input"}
        return JSONResponse(problem, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    media_type = _media_type(request)
    if media_type not in ACCEPTED_MEDIA_TYPES:
        return unsupported_media_type()
    # The size limit is enforced while the body arrives (api.limits.BodySizeLimit).
    body = await request.body()
    try:
        if preview:
            impact = await run_in_threadpool(recorder.preview_file, body, caller.name, "request body")
            return _dry_run(impact)
        result = await run_in_threadpool(recorder.record_file, body, caller.name, "request body")
    except (MalformedInput, ChangeRejected) as error:
        return JSONResponse(problem_of(error).as_json(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except ConcurrentWriteError as error:
        return JSONResponse(problem_of(error).as_json(), status_code=status.HTTP_409_CONFLICT)
    renamed = result.renamed
    return RecordedChanges(
        ids=result.ids,
        recorded=result.recorded,
        skipped=result.skipped,
        organisation_renamed=OrganisationRenamed(from_=renamed.before, to=renamed.after) if renamed else None,
    )
