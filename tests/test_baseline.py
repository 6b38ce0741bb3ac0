"""Starting a register from what a kommun has (docs/baseline.md): a spreadsheet of units and a
delegationsordning table become change files, checked and recorded like any other.

The import is the first thing a kommun does with the register; if it silently invented a
parent, lost a row or recorded half a table, every answer after it would rest on that."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from orgchange.application import baseline
from orgchange.application.baseline import DelegatesUnmatched, as_key, kind_of
from orgchange.application.changefile import dump_change_file, parse_change_file
from orgchange.application.documents.charts import OrgChart, chart_json, chart_text
from orgchange.application.tables import TableError
from tests.support import opened

DAY = date(2027, 1, 1)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "baseline"

# An HR system's export: its own headers and words for kinds, a child before its parent, a parent
# named by its name rather than its code, a company, a column the import does not use.
HEADER = ["Enhetskod", "Benämning", "Typ", "Överordnad", "Chef", "Kostnadsställe"]
ROWS = [
    ["100", "Kommunfullmäktige", "KF", None, None, None],
    ["210", "Ekonomienheten", "Enhet", "200", "Ekonomichef", 4711],
    ["110", "Kommunstyrelsen", "nämnd", "100", None, None],
    ["200", "Kommunledningskontoret", "Förvaltning", "Kommunstyrelsen", "Kommundirektör", 4700],
    ["300", "Kommunens Bostäder AB", "bolag", "100", None, None],
]
MAPPING = """
columns: {key: Enhetskod, name: Benämning, kind: Typ, parent: Överordnad, manager_title: Chef}
values: {kind: {KF: council}}
"""
# The same organisation written as a change file by hand.
EQUIVALENT = [
    {"type": "establish_unit", "unit": "100", "name": "Kommunfullmäktige", "kind": "council"},
    {"type": "establish_unit", "unit": "110", "name": "Kommunstyrelsen", "kind": "board", "parent": "100"},
    {
        "type": "establish_unit",
        "unit": "200",
        "name": "Kommunledningskontoret",
        "kind": "office",
        "parent": "110",
    },
    {
        "type": "establish_position",
        "position": "200-chef",
        "title": "Kommundirektör",
        "unit": "200",
        "director": True,
    },
    {"type": "establish_unit", "unit": "210", "name": "Ekonomienheten", "kind": "unit", "parent": "200"},
    {"type": "establish_position", "position": "210-chef", "title": "Ekonomichef", "unit": "210"},
    {
        "type": "establish_unit",
        "unit": "300",
        "name": "Kommunens Bostäder AB",
        "kind": "company",
        "owner": "100",
    },
]


def _write_csv(path: Path, rows: list[list[object]]) -> Path:
    lines = [";".join("" if cell is None else str(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append([int(cell) if isinstance(cell, str) and cell.isdigit() else cell for cell in row])
    workbook.save(path)
    return path


def _change_file(changes: list[dict]) -> str:
    dated = [{"id": f"hand-{i}", "effective": DAY.isoformat(), **change} for i, change in enumerate(changes)]
    return yaml.safe_dump({"format": "orgchange/v1", "changes": dated}, allow_unicode=True)


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ORGCHANGE_DATABASE_URL": database_url,
        "ORGCHANGE_USER": "registrator",
        "ORGCHANGE_LANGUAGE": "en",
    }
    return subprocess.run(
        [sys.executable, "-m", "orgchange", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize("write", [_write_csv, _write_xlsx], ids=["csv", "xlsx"])
def test_a_good_spreadsheet_gives_the_same_chart_as_the_equivalent_change_file(tmp_path: Path, write) -> None:
    """The chart, posts and directors included, is what the register says the kommun looks like: the
    import must make exactly the organisation the table describes, whatever order its rows are in."""
    table = write(tmp_path / f"org.{'csv' if write is _write_csv else 'xlsx'}", [HEADER, *ROWS])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")

    with (
        opened(f"sqlite:///{tmp_path / 'imported.db'}") as imported,
        opened(f"sqlite:///{tmp_path / 'by-hand.db'}") as by_hand,
    ):
        made = baseline.import_units(imported, str(table), DAY, str(mapping))
        baseline.record(lambda changes: imported.record_changes(changes, "test"), made)
        by_hand.record_changes(parse_change_file(_change_file(EQUIVALENT)).changes, "test")
        charts = [OrgChart.load(app.read_model, DAY) for app in (imported, by_hand)]

    # The change file written with -o is the changes recorded.
    assert parse_change_file(dump_change_file(made.entries, None)).changes == made.changes
    assert chart_text(charts[0]) == chart_text(charts[1])
    assert chart_json(charts[0]) == chart_json(charts[1])
    assert charts[0].positions == charts[1].positions
    assert len(charts[0].units) == len(ROWS)


def test_the_rows_are_recorded_parents_first_each_unit_followed_by_its_managers_post(tmp_path: Path) -> None:
    table = _write_csv(tmp_path / "org.csv", [HEADER, *ROWS])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        made = baseline.import_units(app, str(table), DAY, str(mapping))

    assert [(e["type"], e.get("position") or e["unit"]) for e in made.entries] == [
        ("establish_unit", "100"),
        ("establish_unit", "110"),
        ("establish_unit", "200"),
        ("establish_position", "200-chef"),
        ("establish_unit", "210"),
        ("establish_position", "210-chef"),
        ("establish_unit", "300"),
    ]
    assert [row.line for row in made.origins] == [2, 4, 5, 5, 3, 3, 6]


def test_a_spreadsheet_naming_a_parent_that_does_not_exist_is_refused_naming_its_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Nothing of a bad table is recorded: not even the rows before the bad one."""
    table = tmp_path / "org.csv"
    table.write_text(
        "key,name,kind,parent,manager_title\n"
        "kf,Kommunfullmäktige,fullmäktige,,\n"
        "ks,Kommunstyrelsen,nämnd,kf,\n"
        "sf,Socialförvaltningen,förvaltning,Socialnämnden,Socialchef\n",
        encoding="utf-8",
    )

    refused = _cli(sqlite_url, "baseline", "import", str(table), "--as-of", "2027-01-01")
    with opened(sqlite_url) as app:
        units = app.read_model.organisation(DAY)

    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == (
        f"error: {table} line 4, column 'parent': 'Socialnämnden' is neither in the table nor in the register "
        "on 2027-01-01 (TABLE_REFERENCE)\n"
    )
    assert units == []


