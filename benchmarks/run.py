"""The benchmark: import, rebuild and query figures for synthetic registers, beside their raw baselines.

    .venv/bin/python -m benchmarks.run                         # sizes small and target, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.run --sizes small --databases sqlite --quick

For each size and database, in a fresh database: `orgchange import` of the
generated file (a process of its own: changes per second, peak memory) beside
eventsourcing's stock append of as many events; `orgchange rebuild` beside the
stock recorder reading the events back; then `orgchange serve` on loopback, and
over HTTP the p50/p95 latency of `organisation(asOf)` for the whole register on
days not asked before and on the same days again, `unit`, `unitHistory`, pages
of `changes`, `diff`, `delegations`, diagrams, and recording a change to units
with long and short histories — each beside the driver's raw fetch of the same
rows; the server's peak memory. Then the history check (the same organisation
with ten times the history before it) and, on PostgreSQL, a load test from a
second process against several workers at 1, 8 and 32 clients. Prints tables
(Markdown) and writes everything to JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from . import page_queries, report
from .baselines import RawSql, raw_read
from .generate import END, START, Sizes, generate, write_change_file
from .load import UNIT  # the same question as the load test asks most

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"small": (1_000, 10_000), "target": (10_000, 200_000), "large": (20_000, 500_000)}
HISTORY = ((1_000, 10_000), (1_000, 100_000))  # the same organisation, ten times the history
ORGANISATION = "query ($d: Date!) { organisation(asOf: $d) { units { id name kind parentId ownerId } } }"
HISTORY_QUERY = "query ($id: ID!) { unitHistory(id: $id) { validFrom validTo name kind parentId changeId } }"
CHANGES = (
    "query ($f: Date!, $t: Date!) { changes(from: $f, to: $t, first: 100) { totalCount "
    "pageInfo { hasNextPage endCursor } edges { node { id type effective summary "
    "decision { body date paragraph reference } } } } }"
)
DIFF = (
    "query ($f: Date!, $t: Date!) { diff(from: $f, to: $t) { added removed renamed { id from to } "
    "moved { id fromParent toParent } } }"
)
DELEGATIONS = (
    "query ($d: Date!, $b: ID!) { delegations(asOf: $d, board: $b) { id code matter fromId toId "
    "legalBasis limit substitute furtherDelegation parentDelegationId validFrom validTo } }"
)


@dataclass
class Options:
    workdir: Path
    postgres: str
    samples: int  # questions per kind (organisation: a third of it)
    load_seconds: float
    load_workers: int


# --- databases and processes ---------------------------------------------------------------


@contextmanager
def fresh_database(kind: str, options: Options, label: str) -> Iterator[str]:
    if kind == "sqlite":
        path = options.workdir / f"{label}-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, text

    name = f"bench_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(options.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield options.postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def orgchange(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "orgchange", "--db", url, *args]


def timed(command: list[str]) -> tuple[float, float, str]:
    """(seconds, peak memory in MiB, output) of a command run in a process of its own.

    The peak is the process's own high-water mark (VmHWM), read every 50 ms while it runs:
    it starts afresh when the command is executed, so it does not count the pages the
    process shared with this one before (which `wait4`'s maxrss would).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORGCHANGE_")} | {
        "ORGCHANGE_USER": "bench"
    }
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, memory_mib(process.pid))
            time.sleep(0.05)
        took = time.perf_counter() - started
        out.seek(0)
        output = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return took, peak, output


