"""The benchmark of delegated decisions (docs/decisions.md): import, a meeting's list, re-check.

    .venv/bin/python -m benchmarks.decisions                     # SQLite in a temporary directory
    .venv/bin/python -m benchmarks.decisions --database postgresql+psycopg://postgres@127.0.0.1/bench
    .venv/bin/python -m benchmarks.decisions --output benchmarks/results/decisions-DAY.json

Over the Nacka sample register, in a fresh database (SQLite in a temporary directory, or the
PostgreSQL database given, which must be empty), the issue's three targets:

* import ≥ 5,000 decisions/s: a year of decisions (`--count`, 100,000) imported from files
  as `orgchange decisions import` reads them — first as `orgchange-decisions/v1` JSON, then
  another year as CSV exports with a column mapping (files of 20,000, the CSV reader's
  bound), each file read, checked and recorded in one transaction;
* a meeting's list p50 ≤ 100 ms over HTTP with 500,000 decisions recorded: the register is
  filled up to `--list-size` (by the same recording path, in bodies of 50,000, untimed),
  then `orgchange serve` is started and asked over HTTP for a board's month, a different
  month each time (the answer cache off): the web view's own query, read out of
  orgchange/web/decisions.js (its first page of 100 with the counts of all and of those with
  findings), and a page of 100 of four fields without the counts;
* re-checking after a retroactive change touches only the decisions under the delegations
  it changed: a retroactive amendment of N.2 is recorded, and the number of decisions the
  re-check read is set beside the number under N.2 (and its vidaredelegations).

The generated files are written once into `--cache` and reused by later runs (on either
database). With every figure the machine's load average (`/proc/loadavg`) is recorded.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, or_, select

from orgchange.application import OrgChange
from orgchange.application import decisions as deciding
from orgchange.application.changefile import load_change_file, parse_change_file
from orgchange.application.decisions import load_decisions, record_decisions
from orgchange.domain.decisions import FORMAT
from projections import decisions as dm
from projections import tables as t

SAMPLE = Path(__file__).resolve().parents[1] / "orgchange" / "sample" / "nacka-2012-2018.yaml"
CHOICES = [
    ("N.1", "trafikchef"),
    ("N.2", "va-chef"),
    ("F.1", "fritidschef"),
    ("B.1", "stadsdirektor"),
    ("ks-b1-valfard", "valfardsdirektor"),
    ("C.1", "personaldirektor"),
    ("1.1", "sektionschef-ekonomiskt-bistand"),
]
FILE_SIZE = 20_000  # the CSV reader's bound (orgchange/application/tables.py MAX_ROWS)
FILL_BODY = 50_000
DAYS = 1_000  # 2016-01-01 .. 2018-09-26
HEADER = ["id", "delegation", "decided_by", "date", "matter", "reference", "amount", "acting_as_substitute"]
TARGETS = {
    "import": "≥ 5,000 decisions/s",
    "list": "p50 ≤ 100 ms",
    "recheck": "touches only the decisions under the changed delegations",
    "reorganisation": "a change of the organisation costs the same however many decisions are recorded",
}


def loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def rows(prefix: str, start: int, count: int, seed: int) -> list[list[str]]:
    """Decisions `prefix-start` … as rows of HEADER, spread over DAYS days and the sample's delegations."""
    rng = random.Random(seed * 1_000_003 + start)
    made = []
    for n in range(start, start + count):
        code, post = rng.choice(CHOICES)
        day = date(2016, 1, 1) + timedelta(days=rng.randrange(DAYS))
        made.append(
            [
                f"{prefix}-{n}",
                code,
                post,
                day.isoformat(),
                f"Ärende {n}",
                f"DNR {day.year}/{n}",
                str(rng.randrange(200_000)),
                "nej",
            ]
        )
    return made


