"""Delegated decisions in GraphQL (docs/decisions.md, docs/graphql.md#delegated-decisions):
the query `delegatedDecisions` and the mutations `recordDecisions`, `reportDecisions` and
`noteDecisionReport` (the last two as `reportChanges`/`noteReport` are for changes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from orgchange.application import decisions
from orgchange.application.errors import ConcurrentWriteError, DatabaseUnavailable
from orgchange.domain.messages import text
from projections.decisions import DecisionReader, DecisionRow, cursor_of, position_of

from .context import Info
from .errors import bad_argument, database_unavailable
from .types import PageInfo

T = TypeVar("T")
MAX_PAGE_SIZE = 1000
OptionalFrom = Annotated[dt.date | None, strawberry.argument(name="from")]


def _given(value: T | None) -> T | None:
    return None if value is strawberry.UNSET else value


@strawberry.type(description="The report of a decision to a meeting, and the § that noted it.")
class DecisionReported:
    to: strawberry.ID
    meeting: dt.date
    noted_paragraph: str | None


@strawberry.type(
    description=(
        "A decision taken under delegation (delegationsbeslut), with what the check against the "
        "delegationsordning of its day found (docs/decisions.md#findings)."
    )
)
class DelegatedDecision:
    id: strawberry.ID
    delegation_id: strawberry.ID | None = strawberry.field(
        description="The delegation (or vidaredelegation) it was taken under; null if none was found."
    )
    decided_by: strawberry.ID
    date: dt.date
    matter: str
    reference: str | None
    amount: float | None
    report_to: strawberry.ID | None = strawberry.field(
        description="The board, or under vidaredelegation the förvaltningschef's post; null: not reported."
    )
    findings: list[str] = strawberry.field(description="Plain Swedish; empty when the decision had support.")
    reported_at: dt.date | None = strawberry.field(description="The meeting it was reported to.")
    reported: DecisionReported | None = strawberry.field(description="The report and its § (an extension).")
    delegation_ref: str = strawberry.field(
        description="The delegation as the decision named it: a key or a code."
    )
    acting_as_substitute: bool
    not_reported: bool = strawberry.field(
        description="The board decided that decisions under the delegation are not reported to it."
    )
    recorded_at: dt.datetime
    recorded_by: str

    @classmethod
    def from_row(cls, row: DecisionRow) -> DelegatedDecision:
        return cls(
            id=strawberry.ID(row.id),
            delegation_id=strawberry.ID(row.delegation_id) if row.delegation_id else None,
            decided_by=strawberry.ID(row.decided_by),
            date=row.date,
            matter=row.matter,
            reference=row.reference,
            amount=row.amount,
            report_to=strawberry.ID(row.report_to) if row.report_to else None,
            findings=list(row.findings),
            reported_at=row.reported_at,
            reported=(
                DecisionReported(
                    to=strawberry.ID(row.reported_to or ""),
                    meeting=row.reported_at,
                    noted_paragraph=row.noted_paragraph,
                )
                if row.reported_at is not None
                else None
            ),
            delegation_ref=row.delegation_ref,
            acting_as_substitute=row.acting_as_substitute,
            not_reported=row.not_reported,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )


@strawberry.type
class DelegatedDecisionEdge:
    node: DelegatedDecision
    cursor: str


@strawberry.type
class DelegatedDecisionConnection:
    edges: list[DelegatedDecisionEdge]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], int]]

    @strawberry.field  # counted only when asked for: a count reads every match
    async def total_count(self) -> int:
        return await run_in_threadpool(self.counter)


QUERY_DESCRIPTION = (
    "Decisions taken under delegation, by decision date: `board` — those to be reported to it "
    "(and those under its delegations that it decided not to have reported); `unreported` — not "
    "yet reported; `withFindings` — with (or without) findings; `knownAt` (an extension) — as the "
    "register knew them then, findings included."
)


async def delegated_decisions(
    info: Info,
    board: strawberry.ID | None = strawberry.UNSET,
    decided_by: strawberry.ID | None = strawberry.UNSET,
    delegation: strawberry.ID | None = strawberry.UNSET,
    from_: OptionalFrom = strawberry.UNSET,
    to: dt.date | None = strawberry.UNSET,
    unreported: bool | None = strawberry.UNSET,
    with_findings: bool | None = strawberry.UNSET,
    first: int | None = 100,
    after: str | None = strawberry.UNSET,
    known_at: dt.datetime | None = strawberry.UNSET,
) -> DelegatedDecisionConnection:
    first = 100 if first is None else first
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_argument("first", str(text("BAD_USER_INPUT:first", limit=MAX_PAGE_SIZE)))
    start, end = _given(from_), _given(to)
    if start is not None and end is not None and start > end:
        raise bad_argument("to", str(text("BAD_USER_INPUT:before", to=end, start=start)))
    after_given = _given(after)
    place = position_of(after_given)
    if place is None:
        raise bad_argument("after", str(text("BAD_USER_INPUT:cursor", cursor=str(after)[:60])))
    reader = DecisionReader(info.context.orgchange.engine)
    filters: dict[str, Any] = {
        "board": _str(board),
        "decided_by": _str(decided_by),
        "delegation": _str(delegation),
        "start": start,
        "end": end,
        "unreported": _given(unreported),
        "with_findings": _given(with_findings),
        "known_at": _given(known_at),
    }

    def page() -> Any:
        return reader.page(first=first, after=place, **filters)

    found = await run_in_threadpool(page)
    edges = [
        DelegatedDecisionEdge(node=DelegatedDecision.from_row(row), cursor=cursor_of(row.position))
        for row in found.rows
    ]
    return DelegatedDecisionConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=found.has_next, end_cursor=found.end_cursor),
        counter=lambda: reader.count(**filters),
    )


def _str(value: Any) -> str | None:
    value = _given(value)
    return None if value is None else str(value)


def refused(error: decisions.DecisionsRefused) -> GraphQLError:
    return GraphQLError("\n".join(error.problems), extensions={"code": error.code, "errors": error.problems})


async def _writing(work: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(work)
    except decisions.DecisionsRefused as error:
        raise refused(error) from None
    except ConcurrentWriteError as error:
        raise GraphQLError(str(error), extensions={"code": "CONCURRENT_WRITE"}) from None
    except DatabaseUnavailable as error:
        raise database_unavailable(error) from None


RECORD_DESCRIPTION = (
    "Record delegated decisions (`orgchange-decisions/v1`, a JSON object or YAML/JSON text) "
    "atomically; returns every decision's id. Same rules as POST /decisions."
)


async def record_decisions(info: Info, file: JSON) -> list[strawberry.ID]:
    caller = info.context.require_writer()
    if not isinstance(file, dict | str):
        raise bad_argument("file", str(text("BAD_USER_INPUT:file")))
    body = file if isinstance(file, str) else json.dumps(file)
    orgchange = info.context.orgchange

    def record() -> decisions.DecisionsResult:
        return decisions.record_decisions(orgchange, decisions.parse_decisions(body, "file"), caller.name)

    result = await _writing(record)
    return [strawberry.ID(i) for i in result.ids]


REPORT_DESCRIPTION = (
    "Report (anmäl) delegated decisions to a meeting of `board` — or, for decisions under "
    "vidaredelegation, of the förvaltningschef's post they are reported to."
)


async def report_decisions(
    info: Info, board: strawberry.ID, meeting: dt.date, decision_ids: list[strawberry.ID]
) -> bool:
    caller = info.context.require_writer()
    orgchange = info.context.orgchange
    ids = [str(i) for i in decision_ids]
    await _writing(lambda: decisions.report_decisions(orgchange, str(board), meeting, ids, caller.name))
    return True


NOTE_DESCRIPTION = "The board noted the delegated decisions reported for a meeting to its minutes, at this §."


async def note_decision_report(info: Info, board: strawberry.ID, meeting: dt.date, paragraph: str) -> bool:
    caller = info.context.require_writer()
    orgchange = info.context.orgchange
    await _writing(
        lambda: decisions.note_decision_report(orgchange, str(board), meeting, paragraph, caller.name)
    )
    return True
