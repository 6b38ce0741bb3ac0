"""Position changes: a post (befattning) is established in a unit, moved, abolished.

Positions are posts, never people. A post ends with its unit when the unit is
dissolved or spun off, and follows it into a merge or split (see `units.py`).
"""

from __future__ import annotations

from .changes import AbolishPosition, EstablishPosition, MovePosition
from .delegations import check_delegates_outside_companies
from .errors import RuleViolation
from .messages import text
from .records import PositionVersion, end, revise
from .timeline import NO_CHANGE, Timeline, handles


@handles(EstablishPosition)
def establish_position(tl: Timeline, c: EstablishPosition) -> None:
    what = text("CHANGE_REJECTED:establish-position", position=c.position, unit=c.unit)
    tl.require_new_key("position", c.position)
    tl.require_unit(c.unit, c.effective, what)
    version = PositionVersion(c.effective, None, c.title, c.unit, c.director, c.id or "")
    tl.set_position(c.position, (version,))


@handles(MovePosition)
def move_position(tl: Timeline, c: MovePosition) -> None:
    what = text("CHANGE_REJECTED:move-position", position=c.position, unit=c.unit)
    current = tl.require_position(c.position, c.effective, what)
    tl.require_unit(c.unit, c.effective, what)
    if current.unit == c.unit:
        raise RuleViolation(NO_CHANGE, text("no-change:unit", what=what, unit=c.unit))
    tl.set_position(c.position, revise(tl.positions[c.position], c.effective, c.id or "", unit=c.unit))
    if tl.received.get(c.position):
        check_delegates_outside_companies(tl, [c.unit], c.effective, what)


@handles(AbolishPosition)
def abolish_position(tl: Timeline, c: AbolishPosition) -> None:
    what = text("CHANGE_REJECTED:abolish-position", position=c.position)
    tl.require_position(c.position, c.effective, what)
    tl.set_position(c.position, end(tl.positions[c.position], c.effective, c.id or ""))
