"""The review pack for a board's meeting: what was reported, in five minutes of reading.

It holds a one-line Swedish summary of the period, every change as a sentence
with its decision citation and its findings (what is wrong with its decision or
with what it set, e.g. a delegated matter the law keeps with the board), before/after
org charts of the affected part of the organisation, the delegations the changes
left without a delegate (or gave one again), and the corrections made since the
board's previous meeting — what the register said then against what it says now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from orgchange.application import Impact, OrgChange
from orgchange.application.documents import diagrams
from orgchange.application.documents.graphviz import DiagramNotDrawn, DiagramTooLarge, RenderLimits
from orgchange.application.errors import NotFound
from orgchange.application.escaping import html_text
from orgchange.domain.findings import Finding
from orgchange.domain.messages import text
from projections.decisions import DecisionReader, DecisionRow
from projections.delegations import Gap
from projections.reports import ReportRow
from projections.rows import ChangeRow, UnitRow

# The charts of a pack are of the units its changes touch: a pack too large to draw says so.
CHART_HINT = text("DIAGRAM_TOO_LARGE:review")

MONTHS = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec")

# type -> (singular, plural) phrase for the summary line
COUNTED = {
    "establish_unit": ("enhet bildad", "enheter bildade"),
    "rename_unit": ("enhet bytte namn", "enheter bytte namn"),
    "reclassify_unit": ("enhet ombildad", "enheter ombildade"),
    "move_unit": ("enhet flyttad", "enheter flyttade"),
    "merge_units": ("enhet sammanslagen", "enheter sammanslagna"),
    "split_unit": ("enhet delad", "enheter delade"),
    "dissolve_unit": ("enhet nedlagd", "enheter nedlagda"),
    "spin_off_unit": ("bolagiserad", "bolagiserade"),
    "establish_position": ("befattning inrättad", "befattningar inrättade"),
    "move_position": ("befattning flyttad", "befattningar flyttade"),
    "abolish_position": ("befattning indragen", "befattningar indragna"),
    "grant_delegation": ("delegation beslutad", "delegationer beslutade"),
    "amend_delegation": ("delegation ändrad", "delegationer ändrade"),
    "revoke_delegation": ("delegation upphävd", "delegationer upphävda"),
    "subdelegate": ("vidaredelegation", "vidaredelegationer"),
    "cancel_change": ("rättelse", "rättelser"),
    "correct_change": ("rättad ändring", "rättade ändringar"),
}


def swedish_day(day: date, with_year: bool = True) -> str:
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def swedish_period(start: date, end: date) -> str:
    if start == end:
        return swedish_day(start)
    if start.year == end.year:
        return f"{swedish_day(start, with_year=False)}–{swedish_day(end)}"
    return f"{swedish_day(start)}–{swedish_day(end)}"


@dataclass(frozen=True)
class Correction:
    change: ChangeRow
    day: date
    then: list[str]  # what the register said on `day`, as known at the previous meeting
    now: list[str]


@dataclass
class ReviewPack:
    board: str
    board_name: str
    meeting: date | None
    changes: list[ChangeRow]
    citations: dict[str, str]
    impact: Impact
    corrections: list[Correction] = field(default_factory=list)
    before: list[UnitRow] = field(default_factory=list)
    after: list[UnitRow] = field(default_factory=list)
    noted_paragraph: str | None = None
    previous_meeting: date | None = None
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # by change id
    # Delegated decisions reported to the meeting (docs/decisions.md#who-is-told).
    decisions: list[DecisionRow] = field(default_factory=list)

    # --- building ------------------------------------------------------------------

    @classmethod
    def for_meeting(cls, app: OrgChange, board: str, meeting: date) -> ReviewPack:
        reports = app.read_model.reports.reports(board, meeting)
        decisions = DecisionReader(app.engine).reported_to_meeting(board, meeting)
        if not reports and not decisions:
            app.read_model.require_unit(board)
            raise NotFound(text("NOT_FOUND:meeting", board=board, meeting=meeting))
        changes = app.read_model.changes_by_id(reports[0].change_ids) if reports else []
        previous = app.read_model.reports.previous_meeting(board, meeting)
        pack = cls._build(app, board, meeting, changes, previous)
        pack.noted_paragraph = reports[0].noted_paragraph if reports else None
        pack.decisions = decisions
        return pack

    @classmethod
    def for_period(cls, app: OrgChange, board: str, start: date, end: date) -> ReviewPack:
        """Every change effective in the period (not cancelled), whichever board it was reported to:
        what a board reviewing the organisation as a whole (the kommunstyrelse) needs to see."""
        changes: list[ChangeRow] = []
        after = None
        while True:
            page = app.read_model.changes(start=start, end=end, first=1000, after=after)
            changes += [c for c in page.rows if not c.cancelled]
            if not page.has_next:
                return cls._build(app, board, None, changes, None)
            after = page.end_cursor

    @classmethod
    def _build(
        cls,
        app: OrgChange,
        board: str,
        meeting: date | None,
        changes: list[ChangeRow],
        previous: ReportRow | None,
    ) -> ReviewPack:
        read = app.read_model
        today = meeting or date.today()
        board_unit = read.units([board], today).get(board)
        if board_unit is None:
            history = read.unit_history(board)
            if not history:
                raise NotFound(text("NOT_FOUND:board", board=board))
            board_unit = history[-1]
        opened: dict[str, Gap] = {}
        closed: dict[str, Gap] = {}
        for change in changes:
            if change.effective is not None and change.type not in ("cancel_change", "correct_change"):
                impact = app.impact_of(change.id)
                opened.update({g.delegation_id: g for g in impact.opened})
                closed.update({g.delegation_id: g for g in impact.closed})
        pack = cls(
            board=board,
            board_name=board_unit.name,
            meeting=meeting,
            changes=changes,
            citations=_citations(app, changes),
            impact=Impact(sorted(opened.values(), key=_by_since), sorted(closed.values(), key=_by_since)),
            previous_meeting=previous.meeting if previous else None,
            findings=read.findings.of_changes(changes),
        )
        pack._add_charts(app)
        if previous is not None:
            pack.corrections = _corrections(app, previous)
        return pack

    def _add_charts(self, app: OrgChange) -> None:
        days = [c.effective for c in self.changes if c.effective is not None]
        if not days:
            return
        affected = {u for c in self.changes for u in c.unit_ids}
        before_day, after_day = min(days) - timedelta(days=1), max(days)
        self.before = _neighbourhood(app.read_model.organisation(before_day), affected)
        self.after = _neighbourhood(app.read_model.organisation(after_day), affected)

    # --- reading -----------------------------------------------------------------------

    @property
    def due(self) -> list[ChangeRow]:
        """The changes that were to be reported to this board (`ChangeRow.report_to`): the
        pack lists only these as anmälda."""
        return [c for c in self.changes if c.report_to == self.board]

    @property
    def affecting(self) -> list[ChangeRow]:
        """The other changes that left one of this board's delegations without a delegate."""
        return [c for c in self.changes if c.report_to != self.board and self.board in c.affected_boards]

    @property
    def others(self) -> list[ChangeRow]:
        """The rest, for the board's information: its own decisions, other boards' changes."""
        listed = {c.id for c in (*self.due, *self.affecting)}
        return [c for c in self.changes if c.id not in listed]

    @property
    def period(self) -> tuple[date, date] | None:
        days = [c.effective for c in self.changes if c.effective is not None]
        return (min(days), max(days)) if days else None

    def summary(self) -> str:
        """'1 jan–30 juni 2017: 2 enheter sammanslagna, 1 bolagiserad, …'"""
        counts: Counter[str] = Counter()
        for change in self.changes:
            weight = 1
            if change.type == "merge_units":
                weight = max(len(change.unit_ids) - 1, 2)
            counts[change.type] += weight
        parts = []
        for change_type, (one, many) in COUNTED.items():
            if counts[change_type]:
                n = counts[change_type]
                parts.append(f"{n} {one if n == 1 else many}")
        period = swedish_period(*self.period) if self.period else "ingen period"
        return f"{period}: {', '.join(parts) if parts else 'inga ändringar'}"

    def as_html(self, generated_at: datetime | None = None, limits: RenderLimits | None = None) -> str:
        """The pack as one self-contained page (nothing is fetched to show or print it); its charts
        are drawn within `limits` (default: the settings), or say why they are not there."""
        e = html_text
        generated_at = generated_at or datetime.now(UTC)
        title = (
            f"Anmälda ändringar till {self.board_name}"
            if self.meeting
            else f"Ändringar för {self.board_name}"
        )
        when = f"sammanträdet {self.meeting.isoformat()}" if self.meeting else "perioden"
        out = [
            "<!doctype html><html lang='sv'><head><meta charset='utf-8'>",
            f"<title>{e(title)} – {e(when)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{e(title)}</h1><p class='meta'>Underlag för {e(when)}. "
            f"Sammanställt {generated_at:%Y-%m-%d %H:%M} UTC ur orgchange.</p>",
            f"<p class='summary' id='summary'>{e(self.summary())}</p>",
        ]
        if self.noted_paragraph:
            out.append(
                f"<p class='noted'>{e(self.board_name)} noterade informationen till protokollet "
                f"({e(self.noted_paragraph)}).</p>"
            )
        out.append("</header>")
        out.append(self._changes_html())
        out.append(self._findings_html())
        out.append(self._decisions_html())
        out.append(self._charts_html(limits))
        out.append(self._delegations_html())
        out.append(self._corrections_html())
        out.append("</body></html>")
        return "".join(out)

    def _changes_html(self) -> str:
        """Three lists: what was to be reported to the board (the only ones called anmälda), what
        touched its delegationsordning, and the rest for its information."""
        e = html_text
        due_heading = (
            "Anmälda ändringar"
            if self.meeting
            else f"Ändringar att anmäla till {self.board_name.lower() if self.board_name else self.board}"
        )
        sections = [
            ("changes", due_heading, self.due, "Inga ändringar att anmäla till nämnden."),
            ("affecting", "Påverkar nämndens delegationsordning", self.affecting, None),
            ("others", "Övriga ändringar (för kännedom)", self.others, None),
        ]
        out = []
        for section, heading, changes, empty in sections:
            if not changes and empty is None:
                continue
            out.append(f"<section id='{section}'><h2>{e(heading)}</h2>")
            if not changes:
                out.append(f"<p>{e(str(empty))}</p></section>")
                continue
            out.append("<ol class='changes'>")
            for change in changes:
                citation = self.citations.get(change.id, "")
                cancelled = " <em>(makulerad)</em>" if change.cancelled else ""
                touched = [a.label for a in change.affects if a.board == self.board]
                effect = (
                    f"<br><span class='effect'>Påverkar er delegationsordning: "
                    f"{e(', '.join(touched))} saknar delegat</span>"
                    if touched
                    else ""
                )
                marks = "".join(
                    f"<br><span class='finding' data-code='{f.code}'>Anmärkning: {e(f.reason)}</span>"
                    for f in self.findings.get(change.id, [])
                )
                out.append(
                    f"<li data-change='{e(change.id)}'><span class='sentence'>{e(change.summary)}</span>"
                    f"{cancelled}<br><span class='citation'>{e(citation)}</span>"
                    f" <span class='id'>Gäller från {change.effective or '–'} · {e(change.id)}</span>"
                    f"{effect}{marks}</li>"
                )
            out.append("</ol></section>")
        return "".join(out)

    def _charts_html(self, limits: RenderLimits | None) -> str:
        if not (self.before or self.after) or self.period is None:
            return ""
        start, end = self.period
        out = ["<section id='charts'><h2>Organisationen före och efter</h2>"]
        for label, units, day in (
            ("Före", self.before, start - timedelta(days=1)),
            ("Efter", self.after, end),
        ):
            graph = diagrams.orgchart(units, day, left_to_right=True, caption=False)
            try:
                svg = diagrams.render(graph, "svg", limits=limits, hint=CHART_HINT).decode("utf-8")
                svg = svg[svg.index("<svg") :]
            except (diagrams.GraphvizMissing, DiagramTooLarge, DiagramNotDrawn) as missing:
                svg = f"<p class='missing'>{html_text(str(missing))}</p>"
            out.append(f"<figure class='chart' data-chart='{label.lower()}'>{svg}")
            out.append(f"<figcaption>{label}: {day.isoformat()}</figcaption></figure>")
        out.append("</section>")
        return "".join(out)

    def _findings_html(self) -> str:
        """Every finding of the reported changes, together: they never blocked recording."""
        e = html_text
        listed = [(change, f) for change in self.changes for f in self.findings.get(change.id, [])]
        if not listed:
            return ""
        out = [f"<section id='findings'><h2>Anmärkningar ({len(listed)})</h2><ul class='findings'>"]
        out.extend(
            f"<li class='finding' data-change='{e(change.id)}' data-code='{f.code}' "
            f"data-subject='{e(f.subject)}'>{e(change.id)}"
            f"{f' (från {f.since})' if f.since and f.since != change.effective else ''}: {e(f.reason)}</li>"
            for change, f in listed
        )
        out.append("</ul></section>")
        return "".join(out)

    def _decisions_html(self) -> str:
        """The delegated decisions reported to the meeting (Anmälda delegationsbeslut), those whose
        check found something first: they lacked support in the delegationsordning of their day."""
        e = html_text
        if not self.decisions:
            return ""
        ordered = sorted(self.decisions, key=lambda d: (not d.findings, d.date, d.id))
        with_findings = sum(1 for d in ordered if d.findings)
        out = [
            f"<section id='decisions'><h2>Anmälda delegationsbeslut ({len(ordered)})</h2>",
            f"<p class='meta'>{with_findings} av {len(ordered)} med anmärkning.</p>" if with_findings else "",
            "<ol class='decisions'>",
        ]
        for d in ordered:
            amount = f", {d.amount:,.0f} kr".replace(",", " ") if d.amount is not None else ""
            reference = f", {e(d.reference)}" if d.reference else ""
            out.append(
                f"<li class='decision{' finding' if d.findings else ''}' data-decision='{e(d.id)}'>"
                f"{e(d.date.isoformat())} {e(d.id)}: {e(d.matter)} — {e(d.decided_by)} enligt "
                f"{e(d.delegation_id or d.delegation_ref)}{reference}{amount}"
            )
            if d.findings:
                out.append("<ul class='findings'>")
                out.extend(f"<li class='finding'>{e(f)}</li>" for f in d.findings)
                out.append("</ul>")
            out.append("</li>")
        out.append("</ol></section>")
        return "".join(out)

    def _delegations_html(self) -> str:
        e = html_text
        out = ["<section id='delegations'><h2>Påverkan på delegationsordningen</h2>"]
        if not (self.impact.opened or self.impact.closed):
            out.append("<p>Ändringarna lämnar ingen delegation utan delegat.</p>")
        if self.impact.opened:
            out.append("<h3>Delegationer som saknar delegat</h3><ul class='gaps'>")
            out.extend(
                f"<li class='gap' data-delegation='{e(g.delegation_id)}'>{e(g.delegation_id)} "
                f"(från {g.since}): {e(g.reason)}</li>"
                for g in self.impact.opened
            )
            out.append("</ul>")
        if self.impact.closed:
            out.append("<h3>Delegationer som fått delegat igen</h3><ul class='closed'>")
            out.extend(
                f"<li data-delegation='{e(g.delegation_id)}'>{e(g.delegation_id)}</li>"
                for g in self.impact.closed
            )
            out.append("</ul>")
        out.append("</section>")
        return "".join(out)

    def _corrections_html(self) -> str:
        e = html_text
        if self.previous_meeting is None:
            return ""
        out = [
            f"<section id='corrections'><h2>Rättelser sedan förra sammanträdet ({self.previous_meeting})</h2>"
        ]
        if not self.corrections:
            out.append("<p>Inga rättelser.</p>")
        for correction in self.corrections:
            out.append(
                f"<div class='correction' data-change='{e(correction.change.id)}'>"
                f"<p>{e(correction.change.summary)}</p><table><tr><th>Då ({self.previous_meeting})</th>"
                f"<th>Nu</th></tr><tr><td>{'<br>'.join(map(e, correction.then)) or '–'}</td>"
                f"<td>{'<br>'.join(map(e, correction.now)) or '–'}</td></tr></table>"
                f"<p class='meta'>Avser {correction.day}</p></div>"
            )
        out.append("</section>")
        return "".join(out)


