"""The benchmark of delegated decisions (docs/decisions.md): import, a meeting's list, re-check.

    .venv/bin/python -m benchmarks.decisions                       # 100,000 decisions, SQLite
    .venv/bin/python -m benchmarks.decisions --count 20000 --database postgresql+psycopg://postgres@127.0.0.1/test

Over the Nacka sample register, in a fresh database (SQLite in a temporary directory, or the
PostgreSQL database given, which must be empty): decisions spread over 2016–2018 and the
sample's delegations are recorded in bodies of 5,000 (decisions per second); a board's list for
one month is asked 50 times over HTTP (GraphQL `delegatedDecisions`, p50 and p95); then a
retroactive amendment of one delegation is recorded, and the time it took and the number of
decisions it re-checked are printed beside the number under that delegation.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from orgchange.application import OrgChange
from orgchange.application.changefile import load_change_file, parse_change_file
from orgchange.application.decisions import record_decisions
from orgchange.domain.decisions import DelegatedDecisionEntry
from projections.decisions import decision_checks, delegated_decisions

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
BODY = 5000


def decisions(count: int, seed: int = 7) -> list[DelegatedDecisionEntry]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        code, post = rng.choice(CHOICES)
        made.append(
            DelegatedDecisionEntry(
                id=f"BENCH-{n}",
                delegation=code,
                decided_by=post,
                date=date(2016, 1, 1) + timedelta(days=rng.randrange(1000)),
                matter=f"Ärende {n}",
                reference=f"DNR {2016 + n % 3}/{n}",
                amount=float(rng.randrange(200_000)),
            )
        )
    return made


def run(url: str, count: int) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from orgchange.application.config import Settings

    app = OrgChange(url)
    app.record_changes(load_change_file(SAMPLE).changes, "benchmark")
    entries = decisions(count)
    started = time.perf_counter()
    for start in range(0, count, BODY):
        record_decisions(app, entries[start : start + BODY], "benchmark")
    elapsed = time.perf_counter() - started
    print(f"import: {count:,} decisions in {elapsed:.1f} s, {count / elapsed:,.0f} decisions/s")

    query = """query($b: ID, $f: Date, $t: Date) {
        delegatedDecisions(board: $b, from: $f, to: $t, first: 1000) {
        totalCount edges { node { id date findings reportTo } } } }"""
    with TestClient(create_app(Settings(database_url=url, public_read=True), app)) as client:
        times, total = [], 0
        for month in range(50):
            first = date(2016, 1, 1) + timedelta(days=30 * (month % 30))
            variables = {"b": "ntn", "f": first.isoformat(), "t": (first + timedelta(days=30)).isoformat()}
            began = time.perf_counter()
            answer = client.post("/graphql", json={"query": query, "variables": variables}).json()
            times.append((time.perf_counter() - began) * 1000)
            total = answer["data"]["delegatedDecisions"]["totalCount"]
        times.sort()
        p50, p95 = statistics.median(times), times[47]
        print(f"a board's month over HTTP: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({total} decisions)")

    with app.engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(decision_checks)).scalar_one()
        under = connection.execute(
            select(func.count())
            .select_from(delegated_decisions)
            .where(delegated_decisions.c.delegation_id == "ntn-n2")
        ).scalar_one()
    amend = parse_change_file(
        "format: orgchange/v1\nchanges:\n  - {id: bench-amend, type: amend_delegation, effective: 2017-01-01,"
        " delegation: ntn-n2, to: trafikchef}\n"
    )
    began = time.perf_counter()
    app.record_changes(amend.changes, "benchmark")
    took = time.perf_counter() - began
    with app.engine.connect() as connection:
        after = connection.execute(select(func.count()).select_from(decision_checks)).scalar_one()
    print(
        f"retroactive amendment of N.2: {took * 1000:.0f} ms; {after - before:,} checks changed "
        f"of {under:,} decisions under N.2 ({count:,} in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--database", help="an empty database's URL; default: SQLite in a temporary directory"
    )
    args = parser.parse_args()
    if args.database:
        run(args.database, args.count)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/decisions.db", args.count)


if __name__ == "__main__":
    main()
