"""`/drafts`: the registrars' drafts (utkast), their check, preview, decision document and recording.

Every route needs a registrar's or an admin's token, reads too: drafts are work in progress,
not the public record (docs/drafts.md). A draft is saved from the revision it was read at
(`If-Match: "<revision>"`); a save from an older revision is refused 412 (`DRAFT_CHANGED`).
Recording goes through the path of `POST /changes` (`ChangeRecorder`), all or nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orgchange.application.changefile import dump_change_file
from orgchange.application.documents.diagrams import GraphvizMissing
from orgchange.application.documents.graphviz import (
    DiagramBusy,
    DiagramNotDrawn,
    DiagramTooLarge,
    RenderLimits,
)
from orgchange.application.documents.proposal import change_chart, proposal_html
from orgchange.application.drafts import (
    Check,
    DraftChanged,
    DraftError,
)
from orgchange.application.errors import ConcurrentWriteError, MalformedInput
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import text

from ..dependencies import DraftsDep, WriterDep
from ..drafting import check_json, draft_json, preview_json
from ..gate import Busy
from ..printing import busy, not_drawn, printed, unavailable
from ..recording import problem_of
from .changes import ACCEPTED_MEDIA_TYPES

router = APIRouter(prefix="/drafts", tags=["drafts"])
log = logging.getLogger(__name__)
T = TypeVar("T")
REVISION_REQUIRED = text("DRAFT_REVISION_REQUIRED")

DraftId = Annotated[str, Path(description="The draft's id.", max_length=32, pattern=r"^[0-9a-f]{1,32}$")]

STATUS_OF = {
    "DRAFT_NOT_FOUND": status.HTTP_404_NOT_FOUND,
    "DRAFT_CHANGED": status.HTTP_412_PRECONDITION_FAILED,
    "DRAFT_CLOSED": status.HTTP_409_CONFLICT,
    "DRAFT_CONFLICT": status.HTTP_409_CONFLICT,
    "DRAFT_TOO_LARGE": status.HTTP_413_CONTENT_TOO_LARGE,
}


def _answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The refusals a route may answer, each `{"detail", "code"}` (docs/errors.md#drafts)."""
    said = {
        400: "The body is not JSON.",
        401: "No valid token.",
        403: "A reader's token: drafts are a registrar's or an admin's.",
        404: "No draft has the id (`DRAFT_NOT_FOUND`).",
        409: "The draft is closed (`DRAFT_CLOSED`), or the register moved under it (`DRAFT_CONFLICT`).",
        412: "Saved by someone else since the revision of `If-Match` (`DRAFT_CHANGED`).",
        413: "More changes or bytes than a draft may hold (`DRAFT_TOO_LARGE`).",
        422: (
            "A parameter is malformed; a name or file a draft cannot hold, a decision missing, a "
            "change refused: nothing saved or recorded."
        ),
        428: "No `If-Match` (`DRAFT_REVISION_REQUIRED`).",
        503: "The database cannot be used; or every turn to print or draw is taken.",
    }
    return {code: {"model": Refusal, "description": said[code]} for code in (401, 403, 422, *codes)}


class NewDraft(BaseModel):
    name: str = Field(description="What the draft is about, e.g. 'Ny förvaltningsorganisation 2027'.")
    file: dict[str, Any] | None = Field(
        default=None, description="A change file (orgchange/v1) to start from; empty if left out."
    )


class Refusal(BaseModel):
    detail: str
    code: str | None = None


