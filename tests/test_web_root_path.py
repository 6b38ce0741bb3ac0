"""`orgchange serve` under a root path (`ORGCHANGE_ROOT_PATH=/orgchange`), and its log lines.

A real server process, a real headless Chromium: the page, GraphiQL and Swagger UI load
under `/orgchange/`, navigation works, an org chart is drawn, the GraphQL calls succeed,
and no request leaves the prefix (docs/http.md#behind-a-reverse-proxy). The same server's
log, written to a file, is one JSON object a line per request (docs/monitoring.md#logs).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser import browser_page, save_screenshot

ROOT_PATH = "/orgchange"
TOKEN_NAME = "loggad-registrator"
RENAME = (
    "format: orgchange/v1\nchanges:\n"
    "  - {id: root-1, type: rename_unit, effective: 2019-01-01, unit: slk, name: Stadsledningen}\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    origin: str  # http://127.0.0.1:PORT, without the root path
    log: Path
    token: str

    @property
    def base(self) -> str:
        return self.origin + ROOT_PATH

    def lines(self) -> list[dict]:
        """The log so far, each line parsed as JSON (a line that is not JSON fails the test)."""
        return [
            json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()
        ]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """The Nacka sample served under /orgchange, its log (stderr) written to a file."""
    folder: Path = tmp_path_factory.mktemp("rootpath")
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}",
        "ORGCHANGE_USER": "test",
        "ORGCHANGE_ROOT_PATH": ROOT_PATH,
        "ORGCHANGE_LOG_FORMAT": "json",
    }
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [sys.executable, "-m", "orgchange", "token", "create", TOKEN_NAME, "--role", "registrar"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "orgchange", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    origin = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{origin}{ROOT_PATH}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"orgchange serve did not start:\n{log.read_text()}")
        yield Served(origin, log, token)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_page_works_under_the_root_path_and_asks_nothing_outside_it(served: Served) -> None:
    asked: list[str] = []
    graphql_statuses: list[int] = []
    with browser_page() as page:
        page.on("request", lambda r: asked.append(r.url))
        page.on(
            "response",
            lambda r: (
                graphql_statuses.append(r.status) if urlsplit(r.url).path.endswith("/graphql") else None
            ),
        )
        page.goto(f"{served.base}/#/organisation?datum=2017-03-01")
        page.wait_for_selector('#tree [data-unit="ks"]')
        page.wait_for_selector("#chart svg.orgchart")
        assert "Kommunstyrelsen" in page.locator("#chart svg.orgchart").text_content()
        save_screenshot(page, "web-root-path-organisation")

        page.click('nav a[data-nav="andringar"]')
        page.wait_for_selector("#log [data-change]")
        page.click('nav a[data-nav="delegationer"]')
        page.wait_for_selector("#chart svg")
        assert page.get_attribute("#doc-link", "href").startswith("documents/")

        page.goto(f"{served.base}/graphql")
        page.wait_for_selector(".graphiql-container")
        page.goto(f"{served.base}/docs")
        page.wait_for_selector(".swagger-ui .info")

    paths = [urlsplit(url).path for url in asked if url.startswith("http")]
    assert paths and all(path.startswith(f"{ROOT_PATH}/") for path in paths), [
        p for p in paths if not p.startswith(f"{ROOT_PATH}/")
    ]
    assert f"{ROOT_PATH}/static/app.js" in paths and f"{ROOT_PATH}/static/vendor/graphiql.min.js" in paths
    assert any(p.startswith(f"{ROOT_PATH}/diagrams/") for p in paths)
    assert graphql_statuses and all(status in (200, 304) for status in graphql_statuses)


def test_the_root_path_without_its_slash_leads_to_the_page_and_a_stripped_prefix_is_served_too(
    served: Served,
) -> None:
    """A proxy may pass `/orgchange/graphql` on as it is, or strip it to `/graphql`: both are answered."""
    bare = httpx.get(served.base, follow_redirects=False)
    query = {"query": "{ register { organisation } }"}
    kept = httpx.post(f"{served.base}/graphql", json=query)
    stripped = httpx.post(f"{served.origin}/graphql", json=query)
    openapi = httpx.get(f"{served.base}/openapi.json").json()

    assert bare.status_code == 308 and bare.headers["location"] == f"{ROOT_PATH}/"
    assert kept.json() == stripped.json() and kept.json()["data"]["register"]["organisation"]
    assert openapi["servers"] == [{"url": ROOT_PATH}]  # Swagger UI sends its requests under the prefix


def test_each_request_is_one_json_log_line_with_its_id_route_status_and_duration(served: Served) -> None:
    secret_query = '{ unit(id: "ks", asOf: "2017-03-01") { name } }'
    read = httpx.post(
        f"{served.base}/graphql", json={"query": secret_query}, headers={"x-request-id": "read-42"}
    )
    odd = httpx.get(f"{served.base}/health/live", headers={"x-request-id": 'two words "quoted"'})
    write = httpx.post(
        f"{served.base}/changes",
        content=RENAME,
        headers={"content-type": "application/yaml", "authorization": f"Bearer {served.token}"},
    )
    assert read.status_code == 200 and write.status_code == 200, write.text
    time.sleep(0.3)  # the server writes its line as the answer ends

    lines = served.lines()
    requests = {line["requestId"]: line for line in lines if line.get("message") == "request"}
    read_line = requests["read-42"]
    write_line = requests[write.headers["x-request-id"]]

    assert read.headers["x-request-id"] == "read-42"
    assert read_line["route"] == "/graphql" and read_line["method"] == "POST" and read_line["status"] == 200
    assert isinstance(read_line["durationMs"], float | int) and "user" not in read_line
    assert write_line["route"] == "/changes" and write_line["user"] == TOKEN_NAME
    generated = odd.headers["x-request-id"]
    assert generated != 'two words "quoted"' and generated in requests
    everything = served.log.read_text(encoding="utf-8")
    assert served.token not in everything and "asOf" not in everything and "rename_unit" not in everything
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
