"""Every GraphQL error in the words of the catalogue, with a code, in the language of the request.

Three kinds of error reach an answer:

* the register's own, raised with a `Text` of the catalogue (orgchange/domain/messages.py):
  `catalogued` makes them, and keeps the `Text` on the error, so that an error kept with a
  validated document (api/graphql/documents.py) is put into words again for each request,
  in its language, not in the language of the request that was validated first;
* graphql-core's (a syntax error, an unknown field or argument, a value of the wrong type, a
  variable that does not fit): their sentences have fixed forms, which `in_words` recognises
  and says in the catalogue's words under `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`
  or `BAD_USER_INPUT`; a sentence of no known form keeps graphql-core's words behind the
  catalogue's Swedish or English opening, so no error is ever without a code;
* strawberry's refusals of a request before any document is read (no query, a mutation by
  GET): `request_refused` answers them as a GraphQL response with `GRAPHQL_REQUEST_INVALID`.

docs/errors.md#graphql lists the codes.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

from orgchange.domain.errors import OrgChangeError
from orgchange.domain.messages import Text, text

# A GraphQLError's attribute holding its `Text` (graphql-core's errors have no such field).
TEXT_ATTRIBUTE = "orgchange_text"

GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_REQUEST_INVALID = "GRAPHQL_REQUEST_INVALID"
INTERNAL_ERROR = "INTERNAL_ERROR"
BAD_USER_INPUT = "BAD_USER_INPUT"


def catalogued(
    message: Text, *nodes: Any, source: Any = None, positions: Any = None, **extensions: Any
) -> GraphQLError:
    """A GraphQL error saying `message`, with its code (unless `extensions` names another)."""
    error = GraphQLError(
        message.render(),
        list(nodes) or None,
        source=source,
        positions=positions,
        extensions={"code": message.code, **extensions},
    )
    setattr(error, TEXT_ATTRIBUTE, message)
    return error


def text_of(error: GraphQLError) -> Text | None:
    """The catalogue's `Text` an error was made with, if it was."""
    found = getattr(error, TEXT_ATTRIBUTE, None)
    return found if isinstance(found, Text) else None