def _by_since(gap: Gap) -> tuple[date, str]:
    return gap.since, gap.delegation_id


def _neighbourhood(units: list[UnitRow], affected: set[str]) -> list[UnitRow]:
    """The affected units, what they stand under, and what stands directly under them."""
    by_id = {u.id: u for u in units}
    keep = set(affected) & by_id.keys()
    for unit in units:
        above = unit.parent_id or unit.owner_id
        if unit.id in affected and above in by_id:
            keep.add(above)
        if above in affected:
            keep.add(unit.id)
    return [by_id[k] for k in sorted(keep)]


def _citations(app: OrgChange, changes: list[ChangeRow]) -> dict[str, str]:
    """'Kommunstyrelsen 2013-02-11 § 53 (KFKS 2013/5)' for each change with a decision.

    The decider is a unit key (the council, a board), a position key (an official who
    decided, `decision.position`, or older files' body), or free text.
    """
    names: dict[str, str] = {}
    for change in changes:
        who, day = _decider(change), change.decision_date or change.effective
        if who is None or who in names or day is None:
            continue
        unit = app.read_model.units([who], day).get(who)
        if unit is not None:
            names[who] = unit.name
            continue
        delegate = app.read_model.delegations.delegates({who}, day)[who]
        if delegate.title != who:
            names[who] = delegate.title
    citations = {}
    for change in changes:
        decider = _decider(change) or ""
        parts = [names.get(decider, decider)]
        if change.decision_date:
            parts.append(change.decision_date.isoformat())
        if change.decision_paragraph:
            parts.append(change.decision_paragraph)
        text = " ".join(p for p in parts if p)
        if change.decision_reference:
            text = f"{text} ({change.decision_reference})" if text else change.decision_reference
        citations[change.id] = text or "Beslut saknas i registret"
    return citations