def memory_mib(pid: int, field: str = "VmHWM") -> float:
    """A memory figure of `/proc/PID/status` in MiB: the peak resident memory (VmHWM), or
    another (VmRSS, resident now); 0 for a process that has ended."""
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`orgchange serve` on loopback, in a process (and workers) of its own."""

    def __init__(
        self, url: str, workers: int = 1, ready: bool = True, settings: dict[str, str] | None = None
    ):
        """Started and answering: with `ready`, once `/health/ready` says so (the register read
        in, as a load balancer would wait for); without, once `/health` answers at all.
        `settings`: `ORGCHANGE_…` variables for the server (none of this process's are passed on)."""
        self.port = free_port()
        started = time.perf_counter()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORGCHANGE_")} | (settings or {})
        command = orgchange(url, "serve", "--port", str(self.port), "--workers", str(workers))
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.client = httpx.Client(base_url=self.base, timeout=600)
        deadline = time.monotonic() + 300
        while True:
            try:
                if self.client.get("/health/ready" if ready else "/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("orgchange serve did not start")
            time.sleep(0.05)
        self.answering_after = time.perf_counter() - started  # seconds from the start

    def graphql(self, query: str, variables: dict[str, Any]) -> tuple[float, Any]:
        started = time.perf_counter()
        response = self.client.post("/graphql", json={"query": query, "variables": variables})
        took = time.perf_counter() - started
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise SystemExit(f"{query} {variables}: {response.status_code} {response.text[:500]}")
        return took, body["data"]

    def get(self, path: str) -> float:
        started = time.perf_counter()
        response = self.client.get(path)
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")
        return took

    def peak_memory_mib(self) -> float:
        """The largest peak resident memory of the server's processes (VmHWM)."""
        return max(memory_mib(pid) for pid in [self.process.pid, *_children(self.process.pid)])

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


# --- the register to measure --------------------------------------------------------------------


def _generator_version() -> str:
    """A digest of the generator: files made by another version of it are made again."""
    here = Path(__file__).parent
    text = b"".join((here / name).read_bytes() for name in ("generate.py", "vocabulary.py"))
    return hashlib.sha256(text).hexdigest()[:8]


def change_file(options: Options, units: int, changes: int) -> tuple[Path, dict[str, Any]]:
    path = options.workdir / f"register-{units}-{changes}-seed1-{_generator_version()}.json"
    summary_path = path.with_suffix(".summary.json")
    if not path.exists() or not summary_path.exists():
        document, summary = generate(Sizes(units, changes, seed=1))
        write_change_file(document, path)
        summary_path.write_text(json.dumps({k: v for k, v in summary.items() if k != "alive_unit_keys"}))
    return path, json.loads(summary_path.read_text())


def random_days(rng: random.Random, count: int) -> list[date]:
    span = (END - START).days
    days: set[date] = set()
    while len(days) < count:
        days.add(START + timedelta(days=rng.randrange(span)))
    return sorted(days, key=lambda _: rng.random())


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "n": len(ordered),
    }


def _timed_call(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def compared(served: list[float], raw: list[float]) -> dict[str, Any]:
    figures = percentiles(served)
    figures["raw_p50_ms"] = percentiles(raw)["p50_ms"]
    figures["ratio_to_raw"] = round(figures["p50_ms"] / max(figures["raw_p50_ms"], 1e-3), 1)
    return figures


# --- one size on one database -----------------------------------------------------------------


def bench(kind: str, size: str, units: int, changes: int, options: Options) -> dict[str, Any]:
    path, summary = change_file(options, units, changes)
    result: dict[str, Any] = {"database": kind, "size": size, "units": units, "changes": changes}
    with fresh_database(kind, options, f"raw-{size}") as raw_url:
        _, _, output = timed([sys.executable, "-m", "benchmarks.baselines", "append", raw_url, str(path)])
        appended = json.loads(output.strip().splitlines()[-1])["seconds"]
    with fresh_database(kind, options, size) as url:
        seconds, memory, _ = timed(orgchange(url, "import", str(path)))
        result["import"] = {
            "seconds": round(seconds, 1),
            "changes_per_second": round(changes / seconds),
            "peak_memory_mib": round(memory),
            "raw_append_seconds": round(appended, 1),
            "ratio_to_raw_append": round(seconds / appended, 2),
        }
        result["snapshot"] = snapshot_figures(url)
        seconds, memory, output = timed(orgchange(url, "rebuild"))
        events, read_seconds = raw_read(url)
        result["rebuild"] = {
            "events": events,
            "seconds": round(seconds, 1),
            "events_per_second": round(events / seconds),
            "peak_memory_mib": round(memory),
            "raw_read_seconds": round(read_seconds, 1),
            "ratio_to_raw_read": round(seconds / read_seconds, 2),
            "ratio_to_raw_append": round(seconds / appended, 2),
        }
        _, _, token = timed(orgchange(url, "token", "create", "benchmark", "--role", "registrar"))
        result.update(queries_over_http(url, token.strip().splitlines()[-1], options))
    return result


def snapshot_figures(url: str) -> dict[str, Any] | None:
    """The snapshot `orgchange import` left (it waits for it: the import's time includes it)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT register_version, size, seconds FROM register_snapshots "
                    "WHERE digest IS NOT NULL ORDER BY register_version DESC LIMIT 1"
                )
            ).first()
    finally:
        engine.dispose()
    if row is None:
        return None
    return {"version": row[0], "size_mib": round(row[1] / 2**20, 1), "seconds": round(row[2], 1)}


def queries_over_http(url: str, token: str, options: Options) -> dict[str, Any]:
    rng = random.Random(7)
    raw = RawSql(url)
    server = Server(url)
    try:
        warm_up(server, raw)
        figures: dict[str, Any] = {}
        days = random_days(rng, max(5, options.samples // 3))
        # Each day asked, then asked again (as a reader moving back and forth would): the
        # second answer comes from the process's answers, however many days there are.
        served, again = [], []
        for d in days:
            served.append(server.graphql(ORGANISATION, {"d": d.isoformat()})[0])
            again.append(server.graphql(ORGANISATION, {"d": d.isoformat()})[0])
        fetched = [_timed_call(partial(raw.organisation, d)) for d in days]
        sizes = [len(raw.organisation(d)) for d in days[:3]]
        figures["organisation_new_day"] = compared(served, fetched) | {"units_per_answer": max(sizes)}
        figures["organisation_asked_before"] = compared(again, fetched)

        alive = [(row[0], d) for d in random_days(rng, 20) for row in rng.sample(raw.organisation(d), 10)]
        pairs = [rng.choice(alive) for _ in range(options.samples)]
        figures["unit"] = compared(
            [server.graphql(UNIT, {"id": k, "d": d.isoformat()})[0] for k, d in pairs],
            [_timed_call(partial(raw.unit, k, d)) for k, d in pairs],
        )
        keys = [k for k, _ in pairs]
        figures["unitHistory"] = compared(
            [server.graphql(HISTORY_QUERY, {"id": k})[0] for k in keys],
            [_timed_call(partial(raw.unit_history, k)) for k in keys],
        )
        months = [(d.replace(day=1), d.replace(day=28)) for d in random_days(rng, options.samples)]
        figures["changes_page"] = compared(
            [server.graphql(CHANGES, {"f": f.isoformat(), "t": t.isoformat()})[0] for f, t in months],
            [_timed_call(partial(raw.changes, f, t)) for f, t in months],
        )
        spans = [(d, d + timedelta(days=365)) for d in random_days(rng, max(5, options.samples // 3))]
        figures["diff"] = compared(
            [server.graphql(DIFF, {"f": f.isoformat(), "t": t.isoformat()})[0] for f, t in spans],
            [_timed_call(partial(raw.diff, f, t)) for f, t in spans],
        )
        boards = [
            (row[0], d) for d, row in ((d, r) for d in days for r in raw.organisation(d)) if row[2] == "board"
        ]
        asked = [rng.choice(boards) for _ in range(options.samples)]
        figures["delegations"] = compared(
            [server.graphql(DELEGATIONS, {"d": d.isoformat(), "b": b})[0] for b, d in asked],
            [_timed_call(partial(raw.delegations, d, b)) for b, d in asked],
        )
        figures["diagrams"] = diagrams(server, raw, rng, days)
        figures["page"] = page(server, raw, token, options)
        figures["recording"] = recording(server, raw, token)
        figures["server_peak_memory_mib"] = round(server.peak_memory_mib())
        figures["load_work"] = {
            "units": [[k, d.isoformat(), (d + timedelta(days=1)).isoformat()] for k, d in alive],
            "boards": sorted({b for b, _ in boards}),
            "years": sorted({d.year for d in days}),
        }
        return figures
    finally:
        server.stop()
        raw.close()


def warm_up(server: Server, raw: RawSql) -> None:
    """A few questions of each kind, on days the measurements do not ask about (the 1980s,
    before any register begins, and one day of its history), so that what is measured is a
    server that has answered before, not one importing modules and opening connections."""
    day = START + timedelta(days=1)
    rows = raw.organisation(day)
    for n in range(5):
        early = date(1980 + n, 6, 1).isoformat()
        server.graphql(ORGANISATION, {"d": early})
        server.graphql(UNIT, {"id": rows[n][0], "d": early})
        server.graphql(HISTORY_QUERY, {"id": rows[n][0]})
        server.graphql(CHANGES, {"f": early, "t": early})
        server.graphql(DIFF, {"f": early, "t": day.isoformat()})
    server.graphql(ORGANISATION, {"d": day.isoformat()})


def diagrams(server: Server, raw: RawSql, rng: random.Random, days: list[date]) -> dict[str, Any]:
    day = days[0]
    rows = raw.organisation(day)
    below: dict[str, int] = {}
    for _, _, _, parent, _ in rows:
        if parent:
            below[parent] = below.get(parent, 0) + 1
    offices = [key for key, _, kind, _, _ in rows if kind == "office"]
    office = max(offices, key=lambda k: below.get(k, 0))
    board = next(key for key, _, kind, _, _ in rows if kind == "board")
    d = day.isoformat()
    return {
        "orgchart_office_svg_ms": round(1000 * server.get(f"/diagrams/orgchart.svg?asOf={d}&root={office}")),
        "orgchart_whole_register_dot_ms": round(1000 * server.get(f"/diagrams/orgchart.dot?asOf={d}")),
        "delegations_board_svg_ms": round(
            1000 * server.get(f"/diagrams/delegations.svg?asOf={d}&board={board}")
        ),
        "units_in_effect": len(rows),
    }


def page(server: Server, raw: RawSql, token: str, options: Options) -> dict[str, Any]:
    """Every query of the web page (`benchmarks/page_queries.py`, read from orgchange/web/*.js),
    each asked `samples` times over HTTP as a signed-in registrar, about units, boards and days
    drawn at random (each pair at most once, so that no answer comes from the answer cache)."""
    rng = random.Random(13)
    days = random_days(rng, 60)
    on_day = {d: raw.organisation(d) for d in days}
    pairs = [(key, d) for d in days for key, *_ in rng.sample(on_day[d], min(20, len(on_day[d])))]
    boards = {d: [key for key, _, kind, *_ in on_day[d] if kind == "board"] for d in days}
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    made = server.client.post(
        "/drafts",
        headers=headers,
        content=json.dumps(
            {
                "name": "Benchmark",
                "file": {
                    "format": "orgchange/v1",
                    "changes": [
                        {
                            "type": "rename_unit",
                            "effective": (END + timedelta(days=400)).isoformat(),
                            "unit": pairs[0][0],
                            "name": "Ett nytt namn",
                        }
                    ],
                },
            }
        ),
    )
    if made.status_code not in (200, 201):
        raise SystemExit(f"POST /drafts: {made.status_code} {made.text[:300]}")
    draft = made.json()["id"]
    # A recorded change, for the change's page (the newest, as the change log links it).
    first_change = server.client.post(
        "/graphql",
        json={"query": "{ changes(first: 1) { edges { node { id } } } }"},
        headers=headers,
    ).json()["data"]["changes"]["edges"]
    change = first_change[0]["node"]["id"] if first_change else None

    def asked(document: str, variables: dict[str, Any]) -> float:
        started = time.perf_counter()
        response = server.client.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        took = time.perf_counter() - started
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise SystemExit(f"{document[:200]} {variables}: {response.status_code} {response.text[:500]}")
        return took

    found: dict[str, Any] = {}
    for query, entry in page_queries.measured():
        chosen = rng.sample(pairs, min(options.samples, entry.at_most or options.samples, len(pairs)))
        times = []
        for n, (key, d) in enumerate(chosen):
            sample = page_queries.Sample(
                unit=key,
                day=d,
                board=rng.choice(boards[d] or [key]),
                units_on_day=[row[0] for row in on_day[d]],
                draft=draft,
                rng=rng,
                change=change,
            )
            document, variables = page_queries.asked(query, entry, sample)
            took = asked(document, variables)
            if n:  # the first time a document is asked, the server parses and validates it
                times.append(took)
        found[query.key] = {
            "where": query.where,
            "fields": query.fields,
            "what": entry.what,
            "unit_page": entry.unit_page,
        } | percentiles(times)
    return found


def recording(server: Server, raw: RawSql, token: str) -> dict[str, Any]:
    """POST /changes of renames of the unit with the longest history, and of one with the shortest."""
    last = END
    alive = raw.organisation(last)
    counts = {key: len(raw.unit_history(key)) for key, *_ in alive[:400]}
    long, short = max(counts, key=counts.__getitem__), min(counts, key=counts.__getitem__)
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}

    def rename(key: str, n: int) -> float:
        body = {
            "format": "orgchange/v1",
            "changes": [
                {
                    "type": "rename_unit",
                    "effective": (last + timedelta(days=n + 1)).isoformat(),
                    "unit": key,
                    "name": f"Enhet {key} ({n})",
                }
            ],
        }
        started = time.perf_counter()
        response = server.client.post("/changes", content=json.dumps(body), headers=headers)
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"POST /changes: {response.status_code} {response.text[:300]}")
        return took

    first = rename(short, 0)  # the first write of a fresh server reads the register in
    long_times, short_times = [], []
    for n in range(1, 21):
        long_times.append(rename(long, 2 * n))
        short_times.append(rename(short, 2 * n + 1))
    return {
        "first_write_after_start_ms": round(1000 * first),
        "long_history_versions": counts[long],
        "long_history": percentiles(long_times),
        "short_history_versions": counts[short],
        "short_history": percentiles(short_times),
    }


# --- the history check and the load test ----------------------------------------------------------


def history_check(kind: str, options: Options) -> dict[str, Any]:
    found = []
    for units, changes in HISTORY:
        path, _ = change_file(options, units, changes)
        with fresh_database(kind, options, f"history-{changes}") as url:
            timed(orgchange(url, "import", str(path)))
            raw = RawSql(url)
            server = Server(url)
            try:
                warm_up(server, raw)
                rng = random.Random(11)
                days = random_days(rng, options.samples)
                days = [d for d in days if d.year >= 2010][: max(5, options.samples // 3)] or days[:5]
                served = [server.graphql(ORGANISATION, {"d": d.isoformat()})[0] for d in days]
                fetched = [_timed_call(partial(raw.organisation, d)) for d in days]
                answer = statistics.mean(len(raw.organisation(d)) for d in days[:5])
                found.append(
                    {"changes": changes, "units_per_answer": round(answer)} | compared(served, fetched)
                )
            finally:
                server.stop()
                raw.close()
    return {
        "database": kind,
        "runs": found,
        "ratio_of_p50": round(found[1]["p50_ms"] / found[0]["p50_ms"], 2),
    }


def load_test(url_kind: str, work: dict[str, Any], size: str, options: Options) -> dict[str, Any]:
    units, changes = SIZES[size]
    path, _ = change_file(options, units, changes)
    with fresh_database(url_kind, options, f"load-{size}") as url:
        timed(orgchange(url, "import", str(path)))
        server = Server(url, workers=options.load_workers)
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
                json.dump(work, out)
            runs = []
            for clients in (1, 8, 32):
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.load",
                        server.base,
                        "--clients",
                        str(clients),
                        "--seconds",
                        str(options.load_seconds),
                        "--work",
                        out.name,
                    ],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(done.stdout))
            Path(out.name).unlink()
            return {"database": url_kind, "size": size, "workers": options.load_workers, "runs": runs}
        finally:
            server.stop()


# --- the whole run ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "commit": commit.stdout.strip() or None,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "python_reference_ms": python_reference_ms(),
    }


def python_reference_ms(rounds: int = 5) -> float:
    """The machine's speed at Python's own work: the best of `rounds` timings of one loop of
    ten million additions, in ms. A shared virtual machine's speed varies from day to day; a
    run's figures compare with another's only beside this one (lower is faster)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="small,target", help="small, target, large (default: small,target)"
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ORGCHANGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a server where databases may be created (its own database is not touched)",
    )
    parser.add_argument("--samples", type=int, default=90, help="questions per kind of query")
    parser.add_argument("--load-seconds", type=float, default=10)
    parser.add_argument("--load-workers", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="few samples, a short load test (a smoke run)")
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / ".work")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    kinds = [k for k in args.databases.split(",") if k]
    for name in sizes:
        if name not in SIZES:
            parser.error(f"unknown size {name!r}: one of {', '.join(SIZES)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    options = Options(
        workdir=args.workdir,
        postgres=args.postgres_url,
        samples=9 if args.quick else args.samples,
        load_seconds=2 if args.quick else args.load_seconds,
        load_workers=args.load_workers,
    )
    results: dict[str, Any] = {"machine": machine(), "runs": [], "history": [], "load": []}
    for kind in kinds:
        for size in sizes:
            units, changes = SIZES[size]
            print(f"… {kind}, {size} ({units:,} units, {changes:,} changes)", file=sys.stderr, flush=True)
            results["runs"].append(bench(kind, size, units, changes, options))
        if not args.no_history:
            print(f"… {kind}, history ×10", file=sys.stderr, flush=True)
            results["history"].append(history_check(kind, options))
    if not args.no_load and "postgres" in kinds:
        size = "target" if "target" in sizes else sizes[-1]
        work = next(r for r in results["runs"] if r["database"] == "postgres" and r["size"] == size)[
            "load_work"
        ]
        print(f"… postgres, load test ({size})", file=sys.stderr, flush=True)
        results["load"].append(load_test("postgres", work, size, options))
    for run in results["runs"]:
        run.pop("load_work", None)
    results["targets"] = report.targets(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(report.markdown(results))
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
