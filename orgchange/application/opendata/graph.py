"""The register as an rdflib graph: W3C ORG, PROV-O, OWL-Time, SKOS and Dublin Core.

What the graph holds
--------------------
* **Units** `{base}unit/{key}`: `org:Organization` and, by kind, `org:FormalOrganization`
  (council, board, company) or `org:OrganizationalUnit` (committee, office, area, unit,
  group); `org:identifier` (the key), `org:classification` (a `skos:Concept`
  `{base}kind/{kind}`), `schema:foundingDate`/`schema:dissolutionDate` and `time:hasTime`
  (its whole life), `dcterms:replaces`/`dcterms:isReplacedBy` (predecessors and
  successors), `org:resultedFrom`/`org:changedBy` (its changes).
* **Posts** `{base}post/{key}`: `org:Post` with `org:postIn` (and the unit's `org:hasPost`),
  `skos:prefLabel` (the title), `org:role {base}role/director` for a förvaltningschef or
  direktör, and their life.
* **Companies** have an owner: `orgchange:ownedBy` (a sub-property of `org:linkedTo`, which
  is stated too). The owner is not the line hierarchy, so it is not `org:subOrganizationOf`.
* **Dated relations.** The plain triples (`skos:prefLabel`, `org:classification`,
  `org:subOrganizationOf`/`org:hasSubOrganization`, `orgchange:ownedBy`, `org:postIn`) state
  a unit's or post's *latest* version (in the full export) or its version *on the day*
  (with `as_of`). Every version of them, with its dates, is an RDF reification: an
  `rdf:Statement` `{subject}/{name|kind|parent|owner|title|unit}/{validFrom}` with
  `rdf:subject`, `rdf:predicate`, `rdf:object`, `time:hasTime` a `time:ProperInterval`,
  and `prov:wasGeneratedBy`/`prov:wasInvalidatedBy` the changes that began and ended it.
  Adjacent versions with the same value are one statement. Earlier names are also
  `skos:altLabel`.
* **Time.** Intervals are shared resources `{base}interval/{from}/{to}` (`…/open` while
  open-ended) whose `time:hasBeginning`/`time:hasEnd` are instants `{base}day/{D}` with
  `time:inXSDDate D`. As everywhere in orgchange an interval is half-open: the end day is
  the first day on which the fact no longer holds (the effective date of the change that
  ended it), which is also what `schema:dissolutionDate` gives.
* **Changes** `{base}change/{id}` (full export only): `org:ChangeEvent` (a `prov:Activity`)
  with `dcterms:type` `{base}change-type/{type}`, `dcterms:date` and `prov:startedAtTime`
  (the effective day, from its start), `dcterms:description` (the Swedish change
  sentence), `org:originalOrganization`/`org:resultingOrganization` (see
  `events.change_effects`), `prov:generated`/`prov:invalidated` (units and posts started
  or ended), `dcterms:subject` (every unit and post it is about), `prov:wasInformedBy` its
  decision, and `orgchange:registerEntry` a `prov:Entity` `{base}change/{id}/record` with
  `prov:generatedAtTime` (the recording instant) and `orgchange:recordedBy`.
* **Decisions**: `prov:Activity`/`orgchange:Decision` with `orgchange:decisionBody` (and
  `prov:wasAssociatedWith` the body's unit or post), `dcterms:date`, `orgchange:paragraph`
  (§), `orgchange:caseNumber` (diarienummer) and the citation as `rdfs:label`
  ("Kommunstyrelsen 2013-02-11 § 53"). A decision cited with body, date and § is one
  resource `{base}decision/{body}/{date}/{§}` shared by all its changes; any other is
  `{base}change/{id}/decision`.
* **Cancelled changes** are not `org:ChangeEvent`s (they never happened): they are
  `orgchange:CancelledChange`, `orgchange:cancelledBy` the `orgchange:Cancellation`.
* **The register** `{base}register`: its title, `dcterms:modified` (the last recording),
  and for a partial export `orgchange:asOf`/`orgchange:knownAt`.

orgchange's few own terms are in the fixed namespace `VOCAB` and described in every export.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, Literal

from rdflib import RDF, RDFS, XSD, Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS, TIME

from orgchange.application.config import DEFAULT_URI_BASE
from orgchange.domain.text import printable
from projections.rows import ChangeRow

from .events import change_effects, citation_of
from .history import Entity, OpenData, Period
from .vocabulary import FORMAL_KINDS, KIND_LABELS, SCHEMA, VOCAB, Uris, describe_own_terms, new_graph

RdfFormat = Literal["turtle", "jsonld"]
SV = "sv"


def _date(day: date) -> RDFLiteral:
    return RDFLiteral(day.isoformat(), datatype=XSD.date)


def _instant(moment: datetime) -> RDFLiteral:
    return RDFLiteral(moment.isoformat(), datatype=XSD.dateTime)


def _text(value: str, *, lines: bool = False) -> RDFLiteral:
    """Swedish text of the register, without the control characters an older register may hold."""
    return RDFLiteral(printable(value, lines=lines), lang=SV)


def _plain(value: str) -> RDFLiteral:
    """Text of the register in no language (a case number, a §, who recorded)."""
    return RDFLiteral(printable(value))


class _GraphBuilder:
    def __init__(self, data: OpenData, uris: Uris):
        self.data = data
        self.uris = uris
        self.graph = new_graph()
        self._intervals: set[tuple[date, date | None]] = set()

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.graph.add((s, p, o))

    # --- time ------------------------------------------------------------------------------

    def interval(self, start: date, end: date | None) -> URIRef:
        node = self.uris.interval(start, end)
        if (start, end) not in self._intervals:
            self._intervals.add((start, end))
            self.add(node, RDF.type, TIME.ProperInterval)
            self.add(node, TIME.hasBeginning, self.day(start))
            if end is not None:
                self.add(node, TIME.hasEnd, self.day(end))
        return node

    def day(self, day: date) -> URIRef:
        node = self.uris.day(day)
        self.add(node, RDF.type, TIME.Instant)
        self.add(node, TIME.inXSDDate, _date(day))
        return node

    def dated(self, subject: URIRef, aspect: str, predicate: URIRef, period: Period, value: Any) -> None:
        """A reified statement `subject predicate value` holding during the period."""
        node = self.uris.statement(subject, aspect, period.valid_from)
        self.add(node, RDF.type, RDF.Statement)
        self.add(node, RDF.subject, subject)
        self.add(node, RDF.predicate, predicate)
        self.add(node, RDF.object, value)
        self.add(node, TIME.hasTime, self.interval(period.valid_from, period.valid_to))
        if self.data.as_of is None:  # the changes are in the full export only
            self.add(node, PROV.wasGeneratedBy, self.uris.change(period.started_by))
            if period.ended_by:
                self.add(node, PROV.wasInvalidatedBy, self.uris.change(period.ended_by))

    # --- the export ------------------------------------------------------------------------

    def build(self) -> Graph:
        self.describe_register()
        kinds: set[str] = set()
        for entity in self.data.units.values():
            kinds.add(self.data.current(entity)["kind"])
            kinds.update(p.value for p in self.data.periods(entity, "kind"))
            self.describe_unit(entity)
        self.describe_kinds(sorted(kinds))
        if any(self.data.current(e)["director"] for e in self.data.posts.values()):
            role = self.uris.director()
            self.add(role, RDF.type, ORG.Role)
            self.add(role, SKOS.prefLabel, _text("Förvaltningschef eller direktör"))
            self.add(role, SKOS.prefLabel, RDFLiteral("Head of administration (director)", lang="en"))
        for entity in self.data.posts.values():
            self.describe_post(entity)
        for predecessor, successor in self.data.links:
            self.add(self.uris.unit(successor), DCTERMS.replaces, self.uris.unit(predecessor))
            self.add(self.uris.unit(predecessor), DCTERMS.isReplacedBy, self.uris.unit(successor))
        if self.data.as_of is None:
            self.describe_change_types(sorted({r.type for r in self.data.changes}))
            for row in self.data.changes:
                self.describe_change(row)
        describe_own_terms(self.graph)
        return self.graph

    def describe_register(self) -> None:
        node = self.uris.register()
        data = self.data
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, RDF.type, VOCAB.Register)
        if data.organisation:
            self.add(node, DCTERMS.title, _text(f"{data.organisation}: organisationsförändringar"))
        if data.changes:
            self.add(node, DCTERMS.modified, _instant(max(r.recorded_at for r in data.changes)))
        if data.as_of is not None:
            self.add(node, VOCAB.asOf, _date(data.as_of))
        if data.known_at is not None:
            self.add(node, VOCAB.knownAt, _instant(data.known_at))

    def describe_kinds(self, kinds: Sequence[str]) -> None:
        scheme = self.uris.kinds()
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        for kind in kinds:
            node = self.uris.kind(kind)
            sv, en = KIND_LABELS.get(kind, (kind, kind))
            self.add(node, RDF.type, SKOS.Concept)
            self.add(node, SKOS.inScheme, scheme)
            self.add(node, SKOS.notation, RDFLiteral(kind))
            self.add(node, SKOS.prefLabel, _text(sv))
            self.add(node, SKOS.prefLabel, RDFLiteral(en, lang="en"))

    def describe_change_types(self, types: Sequence[str]) -> None:
        if types:
            self.add(self.uris.change_types(), RDF.type, SKOS.ConceptScheme)
        for change_type in types:
            node = self.uris.change_type(change_type)
            self.add(node, RDF.type, SKOS.Concept)
            self.add(node, SKOS.inScheme, self.uris.change_types())
            self.add(node, SKOS.notation, RDFLiteral(change_type))
            self.add(node, SKOS.prefLabel, RDFLiteral(change_type.replace("_", " "), lang="en"))

    def describe_unit(self, entity: Entity) -> None:
        node = self.uris.unit(entity.key)
        current = self.data.current(entity)
        self.add(node, RDF.type, ORG.Organization)
        formal = current["kind"] in FORMAL_KINDS
        self.add(node, RDF.type, ORG.FormalOrganization if formal else ORG.OrganizationalUnit)
        self.add(node, ORG.identifier, RDFLiteral(entity.key))
        self.add(node, SKOS.prefLabel, _text(current["name"]))
        self.add(node, ORG.classification, self.uris.kind(current["kind"]))
        if current["parent"]:
            parent = self.uris.unit(current["parent"])
            self.add(node, ORG.subOrganizationOf, parent)
            self.add(parent, ORG.hasSubOrganization, node)
        if current["owner"]:
            self.add(node, VOCAB.ownedBy, self.uris.unit(current["owner"]))
            self.add(node, ORG.linkedTo, self.uris.unit(current["owner"]))
        self.add(node, TIME.hasTime, self.interval(entity.valid_from, entity.valid_to))
        self.add(node, SCHEMA.foundingDate, _date(entity.valid_from))
        if entity.valid_to is not None:
            self.add(node, SCHEMA.dissolutionDate, _date(entity.valid_to))
        for period in self.data.periods(entity, "name"):
            self.dated(node, "name", SKOS.prefLabel, period, _text(period.value))
        for name in sorted({v.values["name"] for v in entity.versions} - {current["name"]}):
            self.add(node, SKOS.altLabel, _text(name))
        for period in self.data.periods(entity, "kind"):
            self.dated(node, "kind", ORG.classification, period, self.uris.kind(period.value))
        for aspect, predicate in (("parent", ORG.subOrganizationOf), ("owner", VOCAB.ownedBy)):
            for period in self.data.periods(entity, aspect):
                if period.value:
                    self.dated(node, aspect, predicate, period, self.uris.unit(period.value))

    def describe_post(self, entity: Entity) -> None:
        node = self.uris.post(entity.key)
        current = self.data.current(entity)
        self.add(node, RDF.type, ORG.Post)
        self.add(node, ORG.identifier, RDFLiteral(entity.key))
        self.add(node, SKOS.prefLabel, _text(current["title"]))
        self.add(node, ORG.postIn, self.uris.unit(current["unit"]))
        self.add(self.uris.unit(current["unit"]), ORG.hasPost, node)
        if current["director"]:
            self.add(node, ORG.role, self.uris.director())
        self.add(node, TIME.hasTime, self.interval(entity.valid_from, entity.valid_to))
        for period in self.data.periods(entity, "title"):
            self.dated(node, "title", SKOS.prefLabel, period, _text(period.value))
        for title in sorted({v.values["title"] for v in entity.versions} - {current["title"]}):
            self.add(node, SKOS.altLabel, _text(title))
        for period in self.data.periods(entity, "unit"):
            self.dated(node, "unit", ORG.postIn, period, self.uris.unit(period.value))

    # --- changes ---------------------------------------------------------------------------

    def describe_change(self, row: ChangeRow) -> None:
        node = self.uris.change(row.id)
        payload = row.as_change_file_entry()
        self.add(node, DCTERMS.identifier, RDFLiteral(row.id))
        self.add(node, DCTERMS.type, self.uris.change_type(row.type))
        self.add(node, DCTERMS.description, _text(row.summary))
        if row.note:
            self.add(node, SKOS.note, _text(row.note, lines=True))
        if row.effective is not None:
            self.add(node, DCTERMS.date, _date(row.effective))
        self.describe_record(node, row)
        self.describe_decision(node, row)
        if row.type in ("cancel_change", "correct_change"):
            self.add(node, RDF.type, VOCAB.Cancellation)
            self.add(node, RDF.type, PROV.Activity)
            self.add(node, VOCAB.cancels, self.uris.change(payload["change"]))
            if payload.get("reason"):
                self.add(node, VOCAB.reason, _text(payload["reason"], lines=True))
            return
        if row.cancelled:
            self.add(node, RDF.type, VOCAB.CancelledChange)
            if row.cancelled_by:
                self.add(node, VOCAB.cancelledBy, self.uris.change(row.cancelled_by))
            return
        self.add(node, RDF.type, ORG.ChangeEvent)
        self.add(node, RDF.type, PROV.Activity)
        if row.effective is not None:
            self.add(node, PROV.startedAtTime, _instant(datetime.combine(row.effective, time())))
        for key in row.unit_ids:
            self.add(node, DCTERMS.subject, self.uris.unit(key))
        if payload.get("position"):
            self.add(node, DCTERMS.subject, self.uris.post(payload["position"]))
        if payload.get("delegation"):
            self.add(node, VOCAB.delegation, RDFLiteral(payload["delegation"]))
        effects = change_effects(payload)
        for key in effects.original:
            self.add(node, ORG.originalOrganization, self.uris.unit(key))
            self.add(self.uris.unit(key), ORG.changedBy, node)
        for key in effects.resulting:
            self.add(node, ORG.resultingOrganization, self.uris.unit(key))
            self.add(self.uris.unit(key), ORG.resultedFrom, node)
        for uri, keys in (
            (self.uris.unit, effects.generated_units),
            (self.uris.post, effects.generated_posts),
        ):
            for key in keys:
                self.add(node, PROV.generated, uri(key))
        for uri, keys in ((self.uris.unit, effects.ended_units), (self.uris.post, effects.ended_posts)):
            for key in keys:
                self.add(node, PROV.invalidated, uri(key))

    def describe_record(self, change: URIRef, row: ChangeRow) -> None:
        record = self.uris.record(row.id)
        self.add(change, VOCAB.registerEntry, record)
        self.add(record, RDF.type, PROV.Entity)
        self.add(record, RDF.type, VOCAB.RegisterEntry)
        self.add(record, DCTERMS.subject, change)
        self.add(record, PROV.generatedAtTime, _instant(row.recorded_at))
        self.add(record, VOCAB.recordedBy, _plain(row.recorded_by))

    def describe_decision(self, change: URIRef, row: ChangeRow) -> None:
        if not (row.decision_body or row.decision_date or row.decision_paragraph or row.decision_reference):
            return
        node = self.uris.decision(row.id, row.decision_body, row.decision_date, row.decision_paragraph)
        self.add(change, PROV.wasInformedBy, node)
        self.add(node, RDF.type, PROV.Activity)
        self.add(node, RDF.type, VOCAB.Decision)
        if row.decision_body:
            body = row.decision_body
            self.add(node, VOCAB.decisionBody, _plain(body))
            if body in self.data.all_units:
                self.add(node, PROV.wasAssociatedWith, self.uris.unit(body))
            elif body in self.data.all_posts:
                self.add(node, PROV.wasAssociatedWith, self.uris.post(body))
        if row.decision_date:
            self.add(node, DCTERMS.date, _date(row.decision_date))
        if row.decision_paragraph:
            self.add(node, VOCAB.paragraph, _plain(row.decision_paragraph))
        if row.decision_reference:
            self.add(node, VOCAB.caseNumber, _plain(row.decision_reference))
        citation = citation_of(row, self.data.name_of)
        if citation:
            self.add(node, RDFS.label, _text(citation))


def register_graph(data: OpenData, base: str = DEFAULT_URI_BASE) -> Graph:
    """The register as an rdflib graph (see the module's documentation). A bad base is a ValueError."""
    return _GraphBuilder(data, Uris(base)).build()


JSONLD_PREFIXES = ("dcterms", "org", "orgchange", "prov", "rdf", "rdfs", "schema", "skos", "time", "xsd")


def jsonld_context(graph: Graph) -> dict[str, str]:
    """A JSON-LD context of the vocabularies' prefixes, so that the JSON-LD is compact."""
    return {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix in JSONLD_PREFIXES}


def serialise(graph: Graph, fmt: RdfFormat) -> bytes:
    """Turtle or JSON-LD, with rdflib's own serialisers."""
    if fmt == "turtle":
        return graph.serialize(format="turtle", encoding="utf-8")
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=jsonld_context(graph), indent=2, encoding="utf-8")
    raise ValueError(f"unknown linked-data format {fmt!r}: turtle or jsonld")
