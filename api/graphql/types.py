"""The GraphQL object types of CONTRACT.md §5, plus a few extras in the same style.

Types wrap read-model rows. Fields that need more data (parent, children,
positions, whole life, links, delegations) go through the request's DataLoaders,
so asking for them on 1,000 units costs one statement per field, not 1,000.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from starlette.concurrency import run_in_threadpool

from orgchange.application import Impact
from orgchange.application.outputs import StaleOutput as StaleOutputRow
from orgchange.domain.findings import Finding as FindingRow
from orgchange.domain.law import RESERVED_MATTERS, SUPERVISION
from projections.delegations import DelegationRow, Gap
from projections.reports import ReportRow, Unreported
from projections.rows import ChangeRow, PositionRow, UnitRow

from .context import Info
from .loaders import Viewpoint


@strawberry.type(
    description="A unit (nämnd, förvaltning, enhet, bolag …) as in effect on the day asked about."
)
class Unit:
    row: strawberry.Private[UnitRow]
    view: strawberry.Private[Viewpoint]
    # Plain fields, not resolvers: an organisation of 10,000 units resolves 10,000 of
    # each, and a plain field skips strawberry's per-call resolver machinery.
    id: strawberry.ID = strawberry.field(description="The unit's key (a stable slug).")
    name: str
    kind: str = strawberry.field(
        description="council, board, committee, office, area, unit, group or company."
    )
    parent_id: strawberry.ID | None = strawberry.field(
        description="The unit above it in the line hierarchy (null for roots and companies)."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        description="A company's owner: the council (the kommun) or a parent company."
    )
    supervisor_id: strawberry.ID | None = strawberry.field(
        description=f"A company's supervisor: the board with uppsikt over it ({SUPERVISION.now})."
    )

    @classmethod
    def of(cls, row: UnitRow, view: Viewpoint) -> Unit:
        return cls(
            row=row,
            view=view,
            id=strawberry.ID(row.id),
            name=row.name,
            kind=row.kind,
            parent_id=strawberry.ID(row.parent_id) if row.parent_id else None,
            owner_id=strawberry.ID(row.owner_id) if row.owner_id else None,
            supervisor_id=strawberry.ID(row.supervisor_id) if row.supervisor_id else None,
        )

    @strawberry.field
    async def parent(self, info: Info) -> Unit | None:
        return await _unit(info, self.row.parent_id, self.view)

    @strawberry.field(description="A company's owner, as a unit (an extension).")
    async def owner(self, info: Info) -> Unit | None:
        return await _unit(info, self.row.owner_id, self.view)

    @strawberry.field(description="A company's supervisor (the board with uppsikt), as a unit.")
    async def supervisor(self, info: Info) -> Unit | None:
        return await _unit(info, self.row.supervisor_id, self.view)

    @strawberry.field(description="Units directly under it on the day, by key.")
    async def children(self, info: Info) -> list[Unit]:
        rows = await info.context.loaders.children_rows(self.row.id, self.view)
        return [Unit.of(row, self.view) for row in rows]

    @strawberry.field(description="Positions (befattningar) in the unit on the day, by key.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await info.context.loaders.positions.load((self.row.id, self.view))
        return [Position(row=row, view=self.view) for row in rows]

    @strawberry.field(description="First day of the unit's whole life.")
    async def valid_from(self, info: Info) -> dt.date:
        life = await info.context.loaders.life.load((self.row.id, self.view))
        return life.valid_from if life else self.row.valid_from

    @strawberry.field(
        description="The day after the unit's last day (half-open); null while it is in effect."
    )
    async def valid_to(self, info: Info) -> dt.date | None:
        life = await info.context.loaders.life.load((self.row.id, self.view))
        return life.valid_to if life else self.row.valid_to

    @strawberry.field(
        description=(
            "For a board: the delegations it has granted that are in effect on the day, "
            "vidaredelegations included; by code and key (an extension)."
        )
    )
    async def delegations_granted(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_from.load((self.row.id, self.view))
        return [Delegation(row=row) for row in rows]

    @strawberry.field(
        description=(
            "For a committee (utskott): the delegations to it in effect on the day, "
            "by board, code and key (an extension)."
        )
    )
    async def delegations_received(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_to.load((self.row.id, self.view))
        return [Delegation(row=row) for row in rows]

    @strawberry.field(description="Units this one continues (merge, split, spin-off).")
    async def predecessors(self, info: Info) -> list[strawberry.ID]:
        before, _ = await info.context.loaders.links.load((self.row.id, self.view))
        return [strawberry.ID(key) for key in before]

    @strawberry.field(description="Units that continue this one.")
    async def successors(self, info: Info) -> list[strawberry.ID]:
        _, after = await info.context.loaders.links.load((self.row.id, self.view))
        return [strawberry.ID(key) for key in after]


async def _unit(info: Info, key: str | None, view: Viewpoint) -> Unit | None:
    if key is None:
        return None
    row = await info.context.loaders.unit_row(key, view)
    return Unit.of(row, view) if row is not None else None


@strawberry.type(description="One version of a unit: what it was called, what and where, and when.")
class UnitVersion:
    row: strawberry.Private[UnitRow]

    @strawberry.field
    def valid_from(self) -> dt.date:
        return self.row.valid_from

    @strawberry.field(description="The day after the version's last day; null if open-ended.")
    def valid_to(self) -> dt.date | None:
        return self.row.valid_to

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field
    def parent_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.parent_id) if self.row.parent_id else None

    @strawberry.field(description="A company's owner in this version (an extension).")
    def owner_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.owner_id) if self.row.owner_id else None

    @strawberry.field(description="A company's supervisor (the board with uppsikt) in this version.")
    def supervisor_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.supervisor_id) if self.row.supervisor_id else None

    @strawberry.field(description="The change that began this version.")
    def change_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.change_id)


@strawberry.type(description="A post (befattning) in a unit; never a named person.")
class Position:
    row: strawberry.Private[PositionRow]
    view: strawberry.Private[Viewpoint]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def unit_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.unit_id)

    @strawberry.field(description="A förvaltningschef or direktör.")
    def director(self) -> bool:
        return self.row.director

    @strawberry.field(description="Delegations to this post in effect on the day (an extension).")
    async def delegations(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_to.load((self.row.id, self.view))
        return [Delegation(row=row) for row in rows]


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


@strawberry.type(description="A delegation that a change left without a delegate (an extension).")
class AffectedDelegation:
    board: strawberry.ID = strawberry.field(description="The board that granted it.")
    delegation_id: strawberry.ID
    code: str | None


@strawberry.type(description="One recorded change of the organisation or its delegations.")
class Change:
    row: strawberry.Private[ChangeRow]
    # Set on the items of `unreportedChanges`: why the change is listed for the board asked about.
    listing: strawberry.Private[Unreported | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(name="type", description="The change type, e.g. merge_units.")
    def change_type(self) -> str:
        return self.row.type

    @strawberry.field(
        description="The day it takes effect; for cancel_change, that of the change it cancels."
    )
    def effective(self) -> dt.date:
        assert self.row.effective is not None  # reports, the only undated changes, are not listed
        return self.row.effective

    @strawberry.field(description="When the register accepted it (UTC).")
    def recorded_at(self) -> dt.datetime:
        return self.row.recorded_at

    @strawberry.field(description="The API token's name, or the user of the command line.")
    def recorded_by(self) -> str | None:
        return self.row.recorded_by

    @strawberry.field(description="Every unit the change touches; old and new ones alike.")
    def unit_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(key) for key in self.row.unit_ids]

    @strawberry.field(description="The change as a plain Swedish sentence.")
    def summary(self) -> str:
        return self.row.summary

    @strawberry.field
    def decision(self) -> Decision | None:
        row = self.row
        parts = (
            row.decision_body,
            row.decision_date,
            row.decision_paragraph,
            row.decision_reference,
            row.decision_position,
        )
        if all(part is None for part in parts):
            return None
        return Decision(
            body=row.decision_body,
            date=row.decision_date,
            paragraph=row.decision_paragraph,
            reference=row.decision_reference,
            position=strawberry.ID(row.decision_position) if row.decision_position else None,
            name=row.decision_name,
        )

    @strawberry.field(
        description=(
            "The board it must be reported to (anmälan), derived from who decided it when it was "
            "recorded: a decision by an official goes to the board whose administration the post "
            "stands in, a vidaredelegation to the board of the delegation it rests on; null: nobody "
            "(a decision of the council or a board itself, a cancellation, or an unknown decider)."
        )
    )
    def report_to(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.report_to) if self.row.report_to else None

    @strawberry.field(
        description=(
            "Why it goes to `reportTo`: OFFICIAL_DECISION, SUBDELEGATION or COMMITTEE_DECISION; "
            "null when it goes to nobody (an extension)."
        )
    )
    def report_basis(self) -> str | None:
        return self.row.report_basis

    @strawberry.field(
        description=(
            "On the items of `unreportedChanges`: why the change is listed for that board, in Swedish "
            "(it is to be reported there, and/or 'Påverkar er delegationsordning' when it left one of "
            "the board's delegations without a delegate); null elsewhere (an extension)."
        )
    )
    def report_reason(self) -> str | None:
        return self.listing.reason if self.listing is not None else None

    @strawberry.field(
        description=(
            "Delegations the change left without a delegate, of boards other than the one that "
            "decided it; each such board is to hear of it too (an extension)."
        )
    )
    def affected_delegations(self) -> list[AffectedDelegation]:
        return [
            AffectedDelegation(
                board=strawberry.ID(e.board), delegation_id=strawberry.ID(e.delegation_id), code=e.code
            )
            for e in self.row.affects
        ]

    @strawberry.field(description="Voided by a later cancel_change (as known at knownAt).")
    def cancelled(self) -> bool:
        return self.row.cancelled

    @strawberry.field(
        description=(
            "What is wrong with the change's decision or with what it set (an extension): e.g. a "
            "decision body that is no key of the register, a board made a company's owner."
        )
    )
    async def findings(self, info: Info) -> list[Finding]:
        reader = info.context.orgchange.read_model.findings
        found = await run_in_threadpool(reader.of_changes, [self.row])
        return [Finding(finding=finding) for finding in found.get(self.row.id, [])]

    @strawberry.field(description="The cancel_change that voided it (an extension).")
    def cancelled_by(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.cancelled_by) if self.row.cancelled_by else None

    @strawberry.field(
        description=(
            "The cancel_change that voided it (as known at knownAt): who cancelled it (its "
            "recordedBy), when (its recordedAt) and why (its summary) (an extension)."
        )
    )
    async def cancellation(self, info: Info) -> Change | None:
        if not self.row.cancelled_by:
            return None
        row = await info.context.loaders.change.load(self.row.cancelled_by)
        return Change(row=row) if row is not None else None

    @strawberry.field(description="When it was cancelled (as known at knownAt); null if not (an extension).")
    async def cancelled_at(self, info: Info) -> dt.datetime | None:
        cancellation = await self.cancellation(info)
        return cancellation.row.recorded_at if cancellation is not None else None

    @strawberry.field(description="For a cancel_change: the change it cancels (an extension).")
    def cancels(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.cancels) if self.row.cancels else None

    @strawberry.field(description="The registrar's note (an extension).")
    def note(self) -> str | None:
        return self.row.note


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
    total_count: int = strawberry.field(description="Changes matching the filters, on all pages.")


@strawberry.type(description="The organisation in effect on one day.")
class Organisation:
    as_of: dt.date
    known_at: dt.datetime | None = strawberry.field(
        description="The instant of knowledge asked about; null for now (an extension)."
    )
    units: list[Unit] = strawberry.field(description="Every unit in effect, companies included, by key.")
    roots: list[Unit] = strawberry.field(description="Units with neither parent nor owner.")


@strawberry.type
class Renamed:
    id: strawberry.ID
    from_: str = strawberry.field(name="from")
    to: str


@strawberry.type(description="A unit under another parent (or, for a company, owner).")
class Moved:
    id: strawberry.ID
    from_parent: strawberry.ID | None
    to_parent: strawberry.ID | None


@strawberry.type(description="A unit of another kind on `to` than on `from` (e.g. enhet → förvaltning).")
class Reclassified:
    id: strawberry.ID
    from_: str = strawberry.field(name="from", description="The kind on `from`, e.g. unit.")
    to: str = strawberry.field(description="The kind on `to`, e.g. office.")


@strawberry.type(description="A post in another unit on `to` than on `from`.")
class MovedPosition:
    id: strawberry.ID
    from_unit: strawberry.ID
    to_unit: strawberry.ID


@strawberry.type(description="Posts (befattningar) that differ between `from` and `to`.")
class PositionDiff:
    established: list[strawberry.ID] = strawberry.field(description="In effect on `to`, not on `from`.")
    abolished: list[strawberry.ID] = strawberry.field(description="In effect on `from`, not on `to`.")
    moved: list[MovedPosition]


@strawberry.type(description="What differs between the organisation on `from` and on `to`.")
class OrgDiff:
    added: list[strawberry.ID]
    removed: list[strawberry.ID]
    renamed: list[Renamed]
    moved: list[Moved]
    reclassified: list[Reclassified]
    positions: PositionDiff


@strawberry.type(description="A delegation in effect on the day asked about, with its terms of that day.")
class Delegation:
    row: strawberry.Private[DelegationRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field(description="Its number in the delegationsordning, e.g. B.1.")
    def code(self) -> str | None:
        return self.row.code

    @strawberry.field
    def matter(self) -> str:
        return self.row.matter

    @strawberry.field(description="The board that delegates.")
    def from_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.board_id)

    @strawberry.field(description="The delegate: a position, or a committee of the board.")
    def to_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.to_id)

    @strawberry.field(description="Lagrum.")
    def legal_basis(self) -> str | None:
        return self.row.legal_basis

    @strawberry.field
    def limit(self) -> str | None:
        return self.row.limit

    @strawberry.field(description="The substitute delegate (ersättare).")
    def substitute(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.substitute_id) if self.row.substitute_id else None

    @strawberry.field(description="May the delegate pass it on (vidaredelegation)?")
    def further_delegation(self) -> bool:
        return self.row.further_delegation

    @strawberry.field(description="For a vidaredelegation: the delegation it rests on.")
    def parent_delegation_id(self) -> strawberry.ID | None:
        pid = self.row.parent_delegation_id
        return strawberry.ID(pid) if pid else None

    @strawberry.field(description="How decisions are reported to the board (an extension).")
    def reporting(self) -> str | None:
        return self.row.reporting

    @strawberry.field(
        description=f"The matter is one the law keeps with the board, {RESERVED_MATTERS.now} (an extension)."
    )
    def reserved_matter(self) -> bool:
        return self.row.reserved_matter

    @strawberry.field(description="First day of the delegation's whole life.")
    def valid_from(self) -> dt.date:
        return self.row.valid_from

    @strawberry.field(description="The day after its last day (half-open); null while in effect.")
    def valid_to(self) -> dt.date | None:
        return self.row.valid_to

    @strawberry.field(
        description="First day of the terms shown: an amendment starts new terms (an extension)."
    )
    def terms_valid_from(self) -> dt.date:
        return self.row.terms_from

    @strawberry.field(description="The change that set the terms shown (an extension).")
    def change_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.change_id)


@strawberry.type(description="A delegation in effect whose delegate (or parent's delegate) is not.")
class DelegationGap:
    gap: strawberry.Private[Gap]

    @strawberry.field
    def delegation_id(self) -> strawberry.ID:
        return strawberry.ID(self.gap.delegation_id)

    @strawberry.field(description="The first day of the gap.")
    def since(self) -> dt.date:
        return self.gap.since

    @strawberry.field(description="Why, in plain Swedish.")
    def reason(self) -> str:
        return self.gap.reason

    @strawberry.field(
        description="The position or committee that is missing (an extension); for a "
        "vidaredelegation, possibly the parent delegation's delegate."
    )
    def missing_delegate_id(self) -> strawberry.ID:
        return strawberry.ID(self.gap.missing_delegate)


@strawberry.type(
    description=(
        "What changes did (or, in a preview, would do) to the delegationsordning: "
        "the gaps they opened and those they closed (an extension)."
    )
)
class DelegationImpact:
    impact: strawberry.Private[Impact]

    @strawberry.field(description="Delegations left without a delegate; oldest gap first.")
    def opened(self) -> list[DelegationGap]:
        return [DelegationGap(gap=gap) for gap in self.impact.opened]

    @strawberry.field(
        description="Gaps ended: their delegation was re-pointed or revoked; each as it stood before."
    )
    def closed(self) -> list[DelegationGap]:
        return [DelegationGap(gap=gap) for gap in self.impact.closed]

    @strawberry.field(description="In a preview: the findings the changes' decisions bring (never refused).")
    def findings(self) -> list[Finding]:
        return [Finding(finding=finding) for finding in self.impact.findings]


@strawberry.type(
    description=(
        "What is wrong with a delegation in effect (an extension): a matter the law keeps with the "
        f"board, {RESERVED_MATTERS.now} (RESERVED_MATTER), or, from 2018-01-01, a legal basis citing "
        "the repealed KL (1991:900) (REPEALED_ACT). Reported, never refused."
    )
)
class DelegationFinding:
    finding: strawberry.Private[FindingRow]

    @strawberry.field
    def delegation_id(self) -> strawberry.ID:
        return strawberry.ID(self.finding.subject)

    @strawberry.field(description="RESERVED_MATTER or REPEALED_ACT.")
    def code(self) -> str:
        return self.finding.code

    @strawberry.field(description="The first day it holds.")
    def since(self) -> dt.date | None:
        return self.finding.since

    @strawberry.field(description="Why, in plain Swedish, with the law cited.")
    def reason(self) -> str:
        return self.finding.reason


@strawberry.type(
    description=(
        "What is wrong with something the register records (an extension): reported, never refused. "
        "code: RESERVED_MATTER, REPEALED_ACT (a delegation), BOARD_OWNS_COMPANY (a company), "
        "UNCHECKED_DECIDER (a change whose decision body is no key of the register)."
    )
)
class Finding:
    finding: strawberry.Private[FindingRow]

    @strawberry.field
    def code(self) -> str:
        return self.finding.code

    @strawberry.field(description="delegation, unit or change.")
    def subject_kind(self) -> str:
        return self.finding.subject_kind

    @strawberry.field(description="The delegation's or the company's key, or the change's id.")
    def subject_id(self) -> strawberry.ID:
        return strawberry.ID(self.finding.subject)

    @strawberry.field(description="The first day it holds; null for a decision's body.")
    def since(self) -> dt.date | None:
        return self.finding.since

    @strawberry.field(description="Why, in plain Swedish, with the law cited.")
    def reason(self) -> str:
        return self.finding.reason


@strawberry.type(
    description="A generated document (review pack, diagram) that a later correction has made untrue."
)
class StaleOutput:
    stale: strawberry.Private[StaleOutputRow]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.stale.output.id))

    @strawberry.field(description="What was generated, e.g. review, chart or delegations.")
    def kind(self) -> str:
        return self.stale.output.kind

    @strawberry.field
    def description(self) -> str:
        return self.stale.output.description

    @strawberry.field(description="First day the document answers for.")
    def covers_from(self) -> dt.date:
        return self.stale.output.covers_from

    @strawberry.field(description="Last day the document answers for (inclusive).")
    def covers_to(self) -> dt.date:
        return self.stale.output.covers_to

    @strawberry.field(description="When it was generated (UTC).")
    def generated_at(self) -> dt.datetime:
        return self.stale.output.generated_at

    @strawberry.field(description="The changes recorded since that alter it, in recording order.")
    def changed_by(self) -> list[strawberry.ID]:
        return [strawberry.ID(key) for key in self.stale.changed_by]


@strawberry.type(description="Changes reported (anmälda) to a board's meeting, and its review.")
class Report:
    row: strawberry.Private[ReportRow]

    @strawberry.field
    def board(self) -> strawberry.ID:
        return strawberry.ID(self.row.board)

    @strawberry.field
    def meeting(self) -> dt.date:
        return self.row.meeting

    @strawberry.field(description="The reported changes, in the order reported.")
    def change_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(key) for key in self.row.change_ids]

    @strawberry.field(description="The § of the minutes where the board noted the report.")
    def noted_paragraph(self) -> str | None:
        return self.row.noted_paragraph

    @strawberry.field(description="When the board's review was recorded (an extension).")
    def noted_at(self) -> dt.datetime | None:
        return self.row.noted_at

    @strawberry.field(description="Diarienummer of the report (an extension).")
    def reference(self) -> str | None:
        return self.row.reference

    @strawberry.field(description="The reported changes themselves (an extension).")
    async def changes(self, info: Info) -> list[Change]:
        rows = await info.context.loaders.change.load_many(list(self.row.change_ids))
        return [Change(row=row) for row in rows if row is not None]


@strawberry.type(description="The register itself: whose it is, the days it covers, how much it holds.")
class RegisterInfo:
    span: strawberry.Private[tuple[dt.date | None, dt.date | None]]
    events: strawberry.Private[int]
    changes: strawberry.Private[int]

    @strawberry.field(
        description="The organisation's name, from a change file's `organisation`; null if never given."
    )
    async def organisation(self, info: Info) -> str | None:
        # Read from the event store's register (cached and fast-forwarded), only when asked.
        register = await run_in_threadpool(info.context.orgchange.register)
        return register.organisation

    @strawberry.field(description="The earliest effective date of any change; null for an empty register.")
    def first_effective(self) -> dt.date | None:
        return self.span[0]

    @strawberry.field(description="The latest effective date of any change; null for an empty register.")
    def last_effective(self) -> dt.date | None:
        return self.span[1]

    @strawberry.field(description="Events in the event store.")
    def event_count(self) -> int:
        return self.events

    @strawberry.field(
        description="Changes in the change log, cancellations included (as counted by `changes`)."
    )
    def change_count(self) -> int:
        return self.changes
