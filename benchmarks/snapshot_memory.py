"""What a serving process costs while it takes a snapshot: its memory, and its writes meanwhile.

    .venv/bin/python -m benchmarks.snapshot_memory sqlite:///register.db [--writes 10] [-o FILE]

On a database already imported (it records `--writes` one-change renames in it, three times),
starts `orgchange serve` three times: with snapshots off (`ORGCHANGE_SNAPSHOT_INTERVAL=0`), and
with a snapshot due after every write (`=1`: a write starts one unless one is being taken, as
every `ORGCHANGE_SNAPSHOT_INTERVAL` events do in service) taken by a thread of the server
(`ORGCHANGE_SNAPSHOT_PROCESS=false`) and by a process of its own (the default). Each time it
sends the writes half a second apart, waits for the last snapshot to be written, and reports
the server's peak resident memory (VmHWM), its resident memory at the end, the writes'
p50/p95/max, how many snapshots were written, and the snapshot processes' peak (sampled
every 50 ms from the server's children while they run). `benchmarks.writes` measures the
peak of a server that takes none: its writes are fewer than the interval. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from orgchange.adapters.snapshots import SnapshotStore

from .baselines import RawSql
from .generate import END
from .run import Server, machine, memory_mib, orgchange, percentiles, timed
from .writes import Writer

SETTLE_SECONDS = 600  # at most this long for the last snapshot to be written
QUIET_SECONDS = 45  # a snapshot takes 5–20 s at 200,000 changes: none after this long
SAMPLE_SECONDS = 0.05  # how often the server's children are looked at
# The server's three ways: snapshots off, taken by a thread, taken by a process of their own.
WAYS = {
    "off": {"ORGCHANGE_SNAPSHOT_INTERVAL": "0"},
    "thread": {"ORGCHANGE_SNAPSHOT_INTERVAL": "1", "ORGCHANGE_SNAPSHOT_PROCESS": "false"},
    "process": {"ORGCHANGE_SNAPSHOT_INTERVAL": "1", "ORGCHANGE_SNAPSHOT_PROCESS": "true"},
}


class Children:
    """The peak resident memory of each child of a process, sampled while they run (a child's
    VmHWM is gone once it has ended: the last sample before is what is known of it), and how
    long each was seen running."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peaks: dict[int, float] = {}
        self.seen: dict[int, tuple[float, float]] = {}  # first and last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for task in Path(f"/proc/{self.pid}/task").glob("*"):  # (a child is its thread's)
                with suppress(OSError):
                    for child in map(int, (task / "children").read_text().split()):
                        peak = memory_mib(child)
                        self.peaks[child] = max(self.peaks.get(child, 0.0), peak)
                        now = time.perf_counter()
                        self.seen[child] = (self.seen.get(child, (now, now))[0], now)

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        peaks = sorted(self.peaks.values())
        return {
            "processes": len(peaks),
            "peak_mib": round(peaks[-1]) if peaks else None,
            "seconds_each": [round(last - first, 1) for first, last in self.seen.values()],
        }


def measure(url: str, writes: int, way: str, token: str, unit: str, offset: int) -> dict[str, Any]:
    engine = create_engine(url)  # one, for the polls of the newest snapshot
    try:
        return _measure(url, SnapshotStore(engine).newest_version, writes, way, token, unit, offset)
    finally:
        engine.dispose()


def _measure(
    url: str,
    newest_snapshot: Callable[[], int],
    writes: int,
    way: str,
    token: str,
    unit: str,
    offset: int,
) -> dict[str, Any]:
    before = newest_snapshot()
    settings = WAYS[way]
    interval = settings["ORGCHANGE_SNAPSHOT_INTERVAL"]
    server = Server(url, settings=settings)
    try:
        pid = server.process.pid
        start_rss = memory_mib(pid, "VmRSS")
        children = Children(pid)
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
            "snapshots_taken_by": way,
            "snapshot_interval": int(interval),
            "writes": percentiles(times) | {"max_ms": round(1000 * max(times), 1)},
            "server_rss_at_start_mib": round(start_rss),
            "server_peak_memory_mib": round(server.peak_memory_mib()),
            "server_rss_at_end_mib": round(memory_mib(pid, "VmRSS")),
            "newest_snapshot_before": before,
            "newest_snapshot_after": newest_snapshot(),
            "last_snapshot_written_after_the_last_write_s": settled_in,  # (its row's digest)
            "snapshot_processes": children.stop(),
            "offset": writer.n,
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--ways", nargs="+", choices=list(WAYS), default=list(WAYS))
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    _, _, said = timed(
        orgchange(args.url, "token", "create", f"benchmark-snapshots-{time.time_ns()}", "--role", "registrar")
    )
    token = said.strip().splitlines()[-1]
    raw = RawSql(args.url)
    try:
        units = [row[0] for row in raw.organisation(END)]
    finally:
        raw.close()
    # Days past the register's end, a fresh run's own: ten a second since the run before, so that
    # a run of up to a few hundred writes minutes after another never renames to a name it has.
    offset = 2000 + int(time.time() * 10) % 1_000_000
    runs = []
    for way in args.ways:
        # A unit of its own for each run, drawn anew each time: a write's cost grows with the
        # history of the unit it renames (its search rows are written again), and earlier runs
        # would otherwise have given one unit hundreds of names.
        unit = random.Random(offset).choice(units)
        run = measure(args.url, args.writes, way, token, unit, offset)
        run["unit"] = unit
        offset = run.pop("offset")
        runs.append(run)
    result = {"machine": machine(), "url": args.url.split("@")[-1], "runs": runs}
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
