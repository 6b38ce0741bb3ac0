"""The rebuild, the import and the unit page alone, on databases given: a quick run of issue 20's figures.

    .venv/bin/python -m benchmarks.rebuild --sqlite sqlite:///register.db \
        --postgres postgresql+psycopg://postgres@127.0.0.1/register [--import FILE.json] -o RESULT.json

For each database: `orgchange rebuild` in a process of its own (events per second, peak
memory), then the unit page's queries over HTTP (`benchmarks.unit_page`); with `--import`,
also `orgchange import` of the change file into a fresh database of the same kind
(changes per second). The machine's load average (`/proc/loadavg`) is recorded before and
after each figure: on a shared machine it says how far a figure is from a quiet one's.
Where `benchmarks.run` takes an hour, this takes minutes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import unit_page
from .run import Options, fresh_database, machine, orgchange, timed

REBUILD_TARGET = 20_000  # events/s (issue 20)
IMPORT_TARGET = 5_000  # changes/s
UNIT_PAGE_TARGET_MS = 10.0  # p50


def load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def events_in(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT COUNT(*) FROM orgchange_events")).scalar_one()
    finally:
        engine.dispose()


def rebuild(url: str) -> dict[str, Any]:
    before = load()
    seconds, memory, _ = timed(orgchange(url, "rebuild"))
    events = events_in(url)
    return {
        "events": events,
        "seconds": round(seconds, 1),
        "events_per_second": round(events / seconds),
        "peak_memory_mib": round(memory),
        "target_events_per_second": REBUILD_TARGET,
        "met": events / seconds >= REBUILD_TARGET,
        "load_before": before,
        "load_after": load(),
    }


def unit_page_figures(url: str, samples: int) -> dict[str, Any]:
    before = load()
    found = unit_page.measure(url, samples)
    return {
        "queries": found,
        "target_p50_ms": UNIT_PAGE_TARGET_MS,
        "load_before": before,
        "load_after": load(),
    }


def import_figures(kind: str, path: Path, options: Options, changes: int) -> dict[str, Any]:
    with fresh_database(kind, options, "import") as url:
        before = load()
        seconds, memory, _ = timed(orgchange(url, "import", str(path)))
        return {
            "changes": changes,
            "seconds": round(seconds, 1),
            "changes_per_second": round(changes / seconds),
            "peak_memory_mib": round(memory),
            "target_changes_per_second": IMPORT_TARGET,
            "met": changes / seconds >= IMPORT_TARGET,
            "load_before": before,
            "load_after": load(),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", help="an imported SQLite database")
    parser.add_argument("--postgres", help="an imported PostgreSQL database")
    parser.add_argument("--import", dest="change_file", type=Path, help="a change file to time the import of")
    parser.add_argument("--admin", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--skip", default="", help="comma-separated: rebuild, unit_page")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    result: dict[str, Any] = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),  # the commit, and the machine's speed that day (python_reference_ms)
        "databases": {},
    }
    for kind, url in (("sqlite", args.sqlite), ("postgres", args.postgres)):
        if url is None:
            continue
        figures: dict[str, Any] = {}
        if "rebuild" not in skip:
            figures["rebuild"] = rebuild(url)
            print(kind, "rebuild", figures["rebuild"], file=sys.stderr)
        if "unit_page" not in skip:
            figures["unit_page"] = unit_page_figures(url, args.samples)
            print(kind, "unit page", figures["unit_page"], file=sys.stderr)
        if args.change_file is not None:
            options = Options(args.change_file.parent, args.admin, 0, 0, 0)
            changes = len(json.loads(args.change_file.read_text())["changes"])
            figures["import"] = import_figures(kind, args.change_file, options, changes)
            print(kind, "import", figures["import"], file=sys.stderr)
        result["databases"][kind] = figures
        time.sleep(1)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    if args.output is not None:
        args.output.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
