"""Text the register can hold: no U+0000 (NUL) in any argument or variable, and no half of a
surrogate pair in a variable (JSON can write one alone; no database takes it).

PostgreSQL can neither store nor compare text holding NUL: an id or a board
given with one would fail in the database, not as an unknown id. Such text is
refused while the query is validated, before anything runs, with the same
words as a change file holding it (`BAD_USER_INPUT:nul` of the catalogue).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from orgchange.application.changefile import holds_nul
from orgchange.domain.messages import text

from .catalogued import catalogued


class NoNulLiteral(ValidationRule):
    """No NUL in a string written in the query itself (a rule of the document alone)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.report_error(catalogued(text("BAD_USER_INPUT:nul"), node))


class NoNulText(SchemaExtension):
    """No NUL in a variable either; checked beside validation, not as a rule of it.

    A rule sees only the document, and the validation of a document is kept for
    the next request with the same text (api/graphql/documents.py): the request's own
    variables are checked here, after that, each time.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = []
        for name, value in (context.variables or {}).items():
            if holds_nul(name) or holds_nul(value):
                errors.append(catalogued(text("BAD_USER_INPUT:nul-variable", name=name)))
            elif (half := _lone_surrogate(value)) is not None:
                code = f"U+{ord(half):04X}"
                errors.append(catalogued(text("BAD_USER_INPUT:surrogate-variable", name=name, code=code)))
        if errors:
            found = context.pre_execution_errors
            if found is None:  # not validated yet: validate, as strawberry would
                assert context.graphql_document is not None
                found = validate_document(
                    context.schema._schema, context.graphql_document, context.validation_rules
                )
            context.pre_execution_errors = [*found, *errors]  # a new list: the cached one stays as it was
        yield


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> str | None:
    """The first half of a surrogate pair in any text of `value` (JSON's `"\\ud800"` decodes to
    one): no database driver can encode it, so it is refused like the NUL, not failed on as a 500."""
    pending = [value]
    while pending:  # not recursive: variables may nest deep
        item = pending.pop()
        if isinstance(item, str):
            if found := _SURROGATE.search(item):
                return found.group()
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return None
