"""Per-request DataLoaders: nested fields cost one SQL statement per level, not per unit.

Every unit in an answer is seen from a `Viewpoint` (the day asked about and the
instant of knowledge), so loader keys are `(key, viewpoint)`: one request may
ask about several days. A batch is split by viewpoint and each part is one call
of `BatchReader`, run in the thread pool so the event loop never waits on the
database. Every value a loader hands out is charged to the request's `ResultBudget`
(`limits.py`), which bounds the size of an answer however the query nests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from projections.delegations import DelegationRow
from projections.queries import ChangeRow, Life, PositionRow, ReadModel, UnitRow

from ..readers import BatchReader
from .limits import CountedDataLoader, ResultBudget


@dataclass(frozen=True)
class Viewpoint:
    """Where a question looks from: effective day `as_of`, as known at `known_at` (None: now)."""

    as_of: date
    known_at: datetime | None


Key = tuple[str, Viewpoint]
Fetch = Callable[[list[str], date, datetime | None], Mapping[str, Any]]


def _by_viewpoint(keys: Iterable[Key]) -> dict[Viewpoint, list[str]]:
    grouped: dict[Viewpoint, list[str]] = defaultdict(list)
    for key, view in keys:
        grouped[view].append(key)
    return grouped


def _loader(fetch: Fetch, missing: Callable[[], Any], budget: ResultBudget) -> DataLoader[Key, Any]:
    async def load(keys: list[Key]) -> list[Any]:
        answers: dict[Key, Any] = {}
        for view, ids in _by_viewpoint(keys).items():
            found = await run_in_threadpool(fetch, ids, view.as_of, view.known_at)
            for key in ids:
                answers[(key, view)] = found.get(key, missing())
        return [answers[key] for key in keys]

    return CountedDataLoader(budget, load_fn=load)


class Loaders:
    """The DataLoaders of one request (a fresh set per request: no cache outlives it)."""

    def __init__(self, reader: BatchReader, read_model: ReadModel, budget: ResultBudget):
        self.reader = reader
        self.read_model = read_model
        self.budget = budget
        self.unit: DataLoader[Key, UnitRow | None] = _loader(reader.units, lambda: None, budget)
        self.children: DataLoader[Key, list[UnitRow]] = _loader(reader.children, list, budget)
        self.positions: DataLoader[Key, list[PositionRow]] = _loader(reader.positions, list, budget)
        self.life: DataLoader[Key, Life | None] = _loader(reader.lives, lambda: None, budget)
        self.links: DataLoader[Key, tuple[list[str], list[str]]] = _loader(
            self._links, lambda: ([], []), budget
        )
        self.delegations_to: DataLoader[Key, list[DelegationRow]] = _loader(
            reader.delegations_to, list, budget
        )
        self.delegations_from: DataLoader[Key, list[DelegationRow]] = _loader(
            reader.delegations_from, list, budget
        )
        self.change: DataLoader[str, ChangeRow | None] = CountedDataLoader(budget, load_fn=self._changes)

    def prime_organisation(self, units: list[UnitRow], view: Viewpoint) -> None:
        """Every unit in effect on a day is known: its parent and children need no query."""
        self.budget.spend(len(units))
        below: dict[str, list[UnitRow]] = defaultdict(list)
        for unit in units:
            self.unit.prime((unit.id, view), unit)
            if unit.parent_id is not None:
                below[unit.parent_id].append(unit)
        for unit in units:
            self.children.prime((unit.id, view), below.get(unit.id, []))

    def _links(
        self, ids: list[str], as_of: date, known_at: datetime | None
    ) -> dict[str, tuple[list[str], list[str]]]:
        predecessors, successors = self.reader.links(ids, as_of, known_at)
        return {key: (predecessors.get(key, []), successors.get(key, [])) for key in ids}

    async def _changes(self, ids: list[str]) -> list[ChangeRow | None]:
        rows = await run_in_threadpool(self.read_model.changes_by_id, ids)
        found = {row.id: row for row in rows}
        return [found.get(key) for key in ids]
