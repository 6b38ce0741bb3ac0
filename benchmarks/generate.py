"""A seeded generator of realistic synthetic registers, written as `orgchange/v1` JSON change files.

    .venv/bin/python -m benchmarks.generate --units 1000 --changes 10000 --seed 1 -o small.json [--verify]

The generator simulates the organisation itself (cheaply: dicts and indexable
sets, no rule engine), so that every change it writes is valid where it stands
and the file imports without a rejection. The shape:

* one or more municipalities (one per ~2,500 units), each a council (kommunfull-
  mäktige) → boards and their committees (nämnder, utskott) → offices
  (förvaltningar) → areas (verksamhetsområden) → units (enheter) → sub-units →
  groups: hierarchy depth 5–7; a holding company and subsidiaries owned by the
  kommunstyrelse;
* positions (befattningar; förvaltningschefer and some områdeschefer are
  directors) and a delegationsordning per board with vidaredelegationer;
* then history over 30+ years (1990–2024, a third of it on 1 January, when most
  reorganisations take effect): renames, reclassifications, moves, merges (into
  an existing unit and into a new one), splits (every child and position mapped),
  dissolutions (of childless units only), spin-offs to companies, positions
  established/moved/abolished, delegations granted/amended/revoked/sub-delegated;
* mostly in date order, with a small share of retroactive changes (recorded
  after later-dated ones; chosen so that they are consistent with everything
  recorded after their date: renames, new posts and new delegations of things
  that were in effect throughout) and a few cancellations (of renames, which
  nothing later depends on).

`--units` is the size of the organisation at any one time (units in effect;
kept near that number throughout), `--changes` the number of changes in the
file. The same arguments and seed give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .vocabulary import KIND_PREFIX, MATTERS, PLACES, TITLES, TOPICS

START = date(1990, 1, 1)
END = date(2024, 12, 31)
UNITS_PER_MUNICIPALITY = 2500
MAX_DEPTH = 7

# --- the simulated organisation ---------------------------------------------------------


class Bag:
    """A set with O(1) add, remove and uniform random choice; its order depends only
    on the operations, so choices are the same for the same seed (no hash order)."""

    __slots__ = ("items", "index")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, key: str) -> None:
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(key)

    def discard(self, key: str) -> None:
        i = self.index.pop(key, None)
        if i is None:
            return
        last = self.items.pop()
        if i < len(self.items):
            self.items[i] = last
            self.index[last] = i

    def choice(self, rng: random.Random) -> str | None:
        return self.items[rng.randrange(len(self.items))] if self.items else None

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: str) -> bool:
        return key in self.index


@dataclass(slots=True)
class U:
    key: str
    name: str
    kind: str
    parent: str | None
    owner: str | None
    since: date
    muni: int
    names: set[str] = field(default_factory=set)
    placed: date | None = None  # the last day its parent, owner or kind changed
    children: dict[str, None] = field(default_factory=dict)  # line children and owned companies
    staff: dict[str, None] = field(default_factory=dict)
    granted: dict[str, None] = field(default_factory=dict)


@dataclass(slots=True)
class P:
    key: str
    unit: str
    director: bool
    since: date
    placed: date | None = None  # the last day it moved to another unit


@dataclass(slots=True)
class D:
    key: str
    board: str
    to: str
    further: bool
    parent: str | None
    since: date
    subs: dict[str, None] = field(default_factory=dict)


@dataclass
class Sizes:
    units: int
    changes: int
    seed: int = 1
    retro_share: float = 0.001
    cancellations: int | None = None  # default: 3 + changes // 50,000
    start: date = START
    end: date = END


class Generator:
    def __init__(self, sizes: Sizes):
        self.s = sizes
        self.rng = random.Random(sizes.seed)
        self.units: dict[str, U] = {}
        self.positions: dict[str, P] = {}
        self.delegations: dict[str, D] = {}
        self.delegate_of: Counter[str] = Counter()  # delegations in effect to each post or committee
        self.alive_units = Bag()  # every unit in effect except councils
        self.by_kind: dict[str, Bag] = {}  # kind -> units in effect
        self.by_muni_kind: dict[tuple[int, str], Bag] = {}
        self.alive_positions = Bag()
        self.alive_delegations = Bag()
        self.councils: list[str] = []
        self.kommunstyrelse: dict[int, str] = {}
        self.serial = 0
        self.out: list[dict[str, Any]] = []
        self.renames: list[str] = []  # ids of renames recorded so far (cancellation candidates)
        self.cancelled: set[str] = set()
        self.paragraphs: Counter[tuple[str, int]] = Counter()
        self.stats: Counter[str] = Counter()
        self.day = sizes.start

    # --- helpers ---------------------------------------------------------------------

    def new_key(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial}"

    def bag(self, kind: str, muni: int | None = None) -> Bag:
        if muni is None:
            return self.by_kind.setdefault(kind, Bag())
        return self.by_muni_kind.setdefault((muni, kind), Bag())

    def name_for(self, kind: str, avoid: set[str] | None = None) -> str:
        rng = self.rng
        for _ in range(50):
            topic = rng.choice(TOPICS)
            if kind == "board":
                name = f"Nämnden för {topic}"
            elif kind == "committee":
                name = f"Utskottet för {topic}"
            elif kind == "office":
                name = f"Förvaltningen för {topic}"
            elif kind == "area":
                name = f"Verksamhetsområde {topic}, {rng.choice(PLACES)}"
            elif kind == "group":
                name = f"Arbetsgrupp {topic} {rng.choice(PLACES)}"
            elif kind == "company":
                name = f"{topic.capitalize()} i {rng.choice(PLACES)} AB"
            else:
                name = f"Enheten för {topic}, {rng.choice(PLACES)}"
            if avoid is None or name not in avoid:
                return name
        self.serial += 1
        return f"{name} {self.serial}"

    def decision(self, body: str, effective: date) -> dict[str, Any]:
        decided = effective - timedelta(days=self.rng.randint(7, 120))
        self.paragraphs[(body, decided.year)] += 1
        n = self.paragraphs[(body, decided.year)]
        return {
            "body": body,
            "date": decided.isoformat(),
            "paragraph": f"§ {n}",
            "reference": f"{body.upper()} {decided.year}/{n + 100}",
        }

    def board_above(self, key: str) -> str:
        """The nearest board above (or the council for a board itself) — who decides."""
        u = self.units[key]
        seen = 0
        while u.kind not in ("board", "council") and seen < 20:
            above = u.parent or u.owner
            if above is None:
                break
            u = self.units[above]
            seen += 1
        if u.key == key and u.kind == "board" and u.parent:
            return u.parent
        return u.key

    def council_above(self, key: str) -> str:
        """The council at the top — who forms a company or gives it another owner (competence)."""
        return ([key, *self.ancestors(key)])[-1]

    def ancestors(self, key: str) -> list[str]:
        found: list[str] = []
        u = self.units[key]
        while True:
            above = u.parent or u.owner
            if above is None:
                return found
            found.append(above)
            u = self.units[above]

    def depth(self, key: str) -> int:
        return len(self.ancestors(key)) + 1

    def height(self, key: str) -> int:
        """Levels below `key` (0 for a leaf)."""
        children = self.units[key].children
        return 1 + max((self.height(c) for c in children), default=-1) if children else 0

    def emit(self, change: dict[str, Any], effective: date | None, body: str | None) -> str:
        change_id = f"c{len(self.out) + 1:07d}"
        entry: dict[str, Any] = {"id": change_id, "type": change.pop("type")}
        if effective is not None:
            entry["effective"] = effective.isoformat()
        if body is not None and effective is not None:
            entry["decision"] = self.decision(body, effective)
        entry.update(change)
        self.out.append(entry)
        self.stats[entry["type"]] += 1
        return change_id

    # --- state changes (mirror the register's effects) ---------------------------------------

    def _index_unit(self, u: U) -> None:
        if u.kind != "council":
            self.alive_units.add(u.key)
        self.bag(u.kind).add(u.key)
        self.bag(u.kind, u.muni).add(u.key)

    def _unindex_unit(self, u: U) -> None:
        self.alive_units.discard(u.key)
        self.bag(u.kind).discard(u.key)
        self.bag(u.kind, u.muni).discard(u.key)

    def add_unit(self, key: str, name: str, kind: str, parent: str | None, owner: str | None, day: date) -> U:
        above = parent or owner
        muni = self.units[above].muni if above else len(self.councils)
        u = U(key, name, kind, parent, owner, day, muni, {name})
        self.units[key] = u
        if above:
            self.units[above].children[key] = None
        self._index_unit(u)
        return u

    def set_above(self, key: str, new: str) -> None:
        u = self.units[key]
        old = u.parent or u.owner
        if old:
            self.units[old].children.pop(key, None)
        if u.kind == "company":
            u.owner = new
        else:
            u.parent = new
        u.placed = self.day
        self.units[new].children[key] = None

    def set_kind(self, key: str, kind: str) -> None:
        u = self.units[key]
        self._unindex_unit(u)
        u.kind = kind
        u.placed = self.day
        self._index_unit(u)

    def end_unit(self, key: str) -> None:
        u = self.units[key]
        assert not u.children, f"{key} still has dependants"
        above = u.parent or u.owner
        if above:
            self.units[above].children.pop(key, None)
        self._unindex_unit(u)
        for d in list(u.granted):
            self.end_delegation(d)
        u.granted.clear()

    def add_position(self, key: str, unit: str, director: bool, day: date) -> None:
        self.positions[key] = P(key, unit, director, day)
        self.units[unit].staff[key] = None
        self.alive_positions.add(key)

    def move_position_to(self, key: str, unit: str) -> None:
        p = self.positions[key]
        self.units[p.unit].staff.pop(key, None)
        p.unit = unit
        p.placed = self.day
        self.units[unit].staff[key] = None

    def end_position(self, key: str) -> None:
        p = self.positions[key]
        self.units[p.unit].staff.pop(key, None)
        self.alive_positions.discard(key)

    def add_delegation(self, d: D) -> None:
        self.delegations[d.key] = d
        self.alive_delegations.add(d.key)
        self.delegate_of[d.to] += 1
        if d.parent is None:
            self.units[d.board].granted[d.key] = None
        else:
            self.delegations[d.parent].subs[d.key] = None

    def end_delegation(self, key: str) -> None:
        d = self.delegations[key]
        for ended in [*d.subs, key]:
            if ended in self.alive_delegations:
                self.delegate_of[self.delegations[ended].to] -= 1
                self.alive_delegations.discard(ended)
        d.subs.clear()
        if d.parent is None:
            self.units[d.board].granted.pop(key, None)
        else:
            self.delegations[d.parent].subs.pop(key, None)

    def position_alive(self, key: str) -> bool:
        return key in self.alive_positions

    def unit_alive(self, key: str) -> bool:
        u = self.units.get(key)
        return u is not None and (key in self.alive_units or u.kind == "council")

    # --- the change types --------------------------------------------------------------

    def establish(
        self, kind: str, parent: str | None, owner: str | None, day: date, name: str | None = None
    ) -> str:
        key = self.new_key(KIND_PREFIX[kind])
        name = name or self.name_for(kind)
        change: dict[str, Any] = {"type": "establish_unit", "unit": key, "name": name, "kind": kind}
        if parent:
            change["parent"] = parent
        if owner:
            change["owner"] = owner
        self.add_unit(key, name, kind, parent, owner, day)
        if kind == "council":
            body = key
        elif kind == "company":
            body = self.council_above(key)
        else:
            body = self.board_above(key)
        self.emit(change, day, body)
        return key

    def establish_position(
        self, unit: str, day: date, director: bool | None = None, title: str | None = None
    ) -> str:
        u = self.units[unit]
        if director is None:
            chance = {"office": 0.4, "area": 0.15}.get(u.kind, 0.0)
            director = self.rng.random() < chance
        if title is None:
            if director:
                title = "Förvaltningschef" if u.kind == "office" else "Verksamhetsdirektör"
            else:
                title = self.rng.choice(TITLES.get(u.kind, TITLES["unit"]))
        key = self.new_key("bef")
        change: dict[str, Any] = {"type": "establish_position", "position": key, "title": title, "unit": unit}
        if director:
            change["director"] = True
        self.add_position(key, unit, director, day)
        self.emit(change, day, self.board_above(unit))
        return key

    def repoint(self, d: D, to: str) -> None:
        self.delegate_of[d.to] -= 1
        d.to = to
        self.delegate_of[to] += 1

    def holds_delegate_posts(self, key: str) -> bool:
        """Does any post of the unit, or of a unit below it, hold a delegation in effect?"""
        waiting = [key]
        while waiting:
            u = self.units[waiting.pop()]
            if any(self.delegate_of[p] for p in u.staff):
                return True
            waiting.extend(u.children)
        return False

    def in_company(self, key: str) -> bool:
        """Does the unit stand in a company (its staff cannot decide on a board's behalf)?"""
        return any(self.units[k].kind == "company" for k in (key, *self.ancestors(key)))

    def settled_since(self, position: str, day: date) -> bool:
        """Has the post, and every unit above it, stood where it stands now since `day`?"""
        p = self.positions[position]
        if p.since > day or (p.placed is not None and p.placed > day):
            return False
        for key in (p.unit, *self.ancestors(p.unit)):
            u = self.units[key]
            if u.since > day or (u.placed is not None and u.placed > day):
                return False
        return True

    def pick_delegate(self, board: str, *, committees: bool = True, since: date | None = None) -> str | None:
        """A position in the board's part of the organisation (a random walk down), or a committee."""
        rng = self.rng
        if self.in_company(board):
            return None
        b = self.units[board]
        if committees and rng.random() < 0.15:
            own = [c for c in b.children if self.units[c].kind == "committee"]
            if own:
                return rng.choice(own)
        node = board
        candidates: list[str] = []
        for _ in range(4):
            staff = [p for p in self.units[node].staff if since is None or self.settled_since(p, since)]
            candidates = staff or candidates
            below = [
                c for c in self.units[node].children if self.units[c].kind not in ("committee", "company")
            ]
            if not below or (staff and rng.random() < 0.35):
                break
            node = rng.choice(below)
        return rng.choice(candidates) if candidates else None

    def grant(
        self, board: str, day: date, to: str | None = None, further: bool | None = None, retro: bool = False
    ) -> str | None:
        rng = self.rng
        to = to or self.pick_delegate(board)
        if to is None:
            return None
        is_director = to in self.positions and self.positions[to].director
        if further is None:
            further = is_director and rng.random() < 0.6
        key = self.new_key("del")
        self.serial += 1
        change: dict[str, Any] = {
            "type": "grant_delegation",
            "delegation": key,
            "from": board,
            "to": to,
            "matter": f"{rng.choice(MATTERS)} ({self.serial})",
            "code": f"{rng.randint(1, 12)}.{rng.randint(1, 40)}",
        }
        if rng.random() < 0.4:
            change["legal_basis"] = rng.choice(
                ["SoL 4 kap. 1 §", "PBL 9 kap. 2 §", "LOU 12 kap.", "KL (2017:725) 7 kap. 5 §"]
            )
        if rng.random() < 0.3:
            change["limit"] = f"högst {rng.randint(1, 50)} prisbasbelopp"
        if further:
            change["further_delegation"] = True
        if not retro and rng.random() < 0.1:
            substitute = self.pick_delegate(board, committees=False)
            if substitute and substitute != to:
                change["substitute"] = substitute
        self.add_delegation(D(key, board, to, bool(further), None, day))
        self.emit(change, day, board)
        return key

    def subdelegate(self, parent_key: str, day: date) -> str | None:
        parent = self.delegations[parent_key]
        if parent.parent is not None or not parent.further or parent_key not in self.alive_delegations:
            return None
        holder = self.positions.get(parent.to)
        if holder is None or not holder.director or not self.position_alive(parent.to):
            return None
        to = None
        for _ in range(3):
            to = self.pick_delegate(holder.unit, committees=False)
            if to and to != parent.to:
                break
            to = None
        if to is None:
            return None
        key = self.new_key("del")
        self.add_delegation(D(key, parent.board, to, False, parent_key, day))
        self.emit(
            {"type": "subdelegate", "delegation": key, "parent_delegation": parent_key, "to": to},
            day,
            parent.to,
        )
        return key

    # --- the initial organisation ----------------------------------------------------------

    def build_initial(self) -> None:
        rng, day = self.rng, self.s.start
        municipalities = max(1, round(self.s.units / UNITS_PER_MUNICIPALITY))
        share = [self.s.units // municipalities] * municipalities
        share[0] += self.s.units - sum(share)
        for m, target in enumerate(share):
            council = self.establish("council", None, None, day, name=f"Kommunfullmäktige i kommun {m + 1}")
            self.councils.append(council)
            n_boards = max(4, min(14, target // 120))
            boards, offices, committees = [], [], []
            for b in range(n_boards):
                name = "Kommunstyrelsen" if b == 0 else None
                board = self.establish("board", council, None, day, name=name)
                boards.append(board)
                self.establish_position(board, day, director=False, title="Ordförande")
                for _ in range(2 if b == 0 else rng.randint(0, 1)):
                    committees.append(self.establish("committee", board, None, day))
                name = "Stadsledningskontoret" if b == 0 else None
                office = self.establish("office", board, None, day, name=name)
                offices.append(office)
                title = "Stadsdirektör" if b == 0 else "Förvaltningschef"
                self.establish_position(office, day, director=True, title=title)
            self.kommunstyrelse[m] = boards[0]
            holding = self.establish("company", None, boards[0], day, name=f"Stadshus AB i kommun {m + 1}")
            for _ in range(rng.randint(2, 4)):
                self.establish("company", None, holding, day)
            used = 1 + n_boards * 2 + len(committees) + 1 + len(self.units[holding].children)
            rest = max(0, target - used)
            n_areas = max(n_boards, int(rest * 0.12))
            n_units = int(rest * 0.42)
            n_sub = int(rest * 0.30)
            n_groups = max(0, rest - n_areas - n_units - n_sub)
            areas = [self.establish("area", rng.choice(offices), None, day) for _ in range(n_areas)]
            units = [self.establish("unit", rng.choice(areas), None, day) for _ in range(n_units)]
            subs = [self.establish("unit", rng.choice(units), None, day) for _ in range(n_sub)]
            for _ in range(n_groups):
                self.establish("group", rng.choice(subs or units), None, day)
            for area in areas:
                self.establish_position(area, day, director=rng.random() < 0.2, title="Områdeschef")
            for unit in units + subs:
                if rng.random() < 0.8:
                    self.establish_position(unit, day, director=False, title="Enhetschef")
        # more posts, up to about one per unit
        target_positions = self.s.units
        while len(self.alive_positions) < target_positions and len(self.out) < self.s.changes * 0.3:
            self.establish_position(self.random_unit(("office", "area", "unit", "group")), day)
        # a delegationsordning per board, and vidaredelegationer
        boards = list(self.bag("board").items)
        per_board = max(3, int(self.s.units * 0.12 / max(1, len(boards))))
        budget = self.s.changes * 0.45
        for board in boards:
            for _ in range(per_board):
                if len(self.out) >= budget:
                    break
                key = self.grant(board, day)
                if key and self.delegations[key].further and rng.random() < 0.7:
                    for _ in range(rng.randint(1, 3)):
                        self.subdelegate(key, day)

    def random_unit(self, kinds: tuple[str, ...], muni: int | None = None) -> str:
        bags = [self.bag(k, muni) for k in kinds]
        total = sum(len(b) for b in bags)
        i = self.rng.randrange(total)
        for b in bags:
            if i < len(b):
                return b.items[i]
            i -= len(b)
        raise AssertionError

    # --- history ---------------------------------------------------------------------

    def history_dates(self, count: int) -> list[date]:
        rng, start, end = self.rng, self.s.start + timedelta(days=1), self.s.end
        span = (end - start).days
        days: list[date] = []
        for _ in range(count):
            if rng.random() < 0.33:
                year = rng.randint(start.year + 1, end.year)
                days.append(date(year, 1, 1))
            else:
                days.append(start + timedelta(days=rng.randrange(span + 1)))
        days.sort()
        return days

    WEIGHTS: dict[str, float] = {
        "rename_unit": 11,
        "reclassify_unit": 2,
        "move_unit": 7,
        "merge_units": 3,
        "split_unit": 2,
        "dissolve_unit": 3.5,
        "spin_off_unit": 0.3,
        "establish_unit": 6.5,
        "establish_position": 13,
        "move_position": 8,
        "abolish_position": 9,
        "grant_delegation": 9,
        "amend_delegation": 10,
        "revoke_delegation": 4,
        "subdelegate": 5,
    }

    def weights(self) -> tuple[list[str], list[float]]:
        w = dict(self.WEIGHTS)
        units = len(self.alive_units) / self.s.units
        if units < 0.97:
            w["establish_unit"] *= 2.5
            w["split_unit"] *= 2
            w["merge_units"] *= 0.3
            w["dissolve_unit"] *= 0.3
        elif units > 1.03:
            w["establish_unit"] *= 0.3
            w["split_unit"] *= 0.3
            w["merge_units"] *= 2
            w["dissolve_unit"] *= 2.5
        positions = len(self.alive_positions) / self.s.units
        if positions < 0.95:
            w["establish_position"] *= 2
            w["abolish_position"] *= 0.5
        elif positions > 1.05:
            w["establish_position"] *= 0.5
            w["abolish_position"] *= 2
        delegations = len(self.alive_delegations) / (0.25 * self.s.units)
        if delegations < 0.95:
            w["grant_delegation"] *= 2
            w["subdelegate"] *= 2
            w["revoke_delegation"] *= 0.3
        elif delegations > 1.05:
            w["grant_delegation"] *= 0.4
            w["subdelegate"] *= 0.4
            w["revoke_delegation"] *= 2.5
        names = list(w)
        return names, [w[n] for n in names]

    def run(self) -> list[dict[str, Any]]:
        self.build_initial()
        cancellations = self.s.cancellations
        if cancellations is None:
            cancellations = 3 + self.s.changes // 50_000
        remaining = self.s.changes - len(self.out)
        if remaining < cancellations + 1:
            raise SystemExit(
                f"{self.s.changes} changes are too few for {self.s.units} units "
                f"(the initial organisation alone takes {len(self.out)})"
            )
        days = self.history_dates(remaining)
        cancel_at = set(self.rng.sample(range(remaining // 10, remaining), min(cancellations, remaining)))
        names, weights = self.weights()
        for i, day in enumerate(days):
            self.day = day
            if i % 200 == 0:
                names, weights = self.weights()
            if i in cancel_at and self.cancel():
                continue
            if self.s.retro_share and self.rng.random() < self.s.retro_share and self.retroactive(day):
                continue
            for _ in range(50):
                op = self.rng.choices(names, weights)[0]
                if getattr(self, "op_" + op)(day):
                    break
            else:
                raise AssertionError(f"no valid change found on {day}")
        return self.out

    # Each op_* writes one change and returns True, or returns False (nothing written)
    # when no valid candidate was found; `run` then picks another type.

    def op_rename_unit(self, day: date) -> bool:
        key = self.alive_units.choice(self.rng)
        if key is None:
            return False
        u = self.units[key]
        name = self.name_for(u.kind, avoid=u.names)
        u.names.add(name)
        u.name = name
        self.renames.append(
            self.emit({"type": "rename_unit", "unit": key, "name": name}, day, self.board_above(key))
        )
        return True

    def op_reclassify_unit(self, day: date) -> bool:
        key = self.random_unit(("unit", "group"))
        u = self.units[key]
        new = "group" if u.kind == "unit" else "unit"
        self.set_kind(key, new)
        self.emit({"type": "reclassify_unit", "unit": key, "kind": new}, day, self.board_above(key))
        return True

    def op_move_unit(self, day: date) -> bool:
        rng = self.rng
        if rng.random() < 0.08:
            return self.move_company(day)
        key = self.random_unit(("area", "unit", "group"))
        u = self.units[key]
        current = self.units[u.parent or ""]
        height = self.height(key)
        for _ in range(8):
            target = self.bag(current.kind, u.muni).choice(rng)
            if target is None or target == current.key or target == key:
                continue
            above = self.ancestors(target)
            if key in above or len(above) + 2 + height > MAX_DEPTH:
                continue
            if self.in_company(target) and self.holds_delegate_posts(key):
                continue
            self.set_above(key, target)
            self.emit({"type": "move_unit", "unit": key, "parent": target}, day, self.board_above(target))
            return True
        return False

    def move_company(self, day: date) -> bool:
        key = self.bag("company").choice(self.rng)
        if key is None:
            return False
        u = self.units[key]
        for _ in range(5):
            target = self.random_unit(("board", "company"), u.muni)
            if target in (u.owner, key) or key in self.ancestors(target):
                continue
            if self.depth(target) + 1 + self.height(key) > MAX_DEPTH:
                continue
            self.set_above(key, target)
            self.emit({"type": "move_unit", "unit": key, "owner": target}, day, self.council_above(target))
            return True
        return False

    def op_merge_units(self, day: date) -> bool:
        rng = self.rng
        # Nämnder merge now and then; förvaltningar, areas and units far more often.
        kinds = ("board",) if rng.random() < 0.012 else ("office", "area", "unit", "group")
        key = self.random_unit(kinds)
        u = self.units[key]
        if u.parent is None or self.units[u.parent].kind == "company":
            return False
        if u.kind == "board" and key in self.kommunstyrelse.values():
            return False
        siblings = [
            s
            for s in self.units[u.parent].children
            if s != key and self.units[s].kind == u.kind and s not in self.kommunstyrelse.values()
        ]
        if not siblings:
            return False
        merged = [key, *rng.sample(siblings, min(len(siblings), 1 if rng.random() < 0.8 else 2))]
        change: dict[str, Any] = {"type": "merge_units", "units": merged}
        if rng.random() < 0.5:
            into = merged[0]
            change["into"] = into
        else:
            into = self.new_key(KIND_PREFIX[u.kind])
            name = self.name_for(u.kind)
            change.update(into=into, name=name, kind=u.kind)
            self.add_unit(into, name, u.kind, u.parent, None, day)
        body = self.board_above(key)
        for m in merged:
            if m == into:
                continue
            for child in list(self.units[m].children):
                self.set_above(child, into)
            for position in list(self.units[m].staff):
                self.move_position_to(position, into)
            self.end_unit(m)
        self.emit(change, day, body)
        return True

    def op_split_unit(self, day: date) -> bool:
        rng = self.rng
        key = self.random_unit(("office", "area", "unit"))
        u = self.units[key]
        if u.parent is None:
            return False
        parts = 2 if rng.random() < 0.85 else 3
        successors = []
        for _ in range(parts):
            successors.append({"unit": self.new_key(KIND_PREFIX[u.kind]), "name": self.name_for(u.kind)})
        children = {c: rng.choice(successors)["unit"] for c in sorted(u.children)}
        positions = {p: rng.choice(successors)["unit"] for p in sorted(u.staff)}
        change: dict[str, Any] = {"type": "split_unit", "unit": key, "into": successors}
        if children:
            change["children"] = children
        if positions:
            change["positions"] = positions
        body = self.board_above(key)
        for s in successors:
            self.add_unit(s["unit"], s["name"], u.kind, u.parent, None, day)
        for child, to in children.items():
            self.set_above(child, to)
        for position, to in positions.items():
            self.move_position_to(position, to)
        self.end_unit(key)
        self.emit(change, day, body)
        return True

    def op_dissolve_unit(self, day: date) -> bool:
        for _ in range(10):
            key = self.random_unit(("area", "unit", "group", "committee"))
            u = self.units[key]
            if u.children:
                continue
            body = self.board_above(key)
            for position in list(u.staff):
                self.end_position(position)
            self.end_unit(key)
            self.emit({"type": "dissolve_unit", "unit": key}, day, body)
            return True
        return False

    def op_spin_off_unit(self, day: date) -> bool:
        key = self.random_unit(("area", "unit"))
        u = self.units[key]
        if self.units[u.parent or ""].kind == "company":
            return False
        owner = self.board_above(key)
        if self.units[owner].kind != "board":
            return False
        if any(self.holds_delegate_posts(child) for child in u.children):
            return False  # no delegate goes into a company (revoke first, as a registrar would)
        company = self.new_key("ab")
        name = self.name_for("company")
        self.add_unit(company, name, "company", None, owner, day)
        for child in list(u.children):
            self.set_above(child, company)
        for position in list(u.staff):
            self.end_position(position)
        self.end_unit(key)
        self.emit(
            {"type": "spin_off_unit", "unit": key, "company": company, "name": name, "owner": owner},
            day,
            self.units[owner].parent,
        )
        return True

    def op_establish_unit(self, day: date) -> bool:
        rng = self.rng
        kind = rng.choices(
            ["board", "office", "area", "unit", "group", "committee", "company"], [0.6, 1.5, 12, 60, 20, 4, 2]
        )[0]
        if kind == "company":
            owner = self.random_unit(("board", "company"))
            if self.depth(owner) + 1 > MAX_DEPTH:
                return False
            self.establish("company", None, owner, day)
            return True
        parents = {
            "board": ("council",),
            "office": ("board",),
            "area": ("office",),
            "unit": ("area", "unit"),
            "group": ("unit",),
            "committee": ("board",),
        }
        parent = self.random_unit(parents[kind])
        if self.depth(parent) + 1 > MAX_DEPTH:
            return False
        self.establish(kind, parent, None, day)
        return True

    def op_establish_position(self, day: date) -> bool:
        self.establish_position(self.random_unit(("board", "office", "area", "unit", "group")), day)
        return True

    def op_move_position(self, day: date) -> bool:
        key = self.alive_positions.choice(self.rng)
        if key is None:
            return False
        p = self.positions[key]
        target = self.random_unit(("office", "area", "unit", "group"), self.units[p.unit].muni)
        if target == p.unit or (self.delegate_of[key] and self.in_company(target)):
            return False
        self.move_position_to(key, target)
        self.emit({"type": "move_position", "position": key, "unit": target}, day, self.board_above(target))
        return True

    def op_abolish_position(self, day: date) -> bool:
        key = self.alive_positions.choice(self.rng)
        if key is None:
            return False
        body = self.board_above(self.positions[key].unit)
        self.end_position(key)
        self.emit({"type": "abolish_position", "position": key}, day, body)
        return True

    def op_grant_delegation(self, day: date) -> bool:
        board = self.bag("board").choice(self.rng)
        return board is not None and self.grant(board, day) is not None

    def op_subdelegate(self, day: date) -> bool:
        for _ in range(20):
            key = self.alive_delegations.choice(self.rng)
            if key is not None and self.subdelegate(key, day):
                return True
        return False

    def op_amend_delegation(self, day: date) -> bool:
        rng = self.rng
        key = self.alive_delegations.choice(rng)
        if key is None:
            return False
        d = self.delegations[key]
        change: dict[str, Any] = {"type": "amend_delegation", "delegation": key}
        what = rng.random()
        self.serial += 1
        if what < 0.4:
            change["limit"] = f"högst {rng.randint(1, 500)} prisbasbelopp (ändrad {self.serial})"
        elif what < 0.5:
            change["matter"] = f"{rng.choice(MATTERS)} ({self.serial})"
        elif what < 0.6:
            change["code"] = f"{rng.randint(1, 12)}.{rng.randint(1, 40)}.{self.serial}"
        elif what < 0.9:
            to = self.pick_delegate(d.board, committees=d.parent is None)
            if to is None or to == d.to:
                return False
            change["to"] = to
            self.repoint(d, to)
            if d.parent is None:
                for sub in list(d.subs):
                    self.end_delegation(sub)
        else:
            if d.parent is not None:
                return False
            change["further_delegation"] = not d.further
            if d.further:
                for sub in list(d.subs):
                    self.end_delegation(sub)
            d.further = not d.further
        self.emit(change, day, d.board)
        return True

    def op_revoke_delegation(self, day: date) -> bool:
        key = self.alive_delegations.choice(self.rng)
        if key is None:
            return False
        board = self.delegations[key].board
        self.end_delegation(key)
        self.emit({"type": "revoke_delegation", "delegation": key}, day, board)
        return True

    # --- retroactive changes and cancellations ---------------------------------------------------

    def retroactive(self, today: date) -> bool:
        """A change dated before changes already recorded, that none of them depends on."""
        rng = self.rng
        back = today - timedelta(days=rng.randint(30, 3 * 365))
        if back <= self.s.start:
            return False
        what = rng.random()
        for _ in range(10):
            if what < 0.6:  # a rename decided earlier and registered late
                key = self.alive_units.choice(rng)
                if key is None or self.units[key].since > back:
                    continue
                u = self.units[key]
                name = self.name_for(u.kind, avoid=u.names)
                u.names.add(name)
                u.name = name
                self.renames.append(
                    self.emit({"type": "rename_unit", "unit": key, "name": name}, back, self.board_above(key))
                )
            elif what < 0.8:  # a post that existed but was never registered
                key = self.random_unit(("office", "area", "unit", "group"))
                if self.units[key].since > back:
                    continue
                self.establish_position(key, back)
            else:  # a delegation that was granted but never registered
                board = self.bag("board").choice(rng)
                if board is None or self.units[board].since > back:
                    continue
                to = self.pick_delegate(board, committees=False, since=back)
                if to is None:
                    continue
                self.grant(board, back, to=to, further=False, retro=True)
            self.stats["retroactive"] += 1
            return True
        return False

    def cancel(self) -> bool:
        candidates = [r for r in self.renames[-2000:] if r not in self.cancelled]
        if not candidates:
            return False
        target = self.rng.choice(candidates)
        self.cancelled.add(target)
        self.emit(
            {
                "type": "cancel_change",
                "change": target,
                "reason": "Registrerad i fel ärende; beslutet avsåg en annan enhet.",
            },
            None,
            None,
        )
        return True

    # --- reporting --------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        alive = [k for k in self.units if self.unit_alive(k)]
        depths = Counter(self.depth(k) for k in alive)
        return {
            "units_in_effect_at_end": len(alive),
            "units_ever": len(self.units),
            "positions_ever": len(self.positions),
            "positions_in_effect_at_end": len(self.alive_positions),
            "delegations_ever": len(self.delegations),
            "delegations_in_effect_at_end": len(self.alive_delegations),
            "max_depth_at_end": max(depths),
            "depths_at_end": dict(sorted(depths.items())),
            "municipalities": len(self.councils),
            "changes": len(self.out),
            "by_type": dict(sorted(self.stats.items())),
            "first_effective": self.s.start.isoformat(),
            "last_effective": self.s.end.isoformat(),
        }


def generate(sizes: Sizes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The change file (as a dict) and a summary of what it holds."""
    gen = Generator(sizes)
    changes = gen.run()
    document = {
        "format": "orgchange/v1",
        "organisation": f"Syntetiska kommuner (seed {sizes.seed}, {sizes.units} enheter)",
        "changes": changes,
    }
    summary = gen.summary()
    summary["alive_unit_keys"] = sorted(k for k in gen.units if gen.unit_alive(k))
    return document, summary


def write_change_file(document: dict[str, Any], path: Path) -> None:
    """JSON, one change per line (diffable, and quick to read)."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"format": "orgchange/v1", "organisation": ')
        out.write(json.dumps(document["organisation"], ensure_ascii=False))
        out.write(', "changes": [\n')
        changes = document["changes"]
        for i, change in enumerate(changes):
            out.write(json.dumps(change, ensure_ascii=False, separators=(",", ":")))
            out.write(",\n" if i + 1 < len(changes) else "\n")
        out.write("]}\n")


def verify(path: Path, summary: dict[str, Any]) -> None:
    """Import the file into a fresh SQLite database and compare the organisation at the end."""
    import tempfile

    from orgchange.application import OrgChange
    from orgchange.application.changefile import load_change_file

    with tempfile.TemporaryDirectory(prefix="orgchange_bench_") as tmp:
        app = OrgChange(f"sqlite:///{tmp}/verify.db")
        try:
            started = time.perf_counter()
            parsed = load_change_file(path)
            result = app.record_changes(parsed.changes, "generator", parsed.organisation)
            took = time.perf_counter() - started
            units = {u.id for u in app.read_model.organisation(date.fromisoformat(summary["last_effective"]))}
        finally:
            app.close()
            app.engine.dispose()
    expected = set(summary["alive_unit_keys"])
    if units != expected:
        missing, extra = sorted(expected - units)[:5], sorted(units - expected)[:5]
        raise SystemExit(
            f"verify: the register disagrees with the generator: missing {missing}, extra {extra}"
        )
    print(
        f"verify: {result.count} changes imported in {took:.1f} s; "
        f"{len(units)} units in effect at the end agree"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000, help="units in effect at a time (default 1000)")
    parser.add_argument("--changes", type=int, default=10_000, help="changes in the file (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--retro-share", type=float, default=0.001, help="share of retroactive changes")
    parser.add_argument("--cancellations", type=int, default=None, help="default: 3 + changes/50000")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--verify", action="store_true", help="import into a temporary SQLite database")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    document, summary = generate(
        Sizes(args.units, args.changes, args.seed, args.retro_share, args.cancellations)
    )
    write_change_file(document, args.output)
    shown = {k: v for k, v in summary.items() if k != "alive_unit_keys"}
    print(json.dumps(shown, ensure_ascii=False, indent=1))
    print(f"wrote {args.output} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if args.verify:
        verify(args.output, summary)


if __name__ == "__main__":
    main()
