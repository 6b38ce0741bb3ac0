"""Finding the versions in effect on a day with ordinary B-tree indexes (a relational interval tree).

A version holds on `[valid_from, valid_to)`. "In effect on day p" is
`valid_from <= p < valid_to`: two range conditions, and a B-tree can seek only
one of them, so a plain index reads every version that began before p (or
every one that ends after it) — the history, not the answer.

The relational interval tree (Kriegel, Pötke and Seidl, VLDB 2000) fixes that
with one extra integer per row (`fork_node`, beside `last_day`, the last day in
effect; 9999-12-31 for an open-ended version). Days are numbered (`date.toordinal()`, 1 to
3,652,059) and laid on a virtual balanced binary tree of the integers 1 …
2^22 − 1: the root is 2^21, its children 2^20 and 3·2^20, and so on. A version
is registered at its *fork*: the highest node that lies inside its days
[first, last]. To find the versions in effect on day p, walk from the root down
to p. At a node w after p (w > p) every version registered there ends at or
after w, so it is in effect on p exactly when it begins on or before p; at a
node before p (w < p) every version registered there begins at or before w, so
it is in effect exactly when it ends on or after p; at w = p every one is. So

    (fork IN nodes on or after p  AND first <= p)
    UNION ALL
    (fork IN nodes before p       AND last >= p)

with indexes on `(fork, valid_from)` and `(fork, last_day)` finds exactly the
answer, in at most 22 index seeks plus the rows found: the cost of the answer,
whatever the length of the history.
"""

from __future__ import annotations

from datetime import date, timedelta

HEIGHT = 22  # 2**22 > date.max.toordinal()
ROOT = 1 << (HEIGHT - 1)
NOWHERE = 0  # the fork of a version of no days (begun and ended on one day): on no path


def place(valid_from: date, valid_to: date | None) -> tuple[int, date]:
    """(fork node, last day in effect) of a version holding on [valid_from, valid_to)."""
    if valid_to is not None and valid_to <= valid_from:
        return NOWHERE, valid_from
    last = date.max if valid_to is None else valid_to - timedelta(days=1)
    return fork(valid_from.toordinal(), last.toordinal()), last


def fork(first: int, last: int) -> int:
    """The highest node of the virtual tree within [first, last] (first <= last)."""
    node, step = ROOT, ROOT >> 1
    while not first <= node <= last:
        node = node - step if last < node else node + step
        step >>= 1
    return node


def path(day: date) -> tuple[list[int], list[int]]:
    """The nodes from the root down to `day`: (those on or after it, those before it)."""
    target = day.toordinal()
    on_or_after: list[int] = []
    before: list[int] = []
    node, step = ROOT, ROOT >> 1
    while node != target:
        if target < node:
            on_or_after.append(node)
            node -= step
        else:
            before.append(node)
            node += step
        step >>= 1
    on_or_after.append(node)
    return on_or_after, before
