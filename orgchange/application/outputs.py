"""Stale-output tracking: which generated documents a later correction has made untrue.

A review pack or a diagram answers for a range of days as the register knew it
when it was made. A change recorded afterwards whose effective date falls on or
before the last covered day (a retroactive change, or a cancellation, which
carries the date of what it cancels) alters one of those answers: the output is
stale, and the list says which changes made it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert, select

from projections import tables as t


@dataclass(frozen=True)
class Output:
    id: int
    kind: str
    description: str
    covers_from: date
    covers_to: date
    generated_at: datetime
    generated_by: str
    location: str | None


@dataclass(frozen=True)
class StaleOutput:
    output: Output
    changed_by: list[str]  # ids of the changes recorded since, in recording order


def record_output(
    engine: Engine,
    kind: str,
    description: str,
    covers: tuple[date, date],
    generated_by: str,
    location: str | None = None,
    generated_at: datetime | None = None,
) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(t.generated_outputs).values(
                kind=kind,
                description=description,
                covers_from=covers[0],
                covers_to=covers[1],
                generated_at=generated_at or datetime.now(UTC),
                generated_by=generated_by,
                location=location,
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT has its key
        return key[0]


def outputs(engine: Engine) -> list[Output]:
    o = t.generated_outputs
    with engine.connect() as connection:
        rows = connection.execute(select(o).order_by(o.c.output_id))
        return [
            Output(
                r.output_id,
                r.kind,
                r.description,
                r.covers_from,
                r.covers_to,
                r.generated_at,
                r.generated_by,
                r.location,
            )
            for r in rows
        ]


def stale_outputs(engine: Engine) -> list[StaleOutput]:
    o, log = t.generated_outputs, t.change_log
    query = (
        select(o.c.output_id, log.c.change_id)
        .join(log, (log.c.recorded_at > o.c.generated_at) & (log.c.effective <= o.c.covers_to))
        .order_by(o.c.output_id, log.c.seq)
    )
    with engine.connect() as connection:
        changed: dict[int, list[str]] = {}
        for output_id, change_id in connection.execute(query):
            changed.setdefault(output_id, []).append(change_id)
    return [StaleOutput(out, changed[out.id]) for out in outputs(engine) if out.id in changed]
