"""The names of things: kinds of unit and change types, as the register names them in Swedish."""

from __future__ import annotations

import strawberry

from orgchange.domain.kinds import CHANGE_TYPE_NAMES, UNIT_KINDS


@strawberry.type(description="A key of the register and its Swedish name (an extension).")
class Term:
    key: str = strawberry.field(description="As change files and the API write it, e.g. area or merge_units.")
    name: str = strawberry.field(description="In Swedish, e.g. verksamhetsområde or Sammanslagning.")


@strawberry.type(
    description=(
        "The register's words, for a client to show names rather than keys: one table of them, "
        "so every output says the same (an extension)."
    )
)
class Vocabulary:
    unit_kinds: list[Term] = strawberry.field(description="Every kind of unit, in the order of `Unit.kind`.")
    change_types: list[Term] = strawberry.field(
        description="The change types that `changes` lists (reports are listed by `reports`)."
    )

    @classmethod
    def of(cls, change_types: tuple[str, ...]) -> Vocabulary:
        return cls(
            unit_kinds=[Term(key=kind.key, name=kind.name) for kind in UNIT_KINDS.values()],
            change_types=[Term(key=key, name=CHANGE_TYPE_NAMES[key]) for key in change_types],
        )
