"""The write side's benchmark: what one change costs over HTTP, and what a start costs.

    .venv/bin/python -m benchmarks.writes                       # small and target, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.writes --sizes large --databases sqlite --writes 20

For each size and database, in a fresh database: `orgchange import` of the generated file
(the same registers as `benchmarks.run`: 1,000 units / 10,000 changes, 10,000 / 200,000,
20,000 / 500,000), the snapshot it leaves (size, time to take it); then `orgchange serve`
on loopback, started `--starts` times: each time the first one-change `POST /changes` as soon
as the server answers `/health` (it waits for the register, which the server reads from its
snapshot and the events after it as it starts), then `--writes` one-change writes (renames,
alternating between a unit with a long history and one with a short one) for p50/p95; then
started `--starts` times more, each time waiting for `/health/ready` as a load balancer would:
the seconds from the start to ready, and the first write after it. The server's peak
resident memory (VmHWM) over all of it. The load average (`/proc/loadavg`) is recorded
before and after each figure: the machine is shared. Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from .baselines import RawSql
from .generate import END
from .run import (
    ROOT,
    SIZES,
    Options,
    Server,
    change_file,
    fresh_database,
    machine,
    orgchange,
    percentiles,
    snapshot_figures,
    timed,
)

TARGET_P50_MS = 25.0  # one-change write at 200,000 changes (issue 20)
TARGET_RATIO = 1.5  # ... and at most this times the same at 10,000
TARGET_FIRST_WRITE_S = 1.0  # first write after a start, at 500,000 changes
TARGET_RSS_MIB = 600  # serving process at 200,000 changes


def _load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class Writer:
    """One-change renames over HTTP, each to a day after the last, so every write is at the head."""

    def __init__(self, server: Server, token: str, day_offset: int):
        self.server = server
        self.headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        self.n = day_offset

    def rename(self, key: str) -> float:
        self.n += 1
        body = {
            "format": "orgchange/v1",
            "changes": [
                {
                    "type": "rename_unit",
                    "effective": (END + timedelta(days=self.n)).isoformat(),
                    "unit": key,
                    "name": f"Enhet {key} ({self.n})",
                }
            ],
        }
        started = time.perf_counter()
        response = self.server.client.post("/changes", content=json.dumps(body), headers=self.headers)
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"POST /changes: {response.status_code} {response.text[:300]}")
        return took


def bench(kind: str, size: str, options: Options, writes: int, starts: int) -> dict[str, Any]:
    units, changes = SIZES[size]
    path, _ = change_file(options, units, changes)
    result: dict[str, Any] = {"database": kind, "size": size, "units": units, "changes": changes}
    with fresh_database(kind, options, f"writes-{size}") as url:
        load_before = _load()
        seconds, memory, _ = timed(orgchange(url, "import", str(path)))
        result["import"] = {
            "seconds": round(seconds, 1),
            "changes_per_second": round(changes / seconds),
            "peak_memory_mib": round(memory),
            "loadavg": [load_before, _load()],
        }
        result["snapshot"] = snapshot_figures(url)
        _, _, token_output = timed(orgchange(url, "token", "create", "benchmark", "--role", "registrar"))
        token = token_output.strip().splitlines()[-1]
        raw = RawSql(url)
        try:
            alive = raw.organisation(END)
            counts = {key: len(raw.unit_history(key)) for key, *_ in alive[:400]}
        finally:
            raw.close()
        long, short = max(counts, key=counts.__getitem__), min(counts, key=counts.__getitem__)
        firsts: list[dict[str, Any]] = []
        times: list[float] = []
        peak = 0.0
        offset = 0
        load_writes: list[list[float]] = []
        readies: list[dict[str, Any]] = []
        for ready in [False] * starts + [True] * starts:
            load_start = _load()
            server = Server(url, ready=ready)
            try:
                writer = Writer(server, token, offset)
                first = writer.rename(short)
                if ready:
                    readies.append(
                        {
                            "ready_after_start_ms": round(1000 * server.answering_after),
                            "first_write_ms": round(1000 * first),
                            "loadavg": [load_start, _load()],
                        }
                    )
                else:
                    firsts.append({"ms": round(1000 * first), "loadavg": [load_start, _load()]})
                    load_writes.append(_load())
                    for n in range(writes):
                        times.append(writer.rename(long if n % 2 else short))
                    load_writes.append(_load())
                offset = writer.n
                peak = max(peak, server.peak_memory_mib())
            finally:
                server.stop()
        result["first_write_after_start"] = firsts
        result["first_write_after_ready"] = readies
        result["write"] = {**percentiles(times), "loadavg": load_writes}
        result["long_history_versions"], result["short_history_versions"] = counts[long], counts[short]
        result["server_peak_memory_mib"] = round(peak)
    return result


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind in sorted({r["database"] for r in runs}):
        by_size = {r["size"]: r for r in runs if r["database"] == kind}
        small, target, large = by_size.get("small"), by_size.get("target"), by_size.get("large")
        if target is not None:
            p50 = target["write"]["p50_ms"]
            found.append(
                {
                    "database": kind,
                    "figure": "write p50 at 200,000",
                    "target": f"≤ {TARGET_P50_MS} ms",
                    "measured": p50,
                    "met": p50 <= TARGET_P50_MS,
                }
            )
            if small is not None:
                ratio = p50 / small["write"]["p50_ms"]
                found.append(
                    {
                        "database": kind,
                        "figure": "write p50 200,000 / 10,000",
                        "target": f"≤ {TARGET_RATIO}",
                        "measured": round(ratio, 2),
                        "met": ratio <= TARGET_RATIO,
                    }
                )
            rss = target["server_peak_memory_mib"]
            found.append(
                {
                    "database": kind,
                    "figure": "server peak RSS at 200,000",
                    "target": f"≤ {TARGET_RSS_MIB} MiB",
                    "measured": rss,
                    "met": rss <= TARGET_RSS_MIB,
                }
            )
        if large is not None:
            first = max(f["ms"] for f in large["first_write_after_start"]) / 1000
            found.append(
                {
                    "database": kind,
                    "figure": "first write after start at 500,000",
                    "target": f"≤ {TARGET_FIRST_WRITE_S} s",
                    "measured": first,
                    "met": first <= TARGET_FIRST_WRITE_S,
                }
            )
    return found


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| database | changes | write p50 / p95 (ms) | first write after start (ms) "
        "| ready after start, then first write (ms) | server peak RSS (MiB) "
        "| snapshot (MiB / s) | load average |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        snap = r["snapshot"] or {}
        firsts = ", ".join(str(f["ms"]) for f in r["first_write_after_start"])
        readies = ", ".join(
            f"{f['ready_after_start_ms']} + {f['first_write_ms']}"
            for f in r.get("first_write_after_ready", [])
        )
        loads = [x[0] for x in r["write"]["loadavg"]]
        lines.append(
            f"| {r['database']} | {r['changes']:,} | {r['write']['p50_ms']} / {r['write']['p95_ms']} "
            f"| {firsts} | {readies} "
            f"| {r['server_peak_memory_mib']} | {snap.get('size_mib')} / {snap.get('seconds')} "
            f"| {min(loads):.1f}–{max(loads):.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,target", help="small, target, large")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ORGCHANGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--writes", type=int, default=40, help="one-change writes per start")
    parser.add_argument("--starts", type=int, default=2, help="server starts (a first write each)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / ".work")
    parser.add_argument(
        "-o", "--output", type=Path, default=ROOT / "benchmarks" / "results" / "writes-latest.json"
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    options = Options(
        workdir=args.workdir, postgres=args.postgres_url, samples=0, load_seconds=0, load_workers=0
    )
    results: dict[str, Any] = {"machine": machine(), "runs": []}
    for kind in [k for k in args.databases.split(",") if k]:
        for size in [s for s in args.sizes.split(",") if s]:
            print(f"… {kind}, {size}", file=sys.stderr, flush=True)
            results["runs"].append(bench(kind, size, options, args.writes, args.starts))
            args.output.parent.mkdir(parents=True, exist_ok=True)
            results["targets"] = targets(results["runs"])
            args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(markdown(results["runs"]))
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
