"""Shared helpers of the hardening tests: real databases, real subprocesses, no mocks.

`check_register` is the verdict every test here ends with: the read models the
service has (after catching up, as a restarted service would) equal a fresh
rebuild from the events; every change is in the log once; and the rules of the
register hold on every day on which anything starts or ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from orgchange.application import OrgChange
from projections import tables
from tests.support import ROOT
from tests.test_properties import assert_rules_hold, snapshot


def orgchange_command(database_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "orgchange", "--db", database_url, *args]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORGCHANGE_")}
    env["ORGCHANGE_LANGUAGE"] = "en"  # the language these tests state the reasons in
    env.update(extra)
    return env


def run_cli(database_url: str, *args: str, user: str = "cli", timeout: float = 120, **popen: Any):
    """`orgchange …` in a subprocess of its own; returns the CompletedProcess."""
    return subprocess.run(
        orgchange_command(database_url, *args),
        cwd=ROOT,
        env=cli_env(ORGCHANGE_USER=user),
        capture_output=True,
        text=True,
        timeout=timeout,
        **popen,
    )


def write_file(path: Path, changes: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"format": "orgchange/v1", "changes": changes}, sort_keys=False))
    return path


def base_entries(prefix: str = "") -> list[dict[str, Any]]:
    """KF, KS and an office, from 2012-01-01."""
    day = "2012-01-01"
    return [
        {"id": f"{prefix}kf", "type": "establish_unit", "effective": day, "unit": f"{prefix}kf", "name": "KF"}
        | {"kind": "council"},
        {"id": f"{prefix}ks", "type": "establish_unit", "effective": day, "unit": f"{prefix}ks", "name": "KS"}
        | {"kind": "board", "parent": f"{prefix}kf"},
        {"id": f"{prefix}slk", "type": "establish_unit", "effective": day, "unit": f"{prefix}slk"}
        | {"name": "Stadsledningskontoret", "kind": "office", "parent": f"{prefix}ks"},
    ]


def large_file_entries(count: int, prefix: str) -> list[dict[str, Any]]:
    """A reorganisation of `count` units with a post each, under its own KF/KS (keys start with `prefix`)."""
    entries = base_entries(prefix)
    for n in range(count):
        unit, post = f"{prefix}u{n}", f"{prefix}p{n}"
        entries.append(
            {"id": unit, "type": "establish_unit", "effective": "2013-01-01", "unit": unit}
            | {"name": f"Enhet {n}", "kind": "unit", "parent": f"{prefix}slk"}
        )
        entries.append(
            {"id": post, "type": "establish_position", "effective": "2013-01-01", "position": post}
            | {"title": "Enhetschef", "unit": unit}
        )
    return entries


def event_count(app: OrgChange) -> int:
    return app.event_count()


def logged_ids(app: OrgChange) -> list[str]:
    log = tables.change_log
    with app.engine.connect() as connection:
        return [row[0] for row in connection.execute(select(log.c.change_id).order_by(log.c.seq))]


def check_register(database_url: str) -> OrgChange:
    """Open the register as a restarted service would, and check it through and through.

    Returns the (open) application; the caller closes it with `close`.
    """
    app = OrgChange(database_url)
    app.catch_up()
    assert not app.read_models_behind()
    caught_up = snapshot(app)
    app.rebuild()
    assert snapshot(app) == caught_up, "the read models differ from a fresh rebuild"
    register = app.register()
    ids = logged_ids(app)
    duplicates = [key for key, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"changes logged more than once: {duplicates}"
    assert set(ids) == {key for key, entry in register.log.items() if entry.change.TYPE in _LOGGED}
    assert_rules_hold(register.timeline)
    return app


_LOGGED = {
    "establish_unit",
    "rename_unit",
    "reclassify_unit",
    "move_unit",
    "merge_units",
    "split_unit",
    "dissolve_unit",
    "spin_off_unit",
    "establish_position",
    "move_position",
    "abolish_position",
    "grant_delegation",
    "amend_delegation",
    "revoke_delegation",
    "subdelegate",
    "cancel_change",
    "correct_change",
}


def close(app: OrgChange) -> None:
    app.close()
    app.engine.dispose()


def report(name: str, **figures: Any) -> None:
    """Append the figures of a run to $ORGCHANGE_RELIABILITY_LOG (JSON lines), if set: docs/reliability.md
    quotes them."""
    target = os.environ.get("ORGCHANGE_RELIABILITY_LOG")
    if target:
        import json

        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": name, **figures}) + "\n")
