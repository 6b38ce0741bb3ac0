"""Per-request DataLoaders: nested fields cost one SQL statement per level, not per unit.

Every unit in an answer is seen from a `Viewpoint` (the day asked about and the
instant of knowledge), so loader keys are `(key, viewpoint)`: one request may
ask about several days. A batch is split by viewpoint and each part is one call
of `BatchReader`. Where it runs is `Reads`' choice: a lookup of a few keys on
SQLite on the event loop itself, anything else in the thread pool. Every value a
loader hands out is charged to the request's `ResultBudget` (`limits.py`), which
bounds the size of an answer however the query nests.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Engine, Pool
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from orgchange.adapters.eventstore import quick_reads
from projections import tables
from projections.batches import BatchReader
from projections.delegations import DelegationRow
from projections.read_model import ReadModel
from projections.rows import ChangeRow, Effect, Life, PositionRow, UnitRow

from .limits import CountedDataLoader, ResultBudget


@dataclass(frozen=True)
class Viewpoint:
    """Where a question looks from: effective day `as_of`, as known at `known_at` (None: now)."""

    as_of: date
    known_at: datetime | None


DELEGATIONS = tables.delegation_versions
Key = tuple[str, Viewpoint]
Fetch = Callable[[list[str], date, datetime | None], Mapping[str, Any]]
T = TypeVar("T")

# At most this many keys make a read `Reads.few` (a click on a unit asks for one to a few
# dozen).
FEW_KEYS = 64
# At most this many rows make a read `Reads.bounded` one for the loop (a unit with more
# changes, boards with more delegations, are read in the thread pool).
BOUNDED_ROWS = 500


class Reads:
    """Where a resolver's read of the read models runs: on the event loop or in the thread pool.

    On SQLite a lookup of a few keys by an index takes tens of microseconds in the driver,
    with no network between. Sent to the thread pool, the same lookup took 1 to 1.5 ms on
    the benchmark's register: the hop there and back, and above all the worker waiting for
    the GIL while the event loop and the other DataLoaders of the request ran Python. So
    where `quick_reads` allows (SQLite in WAL mode, where a reader never waits for a
    writer's lock) a read whose answer is bounded by its keys (`few`: a unit by key, its
    children, posts, life and links, whether keys are recorded, a unit's history) runs on
    the event loop, and then lets the loop's other work go first (a query of many aliases or
    days does not hold the loop for all of them at once). It runs there only while the pool
    has a connection free: a read that would wait for one waits in a thread, never on the
    loop.

    A read whose cost its keys do not bound (a unit's changes, which are sorted whole before a
    page is taken; a board's delegations) runs there too only when a count that stops at
    `BOUNDED_ROWS` finds no more (`bounded`). Everything else goes to the pool whatever the
    database (`many`: the day's slice, a page of the whole log), and so does every read of
    PostgreSQL, which waits on a socket and must not stall the loop if the server is slow.
    """

    def __init__(self, engine: Engine):
        self.on_loop = quick_reads(engine)
        self._pool = engine.pool

    def _loop_may_read(self) -> bool:
        """Reads are quick here, and the loop would not wait for a connection (`_pool_free`)."""
        return self.on_loop and _pool_free(self._pool)

    async def few(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A read of at most `FEW_KEYS` keys whose answer is bounded by them, found by an index."""
        if not self._loop_may_read():
            return await self.many(work, *args, **kwargs)
        found = work(*args, **kwargs)
        await asyncio.sleep(0)
        return found

    async def bounded(
        self, rows: Callable[[int], int], work: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """A read whose cost is the rows it finds (a unit's changes, a board's delegations): as
        `few` when `rows(cap)`, a count that stops past `cap` and itself runs on the loop, finds
        at most `BOUNDED_ROWS`; otherwise in the thread pool."""
        if self._loop_may_read() and rows(BOUNDED_ROWS) <= BOUNDED_ROWS:
            return await self.few(work, *args, **kwargs)
        return await self.many(work, *args, **kwargs)

    @staticmethod
    async def many(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(work, *args, **kwargs)

    async def keys(
        self, work: Callable[..., T], keys: list[str], *args: Any, rows: Callable[..., int] | None = None
    ) -> T:
        """`few` or `many`, by the number of keys; with `rows` (for these keys and a cap, how
        many rows `work` reads, as `bounded` takes it), `bounded` rather than `few`."""
        if len(keys) > FEW_KEYS:
            return await self.many(work, keys, *args)
        if rows is None:
            return await self.few(work, keys, *args)
        return await self.bounded(partial(rows, keys), work, keys, *args)


def _pool_free(pool: Pool) -> bool:
    """Whether a connection can be had now: an idle one of QueuePool's, or room to open one
    (`overflow()` counts up from minus the pool's size as connections are opened; a
    `max_overflow` of -1 has no limit). Opening an SQLite connection is a file's open; it is
    waiting for one that every other request holds that must not happen on the loop. Idle
    connections alone were not enough: a pool that had opened one, lent to a worker thread,
    sent the loop's reads to threads too although nine more could be opened."""
    checked_in = getattr(pool, "checkedin", None)
    overflow = getattr(pool, "overflow", None)
    limit = getattr(pool, "_max_overflow", None)
    if not (callable(checked_in) and callable(overflow) and isinstance(limit, int)):
        return False  # a pool of another kind: its waits are not known
    return checked_in() > 0 or limit == -1 or overflow() < limit


async def _nothing() -> list[Any]:
    return []


def _by_viewpoint(keys: Iterable[Key]) -> dict[Viewpoint, list[str]]:
    grouped: dict[Viewpoint, list[str]] = defaultdict(list)
    for key, view in keys:
        grouped[view].append(key)
    return grouped


def _batch(
    fetch: Fetch,
    missing: Callable[[], Any],
    reads: Reads,
    rows: Callable[[list[str], int], int] | None = None,
) -> Callable[[list[Key]], Awaitable[list[Any]]]:
    """A DataLoader's batch function: one call of `fetch` per viewpoint. `rows`: for a fetch
    whose cost its keys do not bound, how many rows it reads for some keys (counted up to a
    cap); see `Reads.keys`."""

    async def load(keys: list[Key]) -> list[Any]:
        answers: dict[Key, Any] = {}
        for view, ids in _by_viewpoint(keys).items():
            found = await reads.keys(fetch, ids, view.as_of, view.known_at, rows=rows)
            for key in ids:
                answers[(key, view)] = found.get(key, missing())
        return [answers[key] for key in keys]

    return load


def _loader(
    fetch: Fetch,
    missing: Callable[[], Any],
    budget: ResultBudget,
    reads: Reads,
    rows: Callable[[list[str], int], int] | None = None,
) -> DataLoader[Key, Any]:
    return CountedDataLoader(budget, load_fn=_batch(fetch, missing, reads, rows))


def in_effect_on(versions: list[UnitRow], day: date) -> UnitRow | None:
    """The version of a unit's history (believed at one instant, so none overlaps another)
    in effect on `day`: the row a read of the unit on that day finds."""
    for version in versions:
        if version.valid_from <= day and (version.valid_to is None or day < version.valid_to):
            return version
    return None


class _Day:
    """Every unit in effect on one day, as one request fetched them."""

    def __init__(self, units: dict[str, UnitRow]):
        self.units = units
        self._below: dict[str, list[UnitRow]] | None = None

    def children(self, key: str) -> list[UnitRow]:
        if self._below is None:  # units come sorted by key, so children do too
            self._below = defaultdict(list)
            for unit in self.units.values():
                if unit.parent_id is not None:
                    self._below[unit.parent_id].append(unit)
        return self._below.get(key, [])


class Loaders:
    """The DataLoaders of one request (a fresh set per request: no cache outlives it)."""

    def __init__(self, reader: BatchReader, read_model: ReadModel, budget: ResultBudget):
        self.reader = reader
        self.read_model = read_model
        self.budget = budget
        self.reads = reads = Reads(reader.engine)
        self._units_on_day = _batch(reader.units, lambda: None, reads)
        self.unit: DataLoader[Key, UnitRow | None] = CountedDataLoader(budget, load_fn=self._units)
        self.children: DataLoader[Key, list[UnitRow]] = _loader(reader.children, list, budget, reads)
        self.positions: DataLoader[Key, list[PositionRow]] = _loader(reader.positions, list, budget, reads)
        self.life: DataLoader[Key, Life | None] = _loader(reader.lives, lambda: None, budget, reads)
        self.links: DataLoader[Key, tuple[list[str], list[str]]] = _loader(
            self._links, lambda: ([], []), budget, reads
        )
        # A board's delegations (or a delegate's) are not bounded by its key: counted first.
        to_rows = partial(reader.rows_at_most, DELEGATIONS, "to_id")
        from_rows = partial(reader.rows_at_most, DELEGATIONS, "board_id")
        self.delegations_to: DataLoader[Key, list[DelegationRow]] = _loader(
            reader.delegations_to, list, budget, reads, to_rows
        )
        self.delegations_from: DataLoader[Key, list[DelegationRow]] = _loader(
            reader.delegations_from, list, budget, reads, from_rows
        )
        self.change: DataLoader[str, ChangeRow | None] = CountedDataLoader(budget, load_fn=self._changes)
        # What a page of changes read without them (`ChangeRow.linked`) holds for a query that
        # asks: each change's units, the delegations it affected. By change id.
        self.change_units: DataLoader[str, tuple[str, ...]] = DataLoader(load_fn=self._change_units)
        self.change_effects: DataLoader[str, tuple[Effect, ...]] = DataLoader(load_fn=self._change_effects)
        # A unit's versions as believed at an instant (None: now), by (key, instant): the
        # `unitHistory` fields of a request, and the whole life of a unit whose history the
        # request reads anyway (`life_of`).
        self.history: DataLoader[tuple[str, datetime | None], list[UnitRow]] = DataLoader(
            load_fn=self._histories
        )
        # Whether a key is a recorded unit (for a clear error about an unknown one): the root
        # fields of one query that name the same unit (the unit page's unitHistory and changes)
        # ask once, together.
        self.known_unit: DataLoader[str, bool] = DataLoader(load_fn=self._known_units)
        self._days: dict[Viewpoint, _Day] = {}

    def prime_organisation(self, units: list[UnitRow], view: Viewpoint) -> None:
        """Every unit in effect on a day is known: its parent and children need no query.

        Kept as a plain index, looked up by `unit_row` and `children_rows`, rather than
        primed into the DataLoaders: priming makes a future per key, which for a whole
        organisation costs more than answering a query that asks for neither.
        """
        self.budget.spend(len(units))
        self._days[view] = _Day({unit.id: unit for unit in units})

    async def unit_row(self, key: str, view: Viewpoint) -> UnitRow | None:
        """The unit in effect on the day (None if it is not)."""
        day = self._days.get(view)
        if day is not None:
            return day.units.get(key)
        return await self.unit.load((key, view))

    async def children_rows(self, key: str, view: Viewpoint) -> list[UnitRow]:
        """The units directly under `key` on the day, by key."""
        day = self._days.get(view)
        if day is not None:
            return day.children(key)
        rows = await self.children.load((key, view))
        for row in rows:  # so that a child's `parent` costs nothing
            self.unit.prime((row.id, view), row)
        return rows

    async def _units(self, keys: list[Key]) -> list[UnitRow | None]:
        """Units on a day: from the unit's history where the request reads that (the unit page
        asks for a unit on a day and for its history, whose versions hold the day's), the rest
        by one read of the day. The history's loads are registered by the time this batch runs:
        the root fields of a query each take their first step before a DataLoader dispatches."""
        histories = [key for key in keys if self.history.cache_map.get((key[0], key[1].known_at)) is not None]
        told = set(histories)
        rest = [key for key in keys if key not in told]
        read = await asyncio.gather(
            self._units_on_day(rest) if rest else _nothing(),
            *(self.history.load((key, view.known_at)) for key, view in histories),
        )
        answers = dict(zip(rest, read[0], strict=True))
        for (key, view), versions in zip(histories, read[1:], strict=True):
            answers[(key, view)] = in_effect_on(versions, view.as_of)
        return [answers[key] for key in keys]

    async def life_of(self, key: str, view: Viewpoint) -> Life | None:
        """The unit's whole life: from its history if the request reads that (the unit page
        asks for both; the history's rows are the same versions, so a statement is saved),
        otherwise by `life`, one row per unit."""
        if self.history.cache_map.get((key, view.known_at)) is None:
            return await self.life.load((key, view))
        versions = await self.history.load((key, view.known_at))
        # Oldest first and none overlapping another (see `in_effect_on`): the first begins the
        # life and the last ends it, or is still in effect.
        return Life(versions[0].valid_from, versions[-1].valid_to) if versions else None

    def _links(
        self, ids: list[str], as_of: date, known_at: datetime | None
    ) -> dict[str, tuple[list[str], list[str]]]:
        predecessors, successors = self.reader.links(ids, as_of, known_at)
        return {key: (predecessors.get(key, []), successors.get(key, [])) for key in ids}

    async def _known_units(self, keys: list[str]) -> list[bool]:
        """Whether each key is a recorded unit: told by its history (as believed now) where the
        request reads that — a unit with a version is recorded; the unit page asks for its
        history beside its changes — and by a look-up of the rest. The history's loads of the
        fields that ask are registered by the time this batch runs (see `_units`)."""
        told = [key for key in keys if self.history.cache_map.get((key, None)) is not None]
        histories = await asyncio.gather(*(self.history.load((key, None)) for key in told))
        known = {key for key, versions in zip(told, histories, strict=True) if versions}
        rest = [key for key in keys if key not in known]
        if rest:
            known |= await self.reads.keys(self.reader.known_units, rest)
        return [key in known for key in keys]

    async def _change_units(self, ids: list[str]) -> list[tuple[str, ...]]:
        found = await self.reads.keys(self.read_model.change_units, ids)
        return [found.get(key, ()) for key in ids]

    async def _change_effects(self, ids: list[str]) -> list[tuple[Effect, ...]]:
        found = await self.reads.keys(self.read_model.change_effects, ids)
        return [found.get(key, ()) for key in ids]

    async def _histories(self, keys: list[tuple[str, datetime | None]]) -> list[list[UnitRow]]:
        found: dict[tuple[str, datetime | None], list[UnitRow]] = {}
        by_instant: dict[datetime | None, list[str]] = defaultdict(list)
        for key, known_at in keys:
            by_instant[known_at].append(key)
        for known_at, ids in by_instant.items():
            histories = await self.reads.keys(self.read_model.unit_histories, ids, known_at)
            for key in ids:
                found[(key, known_at)] = histories.get(key, [])
        return [found[key] for key in keys]

    async def _changes(self, ids: list[str]) -> list[ChangeRow | None]:
        rows = await self.reads.keys(self.read_model.changes_by_id, ids)
        found = {row.id: row for row in rows}
        return [found.get(key) for key in ids]
