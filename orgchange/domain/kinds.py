"""Kinds of unit as they are written in messages."""

from __future__ import annotations


def a(kind: str) -> str:
    """'an office', 'an area', 'a board': the kind with its article."""
    return ("an " if kind[:1] in "aeio" else "a ") + kind  # (u: "a unit")
