"""What only the HTTP protocol of a real `orgchange serve` sees: headers too large however they
arrive (431), and its own answers — uvicorn's 400 to what is not HTTP, the 408 to headers that
do not arrive — carrying the security headers every other answer carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from orgchange.application.config import Settings
from tests.support import opened

from .test_bounded_work import Server, read_to_the_end, serving

DEFAULTS = Settings()
SECURITY_HEADERS = (
    b"content-security-policy:",
    b"x-content-type-options: nosniff",
    b"x-frame-options: deny",
    b"referrer-policy: no-referrer",
)


@pytest.fixture(scope="module")
def sample_server(module_database_url: str, sample_file, tmp_path_factory) -> Iterator[Server]:
    with opened(module_database_url, sample_file):
        pass
    log = tmp_path_factory.mktemp("serve") / "hostile.log"
    with serving(module_database_url, log, http_header_timeout_seconds=1) as running:
        yield running


def head_of(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[0].lower()


def assert_security_headers(answer: bytes) -> None:
    head = head_of(answer)
    for header in SECURITY_HEADERS:
        assert header in head, (header, head)


@pytest.mark.parametrize("size", [20_000, 60_000])
def test_headers_over_the_limit_arriving_whole_are_a_431(sample_server: Server, size: int) -> None:
    """h11 bounds only headers still incomplete: 60 KB of headers sent at once were taken."""
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * size + b"\r\n\r\n"
    with sample_server.connect() as connection:
        connection.sendall(request)
        answer = read_to_the_end(connection)

    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"code": "HEADERS_TOO_LARGE"' in answer
    assert_security_headers(answer)


def test_headers_within_the_limit_are_answered(sample_server: Server) -> None:
    request = (
        b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Padding: " + b"a" * 10_000 + b"\r\n\r\n"
    )
    with sample_server.connect() as connection:
        connection.sendall(request)
        answer = read_to_the_end(connection)

    assert answer.startswith(b"HTTP/1.1 200 ")


def test_a_request_that_is_not_http_gets_the_security_headers_with_its_400(sample_server: Server) -> None:
    with sample_server.connect() as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = read_to_the_end(connection)

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b'"code": "BAD_HTTP_REQUEST"' in answer
    assert_security_headers(answer)


def test_headers_that_do_not_arrive_get_the_security_headers_with_their_408(sample_server: Server) -> None:
    with sample_server.connect() as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\n")
        answer = read_to_the_end(connection)

    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"code": "REQUEST_TIMEOUT"' in answer
    assert_security_headers(answer)


def _detail(answer: bytes) -> str:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"]


def test_the_protocols_own_431_and_408_speak_swedish_by_default_and_english_when_asked(
    sample_server: Server,
) -> None:
    """The web page's column mapping travels in the query string: one too large for the request
    line is answered by the protocol itself, in the service's language like every other answer
    (English when the part of the head that arrived asks for it)."""
    mapping = b"POST /baseline/organisation?mapping=" + b"%20" * 8_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    padded = b"GET /health HTTP/1.1\r\nAccept-Language: en\r\nX-Padding: " + b"a" * 20_000 + b"\r\n\r\n"
    for request, words in [
        (mapping, "begärans rad och rubriker är större än 16,384 byte"),
        (padded, "the request line and headers are larger than 16,384 bytes"),
    ]:
        with sample_server.connect() as connection:
            connection.sendall(request)
            answer = read_to_the_end(connection)
        assert answer.startswith(b"HTTP/1.1 431 ")
        assert _detail(answer) == words
    for accept, words in [
        (b"", "begärans rubriker kom inte fram i tid"),
        (b"Accept-Language: en\r\n", "the request headers did not arrive in time"),
    ]:
        with sample_server.connect() as connection:
            connection.sendall(b"GET /health HTTP/1.1\r\n" + accept)
            answer = read_to_the_end(connection)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert _detail(answer) == words


def test_a_trailing_slash_with_a_hostile_host_is_not_redirected_to_it(sample_server: Server) -> None:
    response = sample_server.get("/graphql/", headers={"host": "evil.example"}, follow_redirects=False)

    assert response.status_code == 404
    assert "location" not in response.headers