def test_a_parent_may_be_a_unit_already_in_the_register_by_key_or_by_name(tmp_path: Path) -> None:
    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        app.record_changes(parse_change_file(_change_file(EQUIVALENT[:3])).changes, "test")
        table = _write_csv(
            tmp_path / "more.csv",
            [
                ["key", "name", "kind", "parent"],
                ["it", "IT-enheten", "enhet", "200"],
                ["hr", "HR", "avdelning", "kommunledningskontoret"],
            ],
        )
        made = baseline.import_units(app, str(table), DAY, None)

    assert [(e["unit"], e["parent"]) for e in made.entries] == [("it", "200"), ("hr", "200")]


@pytest.mark.parametrize(
    "rows, column, words",
    [
        ([["a", "A", "hund", ""]], "kind", "'hund' is no kind of unit"),
        ([["a", "A", "enhet", ""], ["A", "B", "enhet", ""]], "key", "the key 'a' is used already on line 2"),
        (
            [["a", "A", "enhet", "b"], ["b", "B", "enhet", "a"]],
            "parent",
            "stands under itself through a → b → a",
        ),
        ([["a", "A" * 201, "enhet", ""]], "name", "at most 200 characters"),
    ],
)
def test_a_row_that_cannot_be_a_unit_is_named_by_line_and_column(tmp_path: Path, rows, column, words) -> None:
    table = _write_csv(tmp_path / "org.csv", [["key", "name", "kind", "parent"], *rows])

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app, pytest.raises(TableError) as refused:
        baseline.import_units(app, str(table), DAY, None)

    problem = refused.value.problems[0]
    assert f"column '{column}'" in problem and words in problem, problem


