"""GraphQL documents parsed and validated off the event loop, bounded, and kept for the next request.

Parsing and validating a document takes time in proportion to its size: a few
microseconds for the queries a client asks again and again, tens of milliseconds
for a document at the limits (`graphql_max_document_bytes`,
`graphql_max_tokens`). On the event loop those milliseconds would be every other
request's wait, so a document not seen before is parsed and validated in a worker
thread; one seen before is answered from what was kept, on the loop.

Parsing stops at the token limit (graphql-core's `max_tokens`) and at its own
nesting limit; both are syntax errors in the caller's words. What is kept is
bounded twice: by count, and by the bytes of text (a parsed document takes about
a hundred times its text in memory), so documents of strangers cannot fill the
memory of the process.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from threading import Lock
from typing import Any, Generic, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
)
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from orgchange.application.config import Settings
from orgchange.domain.messages import text

from .catalogued import catalogued, in_words
from .limits import only_introspection

DOCUMENTS_KEPT = 512
TEXT_KEPT = 1_048_576  # bytes of document text, in all, whose parsing and validation are kept
DEFAULT_MAX_TOKENS: int = Settings.model_fields["graphql_max_tokens"].default
DEFAULT_MAX_FIELDS: int = Settings.model_fields["graphql_max_fields"].default

TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
TOO_MANY_FIELDS = "TOO_MANY_FIELDS"
SYNTAX_ERROR = "GRAPHQL_PARSE_FAILED"

Value = TypeVar("Value")


class Kept(Generic[Value]):
    """A least-recently-used store of values by document text, bounded in count and in text bytes."""

    def __init__(self, max_count: int = DOCUMENTS_KEPT, max_text: int = TEXT_KEPT):
        self.max_count = max_count
        self.max_text = max_text
        self._values: OrderedDict[Any, tuple[int, Value]] = OrderedDict()
        self._text = 0
        self._lock = Lock()

    def get(self, key: Any) -> Value | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[1]

    def put(self, key: Any, text: str, value: Value) -> None:
        size = len(text)
        if size > self.max_text // 8:
            return  # one large document may not push out every small one
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self._text -= old[0]
            self._values[key] = (size, value)
            self._text += size
            while self._text > self.max_text or len(self._values) > self.max_count:
                _, (dropped, _) = self._values.popitem(last=False)
                self._text -= dropped


_parsed: Kept[DocumentNode] = Kept()
_validated: Kept[list[GraphQLError]] = Kept()


async def _off_the_loop(work: Callable[[], Value]) -> Value:
    return await run_in_threadpool(work)


def _parse(query: str, max_tokens: int) -> DocumentNode:
    """The document; a syntax error in graphql-core's words, with a code for programs."""
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLError as error:
        message = in_words(error)
        if message is None or message.code not in (TOO_MANY_TOKENS, SYNTAX_ERROR):
            message = text(SYNTAX_ERROR, detail=error.message.removeprefix("Syntax Error: "))
        raise catalogued(
            message,
            source=error.source,
            positions=error.positions,
            **({"limit": max_tokens} if message.code == TOO_MANY_TOKENS else {}),
        ) from None


def field_count(document: DocumentNode, limit: int) -> int:
    """The field nodes (selections of a field) in `document`, counted no further than `limit + 1`.

    Walked with a stack of its own; a fragment's fields count once, where it is defined.
    """
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            count += 1
            if count > limit:
                return count
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return count


def _check_fields(document: DocumentNode, max_fields: int) -> DocumentNode:
    """The document, if it selects at most `max_fields` fields: validation compares fields
    of a selection pairwise (OverlappingFieldsCanBeMerged), in time that grows with the
    square of their number, so a document of the same field thousands of times is refused
    before it is validated."""
    if field_count(document, max_fields) > max_fields:
        raise catalogued(text(TOO_MANY_FIELDS, limit=max_fields), limit=max_fields)
    return document


