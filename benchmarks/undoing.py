"""What the register's own work costs for a change that re-folds: a retroactive one, a cancellation.

    .venv/bin/python -m benchmarks.undoing sqlite:///register.db [--samples 20] [-o FILE]

On a database already imported, reads the register from its newest snapshot (as a server does
at its start; take one first with `orgchange snapshot`: the events after it are not read) and
times, in this process and without the database, `Register.record` of one change on a copy of
the register for each sample: a rename at the head of the fold (nothing re-folded), a rename a
day before the last change's day (a re-fold of that one day), and the cancellation of the last
change recorded. The copy is made before the clock starts. What the HTTP path adds to it is
`benchmarks.writes`' to measure. Prints JSON.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orgchange.application.service import OrgChange
from orgchange.domain.changes import change_adapter
from orgchange.domain.register import Register

from .run import machine, percentiles, python_reference_ms

AT = datetime(2030, 1, 1, tzinfo=UTC)


def _changes(register: Register) -> dict[str, dict[str, Any]]:
    timeline = register.timeline
    head = timeline.entries[-1][0]
    unit = next(key for key, versions in timeline.units.items() if versions[-1].valid_to is None)
    last = max(
        (r for r in register.log.values() if r.effective is not None and r.cancelled_by is None),
        key=lambda recorded: recorded.seq,
    ).change
    return {
        "rename at the head": {
            "type": "rename_unit",
            "effective": (head + timedelta(days=1)).isoformat(),
            "unit": unit,
            "name": "Namnbyte vid huvudet",
        },
        "rename a day before the last day": {
            "type": "rename_unit",
            "effective": (head - timedelta(days=1)).isoformat(),
            "unit": unit,
            "name": "Namnbyte dagen före",
        },
        "cancellation of the last change": {"type": "cancel_change", "change": last.id, "reason": "mätning"},
    }


def measure(url: str, samples: int) -> dict[str, Any]:
    app = OrgChange(url)
    register = app.register_snapshots.latest(at_most=app.register_event_count())
    if register is None:
        raise SystemExit("the database has no snapshot: take one with `orgchange snapshot`")
    figures: dict[str, Any] = {
        "register_version": register.version,
        "entries": len(register.timeline.entries),
    }
    for label, fields in _changes(register).items():
        seconds = []
        for i in range(samples):
            working = copy.deepcopy(register)
            change = change_adapter.validate_python({**fields, "id": f"matning-{i}"})
            started = time.perf_counter()
            working.record([change], "benchmark", AT)
            seconds.append(time.perf_counter() - started)
        figures[label] = percentiles(seconds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a database with a register already imported (and a snapshot of it)")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    result = {
        "machine": machine(),
        "python_reference_ms": python_reference_ms(),
        "figures": measure(args.url, args.samples),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
