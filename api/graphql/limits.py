"""Limits on what one GraphQL request may cost: an estimate before it runs, a count while it runs.

Depth, aliases and tokens bound the text of a query, not its answer: a query of
depth 8 such as `units { parent { children { parent { children … } } } }` walks
the same units again and again, and its answer grows with every level. Two
limits keep such a query from occupying the server:

* **Cost**, checked before anything runs (a validation rule). The cost is an
  estimate of the number of values in the answer: every field counts once for
  each time it can appear, and a list multiplies what is below it by its page
  size (`first`, as given or by default) or, for lists without paging, by
  `LIST_ESTIMATE`. Introspection (`__schema`, `__type`) is not charged: the
  schema is fixed and small, and a public register keeps it open to everyone.
* **Result size**, counted while the query runs: every unit, post, delegation,
  link or change fetched for a nested field is charged to the request's budget,
  so a query whose lists turn out longer than estimated stops when it has
  fetched `max_items` of them. The whole answer is then refused with one error;
  a half answer would look complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
RESULT_TOO_LARGE = "RESULT_TOO_LARGE"

# A list without `first` is assumed to hold this many items (a board's units, a unit's posts …).
LIST_ESTIMATE = 10


# --- cost, before the query runs --------------------------------------------------------------


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    """The named type under NonNull/List wrappers, and whether there was a list."""
    is_list = False
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(graphql_type, GraphQLList)
        graphql_type = graphql_type.of_type
    return graphql_type, is_list


class _CostEstimate:
    def __init__(self, context: ValidationContext, max_page_size: int):
        self.context = context
        self.max_page_size = max_page_size
        self.variables: dict[str, Any] = {}

    def of_operation(self, operation: OperationDefinitionNode) -> int:
        self.variables = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        schema = self.context.schema
        root = {
            "query": schema.query_type,
            "mutation": schema.mutation_type,
            "subscription": schema.subscription_type,
        }[operation.operation.value]
        if root is None:
            return 0
        return self._selections(operation.selection_set, root, 1, None, frozenset())

    def _page(self, field: FieldNode, definition: Any) -> int | None:
        """The page size of a field that takes `first`; None for other fields."""
        if "first" not in definition.args:
            return None
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
                if value is None:  # given at run time: assume the largest page allowed
                    return self.max_page_size
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), self.max_page_size))
            return self.max_page_size
        default = definition.args["first"].default_value
        return default if isinstance(default, int) else self.max_page_size

    def _selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        multiplier: int,
        page: int | None,
        fragments_seen: frozenset[str],
    ) -> int:
        if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost += self._field(selection, parent, multiplier, page, fragments_seen)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.context.schema.get_type(selection.type_condition.name.value) or parent
                cost += self._selections(selection.selection_set, target, multiplier, page, fragments_seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in fragments_seen:  # unknown or cyclic: reported elsewhere
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                cost += self._selections(
                    fragment.selection_set, target, multiplier, page, fragments_seen | {name}
                )
        return cost

    def _field(
        self, field: FieldNode, parent: Any, multiplier: int, page: int | None, fragments_seen: frozenset[str]
    ) -> int:
        name = field.name.value
        if name.startswith("__"):  # introspection: the schema is fixed and public
            return 0
        definition = parent.fields.get(name)
        if definition is None:  # an unknown field is another rule's error
            return 0
        named, is_list = _unwrap(definition.type)
        own_page = self._page(field, definition)
        factor = 1
        if is_list:
            factor = own_page if own_page is not None else page if page is not None else LIST_ESTIMATE
        below = self._selections(
            field.selection_set, named, multiplier * factor, own_page if not is_list else None, fragments_seen
        )
        return multiplier + below


def cost_rule(max_cost: int, max_page_size: int) -> type[ValidationRule]:
    """A validation rule refusing a query whose estimated cost is over `max_cost`."""

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = _CostEstimate(self.context, max_page_size).of_operation(node)
            if cost > max_cost:
                self.report_error(
                    GraphQLError(
                        f"the query would cost about {cost:,} (the limit is {max_cost:,}): nested lists "
                        "multiply what is below them; ask for fewer nested lists, or a smaller page "
                        "with `first`",
                        node,
                        extensions={"code": QUERY_TOO_COSTLY, "cost": cost, "limit": max_cost},
                    )
                )

    return QueryCostRule


def query_cost(schema: Any, query: str, max_page_size: int) -> int:
    """The estimated cost of each operation of `query`, summed (for documentation and tests)."""
    from graphql import TypeInfo, parse
    from graphql.validation import ValidationContext as Context

    document = parse(query)
    context = Context(schema, document, TypeInfo(schema), lambda error: None)
    estimate = _CostEstimate(context, max_page_size)
    return sum(
        estimate.of_operation(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


# --- result size, while the query runs ---------------------------------------------------------


class ResultBudget:
    """How many items one request may still fetch for nested fields."""

    def __init__(self, max_items: int):
        self.max_items = max_items
        self.spent = 0

    def spend(self, items: int) -> None:
        self.spent += items
        if self.spent > self.max_items:
            raise GraphQLError(
                f"the answer would hold more than {self.max_items:,} units, posts, delegations and "
                "links; ask for fewer nested lists, or a part of the organisation (e.g. `unit` with "
                "its `children`)",
                extensions={"code": RESULT_TOO_LARGE, "limit": self.max_items},
            )


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

    def load(self, key: Any) -> Any:  # type: ignore[override]
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
            first = too_large[0]
            result.data = None  # type: ignore[union-attr]
            result.errors = [GraphQLError(first.message, extensions=first.extensions)]  # type: ignore[union-attr]
