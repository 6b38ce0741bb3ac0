"""What one change costs with the history of the unit it changes.

    .venv/bin/python -m benchmarks.unit_history                       # SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.unit_history --names 1,100,1000 --writes 40 --databases sqlite

In a fresh database: `orgchange import` of the small generated register (1,000 units /
10,000 changes, as `benchmarks.run`), then a second file that renames units alive on its
last day, one unit per figure of `--names`, until each has had that many names (a rename a
day, after the register's last day). Then `orgchange serve` on loopback, and `--writes`
one-change renames over HTTP at the head of each of those units' history, the units in turn:
p50 / p95 per unit. A write's cost should be its change's, whatever the unit's history
(issue 20: "a command costs the change"). Prints a Markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    timed,
)
from .writes import Writer


def renames_file(path: Path, names: dict[str, int]) -> None:
    """A change file that gives each unit of `names` that many names in all (its own one first)."""
    changes = [
        {
            "type": "rename_unit",
            "effective": (END + timedelta(days=day)).isoformat(),
            "unit": key,
            "name": f"Enhet {key}, namn {day + 1}",
        }
        for key, count in names.items()
        for day in range(1, count)
    ]
    path.write_text(json.dumps({"format": "orgchange/v1", "changes": changes}))


def bench(kind: str, options: Options, counts: list[int], writes: int) -> dict[str, Any]:
    units, changes = SIZES["small"]
    path, _ = change_file(options, units, changes)
    result: dict[str, Any] = {"database": kind, "units": units, "changes": changes}
    with fresh_database(kind, options, "unit-history") as url:
        timed(orgchange(url, "import", str(path)))
        raw = RawSql(url)
        try:
            alive = [key for key, *_ in raw.organisation(END)]
            # units of one name so far, so that each count is the unit's whole history
            plain = [key for key in alive[:400] if len(raw.unit_history(key)) == 1]
        finally:
            raw.close()
        names = dict(zip(plain, counts, strict=False))
        if len(names) < len(counts):
            raise SystemExit(f"only {len(plain)} units of one name to rename")
        extra = options.workdir / f"unit-history-{'-'.join(map(str, counts))}.json"
        renames_file(extra, names)
        seconds, _, _ = timed(orgchange(url, "import", str(extra)))
        result["renames_import_seconds"] = round(seconds, 1)
        _, _, token_output = timed(orgchange(url, "token", "create", "benchmark", "--role", "registrar"))
        token = token_output.strip().splitlines()[-1]
        server = Server(url)
        try:
            writer = Writer(server, token, max(counts) + 1)
            times: dict[str, list[float]] = {key: [] for key in names}
            for key in names:  # one write each first: the connections and caches warm
                writer.rename(key)
            for _ in range(writes):
                for key in names:
                    times[key].append(writer.rename(key))
            result["server_peak_memory_mib"] = round(server.peak_memory_mib())
        finally:
            server.stop()
        result["units"] = [
            {"unit": key, "names_before": count, **percentiles(times[key])} for key, count in names.items()
        ]
    return result


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| database | the unit's names before the writes | write p50 / p95 (ms) |",
        "|---|---|---|",
    ]
    for run in runs:
        for unit in run["units"]:
            lines.append(
                f"| {run['database']} | {unit['names_before']:,} | {unit['p50_ms']} / {unit['p95_ms']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--names", default="1,100,1000", help="the names of each unit renamed")
    parser.add_argument("--writes", type=int, default=40, help="one-change writes per unit")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ORGCHANGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / ".work")
    parser.add_argument(
        "-o", "--output", type=Path, default=ROOT / "benchmarks" / "results" / "unit-history-latest.json"
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    options = Options(
        workdir=args.workdir, postgres=args.postgres_url, samples=0, load_seconds=0, load_workers=0
    )
    counts = [int(n) for n in args.names.split(",") if n]
    results: dict[str, Any] = {"machine": machine(), "runs": []}
    for kind in [k for k in args.databases.split(",") if k]:
        print(f"… {kind}", file=sys.stderr, flush=True)
        results["runs"].append(bench(kind, options, counts, args.writes))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(markdown(results["runs"]))
    print(f"\nwrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
