"""The mutations of docs/graphql.md#mutations. Each needs a registrar's or an admin's token.

They record through the same `ChangeRecorder` as `POST /changes`, so a change
is validated, recorded and refused in the same way and in the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON

from orgchange.application import RecordResult
from orgchange.application.errors import ConcurrentWriteError, DatabaseUnavailable, MalformedInput
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import text

from ..recording import problem_of
from . import decisions as deciding
from . import drafts as drafting
from .context import Info
from .errors import bad_argument, database_unavailable, not_recorded
from .types import DelegationImpact, Report
from .types.draft import Draft

T = TypeVar("T")


async def _recording(record: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(record)
    except (MalformedInput, ChangeRejected, ConcurrentWriteError) as error:
        raise not_recorded(problem_of(error)) from None
    except DatabaseUnavailable as error:
        raise database_unavailable(error) from None


def _change_file(file: object) -> dict | str:
    if not isinstance(file, dict | str):
        raise bad_argument("file", str(text("BAD_USER_INPUT:file")))
    return file


async def _report(info: Info, board: str, meeting: dt.date) -> Report:
    rows = await run_in_threadpool(info.context.orgchange.read_model.reports.reports, board, meeting)
    return Report.from_row(rows[0])


def _tell_renaming(info: Info, result: RecordResult) -> None:
    """`recordChanges` answers a list of ids (the public schema): a renaming of the
    organisation is told beside it, in the response's `extensions.organisationRenamed`."""
    if result.renamed is not None:
        info.context.organisation_renamed = {"from": result.renamed.before, "to": result.renamed.after}


class OrganisationRenamedExtension(SchemaExtension):
    """Adds `extensions.organisationRenamed` ({from, to}) when a mutation renamed the organisation."""

    def get_results(self) -> dict[str, Any]:
        renamed = getattr(self.execution_context.context, "organisation_renamed", None)
        return {"organisationRenamed": renamed} if renamed is not None else {}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Record a change file (orgchange/v1, as a JSON object or as YAML/JSON text), "
            "atomically; returns the id of every change in it. Same rules as POST /changes. When "
            "the file's `organisation` renamed the organisation, the response's "
            "`extensions.organisationRenamed` says so: {from, to}."
        )
    )
    async def record_changes(self, info: Info, file: JSON) -> list[strawberry.ID]:
        caller = info.context.require_writer()
        change_file = _change_file(file)
        result: RecordResult = await _recording(
            lambda: info.context.recorder.record_file(change_file, caller.name, "file")
        )
        _tell_renaming(info, result)
        return [strawberry.ID(key) for key in result.ids]

    @strawberry.mutation(
        description=(
            "A dry run of a change file (as for recordChanges): the delegations it would leave "
            "without a delegate, and those it would give one again. The file is checked by the "
            "same rules; nothing is recorded (an extension)."
        )
    )
    async def preview_changes(self, info: Info, file: JSON) -> DelegationImpact:
        caller = info.context.require_writer()
        change_file = _change_file(file)
        impact = await _recording(
            lambda: info.context.recorder.preview_file(change_file, caller.name, "file")
        )
        return DelegationImpact.from_row(impact)

    @strawberry.mutation(description="Report (anmäl) recorded changes to a board's meeting.")
    async def report_changes(
        self,
        info: Info,
        board: strawberry.ID,
        meeting: dt.date,
        change_ids: list[strawberry.ID],
    ) -> Report:
        caller = info.context.require_writer()
        entry: dict[str, Any] = {
            "type": "report_changes",
            "to": str(board),
            "meeting": meeting.isoformat(),
            "changes": [str(key) for key in change_ids],
        }
        await _recording(lambda: info.context.recorder.record_entry(entry, caller.name))
        return await _report(info, str(board), meeting)

    @strawberry.mutation(description="The board noted the report to its minutes, at this §.")
    async def note_report(self, info: Info, board: strawberry.ID, meeting: dt.date, paragraph: str) -> Report:
        caller = info.context.require_writer()
        entry = {
            "type": "note_report",
            "to": str(board),
            "meeting": meeting.isoformat(),
            "paragraph": paragraph,
        }
        await _recording(lambda: info.context.recorder.record_entry(entry, caller.name))
        return await _report(info, str(board), meeting)

    create_draft: Draft = strawberry.mutation(
        resolver=drafting.create_draft, description=drafting.CREATE_DESCRIPTION
    )
    update_draft: Draft = strawberry.mutation(
        resolver=drafting.update_draft, description=drafting.UPDATE_DESCRIPTION
    )
    record_draft: list[strawberry.ID] = strawberry.mutation(
        resolver=drafting.record_draft, description=drafting.RECORD_DESCRIPTION
    )
    discard_draft: Draft = strawberry.mutation(
        resolver=drafting.discard_draft, description=drafting.DISCARD_DESCRIPTION
    )
    add_draft_change: Draft = strawberry.mutation(
        resolver=drafting.add_draft_change, description=drafting.ADD_DESCRIPTION
    )
    replace_draft_change: Draft = strawberry.mutation(
        resolver=drafting.replace_draft_change, description=drafting.REPLACE_DESCRIPTION
    )
    remove_draft_change: Draft = strawberry.mutation(
        resolver=drafting.remove_draft_change, description=drafting.REMOVE_DESCRIPTION
    )
    record_decisions: list[strawberry.ID] = strawberry.mutation(
        resolver=deciding.record_decisions, description=deciding.RECORD_DESCRIPTION
    )
    report_decisions: bool = strawberry.mutation(
        resolver=deciding.report_decisions, description=deciding.REPORT_DESCRIPTION
    )
    note_decision_report: bool = strawberry.mutation(
        resolver=deciding.note_decision_report, description=deciding.NOTE_DESCRIPTION
    )
