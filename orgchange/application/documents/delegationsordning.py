"""The delegationsordning as a document and as diagrams, for a day (and between two days)."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from orgchange.application.documents import diagrams
from orgchange.application.documents.graphviz import RenderLimits
from orgchange.application.escaping import csv_cell, html_text
from orgchange.domain.findings import Finding
from orgchange.domain.law import FURTHER_DELEGATION_REPORTING, IN_FORCE, REPORTING_TO_BOARD
from orgchange.domain.messages import text
from projections.delegations import Delegate, DelegationRow, Gap
from projections.read_model import ReadModel

COLUMNS = (
    ("code", "Nr"),
    ("matter", "Ärende"),
    ("delegate", "Delegat"),
    ("substitute", "Ersättare"),
    ("further", "Vidaredelegation"),
    ("legal_basis", "Lagrum"),
    ("limit", "Begränsning"),
    ("reporting", "Anmälan"),
    ("findings", "Anmärkning"),
)


def legal_frame(day: date) -> str:
    """How decisions under delegation are reported, as the law in force on `day` has it."""
    if day < IN_FORCE:
        further = (
            "beslut med stöd av vidaredelegation anmäls till förvaltningschefen "
            f"({FURTHER_DELEGATION_REPORTING.on(day)})"
        )
    else:
        further = (
            "beslut med stöd av vidaredelegation anmäls till förvaltningschefen, och förvaltningschefens "
            "beslut att vidaredelegera till nämnden vid nästa sammanträde "
            f"({FURTHER_DELEGATION_REPORTING.on(day)})"
        )
    return (
        "Beslut med stöd av delegation anmäls till nämnden i den utsträckning nämnden har bestämt "
        f"({REPORTING_TO_BOARD.on(day)}); {further}."
    )


@dataclass
class Delegationsordning:
    as_of: date
    board: str | None
    rows: list[DelegationRow]
    delegates: dict[str, Delegate]
    board_names: dict[str, str]
    gaps: list[Gap] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # never block; marked wherever shown

    @classmethod
    def load(
        cls, read_model: ReadModel, as_of: date, board: str | None = None, known_at: datetime | None = None
    ) -> Delegationsordning:
        if board is not None:
            read_model.require_unit(board)
        reader = read_model.delegations
        rows = reader.delegations(as_of, board=board, known_at=known_at)
        keys = {r.to_id for r in rows} | {r.substitute_id for r in rows if r.substitute_id}
        delegates = reader.delegates(keys, as_of, known_at)
        boards = read_model.units({r.board_id for r in rows}, as_of, known_at)
        names = {key: unit.name for key, unit in boards.items()}
        gaps = reader.gaps(as_of, known_at, board=board)
        findings = read_model.findings.delegations(as_of, known_at, board, rows=rows)
        return cls(as_of, board, rows, delegates, names, gaps, findings)

    def findings_of(self, delegation_id: str) -> list[Finding]:
        return [f for f in self.findings if f.subject == delegation_id]

    def table(self) -> list[dict[str, str]]:
        """One row per delegation, in the columns of a printed delegationsordning."""
        gap_ids = {g.delegation_id for g in self.gaps}
        by_id = {r.id: r for r in self.rows}
        out = []
        for r in self.rows:
            delegate = self.delegates.get(r.to_id)
            title = delegate.title if delegate else r.to_id
            if r.id in gap_ids:
                title += " (saknas)"
            if r.parent_delegation_id:
                parent = by_id.get(r.parent_delegation_id)
                further = (
                    f"vidaredelegerad från {parent.code or parent.id if parent else r.parent_delegation_id}"
                )
            else:
                further = "får vidaredelegeras" if r.further_delegation else ""
            substitute = self.delegates.get(r.substitute_id) if r.substitute_id else None
            out.append(
                {
                    "board": self.board_names.get(r.board_id, r.board_id),
                    "id": r.id,
                    "code": r.code or "",
                    "matter": r.matter,
                    "delegate": title,
                    "substitute": substitute.title if substitute else (r.substitute_id or ""),
                    "further": further,
                    "legal_basis": r.legal_basis or "",
                    "limit": r.limit or "",
                    "reporting": r.reporting or "",
                    "findings": " ".join(f.reason for f in self.findings_of(r.id)),
                }
            )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of.isoformat(),
            "board": self.board,
            "delegations": [
                {
                    "id": r.id,
                    "code": r.code,
                    "matter": r.matter,
                    "fromId": r.board_id,
                    "toId": r.to_id,
                    "legalBasis": r.legal_basis,
                    "limit": r.limit,
                    "substitute": r.substitute_id,
                    "furtherDelegation": r.further_delegation,
                    "parentDelegationId": r.parent_delegation_id,
                    "reporting": r.reporting,
                    "validFrom": r.valid_from.isoformat(),
                    "validTo": r.valid_to.isoformat() if r.valid_to else None,
                }
                for r in self.rows
            ],
            "gaps": [
                {"delegationId": g.delegation_id, "since": g.since.isoformat(), "reason": g.reason}
                for g in self.gaps
            ],
            "findings": [
                {
                    "delegationId": f.subject,
                    "code": f.code,
                    "since": f.since.isoformat() if f.since else None,
                    "reason": f.reason,
                }
                for f in self.findings
            ],
        }

    def as_csv(self) -> str:
        """One line per delegation; every cell is text to a spreadsheet (`csv_cell`), never a formula."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["Nämnd", "Id", *(label for _, label in COLUMNS)])
        for row in self.table():
            cells = [row["board"], row["id"], *(row[key] for key, _ in COLUMNS)]
            writer.writerow([csv_cell(cell) for cell in cells])
        return buffer.getvalue()

    def as_text(self) -> str:
        lines = [f"Delegationsordning {self.as_of.isoformat()}", legal_frame(self.as_of)]
        current_board = None
        for row in self.table():
            if row["board"] != current_board:
                current_board = row["board"]
                lines.append(f"\n{current_board}")
            code = f"{row['code']} " if row["code"] else ""
            marked = " [ANMÄRKNING]" if row["findings"] else ""
            lines.append(f"  {code}{row['matter']} → {row['delegate']}{marked}")
            details = [row[k] for k in ("further", "legal_basis", "limit") if row[k]]
            if details:
                lines.append(f"      {'; '.join(details)}")
        if not self.rows:
            lines.append("(inga delegationer i kraft)")
        for gap in self.gaps:
            lines.append(f"\nLUCKA {gap.delegation_id} sedan {gap.since}: {gap.reason}")
        for finding in self.findings:
            lines.append(f"\nANMÄRKNING {finding.subject} sedan {finding.since}: {finding.reason}")
        return "\n".join(lines) + "\n"

    def as_html(self) -> str:
        """A printable document: one table per board, gaps marked."""
        parts = [
            "<!doctype html><html lang='sv'><head><meta charset='utf-8'>",
            f"<title>Delegationsordning {self.as_of}</title>",
            "<style>body{font-family:sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%;"
            "font-size:10pt;margin-bottom:1.5em}th,td{border:1px solid #999;padding:4px;text-align:left;"
            "vertical-align:top}th{background:#e8eef6}.gap{color:#a00000;font-weight:bold}"
            ".finding{background:#fff2cc}.finding td:last-child{color:#7f4f00;font-weight:bold}"
            "@page{size:A4 landscape;margin:1cm}@media print{body{margin:0}}</style></head><body>",
            f"<h1>Delegationsordning {self.as_of}</h1>",
            f"<p class='frame'>{html_text(legal_frame(self.as_of))}</p>",
        ]
        gap_ids = {g.delegation_id for g in self.gaps}
        finding_ids = {f.subject for f in self.findings}
        rows = self.table()
        for board in dict.fromkeys(r["board"] for r in rows):
            parts.append(f"<h2>{html_text(board)}</h2><table><thead><tr>")
            parts.extend(f"<th>{label}</th>" for _, label in COLUMNS)
            parts.append("</tr></thead><tbody>")
            for row in (r for r in rows if r["board"] == board):
                classes = [c for c, ids in (("gap", gap_ids), ("finding", finding_ids)) if row["id"] in ids]
                css = f" class='{' '.join(classes)}'" if classes else ""
                parts.append(
                    f"<tr{css}>" + "".join(f"<td>{html_text(row[k])}</td>" for k, _ in COLUMNS) + "</tr>"
                )
            parts.append("</tbody></table>")
        if self.gaps:
            parts.append("<h2>Luckor</h2><ul>")
            parts.extend(
                f"<li class='gap'>{html_text(g.delegation_id)} sedan {g.since}: {html_text(g.reason)}</li>"
                for g in self.gaps
            )
            parts.append("</ul>")
        if self.findings:
            parts.append("<h2>Anmärkningar</h2><ul class='findings'>")
            parts.extend(
                f"<li class='finding' data-delegation='{html_text(f.subject)}' data-code='{f.code}'>"
                f"{html_text(f.subject)} sedan {f.since}: {html_text(f.reason)}</li>"
                for f in self.findings
            )
            parts.append("</ul>")
        parts.append("</body></html>")
        return "".join(parts)

    def diagram(
        self,
        fmt: str,
        changes: dict[str, str] | None = None,
        title: str | None = None,
        *,
        limits: RenderLimits | None = None,
        cancelled: threading.Event | None = None,
    ) -> bytes:
        graph = diagrams.delegations(
            self.rows,
            self.delegates,
            self.board_names,
            self.as_of,
            gaps=[g.delegation_id for g in self.gaps],
            findings={f.subject: f.reason for f in self.findings},
            changes=changes,
            title=title,
        )
        hint = text("DIAGRAM_TOO_LARGE:one-board")
        return diagrams.render(graph, fmt, limits=limits, cancelled=cancelled, hint=hint)


