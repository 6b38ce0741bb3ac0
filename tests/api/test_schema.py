"""The GraphQL schema: docs/graphql.md#the-minimum-schema is all there, and no change to the SDL goes unnoticed.

To accept an intended change of the schema, regenerate the snapshot:

    ORGCHANGE_UPDATE_SCHEMA_SNAPSHOT=1 .venv/bin/pytest tests/api/test_schema.py

and review the diff of tests/api/schema.graphql like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

from graphql import GraphQLArgument, GraphQLObjectType, Undefined, ast_from_value, build_schema, print_ast

from api.graphql.schema import schema

HERE = Path(__file__).parent
SNAPSHOT = HERE / "schema.graphql"
CONTRACT = HERE / "contract.graphql"


def _default(arg: GraphQLArgument) -> str | None:
    """The default written in the contract's SDL, e.g. '100'."""
    node = arg.ast_node.default_value if arg.ast_node is not None else None
    return print_ast(node) if node is not None else None


def _served_default(arg: GraphQLArgument) -> str | None:
    if arg.default_value is Undefined:
        return None
    node = ast_from_value(arg.default_value, arg.type)
    return print_ast(node) if node is not None else None


def test_the_sdl_matches_the_snapshot() -> None:
    sdl = str(schema) + "\n"
    if os.environ.get("ORGCHANGE_UPDATE_SCHEMA_SNAPSHOT"):
        SNAPSHOT.write_text(sdl, encoding="utf-8")

    assert sdl == SNAPSHOT.read_text(encoding="utf-8"), (
        "the GraphQL schema changed; if that is intended, regenerate the snapshot "
        "(see this module's docstring)"
    )


def test_every_type_field_and_argument_of_the_contract_is_served() -> None:
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    served = schema._schema  # graphql-core's schema behind strawberry's
    missing: list[str] = []
    for name, contract_type in contract.type_map.items():
        if name.startswith("__") or not isinstance(contract_type, GraphQLObjectType):
            continue
        served_type = served.type_map.get(name)
        if not isinstance(served_type, GraphQLObjectType):
            missing.append(f"type {name}")
            continue
        for field_name, field in contract_type.fields.items():
            served_field = served_type.fields.get(field_name)
            if served_field is None:
                missing.append(f"{name}.{field_name}")
                continue
            if str(served_field.type) != str(field.type):
                missing.append(f"{name}.{field_name}: {served_field.type} is not {field.type}")
            for arg_name, arg in field.args.items():
                served_arg = served_field.args.get(arg_name)
                if served_arg is None:
                    missing.append(f"{name}.{field_name}({arg_name})")
                elif str(served_arg.type) != str(arg.type):
                    missing.append(f"{name}.{field_name}({arg_name}): {served_arg.type} is not {arg.type}")
                elif _default(arg) != _served_default(served_arg):
                    missing.append(f"{name}.{field_name}({arg_name}) default")
            # An extra argument is fine only if it is optional: old queries must still run.
            for arg_name, served_arg in served_field.args.items():
                if arg_name not in field.args and str(served_arg.type).endswith("!"):
                    missing.append(f"{name}.{field_name}({arg_name}) is required but not in the contract")

    assert missing == []


def test_the_contract_file_is_the_one_checked() -> None:
    # Guard against an empty or truncated copy making the test above vacuous.
    contract = build_schema(CONTRACT.read_text(encoding="utf-8"))
    assert len(contract.query_type.fields) == 13
    assert len(contract.mutation_type.fields) == 8
    assert len(contract.type_map["Unit"].fields) == 12
    assert len(contract.type_map["OrgDiff"].fields) == 6
    assert "reportTo" in contract.type_map["Change"].fields
    assert len(contract.type_map["Draft"].fields) == 6
    assert len(contract.type_map["SearchHit"].fields) == 6
    assert len(contract.type_map["DelegatedDecision"].fields) == 10
    first = contract.query_type.fields["changes"].args["first"]
    assert _default(first) == "100"
