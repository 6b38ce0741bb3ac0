"""`POST /baseline/organisation`, `POST /baseline/delegations`: a register started from spreadsheets
over HTTP (docs/baseline.md, docs/http.md#post-baselineorganisation-and-post-baselinedelegations).

The body is the table itself, CSV or XLSX, as the request's body (`Content-Type: text/csv` or
the XLSX media type); the day, the board, the column mapping (YAML text) and whether to record
are query parameters. The table is read by the reader the command line uses
(orgchange/application/tables.py), with its bounds, and the changes made of it are checked and
recorded like a change file's through `ChangeRecorder`: all of them or none. With `dryRun=true`
nothing is recorded: the answer is the change file the table makes (to review, or to open as a
draft), checked in a transaction that is rolled back.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orgchange.application import baseline as tables_in
from orgchange.application.changefile import FORMAT
from orgchange.application.errors import ConcurrentWriteError, MalformedInput
from orgchange.application.tables import ColumnMapping, TableError, parse_mapping
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import Text, text

from ..dependencies import RecorderDep, WriterDep
from ..params import DAY_SCHEMA, KEY_SCHEMA, Message, day, invalid
from ..recording import ChangeRecorder
from .changes import DRY_RUN_VALUES, _media_type, unsupported_media_type

router = APIRouter(prefix="/baseline", tags=["baseline"])
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_MEDIA_TYPES = {"text/csv": "csv", XLSX: "xlsx"}
MAX_NAME_CHARACTERS = 120

# Reading a table takes memory in proportion to it (an XLSX unpacked, its rows): one at a
# time per process, so that a few large uploads cannot add up.
_reading = threading.Lock()


class RecordedBaseline(BaseModel):
    ids: list[str] = Field(description="The id of every change the table made, in order.")
    recorded: list[str] = Field(description="Those recorded by this request.")
    skipped: list[str] = Field(description="Those recorded before with the same content (idempotent by id).")
    unmatched: list[str] = Field(
        default_factory=list,
        description="Delegations: the rows left out with `partial=true`, each naming its line and column.",
    )


class BaselineDryRun(BaseModel):
    dryRun: bool = True
    recorded: list[str] = Field(default_factory=list, description="Always empty: nothing is recorded.")
    ids: list[str] = Field(description="The id of every change the table would make, in order.")
    changeFile: dict[str, Any] = Field(
        description="The change file (orgchange/v1) the table makes: to review, keep, or open as a draft."
    )
    unmatched: list[str] = Field(
        default_factory=list,
        description=(
            "Delegations: the delegates (or substitutes) whose title matches no post, or several, "
            "each naming its line and column; their rows are not in `changeFile`."
        ),
    )


class BaselineNotRecorded(BaseModel):
    errors: list[str] = Field(description="What is wrong, each naming the line and the column of the table.")
    code: str = Field(
        description=(
            "TABLE_UNREADABLE, TABLE_TOO_LARGE, TABLE_HEADER, TABLE_MISSING_COLUMN, TABLE_VALUE, "
            "TABLE_REFERENCE, MAPPING_INVALID, DELEGATES_UNMATCHED, INVALID_PARAMETER, or the rule a "
            "change broke (docs/errors.md)."
        )
    )
    unmatched: list[str] = Field(
        default_factory=list, description="DELEGATES_UNMATCHED: each title that matched no post, or several."
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid token."},
    403: {"description": "A reader's token cannot record; or a session's write without its anti-CSRF proof."},
    409: {"model": BaselineNotRecorded, "description": "Other writers kept the register busy; retry."},
    413: {"description": "The body is larger than allowed."},
    415: {"description": "The body is neither CSV (`text/csv`) nor XLSX."},
    422: {
        # A parameter is refused as every route refuses one (`detail`, `code`), before the body is
        # read; the mapping and the table as a table (`errors`, `code`).
        "model": BaselineNotRecorded | Message,
        "description": "A parameter, the mapping or the table refused; nothing recorded.",
    },
    503: {"description": "The database cannot be used; retry."},
}


def _request_body(example: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": "The table: CSV (UTF-8, `,` `;` or tab) or XLSX, as the body itself.",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": example},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


AsOf = Annotated[
    str,
    Query(
        alias="asOf",
        description="The day the table's changes take effect, YYYY-MM-DD.",
        json_schema_extra=DAY_SCHEMA,
    ),
]
Mapping = Annotated[
    str | None,
    Query(
        description=(
            "The column mapping, as YAML text (docs/baseline.md#mappings); without it each field's "
            "column is the one headed by its name."
        ),
    ),
]
DryRun = Annotated[
    str | None,
    Query(alias="dryRun", description="`true`: answer the change file it would make; record nothing."),
]
FileName = Annotated[
    str | None,
    Query(
        alias="filename",
        description=(
            "The table's file name, for the messages and the changes' note "
            "(default: `kalkylblad.csv`/`.xlsx`)."
        ),
    ),
]


@router.post(
    "/organisation",
    summary="Start from a spreadsheet of the organisation",
    description=(
        "Reads the table (one row per unit: key, name, kind, parent, manager_title; or the columns "
        "the mapping names) into `establish_unit` and `establish_position` changes on `asOf`, and "
        "records them atomically: all or none, idempotent by id. With `dryRun=true` nothing is "
        "recorded: the answer is the change file it would make. Needs a registrar's or an admin's "
        "token (or a signed-in session with its anti-CSRF proof)."
    ),
    response_model=RecordedBaseline | BaselineDryRun,
    responses=_RESPONSES,
    openapi_extra=_request_body("key,name,kind,parent,manager_title\nks,Kommunstyrelsen,nämnd,,\n"),
)
async def baseline_organisation(
    request: Request,
    caller: WriterDep,
    recorder: RecorderDep,
    as_of: AsOf,
    mapping: Mapping = None,
    dry_run: DryRun = None,
    filename: FileName = None,
) -> RecordedBaseline | BaselineDryRun | JSONResponse:
    def make(
        data: bytes, kind: str, source: str, day_: date, columns: ColumnMapping | None
    ) -> tables_in.Baseline:
        return tables_in.units_of_upload(recorder.orgchange, data, kind, source, day_, columns)

    return await _answer(request, caller.name, recorder, as_of, mapping, dry_run, None, filename, make)


@router.post(
    "/delegations",
    summary="Start from a delegationsordning table",
    description=(
        "Reads the table (one row per delegation point: code, matter, delegate, substitute, limit, "
        "legal_basis, reporting, further_delegation) into `grant_delegation` changes of `board` on "
        "`asOf`, each delegate matched to a post of the board's organisation by its title. A title "
        "that matches no post, or several, refuses the table (`DELEGATES_UNMATCHED`), unless "
        "`partial=true`: then the matched rows are recorded and the others listed. With "
        "`dryRun=true` nothing is recorded: the answer is the change file of the matched rows and "
        "the unmatched titles. Needs a registrar's or an admin's token (or a signed-in session)."
    ),
    response_model=RecordedBaseline | BaselineDryRun,
    responses=_RESPONSES,
    openapi_extra=_request_body("code,matter,delegate\n2.1,Upphandling,Kommundirektör\n"),
)
async def baseline_delegations(
    request: Request,
    caller: WriterDep,
    recorder: RecorderDep,
    as_of: AsOf,
    board: Annotated[
        str, Query(description="The board (or committee) that delegates.", json_schema_extra=KEY_SCHEMA)
    ],
    mapping: Mapping = None,
    dry_run: DryRun = None,
    partial: Annotated[
        str | None, Query(description="`true`: record the matched rows, list the others.")
    ] = None,
    filename: FileName = None,
) -> RecordedBaseline | BaselineDryRun | JSONResponse:
    left_out = _yes_or_no("partial", partial)
    preview = _yes_or_no("dryRun", dry_run)

    def make(
        data: bytes, kind: str, source: str, day_: date, columns: ColumnMapping | None
    ) -> tables_in.Baseline:
        # A dry run matches what it can and lists the rest: it shows both halves of the answer.
        return tables_in.delegations_of_upload(
            recorder.orgchange, data, kind, source, board, day_, columns, left_out or bool(preview)
        )

    return await _answer(request, caller.name, recorder, as_of, mapping, dry_run, left_out, filename, make)


async def _answer(
    request: Request,
    caller: str,
    recorder: ChangeRecorder,
    as_of: str,
    mapping: str | None,
    dry_run: str | None,
    partial: bool | None,
    filename: str | None,
    make: Callable[[bytes, str, str, date, ColumnMapping | None], tables_in.Baseline],
) -> RecordedBaseline | BaselineDryRun | JSONResponse:
    """Everything both routes share: the parameters, the body, the reading, the recording, the refusals."""
    # The parameters are refused (422 `{"detail", "code": "INVALID_PARAMETER"}`) before the body is read.
    preview = _yes_or_no("dryRun", dry_run)
    day_ = day("asOf", as_of)
    kind = TABLE_MEDIA_TYPES.get(_media_type(request))
    if kind is None:
        return unsupported_media_type(tuple(TABLE_MEDIA_TYPES), table=True)
    source = _source(filename, kind)
    # The size limit is enforced while the body arrives (api.limits.BodySizeLimit); the table's
    # own bounds (bytes, rows, columns, a cell, an XLSX's parts) by the reader.
    body = await request.body()

    def work() -> RecordedBaseline | BaselineDryRun:
        columns = parse_mapping(mapping, "mapping") if mapping is not None else None
        with _reading:
            made = make(body, kind, source, day_, columns)
        limit = recorder.max_changes
        if limit is not None and len(made.changes) > limit:
            raise TableError(
                [text("TABLE_TOO_LARGE:changes", source=source, count=len(made.changes), limit=limit)]
            )
        unmatched = [str(problem) for problem in made.unmatched]
        if preview:  # checked by the code that records, in a transaction that is rolled back
            tables_in.record(lambda changes: recorder.try_out(changes, _nothing, _nothing, caller), made)
            return BaselineDryRun(
                ids=[str(entry["id"]) for entry in made.entries],
                changeFile={"format": FORMAT, "changes": made.entries},
                unmatched=unmatched,
            )
        result = tables_in.record(lambda changes: recorder.record(changes, caller), made)
        return RecordedBaseline(
            ids=result.ids, recorded=result.recorded, skipped=result.skipped, unmatched=unmatched
        )

    try:
        return await run_in_threadpool(work)
    except tables_in.DelegatesUnmatched as error:
        unmatched = [str(problem) for problem in error.unmatched]
        summary = str(error).splitlines()[0]
        return _refused([summary, *unmatched], "DELEGATES_UNMATCHED", unmatched)
    except tables_in.BaselineRejected as error:
        return _refused([str(error)], error.rule)
    except MalformedInput as error:
        reasons = error.reasons
        code = reasons[0].code if reasons and isinstance(reasons[0], Text) else "TABLE_UNREADABLE"
        return _refused(list(error.problems), code)
    except ChangeRejected as error:  # not made of a row (the baseline names its rows): as POST /changes
        return _refused([str(error)], error.rule)
    except ConcurrentWriteError as error:
        return JSONResponse(
            {"errors": [str(error)], "code": "CONCURRENT_WRITE"}, status_code=status.HTTP_409_CONFLICT
        )


def _nothing(*seen: Any) -> None:
    return None


def _yes_or_no(name: str, value: str | None) -> bool:
    answer = DRY_RUN_VALUES.get((value or "false").lower())
    if answer is None:
        raise invalid(text("INVALID_PARAMETER", name=name, problem="true, false, 1 or 0"))
    return answer


def _refused(errors: list[str | Text], code: str, unmatched: list[str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"errors": [str(error) for error in errors], "code": code}
    if unmatched:
        body["unmatched"] = unmatched
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _source(filename: str | None, kind: str) -> str:
    """The name the table goes by in messages and notes: the file's own name, cleaned, or a default."""
    default = f"kalkylblad.{kind}"
    if not filename:
        return default
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ").strip()
    if not name:
        return default
    return name if len(name) <= MAX_NAME_CHARACTERS else name[: MAX_NAME_CHARACTERS - 1] + "…"
