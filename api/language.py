"""The language of an answer: Swedish, or English when the request's `Accept-Language` prefers it.

Every message of the API is a `Text` of the catalogue (orgchange/domain/messages.py),
put into words while the request is answered (docs/http.md#languages). The middleware
reads `Accept-Language` once, before anything else sees the request, and renders
everything of that request in its language; the answer says which (`Content-Language`)
and that it depends on the header (`Vary`).

The header is read within bounds: its first `MAX_HEADER_CHARS` characters, its first
`MAX_RANGES` language ranges; a range that is not well formed is skipped, never an error.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orgchange.domain.messages import DEFAULT_LANGUAGE, LANGUAGES, speaking

MAX_HEADER_CHARS = 1_000
MAX_RANGES = 32
# A language range (RFC 9110 §12.5.4, RFC 4647 §2.1) and its weight.
_RANGE = re.compile(r"^(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_WEIGHT = re.compile(r"^[qQ]=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")


def negotiate(header: str | None) -> str:
    """The language of the answer to a request with this `Accept-Language`.

    The supported language with the highest weight (`q`, 1 when not given); of equal
    weights the one named first. `*` stands for Swedish; `q=0` refuses a language.
    Nothing supported, or no header: Swedish.
    """
    if not header:
        return DEFAULT_LANGUAGE
    best, best_weight = DEFAULT_LANGUAGE, 0.0
    refused: set[str] = set()
    for part in header[:MAX_HEADER_CHARS].split(",")[:MAX_RANGES]:
        tag, *parameters = (piece.strip() for piece in part.split(";"))
        if not _RANGE.match(tag):
            continue
        weight = 1.0
        for parameter in parameters:
            matched = _WEIGHT.match(parameter.replace(" ", ""))
            if matched is None:
                weight = -1.0  # a malformed weight: the range is skipped
                break
            weight = float(matched.group(1))
        if weight < 0:
            continue
        language = DEFAULT_LANGUAGE if tag == "*" else tag.split("-", 1)[0].lower()
        if language not in LANGUAGES:
            continue
        if weight == 0:
            refused.add(language)
            continue
        if weight > best_weight and language not in refused:
            best, best_weight = language, weight
    if best in refused:
        remaining = [language for language in LANGUAGES if language not in refused]
        return remaining[0] if remaining else DEFAULT_LANGUAGE
    return best


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class AnswerLanguage:
    """Renders every message of a request in the language it asks for (outermost middleware)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = negotiate(_header(scope, b"accept-language"))

        async def say_which(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", ()))
                headers.append((b"content-language", language.encode()))
                headers.append((b"vary", b"Accept-Language"))
                message = {**message, "headers": headers}
            await send(message)

        with speaking(language):
            await self.app(scope, receive, say_which)
