"""`orgchange serve` for real: uvicorn on a loopback port, spoken to over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from orgchange.application import OrgChange
from orgchange.application.tokens import create_token

STARTUP_SECONDS = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(demo_app: OrgChange, database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "ORGCHANGE_PUBLIC_READ": "true"}
    process = subprocess.Popen(
        [sys.executable, "-m", "orgchange", "--db", database_url, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"orgchange serve did not start:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_answers_graphql_and_records_changes(server: str, demo_app: OrgChange) -> None:
    token = create_token(demo_app, "live", "registrar")
    query = '{ unit(id: "nacka-vatten-och-avfall-ab", asOf: "2017-03-01") { kind ownerId } }'

    answer = httpx.post(f"{server}/graphql", json={"query": query}, timeout=10)
    refused = httpx.post(
        f"{server}/changes",
        content="format: orgchange/v1\nchanges: []\n",
        headers={"content-type": "application/yaml"},
        timeout=10,
    )
    recorded = httpx.post(
        f"{server}/changes",
        content="format: orgchange/v1\nchanges:\n  - {id: live-1, type: rename_unit, effective: 2019-01-01, unit: slk, name: Stadsledningen}\n",
        headers={"content-type": "application/yaml", "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    seen = httpx.post(
        f"{server}/graphql", json={"query": '{ change(id: "live-1") { recordedBy } }'}, timeout=10
    )

    assert answer.json() == {"data": {"unit": {"kind": "company", "ownerId": "nacka-stadshus-ab"}}}
    assert refused.status_code == 401
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["recorded"] == ["live-1"]
    assert seen.json() == {"data": {"change": {"recordedBy": "live"}}}


def test_concurrent_writers_and_readers_all_succeed(server: str, demo_app: OrgChange) -> None:
    token = create_token(demo_app, "parallel", "registrar")
    headers = {"content-type": "application/yaml", "Authorization": f"Bearer {token}"}

    def write(n: int) -> int:
        content = (
            "format: orgchange/v1\nchanges:\n"
            f"  - {{id: par-{n}, type: establish_unit, effective: 2019-01-01, unit: par-{n},"
            f" name: Enhet {n}, kind: unit, parent: slk}}\n"
        )
        return httpx.post(f"{server}/changes", content=content, headers=headers, timeout=30).status_code

    def read(_: int) -> int:
        query = '{ organisation(asOf: "2017-03-01") { units { id positions { id } } } }'
        return httpx.post(f"{server}/graphql", json={"query": query}, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        writes = pool.map(write, range(8))
        reads = pool.map(read, range(8))
        statuses = list(writes), list(reads)

    assert statuses == ([200] * 8, [200] * 8)
    query = '{ unit(id: "slk", asOf: "2019-01-01") { children { id } } }'
    children = httpx.post(f"{server}/graphql", json={"query": query}, timeout=10).json()
    ids = {c["id"] for c in children["data"]["unit"]["children"]}
    assert {f"par-{n}" for n in range(8)} <= ids
