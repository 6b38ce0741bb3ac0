"""Open data: the register as linked data (W3C ORG, PROV, OWL-Time) and as Popolo JSON.

`load` reads what an export holds from the read models (the rows GraphQL answers
from), as the register believes it now or at `known_at`: the whole history, or with
`as_of` the organisation in effect that day. `register_graph` makes an rdflib graph
of it (`graph` documents what the graph holds), `serialise` writes it as Turtle or
JSON-LD, `popolo_json` as Popolo. `export` does all of it for `orgchange export` and
`GET /opendata/…`.

URIs are stable, built from keys, ids and dates under a base that the municipality
chooses (`ORGCHANGE_URI_BASE`, `orgchange export --base-uri`); see `vocabulary.Uris`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from orgchange.application.config import DEFAULT_URI_BASE

from .graph import register_graph, serialise
from .history import OpenData, load
from .popolo import popolo, popolo_json
from .vocabulary import VOCAB, Uris, uri_base

if TYPE_CHECKING:
    from orgchange.application import OrgChange

ExportFormat = Literal["turtle", "jsonld", "popolo"]
FORMATS: tuple[ExportFormat, ...] = ("jsonld", "turtle", "popolo")
MEDIA_TYPES: dict[ExportFormat, str] = {
    "turtle": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "popolo": "application/json",
}


def render(data: OpenData, fmt: ExportFormat, base: str = DEFAULT_URI_BASE) -> bytes:
    """The export's content as Turtle, JSON-LD or Popolo JSON. A bad base is a ValueError."""
    if fmt == "popolo":
        return popolo_json(data, base)
    return serialise(register_graph(data, base), fmt)


def export(
    app: OrgChange,
    fmt: ExportFormat,
    as_of: date | None = None,
    known_at: datetime | None = None,
    base: str = DEFAULT_URI_BASE,
) -> bytes:
    """The register as Turtle, JSON-LD or Popolo JSON: the whole history, or the organisation on `as_of`."""
    uri_base(base)  # a bad base fails before the register is read
    return render(load(app, as_of, known_at), fmt, base)


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "VOCAB",
    "ExportFormat",
    "OpenData",
    "Uris",
    "export",
    "load",
    "popolo",
    "popolo_json",
    "register_graph",
    "render",
    "serialise",
    "uri_base",
]
