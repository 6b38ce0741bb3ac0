"""The path of a request as the service's routes see it, with the root path taken off.

Behind a reverse proxy the service is reached under `ORGCHANGE_ROOT_PATH` (say
`/orgchange`); the proxy may pass that prefix on or strip it (docs/http.md#behind-a-reverse-proxy).
Starlette's router matches either way, and so must every middleware that looks at a path:
they ask here, never `scope["path"]` directly.
"""

from __future__ import annotations

from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """`/graphql` for a request to `/orgchange/graphql` under the root path `/orgchange`, or to `/graphql`.

    The same rule as Starlette's router: a path that starts with the root path (and a `/`
    after it) has it taken off; any other path is already the route's.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        rest = path[len(root) :]
        if rest == "" or rest.startswith("/"):
            return rest
    return path
