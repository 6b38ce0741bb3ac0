"""Counts each GraphQL operation, and those whose answer holds errors, in the app's metrics.

By type (`query`, `mutation`, `unknown` when the document could not be read) and by
name, bounded (api/observability.py, `OperationNames`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

UNKNOWN = "unknown"


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        metrics = _metrics_of(context.context)
        if metrics is None:
            return
        try:
            kind = context.operation_type.value
        except Exception:  # no document (it did not parse), or no operation of the given name
            kind = UNKNOWN
        result = context.result
        failed = bool(context.pre_execution_errors) or bool(result is not None and result.errors)
        metrics.operation(kind, _name(context), "executed", failed)


def _name(context: Any) -> str | None:
    try:
        name = context.operation_name
    except Exception:
        return None
    return name if isinstance(name, str) else None


def _metrics_of(context: Any) -> Any:
    request = getattr(context, "request", None)
    app = getattr(request, "app", None) if request is not None else None
    return getattr(getattr(app, "state", None), "metrics", None)
