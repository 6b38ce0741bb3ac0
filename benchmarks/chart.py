"""The web page's org chart and search on a generated register, in headless Chromium.

    .venv/bin/python -m benchmarks.chart                       # 2,000 units, 5 openings
    .venv/bin/python -m benchmarks.chart --units 2000 --runs 5 --search-units 20000

For a register of `--units` units (benchmarks/generate.py, twice as many changes), served
by `orgchange serve` on loopback from SQLite: the time from asking for the page
(`#/organisation?datum=…`) to the chart drawn and the view done, in a fresh browser each
time; the time to open every level of the chart; the time for the chart to follow the date
slider one day on (a new organisation and its diff, marked). Then the latency of GraphQL
`search` over HTTP, for prefixes of real names, on this register and (with
`--search-units`) on a larger one. Prints a table and writes the figures to
benchmarks/results/chart-YYYY-MM-DD.json, with each opening's time and the load average
(/proc/loadavg) before it. tests/test_web_chart.py runs the same steps
against a loose bound; the figures belong here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from .generate import END, Sizes, generate, write_change_file

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# The chart is drawn and the view is done: what a visitor waits for.
CHART_DRAWN = (
    "() => document.querySelector('#chart svg g.node') && !document.querySelector('main[aria-busy]')"
)


@dataclass(frozen=True)
class Register:
    url: str  # the database
    changes: list[dict[str, Any]]  # the change file's changes, as generated
    day: date  # a day to look at: the last of the generated history


def make_register(units: int, folder: Path, seed: int = 7) -> Register:
    """A generated register of about `units` units in a new SQLite file, imported by the CLI."""
    document, _ = generate(Sizes(units=units, changes=2 * units, seed=seed))
    path = folder / f"register-{units}.json"
    write_change_file(document, path)
    url = f"sqlite:///{folder / f'register-{units}.db'}"
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": url, "ORGCHANGE_USER": "benchmark"}
    subprocess.run(
        [sys.executable, "-m", "orgchange", "import", str(path)], env=env, check=True, capture_output=True
    )
    return Register(url, document["changes"], END)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(database_url: str) -> Iterator[str]:
    """`orgchange serve` over the database on a free loopback port; its base URL."""
    port = _free_port()
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "orgchange", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("orgchange serve did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def open_chart(page: Any, base: str, day: date) -> float:
    """Seconds from asking for the org chart view to the chart drawn."""
    started = time.perf_counter()
    page.goto(f"{base}/#/organisation?datum={day.isoformat()}")
    page.wait_for_function(CHART_DRAWN, timeout=120_000)
    return time.perf_counter() - started


def open_every_level(page: Any) -> float:
    """Seconds to open every branch of the chart, a level a click, until none is closed."""
    closed = '#chart [data-toggle][aria-expanded="false"]'
    changed = "n => document.querySelector('#chart svg').getAttribute('data-nodes') !== n"
    started = time.perf_counter()
    while page.locator(closed).count():
        before = page.get_attribute("#chart svg", "data-nodes")
        page.click("#chart [data-action=open-all]")
        page.wait_for_function(changed, arg=before, timeout=60_000)
    return time.perf_counter() - started


def move_one_day(page: Any) -> float:
    """Seconds for the chart to follow the slider one day back (the organisation and its diff)."""
    page.focus("#datum-slider")
    started = time.perf_counter()
    before = page.input_value("#datum")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "d => document.querySelector('#chart-changes p')?.textContent.includes(d)", arg=before, timeout=60_000
    )
    return time.perf_counter() - started


def search_latencies(base: str, changes: list[dict[str, Any]], n: int = 40) -> list[float]:
    """Milliseconds of GraphQL `search` for prefixes (3–6 letters) of names in the register."""
    names = [
        c["name"] for c in changes if c.get("type") in ("establish_unit", "rename_unit") and c.get("name")
    ]
    step = max(1, len(names) // n)
    query = "query($t: String!) { search(text: $t, first: 20) { kind id name validFrom validTo current } }"
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for i, name in enumerate(names[::step][:n]):
            word = name.split()[-1]
            text = word[: 3 + i % 4]
            started = time.perf_counter()
            response = client.post("/graphql", json={"query": query, "variables": {"t": text}})
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
    return times


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (/proc/loadavg): the machine is shared."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--search-units", type=int, default=0, help="also time search on a register this large"
    )
    parser.add_argument("-o", "--output", type=Path, default=None)
    options = parser.parse_args(argv)
    from tests.browser import browser_page

    result: dict[str, Any] = {
        "machine": {
            "date": date.today().isoformat(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "units": options.units,
        "load_average_at_start": load_average(),
    }
    with tempfile.TemporaryDirectory() as folder:
        register = make_register(options.units, Path(folder))
        with served(register.url) as base:
            openings, levels, moves, loads = [], [], [], []
            for _ in range(options.runs):
                with browser_page() as page:
                    loads.append(load_average())
                    openings.append(open_chart(page, base, register.day))
                    result["nodes_drawn_at_first"] = int(page.get_attribute("#chart svg", "data-nodes") or 0)
                    moves.append(move_one_day(page))
                    levels.append(open_every_level(page))
                    result["nodes_drawn_all_open"] = int(page.get_attribute("#chart svg", "data-nodes") or 0)
            result["chart_opens_seconds"] = {
                "median": round(statistics.median(openings), 3),
                "max": round(max(openings), 3),
                "runs": [round(t, 3) for t in openings],
                "load_average_before_each": loads,
            }
            result["slider_one_day_seconds"] = {
                "median": round(statistics.median(moves), 3),
                "max": round(max(moves), 3),
            }
            result["open_every_level_seconds"] = {
                "median": round(statistics.median(levels), 3),
                "max": round(max(levels), 3),
            }
            times = search_latencies(base, register.changes)
            result["search_ms"] = {
                "units": options.units,
                "p50": _p(times, 0.5),
                "p95": _p(times, 0.95),
                "n": len(times),
            }
        if options.search_units:
            large = make_register(options.search_units, Path(folder), seed=11)
            with served(large.url) as base:
                search_latencies(base, large.changes, 5)  # warm up
                times = search_latencies(base, large.changes)
                result["search_ms_large"] = {
                    "units": options.search_units,
                    "p50": _p(times, 0.5),
                    "p95": _p(times, 0.95),
                    "n": len(times),
                }
    result["load_average_at_end"] = load_average()
    print(json.dumps(result, indent=1))
    output = options.output or RESULTS / f"chart-{date.today().isoformat()}.json"
    output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"written to {output}")


if __name__ == "__main__":
    main()