class BoundedDocuments(SchemaExtension):
    """Parses with the token limit of the server's settings and validates, both in a worker thread.

    Takes the place of strawberry's ParserCache, ValidationCache and MaxTokensLimiter,
    which do the same on the event loop. A syntax error is raised from here and answered
    as strawberry answers its own.
    """

    def _max_tokens(self) -> int:
        settings = getattr(self.execution_context.context, "settings", None)
        return settings.graphql_max_tokens if isinstance(settings, Settings) else DEFAULT_MAX_TOKENS

    def _max_fields(self) -> int:
        settings = getattr(self.execution_context.context, "settings", None)
        return settings.graphql_max_fields if isinstance(settings, Settings) else DEFAULT_MAX_FIELDS

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        max_tokens, max_fields = self._max_tokens(), self._max_fields()
        # Should anything parse after all, it stops at the same limit.
        context.parse_options["max_tokens"] = max_tokens
        query = context.query
        if context.graphql_document is None and query:
            key = (query, max_tokens, max_fields)
            document = _parsed.get(key)
            if document is None:
                document = await _off_the_loop(lambda: _check_fields(_parse(query, max_tokens), max_fields))
                _parsed.put(key, query, document)
            context.graphql_document = document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document, rules = context.graphql_document, tuple(context.validation_rules)
        if context.pre_execution_errors is None and document is not None:
            # strawberry's `operation_name` falls back to the first operation's name: the name the
            # request gave is the one to check.
            asked = getattr(context, "_provided_operation_name", context.operation_name)
            unchosen = _unchosen_operation(document, asked)
            if unchosen is not None:
                context.pre_execution_errors = [unchosen]
        if context.pre_execution_errors is None and rules and document is not None and context.query:
            key = (context.query, rules)
            errors = _validated.get(key)
            if errors is None:
                schema = context.schema._schema
                errors = await _off_the_loop(lambda: validate_document(schema, document, rules))
                _validated.put(key, context.query, errors)
            context.pre_execution_errors = errors
        yield


_introspected: Kept[ExecutionResult] = Kept()


class IntrospectionOffTheLoop(SchemaExtension):
    """An operation that asks only about the schema is answered in a worker thread, and kept.

    graphql-core answers introspection with plain functions, one call per value, on the
    event loop: GraphiQL's introspection query takes a sixth of a second of it. The
    schema does not change while the process runs, so the answer to the same document
    with the same variables is kept (bounded as the parsed documents are).
    """

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if (
            context.result is None
            and document is not None
            and context.query
            and _asks_only_the_schema(document, context.operation_name)
        ):
            key = (context.query, context.operation_name, json.dumps(context.variables, sort_keys=True))
            result = _introspected.get(key)
            if result is None:
                schema = context.schema._schema
                result = await _off_the_loop(
                    lambda: execute_sync(
                        schema,
                        document,
                        variable_values=context.variables,
                        operation_name=context.operation_name,
                    )
                )
                if not result.errors:
                    _introspected.put(key, context.query, result)
            context.result = result
        yield


OPERATION_NOT_CHOSEN = "OPERATION_NOT_CHOSEN"


def _unchosen_operation(document: DocumentNode, operation_name: str | None) -> GraphQLError | None:
    """A document of several operations runs the one `operationName` names, and none without it
    (the GraphQL specification's GetOperation): running the first would run what nobody chose."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None and len(operations) > 1:
        return catalogued(text("OPERATION_NOT_CHOSEN:several"))
    if operation_name is not None and not any(d.name and d.name.value == operation_name for d in operations):
        return catalogued(text("OPERATION_NOT_CHOSEN:unknown", name=operation_name[:60]))
    return None


def _asks_only_the_schema(document: DocumentNode, operation_name: str | None) -> bool:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [d for d in operations if d.name is not None and d.name.value == operation_name]
    return (
        len(operations) == 1
        and operations[0].operation is OperationType.QUERY
        and only_introspection(operations[0])
    )
