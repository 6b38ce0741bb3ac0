"""A unit or a post found by name (docs/graphql.md#search)."""

from __future__ import annotations

import datetime as dt

import strawberry

from projections.search import SearchHit as SearchHitRow


@strawberry.type(
    description=(
        "A unit or a post whose name (the one in use or a former one) has a word beginning "
        "with the text searched for; one hit per name and the days it was used."
    )
)
class SearchHit:
    kind: str = strawberry.field(description="unit | position")
    id: strawberry.ID
    name: str = strawberry.field(description="The name matched, as it was written on those days.")
    valid_from: dt.date = strawberry.field(description="The first day of the name.")
    valid_to: dt.date | None = strawberry.field(
        description="The day after the name's last day; null: still in use."
    )
    current: bool = strawberry.field(
        description="The name is the one in use on `asOf` (without `asOf`: today)."
    )
    unit_id: strawberry.ID | None = strawberry.field(
        description="For a post: the unit it belonged to on the name's last day; null for a unit."
    )

    @classmethod
    def from_row(cls, row: SearchHitRow) -> SearchHit:
        return cls(
            kind=row.kind,
            id=strawberry.ID(row.id),
            name=row.name,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            current=row.current,
            unit_id=strawberry.ID(row.unit_id) if row.unit_id is not None else None,
        )
