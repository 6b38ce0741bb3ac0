"""`POST /graphql` (and GraphiQL at `GET /graphql`)."""

from __future__ import annotations

from importlib import resources

from strawberry.fastapi import GraphQLRouter

from .context import get_context
from .schema import schema

GRAPHIQL_PAGE = resources.files("orgchange") / "web" / "graphiql.html"


class OrgChangeGraphQLRouter(GraphQLRouter):
    """strawberry's router, with our own GraphiQL page in place of strawberry's.

    strawberry's page loads GraphiQL from a CDN with an inline script and keeps the
    headers typed into it (a token, too) in the browser's localStorage. Ours is
    served from this origin under its own Content-Security-Policy (api/headers.py),
    and keeps no header (orgchange/web/graphiql.js; docs/security.md).
    """

    @property
    def graphql_ide_html(self) -> str:
        return GRAPHIQL_PAGE.read_text(encoding="utf-8")


def graphql_router() -> GraphQLRouter:
    return OrgChangeGraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql",
        # The schema has no subscriptions; do not offer a WebSocket protocol.
        subscription_protocols=(),
    )
