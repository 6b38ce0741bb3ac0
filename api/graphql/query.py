"""The queries of docs/graphql.md#queries (and `change(id)`), each a thin resolver over the read models.

Resolvers are async and send every database call to the thread pool, so a slow
query never stalls the event loop; a lookup of a few keys whose cost is bounded runs
on the loop itself on SQLite, where it costs less than the hop (`loaders.Reads`).
Arguments that name something the register has never recorded (a unit, a board, a
delegate) are clear errors, not empty answers that would hide a typo.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool

from orgchange.application import outputs
from orgchange.application.errors import NotFound
from orgchange.domain.changes import CHANGE_CLASSES
from orgchange.domain.law import FORMER_ACT, IN_FORCE, RESERVED_MATTERS
from orgchange.domain.messages import text
from orgchange.domain.messages import text as message
from projections import tables as t
from projections.audit import AuditReader, decode_audit_cursor, encode_audit_cursor
from projections.batches import delegation_order
from projections.queries import decode_cursor, encode_cursor
from projections.search import MAX_HITS, MAX_TEXT

from . import decisions as deciding
from . import drafts as drafting
from . import loaders
from .context import Info
from .errors import bad_argument
from .loaders import Viewpoint
from .types import (
    Change,
    ChangeConnection,
    ChangeEdge,
    Delegation,
    DelegationFinding,
    DelegationGap,
    DelegationImpact,
    Finding,
    Organisation,
    OrgDiff,
    PageInfo,
    RegisterInfo,
    Report,
    SearchHit,
    StaleOutput,
    Unit,
    UnitVersion,
    Vocabulary,
)
from .types.draft import Draft

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100

T = TypeVar("T")

# `from` is a Python keyword: the argument is `from_` in Python, `from` in GraphQL.
From = Annotated[dt.date, strawberry.argument(name="from")]
OptionalFrom = Annotated[dt.date | None, strawberry.argument(name="from")]
# What `changes` lists: every change type but the reporting ones (listed by `reports`).
LOGGED_TYPES = tuple(t for t in CHANGE_CLASSES if t not in ("report_changes", "note_report"))


def given(value: T | None) -> T | None:
    """An optional argument's value: None when it was omitted (UNSET) or null.

    Optional arguments default to UNSET rather than None so that the SDL shows
    them as docs/graphql.md#the-minimum-schema writes them (`knownAt: DateTime`, not `= null`).
    """
    return None if value is strawberry.UNSET else value


def _id(key: str | None) -> strawberry.ID | None:
    return None if key is None else strawberry.ID(key)


def _in_range(seq: int, cursor: str) -> None:
    """A cursor's place must fit the database's integers (64 bits): beyond, no cursor we gave."""
    if not 0 <= seq < 2**63:
        raise ValueError(str(text("BAD_USER_INPUT:cursor", cursor=cursor[:60])))


def _page_size(first: int | None) -> int:
    first = DEFAULT_PAGE_SIZE if first is None else first
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_argument("first", str(text("BAD_USER_INPUT:first", limit=MAX_PAGE_SIZE)))
    return first


async def _require_units(info: Info, argument: str, *keys: str) -> None:
    known = await info.context.loaders.known_unit.load_many(keys)
    for key, is_known in zip(keys, known, strict=True):
        if not is_known:
            raise bad_argument(argument, str(text("BAD_USER_INPUT:no-unit", key=key)))


@strawberry.type
class Query:
    @strawberry.field(description="The organisation in effect on `asOf`, as known at `knownAt`.")
    async def organisation(
        self, info: Info, as_of: dt.date, known_at: dt.datetime | None = strawberry.UNSET
    ) -> Organisation:
        known_at = given(known_at)
        view = Viewpoint(as_of, known_at)
        rows = await run_in_threadpool(info.context.orgchange.read_model.organisation, as_of, known_at)
        info.context.loaders.prime_organisation(rows, view)
        return Organisation.from_rows(rows, view)

    @strawberry.field(description="The unit as in effect on `asOf`; null if it is not in effect then.")
    async def unit(
        self, info: Info, id: strawberry.ID, as_of: dt.date, known_at: dt.datetime | None = strawberry.UNSET
    ) -> Unit | None:
        view = Viewpoint(as_of, given(known_at))
        row = await info.context.loaders.unit_row(str(id), view)
        return Unit.from_row(row, view) if row is not None else None

    @strawberry.field(description="Every version of the unit, oldest first.")
    async def unit_history(
        self, info: Info, id: strawberry.ID, known_at: dt.datetime | None = strawberry.UNSET
    ) -> list[UnitVersion]:
        # The history's load first: whether the unit is recorded is then told by its versions
        # as believed now (`Loaders._known_units`), here and for `changes(unitId:)` beside it.
        versions = info.context.loaders.history.load((str(id), given(known_at)))
        await _require_units(info, "id", str(id))
        return [UnitVersion.from_row(row) for row in await versions]

    @strawberry.field(
        description=(
            "Changes effective from `from` to `to` (inclusive), by effective date and then "
            "recording order; reports are listed by `reports`."
        )
    )
    async def changes(
        self,
        info: Info,
        from_: OptionalFrom = strawberry.UNSET,
        to: dt.date | None = strawberry.UNSET,
        unit_id: strawberry.ID | None = strawberry.UNSET,
        known_at: dt.datetime | None = strawberry.UNSET,
        first: int | None = 100,
        after: str | None = strawberry.UNSET,
        types: Annotated[
            list[str] | None,
            strawberry.argument(
                description='Only changes of these types (an extension), e.g. ["merge_units"].'
            ),
        ] = strawberry.UNSET,
        reported_to: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only changes reported to this board (an extension)."),
        ] = strawberry.UNSET,
    ) -> ChangeConnection:
        from_, to, unit_id, known_at, after = (
            given(from_),
            given(to),
            given(unit_id),
            given(known_at),
            given(after),
        )
        types, reported_to = given(types), given(reported_to)
        if types is not None:
            unknown = sorted(set(types) - set(LOGGED_TYPES))
            if unknown:
                raise bad_argument(
                    "types", f"unknown change type(s) {', '.join(unknown)}; one of: {', '.join(LOGGED_TYPES)}"
                )
        if reported_to is not None:
            await _require_units(info, "reportedTo", str(reported_to))
        first = _page_size(first)
        if from_ is not None and to is not None and from_ > to:
            raise bad_argument("to", str(text("BAD_USER_INPUT:before", to=to, start=from_)))
        if after is not None:
            try:
                _in_range(decode_cursor(after)[1], after)
            except ValueError as error:
                raise bad_argument("after", str(error)) from None
        if unit_id is not None:
            await _require_units(info, "unitId", str(unit_id))
        read_model = info.context.orgchange.read_model
        unit_key = str(unit_id) if unit_id is not None else None
        board = str(reported_to) if reported_to is not None else None
        # A unit's page of changes is read from the index of its changes in the log's order
        # (days `from`/`to` included): the page's rows, however many changes the unit has had
        # (`_change_page`), so a page of at most `BOUNDED_ROWS` is a lookup the loop may make.
        # Narrowed by type or by what was known, the index's rows are read until a page of
        # those is found, which may be all of them: on the loop only where they are few
        # (`bounded`).
        reads = info.context.loaders.reads
        arguments = (from_, to, unit_key, known_at, first, after, types, board)
        plain = board is None and types is None and known_at is None
        if unit_key is not None and plain and first <= loaders.BOUNDED_ROWS:
            page = await reads.few(read_model.changes, *arguments, count=False, links=False)
        elif unit_key is not None and board is None:
            rows = partial(info.context.reader.rows_at_most, t.change_units, "unit_id", [unit_key])
            page = await reads.bounded(rows, read_model.changes, *arguments, count=False, links=False)
        else:
            page = await reads.many(read_model.changes, *arguments, count=False, links=False)
        edges = [
            ChangeEdge(node=Change.from_row(row), cursor=encode_cursor(row.effective, row.seq))
            for row in page.rows
        ]
        return ChangeConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            total=lambda: read_model.count_changes(from_, to, unit_key, known_at, types, board),
        )

    @strawberry.field(
        description=(
            "The audit trail: every change and cancellation in recording order, with who recorded "
            "it (`recordedBy`) and when (`recordedAt`); only those of `recordedBy` if given, recorded "
            "at or after `from` and before `to` (an extension)."
        )
    )
    async def audit(
        self,
        info: Info,
        recorded_by: str | None = strawberry.UNSET,
        from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = strawberry.UNSET,
        to: dt.datetime | None = strawberry.UNSET,
        first: int | None = 100,
        after: str | None = strawberry.UNSET,
    ) -> ChangeConnection:
        recorded_by, from_, to, after = given(recorded_by), given(from_), given(to), given(after)
        first = _page_size(first)
        if from_ is not None and to is not None and from_ >= to:
            raise bad_argument("to", str(text("BAD_USER_INPUT:not-after", to=to, start=from_)))
        if after is not None:
            try:
                _in_range(decode_audit_cursor(after), after)
            except ValueError as error:
                raise bad_argument("after", str(error)) from None
        reader = AuditReader(info.context.orgchange.engine)
        page = await run_in_threadpool(reader.entries, recorded_by, from_, to, first, after)
        assert page.total is not None  # the audit trail's pages are always counted
        return ChangeConnection(
            edges=[
                ChangeEdge(node=Change.from_row(row), cursor=encode_audit_cursor(row.seq))
                for row in page.rows
            ],
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
            total=page.total,
        )

    @strawberry.field(description="One change by id (an extension); null if there is none.")
    async def change(self, info: Info, id: strawberry.ID) -> Change | None:
        row = await info.context.loaders.change.load(str(id))
        return Change.from_row(row) if row is not None else None

    @strawberry.field(description="The organisation on `from` compared with that on `to`.")
    async def diff(
        self, info: Info, from_: From, to: dt.date, known_at: dt.datetime | None = strawberry.UNSET
    ) -> OrgDiff:
        read_model = info.context.orgchange.read_model
        found = await run_in_threadpool(read_model.diff, from_, to, given(known_at))
        return OrgDiff.from_row(found)

    @strawberry.field(
        description=(
            "The delegationsordning in effect on `asOf`: every delegation, or a board's, "
            "or those to one delegate; by board, number and key."
        )
    )
    async def delegations(
        self,
        info: Info,
        as_of: dt.date,
        board: strawberry.ID | None = strawberry.UNSET,
        delegate: strawberry.ID | None = strawberry.UNSET,
        known_at: dt.datetime | None = strawberry.UNSET,
    ) -> list[Delegation]:
        board, delegate, known_at = given(board), given(delegate), given(known_at)
        if board is not None:
            await _require_units(info, "board", str(board))
        if delegate is not None:
            known = await run_in_threadpool(info.context.reader.known_delegates, [str(delegate)])
            if str(delegate) not in known:
                raise bad_argument(
                    "delegate", f"there is no position or committee '{delegate}' in the register"
                )
        rows = await run_in_threadpool(
            info.context.orgchange.read_model.delegations.delegations,
            as_of,
            str(board) if board is not None else None,
            str(delegate) if delegate is not None else None,
            known_at,
        )
        return [Delegation.from_row(row) for row in sorted(rows, key=delegation_order)]

    @strawberry.field(
        description=(
            "Delegations in effect on `asOf` whose delegate (or parent delegation's delegate) "
            "is not: nobody can decide on them. Oldest gap first."
        )
    )
    async def delegation_gaps(
        self,
        info: Info,
        as_of: dt.date,
        known_at: dt.datetime | None = strawberry.UNSET,
        board: strawberry.ID | None = strawberry.UNSET,
    ) -> list[DelegationGap]:
        board = given(board)
        if board is not None:
            await _require_units(info, "board", str(board))
        gaps = await run_in_threadpool(
            info.context.orgchange.read_model.delegations.gaps,
            as_of,
            given(known_at),
            str(board) if board is not None else None,
        )
        return [DelegationGap.from_row(gap) for gap in sorted(gaps, key=lambda g: (g.since, g.delegation_id))]

    @strawberry.field(
        description=(
            "Units and posts with a name (the one in use or a former one) that has a word "
            "beginning with `text` (case and accents ignored). With `asOf`: those in effect that "
            "day, by a name they had by then. Names in use come first. At most `first` hits."
        )
    )
    async def search(
        self, info: Info, text: str, as_of: dt.date | None = strawberry.UNSET, first: int | None = 20
    ) -> list[SearchHit]:
        first = 20 if first is None else first
        if not 0 <= first <= MAX_HITS:
            raise bad_argument("first", str(message("BAD_USER_INPUT:first", limit=MAX_HITS)))
        if len(text) > MAX_TEXT:
            raise bad_argument("text", str(message("BAD_USER_INPUT:search-text", limit=MAX_TEXT)))
        reader = info.context.orgchange.read_model.search
        hits = await run_in_threadpool(reader.search, text, given(as_of), first)
        return [SearchHit.from_row(hit) for hit in hits]

    @strawberry.field(description="Changes reported to the board, by meeting (or for one meeting).")
    async def reports(
        self, info: Info, board: strawberry.ID, meeting: dt.date | None = strawberry.UNSET
    ) -> list[Report]:
        await _require_units(info, "board", str(board))
        reports = info.context.orgchange.read_model.reports
        rows = await run_in_threadpool(reports.reports, str(board), given(meeting))
        return [Report.from_row(row) for row in rows]

    @strawberry.field(
        description=(
            "Changes still to be reported to the board, oldest first, cancelled ones left out: "
            "exactly those whose `reportTo` is the board, and those that left one of its "
            "delegations without a delegate ('Påverkar er delegationsordning'); `reportReason` "
            "says which."
        )
    )
    async def unreported_changes(
        self, info: Info, board: strawberry.ID, first: int | None = 100
    ) -> list[Change]:
        first = _page_size(first)
        await _require_units(info, "board", str(board))
        read_model = info.context.orgchange.read_model
        items = await run_in_threadpool(read_model.reports.unreported, str(board), first)
        return [Change.from_row(item.change, listing=item) for item in items]

    @strawberry.field(
        description=(
            "What a recorded change did to the delegationsordning on its effective day: the gaps "
            "it opened (it ended their delegate) and closed (it re-pointed or revoked their "
            "delegation) (an extension)."
        )
    )
    async def delegation_impact(self, info: Info, change_id: strawberry.ID) -> DelegationImpact:
        row = await info.context.loaders.change.load(str(change_id))
        if row is not None and row.type in ("cancel_change", "correct_change"):
            raise bad_argument(
                "changeId",
                f"'{change_id}' is a cancellation (of '{row.cancels}'); the impact is told for "
                "organisational and delegation changes",
            )
        try:
            impact = await run_in_threadpool(info.context.orgchange.impact_of, str(change_id))
        except NotFound as error:
            raise bad_argument("changeId", str(error)) from None
        return DelegationImpact.from_row(impact)

    @strawberry.field(
        description=(
            "What is wrong with the delegations in effect on `asOf`, in delegationsordning order "
            f"(an extension): matters the law keeps with the board ({RESERVED_MATTERS.now}), and from "
            f"{IN_FORCE.isoformat()} a legal basis citing the repealed {FORMER_ACT}."
        )
    )
    async def delegation_findings(
        self,
        info: Info,
        as_of: dt.date,
        known_at: dt.datetime | None = strawberry.UNSET,
        board: strawberry.ID | None = strawberry.UNSET,
    ) -> list[DelegationFinding]:
        findings = await run_in_threadpool(
            info.context.orgchange.read_model.findings.delegations, as_of, given(known_at), given(board)
        )
        return [DelegationFinding.from_row(finding) for finding in findings]

    @strawberry.field(
        description=(
            "Every finding that holds on `asOf`: the delegations' (as delegationFindings) and "
            "companies owned by a board (an extension). Findings of a change: `Change.findings`."
        )
    )
    async def findings(
        self, info: Info, as_of: dt.date, known_at: dt.datetime | None = strawberry.UNSET
    ) -> list[Finding]:
        found = await run_in_threadpool(info.context.orgchange.read_model.findings.on, as_of, given(known_at))
        return [Finding.from_row(finding) for finding in found]

    @strawberry.field(description="The register itself: its organisation, the days it covers, its size.")
    async def register(self, info: Info) -> RegisterInfo:
        orgchange, reader = info.context.orgchange, info.context.reader

        def counts() -> RegisterInfo:
            first, last = orgchange.read_model.first_and_last_effective()
            return RegisterInfo(
                first_effective=first,
                last_effective=last,
                event_count=orgchange.register_event_count(),
                change_count=reader.change_count(),
            )

        return await run_in_threadpool(counts)

    @strawberry.field(
        description=(
            "Generated documents (review packs, diagrams written to files) that a correction "
            "recorded since has made untrue, oldest first (an extension)."
        )
    )
    async def stale_outputs(self, info: Info) -> list[StaleOutput]:
        found = await run_in_threadpool(outputs.stale_outputs, info.context.orgchange.engine)
        return [StaleOutput.from_row(stale) for stale in found]

    @strawberry.field(
        description=(
            "The Swedish names of the kinds of unit and of the change types, from the register's "
            "one table of them (an extension)."
        )
    )
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.of(LOGGED_TYPES)

    drafts: list[Draft] = strawberry.field(resolver=drafting.drafts, description=drafting.DRAFTS_DESCRIPTION)
    draft: Draft | None = strawberry.field(resolver=drafting.draft, description=drafting.DRAFT_DESCRIPTION)
    delegated_decisions: deciding.DelegatedDecisionConnection = strawberry.field(
        resolver=deciding.delegated_decisions, description=deciding.QUERY_DESCRIPTION
    )
