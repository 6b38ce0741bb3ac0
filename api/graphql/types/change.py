"""Recorded changes, the decisions behind them, and pages of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from projections.queries import ChangeRow
from projections.reports import Unreported

from ..context import Info
from .finding import Finding


@strawberry.type(description="The decision behind a change, cited as body + date + §.")
class Decision:
    body: str | None
    date: dt.date | None
    paragraph: str | None
    reference: str | None = strawberry.field(description="Diarienummer, e.g. KFKS 2016/880.")
    position: strawberry.ID | None = strawberry.field(
        default=None, description="The post of the official who decided, if an official did (an extension)."
    )
    name: str | None = strawberry.field(
        default=None,
        description=(
            "Who decided, by name on the decision's day: the body's name or the official's title; "
            "null when `body` is free text rather than a key of the register (an extension)."
        ),
    )

    @classmethod
    def from_row(cls, row: ChangeRow) -> Decision | None:
        """The decision the change row cites; None if it cites none."""
        parts = (
            row.decision_body,
            row.decision_date,
            row.decision_paragraph,
            row.decision_reference,
            row.decision_position,
        )
        if all(part is None for part in parts):
            return None
        return cls(
            body=row.decision_body,
            date=row.decision_date,
            paragraph=row.decision_paragraph,
            reference=row.decision_reference,
            position=strawberry.ID(row.decision_position) if row.decision_position else None,
            name=row.decision_name,
        )


@strawberry.type(description="A delegation that a change left without a delegate (an extension).")
class AffectedDelegation:
    board: strawberry.ID = strawberry.field(description="The board that granted it.")
    delegation_id: strawberry.ID
    code: str | None


# The fields of Change that load something; given in the class below by name so
# that the schema lists them where they have always been.


async def _findings(root: Change, info: Info) -> list[Finding]:
    reader = info.context.orgchange.read_model.findings
    found = await run_in_threadpool(reader.of_changes, [root.row])
    return [Finding.from_row(finding) for finding in found.get(root.row.id, [])]


async def _cancellation(root: Change, info: Info) -> Change | None:
    if not root.row.cancelled_by:
        return None
    row = await info.context.loaders.change.load(root.row.cancelled_by)
    return Change.from_row(row) if row is not None else None


async def _unit_ids(root: Change, info: Info) -> list[strawberry.ID]:
    row = root.row
    keys = row.unit_ids if row.linked else await info.context.loaders.change_units.load(row.id)
    return [strawberry.ID(key) for key in keys]


async def _affected_delegations(root: Change, info: Info) -> list[AffectedDelegation]:
    row = root.row
    effects = row.affects if row.linked else await info.context.loaders.change_effects.load(row.id)
    return [
        AffectedDelegation(
            board=strawberry.ID(e.board), delegation_id=strawberry.ID(e.delegation_id), code=e.code
        )
        for e in effects
    ]


def _entry(root: Change) -> JSON:
    return cast(JSON, root.row.as_change_file_entry())


async def _cancelled_at(root: Change, info: Info) -> dt.datetime | None:
    cancellation = await _cancellation(root, info)
    return cancellation.recorded_at if cancellation is not None else None


@strawberry.type(description="One recorded change of the organisation or its delegations.")
class Change:
    row: strawberry.Private[ChangeRow]
    id: strawberry.ID
    change_type: str = strawberry.field(name="type", description="The change type, e.g. merge_units.")
    # Every listed change has a day (reports, the only undated changes, are not listed).
    effective: dt.date = strawberry.field(
        description=(
            "The day it takes effect; for cancel_change and correct_change, that of the change cancelled."
        )
    )
    recorded_at: dt.datetime = strawberry.field(description="When the register accepted it (UTC).")
    recorded_by: str | None = strawberry.field(
        description="The API token's name, or the user of the command line."
    )
    unit_ids: list[strawberry.ID] = strawberry.field(
        resolver=_unit_ids, description="Every unit the change touches; old and new ones alike."
    )
    summary: str = strawberry.field(description="The change as a plain Swedish sentence.")
    decision: Decision | None
    report_to: strawberry.ID | None = strawberry.field(
        description=(
            "The board it must be reported to (anmälan), derived from who decided it when it was "
            "recorded: a decision by an official goes to the board whose administration the post "
            "stands in, a vidaredelegation to the board of the delegation it rests on; null: nobody "
            "(a decision of the council or a board itself, a cancellation, or an unknown decider)."
        )
    )
    report_basis: str | None = strawberry.field(
        description=(
            "Why it goes to `reportTo`: OFFICIAL_DECISION, SUBDELEGATION or COMMITTEE_DECISION; "
            "null when it goes to nobody (an extension)."
        )
    )
    report_reason: str | None = strawberry.field(
        description=(
            "On the items of `unreportedChanges`: why the change is listed for that board, in Swedish "
            "(it is to be reported there, and/or 'Påverkar er delegationsordning' when it left one of "
            "the board's delegations without a delegate); null elsewhere (an extension)."
        )
    )
    affected_delegations: list[AffectedDelegation] = strawberry.field(
        resolver=_affected_delegations,
        description=(
            "Delegations the change left without a delegate, of boards other than the one that "
            "decided it; each such board is to hear of it too (an extension)."
        ),
    )
    cancelled: bool = strawberry.field(
        description="Voided by a later cancel_change or correct_change (as known at knownAt)."
    )
    findings: list[Finding] = strawberry.field(
        resolver=_findings,
        description=(
            "What is wrong with the change's decision or with what it set (an extension): e.g. a "
            "decision body that is no key of the register, a board made a company's owner."
        ),
    )
    cancelled_by: strawberry.ID | None = strawberry.field(
        description="The cancel_change or correct_change that voided it (an extension)."
    )
    cancellation: Change | None = strawberry.field(
        resolver=_cancellation,
        description=(
            "The cancel_change or correct_change that voided it (as known at knownAt): who cancelled it (its "
            "recordedBy), when (its recordedAt) and why (its summary) (an extension)."
        ),
    )
    cancelled_at: dt.datetime | None = strawberry.field(
        resolver=_cancelled_at,
        description="When it was cancelled (as known at knownAt); null if not (an extension).",
    )
    cancels: strawberry.ID | None = strawberry.field(
        description="For a cancel_change or a correct_change: the change it cancels (an extension)."
    )
    note: str | None = strawberry.field(description="The registrar's note (an extension).")
    entry: JSON = strawberry.field(
        resolver=_entry,
        description=(
            "The change as it is written in a change file (orgchange/v1): its type, id, effective "
            "date, decision, note and its type's own fields; for a correct_change, its replacement "
            "in full. What a correction starts from (an extension)."
        ),
    )

    @classmethod
    def from_row(cls, row: ChangeRow, listing: Unreported | None = None) -> Change:
        """The change; `listing` is set on the items of `unreportedChanges` (why it is listed there)."""
        return cls(
            row=row,
            id=strawberry.ID(row.id),
            change_type=row.type,
            # Listed changes are dated (see the field); an undated one fails as a null for Date!.
            effective=cast(dt.date, row.effective),
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            summary=row.summary,
            decision=Decision.from_row(row),
            report_to=strawberry.ID(row.report_to) if row.report_to else None,
            report_basis=row.report_basis,
            report_reason=listing.reason if listing is not None else None,
            cancelled=row.cancelled,
            cancelled_by=strawberry.ID(row.cancelled_by) if row.cancelled_by else None,
            cancels=strawberry.ID(row.cancels) if row.cancels else None,
            note=row.note,
        )


@strawberry.type
class ChangeEdge:
    node: Change
    cursor: str


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A page of changes; pass pageInfo.endCursor as `after` for the next.")
class ChangeConnection:
    edges: list[ChangeEdge]
    page_info: PageInfo
    # The number, or how to count it: counted only if the query asks for it (a unit's changes
    # on its page do not, and counting every change of a unit costs more than its page).
    total: strawberry.Private[int | Callable[[], int]]

    @strawberry.field(description="Changes matching the filters, on all pages.")
    async def total_count(self) -> int:
        total = self.total
        return total if isinstance(total, int) else await run_in_threadpool(total)
