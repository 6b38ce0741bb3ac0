"""Delegations in effect, the gaps changes open and close in them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from orgchange.application import Impact
from orgchange.domain.law import RESERVED_MATTERS
from projections.delegations import DelegationRow, Gap

from .finding import Finding

if TYPE_CHECKING:
    from api.graphql.decisions import DelegatedDecisionConnection


@strawberry.type(description="A delegation in effect on the day asked about, with its terms of that day.")
class Delegation:
    id: strawberry.ID
    code: str | None = strawberry.field(description="Its number in the delegationsordning, e.g. B.1.")
    matter: str
    from_id: strawberry.ID = strawberry.field(description="The board that delegates.")
    to_id: strawberry.ID = strawberry.field(
        description="The delegate: a position, or a committee of the board."
    )
    legal_basis: str | None = strawberry.field(description="Lagrum.")
    limit: str | None
    substitute: strawberry.ID | None = strawberry.field(description="The substitute delegate (ersättare).")
    further_delegation: bool = strawberry.field(description="May the delegate pass it on (vidaredelegation)?")
    parent_delegation_id: strawberry.ID | None = strawberry.field(
        description="For a vidaredelegation: the delegation it rests on."
    )
    reporting: str | None = strawberry.field(
        description="How decisions are reported to the board (an extension)."
    )
    reserved_matter: bool = strawberry.field(
        description=f"The matter is one the law keeps with the board, {RESERVED_MATTERS.now} (an extension)."
    )
    valid_from: dt.date = strawberry.field(description="First day of the delegation's whole life.")
    valid_to: dt.date | None = strawberry.field(
        description="The day after its last day (half-open); null while in effect."
    )
    terms_valid_from: dt.date = strawberry.field(
        description="First day of the terms shown: an amendment starts new terms (an extension)."
    )
    change_id: strawberry.ID = strawberry.field(
        description="The change that set the terms shown (an extension)."
    )

    @strawberry.field(
        description=(
            "The delegated decisions taken under this delegation (docs/decisions.md), by decision "
            "date: those of a vidaredelegation are under the vidaredelegation. Paged like "
            "delegatedDecisions (an extension)."
        )
    )
    async def decisions(
        self,
        info: strawberry.Info,
        from_: Annotated[dt.date | None, strawberry.argument(name="from")] = strawberry.UNSET,
        to: dt.date | None = strawberry.UNSET,
        first: int | None = 100,
        after: str | None = strawberry.UNSET,
    ) -> Annotated[DelegatedDecisionConnection, strawberry.lazy("api.graphql.decisions")]:
        from api.graphql.decisions import delegated_decisions

        return await delegated_decisions(
            info, delegation=self.id, from_=from_, to=to, first=first, after=after
        )

    @classmethod
    def from_row(cls, row: DelegationRow) -> Delegation:
        return cls(
            id=strawberry.ID(row.id),
            code=row.code,
            matter=row.matter,
            from_id=strawberry.ID(row.board_id),
            to_id=strawberry.ID(row.to_id),
            legal_basis=row.legal_basis,
            limit=row.limit,
            substitute=strawberry.ID(row.substitute_id) if row.substitute_id else None,
            further_delegation=row.further_delegation,
            parent_delegation_id=strawberry.ID(row.parent_delegation_id)
            if row.parent_delegation_id
            else None,
            reporting=row.reporting,
            reserved_matter=row.reserved_matter,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            terms_valid_from=row.terms_from,
            change_id=strawberry.ID(row.change_id),
        )


@strawberry.type(description="A delegation in effect whose delegate (or parent's delegate) is not.")
class DelegationGap:
    delegation_id: strawberry.ID
    since: dt.date = strawberry.field(description="The first day of the gap.")
    reason: str = strawberry.field(description="Why, in plain Swedish.")
    missing_delegate_id: strawberry.ID = strawberry.field(
        description="The position or committee that is missing (an extension); for a "
        "vidaredelegation, possibly the parent delegation's delegate."
    )

    @classmethod
    def from_row(cls, row: Gap) -> DelegationGap:
        return cls(
            delegation_id=strawberry.ID(row.delegation_id),
            since=row.since,
            reason=row.reason,
            missing_delegate_id=strawberry.ID(row.missing_delegate),
        )


@strawberry.type(
    description=(
        "What changes did (or, in a preview, would do) to the delegationsordning: "
        "the gaps they opened and those they closed (an extension)."
    )
)
class DelegationImpact:
    opened: list[DelegationGap] = strawberry.field(
        description="Delegations left without a delegate; oldest gap first."
    )
    closed: list[DelegationGap] = strawberry.field(
        description="Gaps ended: their delegation was re-pointed or revoked; each as it stood before."
    )
    findings: list[Finding] = strawberry.field(
        description="In a preview: the findings the changes' decisions bring (never refused)."
    )

    @classmethod
    def from_row(cls, row: Impact) -> DelegationImpact:
        return cls(
            opened=[DelegationGap.from_row(gap) for gap in row.opened],
            closed=[DelegationGap.from_row(gap) for gap in row.closed],
            findings=[Finding.from_row(finding) for finding in row.findings],
        )
