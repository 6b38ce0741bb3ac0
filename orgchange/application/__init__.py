"""The service layer: what the command line and the HTTP API ask of the register.

`OrgChange` (service.py) records changes and answers questions; beside it sit the
change-file format (changefile), days and instants (dates), settings (config), the
outputs a register remembers (outputs), export, tokens, and the documents made from
the register: `documents` (review pack, delegationsordning, charts, PDF) and
`opendata` (W3C ORG linked data, Popolo JSON). Below it are `projections` (the read
side), `orgchange.adapters` and `orgchange.domain`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgchange.application.service import Impact, OrgChange, RecordResult, Renaming

__all__ = ["Impact", "OrgChange", "RecordResult", "Renaming"]


def __getattr__(name: str) -> object:
    """The service, loaded when first named: a command that reads settings, dates or change
    files (`orgchange --help`, `orgchange check`) does not load the database libraries."""
    if name in __all__:
        from orgchange.application import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
