"""The small rules of logs, metrics, ETags and the root path: no server, no database (no fixture of one)."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from api.caching import etag_of, matches
from api.observability import (
    ANONYMOUS,
    OTHER,
    UNMATCHED,
    JsonFormatter,
    OperationNames,
    RouteTemplates,
    request_id,
    request_id_of,
)
from api.paths import route_path
from orgchange.application.config import Settings


def scope_with(header: bytes | None) -> dict:
    return {"headers": [(b"x-request-id", header)] if header is not None else []}


def test_a_plain_request_id_is_kept_and_anything_else_replaced() -> None:
    assert request_id_of(scope_with(b"abc-123:x.y_z")) == "abc-123:x.y_z"
    for odd in (b"", b"two words", b'quote"', b"x" * 129, b"-leading-dash", "åäö".encode()):
        made = request_id_of(scope_with(odd))
        assert made != odd.decode("latin-1") and len(made) == 32, odd
    assert request_id_of(scope_with(None)) != request_id_of(scope_with(None))


def test_operation_names_are_bounded_and_odd_ones_bucketed() -> None:
    names = OperationNames(limit=2)

    assert names.label(None) == names.label("") == ANONYMOUS
    assert names.label("Units") == "Units" and names.label("Changes") == "Changes"
    assert names.label("Third") == OTHER  # over the limit
    assert names.label("Units") == "Units"  # one seen before keeps its label
    assert names.label("drop table;") == OTHER and names.label(42) == OTHER


def test_a_route_is_its_template_whatever_the_path() -> None:
    templates = RouteTemplates(lambda: ["/reports/{board}/unreported", "/reports/{board}/{meeting}.{fmt}"])

    assert templates.of("/reports/ks/unreported") == "/reports/{board}/unreported"
    assert templates.of("/reports/ks/2017-11-13.pdf") == "/reports/{board}/{meeting}.{fmt}"
    assert templates.of("/static/vendor/graphiql.min.js") == "/static/{path}"
    assert templates.of("/graphql/") == "/graphql"
    assert templates.of("/wp-admin/../../etc/passwd") == UNMATCHED


def test_a_json_log_line_carries_the_request_id_and_only_the_request_fields() -> None:
    record = logging.LogRecord("orgchange.http", logging.INFO, __file__, 1, "request", None, None)
    record.route, record.status, record.secret = "/graphql", 200, "must not appear"
    token = request_id.set("rid-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)

    assert line["requestId"] == "rid-1" and line["route"] == "/graphql" and line["status"] == 200
    assert "secret" not in line and line["message"] == "request" and line["level"] == "INFO"


def test_an_etag_names_the_position_and_if_none_match_compares_weakly() -> None:
    etag = etag_of(17, b"POST /graphql\nkey")

    assert etag.startswith(b'W/"17-') and etag != etag_of(18, b"POST /graphql\nkey")
    assert etag != etag_of(17, b"POST /graphql\nother")
    assert matches(etag.decode(), etag) and matches(etag.decode().removeprefix("W/"), etag)
    assert matches(f'"x", {etag.decode()}', etag) and matches("*", etag)
    assert not matches('W/"16-abc"', etag) and not matches("", etag)


def test_the_route_path_takes_off_the_root_path_whether_or_not_the_proxy_kept_it() -> None:
    assert route_path({"path": "/orgchange/graphql", "root_path": "/orgchange"}) == "/graphql"
    assert route_path({"path": "/graphql", "root_path": "/orgchange"}) == "/graphql"
    assert route_path({"path": "/orgchangex/graphql", "root_path": "/orgchange"}) == "/orgchangex/graphql"
    assert route_path({"path": "/graphql"}) == "/graphql"


@pytest.mark.parametrize("bad", ["orgchange", "/a b", "/..", "/a/../b", "//x", "/a?b"])
def test_a_root_path_must_be_a_plain_path(bad: str) -> None:
    with pytest.raises(ValidationError, match="ORGCHANGE_ROOT_PATH"):
        Settings(root_path=bad)


def test_a_root_path_loses_its_final_slash() -> None:
    assert Settings(root_path="/orgchange/").root_path == "/orgchange"
    assert Settings(root_path="").root_path == ""
