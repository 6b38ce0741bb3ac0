"""`POST /graphql` (and GraphiQL at `GET /graphql`)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.http import process_result as strawberry_process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from .cache import TRANSIENT_CODES, UNCACHEABLE
from .catalogued import request_refused, said
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

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Every error with a code and in the request's language (api/graphql/catalogued.py)."""
        answer = strawberry_process_result(result)
        errors = getattr(result, "errors", None)
        if isinstance(answer, dict) and errors:
            shown = [said(error) for error in errors]
            answer["errors"] = list[object](shown)
            codes = {(e.get("extensions") or {}).get("code") for e in shown}
            if codes & TRANSIENT_CODES:  # true now, not for as long as the register is unchanged
                request.scope[UNCACHEABLE] = True
        return answer

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """strawberry's refusal of a request (no query, a mutation by GET) as a GraphQL answer
        with a code, in the request's language, not as English plain text."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        except HTTPException as refused:
            return JSONResponse(request_refused(refused.reason), status_code=refused.status_code)


def graphql_router() -> GraphQLRouter:
    return OrgChangeGraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql",
        # The schema has no subscriptions; do not offer a WebSocket protocol.
        subscription_protocols=(),
    )