def _as_item(row: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = dict(zip(HEADER[:6], row[:6], strict=True))
    item["amount"] = float(row[6])
    return item


def files(cache: Path, kind: str, prefix: str, start: int, count: int, size: int) -> list[Path]:
    """Files of `size` decisions each (made once, then reused from `cache`)."""
    cache.mkdir(parents=True, exist_ok=True)
    made = []
    for first in range(start, start + count, size):
        n = min(size, start + count - first)
        path = cache / f"{prefix}-{first}-{n}.{kind}"
        if not path.exists():
            part = rows(prefix, first, n, seed=7)
            partial = path.with_suffix(path.suffix + ".part")
            if kind == "csv":
                with partial.open("w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(HEADER)
                    writer.writerows(part)
            else:
                body = {"format": FORMAT, "decisions": [_as_item(r) for r in part]}
                partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            partial.rename(path)
        made.append(path)
    return made


def timed_import(app: OrgChange, paths: list[Path], mapping: Path | None) -> dict[str, Any]:
    before = loadavg()
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        entries = load_decisions(path, mapping)
        count += len(record_decisions(app, entries, "benchmark").recorded)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "decisions": count,
        "seconds": round(elapsed, 2),
        "per_second": round(count / elapsed),
        # this process's own CPU time (on PostgreSQL the server's is not in it): on a shared
        # machine, what the import costs apart from waiting for a core
        "cpu_seconds": round(cpu, 2),
        "per_cpu_second": round(count / cpu),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


def fill(app: OrgChange, cache: Path, have: int, want: int) -> None:
    """Up to `want` decisions in all, by the recording path in large bodies (not timed)."""
    if want <= have:
        return
    for path in files(cache, "json", "FILL", have, want - have, FILL_BODY):
        record_decisions(app, load_decisions(path), "benchmark")


def web_view_query() -> str:
    """The view "Delegationsbeslut"'s own query, as orgchange/web/decisions.js asks it."""
    from .page_queries import documents

    (query,) = [q for q in documents() if q.file == "decisions.js"]
    return query.text


PAGE_QUERY = """query($b: ID, $f: Date, $t: Date) {
  delegatedDecisions(board: $b, from: $f, to: $t, first: 100) {
    pageInfo { hasNextPage endCursor } edges { node { id date findings reportTo } } } }"""


def months() -> list[date]:
    return [date(2016 + m // 12, m % 12 + 1, 1) for m in range(DAYS // 31)]


def timed_list(base: str, query: str, board: str, rounds: int) -> dict[str, Any]:
    chosen = months()
    times: list[float] = []
    sizes: list[int] = []
    before = loadavg()
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(rounds):
            first = chosen[n % len(chosen)]
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            variables = {"b": board, "f": first.isoformat(), "t": last.isoformat()}
            began = time.perf_counter()
            answer = client.post("/graphql", json={"query": query, "variables": variables})
            times.append((time.perf_counter() - began) * 1000)
            body = answer.json()
            if answer.status_code != 200 or body.get("errors"):
                raise RuntimeError(answer.text[:500])
            listed = body["data"]["delegatedDecisions"]
            sizes.append(listed.get("totalCount", len(listed["edges"])))
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "n": len(times),
        "decisions_in_month_median": statistics.median(sizes),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


def timed_recheck(app: OrgChange) -> dict[str, Any]:
    """A retroactive amendment of N.2 (ntn-n2): how many decisions the re-check read."""
    read: list[int] = []
    original = dm.recheck

    def counting(connection: Any, decision_ids: Any, at: Any) -> int:
        read.append(len(decision_ids))
        return original(connection, decision_ids, at)

    d = dm.delegated_decisions
    v = t.delegation_versions
    with app.engine.connect() as connection:
        related = {"ntn-n2"} | {
            r[0]
            for r in connection.execute(select(v.c.delegation_id).where(v.c.parent_delegation_id == "ntn-n2"))
        }
        under = connection.execute(
            select(func.count())
            .select_from(d)
            .where(
                or_(d.c.delegation_id.in_(sorted(related)), d.c.delegation_ref.in_(["N.2", *sorted(related)]))
            )
        ).scalar_one()
        unresolved = connection.execute(
            select(func.count()).select_from(d).where(d.c.delegation_id.is_(None))
        ).scalar_one()
        total = connection.execute(select(func.count()).select_from(d)).scalar_one()
    amend = parse_change_file(
        "format: orgchange/v1\nchanges:\n  - {id: bench-amend, type: amend_delegation, effective: 2017-01-01,"
        " delegation: ntn-n2, to: trafikchef}\n"
    )
    before = loadavg()
    dm.recheck = counting
    try:
        began = time.perf_counter()
        app.record_changes(amend.changes, "benchmark")
        took = time.perf_counter() - began
    finally:
        dm.recheck = original
    rechecked = sum(read)
    return {
        "seconds": round(took, 2),
        "decisions_rechecked": rechecked,
        "decisions_under_changed_delegations": under,
        "decisions_without_a_delegation": unresolved,
        "decisions_in_all": total,
        "only_those": rechecked <= under + unresolved,
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


def timed_reorganisation(app: OrgChange, phase: str) -> dict[str, Any]:
    """A rename of each unit of the kind `unit` alive at the end of the sample, each a change
    of the organisation recorded alone (in this process): asked before any decision is recorded
    and again with the register full of them, so that the two can be set side by side (the
    same units, each renamed once per phase, so that neither phase has the longer histories)."""
    units = [u.id for u in app.read_model.organisation(date(2019, 1, 1)) if u.kind == "unit"]
    day = {"before": date(2019, 1, 1), "between": date(2019, 7, 1)}.get(phase, date(2020, 1, 1))
    times: list[float] = []
    before = loadavg()
    for n, unit in enumerate(units):
        change = parse_change_file(
            f"format: orgchange/v1\nchanges:\n  - {{id: bench-rename-{phase}-{n}, type: rename_unit, "
            f"effective: {(day + timedelta(days=n)).isoformat()}, unit: {unit}, name: Enhet {phase} {n}}}\n"
        )
        began = time.perf_counter()
        app.record_changes(change.changes, "benchmark")
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "max_ms": round(times[-1], 1),
        "n": len(times),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


def run(url: str, count: int, list_size: int, rounds: int, cache: Path) -> dict[str, Any]:
    from .chart import served

    database = "postgres" if url.startswith("postgresql") else "sqlite"
    app = OrgChange(url)
    app.record_changes(load_change_file(SAMPLE).changes, "benchmark")
    mapping = cache / "mapping.yaml"
    cache.mkdir(parents=True, exist_ok=True)
    mapping.write_text("columns: {}\n", encoding="utf-8")
    result: dict[str, Any] = {"date": date.today().isoformat(), "database": database, "targets": TARGETS}
    result["reorganisation_without_decisions"] = timed_reorganisation(app, "before")
    print(database, "reorganisation, no decisions", result["reorganisation_without_decisions"], flush=True)
    result["import_json"] = timed_import(app, files(cache, "json", "JSON", 0, count, FILE_SIZE), None)
    print(database, "import JSON", result["import_json"], flush=True)
    result["import_csv"] = timed_import(app, files(cache, "csv", "CSV", 0, count, FILE_SIZE), mapping)
    print(database, "import CSV", result["import_csv"], flush=True)
    result["reorganisation_with_imported_decisions"] = timed_reorganisation(app, "between")
    imported = result["reorganisation_with_imported_decisions"]
    print(database, f"reorganisation, {2 * count} decisions", imported, flush=True)
    fill(app, cache, 2 * count, list_size)
    recorded = deciding.decision_count(app)
    result["recorded"] = recorded
    result["reorganisation_with_decisions"] = timed_reorganisation(app, "after")
    with_them = result["reorganisation_with_decisions"]
    print(database, f"reorganisation, {recorded} decisions", with_them, flush=True)
    os.environ["ORGCHANGE_ANSWER_CACHE_MB"] = "0"
    with served(url) as base:
        result["list_month_web_view"] = timed_list(base, web_view_query(), "ntn", rounds)
        print(database, "list (web view)", result["list_month_web_view"], flush=True)
        result["list_month_page_of_100"] = timed_list(base, PAGE_QUERY, "ntn", rounds)
        print(database, "list (page of 100)", result["list_month_page_of_100"], flush=True)
    result["recheck"] = timed_recheck(app)
    print(database, "re-check", result["recheck"], flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="decisions per imported year")
    parser.add_argument("--list-size", type=int, default=500_000, help="decisions recorded when listing")
    parser.add_argument("--rounds", type=int, default=60, help="lists asked over HTTP")
    parser.add_argument(
        "--database", help="an empty database's URL; default: SQLite in a temporary directory"
    )
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "orgchange-bench-decisions"
    )
    parser.add_argument("--output", type=Path, help="write the results (JSON) here, beside what it holds")
    args = parser.parse_args()
    if args.database:
        result = run(args.database, args.count, args.list_size, args.rounds, args.cache)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run(
                f"sqlite:///{folder}/decisions.db", args.count, args.list_size, args.rounds, args.cache
            )
    if args.output:
        held = json.loads(args.output.read_text()) if args.output.exists() else {}
        held[result["database"]] = result
        args.output.write_text(json.dumps(held, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