# --- graphql-core's sentences ------------------------------------------------------------------
_DID_YOU_MEAN = re.compile(r"^(?P<sentence>.*?) Did you mean (?P<names>.+)\?$", re.DOTALL)
_QUOTED = re.compile(r"'([^']*)'")
_VALIDATION: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Cannot query field '(?P<field>[^']*)' on type '(?P<type>[^']*)'\."), "unknown-field"),
    (
        re.compile(r"Unknown argument '(?P<argument>[^']*)' on (?:field|directive) '(?P<field>[^']*)'\."),
        "unknown-argument",
    ),
    (
        re.compile(
            r"(?:Field|Argument|Directive) '(?P<argument>[^']*)' (?:argument '[^']*' )?of type "
            r"'(?P<type>[^']*)' is required, but it was not provided\."
        ),
        "missing-argument",
    ),
    (
        re.compile(
            r"Field '(?P<field>[^']*)' of type '(?P<type>[^']*)' must have a selection of subfields\."
        ),
        "needs-selection",
    ),
    (
        re.compile(
            r"Field '(?P<field>[^']*)' must not have a selection since type '(?P<type>[^']*)' "
            r"has no subfields\."
        ),
        "no-selection",
    ),
    (
        re.compile(
            r"Expected value of type '(?P<type>[^']*)', but encountered error '(?P<reason>.*)'; "
            r"found: (?P<value>.*)\.",
            re.DOTALL,
        ),
        "wrong-value-because",
    ),
    (
        re.compile(
            r"Expected value of type '(?P<type>[^']*)', found (?P<value>.*?)(?:; (?P<reason>.*))?\.",
            re.DOTALL,
        ),
        "wrong-value",
    ),
    (
        re.compile(
            r"Variable '(?P<variable>[^']*)' of type '(?P<type>[^']*)' used in position expecting "
            r"type '(?P<expected>[^']*)'\."
        ),
        "variable-position",
    ),
    (
        re.compile(r"Variable '(?P<variable>[^']*)' is not defined(?: by operation '[^']*')?\."),
        "variable-undefined",
    ),
    (
        re.compile(r"Variable '(?P<variable>[^']*)' is never used(?: in operation '[^']*')?\."),
        "variable-unused",
    ),
    (re.compile(r"Unknown type '(?P<type>[^']*)'\."), "unknown-type"),
    (re.compile(r"Unknown directive '(?P<directive>[^']*)'\."), "unknown-directive"),
]
_VARIABLE_VALUE = re.compile(r"Variable '(?P<variable>[^']*)' has invalid value: (?P<reason>.*)$", re.DOTALL)
_VARIABLE_MISSING = re.compile(
    r"Variable '(?P<variable>[^']*)' (?:of required type '(?P<type>[^']*)' was not provided|"
    r"has invalid value: Expected a value of non-null type '(?P<type2>[^']*)' to be provided)\.$"
)
_SYNTAX = re.compile(r"^Syntax Error: (?P<detail>.*)$", re.DOTALL)
_EXPECTED = re.compile(r"^Expected (?P<expected>.+?), found (?P<found>.+)\.$", re.DOTALL)
_UNEXPECTED = re.compile(r"^Unexpected (?P<found>.+)\.$", re.DOTALL)
_TOKENS = re.compile(r"^Document contains more than (?P<limit>\d+) tokens\. Parsing aborted\.$")


def _reason_of(error: BaseException | None) -> Text | None:
    """The catalogue's words for why a scalar refused a value (a ValueError holding a `Text`)."""
    seen = 0
    while error is not None and seen < 8:
        if error.args and isinstance(error.args[0], Text):
            return error.args[0]
        error = getattr(error, "original_error", None) or error.__cause__
        seen += 1
    return None


def _validation(message: str, original: BaseException | None) -> Text:
    hint = _DID_YOU_MEAN.match(message)
    sentence = hint.group("sentence") if hint else message
    for pattern, key in _VALIDATION:
        matched = pattern.fullmatch(sentence)
        if matched is None:
            continue
        params = {name: value for name, value in matched.groupdict().items() if value is not None}
        if key == "wrong-value" and "reason" in params:
            key = "wrong-value-because"
        if key == "wrong-value-because":
            params["reason"] = _reason_of(original) or params["reason"]
        found = text(f"GRAPHQL_VALIDATION_FAILED:{key}", **params)
        if hint and key != "needs-selection":  # its hint is in the sentence already
            names = ", ".join(f"'{name}'" for name in _QUOTED.findall(hint.group("names")))
            return text("GRAPHQL_VALIDATION_FAILED:did-you-mean", sentence=found, names=names)
        return found
    return text(GRAPHQL_VALIDATION_FAILED, detail=message)


def _syntax(detail: str) -> Text:
    end = text("GRAPHQL_PARSE_FAILED:end")
    matched = _EXPECTED.match(detail)
    if matched:
        found = matched.group("found")
        return text(
            "GRAPHQL_PARSE_FAILED:expected",
            expected=matched.group("expected"),
            found=end if found == "<EOF>" else found,
        )
    matched = _UNEXPECTED.match(detail)
    if matched:
        found = matched.group("found")
        return text("GRAPHQL_PARSE_FAILED:unexpected", found=end if found == "<EOF>" else found)
    if detail == "Unterminated string.":
        return text("GRAPHQL_PARSE_FAILED:unterminated")
    return text(GRAPHQL_PARSE_FAILED, detail=detail)


def in_words(error: GraphQLError) -> Text | None:
    """The catalogue's `Text` for one of graphql-core's errors (None: not one of them)."""
    message = error.message
    tokens = _TOKENS.match(message.removeprefix("Syntax Error: "))
    if tokens:
        return text("TOO_MANY_TOKENS", limit=int(tokens.group("limit")))
    syntax = _SYNTAX.match(message)
    if syntax:
        return _syntax(syntax.group("detail"))
    missing = _VARIABLE_MISSING.match(message)
    if missing:
        return text(
            "BAD_USER_INPUT:variable-missing",
            variable=missing.group("variable"),
            type=missing.group("type") or missing.group("type2"),
        )
    value = _VARIABLE_VALUE.match(message)
    if value:
        reason = _validation(value.group("reason"), error.original_error)
        if reason.key == GRAPHQL_VALIDATION_FAILED:  # a sentence of no known form: its own words
            reason = _reason_of(error.original_error) or value.group("reason")  # type: ignore[assignment]
        return text("BAD_USER_INPUT:variable", variable=value.group("variable"), reason=reason)
    return _validation(message, error.original_error)


def said(error: GraphQLError) -> dict[str, Any]:
    """One error of an answer, as JSON, in the request's language and with a code."""
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    message = text_of(error)
    original = error.original_error
    if message is None and isinstance(original, OrgChangeError):
        # The register's own error out of a resolver (a unit that does not exist): its words.
        message = original.text
        if message is None:
            extensions.setdefault("code", BAD_USER_INPUT)
    elif message is None and "code" not in extensions:
        message = in_words(error)
    if message is not None:
        formatted["message"] = message.render()
        extensions.setdefault("code", message.code)
    formatted["extensions"] = extensions
    return formatted


# --- strawberry's refusals of a request ------------------------------------------------------
_REQUEST_REASONS = {
    "No GraphQL query found in the request": "no-query",
    "mutations are not allowed when using GET": "mutation-by-get",
    "Unable to parse request body as JSON": "not-json",
    "The GraphQL operation's `query` must be a string or null, if provided.": "query-type",
    "The GraphQL operation's `variables` must be an object or null, if provided.": "variables-type",
    "The GraphQL operation's `extensions` must be an object or null, if provided.": "extensions-type",
    "Can't get GraphQL operation type": "operation-type",
}


_UNKNOWN_OPERATION = re.compile(r'Unknown operation named "(?P<name>.*)"\.', re.DOTALL)


def request_refused(reason: str) -> dict[str, Any]:
    """A request strawberry refused, in strawberry's `reason`, as the body of a GraphQL answer."""
    key = _REQUEST_REASONS.get(reason)
    unknown = _UNKNOWN_OPERATION.fullmatch(reason)
    if key:
        message = text(f"GRAPHQL_REQUEST_INVALID:{key}")
    elif unknown:
        message = text("GRAPHQL_REQUEST_INVALID:unknown-operation", name=unknown.group("name"))
    else:
        message = text(GRAPHQL_REQUEST_INVALID, detail=reason)
    return {"data": None, "errors": [{"message": message.render(), "extensions": {"code": message.code}}]}
