"""Every expensive step is bounded before it runs, off the event loop, for everyone — against a real
`orgchange serve`, with its processes and memory read from /proc.

The register holds the Nacka sample and, from 2020, an organisation of 2,000 units of its own
(its whole org chart took `dot` 80 seconds and 700 MB before diagrams were bounded). Each
server here runs with the settings its tests need; the bounds are the service's settings.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgchange.application.changefile import parse_change_file
from orgchange.application.config import Settings
from tests.browser import chromium_path
from tests.hardening.conftest import cli_env
from tests.processes import Watch, browsers, descendants, programs_under, tree_memory_kib
from tests.support import ROOT, opened

from ..api.test_graphql_bounds import doubling_fragments

DEFAULTS = Settings()
STARTUP_SECONDS = 60
DAY = "2021-01-01"  # the large organisation and what is left of the sample are in effect
LARGE = "stor"  # the keys of the large organisation begin with this


def large_organisation(units: int = 2_000) -> list[dict[str, Any]]:
    """A council, ten boards, ten offices under each and units under the offices: `units` units in all."""
    day = "2020-01-01"
    changes: list[dict[str, Any]] = []

    def unit(key: str, name: str, kind: str, parent: str | None) -> None:
        fields = {
            "id": key,
            "type": "establish_unit",
            "effective": day,
            "unit": key,
            "name": name,
            "kind": kind,
        }
        changes.append(fields if parent is None else {**fields, "parent": parent})

    unit(f"{LARGE}-kf", "Storkommunens fullmäktige", "council", None)
    offices = []
    for board in range(10):
        unit(f"{LARGE}-n{board}", f"Nämnd {board}", "board", f"{LARGE}-kf")
        for office in range(10):
            offices.append(f"{LARGE}-f{board}-{office}")
            unit(offices[-1], f"Förvaltning {board}.{office}", "office", f"{LARGE}-n{board}")
    for n in range(units - len(changes)):
        unit(f"{LARGE}-e{n}", f"Enhet {n} med ett namn av vanlig längd", "unit", offices[n % len(offices)])
    return changes


@pytest.fixture(scope="module")
def register(module_database_url: str, sample_file) -> str:
    """The sample and the large organisation, recorded once for the module's servers."""
    large = parse_change_file(
        json.dumps({"format": "orgchange/v1", "changes": large_organisation()}).encode(), "large"
    )
    with opened(module_database_url, sample_file) as application:
        application.record_changes(large.changes, "test", large.organisation)
    return module_database_url