def test_the_dry_run_prints_the_chart_it_would_make_and_records_nothing(sqlite_url: str) -> None:
    args = ["--as-of", "2027-01-01", "--mapping", str(EXAMPLES / "hr-export-mapping.yaml")]

    dry = _cli(sqlite_url, "baseline", "import", str(EXAMPLES / "hr-export.csv"), *args, "--dry-run")
    with opened(sqlite_url) as app:
        units = app.read_model.organisation(DAY)

    assert dry.returncode == 0, dry.stderr
    assert "Organisationen 2027-01-01 (17 enheter)" in dry.stdout
    assert (
        "Kommunledningskontoret [office] 1200" in dry.stdout
        and "· Kommundirektör ★ (1200-chef)" in dry.stdout
    )
    assert "nothing was recorded (dry run)" in dry.stdout
    assert units == []


# --- the delegationsordning -----------------------------------------------------------------

DELEGATIONS = [
    ["Nr", "Ärende", "Delegat", "Ersättare", "Begränsning", "Lagrum", "Anmälan", "Vidaredelegering"],
    [
        "2.1",
        "Upphandling",
        " kommundirektör ",
        "EKONOMICHEF",
        "Högst 2 000 000 kr",
        "KL (2017:725) 7 kap. 5 §",
        "Månadsvis",
        "Ja",
    ],
    ["2.2", "Attest", "Ekonomichef", None, None, None, None, "nej"],
    ["3.1", "Anställning", "Personalchef", None, None, None, None, None],
]
DELEGATION_MAPPING = EXAMPLES / "delegationsordning-mapping.yaml"


def _with_organisation(app) -> None:
    app.record_changes(parse_change_file(_change_file(EQUIVALENT)).changes, "test")


def test_a_delegationsordning_with_an_unmatched_title_lists_it_and_records_nothing(tmp_path: Path) -> None:
    """Recording the rest would leave a delegationsordning that looks complete and is not."""
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS)

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        _with_organisation(app)
        with pytest.raises(DelegatesUnmatched) as refused:
            baseline.import_delegations(app, str(table), "110", DAY, str(DELEGATION_MAPPING), partial=False)
        recorded = app.read_model.delegations.delegations(DAY)

    assert [str(problem) for problem in refused.value.unmatched] == [
        f"{table} line 4, column 'Delegat': no post is titled 'Personalchef'"
    ]
    assert str(refused.value).startswith(
        "1 delegates match no post in 110 on 2027-01-01; nothing was recorded"
    )
    assert recorded == []


def test_with_partial_the_matched_delegations_are_recorded_and_the_unmatched_listed(tmp_path: Path) -> None:
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS)
    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        _with_organisation(app)
    url = f"sqlite:///{tmp_path / 'o.db'}"

    refused = _cli(
        url,
        "baseline",
        "delegations",
        str(table),
        "--board",
        "110",
        "--as-of",
        "2027-01-01",
        "--mapping",
        str(DELEGATION_MAPPING),
    )
    partial = _cli(
        url,
        "baseline",
        "delegations",
        str(table),
        "--board",
        "110",
        "--as-of",
        "2027-01-01",
        "--mapping",
        str(DELEGATION_MAPPING),
        "--partial",
    )

    assert refused.returncode == 1 and "(DELEGATES_UNMATCHED)" in refused.stderr
    assert "no post is titled 'Personalchef'" in refused.stderr
    assert partial.returncode == 0, partial.stderr
    assert (
        partial.stderr
        == f"not recorded: {table} line 4, column 'Delegat': no post is titled 'Personalchef'\n"
    )
    with opened(url) as app:
        rows = app.read_model.delegations.delegations(DAY, board="110")
    assert [(r.code, r.to_id, r.substitute_id, r.limit, r.legal_basis) for r in rows] == [
        ("2.1", "200-chef", "210-chef", "Högst 2 000 000 kr", "KL (2017:725) 7 kap. 5 §"),
        ("2.2", "210-chef", None, None, None),
    ]


