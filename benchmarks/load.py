"""A load test from a process of its own: concurrent GraphQL readers against a running server.

    .venv/bin/python -m benchmarks.load http://127.0.0.1:8000 --clients 8 --seconds 10 --work work.json

`work.json` holds what to ask (`units` with their days, `boards`, `years`). Each
client asks, one after another until the time is up: a unit on a day (70 %), a
page of the change log (20 %), a board's delegations on a day (10 %), at random
from a space far larger than any cache. Prints JSON: requests, errors,
requests per second, p50 and p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import time
from pathlib import Path
from typing import Any

import httpx

UNIT = "query ($id: ID!, $d: Date!) { unit(id: $id, asOf: $d) { id name kind parentId ownerId } }"
CHANGES = (
    "query ($f: Date!, $t: Date!) { changes(from: $f, to: $t, first: 20) { totalCount "
    "edges { node { id type effective summary } } } }"
)
DELEGATIONS = "query ($d: Date!, $b: ID!) { delegations(asOf: $d, board: $b) { id code matter toId } }"


def _question(rng: random.Random, work: dict[str, Any]) -> dict[str, Any]:
    pick = rng.random()
    if pick < 0.7:
        key, first, last = rng.choice(work["units"])
        day = _day(rng, first, last)
        return {"query": UNIT, "variables": {"id": key, "d": day}}
    if pick < 0.9:
        year = rng.choice(work["years"])
        month = rng.randint(1, 12)
        return {"query": CHANGES, "variables": {"f": f"{year}-{month:02d}-01", "t": f"{year}-{month:02d}-28"}}
    year = rng.choice(work["years"])
    day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {"query": DELEGATIONS, "variables": {"d": day, "b": rng.choice(work["boards"])}}


def _day(rng: random.Random, first: str, last: str) -> str:
    from datetime import date, timedelta

    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return (start + timedelta(days=rng.randrange(max(1, (end - start).days)))).isoformat()


async def _client(
    url: str, work: dict[str, Any], seed: int, until: float, out: list[float], errors: list[int]
):
    rng = random.Random(seed)
    # TCP_NODELAY: without it, a request's headers and body wait on each other's
    # acknowledgement (Nagle and delayed ACK), 40 ms a request on loopback.
    transport = httpx.AsyncHTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    async with httpx.AsyncClient(base_url=url, timeout=60, transport=transport) as client:
        while time.perf_counter() < until:
            question = _question(rng, work)
            started = time.perf_counter()
            response = await client.post("/graphql", json=question)
            out.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                errors.append(response.status_code)


async def run(url: str, clients: int, seconds: float, work: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(url, work, n, until, latencies, errors) for n in range(clients)))
    took = time.perf_counter() - started
    latencies.sort()
    return {
        "clients": clients,
        "seconds": round(took, 2),
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_second": round(len(latencies) / took, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 2) if latencies else None,
        "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2)
        if latencies
        else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args(argv)
    work = json.loads(args.work.read_text())
    print(json.dumps(asyncio.run(run(args.url, args.clients, args.seconds, work))))


if __name__ == "__main__":
    main()
