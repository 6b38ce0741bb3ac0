"""`POST /graphql` (and GraphiQL at `GET /graphql`)."""

from __future__ import annotations

from strawberry.fastapi import GraphQLRouter

from .context import get_context
from .schema import schema


def graphql_router() -> GraphQLRouter:
    return GraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql",
        # The schema has no subscriptions; do not offer a WebSocket protocol.
        subscription_protocols=(),
    )
