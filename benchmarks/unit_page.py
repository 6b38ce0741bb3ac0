"""The unit page's queries alone, over HTTP, on a database already imported: a quick check.

    .venv/bin/python -m benchmarks.unit_page sqlite:///register.db [--samples 60] [--runs 3] [-o FILE]
    .venv/bin/python -m benchmarks.unit_page sqlite:///register.db --database-share 50

Starts `orgchange serve` on the database and asks the queries the web page sends when
someone clicks a unit (`benchmarks/page_queries.py`, the entries marked `unit_page`), and
`unit(id, asOf){ id name children{ id } }`, about units in effect on days drawn at random;
prints p50/p95 in ms as JSON. For comparing one database with another (with and without
an index, say) in the same minute, where `benchmarks.run` takes an hour.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

from . import page_queries
from .baselines import RawSql
from .run import Server, machine, percentiles, random_days

CHILDREN = "query ($id: ID!, $d: Date!) { unit(id: $id, asOf: $d) { id name children { id } } }"


def measure(url: str, samples: int) -> dict[str, Any]:
    raw = RawSql(url)
    server = Server(url)
    try:
        rng = random.Random(13)
        days = random_days(rng, 40)
        on_day = {d: raw.organisation(d) for d in days}
        pairs = [(key, d) for d in days for key, *_ in rng.sample(on_day[d], min(20, len(on_day[d])))]
        found: dict[str, Any] = {}
        for query, entry in page_queries.measured():
            if not entry.unit_page:
                continue
            times = []
            for n, (key, d) in enumerate(rng.sample(pairs, min(samples, len(pairs)))):
                sample = page_queries.Sample(
                    unit=key, day=d, board=key, units_on_day=[r[0] for r in on_day[d]], draft=None, rng=rng
                )
                took, _ = server.graphql(*page_queries.asked(query, entry, sample))
                if n:  # the first time, the server parses and validates the document
                    times.append(took)
            found[query.where] = percentiles(times)
        chosen = rng.sample(pairs, min(samples, len(pairs)))
        found["unit(id, asOf){ id name children{ id } }"] = percentiles(
            [server.graphql(CHILDREN, {"id": key, "d": d.isoformat()})[0] for key, d in chosen]
        )
        return found
    finally:
        server.stop()
        raw.close()


def database_share(url: str, pages: int) -> dict[str, Any]:
    """The database's own share of the unit page: its statements, replayed one after another.

    The app runs in this process (no HTTP); the statements and parameters of `pages` unit
    pages are caught as SQLAlchemy sends them, then each page's are sent again, in order, on
    one connection of the driver itself, five times (the figure is the last, with the
    database's caches and the driver's prepared statements warm).
    """
    from sqlalchemy import event
    from starlette.testclient import TestClient

    from api.main import create_app
    from orgchange.application.config import Settings

    raw = RawSql(url)
    app = create_app(Settings(database_url=url, load_register_at_start=False, answer_cache_mb=0))
    try:
        rng = random.Random(17)
        days = random_days(rng, 20)
        on_day = {d: raw.organisation(d) for d in days}
        pairs = [(key, d) for d in days for key, *_ in rng.sample(on_day[d], min(10, len(on_day[d])))]
        query, entry = next(
            (q, e) for q, e in page_queries.measured() if e.unit_page and isinstance(e, page_queries.Vars)
        )
        caught: list[list[tuple[str, Any]]] = []
        with TestClient(app) as client:
            engine = app.state.orgchange.engine

            def catch(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
                caught[-1].append((statement, params))

            event.listen(engine, "before_cursor_execute", catch)
            for key, d in rng.sample(pairs, min(pages, len(pairs))):
                sample = page_queries.Sample(
                    unit=key, day=d, board=key, units_on_day=[r[0] for r in on_day[d]], draft=None, rng=rng
                )
                document, variables = page_queries.asked(query, entry, sample)
                caught.append([])
                assert (
                    client.post("/graphql", json={"query": document, "variables": variables}).status_code
                    == 200
                )
            event.remove(engine, "before_cursor_execute", catch)
            connection = engine.raw_connection()
            try:
                if hasattr(connection.driver_connection, "autocommit"):
                    connection.driver_connection.autocommit = True
                cursor = connection.cursor()
                times = []
                for statements in caught:
                    for _ in range(5):
                        started = time.perf_counter()
                        for statement, params in statements:
                            cursor.execute(statement, params)
                            cursor.fetchall()
                        took = time.perf_counter() - started
                    times.append(took)
            finally:
                connection.close()
        return {
            "where": query.where,
            "statements_per_page": sorted(len(s) for s in caught)[len(caught) // 2],
            "replayed_one_after_another": percentiles(times),
        }
    finally:
        raw.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1, help="servers started one after another")
    parser.add_argument("-o", "--output", type=Path, help="also write the runs here, with the load average")
    parser.add_argument(
        "--database-share", type=int, metavar="PAGES", help="only replay the statements of PAGES unit pages"
    )
    args = parser.parse_args(argv)
    if args.database_share:
        print(json.dumps(database_share(args.url, args.database_share), indent=1))
        return
    runs = []
    for _ in range(args.runs):
        before = Path("/proc/loadavg").read_text().split()[:3]
        found = measure(args.url, args.samples)
        runs.append({"loadavg": [before, Path("/proc/loadavg").read_text().split()[:3]], "p": found})
        print(json.dumps(found, indent=1))
    if args.output:
        kind = "postgres" if args.url.startswith("postgresql") else "sqlite"
        answer = {"machine": machine(), "database": kind, "samples": args.samples, "runs": runs}
        args.output.write_text(json.dumps(answer, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