# --- a real server --------------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", timeout=kwargs.pop("timeout", 120), **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.base}{path}", timeout=kwargs.pop("timeout", 120), **kwargs)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=60)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(database_url: str, log: Path, **settings: Any) -> Iterator[Server]:
    """`orgchange serve` on a free loopback port, with `settings` as ORGCHANGE_* variables."""
    port = _free_port()
    env = cli_env(
        ORGCHANGE_PUBLIC_READ="true", **{f"ORGCHANGE_{k.upper()}": str(v) for k, v in settings.items()}
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "orgchange", "--db", database_url, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", port, process)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                try:
                    if httpx.get(f"{server.base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"orgchange serve did not start:\n{log.read_text()}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def server(register: str, tmp_path_factory) -> Iterator[Server]:
    """The service with its default bounds."""
    with serving(register, tmp_path_factory.mktemp("serve") / "default.log") as running:
        yield running


@contextmanager
def health_watched(server: Server) -> Iterator[list[float]]:
    """Asks `/health` again and again while the block runs; yields the latencies seen (seconds)."""
    latencies: list[float] = []
    stop = threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                assert client.get(f"{server.base}/health").status_code == 200
                latencies.append(time.perf_counter() - started)
                stop.wait(0.05)

    def answered(count: int) -> None:
        """Until `/health` has answered `count` times in all (a minute at most)."""
        deadline = time.monotonic() + 60
        while len(latencies) < count and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    answered(3)  # a few answers before the attack, however slow the machine is today
    try:
        yield latencies
    finally:
        answered(len(latencies) + 2)  # and answers asked during it or after it
        stop.set()
        thread.join(timeout=120)


def the_error(response: httpx.Response) -> dict[str, Any]:
    [error] = response.json()["errors"]
    return error


# --- GraphQL -------------------------------------------------------------------------------------


def test_doubling_fragment_queries_are_refused_at_once_while_health_keeps_answering(server: Server) -> None:
    # Four at once, each its own text (nothing kept from one helps the next): 2^20 paths each.
    def attack(n: int) -> tuple[float, httpx.Response]:
        document = doubling_fragments(20).replace("F", f"F{n}x")
        started = time.perf_counter()
        response = server.post("/graphql", json={"query": document})
        return time.perf_counter() - started, response

    with health_watched(server) as latencies, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attack, range(4)))

    for elapsed, response in answers:
        assert the_error(response)["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert elapsed < 2  # well under a second alone; it took 10 s, and stalled everything
    assert len(latencies) >= 5
    assert max(latencies) < 2  # /health waited 9.8 s behind one such query


def test_a_five_megabyte_document_is_refused_at_once_and_memory_stays_bounded(server: Server) -> None:
    document = json.dumps({"query": "{" + " __typename" * 500_000 + "}"}).encode()
    assert len(document) > 5_000_000

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(document), 65_536):
            yield document[start : start + 65_536]

    before = tree_memory_kib(server.pid)
    with health_watched(server) as latencies, Watch(server.pid) as watch:
        for body in (document, chunked(), document, chunked()):
            started = time.perf_counter()
            response = server.post("/graphql", content=body, headers={"content-type": "application/json"})
            elapsed = time.perf_counter() - started
            assert response.status_code == 413
            assert the_error(response)["extensions"]["code"] == "REQUEST_TOO_LARGE"
            assert elapsed < 3  # refused from its length, or as soon as the limit passed
    after = tree_memory_kib(server.pid)

    assert watch.samples > 0
    # It took the server from 189 to 726 MB; a body refused unread takes nothing to speak of.
    assert watch.most_memory_kib - before < 100 * 1024
    assert after - before < 50 * 1024
    assert max(latencies) < 2


def test_a_document_at_the_token_limit_is_parsed_off_the_event_loop(server: Server) -> None:
    # Just under the byte limit and far over the token limit: parsing stops at the limit.
    document = "{" + " a" * 30_000 + "}"
    assert len(document) < DEFAULTS.graphql_max_document_bytes

    with health_watched(server) as latencies:
        for n in range(5):  # each a text of its own: nothing kept helps
            started = time.perf_counter()
            response = server.post("/graphql", json={"query": document + " " * n})
            assert time.perf_counter() - started < 2
            assert the_error(response)["extensions"]["code"] == "TOO_MANY_TOKENS"

    assert max(latencies) < 2


def test_deeply_nested_variables_are_a_400_with_a_code_on_a_real_server(server: Server) -> None:
    body = (
        '{"query": "query ($v: JSON) { __typename }", "variables": {"v": '
        + "[" * 50_000
        + "]" * 50_000
        + "}}"
    )

    response = server.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert the_error(response)["extensions"]["code"] == "VARIABLES_TOO_DEEP"


