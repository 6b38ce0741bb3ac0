"""Finding units and posts by name: the read model `search_names` and its reader.

Every name a unit or a post has had is one *name interval* — the days it bore that name,
consecutive versions with the same name joined — written as one row per word the name
starts a word at: "Välfärd skola" gives the rows `valfard skola` and `skola` (`words`,
lower-cased, accents folded, punctuation turned into spaces). A search for the text `t`
is then a range of a B-tree: `words >= fold(t) AND words < fold(t) + U+10FFFF` finds
every name with a word beginning with `t` (and the words after it), whatever the size of
the register — no scan of the names per keystroke (docs/graphql.md#search).

The rows are the current belief only (the search takes no `knownAt`); the writer
replaces a unit's or a post's rows whenever its versions change, from the timeline, on
the incremental path and in a rebuild alike (`projections/writer.py`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from orgchange.domain.records import PositionVersion, UnitVersion

from . import tables as t
from .rows import Reader

# The longest text a search takes, in characters, and the most hits it gives.
MAX_TEXT = 100
MAX_HITS = 100
# The most rows of `search_names` one search reads (docs/graphql.md#search).
CANDIDATES = 1_000
# Beyond every character a folded name holds: the end of a prefix's range.
_END = "\U0010ffff"
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_WORD_STARTS = re.compile(r"(?:^| )(?=\S)")
# Letters that do not come apart into a base letter and a mark.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "œ": "oe", "þ": "th"})


def fold(text: str) -> str:
    """Text as it is compared: lower case, without accents, words split by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


def word_suffixes(name: str) -> list[str]:
    """The folded name from each word on: what a search for a word's beginning finds."""
    folded = fold(name)
    width = t.SEARCH_WORDS_LENGTH
    return list(dict.fromkeys(folded[m.end() :][:width] for m in _WORD_STARTS.finditer(folded)))


@dataclass(frozen=True)
class NameSpan:
    name: str
    valid_from: date
    valid_to: date | None
    unit_id: str | None  # a post's unit on the last day of the span


def name_spans(versions: Sequence[UnitVersion] | Sequence[PositionVersion]) -> list[NameSpan]:
    """The names in turn, consecutive versions of the same name joined."""
    spans: list[NameSpan] = []
    for v in versions:
        name = _name(v)
        unit = v.unit if isinstance(v, PositionVersion) else None
        last = spans[-1] if spans else None
        if last is not None and last.name == name and last.valid_to == v.valid_from:
            spans[-1] = NameSpan(name, last.valid_from, v.valid_to, unit)
        else:
            spans.append(NameSpan(name, v.valid_from, v.valid_to, unit))
    return spans


def search_rows(
    kind: str, key: str, versions: Sequence[Any], since: date | None = None
) -> list[dict[str, Any]]:
    """The rows of `search_names` for one unit (kind "unit") or post (kind "position").

    With `since`: only the rows of its names in use on or after that day (a name that ended
    before it is left as written; `Dirty.since` in orgchange/domain/timeline.py)."""
    if not versions:
        return []
    life_from, life_to = versions[0].valid_from, versions[-1].valid_to
    if since is not None:
        versions = versions[_first_name_in_use(versions, since) :]
    return [
        {
            "kind": kind,
            "entity_id": key,
            "words": words,
            "whole": i == 0,
            "name": span.name,
            "valid_from": span.valid_from,
            "valid_to": span.valid_to,
            "life_from": life_from,
            "life_last": _last_day(life_to),
            "unit_id": span.unit_id,
        }
        for span in name_spans(versions)
        for i, words in enumerate(word_suffixes(span.name))
    ]


def _name(version: Any) -> str:
    return version.name if isinstance(version, UnitVersion) else version.title


def _first_name_in_use(versions: Sequence[Any], day: date) -> int:
    """The index of the first version of the first name in use on or after `day`.

    The versions before it make names that all ended before `day`; the name of the version
    found may have begun long before, so its span is followed back (as `name_spans` joins it)."""
    i = len(versions)  # (a key's versions follow one another in time: found from the end)
    while i > 0 and (versions[i - 1].valid_to is None or versions[i - 1].valid_to >= day):
        i -= 1
    while 0 < i < len(versions):
        earlier, later = versions[i - 1], versions[i]
        if _name(earlier) != _name(later) or earlier.valid_to != later.valid_from:
            break
        i -= 1
    return i


def _last_day(valid_to: date | None) -> date:
    return date.max if valid_to is None else date.fromordinal(valid_to.toordinal() - 1)


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "unit" | "position"
    id: str
    name: str  # the name matched: the one in use, or a former (or later) one
    valid_from: date
    valid_to: date | None
    current: bool  # the name is the one in use on the day asked (asOf; without it, today)
    unit_id: str | None  # for a post: its unit while it had the name


class SearchReader(Reader):
    def search(self, text: str, as_of: date | None, first: int, today: date | None = None) -> list[SearchHit]:
        """Units and posts whose name (any name they had) has a word beginning with `text`.

        With `as_of`: only those in effect that day, by a name they had by then. Names in
        use on the day come first, then names that begin with the text, then by name;
        one hit per name interval.
        """
        prefix = fold(text)
        if not prefix:
            return []
        day = as_of or today or date.today()
        s = t.search_names
        conditions = [s.c.words >= prefix, s.c.words < prefix + _END]
        if as_of is not None:
            conditions += [s.c.life_from <= as_of, s.c.life_last >= as_of, s.c.valid_from <= as_of]
        # Bounded before it starts: at most CANDIDATES rows, read in the index's order, are
        # ranked; only a text of a letter or two in a large register matches more.
        c = select(s).where(*conditions).order_by(s.c.words).limit(CANDIDATES).subquery()
        in_use = case(
            (and_(c.c.valid_from <= day, or_(c.c.valid_to.is_(None), c.c.valid_to > day)), 1), else_=0
        )
        starts = func.max(case((c.c.whole, 1), else_=0))
        key = (c.c.kind, c.c.entity_id, c.c.name, c.c.valid_from, c.c.valid_to, c.c.unit_id)
        query = (
            select(*key, in_use.label("in_use"), starts.label("starts"))
            .group_by(*key)
            .order_by(in_use.desc(), starts.desc(), c.c.name, c.c.kind, c.c.entity_id, c.c.valid_from)
            .limit(first)
        )
        with self._connection() as connection:
            rows = connection.execute(query).all()
        return [
            SearchHit(
                kind=row.kind,
                id=row.entity_id,
                name=row.name,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                current=bool(row.in_use),
                unit_id=row.unit_id,
            )
            for row in rows
        ]
