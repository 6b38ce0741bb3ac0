"""Many writers at once, on SQLite and PostgreSQL: threads, processes, and two HTTP servers.

Every writer records small files that touch the same units: each establishes a
unit under the shared office and renames the shared unit `delad` (these never
conflict, so they must all be accepted, retried transparently if need be), and
each tries to dissolve the shared units `c0`, `c1`, … while also establishing a
child under them — of those, whoever records second is rejected, with a rule
of the register named, by whichever writer that is. Afterwards: every accepted
change is in the log exactly once, no rejected one is anywhere, and
`check_register` holds (rules on every day, read models equal to a rebuild).
A file that breaks no rule may still meet other writers on every one of its
retries: it then gets `ConcurrentWriteError` (HTTP 409), records nothing, and the
test allows that for at most a tenth of the files.
"""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.application.errors import ConcurrentWriteError
from orgchange.application.tokens import create_token
from orgchange.domain.errors import ChangeRejected
from orgchange.domain.messages import ENGLISH, speaking
from tests.support import ROOT

from .conftest import (
    base_entries,
    check_register,
    cli_env,
    close,
    logged_ids,
    orgchange_command,
    report,
    write_file,
)

CONTESTED = 3  # shared units c0.. that everyone tries to dissolve and to establish a child under


def _setup(database_url: str) -> None:
    entries = base_entries()
    entries.append(
        {"id": "delad", "type": "establish_unit", "effective": "2012-01-01", "unit": "delad"}
        | {"name": "Delad enhet", "kind": "unit", "parent": "slk"}
    )
    for n in range(CONTESTED):
        entries.append(
            {"id": f"c{n}", "type": "establish_unit", "effective": "2012-01-01", "unit": f"c{n}"}
            | {"name": f"Omstridd {n}", "kind": "unit", "parent": "slk"}
        )
    app = OrgChange(database_url)
    try:
        app.record_changes(parse_change_file(_text(entries)).changes, "setup")
    finally:
        close(app)


def _text(entries: list[dict[str, Any]]) -> str:
    import json

    return json.dumps({"format": "orgchange/v1", "changes": entries})


def workload(writer: int, rounds: int) -> list[tuple[str, list[dict[str, Any]], bool]]:
    """The files of one writer: (label, entries, always acceptable?)."""
    files: list[tuple[str, list[dict[str, Any]], bool]] = []
    for n in range(rounds):
        day = date(2014, 1, 1) + timedelta(days=writer * 50 + n)
        key = f"w{writer}-{n}"
        files.append(
            (
                key,
                [
                    {"id": key, "type": "establish_unit", "effective": day.isoformat(), "unit": key}
                    | {"name": f"Enhet {writer}.{n}", "kind": "unit", "parent": "slk"},
                    {
                        "id": f"{key}-namn",
                        "type": "rename_unit",
                        "effective": day.isoformat(),
                        "unit": "delad",
                    }
                    | {"name": f"Delad enhet ({writer}.{n})"},
                ],
                True,
            )
        )
        contested = n % CONTESTED
        if writer % 2:
            entry = {"id": f"{key}-upplos-c{contested}", "type": "dissolve_unit", "unit": f"c{contested}"}
            entry["effective"] = (date(2015, 1, 1) + timedelta(days=writer)).isoformat()
        else:
            entry = {"id": f"{key}-barn-c{contested}", "type": "establish_unit", "unit": f"{key}-barn"}
            entry |= {"effective": "2014-06-01", "name": "Barn", "kind": "unit", "parent": f"c{contested}"}
        files.append((f"{key}-c", [entry], False))
    return files


def _outcomes_are_sound(database_url: str, outcomes: list[tuple[str, list[str], str]]) -> dict[str, int]:
    """outcomes: (label, change ids, 'accepted' | 'rejected' | 'busy'); checks the register against them."""
    app = check_register(database_url)
    try:
        logged = logged_ids(app)
        counts = {"accepted": 0, "rejected": 0, "busy": 0}
        for label, ids, outcome in outcomes:
            counts[outcome] += 1
            for change_id in ids:
                if outcome == "accepted":
                    assert logged.count(change_id) == 1, f"{label}: accepted {change_id} is not logged once"
                else:
                    assert change_id not in logged, f"{label}: {outcome} {change_id} is in the log"
        # Files that break no rule are never rejected: they went in, retried if need be, or (when
        # other writers won every retry) got the clear "try again" of a concurrent write.
        for label, _, outcome in outcomes:
            if not label.endswith("-c"):
                assert outcome != "rejected", f"{label} was rejected"
        assert counts["busy"] <= len(outcomes) // 10, counts
        # A contested unit was dissolved once, or children were established under it; never both.
        accepted = [i for _, ids, outcome in outcomes if outcome == "accepted" for i in ids]
        for n in range(CONTESTED):
            dissolved = [i for i in accepted if i.endswith(f"-upplos-c{n}")]
            children = [i for i in accepted if i.endswith(f"-barn-c{n}")]
            assert len(dissolved) <= 1 and not (dissolved and children), (n, dissolved, children)
        return counts
    finally:
        close(app)


def _record_thread(database_url: str, writer: int, rounds: int, results: list) -> None:
    service = OrgChange(database_url)
    try:
        for label, entries, _ in workload(writer, rounds):
            ids = [e["id"] for e in entries]
            try:
                service.record_changes(parse_change_file(_text(entries)).changes, f"writer-{writer}")
                results.append((label, ids, "accepted"))
            except ChangeRejected as error:
                with speaking(ENGLISH):  # a thread of its own speaks the default, Swedish
                    assert str(error).startswith("change #1 (")  # names the change and the rule
                results.append((label, ids, "rejected"))
            except ConcurrentWriteError:
                results.append((label, ids, "busy"))
    finally:
        close(service)


