"""The register itself, and the documents generated from it that a correction has made untrue."""

from __future__ import annotations

import datetime as dt

import strawberry
from starlette.concurrency import run_in_threadpool

from orgchange.application.outputs import StaleOutput as StaleOutputRow

from ..context import Info


async def _organisation(info: Info) -> str | None:
    # Read from the event store's register (cached and fast-forwarded), only when asked.
    register = await run_in_threadpool(info.context.orgchange.register)
    return register.organisation


@strawberry.type(description="The register itself: whose it is, the days it covers, how much it holds.")
class RegisterInfo:
    organisation: str | None = strawberry.field(
        resolver=_organisation,
        description="The organisation's name, from a change file's `organisation`; null if never given.",
    )
    first_effective: dt.date | None = strawberry.field(
        description="The earliest effective date of any change; null for an empty register."
    )
    last_effective: dt.date | None = strawberry.field(
        description="The latest effective date of any change; null for an empty register."
    )
    event_count: int = strawberry.field(description="The register's events: its version, read by index.")
    change_count: int = strawberry.field(
        description="Changes in the change log, cancellations included (as counted by `changes`)."
    )


@strawberry.type(
    description="A generated document (review pack, diagram) that a later correction has made untrue."
)
class StaleOutput:
    id: strawberry.ID
    kind: str = strawberry.field(description="What was generated, e.g. review, chart or delegations.")
    description: str
    covers_from: dt.date = strawberry.field(description="First day the document answers for.")
    covers_to: dt.date = strawberry.field(description="Last day the document answers for (inclusive).")
    generated_at: dt.datetime = strawberry.field(description="When it was generated (UTC).")
    changed_by: list[strawberry.ID] = strawberry.field(
        description="The changes recorded since that alter it, in recording order."
    )

    @classmethod
    def from_row(cls, row: StaleOutputRow) -> StaleOutput:
        output = row.output
        return cls(
            id=strawberry.ID(str(output.id)),
            kind=output.kind,
            description=output.description,
            covers_from=output.covers_from,
            covers_to=output.covers_to,
            generated_at=output.generated_at,
            changed_by=[strawberry.ID(key) for key in row.changed_by],
        )