async def _run(work: Callable[[], T]) -> T | JSONResponse:
    """`work` in the thread pool, its refusals as answers: the same shapes as `POST /changes`."""
    try:
        return await run_in_threadpool(work)
    except DraftError as error:
        body: dict[str, Any] = {"detail": error.message, "code": error.code}
        problem = error.details.get("problem")
        if problem is not None:
            body["problems"] = check_json(Check([problem], 0, 0))["problems"]
        body.update({k: v for k, v in error.details.items() if k != "problem"})
        return JSONResponse(
            body, status_code=STATUS_OF.get(error.code, status.HTTP_422_UNPROCESSABLE_CONTENT)
        )
    except (MalformedInput, ChangeRejected) as error:
        return JSONResponse(problem_of(error).as_json(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    except ConcurrentWriteError as error:
        return JSONResponse(problem_of(error).as_json(), status_code=status.HTTP_409_CONFLICT)


def _tagged(body: dict[str, Any], revision: int) -> JSONResponse:
    return JSONResponse(body, headers={"ETag": f'"{revision}"'})


def _revision(if_match: str | None) -> int | None:
    """The revision of `If-Match: "3"` (or `W/"3"`); None if absent; -1 if it names none."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    return int(value) if value.isdigit() and len(value) < 10 else -1


@router.get(
    "",
    summary="The drafts",
    description="Every draft, the last saved first; `status` to pick.",
    responses=_answers(503),
)
async def list_drafts(
    caller: WriterDep,
    drafts: DraftsDep,
    status_: Annotated[Literal["open", "recorded", "discarded"] | None, Query(alias="status")] = None,
) -> Any:
    listed = await _run(lambda: drafts.listed(status_))
    if isinstance(listed, JSONResponse):
        return listed
    return [draft_json(d) for d in listed]


@router.post(
    "",
    summary="Start a draft",
    status_code=status.HTTP_201_CREATED,
    description="A new draft, empty or from a change file; answered with its `ETag` (its revision).",
    responses=_answers(400, 413, 422, 503),
)
async def create_draft(caller: WriterDep, drafts: DraftsDep, new: NewDraft) -> Any:
    draft = await _run(lambda: drafts.create(new.name, new.file, caller.name))
    if isinstance(draft, JSONResponse):
        return draft
    response = _tagged(draft_json(draft), draft.revision)
    response.status_code = status.HTTP_201_CREATED
    return response


@router.get("/{draft_id}", summary="A draft", responses=_answers(404, 503))
async def get_draft(caller: WriterDep, drafts: DraftsDep, draft_id: DraftId) -> Any:
    draft = await _run(lambda: drafts.get(draft_id))
    if isinstance(draft, JSONResponse):
        return draft
    return _tagged(draft_json(draft), draft.revision)


@router.put(
    "/{draft_id}/file",
    summary="Save the draft's change file",
    description=(
        "Replaces the draft's change file (JSON or YAML). `If-Match` must give the revision the "
        "edit was made from (the `ETag` of the draft as read): a save from an older revision is "
        "refused 412 `DRAFT_CHANGED`, with the revision the draft is now at; without `If-Match`, "
        "428 `DRAFT_REVISION_REQUIRED`."
    ),
    responses={
        **_answers(404, 409, 412, 413, 422, 428, 503),
        415: {"model": Refusal, "description": "The body is not JSON or YAML."},
    },
)
async def put_draft_file(
    request: Request,
    caller: WriterDep,
    drafts: DraftsDep,
    draft_id: DraftId,
    if_match: Annotated[str | None, Header(description='The revision edited, e.g. "3".')] = None,
) -> Any:
    revision = _revision(if_match)
    if revision is None:
        return JSONResponse(
            {
                "detail": str(REVISION_REQUIRED),
                "code": REVISION_REQUIRED.code,
            },
            status_code=status.HTTP_428_PRECONDITION_REQUIRED,
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_MEDIA_TYPES:
        return JSONResponse(
            {
                "detail": str(
                    text(
                        "UNSUPPORTED_MEDIA_TYPE",
                        types=str(text("UNSUPPORTED_MEDIA_TYPE:or")).join(ACCEPTED_MEDIA_TYPES[:2]),
                    )
                ),
                "code": "UNSUPPORTED_MEDIA_TYPE",
            },
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    body = await request.body()
    if revision < 0:
        found = await _run(lambda: drafts.get(draft_id))
        if isinstance(found, JSONResponse):
            return found
        error = DraftChanged(text("DRAFT_CHANGED:no-revision"), revision=found.revision)
        return JSONResponse(
            {"detail": error.message, "code": error.code, "revision": found.revision},
            status_code=status.HTTP_412_PRECONDITION_FAILED,
        )
    draft = await _run(lambda: drafts.update(draft_id, body, revision))
    if isinstance(draft, JSONResponse):
        return draft
    return _tagged(draft_json(draft), draft.revision)


@router.get(
    "/{draft_id}/check",
    summary="Check a draft",
    responses=_answers(404, 409, 503),
    description=(
        "The draft against the register as it stands plus its own earlier changes, by the rules "
        "recording applies; `stale` when changes were recorded after it was saved, `conflicting` "
        "when the draft no longer fits them."
    ),
)
async def check_draft(caller: WriterDep, drafts: DraftsDep, draft_id: DraftId) -> Any:
    check = await _run(lambda: drafts.check(drafts.get(draft_id)))
    if isinstance(check, JSONResponse):
        return check
    return check_json(check)


@router.get(
    "/{draft_id}/preview",
    summary="What a draft would do (konsekvenser)",
    responses=_answers(404, 409, 503),
    description=(
        "The draft's check, and if it passes: the org chart's diff before and after, its changes "
        "as sentences, the delegations it would leave without a delegate per board with the "
        "changes that would mend each, the gaps it would close and the findings it would bring."
    ),
)
async def preview_draft(caller: WriterDep, drafts: DraftsDep, draft_id: DraftId) -> Any:
    answer = await _run(lambda: drafts.preview(drafts.get(draft_id)))
    if isinstance(answer, JSONResponse):
        return answer
    check, preview = answer
    return {"check": check_json(check), "preview": preview_json(preview) if preview else None}


@router.get(
    "/{draft_id}/file",
    summary="The draft as a change file",
    responses={
        200: {"content": {"application/json": {}, "application/yaml": {}}},
        **_answers(404, 503),
    },
    description=(
        "A download: JSON, or YAML with `format=yaml`; it can be recorded or opened as a draft again."
    ),
    response_class=Response,
)
async def draft_file(
    caller: WriterDep,
    drafts: DraftsDep,
    draft_id: DraftId,
    fmt: Annotated[Literal["json", "yaml"], Query(alias="format")] = "json",
) -> Response:
    draft = await _run(lambda: drafts.get(draft_id))
    if isinstance(draft, JSONResponse):
        return draft
    file = draft.file
    text = (
        json.dumps(file, ensure_ascii=False, indent=1)
        if fmt == "json"
        else dump_change_file(draft.entries, file.get("organisation"), "yaml")
    )
    media = "application/json" if fmt == "json" else "application/yaml"
    return Response(
        text,
        media_type=f"{media}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="utkast-{draft.id}.{fmt}"',
            "ETag": f'"{draft.revision}"',
        },
    )


@router.post(
    "/{draft_id}/record",
    summary="Record a draft",
    responses=_answers(404, 409, 422, 503),
    description=(
        "Records the draft's changes atomically through the path of `POST /changes` and closes "
        "the draft (status `recorded`, with the ids). Every change needs its decision (body or "
        "position, and date): 422 `DRAFT_DECISION_MISSING`. A draft that no longer fits changes "
        "recorded after it was saved: 409 `DRAFT_CONFLICT`. Recording a recorded draft again "
        "answers the same ids."
    ),
)
async def record_draft(caller: WriterDep, drafts: DraftsDep, draft_id: DraftId) -> Any:
    draft = await _run(lambda: drafts.record(draft_id, caller.name))
    if isinstance(draft, JSONResponse):
        return draft
    return {"ids": draft.recorded_ids, "draft": draft_json(draft)}


@router.post(
    "/{draft_id}/discard",
    summary="Discard a draft",
    description="Closes it unrecorded; it stays listed.",
    responses=_answers(404, 409, 503),
)
async def discard_draft(caller: WriterDep, drafts: DraftsDep, draft_id: DraftId) -> Any:
    draft = await _run(lambda: drafts.discard(draft_id))
    if isinstance(draft, JSONResponse):
        return draft
    return draft_json(draft)


@router.get(
    "/{draft_id}/proposal.{fmt}",
    summary="The draft's decision document",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}, **_answers(404, 409, 503)},
    description=(
        "Beslutsunderlag: the changes as sentences, the org chart before and after, the "
        "delegations to amend, the findings; an A4-printable HTML page, or a PDF."
    ),
    response_class=Response,
)
async def proposal(
    request: Request,
    caller: WriterDep,
    drafts: DraftsDep,
    draft_id: DraftId,
    fmt: Literal["html", "pdf"],
) -> Response:
    limits = RenderLimits.of(request.app.state.settings)

    def build() -> str:
        draft = drafts.get(draft_id)
        check, preview = drafts.preview(draft)
        return proposal_html(draft, check, preview, limits=limits)

    try:
        async with request.app.state.review_gate.turn():
            page = await _run(build)
    except Busy as refused:
        return refused.response()
    except DiagramBusy as error:
        return busy(error)
    if isinstance(page, JSONResponse):
        return page
    if fmt == "html":
        return Response(page, media_type="text/html; charset=utf-8")
    return await printed(request, page, f"beslutsunderlag-{draft_id}")


@router.get(
    "/{draft_id}/chart/{state}.svg",
    summary="The draft's org chart, before or after",
    responses={200: {"content": {"image/svg+xml": {}}}, **_answers(404, 422, 503)},
    description=(
        "The part of the organisation the draft touches, before it (`before`, the day before its "
        "last effective day) or after it (`after`), as SVG: the units it adds, ends, renames, moves "
        "or reclassifies filled and framed in the change's colour. 404 `DRAFT_NOT_PREVIEWED` while "
        "the draft does not pass its check."
    ),
    response_class=Response,
)
async def change_chart_svg(
    request: Request,
    caller: WriterDep,
    drafts: DraftsDep,
    draft_id: DraftId,
    state: Literal["before", "after"],
) -> Response:
    limits = RenderLimits.of(request.app.state.settings)

    def build() -> bytes | str:
        draft = drafts.get(draft_id)
        _, preview = drafts.preview(draft)
        return draft.name if preview is None else change_chart(preview, state, limits)

    try:
        async with request.app.state.review_gate.turn():
            svg = await _run(build)
    except Busy as refused:
        return refused.response()
    except DiagramBusy as error:
        return busy(error)
    except (DiagramTooLarge, DiagramNotDrawn) as error:
        return not_drawn(error)
    except GraphvizMissing as error:
        return unavailable(error)
    if isinstance(svg, JSONResponse):
        return svg
    if isinstance(svg, str):  # the draft's name: it has no preview
        return JSONResponse(
            {"detail": str(text("DRAFT_NOT_PREVIEWED", name=svg)), "code": "DRAFT_NOT_PREVIEWED"},
            status_code=status.HTTP_404_NOT_FOUND,
        )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
