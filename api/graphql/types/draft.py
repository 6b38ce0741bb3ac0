"""Drafts (utkast): changes being prepared, their check and what they would do (docs/drafts.md)."""

from __future__ import annotations

import datetime as dt

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.scalars import JSON

from orgchange.application.drafts import Check as CheckRow
from orgchange.application.drafts import Draft as DraftRow
from orgchange.application.drafts import Preview as PreviewRow
from orgchange.application.drafts import Problem as ProblemRow
from orgchange.domain.messages import text

from ..catalogued import catalogued
from ..context import Info
from .delegation import DelegationGap
from .diff import OrgDiff
from .finding import Finding

# Checks and previews one request may ask for: each records the draft in a transaction that is
# rolled back, one at a time per process, so `drafts { preview }` over every draft is refused.
MAX_TRIALS_PER_REQUEST = 4


def _take_a_trial(info: Info) -> None:
    context = info.context
    context.draft_trials += 1
    if context.draft_trials > MAX_TRIALS_PER_REQUEST:
        raise catalogued(
            text("QUERY_TOO_COSTLY:drafts", limit=MAX_TRIALS_PER_REQUEST), limit=MAX_TRIALS_PER_REQUEST
        )


@strawberry.type(description="What is wrong with one change of a draft (or with the draft's file).")
class DraftProblem:
    code: str = strawberry.field(description="MALFORMED_INPUT, CHANGE_REJECTED or DRAFT_CONFLICT.")
    message: str = strawberry.field(description="In Swedish, naming the change.")
    index: int | None = strawberry.field(description="The change's place in the draft, from 1.")
    change_id: strawberry.ID | None
    field: str | None = strawberry.field(description="The field concerned, where it is known.")
    rule: str | None = strawberry.field(description="The rule broken (docs/errors.md).")
    conflicts: list[str] = strawberry.field(description="Later recorded changes it would break.")

    @classmethod
    def from_row(cls, row: ProblemRow) -> DraftProblem:
        return cls(
            code=row.code,
            message=row.message,
            index=row.index,
            change_id=strawberry.ID(row.change_id) if row.change_id else None,
            field=row.field,
            rule=row.rule,
            conflicts=list(row.conflicts),
        )


@strawberry.type(
    description="A draft checked against the register as it stands, plus its own earlier changes."
)
class DraftCheck:
    ok: bool
    stale: bool = strawberry.field(description="Changes were recorded after the draft was last saved.")
    conflicting: bool = strawberry.field(description="…and the draft no longer fits them.")
    based_on: int = strawberry.field(description="The register's last event when the draft was saved.")
    register_at: int = strawberry.field(description="The register's last event now.")
    problems: list[DraftProblem]

    @classmethod
    def from_row(cls, row: CheckRow) -> DraftCheck:
        return cls(
            ok=row.ok,
            stale=row.stale,
            conflicting=row.conflicting,
            based_on=row.based_on,
            register_at=row.register_at,
            problems=[DraftProblem.from_row(p) for p in row.problems],
        )


@strawberry.type(description="One of the draft's changes as the change log would say it.")
class DraftSentence:
    change_id: strawberry.ID
    type: str
    effective: dt.date | None
    summary: str


@strawberry.type(description="A delegation the draft would leave without a delegate, and how to mend it.")
class DraftGap:
    board: strawberry.ID
    gap: DelegationGap
    fixes: list[JSON] = strawberry.field(
        description=(
            "Change-file entries ready to add to the draft (their decision to be completed): the "
            "amendment to the successor first, when there is one clear successor; the revocation."
        )
    )
    reasons: list[str] = strawberry.field(description="Each fix in Swedish.")


@strawberry.type(
    description="What recording the draft would do (konsekvenser), as of its last effective day."
)
class DraftPreview:
    as_of: dt.date
    diff: OrgDiff = strawberry.field(
        description="The organisation on `asOf` without the draft against with it."
    )
    changes: list[DraftSentence]
    gaps: list[DraftGap]
    closed: list[DelegationGap] = strawberry.field(description="Gaps the draft would close.")
    findings: list[Finding]

    @classmethod
    def from_row(cls, row: PreviewRow) -> DraftPreview:
        return cls(
            as_of=row.as_of,
            diff=OrgDiff.from_row(row.diff),
            changes=[
                DraftSentence(
                    change_id=strawberry.ID(s.change_id),
                    type=s.type,
                    effective=s.effective,
                    summary=s.summary,
                )
                for s in row.sentences
            ],
            gaps=[
                DraftGap(
                    board=strawberry.ID(fix.board),
                    gap=DelegationGap.from_row(fix.gap),
                    fixes=[JSON(entry) for entry in fix.fixes],
                    reasons=list(fix.reasons),
                )
                for fix in row.gaps
            ],
            closed=[DelegationGap.from_row(g) for g in row.closed],
            findings=[Finding.from_row(f) for f in row.findings],
        )


@strawberry.type(
    description=(
        "A draft (utkast): a change file being prepared, kept by the service and no part of the "
        "register until recorded. status: open | recorded | discarded."
    )
)
class Draft:
    id: strawberry.ID
    name: str
    changes: JSON = strawberry.field(description="The draft's changes: the change file's `changes`.")
    file: JSON = strawberry.field(description="The whole change file (orgchange/v1).")
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str
    revision: int = strawberry.field(
        description="Give it to updateDraft: a save from an older one is refused."
    )
    based_on: int = strawberry.field(description="The register's last event when the draft was last saved.")
    recorded_change_ids: list[strawberry.ID] = strawberry.field(description="Once recorded.")

    @classmethod
    def from_row(cls, row: DraftRow) -> Draft:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            changes=JSON(row.entries),
            file=JSON(row.file),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            status=row.status,
            revision=row.revision,
            based_on=row.based_on,
            recorded_change_ids=[strawberry.ID(i) for i in row.recorded_ids],
        )

    @strawberry.field(description="The draft checked against the register as it stands now.")
    async def check(self, info: Info) -> DraftCheck:
        drafts = info.context.drafts
        _take_a_trial(info)
        row = await run_in_threadpool(lambda: drafts.check(drafts.get(str(self.id))))
        return DraftCheck.from_row(row)

    @strawberry.field(description="What the draft would do; null when its check fails (see `check`).")
    async def preview(self, info: Info) -> DraftPreview | None:
        drafts = info.context.drafts
        _take_a_trial(info)
        _, row = await run_in_threadpool(lambda: drafts.preview(drafts.get(str(self.id))))
        return DraftPreview.from_row(row) if row is not None else None