def test_threads_with_a_service_each(database_url: str) -> None:
    _setup(database_url)
    results: list = []
    threads = [threading.Thread(target=_record_thread, args=(database_url, w, 10, results)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(results) == 8 * 20, "a writer died"
    counts = _outcomes_are_sound(database_url, results)
    report("threads", database=database_url.split(":")[0], writers=8, files=len(results), **counts)
    assert counts["rejected"] > 0  # the contested files did contest


def _record_process(database_url: str, writer: int, rounds: int, queue) -> None:  # noqa: ANN001
    results: list = []
    try:
        _record_thread(database_url, writer, rounds, results)
    finally:
        queue.put(results)


def test_processes_with_a_service_each(database_url: str) -> None:
    _setup(database_url)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_record_process, args=(database_url, w, 10, queue)) for w in range(4)]
    for process in processes:
        process.start()
    results: list = []
    for _ in processes:
        results.extend(queue.get(timeout=300))
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert len(results) == 4 * 20
    counts = _outcomes_are_sound(database_url, results)
    report("processes", database=database_url.split(":")[0], writers=4, files=len(results), **counts)
    assert counts["rejected"] > 0


def test_command_line_imports_at_once(database_url: str, tmp_path: Path) -> None:
    """`orgchange import` processes side by side: exit 0 when recorded, 1 with the reason when rejected."""
    _setup(database_url)
    jobs = []
    for writer in range(4):
        for label, entries, _ in workload(writer, 2):
            jobs.append((label, [e["id"] for e in entries], write_file(tmp_path / f"{label}.yaml", entries)))

    def run(job) -> tuple[str, list[str], str]:  # noqa: ANN001
        label, ids, path = job
        result = subprocess.run(
            orgchange_command(database_url, "import", str(path)),
            cwd=ROOT,
            env=cli_env(ORGCHANGE_USER=label),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in result.stderr
        if result.returncode == 0:
            return label, ids, "accepted"
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("error: change #1 (") and "Nothing was recorded." in result.stderr
        return label, ids, "rejected"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, jobs))
    counts = _outcomes_are_sound(database_url, results)
    assert counts["accepted"] >= 8
    report("cli", database=database_url.split(":")[0], processes=len(jobs), **counts)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(database_url: str):
    """Two `orgchange serve` processes on the same database."""
    _setup(database_url)
    app = OrgChange(database_url)
    token = create_token(app, "registratorn", "registrar")
    close(app)
    servers, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    orgchange_command(database_url, "serve", "--port", str(port)),
                    cwd=ROOT,
                    env=cli_env(),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the servers did not start"
                time.sleep(0.1)
        yield urls, token
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def test_two_servers_take_concurrent_uploads(database_url: str, two_servers) -> None:
    urls, token = two_servers
    jobs = [(writer, item) for writer in range(8) for item in workload(writer, 6)]

    def post(job) -> tuple[str, list[str], str]:  # noqa: ANN001
        writer, (label, entries, _) = job
        response = httpx.post(
            f"{urls[writer % 2]}/changes",
            content=_text(entries),
            headers={"content-type": "application/json", "Authorization": f"Bearer {token}"},
            timeout=120,
        )
        ids = [e["id"] for e in entries]
        assert response.status_code in (200, 409, 422), response.text
        if response.status_code == 200:
            return label, ids, "accepted"
        body = response.json()
        assert body["errors"] and "Traceback" not in response.text
        return label, ids, "rejected" if response.status_code == 422 else "busy"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, jobs))
    counts = _outcomes_are_sound(database_url, results)
    assert counts["accepted"] >= 48
    report("http", database=database_url.split(":")[0], servers=2, uploads=len(jobs), **counts)


def test_a_write_through_one_server_is_read_through_the_other(database_url: str, two_servers) -> None:
    """Stateless API processes on one database: each write is seen by the next read anywhere,
    the same query asked of either answers the same, and each keeps its own answers only
    until the register changes (their caches of answers are stamped with the last event)."""
    (first, second), token = two_servers
    query = {"query": '{ unit(id: "delad", asOf: "2020-01-01") { name } }'}
    auth = {"content-type": "application/json", "Authorization": f"Bearer {token}"}
    names = []
    for n, (writer, reader) in enumerate([(first, second), (second, first), (first, second)]):
        assert httpx.post(f"{reader}/graphql", json=query, timeout=30).status_code == 200  # asked before …
        entries = [
            {"id": f"namn-{n}", "type": "rename_unit", "effective": "2019-01-01", "unit": "delad"}
            | {"name": f"Delad enhet {n}"}
        ]
        written = httpx.post(f"{writer}/changes", content=_text(entries), headers=auth, timeout=120)
        assert written.status_code == 200, written.text
        read = httpx.post(f"{reader}/graphql", json=query, timeout=30)  # … and after the write
        names.append(read.json()["data"]["unit"]["name"])
        assert read.headers["x-orgchange-cache"] == "miss"
        same = [httpx.post(f"{url}/graphql", json=query, timeout=30).json() for url in (first, second)]
        assert same[0] == same[1]
    assert names == ["Delad enhet 0", "Delad enhet 1", "Delad enhet 2"]
