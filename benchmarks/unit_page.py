"""The unit page's queries alone, over HTTP, on a database already imported: a quick check.

    .venv/bin/python -m benchmarks.unit_page sqlite:///register.db [--samples 60] [--runs 3] [-o FILE]

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1, help="servers started one after another")
    parser.add_argument("-o", "--output", type=Path, help="also write the runs here, with the load average")
    args = parser.parse_args(argv)
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