def test_a_title_two_posts_share_is_listed_with_their_keys_and_a_key_resolves_it(tmp_path: Path) -> None:
    """Two units may each have an 'Enhetschef': the table must say which, by the post's key."""
    shared = [
        *EQUIVALENT[:3],
        {"type": "establish_position", "position": "chef-a", "title": "Enhetschef", "unit": "200"},
        {"type": "establish_position", "position": "chef-b", "title": "Enhetschef", "unit": "200"},
    ]
    ambiguous = _write_csv(tmp_path / "a.csv", [["matter", "delegate"], ["Attest", "Enhetschef"]])
    resolved = _write_csv(tmp_path / "b.csv", [["matter", "delegate"], ["Attest", "chef-b"]])

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        app.record_changes(parse_change_file(_change_file(shared)).changes, "test")
        with pytest.raises(DelegatesUnmatched) as refused:
            baseline.import_delegations(app, str(ambiguous), "110", DAY, None, partial=False)
        made = baseline.import_delegations(app, str(resolved), "110", DAY, None, partial=False)

    assert "several posts are titled 'Enhetschef': chef-a, chef-b" in str(refused.value.unmatched[0])
    assert made.entries[0]["to"] == "chef-b" and made.entries[0]["delegation"] == "110-p1"


def test_a_board_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS)

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app, pytest.raises(TableError) as refused:
        _with_organisation(app)
        baseline.import_delegations(app, str(table), "200", DAY, str(DELEGATION_MAPPING), partial=False)

    assert refused.value.reasons[0].code == "TABLE_REFERENCE"  # 200 is an office, not a board


@pytest.mark.parametrize(
    "word, kind",
    [
        ("Förvaltning", "office"),
        ("NÄMND", "board"),
        ("enheten", "unit"),
        ("Verksamhetsområde", "area"),
        ("bolag", "company"),
        ("utskott", "committee"),
        ("Kommunfullmäktige", "council"),
        ("hund", None),
    ],
)
def test_kinds_are_understood_in_swedish_and_english_words(word: str, kind: str | None) -> None:
    assert kind_of(word) == kind


def test_a_code_or_name_becomes_a_key_of_the_register() -> None:
    assert [as_key(v) for v in ("Socialförvaltningen", "A 10.2", "Åre–Östersund", "§§")] == [
        "socialforvaltningen",
        "a-10-2",
        "are-ostersund",
        "",
    ]


def test_the_examples_import_whole_with_every_delegate_matched(tmp_path: Path) -> None:
    """The examples are what a kommun copies first: they must work as shipped."""
    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app:
        units = baseline.import_units(
            app, str(EXAMPLES / "hr-export.csv"), DAY, str(EXAMPLES / "hr-export-mapping.yaml")
        )
        baseline.record(lambda changes: app.record_changes(changes, "test"), units)
        made = baseline.import_delegations(
            app,
            str(EXAMPLES / "delegationsordning-ks.csv"),
            "1100",
            DAY,
            str(DELEGATION_MAPPING),
            partial=False,
        )
        baseline.record(lambda changes: app.record_changes(changes, "test"), made)
        rows = app.read_model.delegations.delegations(DAY, board="1100")

    assert [(r.code, r.to_id, r.further_delegation) for r in rows] == [
        ("1.1", "1110", False),
        ("2.1", "1200-chef", True),
        ("2.2", "1210-chef", False),
        ("3.1", "1220-chef", True),
    ]


def test_a_further_delegation_that_is_neither_yes_nor_no_is_named(tmp_path: Path) -> None:
    table = _write_csv(
        tmp_path / "do.csv",
        [["matter", "delegate", "further_delegation"], ["Attest", "Ekonomichef", "kanske"]],
    )

    with opened(f"sqlite:///{tmp_path / 'o.db'}") as app, pytest.raises(TableError) as refused:
        _with_organisation(app)
        baseline.import_delegations(app, str(table), "110", DAY, None, partial=False)

    assert refused.value.problems == [
        f"{table} line 2, column 'further_delegation': 'kanske' is neither yes nor no (TABLE_VALUE)"
    ]


