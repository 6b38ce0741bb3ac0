"""schemathesis against the service's own descriptions of itself: the OpenAPI and the GraphQL schema.

The service runs over the Nacka sample on SQLite and on PostgreSQL. For every
operation of `/openapi.json` and every field of `Query` and `Mutation` at
`/graphql`, schemathesis generates requests that follow the description
(positive) and requests that break it (negative), and checks each answer:

* no server error (no 5xx; in GraphQL, no error other than the documented,
  coded ones a caller can act on, and never the masked internal error);
* the status, media type, headers and body are those the description names;
* a request that breaks the description is refused, and one that follows it
  is not refused for its form (see `BEYOND_THE_SCHEMA` for the exceptions);
* an operation that says it needs a token refuses a request without one or
  with a wrong one, and one that says a token is optional (public reads) does
  not.

Reads are sent without a token (the register is public), writes with a
registrar's token; a second run turns public reads off and reads with a
reader's token. A write that was refused must leave the event store as it
was, and afterwards `check_register` holds (every change once, the rules on
every day, read models equal to a fresh rebuild).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import graphql
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, positive_data_acceptance
from schemathesis.graphql import nodes

from api.graphql.catalogued import GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INTERNAL_ERROR
from api.graphql.errors import INTERNAL_ERROR_MESSAGE
from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.application.config import Settings
from orgchange.application.tokens import create_token

from .conftest import check_register, close, report
from .test_fuzz_input import (
    SPECIAL_TEXTS,
    TEMPLATES,
    TEXT_FIELDS,
    _parses,
    _register_entries,
    _unchecked,
    _with_text,
    hostile_text,
)

SCALE = float(os.environ.get("ORGCHANGE_HYPOTHESIS_SCALE", "1"))
REST_CASES = round(12 * SCALE)  # per REST operation and generation mode
RESTRICTED_CASES = round(4 * SCALE)  # the same, on a server without public reads
GRAPHQL_CASES = round(8 * SCALE)  # per GraphQL field and generation mode
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

# Values the sample register holds, used for a share of the positive REST cases: generated
# keys and days alone would almost never name a board or a day with anything on it.
REAL_VALUES = {
    "board": "ks",
    "root": "ks",
    "asOf": "2017-03-01",
    "from": "2017-01-01",
    "to": "2017-12-31",
    "meeting": "2017-02-06",
}

# Operations that refuse, with a documented 422, requests whose every part follows the
# OpenAPI description, for a reason the description cannot state:
BEYOND_THE_SCHEMA = {
    # each change's own fields (the reader) and the rules of the register (a unit that
    # does not exist, a date out of its life) are checked after the outer form; the
    # reader and POST /changes are fuzzed for those in test_fuzz_input.py
    "POST /changes",
    # likewise each decision of a decisions file (its own fields, a personnummer in any of them)
    "POST /decisions",
    # a table's rows and columns (a header, the fields the mapping names) are read after the
    # outer form; tests/test_baseline.py refuses each for itself
    "POST /baseline/organisation",
    "POST /baseline/delegations",
    # `to` must not be before `from`
    "GET /reports/{board}/review.{fmt}",
    # a draft's name is text without control characters, not blank; its file a change file in
    # form; recording needs every change decided and accepted by the register
    "POST /drafts",
    "PUT /drafts/{draft_id}/file",
    "POST /drafts/{draft_id}/record",
}

# The codes of GraphQL errors a caller can act on (api/graphql/errors.py, limits.py, context.py).
REFUSED_BEFORE_RUNNING = {GRAPHQL_VALIDATION_FAILED, GRAPHQL_PARSE_FAILED}
USER_ERROR_CODES = {
    "BAD_USER_INPUT",
    "MALFORMED_INPUT",
    "CHANGE_REJECTED",
    "CONCURRENT_WRITE",
    "QUERY_TOO_COSTLY",
    "RESULT_TOO_LARGE",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    # drafts (docs/errors.md#drafts)
    "DRAFT_NOT_FOUND",
    "DRAFT_CHANGED",
    "DRAFT_CLOSED",
    "DRAFT_CONFLICT",
    "DRAFT_DECISION_MISSING",
    "DRAFT_INVALID",
    "DRAFT_LIMIT",
    "DRAFT_TOO_LARGE",
    # delegated decisions (docs/errors.md)
    "DECISIONS_MALFORMED",
    "PERSONAL_DATA",
    "DECISION_CONFLICT",
    "DECISION_REPORT_REFUSED",
}


def explore_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate,),  # a failure is reported as found, with schemathesis's curl line
        suppress_health_check=list(HealthCheck),
    )


# --- the JSON scalar of recordChanges/previewChanges -------------------------------------------


def _node(value: Any) -> graphql.ValueNode:
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([_node(item) for item in value])
    fields = [
        graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_node(v)) for k, v in value.items()
    ]
    return nodes.Object(fields)


_names = st.from_regex(r"\A[a-z_][a-z0-9_]{0,8}\Z")
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_names, inner, max_size=4),
    max_leaves=10,
)


@st.composite
def _with_hostile_text(draw: st.DrawFn) -> dict[str, Any]:
    """A change of any type, valid in form, with hostile text in one of its text fields, or none."""
    entry = draw(st.sampled_from(TEMPLATES))
    if TEXT_FIELDS[entry["type"]] and draw(st.booleans()):
        path, _ = draw(st.sampled_from(TEXT_FIELDS[entry["type"]]))
        entry = _with_text(entry, path, draw(hostile_text))
    return entry


# Change files of one to three changes of every type, valid in form but for the text that some
# of them hold (most break a rule of the sample register, some are recorded), and any other JSON value.
_change_files = st.lists(_with_hostile_text(), min_size=1, max_size=3).map(
    lambda changes: {"format": "orgchange/v1", "changes": changes}
)
schemathesis.graphql.scalar("JSON", st.one_of(_change_files, _json).map(_node))


# --- running schemathesis ------------------------------------------------------------------------


class Exploration:
    """What was sent and what came back, over every operation of one schema."""

    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()  # by generation mode
        self.statuses: Counter[int] = Counter()
        self.operations: set[str] = set()
        self.without_negative: list[str] = []

    def figures(self) -> dict[str, Any]:
        """What docs/reliability.md reports of an exploration: operations, cases by mode, statuses."""
        return {
            "operations": len(self.operations),
            "cases": dict(self.cases),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }

    def run(
        self,
        schema: Any,
        examples: int,
        strategy: Callable[[Any, GenerationMode], Any],
        send: Callable[[Any, Any], None],
    ) -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            self.operations.add(operation.label)
            for mode in MODES:
                try:
                    self._explore(operation, mode, examples, strategy(operation, mode), send)
                except Unsatisfiable:
                    # Nothing of the operation can be got wrong (GET /health takes no parameters).
                    assert mode is GenerationMode.NEGATIVE, operation.label
                    self.without_negative.append(operation.label)

    def _explore(self, operation: Any, mode: GenerationMode, examples: int, cases: Any, send: Any) -> None:
        @explore_settings(examples)
        @given(case=cases)
        def explore(case: Any) -> None:
            self.cases[mode.value] += 1
            send(operation, case)

        explore()


def _rest_strategy(operation: Any, mode: GenerationMode) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.NEGATIVE:
        return generated
    query = {p.name: REAL_VALUES[p.name] for p in operation.query if p.name in REAL_VALUES}
    path = {p.name: REAL_VALUES[p.name] for p in operation.path_parameters if p.name in REAL_VALUES}
    if not query and not path:
        return generated
    grounded = operation.as_strategy(generation_mode=mode, query=query or None, path_parameters=path or None)
    return st.one_of(generated, generated, grounded)


def _explore_rest(
    asgi: FastAPI, orgchange: OrgChange, examples: int, read: str | None, write: str
) -> Exploration:
    schema = schemathesis.openapi.from_asgi("/openapi.json", asgi)
    exploration = Exploration()

    def send(operation: Any, case: Any) -> None:
        writes = operation.method.upper() != "GET"
        token = write if writes else read
        if schema.is_security_param_negated(case):  # the case is about a missing or malformed token
            token = None
        headers = {"Authorization": f"Bearer {token}"} if token else None
        before = orgchange.event_count() if writes else None
        response = case.call(headers=headers)
        exploration.statuses[response.status_code] += 1
        excluded = [positive_data_acceptance] if operation.label in BEYOND_THE_SCHEMA else []
        case.validate_response(
            response, headers=headers, excluded_checks=excluded, additional_checks=[documents_parse]
        )
        if writes and response.status_code != 200:
            assert orgchange.event_count() == before, "a refused write left events behind"

    exploration.run(schema, examples, _rest_strategy, send)
    return exploration


# Documents by media type, with the file name `_parses` (test_fuzz_input.py) reads them by.
DOCUMENT_TYPES = {
    "image/svg+xml": "x.svg",
    "text/vnd.graphviz": "x.dot",
    "text/csv": "x.csv",
    "text/html": "x.html",
    "text/turtle": "x.ttl",
    "application/ld+json": "x.jsonld",
    "application/json": "x.json",
}


def documents_parse(ctx: Any, response: Any, case: Any) -> None:
    """Every document answered parses in its format (SVG as XML, DOT by Graphviz, CSV without a cell
    a spreadsheet would run, Turtle and JSON-LD by rdflib, JSON) and holds no control character."""
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if (
        response.status_code == 200
        and media_type in DOCUMENT_TYPES
        and len(response.content) == response.content_size
    ):
        documents[media_type] += 1
        _parses(DOCUMENT_TYPES[media_type], response.content)


documents: Counter[str] = Counter()


def record_hostile_text(orgchange: OrgChange) -> None:
    """Text that tries to break documents, in the sample register from 2017-01-01 (the day the
    explorations mostly ask for is 2017-03-01): through the door as far as it lets it in (backslashes,
    quotes, Graphviz escapes, spreadsheet formulas, markup), and with control characters, bidirectional
    overrides and separators as a register written before the door checked text holds them."""
    passing = [t for t in SPECIAL_TEXTS if t.strip() and len(t) <= 200 and t.isprintable()]
    texts = (passing * 2)[:13]
    entries = _register_entries(900, texts, effective="2017-01-01")
    orgchange.record_changes(
        parse_change_file(json.dumps({"format": "orgchange/v1", "changes": entries})).changes, "fuzz"
    )
    unchecked = [t for t in SPECIAL_TEXTS if not t.isprintable()]
    orgchange.record_changes(
        [_unchecked(e) for e in _register_entries(901, (unchecked * 2)[:13], "2017-01-01")], "fuzz"
    )


def _sample_service(orgchange: OrgChange, database_url: str, **settings: Any) -> FastAPI:
    return create_app(Settings(database_url=database_url, **settings), orgchange)


def test_rest_api_conforms_to_its_openapi(database_url: str, demo_app: OrgChange) -> None:
    registrar = create_token(demo_app, "registratorn", "registrar")
    record_hostile_text(demo_app)
    asgi = _sample_service(demo_app, database_url, public_read=True)
    documents.clear()

    exploration = _explore_rest(asgi, demo_app, REST_CASES, read=None, write=registrar)

    assert "POST /changes" in exploration.operations and len(exploration.operations) >= 10
    # Nothing to get wrong: no parameter, no body.
    assert sorted(exploration.without_negative) == [
        "DELETE /session",
        "GET /health",
        "GET /health/live",
        "GET /health/ready",
        "GET /metrics",
        "GET /session",
    ]
    assert exploration.statuses[200] > 0 and exploration.statuses[422] > 0
    assert {"image/svg+xml", "text/csv", "text/turtle", "application/ld+json"} <= set(documents)
    report(
        "schemathesis_openapi",
        database=database_url.split(":")[0],
        **exploration.figures(),
        documents_parsed=dict(documents),
    )
    close(check_register(database_url))


def test_rest_api_without_public_reads_conforms_with_a_reader_token(
    database_url: str, demo_app: OrgChange
) -> None:
    reader = create_token(demo_app, "läsaren", "reader")
    asgi = _sample_service(demo_app, database_url, public_read=False)

    # POST /changes with a reader's token: 403, documented; reads: the token is checked for them
    # (schemathesis's `ignored_auth` sends them again without a token and with a wrong one).
    exploration = _explore_rest(asgi, demo_app, RESTRICTED_CASES, read=reader, write=reader)

    assert exploration.statuses[403] > 0 and exploration.statuses[200] > 0
    report("schemathesis_openapi_reader", database=database_url.split(":")[0], **exploration.figures())
    close(check_register(database_url))


def test_graphql_api_conforms_to_its_schema(database_url: str, demo_app: OrgChange) -> None:
    registrar = create_token(demo_app, "registratorn", "registrar")
    asgi = _sample_service(demo_app, database_url, public_read=True)
    schema = schemathesis.graphql.from_asgi("/graphql", asgi)
    exploration = Exploration()
    codes: Counter[str] = Counter()
    answered = Counter()

    def only_plain_errors(ctx: Any, response: Any, case: Any) -> None:
        """No 5xx, and every error is a refusal before anything ran (no path) or carries the code of
        a user error; the masked internal error is a bug."""
        assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
        for error in response.json().get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code != INTERNAL_ERROR and error["message"] != INTERNAL_ERROR_MESSAGE, error
            # A document refused before anything ran (no path) is graphql-core's, with its code too.
            assert code in USER_ERROR_CODES or (code in REFUSED_BEFORE_RUNNING and "path" not in error), error
            codes[code] += 1

    def send(operation: Any, case: Any) -> None:
        writes = operation.label.startswith("Mutation.")
        headers = {"Authorization": f"Bearer {registrar}"} if writes else None
        before = demo_app.event_count() if writes else None
        response = case.call(headers=headers)
        exploration.statuses[response.status_code] += 1
        # `only_plain_errors` replaces schemathesis's own server-error check, which counts every
        # error raised in a resolver, a rejected change included, as a server error; and an
        # argument that names no unit is refused (BAD_USER_INPUT) though it is well-typed.
        case.validate_response(
            response,
            headers=headers,
            excluded_checks=[not_a_server_error, positive_data_acceptance],
            additional_checks=[only_plain_errors],
        )
        body = response.json()
        answered["errors" if body.get("errors") else "data"] += 1
        if writes and body.get("errors"):
            assert demo_app.event_count() == before, "a refused mutation left events behind"

    def strategy(operation: Any, mode: GenerationMode) -> Any:
        return operation.as_strategy(generation_mode=mode)

    exploration.run(schema, GRAPHQL_CASES, strategy, send)

    assert {"Query.organisation", "Query.changes", "Mutation.recordChanges"} <= exploration.operations
    assert answered["data"] > 0 and codes[GRAPHQL_VALIDATION_FAILED] > 0 and codes["BAD_USER_INPUT"] > 0
    report(
        "schemathesis_graphql",
        database=database_url.split(":")[0],
        fields=len(exploration.operations),
        cases=dict(exploration.cases),
        answers=dict(answered),
        error_codes=dict(codes),
    )
    close(check_register(database_url))


@pytest.fixture(autouse=True)
def _no_leftover_lifespans():
    """schemathesis starts each app's lifespan once and keeps it until the process ends; stop ours."""
    yield
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()
