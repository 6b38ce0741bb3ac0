"""What differs between the organisation on one day and on another."""

from __future__ import annotations

import strawberry

from projections.queries import OrgDiff as OrgDiffRow


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

    @classmethod
    def from_row(cls, row: OrgDiffRow) -> OrgDiff:
        ids = strawberry.ID
        return cls(
            added=[ids(key) for key in row.added],
            removed=[ids(key) for key in row.removed],
            renamed=[Renamed(id=ids(k), from_=old, to=new) for k, old, new in row.renamed],
            moved=[Moved(id=ids(k), from_parent=_id(old), to_parent=_id(new)) for k, old, new in row.moved],
            reclassified=[Reclassified(id=ids(k), from_=old, to=new) for k, old, new in row.reclassified],
            positions=PositionDiff(
                established=[ids(k) for k in row.positions.established],
                abolished=[ids(k) for k in row.positions.abolished],
                moved=[
                    MovedPosition(id=ids(k), from_unit=ids(a), to_unit=ids(b))
                    for k, a, b in row.positions.moved
                ],
            ),
        )


def _id(key: str | None) -> strawberry.ID | None:
    return strawberry.ID(key) if key is not None else None
