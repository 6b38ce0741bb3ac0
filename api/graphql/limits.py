"""Limits on what one GraphQL request may cost: an estimate before it runs, a count while it runs.

Depth, aliases and tokens bound the text of a query, not its answer: a query of
depth 8 such as `units { parent { children { parent { children … } } } }` walks
the same units again and again, and its answer grows with every level. Two
limits keep such a query from occupying the server:

* **Cost**, checked before anything runs (a validation rule). The cost is an
  estimate of the number of values in the answer: every field counts once for
  each time it can appear, and a list multiplies what is below it by its page
  size (`first`, as given or by default) or, for lists without paging, by
  `LIST_ESTIMATE`; a variable for `first` counts as the largest page, whatever its
  default. Introspection (`__schema`, `__type`) is charged the same way, its
  lists as long as the schema's own are on average; an operation that asks only
  about the schema has a limit of its own (`MAX_INTROSPECTION_COST`), as the
  estimate counts every `ofType` of a type reference that is mostly null.
* **Result size**, counted while the query runs: every unit, post, delegation,
  link or change fetched for a nested field is charged to the request's budget,
  so a query whose lists turn out longer than estimated stops when it has
  fetched `max_items` of them. The whole answer is then refused with one error;
  a half answer would look complete.

The measures of a document's text — cost, depth and aliases — are taken in one
walk that is linear in the size of the document: a fragment is measured once
and its measure reused wherever it is spread. Walking every path instead would
be exponential: twenty fragments, each spreading the next twice, are 810 bytes
and a million paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValidationContext,
    ValidationRule,
)
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from orgchange.domain.messages import text

from .catalogued import TEXT_ATTRIBUTE, catalogued, text_of

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
RESULT_TOO_LARGE = "RESULT_TOO_LARGE"

# A list without `first` is assumed to hold this many items (a board's units, a unit's posts …).
LIST_ESTIMATE = 10
# Fields whose every call costs the database work of its own beyond the items it returns: a
# count over everything the filters select and a page found by its offset (delegatedDecisions
# over hundreds of thousands of decisions). Each call is charged this much more, so that one
# request cannot ask for the same work under many aliases (docs/security.md).
CALL_COSTS: dict[tuple[str, str], int] = {("Query", "delegatedDecisions"): 5_000}
# Measures are exact up to here and stop growing beyond it: a document of 5,000 tokens can
# describe an answer of 2^2,000 values, a number no message should print.
CEILING = 10**15


# --- cost, depth and aliases, before the query runs -------------------------------------------


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    """The named type under NonNull/List wrappers, and whether there was a list."""
    is_list = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


@dataclass(frozen=True)
class Measure:
    """What one operation asks for: its estimated cost, its depth, its aliases."""

    cost: int
    depth: int
    aliases: int


class _Measuring:
    """Measures the operations of one document; each fragment is walked once per way it is used.

    The cost of a selection grows in proportion to how often its parent can appear (a
    field costs `multiplier` plus what is below it, times its list's length), so the cost
    of a fragment is kept for a multiplier of one and scaled. A fragment's depth and
    aliases do not depend on where it is spread. Keys hold the page size in force (a field
    with `first` hands it to the list below it) and, for a fragment on an unknown type,
    the type it was spread on.
    """

    def __init__(self, schema: Any, fragments: dict[str, FragmentDefinitionNode], max_page_size: int):
        self.schema = schema
        self.fragments = fragments
        self.max_page_size = max_page_size
        self._costs: dict[tuple[str, str, int | None], int] = {}
        self._shapes: dict[str, tuple[int, int]] = {}  # fragment -> (depth, aliases)
        self._open: set[Any] = set()  # fragments being measured: a cycle counts nothing

    def of_operation(self, operation: OperationDefinitionNode) -> Measure:
        root = {
            "query": self.schema.query_type,
            "mutation": self.schema.mutation_type,
            "subscription": self.schema.subscription_type,
        }[operation.operation.value]
        depth, aliases = self._shape(operation.selection_set)
        cost = 0 if root is None else self._cost(operation.selection_set, root, None)
        return Measure(cost=cost, depth=depth, aliases=aliases)

    # cost

    def _page(self, field: FieldNode, definition: Any) -> int | None:
        """The page size of a field that takes `first`; None for other fields."""
        if "first" not in definition.args:
            return None
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            # A variable is given at run time, whatever its default: the largest page allowed.
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), self.max_page_size))
            return self.max_page_size
        default = definition.args["first"].default_value
        return default if isinstance(default, int) else self.max_page_size

    def _cost(self, selection_set: SelectionSetNode | None, parent: Any, page: int | None) -> int:
        """The cost of a selection set whose parent appears once."""
        if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self._field_cost(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                cost += self._cost(selection.selection_set, target, page)
            elif isinstance(selection, FragmentSpreadNode):
                cost += self._fragment_cost(selection.name.value, parent, page)
        return min(cost, CEILING)

    def _fragment_cost(self, name: str, parent: Any, page: int | None) -> int:
        fragment = self.fragments.get(name)
        if fragment is None:  # unknown: another rule's error
            return 0
        target = self.schema.get_type(fragment.type_condition.name.value)
        key = (name, "" if target is not None else parent.name, page)
        if key in self._costs:
            return self._costs[key]
        if ("cost", key) in self._open:  # a cycle: another rule's error
            return 0
        self._open.add(("cost", key))
        try:
            cost = self._cost(fragment.selection_set, target or parent, page)
        finally:
            self._open.discard(("cost", key))
        self._costs[key] = cost
        return cost

    def _field_cost(self, field: FieldNode, parent: Any, page: int | None) -> int:
        name = field.name.value
        if name == "__typename":
            return 0
        definition = _META_FIELDS[name] if name in _META_FIELDS else parent.fields.get(name)
        if definition is None:  # an unknown field is another rule's error
            return 0
        named, is_list = _unwrap(definition.type)
        own_page = self._page(field, definition)
        factor = 1
        if is_list:
            factor = own_page if own_page is not None else page if page is not None else LIST_ESTIMATE
            if parent.name.startswith("__"):  # a list of the schema's own: as long as it is
                factor = _introspection_lists(self.schema).get((parent.name, name), LIST_ESTIMATE)
        below = self._cost(field.selection_set, named, own_page if not is_list else None)
        return min(1 + CALL_COSTS.get((parent.name, name), 0) + factor * below, CEILING)

    # depth and aliases (as strawberry's QueryDepthLimiter and MaxAliasesLimiter count them)

    def _shape(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """The depth of a selection set (a field with a selection counts one level, an
        introspection field none) and the aliases in it, fragments spread included."""
        if selection_set is None:
            return 0, 0
        depth = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below_depth, below_aliases = self._shape(selection.selection_set)
                aliases += below_aliases + (1 if selection.alias else 0)
                if selection.selection_set and not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + below_depth)
            elif isinstance(selection, InlineFragmentNode):
                below_depth, below_aliases = self._shape(selection.selection_set)
                depth, aliases = max(depth, below_depth), aliases + below_aliases
            elif isinstance(selection, FragmentSpreadNode):
                below_depth, below_aliases = self._fragment_shape(selection.name.value)
                depth, aliases = max(depth, below_depth), aliases + below_aliases
        return depth, min(aliases, CEILING)

    def _fragment_shape(self, name: str) -> tuple[int, int]:
        if name in self._shapes:
            return self._shapes[name]
        fragment = self.fragments.get(name)
        if fragment is None or ("shape", name) in self._open:  # unknown or cyclic: reported elsewhere
            return 0, 0
        self._open.add(("shape", name))
        try:
            shape = self._shape(fragment.selection_set)
        finally:
            self._open.discard(("shape", name))
        self._shapes[name] = shape
        return shape


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


@lru_cache(maxsize=8)
def _introspection_lists(schema: Any) -> dict[tuple[str, str], int]:
    """How long each list of the introspection types is in `schema`, on average where it is
    not empty (rounded up): the schema's types, a type's fields, a field's arguments …

    Introspection is charged like any other query: a query that follows `fields { type {
    fields { type … } } }` through the schema grows with every level like nested lists of
    units do, and GraphiQL's own introspection query costs what its answer holds.
    """
    types = list(schema.type_map.values())

    def mean(lengths: list[int]) -> int:
        lengths = [n for n in lengths if n]
        return max(1, -(-sum(lengths) // len(lengths))) if lengths else 1

    with_fields = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
    fields = [f for t in with_fields for f in t.fields.values()]
    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): max(1, len(schema.directives)),
        ("__Type", "fields"): mean([len(t.fields) for t in with_fields]),
        ("__Type", "inputFields"): mean(
            [len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)]
        ),
        ("__Type", "enumValues"): mean([len(t.values) for t in types if isinstance(t, GraphQLEnumType)]),
        ("__Type", "interfaces"): mean([len(t.interfaces) for t in with_fields]),
        ("__Type", "possibleTypes"): mean(
            [
                len(schema.get_possible_types(t))
                for t in types
                if isinstance(t, GraphQLInterfaceType | GraphQLUnionType)
            ]
        ),
        ("__Field", "args"): mean([len(f.args) for f in fields]),
        ("__Directive", "args"): mean([len(d.args) for d in schema.directives]),
        ("__Directive", "locations"): mean([len(d.locations) for d in schema.directives]),
    }


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def measure(schema: Any, document: DocumentNode, max_page_size: int) -> dict[str, Measure]:
    """The measure of each operation of `document`, by name ("anonymous" for one without)."""
    measuring = _Measuring(schema, _fragments(document), max_page_size)
    return {
        (d.name.value if d.name else "anonymous"): measuring.of_operation(d)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def only_introspection(operation: OperationDefinitionNode) -> bool:
    """Does the operation ask only about the schema (`__schema`, `__type`, `__typename`)?"""
    return all(
        isinstance(s, FieldNode) and s.name.value.startswith("__") for s in operation.selection_set.selections
    )


def limits_rule(
    max_depth: int,
    max_aliases: int,
    max_cost: int,
    max_page_size: int,
    max_introspection_cost: int | None = None,
) -> type[ValidationRule]:
    """A validation rule refusing a document too deep, with too many aliases, or too costly.

    Depth is checked per operation and aliases over the whole document, in the words of
    strawberry's own limiters (which walk every path of every fragment, and take time
    exponential in the nesting of fragments to do so); cost per operation.
    """

    class DocumentLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            document = context.document
            measuring = _Measuring(context.schema, _fragments(document), max_page_size)
            aliases = 0
            for operation in document.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                try:
                    found = measuring.of_operation(operation)
                except RecursionError:  # fragments spread within fragments hundreds deep
                    self.report_error(
                        catalogued(text("QUERY_TOO_DEEP:fragments"), operation, limit=max_depth)
                    )
                    return
                aliases += found.aliases
                name = operation.name.value if operation.name else "anonymous"
                if found.depth > max_depth:
                    self.report_error(
                        catalogued(
                            text("QUERY_TOO_DEEP", name=name, limit=max_depth), operation, limit=max_depth
                        )
                    )
                limit = max_cost
                if max_introspection_cost is not None and only_introspection(operation):
                    limit = max_introspection_cost
                if found.cost > limit:
                    self.report_error(
                        catalogued(
                            text("QUERY_TOO_COSTLY", cost=f"{found.cost:,}", limit=f"{limit:,}"),
                            operation,
                            cost=found.cost,
                            limit=limit,
                        )
                    )
            if aliases > max_aliases:
                self.report_error(
                    catalogued(
                        text("TOO_MANY_ALIASES", aliases=aliases, limit=max_aliases), limit=max_aliases
                    )
                )

    return DocumentLimitsRule


def query_cost(schema: Any, query: str, max_page_size: int) -> int:
    """The estimated cost of each operation of `query`, summed (for documentation and tests)."""
    from graphql import parse

    return sum(m.cost for m in measure(schema, parse(query), max_page_size).values())


# --- result size, while the query runs ---------------------------------------------------------


class ResultBudget:
    """How many items one request may still fetch for nested fields."""

    def __init__(self, max_items: int):
        self.max_items = max_items
        self.spent = 0

    def spend(self, items: int) -> None:
        self.spent += items
        if self.spent > self.max_items:
            raise catalogued(text("RESULT_TOO_LARGE", limit=f"{self.max_items:,}"), limit=self.max_items)


def _size(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if type(value) is tuple:  # (predecessors, successors); a row is a named tuple, and one item
        return sum(len(part) for part in value)
    return 1


class CountedDataLoader(DataLoader):
    """A DataLoader that charges every value it hands out to the request's budget.

    Each `load` is charged, cached or not: a query that asks for the same children
    a thousand times builds a thousand answers.
    """

    def __init__(self, budget: ResultBudget, **kwargs: Any):
        super().__init__(**kwargs)
        self.budget = budget

    def load(self, key: Any) -> Any:
        return self._counted(super().load(key))

    async def _counted(self, pending: Any) -> Any:
        value = await pending
        self.budget.spend(_size(value))
        return value


class ResultSizeLimiter(SchemaExtension):
    """One error instead of a half answer when the budget ran out."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        too_large = [e for e in errors if (e.extensions or {}).get("code") == RESULT_TOO_LARGE]
        if too_large:
            assert result is not None  # it has errors
            first = too_large[0]
            result.data = None
            kept = GraphQLError(first.message, extensions=first.extensions)
            if text_of(first) is not None:
                setattr(kept, TEXT_ATTRIBUTE, text_of(first))
            result.errors = [kept]
