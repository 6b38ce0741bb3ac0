"""What a serving process costs while it takes a snapshot: its memory, and its writes meanwhile.

    .venv/bin/python -m benchmarks.snapshot_memory sqlite:///register.db [--writes 10] [-o FILE]

On a database already imported (it records `--writes` one-change renames in it, twice), starts
`orgchange serve` twice: once with snapshots off (`ORGCHANGE_SNAPSHOT_INTERVAL=0`), once with
a snapshot due after every write (`=1`: a write starts one unless one is being taken, as every
`ORGCHANGE_SNAPSHOT_INTERVAL` events do in service). Each time it sends the writes half a
second apart, waits for the last snapshot to be written, and reports the server's peak
resident memory (VmHWM), its resident memory at the end, the writes' p50/p95/max and how many
snapshots were written. `benchmarks.writes` measures the peak of a server that takes none:
its writes are fewer than the interval. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from orgchange.adapters.snapshots import SnapshotStore

from .baselines import RawSql
from .generate import END
from .run import Server, machine, memory_mib, orgchange, percentiles, timed
from .writes import Writer

SETTLE_SECONDS = 600  # at most this long for the last snapshot to be written
QUIET_SECONDS = 15  # a snapshot takes a few seconds at 200,000 changes: none after this long


def measure(url: str, writes: int, interval: str, token: str, unit: str, offset: int) -> dict[str, Any]:
    engine = create_engine(url)  # one, for the polls of the newest snapshot
    try:
        return _measure(url, SnapshotStore(engine).newest_version, writes, interval, token, unit, offset)
    finally:
        engine.dispose()


def _measure(
    url: str,
    newest_snapshot: Callable[[], int],
    writes: int,
    interval: str,
    token: str,
    unit: str,
    offset: int,
) -> dict[str, Any]:
    before = newest_snapshot()
    server = Server(url, settings={"ORGCHANGE_SNAPSHOT_INTERVAL": interval})
    try:
        pid = server.process.pid
        start_rss = memory_mib(pid, "VmRSS")
        writer = Writer(server, token, offset)
        times = []
        for _ in range(writes):
            times.append(writer.rename(unit))
            time.sleep(0.5)
        settled_in = None
        if interval != "0":
            # A write that finds a snapshot being taken starts none (one at a time): the last
            # snapshot may be of an earlier version than the last write's. Settled when the
            # newest has not changed for `QUIET_SECONDS`.
            started = changed = time.perf_counter()
            newest = newest_snapshot()
            while time.perf_counter() - changed < QUIET_SECONDS:
                if time.perf_counter() - started > SETTLE_SECONDS:
                    raise SystemExit("no snapshot settled")
                time.sleep(0.2)
                now = newest_snapshot()
                if now != newest:
                    newest, changed = now, time.perf_counter()
            settled_in = round(changed - started, 1)
        return {
            "snapshot_interval": int(interval),
            "writes": percentiles(times) | {"max_ms": round(1000 * max(times), 1)},
            "server_rss_at_start_mib": round(start_rss),
            "server_peak_memory_mib": round(server.peak_memory_mib()),
            "server_rss_at_end_mib": round(memory_mib(pid, "VmRSS")),
            "newest_snapshot_before": before,
            "newest_snapshot_after": newest_snapshot(),
            "last_snapshot_written_after_the_last_write_s": settled_in,  # (its row's digest)
            "offset": writer.n,
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    _, _, said = timed(
        orgchange(args.url, "token", "create", f"benchmark-snapshots-{time.time_ns()}", "--role", "registrar")
    )
    token = said.strip().splitlines()[-1]
    raw = RawSql(args.url)
    try:
        unit = raw.organisation(END)[0][0]
    finally:
        raw.close()
    offset = 2000 + int(time.time()) % 100_000  # days past the register's end: a fresh run's own
    runs = []
    for interval in ("0", "1"):
        run = measure(args.url, args.writes, interval, token, unit, offset)
        offset = run.pop("offset")
        runs.append(run)
    result = {"machine": machine(), "url": args.url.split("@")[-1], "runs": runs}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
