"""Findings: what is wrong with something the register records, reported, never refused."""

from __future__ import annotations

import datetime as dt

import strawberry

from orgchange.domain.findings import Finding as FindingRow
from orgchange.domain.law import FORMER_ACT, IN_FORCE, RESERVED_MATTERS


@strawberry.type(
    description=(
        "What is wrong with something the register records (an extension): reported, never refused. "
        "code: RESERVED_MATTER, REPEALED_ACT (a delegation), BOARD_OWNS_COMPANY (a company), "
        "UNCHECKED_DECIDER (a change whose decision body is no key of the register)."
    )
)
class Finding:
    code: str
    subject_kind: str = strawberry.field(description="delegation, unit or change.")
    subject_id: strawberry.ID = strawberry.field(
        description="The delegation's or the company's key, or the change's id."
    )
    since: dt.date | None = strawberry.field(
        description="The first day it holds; null for a decision's body."
    )
    reason: str = strawberry.field(description="Why, in plain Swedish, with the law cited.")

    @classmethod
    def from_row(cls, row: FindingRow) -> Finding:
        return cls(
            code=row.code,
            subject_kind=row.subject_kind,
            subject_id=strawberry.ID(row.subject),
            since=row.since,
            reason=row.reason,
        )


@strawberry.type(
    description=(
        "What is wrong with a delegation in effect (an extension): a matter the law keeps with the "
        f"board, {RESERVED_MATTERS.now} (RESERVED_MATTER), or, from {IN_FORCE.isoformat()}, a legal "
        f"basis citing the repealed {FORMER_ACT} (REPEALED_ACT). Reported, never refused."
    )
)
class DelegationFinding:
    delegation_id: strawberry.ID
    code: str = strawberry.field(description="RESERVED_MATTER or REPEALED_ACT.")
    since: dt.date | None = strawberry.field(description="The first day it holds.")
    reason: str = strawberry.field(description="Why, in plain Swedish, with the law cited.")

    @classmethod
    def from_row(cls, row: FindingRow) -> DelegationFinding:
        return cls(
            delegation_id=strawberry.ID(row.subject), code=row.code, since=row.since, reason=row.reason
        )