def test_a_request_line_over_the_header_limit_is_refused(server: Server) -> None:
    query = "{" + " __typename" * 5_000 + "}"  # 55 KB in the URL; headers may hold 16 KiB
    with server.connect() as connection:
        connection.sendall(f"GET /graphql?query={query} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        answer = connection.recv(1000)

    assert answer.startswith(b"HTTP/1.1 431")


# --- Graphviz ------------------------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def dots_under(server: Server) -> list:
    return programs_under(server.pid, "dot")


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_whole_chart_of_2000_units_is_refused_saying_how_to_ask_for_a_part(
    server: Server, fmt: str
) -> None:
    with Watch(server.pid) as watch:
        started = time.perf_counter()
        response = server.get(f"/diagrams/orgchart.{fmt}", params={"asOf": DAY})
        elapsed = time.perf_counter() - started

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "DIAGRAM_TOO_LARGE"
    assert body["limit"] == DEFAULTS.diagram_max_nodes and body["size"] > 2_000
    assert "root=" in body["detail"] and "depth=" in body["detail"]
    assert elapsed < 20  # it took 85 s; now the units are counted and nothing is drawn
    assert watch.samples > 0 and watch.most_dots == 0


def test_a_part_of_the_chart_by_root_and_depth_is_drawn(server: Server) -> None:
    response = server.get("/diagrams/orgchart.png", params={"asOf": DAY, "root": f"{LARGE}-kf", "depth": 2})

    assert response.status_code == 200, response.text
    width, height = png_size(response.content)
    assert max(width, height) <= DEFAULTS.diagram_max_png_pixels
    svg = server.get("/diagrams/orgchart.svg", params={"asOf": DAY, "root": f"{LARGE}-n3", "depth": 1})
    assert svg.status_code == 200
    # The board and its ten offices, none of the units under them.
    assert svg.text.count('class="node"') == 11


@pytest.fixture(scope="module")
def one_turn_server(register: str, tmp_path_factory) -> Iterator[Server]:
    """Large charts allowed, all the time they like, one at a time and none waiting."""
    with serving(
        register,
        tmp_path_factory.mktemp("serve") / "one-turn.log",
        diagram_max_nodes=5_000,
        diagram_timeout_seconds=600,
        diagram_max_concurrent=1,
        diagram_max_waiting=0,
    ) as running:
        yield running


def test_dot_is_stopped_when_its_client_goes_away_and_others_wait_no_turn_meanwhile(
    one_turn_server: Server,
) -> None:
    server = one_turn_server
    small = {"asOf": DAY, "root": f"{LARGE}-n1", "depth": 1}
    with server.connect() as connection:
        connection.sendall(f"GET /diagrams/orgchart.png?asOf={DAY} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert wait_for(lambda: bool(dots_under(server)), 60), "dot never started"

        busy = server.get("/diagrams/orgchart.png", params=small)

        assert busy.status_code == 503
        assert busy.json()["code"] == "DIAGRAM_BUSY"
        assert int(busy.headers["retry-after"]) > 0
    # The client has gone: so has its `dot`, long before it would have finished.
    assert wait_for(lambda: not dots_under(server), 5), "dot kept running without a client"
    # And its turn with it: a killed `dot` leaves the process table (a zombie runs nothing)
    # a moment before the thread that ran it has read its pipes and given the turn back, so
    # the turn is asked for within the same seconds, not at the instant `dot` vanished.
    assert wait_for(lambda: server.get("/diagrams/orgchart.png", params=small).status_code == 200, 5), (
        "the turn was not given back when its client went away"
    )


@pytest.fixture(scope="module")
def tight_server(register: str, tmp_path_factory) -> Iterator[Server]:
    """Large charts allowed but a fraction of a second to draw them; one second for headers, two for a body."""
    with serving(
        register,
        tmp_path_factory.mktemp("serve") / "tight.log",
        diagram_max_nodes=5_000,
        diagram_timeout_seconds=0.05,  # `dot` lays 2,000 units out in about a second: far beyond it
        http_header_timeout_seconds=1,
        http_body_timeout_seconds=2,
    ) as running:
        yield running


def test_dot_is_stopped_at_the_time_limit(tight_server: Server) -> None:
    server = tight_server

    started = time.perf_counter()
    response = server.get("/diagrams/orgchart.png", params={"asOf": DAY})
    elapsed = time.perf_counter() - started

    assert response.status_code == 422
    assert response.json()["code"] == "DIAGRAM_TIMED_OUT"
    assert "root=" in response.json()["detail"]
    assert elapsed < 30  # loading and building the graph, then a fraction of a second of `dot`
    assert wait_for(lambda: not dots_under(server), 5)


# --- slow clients --------------------------------------------------------------------------------


def read_to_the_end(connection: socket.socket) -> bytes:
    """All the server sends until it closes the connection."""
    chunks = []
    while chunk := connection.recv(65_536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_connection_that_sends_nothing_is_closed(tight_server: Server) -> None:
    with tight_server.connect() as connection:
        started = time.perf_counter()
        answer = connection.recv(1000)
        elapsed = time.perf_counter() - started

    assert answer.startswith(b"HTTP/1.1 408")
    assert 0.5 < elapsed < 10


def test_headers_that_trickle_in_are_cut_off(tight_server: Server) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
    with tight_server.connect() as connection:
        started = time.perf_counter()
        try:
            for byte in request:  # each byte resets uvicorn's own keep-alive timer
                connection.sendall(bytes([byte]))
                time.sleep(0.1)
        except OSError:
            pass  # closed under us
        answer = connection.recv(1000)
        elapsed = time.perf_counter() - started

    assert answer.startswith(b"HTTP/1.1 408") or answer == b""
    assert elapsed < 4  # one second allowed; forty bytes at ten a second would take four


def test_a_body_that_never_ends_is_answered_408(tight_server: Server) -> None:
    with tight_server.connect() as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"query": "{ __typename'
        )
        started = time.perf_counter()
        answer = read_to_the_end(connection)
        elapsed = time.perf_counter() - started

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["code"] == "REQUEST_TIMEOUT"
    assert elapsed < 10


def test_a_kept_alive_connection_serves_request_after_request(tight_server: Server) -> None:
    # Pauses longer than the header time limit between requests are the keep-alive's to judge.
    with httpx.Client(base_url=tight_server.base, timeout=30) as client:
        first = client.get("/health")
        time.sleep(1.5)
        second = client.get("/health")
        time.sleep(1.5)
        third = client.post("/graphql", json={"query": "{ __typename }"})

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert third.json() == {"data": {"__typename": "Query"}}


# --- PDF -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_server(register: str, tmp_path_factory) -> Iterator[Server]:
    """Two prints at once, one waiting; the packs themselves built eight at once, so that the
    printer's own bounds are what is tested (api/gate.py bounds the building)."""
    chromium_path()  # skipped, or failed in CI, without a browser
    with serving(
        register,
        tmp_path_factory.mktemp("serve") / "pdf.log",
        pdf_max_concurrent=2,
        pdf_max_waiting=1,
        documents_max_concurrent=8,
    ) as running:
        yield running


def test_eight_concurrent_pdfs_keep_to_the_cap_of_renders_and_the_rest_are_told_to_retry(
    pdf_server: Server,
) -> None:
    server = pdf_server

    def pack(_: int) -> httpx.Response:
        return server.get("/reports/ks/2017-11-13.pdf")

    with Watch(server.pid) as watch, ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(pack, range(8)))

    printed = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 503]
    assert len(printed) + len(refused) == 8
    assert len(printed) >= 3  # two printing and one waiting, at the least
    assert all(r.content.startswith(b"%PDF-") for r in printed)
    assert refused, "eight at once should have found the turns and the queue taken"
    for response in refused:
        assert response.json()["code"] == "PDF_BUSY"
        assert int(response.headers["retry-after"]) > 0
    # One browser, at most one renderer per turn: 8 clients for 20 s made 82 browser processes.
    assert watch.samples > 10
    assert watch.most_browsers == 1
    assert watch.most_renderers <= 2
    assert watch.most_chromium <= 12
    assert watch.most_memory_kib < 2 * 1024 * 1024  # the server, its browser and `dot`: PSS, generously


def test_the_browser_is_started_again_after_it_dies(pdf_server: Server) -> None:
    server = pdf_server
    assert server.get("/reports/ks/2017-11-13.pdf").status_code == 200
    [browser] = browsers(descendants(server.pid))

    os.kill(browser.pid, signal.SIGKILL)
    assert wait_for(lambda: all(p.pid != browser.pid for p in descendants(server.pid)), 10)
    response = server.get("/reports/ks/2017-11-13.pdf")

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    [again] = browsers(descendants(server.pid))
    assert again.pid != browser.pid
