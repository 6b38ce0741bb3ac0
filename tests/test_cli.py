"""The command line, run as a real process against real databases (docs/cli.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml


def run(database_url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # In English, the language these tests state the reasons in (Swedish is tested in
    # tests/api/test_languages.py).
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": database_url,
        "ORGCHANGE_USER": "registrator",
        "ORGCHANGE_LANGUAGE": "en",
    }
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def write_file(path: Path, changes: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"format": "orgchange/v1", "changes": changes}, allow_unicode=True))
    return path


def test_demo_then_chart_json_for_a_date(database_url):
    first = run(database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "134 change(s) recorded" in first.stdout
    again = run(database_url, "demo")
    assert "0 change(s) recorded, 134 already recorded" in again.stdout
    chart = run(database_url, "chart", "--as-of", "2017-03-01", "--format", "json")
    data = json.loads(chart.stdout)
    assert data["asOf"] == "2017-03-01"
    ids = [u["id"] for u in data["units"]]
    assert ids == sorted(ids)
    company = next(u for u in data["units"] if u["id"] == "nacka-vatten-och-avfall-ab")
    assert company == {
        "id": "nacka-vatten-och-avfall-ab",
        "name": "Nacka vatten och avfall AB",
        "kind": "company",
        "parentId": None,
        "ownerId": "nacka-stadshus-ab",
    }
    assert "va-och-avfall" not in ids
    earlier = json.loads(run(database_url, "chart", "--as-of", "2016-12-31", "--format", "json").stdout)
    assert "va-och-avfall" in [u["id"] for u in earlier["units"]]


def test_text_chart_and_diff(sqlite_url):
    run(sqlite_url, "demo")
    text = run(sqlite_url, "chart", "--as-of", "2017-03-01", "--root", "ks").stdout
    assert text.splitlines()[1].startswith("└─ Kommunstyrelsen [board] ks")
    assert "Kommunfullmäktige" not in text
    diff = run(sqlite_url, "diff", "2016-12-31", "2017-01-01").stdout
    assert "+ nacka-vatten-och-avfall-ab" in diff and "- va-och-avfall" in diff


def test_diff_lists_reclassified_units_and_posts_established_abolished_and_moved(database_url):
    run(database_url, "demo")

    as_json = json.loads(run(database_url, "diff", "2013-12-31", "2014-01-01", "--format", "json").stdout)
    text = run(database_url, "diff", "2013-12-31", "2014-01-01").stdout

    assert as_json["reclassified"] == [
        {"id": "valfard-samhallsservice", "from": "unit", "to": "office"},
        {"id": "valfard-skola", "from": "unit", "to": "office"},
    ]
    assert as_json["positions"]["abolished"] == ["produktionsdirektor"]
    assert as_json["positions"]["established"] == [
        "valfard-samhallsservice-direktor",
        "valfard-skola-direktor",
    ]
    assert {"id": "valfardsdirektor", "fromUnit": "mhe", "toUnit": "valfardsomradet"} in as_json["positions"][
        "moved"
    ]
    assert "* valfard-skola: reclassified from unit to office" in text
    assert "- post produktionsdirektor" in text
    assert "+ post valfard-skola-direktor" in text


def test_a_rejected_file_exits_1_and_records_nothing(sqlite_url, tmp_path):
    run(sqlite_url, "demo")
    before = run(sqlite_url, "chart", "--as-of", "2018-01-01", "--format", "json").stdout
    bad = write_file(
        tmp_path / "bad.yaml",
        [
            {
                "id": "ok-1",
                "type": "rename_unit",
                "effective": "2018-01-01",
                "unit": "planenheten",
                "name": "Ny",
            },
            {
                "id": "bad-2",
                "type": "move_unit",
                "effective": "2018-01-01",
                "unit": "planenheten",
                "parent": "va-och-avfall",
            },
        ],
    )
    result = run(sqlite_url, "import", str(bad))
    assert result.returncode == 1
    assert (
        "change #2 (bad-2) move_unit: unit 'planenheten' cannot move under 'va-och-avfall'" in result.stderr
    )
    assert "(it ends 2016-12-31)" in result.stderr and "Traceback" not in result.stderr
    assert run(sqlite_url, "chart", "--as-of", "2018-01-01", "--format", "json").stdout == before


@pytest.mark.parametrize(
    "last, message",
    [
        (
            {"id": "m-1", "type": "merge_units", "units": ["ks"], "into": "ks"},
            "change #3 (m-1) merge_units: units cannot be merged into 'ks': "
            "a merge needs at least two units in 'units', and it names only 'ks'",
        ),
        (
            {"id": "s-1", "type": "split_unit", "unit": "ks", "into": [{"unit": "ks2", "name": "KS 2"}]},
            "change #3 (s-1) split_unit: unit 'ks' cannot be split: "
            "a split needs at least two successors in 'into', and it names only 'ks2'",
        ),
    ],
)
def test_a_merge_of_one_unit_or_a_split_into_one_is_rejected_not_malformed(
    database_url, tmp_path, last, message
):
    # Rule 4's cardinalities (docs/domain.md) are rules of the register (exit 1), not a malformed file (exit 2).
    path = write_file(
        tmp_path / "one.yaml",
        [
            {
                "type": "establish_unit",
                "effective": "2012-01-01",
                "unit": "kf",
                "name": "KF",
                "kind": "council",
            },
            {
                "type": "establish_unit",
                "effective": "2012-01-01",
                "unit": "ks",
                "name": "KS",
                "kind": "board",
                "parent": "kf",
            },
            {**last, "effective": "2013-01-01"},
        ],
    )
    result = run(database_url, "import", str(path))
    assert result.returncode == 1, result.stderr
    assert f"error: {message}\nNothing was recorded." in result.stderr
    assert "Traceback" not in result.stderr
    chart = run(database_url, "chart", "--as-of", "2012-01-01", "--format", "json")
    assert json.loads(chart.stdout)["units"] == []


@pytest.mark.parametrize(
    "content, expected",
    [
        ("format: orgchange/v1\nchanges: [\n", "not valid YAML or JSON"),
        (
            "format: orgchange/v1\nchanges:\n  - type: teleport_unit\n    effective: 2017-01-01\n",
            "unknown type 'teleport_unit'",
        ),
        (
            "format: orgchange/v1\nchanges:\n  - type: rename_unit\n    effective: 2017-01-01\n    unit: x\n",
            "missing field 'name'",
        ),
        (
            "format: orgchange/v1\nchanges:\n  - type: rename_unit\n    effective: 17\n    unit: x\n    name: y\n",
            "field 'effective'",
        ),
    ],
)
def test_a_malformed_file_exits_2(sqlite_url, tmp_path, content, expected):
    path = tmp_path / "malformed.yaml"
    path.write_text(content)
    result = run(sqlite_url, "import", str(path))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_export_then_import_reproduces_the_answers(database_url, sqlite_url, tmp_path):
    run(database_url, "demo")
    exported = tmp_path / "export.yaml"
    assert run(database_url, "export", "-o", str(exported)).returncode == 0
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    imported = run(other, "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    for day in ("2012-01-01", "2014-06-01", "2017-01-01", "2017-07-01", "2018-12-31"):
        a = run(database_url, "chart", "--as-of", day, "--format", "json").stdout
        b = run(other, "chart", "--as-of", day, "--format", "json").stdout
        assert a == b and json.loads(a)["units"]


def test_the_decisions_exported_and_imported_elsewhere_are_listed_as_before_with_their_findings(
    database_url, tmp_path
):
    """`orgchange export` carries the register and `orgchange decisions export` its delegated
    decisions: both imported into another database (here SQLite, as when moving a register from
    one kind to the other) list the same decisions with the same findings."""
    run(database_url, "demo")
    register, decided = tmp_path / "register.yaml", tmp_path / "decisions.json"
    assert run(database_url, "export", "-o", str(register)).returncode == 0
    exported = run(database_url, "decisions", "export", "--format", "json", "-o", str(decided))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(decided.read_text())
    assert document["format"] == "orgchange-decisions/v1" and len(document["decisions"]) >= 10
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    assert run(other, "import", str(register)).returncode == 0
    imported = run(other, "decisions", "import", str(decided))
    assert imported.returncode == 0, imported.stderr

    def listed(url: str) -> list[dict]:
        return json.loads(run(url, "decisions", "list", "--format", "json").stdout)

    before, after = listed(database_url), listed(other)
    assert after == before
    assert any(d["findings"] for d in before) and any(not d["findings"] for d in before)
    again = run(database_url, "decisions", "import", str(decided))  # the same decisions: all skipped
    assert again.returncode == 0 and f"0 decision(s) recorded, {len(before)}" in again.stdout, again.stdout
    as_yaml = run(database_url, "decisions", "export")
    assert yaml.safe_load(as_yaml.stdout) == document


def test_more_decisions_than_a_file_takes_are_exported_to_numbered_files_imported_in_order(
    sqlite_url, tmp_path, monkeypatch
):
    """With more decisions than EXPORT_PART (here 4), `decisions export` needs -o and writes FILE,
    FILE-2, …; `decisions import` takes them all, in order, and lists the same decisions."""
    from click.testing import CliRunner

    from orgchange.application import decisions
    from orgchange.cli import cli

    run(sqlite_url, "demo")
    register = tmp_path / "register.yaml"
    assert run(sqlite_url, "export", "-o", str(register)).returncode == 0
    monkeypatch.setattr(decisions, "EXPORT_PART", 4)
    monkeypatch.setenv("ORGCHANGE_LANGUAGE", "en")
    runner = CliRunner()

    to_terminal = runner.invoke(cli, ["--db", sqlite_url, "decisions", "export"])
    written = runner.invoke(
        cli, ["--db", sqlite_url, "decisions", "export", "-o", str(tmp_path / "beslut.yaml")]
    )

    assert to_terminal.exit_code == 2 and "give -o FILE" in to_terminal.output, to_terminal.output
    assert "decisions-v1" not in to_terminal.output and "orgchange-decisions" not in to_terminal.output
    assert written.exit_code == 0, written.output
    files = sorted(tmp_path.glob("beslut*.yaml"), key=lambda path: (len(path.name), path.name))
    counts = [len(yaml.safe_load(path.read_text())["decisions"]) for path in files]
    assert files[0].name == "beslut.yaml" and files[1].name == "beslut-2.yaml"
    assert counts[:-1] == [4] * (len(files) - 1) and 1 <= counts[-1] <= 4 and len(files) >= 3
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    assert run(other, "import", str(register)).returncode == 0
    imported = run(other, "decisions", "import", *map(str, files))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.count("decision(s) recorded") == len(files)

    def listed(url: str) -> list[dict]:
        return json.loads(run(url, "decisions", "list", "--format", "json").stdout)

    assert listed(other) == listed(sqlite_url) and len(listed(other)) == sum(counts)


def test_rebuild_gives_the_same_answers(sqlite_url):
    run(sqlite_url, "demo")
    before = run(sqlite_url, "chart", "--as-of", "2017-07-01", "--format", "json").stdout
    result = run(sqlite_url, "rebuild")
    assert result.returncode == 0 and "rebuilt from 137 event(s)" in result.stdout
    assert run(sqlite_url, "chart", "--as-of", "2017-07-01", "--format", "json").stdout == before


def test_snapshot_takes_one_of_the_register_as_it_stands_and_then_none_until_it_changes(database_url):
    run(database_url, "demo")
    taken = run(database_url, "snapshot")
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith("Snapshot of the register at version 137: ")
    again = run(database_url, "snapshot")
    assert again.returncode == 0 and again.stdout.startswith("No snapshot taken")
    from orgchange.application import OrgChange

    app = OrgChange(database_url)
    try:
        (info,) = app.register_snapshots.finished()
        assert info.register_version == app.register_event_count() == 137
        assert app.register_snapshots.latest(137) is not None
    finally:
        app.close()
        app.engine.dispose()


def test_snapshot_of_an_empty_register_takes_none(sqlite_url):
    result = run(sqlite_url, "snapshot")
    assert result.returncode == 0 and result.stdout.startswith("No snapshot taken")


def test_dot_needs_no_graphviz_and_svg_is_rendered(sqlite_url, tmp_path):
    run(sqlite_url, "demo")
    dot = run(sqlite_url, "chart", "--as-of", "2017-03-01", "--format", "dot").stdout
    assert dot.startswith("digraph orgchart {") and '"n_nacka-vatten-och-avfall-ab"' in dot
    svg = tmp_path / "chart.svg"
    assert (
        run(sqlite_url, "chart", "--as-of", "2017-03-01", "--format", "svg", "-o", str(svg)).returncode == 0
    )
    assert "Nacka vatten och avfall AB" in svg.read_text()


def test_a_bad_database_url_is_a_plain_error(tmp_path):
    result = run("mysql://nobody@localhost/x", "chart", "--as-of", "2017-01-01")
    assert result.returncode == 1 and "SQLite or PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        # ISO 8601 forms, but not the contract's: Python's own parser would take them
        ("--as-of", "20170301", "not a date written YYYY-MM-DD: 20170301"),
        ("--as-of", "2017-W09-3", "not a date written YYYY-MM-DD: 2017-W09-3"),
        ("--as-of", "2017-02-29", "not a calendar date: 2017-02-29"),
        ("--as-of", "0999-12-31", "a day must be between 1000-01-01 and 9998-12-31: 0999-12-31"),
        ("--known-at", "2017-03-01T12:00", "an instant needs a time zone"),
    ],
)
def test_dates_on_the_command_line_are_read_as_the_api_reads_them(sqlite_url, option, value, expected):
    day = [] if option == "--as-of" else ["--as-of", "2017-03-01"]
    result = run(sqlite_url, "chart", *day, option, value)
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_known_at_with_an_offset_is_read_as_that_instant(sqlite_url):
    run(sqlite_url, "demo")
    recorded = datetime.fromisoformat(run(sqlite_url, "audit").stdout.split("\t", 1)[0])
    plus_one = timezone(timedelta(hours=1))

    def units_known_at(instant: datetime) -> list:
        known_at = instant.isoformat()
        result = run(sqlite_url, "chart", "--as-of", "2017-03-01", "--known-at", known_at, "--format", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["units"]

    # The same instants written in Stockholm's winter time: at the recording, and just before it.
    assert units_known_at(recorded.astimezone(plus_one))
    assert units_known_at((recorded - timedelta(microseconds=1)).astimezone(plus_one)) == []


def _in_language(sqlite_url: str, language: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": sqlite_url}
    env.pop("ORGCHANGE_LANGUAGE", None)
    if language is not None:
        env["ORGCHANGE_LANGUAGE"] = language
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "swedish", "english"),
    [
        (("--bogus",), "Fel: Flaggan --bogus finns inte.", "Error: No such option: --bogus"),
        (
            ("chart", "--as-of", "2017-03-01", "--known-att", "2017-03-01T00:00:00Z"),
            "Fel: Flaggan --known-att finns inte. Menade du --known-at?",
            "Error: No such option: --known-att Did you mean --known-at?",
        ),
        (("import",), "Fel: Argumentet 'FILES...' saknas.", "Error: Missing argument 'FILES...'."),
        (("kartan",), "Fel: Kommandot 'kartan' finns inte.", "Error: No such command 'kartan'."),
        (
            ("chart", "--as-of", "2017-03-01", "--format", "gif"),
            "Fel: Ogiltigt värde för '--format': 'gif' är inte en av 'text', 'json', 'dot', 'svg', 'png', 'pdf'.",
            "Error: Invalid value for '--format': 'gif' is not one of 'text', 'json', 'dot', 'svg', 'png', 'pdf'.",
        ),
        (
            ("chart", "--as-of"),
            "Fel: Flaggan --as-of behöver ett värde.",
            "Error: Option --as-of requires an argument.",
        ),
        (
            ("export", "--as-of", "2017-03-01"),
            "Fel: --as-of: bara med --format jsonld|turtle|popolo",
            "Error: --as-of: only with --format jsonld|turtle|popolo",
        ),
    ],
)
def test_a_command_used_wrongly_is_told_in_swedish_by_default_and_in_english_when_asked(
    sqlite_url, args, swedish, english
):
    """click's own refusals are English; the command line speaks ORGCHANGE_LANGUAGE, with the
    code USAGE_ERROR and exit code 2 in both (docs/errors.md#the-command-line)."""
    default = _in_language(sqlite_url, None, *args)
    asked_in_english = _in_language(sqlite_url, "en", *args)

    assert default.returncode == asked_in_english.returncode == 2
    assert f"{swedish} (USAGE_ERROR)" in default.stderr, default.stderr
    assert f"{english} (USAGE_ERROR)" in asked_in_english.stderr, asked_in_english.stderr
    assert "Error:" not in default.stderr and "Usage:" not in default.stderr
    assert "Traceback" not in default.stderr + asked_in_english.stderr


def test_a_usage_error_shows_the_commands_usage_in_the_language_asked_for(sqlite_url):
    default = _in_language(sqlite_url, None, "chart", "--bogus")
    english = _in_language(sqlite_url, "en", "chart", "--bogus")

    assert default.stderr.startswith(
        "Användning: orgchange chart [OPTIONS]\nSkriv 'orgchange chart --help' för hjälp.\n\n"
    )
    assert english.stderr.startswith(
        "Usage: orgchange chart [OPTIONS]\nTry 'orgchange chart --help' for help.\n\n"
    )


def test_help_and_a_command_that_succeeds_still_exit_0(sqlite_url):
    """The command line runs click without its own exit handling: --help and a command that
    returns must still end with 0, and one that exits with a code keep it."""
    assert _in_language(sqlite_url, None, "--help").returncode == 0
    assert _in_language(sqlite_url, None, "chart", "--help").returncode == 0
    assert _in_language(sqlite_url, None, "chart", "--as-of", "2017-03-01").returncode == 0
    assert _in_language(sqlite_url, None, "chart", "--as-of", "2017-02-30").returncode == 2


def test_what_the_command_line_says_when_all_goes_well_is_swedish_by_default_and_english_when_asked(
    sqlite_url,
):
    demo = _in_language(sqlite_url, None, "demo")
    again = _in_language(sqlite_url, "en", "demo")
    diff = _in_language(sqlite_url, None, "diff", "2016-12-31", "2017-01-01")
    diff_en = _in_language(sqlite_url, "en", "diff", "2016-12-31", "2017-01-01")
    refused = _in_language(sqlite_url, None, "token", "revoke", "ingen")
    sample = (
        Path(__file__).resolve().parent.parent / "orgchange" / "sample" / "nacka-decisions-2016-2018.yaml"
    )
    decisions = _in_language(sqlite_url, None, "decisions", "import", str(sample))
    decisions_en = _in_language(sqlite_url, "en", "decisions", "import", str(sample))

    assert demo.returncode == 0, demo.stderr
    assert (
        "nacka-2012-2018.yaml: " in demo.stdout
        and " ändring(ar) registrerade, 0 redan registrerade" in demo.stdout
    )
    assert "Registret sträcker sig från 2012-" in demo.stdout
    assert " delegationsbeslut registrerade (illustrativa), 0 redan registrerade" in demo.stdout
    assert " delegated decision(s) recorded (illustrative), " in again.stdout
    assert "0 change(s) recorded, " in again.stdout and "already recorded and skipped" in again.stdout
    assert "Ändringar mellan 2016-12-31 och 2017-01-01:" in diff.stdout
    assert "flyttad från" in diff.stdout or "bytte namn" in diff.stdout or "  + " in diff.stdout
    assert "Changes between 2016-12-31 and 2017-01-01:" in diff_en.stdout
    assert "change(s) recorded" not in demo.stdout + diff.stdout
    assert "decision(s) recorded" not in demo.stdout
    assert decisions.returncode == 0, decisions.stderr
    assert ": 0 beslut registrerade, 12 redan registrerade och överhoppade" in decisions.stdout
    assert ": 0 decision(s) recorded, 12 already recorded and skipped" in decisions_en.stdout
    assert refused.returncode == 1
    assert "error: 'ingen' har ingen giltig token" in refused.stderr
