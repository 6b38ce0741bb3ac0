"""What an open-data export holds, read from the read models.

The same bitemporal rows GraphQL answers from: every believed version of every
unit and post, the predecessor links and the change log, as the register
believes them now or at `known_at`; with `as_of`, only what is in effect that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from projections import tables as t
from projections.read_model import ReadModel
from projections.rows import ChangeRow, Reader, believed

if TYPE_CHECKING:
    from orgchange.application import OrgChange


@dataclass(frozen=True)
class Version:
    """One believed version of a unit or a post (a row of its bitemporal table)."""

    valid_from: date
    valid_to: date | None
    values: dict[str, Any]
    change_id: str
    ended_by: str | None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Period:
    """Adjacent versions in which one aspect (name, parent, …) kept one value."""

    value: Any
    valid_from: date
    valid_to: date | None
    started_by: str
    ended_by: str | None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Entity:
    """A unit or a post: its versions, oldest first."""

    key: str
    versions: list[Version]

    @property
    def valid_from(self) -> date:
        return self.versions[0].valid_from

    @property
    def valid_to(self) -> date | None:
        return self.versions[-1].valid_to

    def version_on(self, day: date) -> Version | None:
        return next((v for v in self.versions if v.holds_on(day)), None)

    def periods(self, aspect: str) -> list[Period]:
        periods: list[Period] = []
        for v in self.versions:
            value = v.values[aspect]
            previous = periods[-1] if periods else None
            if previous is not None and previous.value == value and previous.valid_to == v.valid_from:
                periods[-1] = Period(value, previous.valid_from, v.valid_to, previous.started_by, v.ended_by)
            else:
                periods.append(Period(value, v.valid_from, v.valid_to, v.change_id, v.ended_by))
        return periods


class _HistoryReader(Reader):
    """Every believed version of every unit and post, and every predecessor link."""

    def units(self, known_at: datetime | None) -> dict[str, Entity]:
        v = t.unit_versions
        rows = self._all(select(v).where(believed(v, known_at)))
        return _entities(
            (
                r.unit_id,
                Version(
                    r.valid_from,
                    r.valid_to,
                    {"name": r.name, "kind": r.kind, "parent": r.parent_id, "owner": r.owner_id},
                    r.change_id,
                    r.ended_by,
                ),
            )
            for r in rows
        )

    def posts(self, known_at: datetime | None) -> dict[str, Entity]:
        p = t.position_versions
        rows = self._all(select(p).where(believed(p, known_at)))
        return _entities(
            (
                r.position_id,
                Version(
                    r.valid_from,
                    r.valid_to,
                    {"title": r.title, "unit": r.unit_id, "director": bool(r.director)},
                    r.change_id,
                    r.ended_by,
                ),
            )
            for r in rows
        )

    def links(self, known_at: datetime | None) -> list[tuple[str, str]]:
        """(predecessor, successor) pairs."""
        link = t.unit_links
        rows = self._all(select(link.c.predecessor_id, link.c.successor_id).where(believed(link, known_at)))
        return sorted((p, s) for p, s in rows)


def _entities(rows: Iterable[tuple[str, Version]]) -> dict[str, Entity]:
    found: dict[str, list[Version]] = defaultdict(list)
    for key, version in rows:
        found[key].append(version)
    # Sorted here, not by the database, whose collation may order keys otherwise.
    return {key: Entity(key, sorted(vs, key=lambda v: v.valid_from)) for key, vs in sorted(found.items())}


def _all_changes(read_model: ReadModel, known_at: datetime | None) -> list[ChangeRow]:
    rows: list[ChangeRow] = []
    after: str | None = None
    while True:
        page = read_model.changes(known_at=known_at, first=1000, after=after)
        rows.extend(page.rows)
        if not page.has_next:
            return rows
        after = page.end_cursor


@dataclass(frozen=True)
class OpenData:
    """What an export holds: the units and posts (all, or those in effect on `as_of`), links and changes."""

    units: dict[str, Entity]
    posts: dict[str, Entity]
    links: list[tuple[str, str]]
    changes: list[ChangeRow]
    as_of: date | None
    known_at: datetime | None
    organisation: str | None
    all_units: dict[str, Entity]
    all_posts: dict[str, Entity]

    @classmethod
    def load(
        cls,
        read_model: ReadModel,
        as_of: date | None = None,
        known_at: datetime | None = None,
        organisation: str | None = None,
    ) -> OpenData:
        history = _HistoryReader(read_model.bind)
        all_units = history.units(known_at)
        all_posts = history.posts(known_at)
        links = history.links(known_at)
        changes = _all_changes(read_model, known_at)
        units, posts = all_units, all_posts
        if as_of is not None:
            units = {k: e for k, e in all_units.items() if e.version_on(as_of) is not None}
            posts = {k: e for k, e in all_posts.items() if e.version_on(as_of) is not None}
            links = [(p, s) for p, s in links if p in units or s in units]
        return cls(units, posts, links, changes, as_of, known_at, organisation, all_units, all_posts)

    def current(self, entity: Entity) -> dict[str, Any]:
        """The values the plain triples state: those on `as_of`, else the latest."""
        if self.as_of is not None:
            version = entity.version_on(self.as_of)
            if version is not None:
                return version.values
        return entity.versions[-1].values

    def periods(self, entity: Entity, aspect: str) -> list[Period]:
        """The aspect's periods: all of them, or the one holding on `as_of`."""
        periods = entity.periods(aspect)
        if self.as_of is not None:
            periods = [p for p in periods if p.holds_on(self.as_of)]
        return periods

    def name_of(self, key: str, day: date | None) -> str | None:
        """A unit's name (a post's title) on `day`, or the nearest one after it; None if no such key."""
        entity, aspect = self.all_units.get(key), "name"
        if entity is None:
            entity, aspect = self.all_posts.get(key), "title"
        if entity is None:
            return None
        version = entity.versions[-1]
        if day is not None:
            version = entity.version_on(day) or next(
                (v for v in entity.versions if v.valid_from > day), entity.versions[-1]
            )
        return version.values[aspect]


def load(app: OrgChange, as_of: date | None = None, known_at: datetime | None = None) -> OpenData:
    """The export's content from an application (the organisation's name from its register)."""
    return OpenData.load(app.read_model, as_of, known_at, app.organisation())