def _decider(change: ChangeRow) -> str | None:
    """Who decided: the official's post when an official did, else the body."""
    return change.decision_position or change.decision_body


def _corrections(app: OrgChange, previous: ReportRow) -> list[Correction]:
    """Cancellations and retroactive changes recorded after the previous meeting's report.

    "Then" is the register as it stood when that report was noted (or made): the
    instant the board last saw it.
    """
    instants = [i for i in (previous.noted_at, previous.reported_at) if i is not None]
    known_then = (
        max(instants)
        if instants
        else datetime.combine(previous.meeting + timedelta(days=1), time(), tzinfo=UTC)
    )
    read = app.read_model
    later = [
        c
        for c in read.all_changes_in_recording_order()
        if c.recorded_at > known_then
        and c.effective is not None
        and (c.type in ("cancel_change", "correct_change") or c.effective <= previous.meeting)
    ]
    out = []
    for change in read.changes_by_id([c.id for c in later]):
        units = change.unit_ids
        assert change.effective is not None  # `later` holds dated changes only
        then = read.units(units, change.effective, known_at=known_then)
        now = read.units(units, change.effective)
        out.append(Correction(change, change.effective, _describe(then), _describe(now)))
    return out


def _describe(units: dict[str, UnitRow]) -> list[str]:
    return [
        f"{u.name} ({u.id}), under {u.parent_id or u.owner_id or '–'}"
        for u in sorted(units.values(), key=lambda u: u.id)
    ]


_CSS = """
@page { size: A4; margin: 18mm 15mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 11pt; color: #1a1a1a;
       max-width: 180mm; margin: 0 auto; padding: 8mm 0; line-height: 1.4; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 13pt; border-bottom: 1px solid #999;
     margin-top: 14pt; } h3 { font-size: 11pt; }
.summary { font-size: 12pt; font-weight: bold; background: #eef3f9; padding: 6pt 8pt; }
.meta, .id { color: #555; font-size: 9pt; } .citation { color: #333; font-style: italic; }
ol.changes li { margin-bottom: 6pt; page-break-inside: avoid; }
figure.chart { margin: 8pt 0; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
.gap, .effect { color: #a00000; } .finding { color: #7f4f00; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #aaa; padding: 3pt 5pt; vertical-align: top; text-align: left; }
"""
