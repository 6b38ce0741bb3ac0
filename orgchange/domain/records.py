"""Immutable records of the organisation over effective time.

Each unit, position and delegation has a tuple of versions; a version holds on
the half-open interval `[valid_from, valid_to)` (`valid_to=None`: open-ended).
Versions are frozen so that a timeline can be copied by copying its dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, ClassVar, Protocol, TypeVar


class Version(Protocol):
    """What every version has; read-only, as the frozen dataclasses below are."""

    __dataclass_fields__: ClassVar[dict[str, Any]]  # a dataclass, so dataclasses.replace() applies

    @property
    def valid_from(self) -> date: ...
    @property
    def valid_to(self) -> date | None: ...
    @property
    def change_id(self) -> str: ...
    @property
    def ended_by(self) -> str | None: ...


V = TypeVar("V", bound=Version)


@dataclass(frozen=True, slots=True)
class UnitVersion:
    valid_from: date
    valid_to: date | None
    name: str
    kind: str
    parent: str | None
    owner: str | None
    change_id: str
    ended_by: str | None = None
    supervisor: str | None = None  # a company's board with uppsikt (KL (2017:725) 6 kap. 1 §)


@dataclass(frozen=True, slots=True)
class PositionVersion:
    valid_from: date
    valid_to: date | None
    title: str
    unit: str
    director: bool
    change_id: str
    ended_by: str | None = None


@dataclass(frozen=True, slots=True)
class DelegationVersion:
    valid_from: date
    valid_to: date | None
    board: str
    to: str
    matter: str
    code: str | None
    legal_basis: str | None
    limit: str | None
    substitute: str | None
    further_delegation: bool
    reporting: str | None
    reserved_matter: bool
    parent: str | None  # the delegation this one is a vidaredelegation of
    change_id: str
    ended_by: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """`successor` continues (part of) `predecessor` from `date`."""

    predecessor: str
    successor: str
    date: date
    change_id: str


def in_effect(version: Version, day: date) -> bool:
    return version.valid_from <= day and (version.valid_to is None or day < version.valid_to)


def version_on(versions: tuple[V, ...], day: date) -> V | None:
    for version in reversed(versions):
        if version.valid_from <= day:
            return version if in_effect(version, day) else None
    return None


def revise(versions: tuple[V, ...], day: date, change_id: str, **attrs: Any) -> tuple[V, ...]:
    """New attributes from `day` on; a same-day revision replaces the day's version."""
    last = versions[-1]
    if last.valid_from == day:
        return versions[:-1] + (replace(last, change_id=change_id, **attrs),)
    closed = replace(last, valid_to=day)
    opened = replace(last, valid_from=day, valid_to=None, change_id=change_id, **attrs)
    return versions[:-1] + (closed, opened)


def end(versions: tuple[V, ...], day: date, change_id: str) -> tuple[V, ...]:
    last = versions[-1]
    return versions[:-1] + (replace(last, valid_to=day, ended_by=change_id),)


def life(versions: tuple[Version, ...]) -> tuple[date, date | None]:
    return versions[0].valid_from, versions[-1].valid_to


def last_day(valid_to: date) -> date:
    """The last day in effect of something that ends (exclusively) at `valid_to`."""
    return valid_to - timedelta(days=1)
