"""What to do about a delegation left without a delegate: the change that would mend it.

A delegation whose delegate (a post, or a committee) ends while the delegation goes on is
a gap (docs/graphql.md#delegations-and-gaps). The board has two ways out: to give the
delegation to whoever continues the delegate's work, or to revoke it. This module
finds the successor in the register as it would stand and writes each way out as a
change-file entry, ready to be added to the changes that opened the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .timeline import Timeline


@dataclass(frozen=True)
class Remedy:
    """A change that would close a gap, and why it is offered."""

    entry: dict[str, Any]  # a change-file entry without id and decision details
    reason: str  # in Swedish


def remedies(timeline: Timeline, delegation: str, missing: str, since: date) -> list[Remedy]:
    """The ways to close the gap of `delegation`, whose delegate `missing` ends on `since`.

    When the gap is of a vidaredelegation whose parent's delegate ended, the parent is the
    delegation to mend (the vidaredelegation ends with it). The amendment comes first when
    a successor can be named; the revocation is always offered.
    """
    target = _delegation_to(timeline, delegation, missing, since)
    version = timeline.delegation_on(target, since) if target else None
    if target is None or version is None:
        return []
    decision = {"body": version.board}
    found: list[Remedy] = []
    successor = successor_of(timeline, missing, since)
    if successor is not None:
        found.append(
            Remedy(
                {
                    "type": "amend_delegation",
                    "effective": since.isoformat(),
                    "decision": decision,
                    "delegation": target,
                    "to": successor,
                },
                f"ge delegationen till {_named(timeline, successor, since)}, "
                f"som tar över efter {_named(timeline, missing, since, ended=True)}",
            )
        )
    found.append(
        Remedy(
            {
                "type": "revoke_delegation",
                "effective": since.isoformat(),
                "decision": decision,
                "delegation": target,
            },
            "upphäv delegationen",
        )
    )
    return found


def successor_of(timeline: Timeline, missing: str, day: date) -> str | None:
    """Who continues the work of the post or committee `missing`, which ended before `day`.

    A post: a post in effect on `day` in the unit that continues the post's last unit
    (the unit itself, or the unit it was merged into, split into or spun off as) —
    the one of the same title, else its one director, else its only post. A committee:
    the one committee that continues it. None when there is no one clear successor.
    """
    versions = timeline.positions.get(missing)
    if versions:
        last = versions[-1]
        for unit in _continuations(timeline, last.unit, day):
            posts = sorted(
                key
                for key in timeline.staff.get(unit, frozenset())
                if key != missing and timeline.position_on(key, day) is not None
            )
            chosen = _choose(timeline, posts, last.title, day)
            if chosen is not None:
                return chosen
        return None
    if missing in timeline.units:
        later = [
            unit
            for unit in _continuations(timeline, missing, day)
            if unit != missing and (v := timeline.unit_on(unit, day)) is not None and v.kind == "committee"
        ]
        return later[0] if len(later) == 1 else None
    return None


def _choose(timeline: Timeline, posts: list[str], title: str, day: date) -> str | None:
    versions = {key: timeline.position_on(key, day) for key in posts}
    same_title = [key for key, v in versions.items() if v is not None and v.title == title]
    if len(same_title) == 1:
        return same_title[0]
    directors = [key for key, v in versions.items() if v is not None and v.director]
    if len(directors) == 1:
        return directors[0]
    return posts[0] if len(posts) == 1 else None


def _continuations(timeline: Timeline, unit: str, day: date) -> list[str]:
    """`unit` if it is in effect on `day`, else the units that continue it then (through
    merges, splits and spin-offs, however many), nearest first."""
    successors: dict[str, list[str]] = {}
    for links in timeline.predecessors.values():
        for link in links:
            if link.date <= day:
                successors.setdefault(link.predecessor, []).append(link.successor)
    found: list[str] = []
    seen = {unit}
    frontier = [unit]
    while frontier:
        following: list[str] = []
        for key in frontier:
            if timeline.unit_on(key, day) is not None:
                found.append(key)
                continue
            for successor in sorted(successors.get(key, [])):
                if successor not in seen:
                    seen.add(successor)
                    following.append(successor)
        frontier = following
    return found


def _delegation_to(timeline: Timeline, delegation: str, missing: str, day: date) -> str | None:
    key: str | None = delegation
    while key is not None:
        version = timeline.delegation_on(key, day)
        if version is None:
            return None
        if version.to == missing:
            return key
        key = version.parent
    return None


def _named(timeline: Timeline, key: str, day: date, ended: bool = False) -> str:
    versions = timeline.positions.get(key)
    if versions:
        version = versions[-1] if ended else (timeline.position_on(key, day) or versions[-1])
        return f"{version.title} ({key})"
    units = timeline.units.get(key)
    if units:
        return f"{units[-1].name} ({key})"
    return key