def compare(before: Delegationsordning, after: Delegationsordning) -> dict[str, str]:
    """Delegations added, removed or re-pointed between two days (keyed by delegation id)."""
    old = {r.id: r for r in before.rows}
    new = {r.id: r for r in after.rows}
    changes = {k: "added" for k in new.keys() - old.keys()}
    changes.update({k: "removed" for k in old.keys() - new.keys()})
    changes.update({k: "repointed" for k in old.keys() & new.keys() if old[k].to_id != new[k].to_id})
    return changes


def before_after(
    before: Delegationsordning,
    after: Delegationsordning,
    fmt: str,
    *,
    limits: RenderLimits | None = None,
    cancelled: threading.Event | None = None,
) -> bytes:
    """One diagram of the later day, with removed delegations kept (dotted) and changes coloured."""
    changes = compare(before, after)
    removed = [r for r in before.rows if changes.get(r.id) == "removed"]
    merged = Delegationsordning(
        after.as_of,
        after.board,
        after.rows + removed,
        {**before.delegates, **after.delegates},
        {**before.board_names, **after.board_names},
        after.gaps,
        after.findings,
    )
    title = f"Delegationsordning {before.as_of.isoformat()} → {after.as_of.isoformat()}"
    return merged.diagram(fmt, changes=changes, title=title, limits=limits, cancelled=cancelled)