def _delegations_cli(url: str, table: Path, *more: str) -> subprocess.CompletedProcess:
    return _cli(
        url,
        "baseline",
        "delegations",
        str(table),
        "--board",
        "110",
        "--as-of",
        "2027-01-01",
        "--mapping",
        str(DELEGATION_MAPPING),
        *more,
    )


def test_the_delegations_dry_run_prints_what_it_would_record_and_the_unmatched_titles_and_records_nothing(
    tmp_path: Path,
) -> None:
    """A registrar sees the whole answer at once: the delegations that matched and the titles that
    did not; the exit code says that recording would be refused, and nothing is recorded."""
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS)
    url = f"sqlite:///{tmp_path / 'o.db'}"
    with opened(url) as app:
        _with_organisation(app)

    dry = _delegations_cli(url, table, "--dry-run")
    with opened(url) as app:
        recorded = app.read_model.delegations.delegations(DAY)

    assert dry.returncode == 1, dry.stderr
    lines = dry.stdout.splitlines()
    assert "Kommunstyrelsen" in lines
    assert "  2.1 Upphandling → Kommundirektör" in lines
    assert "  2.2 Attest → Ekonomichef" in lines
    assert not any("Anställning" in line for line in lines)
    assert f"unmatched: {table} line 4, column 'Delegat': no post is titled 'Personalchef'" in lines
    assert lines[-1] == (
        f"{table}: 2 delegation(s) valid, 1 delegate(s) unmatched: recording would be refused "
        "(resolve them, or use --partial); nothing was recorded (dry run)."
    )
    assert recorded == []


def test_the_delegations_dry_run_with_partial_says_which_rows_would_be_left_out_and_exits_0(
    tmp_path: Path,
) -> None:
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS)
    url = f"sqlite:///{tmp_path / 'o.db'}"
    with opened(url) as app:
        _with_organisation(app)

    dry = _delegations_cli(url, table, "--dry-run", "--partial")
    with opened(url) as app:
        recorded = app.read_model.delegations.delegations(DAY)

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1] == (
        f"{table}: 2 delegation(s) valid, 1 row(s) would be left out; nothing was recorded (dry run)."
    )
    assert recorded == []


def test_the_delegations_dry_run_of_a_table_that_matches_whole_exits_0_and_a_real_run_then_records_it(
    tmp_path: Path,
) -> None:
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS[:3])
    url = f"sqlite:///{tmp_path / 'o.db'}"
    with opened(url) as app:
        _with_organisation(app)

    dry = _delegations_cli(url, table, "--dry-run")
    with opened(url) as app:
        after_dry = app.read_model.delegations.delegations(DAY)
    real = _delegations_cli(url, table)
    with opened(url) as app:
        after_real = app.read_model.delegations.delegations(DAY)

    assert dry.returncode == 0, dry.stderr
    assert "unmatched" not in dry.stdout
    assert dry.stdout.splitlines()[-1] == f"{table}: 2 delegation(s) valid; nothing was recorded (dry run)."
    assert after_dry == []
    assert real.returncode == 0, real.stderr
    assert [r.code for r in after_real] == ["2.1", "2.2"]


def test_the_delegations_dry_run_refuses_what_the_register_would_refuse(tmp_path: Path) -> None:
    """A dry run is checked by the code that records: a row whose change id was recorded before with
    other content is refused in the dry run too, naming the row."""
    table = _write_csv(tmp_path / "do.csv", DELEGATIONS[:3])
    other = _write_csv(tmp_path / "other.csv", [DELEGATIONS[0], ["2.1", "Något annat", "Ekonomichef"]])
    url = f"sqlite:///{tmp_path / 'o.db'}"
    with opened(url) as app:
        _with_organisation(app)
    assert _delegations_cli(url, table).returncode == 0

    dry = _delegations_cli(url, other, "--dry-run")

    assert dry.returncode == 1, dry.stdout
    assert f"{other} line 2" in dry.stderr, dry.stderr
    assert "recorded before with different content" in dry.stderr
    assert "Nothing was recorded." in dry.stderr
