"""The vocabularies of the open-data export, its URI scheme and orgchange's own few terms."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote, urlsplit

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS, TIME

from orgchange.application.config import DEFAULT_URI_BASE
from orgchange.domain.kinds import UNIT_KINDS

# orgchange's own terms: the software's vocabulary, the same for every register.
VOCAB = Namespace("https://example.org/orgchange/vocab#")
SCHEMA = Namespace("http://schema.org/")  # as Popolo's RDF mapping uses it

# Kinds that are organisations in their own right; the others are units of one.
FORMAL_KINDS = frozenset({"council", "board", "company"})
# Each kind's (Swedish, English) label, from the one table of kinds' names.
KIND_LABELS = {kind.key: (kind.title, kind.english) for kind in UNIT_KINDS.values()}

_NOT_IN_A_URI = re.compile(r"[\s<>\"{}|\\^`]")


def uri_base(base: str = DEFAULT_URI_BASE) -> str:
    """The base of every URI, checked; it ends in '/' or '#'. A ValueError says what is wrong."""
    chosen = base.strip()
    parts = urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the URI base {base!r} must be an absolute http(s) URI, e.g. {DEFAULT_URI_BASE}")
    if _NOT_IN_A_URI.search(chosen) or parts.query:
        raise ValueError(f"the URI base {base!r} must have no spaces, quotes, brackets or query")
    return chosen if chosen.endswith(("/", "#")) else chosen + "/"


def _segment(value: str) -> str:
    return quote(value, safe="-._~")


class Uris:
    """The URI scheme: `{base}unit/{key}`, `{base}post/{key}`, `{base}change/{id}`, …

    Built from keys, ids and dates only, so a URI stays the same from one export to the next.
    """

    def __init__(self, base: str = DEFAULT_URI_BASE):
        self.base = uri_base(base)

    def _uri(self, *segments: str) -> URIRef:
        return URIRef(self.base + "/".join(_segment(s) for s in segments))

    def register(self) -> URIRef:
        return self._uri("register")

    def unit(self, key: str) -> URIRef:
        return self._uri("unit", key)

    def post(self, key: str) -> URIRef:
        return self._uri("post", key)

    def change(self, change_id: str) -> URIRef:
        return self._uri("change", change_id)

    def record(self, change_id: str) -> URIRef:
        return self._uri("change", change_id, "record")

    def decision(self, change_id: str, body: str | None, day: date | None, paragraph: str | None) -> URIRef:
        """A decision cited with body, date and § is one resource, whichever changes it decided."""
        if body and day and paragraph:
            number = "-".join(paragraph.replace("§", " ").split()) or "0"
            return self._uri("decision", body, day.isoformat(), number)
        return self._uri("change", change_id, "decision")

    def statement(self, subject: URIRef, aspect: str, start: date) -> URIRef:
        return URIRef(f"{subject}/{aspect}/{start.isoformat()}")

    def interval(self, start: date, end: date | None) -> URIRef:
        return self._uri("interval", start.isoformat(), end.isoformat() if end else "open")

    def day(self, day: date) -> URIRef:
        return self._uri("day", day.isoformat())

    def kind(self, kind: str) -> URIRef:
        return self._uri("kind", kind)

    def kinds(self) -> URIRef:
        return self._uri("kind")

    def change_type(self, change_type: str) -> URIRef:
        return self._uri("change-type", change_type)

    def change_types(self) -> URIRef:
        return self._uri("change-type")

    def director(self) -> URIRef:
        return self._uri("role", "director")


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in (
        ("org", ORG),
        ("time", TIME),
        ("prov", PROV),
        ("dcterms", DCTERMS),
        ("skos", SKOS),
        ("schema", SCHEMA),
        ("orgchange", VOCAB),
    ):
        graph.bind(prefix, namespace)
    return graph


# orgchange's terms: label, comment, and the standard term they specialise (if any).
OWN_CLASSES = {
    VOCAB.Register: ("Register", "A register of a municipality's organisational changes.", None),
    VOCAB.Decision: (
        "Decision",
        "A decision (beslut) of a body: body, date, § and diarienummer.",
        PROV.Activity,
    ),
    VOCAB.RegisterEntry: (
        "Register entry",
        "The recording of a change in the register; generated when it was recorded.",
        PROV.Entity,
    ),
    VOCAB.CancelledChange: (
        "Cancelled change",
        "A change recorded in error and cancelled; it never took effect.",
        None,
    ),
    VOCAB.Cancellation: ("Cancellation", "The cancellation of a change recorded in error.", PROV.Activity),
}
OWN_PROPERTIES = {
    VOCAB.ownedBy: (
        "owned by",
        "The board or company that owns a municipal company (not the line hierarchy).",
        ORG.linkedTo,
    ),
    VOCAB.decisionBody: ("decision body", "The key of the unit or post that decided.", None),
    VOCAB.paragraph: ("paragraph", "The § of the minutes (protokoll).", None),
    VOCAB.caseNumber: ("case number", "The diarienummer of the case.", DCTERMS.identifier),
    VOCAB.registerEntry: ("register entry", "The recording of this change in the register.", None),
    VOCAB.recordedBy: ("recorded by", "Who recorded the change.", None),
    VOCAB.cancels: ("cancels", "The change this cancellation voids.", None),
    VOCAB.cancelledBy: ("cancelled by", "The cancellation that voided this change.", None),
    VOCAB.reason: ("reason", "Why the change was cancelled.", None),
    VOCAB.delegation: ("delegation", "The key of the delegation a change is about.", None),
    VOCAB.asOf: ("as of", "The day this export describes the organisation on.", None),
    VOCAB.knownAt: ("known at", "The instant as of which the register's beliefs are given.", None),
}


def describe_own_terms(graph: Graph) -> None:
    """orgchange's terms that the graph uses, described where a consumer meets them."""
    used = {p for p in graph.predicates() if isinstance(p, URIRef) and p in VOCAB} | {
        o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef) and o in VOCAB
    }
    for terms, kind, parent_property in (
        (OWN_CLASSES, RDFS.Class, RDFS.subClassOf),
        (OWN_PROPERTIES, RDF.Property, RDFS.subPropertyOf),
    ):
        for term, (label, comment, parent) in terms.items():
            if term not in used:
                continue
            graph.add((term, RDF.type, kind))
            graph.add((term, RDFS.label, RDFLiteral(label, lang="en")))
            graph.add((term, RDFS.comment, RDFLiteral(comment, lang="en")))
            if parent is not None:
                graph.add((term, parent_property, parent))
