"""Security headers on every response: a Content-Security-Policy, nosniff, framing, referrer.

A pure ASGI middleware around the whole application (outside even Starlette's
error handler, see `wrap`), so that every answer carries them: the web page and
its files, the API's JSON, documents and diagrams, a 404, a 422, a 413 from the
body-size limit and a 500 alike.

Which policy a response gets depends on what it is (docs/security.md):

* the web page and everything else: scripts and styles only from this origin,
  no inline script or style, no `eval`; pictures also as `data:`; framed by no one;
* GraphiQL (`/graphql` answered with HTML): its own files, served from this
  origin like the page's, plus the inline styles its dialogs write;
* the API documentation (`/docs`): Swagger UI's script and stylesheet, served
  from this origin like GraphiQL's, and nothing inline;
* documents, diagrams and open data (`/reports/`, `/documents/`, `/diagrams/`,
  `/opendata/`): no script at all; their own inline `<style>`; a review pack
  (`/reports/`) may be framed by this origin, as the page's review view does.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .paths import route_path

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# GraphiQL's dialogs write a <style> element of their own (react-remove-scroll-bar): inline
# style is allowed on its page, inline script is not.
GRAPHIQL_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Swagger UI's files are served from this origin (orgchange/web/vendor), like GraphiQL's.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
)
DOCUMENT_POLICY = _DOCUMENT_POLICY.format(ancestors="'none'")
FRAMED_DOCUMENT_POLICY = _DOCUMENT_POLICY.format(ancestors="'self'")

DOCUMENT_PREFIXES = ("/reports/", "/documents/", "/diagrams/", "/opendata/")
FRAMED_PREFIX = "/reports/"


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.lower().startswith(b"text/html")
    return False


def _is_proposal(path: str) -> bool:
    """A draft's decision document (`/drafts/{id}/proposal.html`): a printable document with its
    styles inline, like the review packs, not the page."""
    return path.startswith("/drafts/") and path.endswith("/proposal.html")


def policy_for(path: str, html: bool) -> tuple[str, bytes]:
    """The Content-Security-Policy and X-Frame-Options of a response to `path`."""
    if path.startswith(DOCUMENT_PREFIXES) or _is_proposal(path):
        if path.startswith(FRAMED_PREFIX):
            return FRAMED_DOCUMENT_POLICY, b"SAMEORIGIN"
        return DOCUMENT_POLICY, b"DENY"
    if path == "/graphql" and html:
        return GRAPHIQL_POLICY, b"DENY"
    if path == "/docs":
        return DOCS_POLICY, b"DENY"
    return PAGE_POLICY, b"DENY"


def security_headers(path: str, html: bool) -> list[tuple[bytes, bytes]]:
    """The security headers of a response to `path` (lower-case names)."""
    policy, frame_options = policy_for(path, html)
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", frame_options),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


class SecurityHeaders:
    """Adds the security headers to every HTTP response; the app's own values are replaced."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope) if "path" in scope else ""

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                ours = dict(security_headers(path, _is_html(headers)))
                headers = [(name, value) for name, value in headers if name.lower() not in ours]
                headers.extend(ours.items())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wrap(
    build: Callable[[], ASGIApp], outside: Callable[[ASGIApp], ASGIApp] = lambda app: app
) -> Callable[[], ASGIApp]:
    """`build_middleware_stack` of an app, with `SecurityHeaders` outside all of it (and `outside`
    outside that: the log and metrics of each request, api/observability.py).

    Starlette always puts its `ServerErrorMiddleware` outermost, and that one sends
    the 500 of an unexpected error itself: a middleware added the usual way would
    never see it.
    """

    def build_with_headers() -> ASGIApp:
        return outside(SecurityHeaders(build()))

    return build_with_headers
