"""Units, their versions and their posts, and the organisation of one day.

Fields that need more data (parent, children, positions, whole life, links,
delegations) go through the request's DataLoaders, so asking for them on 1,000
units costs one statement per field, not 1,000. The others are plain fields,
set from the row: an organisation of 10,000 units resolves 10,000 of each, and
a plain field skips strawberry's per-call resolver machinery (and takes the
fast path of `api/graphql/execution.py`).
"""

from __future__ import annotations

import datetime as dt

import strawberry

from orgchange.domain.kinds import UNIT_KINDS
from orgchange.domain.law import SUPERVISION
from projections.queries import PositionRow, UnitRow

from ..context import Info
from ..loaders import Viewpoint
from .delegation import Delegation

_KINDS = tuple(UNIT_KINDS)  # council, board, …: the keys of the one table of kinds


def _id(key: str | None) -> strawberry.ID | None:
    return strawberry.ID(key) if key else None


@strawberry.type(
    description="A unit (nämnd, förvaltning, enhet, bolag …) as in effect on the day asked about."
)
class Unit:
    row: strawberry.Private[UnitRow]
    view: strawberry.Private[Viewpoint]
    id: strawberry.ID = strawberry.field(description="The unit's key (a stable slug).")
    name: str
    kind: str = strawberry.field(description=f"{', '.join(_KINDS[:-1])} or {_KINDS[-1]}.")
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
    def from_row(cls, row: UnitRow, view: Viewpoint) -> Unit:
        return cls(
            row=row,
            view=view,
            id=strawberry.ID(row.id),
            name=row.name,
            kind=row.kind,
            parent_id=_id(row.parent_id),
            owner_id=_id(row.owner_id),
            supervisor_id=_id(row.supervisor_id),
        )

    @strawberry.field
    async def parent(self, info: Info) -> Unit | None:
        return await unit_of(info, self.row.parent_id, self.view)

    @strawberry.field(description="A company's owner, as a unit (an extension).")
    async def owner(self, info: Info) -> Unit | None:
        return await unit_of(info, self.row.owner_id, self.view)

    @strawberry.field(description="A company's supervisor (the board with uppsikt), as a unit.")
    async def supervisor(self, info: Info) -> Unit | None:
        return await unit_of(info, self.row.supervisor_id, self.view)

    @strawberry.field(description="Units directly under it on the day, by key.")
    async def children(self, info: Info) -> list[Unit]:
        rows = await info.context.loaders.children_rows(self.row.id, self.view)
        return [Unit.from_row(row, self.view) for row in rows]

    @strawberry.field(description="Positions (befattningar) in the unit on the day, by key.")
    async def positions(self, info: Info) -> list[Position]:
        rows = await info.context.loaders.positions.load((self.row.id, self.view))
        return [Position.from_row(row, self.view) for row in rows]

    @strawberry.field(description="First day of the unit's whole life.")
    async def valid_from(self, info: Info) -> dt.date:
        life = await info.context.loaders.life_of(self.row.id, self.view)
        return life.valid_from if life else self.row.valid_from

    @strawberry.field(
        description="The day after the unit's last day (half-open); null while it is in effect."
    )
    async def valid_to(self, info: Info) -> dt.date | None:
        life = await info.context.loaders.life_of(self.row.id, self.view)
        return life.valid_to if life else self.row.valid_to

    @strawberry.field(
        description=(
            "For a board: the delegations it has granted that are in effect on the day, "
            "vidaredelegations included; by code and key (an extension)."
        )
    )
    async def delegations_granted(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_from.load((self.row.id, self.view))
        return [Delegation.from_row(row) for row in rows]

    @strawberry.field(
        description=(
            "For a committee (utskott): the delegations to it in effect on the day, "
            "by board, code and key (an extension)."
        )
    )
    async def delegations_received(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_to.load((self.row.id, self.view))
        return [Delegation.from_row(row) for row in rows]

    @strawberry.field(description="Units this one continues (merge, split, spin-off).")
    async def predecessors(self, info: Info) -> list[strawberry.ID]:
        before, _ = await info.context.loaders.links.load((self.row.id, self.view))
        return [strawberry.ID(key) for key in before]

    @strawberry.field(description="Units that continue this one.")
    async def successors(self, info: Info) -> list[strawberry.ID]:
        _, after = await info.context.loaders.links.load((self.row.id, self.view))
        return [strawberry.ID(key) for key in after]


async def unit_of(info: Info, key: str | None, view: Viewpoint) -> Unit | None:
    """The unit `key` as seen from `view`, through the request's loader; None for no key or no unit."""
    if key is None:
        return None
    row = await info.context.loaders.unit_row(key, view)
    return Unit.from_row(row, view) if row is not None else None


@strawberry.type(description="One version of a unit: what it was called, what and where, and when.")
class UnitVersion:
    valid_from: dt.date
    valid_to: dt.date | None = strawberry.field(
        description="The day after the version's last day; null if open-ended."
    )
    name: str
    kind: str
    parent_id: strawberry.ID | None
    owner_id: strawberry.ID | None = strawberry.field(
        description="A company's owner in this version (an extension)."
    )
    supervisor_id: strawberry.ID | None = strawberry.field(
        description="A company's supervisor (the board with uppsikt) in this version."
    )
    change_id: strawberry.ID = strawberry.field(description="The change that began this version.")

    @classmethod
    def from_row(cls, row: UnitRow) -> UnitVersion:
        return cls(
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            name=row.name,
            kind=row.kind,
            parent_id=_id(row.parent_id),
            owner_id=_id(row.owner_id),
            supervisor_id=_id(row.supervisor_id),
            change_id=strawberry.ID(row.change_id),
        )


@strawberry.type(description="A post (befattning) in a unit; never a named person.")
class Position:
    row: strawberry.Private[PositionRow]
    view: strawberry.Private[Viewpoint]
    id: strawberry.ID
    title: str
    unit_id: strawberry.ID
    director: bool = strawberry.field(description="A förvaltningschef or direktör.")

    @classmethod
    def from_row(cls, row: PositionRow, view: Viewpoint) -> Position:
        return cls(
            row=row,
            view=view,
            id=strawberry.ID(row.id),
            title=row.title,
            unit_id=strawberry.ID(row.unit_id),
            director=row.director,
        )

    @strawberry.field(description="Delegations to this post in effect on the day (an extension).")
    async def delegations(self, info: Info) -> list[Delegation]:
        rows = await info.context.loaders.delegations_to.load((self.row.id, self.view))
        return [Delegation.from_row(row) for row in rows]


@strawberry.type(description="The organisation in effect on one day.")
class Organisation:
    as_of: dt.date
    known_at: dt.datetime | None = strawberry.field(
        description="The instant of knowledge asked about; null for now (an extension)."
    )
    units: list[Unit] = strawberry.field(description="Every unit in effect, companies included, by key.")
    roots: list[Unit] = strawberry.field(description="Units with neither parent nor owner.")

    @classmethod
    def from_rows(cls, rows: list[UnitRow], view: Viewpoint) -> Organisation:
        units = [Unit.from_row(row, view) for row in rows]
        roots = [u for u in units if u.row.parent_id is None and u.row.owner_id is None]
        return cls(as_of=view.as_of, known_at=view.known_at, units=units, roots=roots)
