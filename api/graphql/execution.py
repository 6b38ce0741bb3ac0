"""A faster way through objects whose selected fields are all plain attributes.

graphql-core resolves and completes every field of every object on its own:
for `organisation { units { id name kind parentId ownerId } }` over 10,000
units that is 50,000 resolver calls, each with its own resolve-info object, and
most of the time of the request. When every field selected on an object is a
*plain* field — a strawberry field without a resolver or field extensions,
without arguments or directives, whose type is a scalar — its value is the
attribute itself, serialised by the scalar: exactly what graphql-core would do,
in one dictionary comprehension. Anything else (a resolver, a null where the
schema says non-null, a value its scalar refuses, @defer) takes the ordinary
way, which also reports the error as usual.

`tests/api/test_execution.py` runs the same queries through both and compares.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter


class _Plain(NamedTuple):
    response_name: str
    attribute: str | None  # None: __typename
    serialize: Any
    nullable: bool


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (the set, kept alive so its id stays its own; plan or None)
        self._plans: dict[int, tuple[Any, list[_Plain] | None]] = {}
        self.plain_objects = 0  # objects answered the faster way (for the tests)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan_of(parent_type, grouped_field_set)
        if plan is not None:
            try:
                result = _plainly(plan, source_value, parent_type.name)
            except Exception:  # a value the scalar refuses: the ordinary way reports it
                result = None
            if result is not None:
                self.plain_objects += 1
                return result
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        """A list of objects with plain fields only is answered in one loop, not item by item."""
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if isinstance(object_type, GraphQLObjectType) and object_type.is_type_of is None:
            collected = self.collect_subfields(object_type, field_details_list)
            plan = None
            if not collected.new_defer_usages and not collected.forbidden_directive_instances:
                plan = self._plan_of(object_type, collected.grouped_field_set)
            if plan is not None:
                items = list(items)
                try:
                    answers = [_plainly(plan, item, object_type.name) for item in items]
                except Exception:  # a value the scalar refuses: the ordinary way reports it
                    answers = [None]
                if None not in answers:
                    self.plain_objects += len(answers)
                    return answers
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Plain] | None:
        known = self._plans.get(id(grouped_field_set))
        if known is None:
            known = (grouped_field_set, self._plan(parent_type, grouped_field_set))
            self._plans[id(grouped_field_set)] = known
        return known[1]

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[_Plain] | None:
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return None  # field middleware must see every field
        plan = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            if any(d.defer_usage is not None or d.node.arguments or d.node.directives for d in details):
                return None
            if node.name.value == "__typename":
                plan.append(_Plain(response_name, None, None, False))
                continue
            field_def = self.schema.get_field(parent_type, node.name.value)
            if field_def is None or field_def.args or not getattr(field_def.resolve, "_is_default", False):
                return None
            definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or not definition.is_basic_field:
                return None
            nullable = not isinstance(field_def.type, GraphQLNonNull)
            scalar = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
            if not isinstance(scalar, GraphQLScalarType):
                return None
            plan.append(_Plain(response_name, definition.python_name, scalar.serialize, nullable))
        return plan


def _plainly(plan: list[_Plain], source: Any, type_name: str) -> dict[str, Any] | None:
    """The object's answer, or None if anything in it needs the ordinary way."""
    if source is None:
        return None
    result: dict[str, Any] = {}
    for field in plan:
        if field.attribute is None:
            result[field.response_name] = type_name
            continue
        value = getattr(source, field.attribute)
        if value is None:
            if not field.nullable:
                return None
            result[field.response_name] = None
            continue
        serialized = field.serialize(value)
        if serialized is None or serialized is Undefined:
            return None
        result[field.response_name] = serialized
    return result
