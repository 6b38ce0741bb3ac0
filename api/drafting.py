"""Drafts as the REST routes answer them: the names of GraphQL's `Draft`, in camelCase."""

from __future__ import annotations

from typing import Any

from orgchange.application.drafts import Check, Draft, Preview, Problem
from projections.delegations import Gap


def draft_json(draft: Draft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "name": draft.name,
        "changes": draft.entries,
        "file": draft.file,
        "createdBy": draft.created_by,
        "createdAt": draft.created_at.isoformat(),
        "updatedAt": draft.updated_at.isoformat(),
        "status": draft.status,
        "revision": draft.revision,
        "basedOn": draft.based_on,
        "recordedChangeIds": draft.recorded_ids,
    }


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "message": problem.message,
        "index": problem.index,
        "changeId": problem.change_id,
        "field": problem.field,
        "rule": problem.rule,
        "conflicts": problem.conflicts,
    }


def check_json(check: Check) -> dict[str, Any]:
    return {
        "ok": check.ok,
        "stale": check.stale,
        "conflicting": check.conflicting,
        "basedOn": check.based_on,
        "registerAt": check.register_at,
        "problems": [problem_json(p) for p in check.problems],
    }


def gap_json(gap: Gap) -> dict[str, Any]:
    return {
        "delegationId": gap.delegation_id,
        "since": gap.since.isoformat(),
        "reason": gap.reason,
        "missingDelegate": gap.missing_delegate,
    }


def preview_json(preview: Preview) -> dict[str, Any]:
    diff = preview.diff
    return {
        "asOf": preview.as_of.isoformat(),
        "diff": {
            "added": diff.added,
            "removed": diff.removed,
            "renamed": [{"id": k, "from": a, "to": b} for k, a, b in diff.renamed],
            "moved": [{"id": k, "fromParent": a, "toParent": b} for k, a, b in diff.moved],
            "reclassified": [{"id": k, "from": a, "to": b} for k, a, b in diff.reclassified],
            "positions": {
                "established": diff.positions.established,
                "abolished": diff.positions.abolished,
                "moved": [{"id": k, "fromUnit": a, "toUnit": b} for k, a, b in diff.positions.moved],
            },
        },
        "sentences": [
            {
                "changeId": s.change_id,
                "type": s.type,
                "effective": s.effective.isoformat() if s.effective else None,
                "summary": s.summary,
            }
            for s in preview.sentences
        ],
        "gaps": [
            {"board": fix.board, **gap_json(fix.gap), "fixes": fix.fixes, "reasons": fix.reasons}
            for fix in preview.gaps
        ],
        "closed": [gap_json(g) for g in preview.closed],
        "findings": [
            {
                "code": f.code,
                "subjectKind": f.subject_kind,
                "subjectId": f.subject,
                "since": f.since.isoformat() if f.since else None,
                "reason": f.reason,
            }
            for f in preview.findings
        ],
    }
