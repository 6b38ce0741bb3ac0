"""The spreadsheet reader (orgchange/application/tables.py): CSV and XLSX read alike, a mapping's columns,
constants and value tables, and every problem named by its line and column with a stable code.

A kommun's data comes from HR systems and Excel: whoever fixes a refused sheet needs to be told
the row and the column to look at, and a hostile or runaway file must be refused before the
work of reading it starts (docs/baseline.md#spreadsheets)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from orgchange.application import tables
from orgchange.application.tables import ColumnMapping, Field, TableError, parse_mapping, read_table
from orgchange.domain.messages import SWEDISH, Text

FIELDS = [Field("key"), Field("name"), Field("parent", required=False)]


def _codes(error: TableError) -> list[str]:
    return [problem.code for problem in error.reasons if isinstance(problem, Text)]


def _xlsx(path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_csv_with_semicolons_and_a_byte_order_mark_reads_like_one_with_commas(tmp_path: Path) -> None:
    """Swedish Excel saves CSV with ';' and a BOM; the HR system's export may use ','."""
    semicolons = tmp_path / "a.csv"
    semicolons.write_bytes(
        "\ufeffkey;name;parent\nks;Kommunstyrelsen;\nslk;Stadsledningskontoret;ks\n".encode()
    )
    commas = tmp_path / "b.csv"
    commas.write_text(
        'key,name,parent\nks,Kommunstyrelsen,\nslk,"Stadsledningskontoret",ks\n', encoding="utf-8"
    )

    read = [read_table(path, None, FIELDS) for path in (semicolons, commas)]

    assert [[(r.line, r["key"], r["name"], r["parent"]) for r in rows] for rows in read] == [
        [(2, "ks", "Kommunstyrelsen", None), (3, "slk", "Stadsledningskontoret", "ks")]
    ] * 2
    assert read[0][1].column("name") == "name"


def test_an_xlsx_reads_like_the_csv_of_the_same_table_numbers_and_all(tmp_path: Path) -> None:
    """Excel stores a code typed as 101 as the number 101.0: it must read as '101', not '101.0'."""
    sheet = _xlsx(
        tmp_path / "org.xlsx",
        [
            ["key", "name", "parent"],
            [101, "Kommunstyrelsen", None],
            [None, None, None],
            ["slk", "Stadsledningskontoret", 101],
        ],
    )
    csv_file = tmp_path / "org.csv"
    csv_file.write_text(
        "key,name,parent\n101,Kommunstyrelsen,\n,,\nslk,Stadsledningskontoret,101\n", encoding="utf-8"
    )

    from_xlsx = read_table(sheet, None, FIELDS)
    from_csv = read_table(csv_file, None, FIELDS)

    assert [(r.line, dict(r.cells)) for r in from_xlsx] == [(r.line, dict(r.cells)) for r in from_csv]
    assert [r.line for r in from_xlsx] == [2, 4]  # the blank row is skipped but counted


def test_a_mapping_names_columns_gives_constants_and_translates_values(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Rubrik från HR-systemet\nEnhetskod;Benämning ; Typ\nA1;Socialförvaltningen;FV\nA2;Äldreomsorg;enh\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        "columns: {key: enhetskod, name: BENÄMNING, kind: typ}\n"
        "constants: {parent: ks}\n"
        "values: {kind: {fv: office, ENH: unit}}\n"
        "header_row: 2\n"
    )

    rows = read_table(path, mapping, [*FIELDS, Field("kind")])

    assert [(r.line, r["key"], r["name"], r["kind"], r["parent"]) for r in rows] == [
        (3, "A1", "Socialförvaltningen", "office", "ks"),
        (4, "A2", "Äldreomsorg", "unit", "ks"),
    ]
    assert (rows[0].column("name"), rows[0].column("parent")) == ("Benämning", None)


def test_a_missing_required_column_is_named_with_the_headers_there_are(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("key,namn\nks,Kommunstyrelsen\n", encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_MISSING_COLUMN"]
    assert refused.value.problems == [
        f"{path}: the column 'name' (name) is missing; the headers are 'key', 'namn' (TABLE_MISSING_COLUMN)"
    ]


def test_a_header_written_twice_is_refused_rather_than_one_of_them_chosen(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("key,name,Name\nks,Kommunstyrelsen,KS\n", encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_HEADER"]


def test_an_empty_required_cell_is_named_by_line_and_column_in_swedish(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "org.xlsx", [["Kod", "Namn"], ["ks", "Kommunstyrelsen"], ["slk", "  "]])
    mapping = ColumnMapping(columns={"key": "Kod", "name": "Namn"})

    with pytest.raises(TableError) as refused:
        read_table(path, mapping, FIELDS)

    assert _codes(refused.value) == ["TABLE_VALUE"]
    assert (
        refused.value.reasons[0].render(SWEDISH)
        == f"{path} rad 3, kolumn 'Namn': värdet saknas (TABLE_VALUE)"
    )


def test_a_mapping_that_names_a_field_nobody_asked_for_is_refused(tmp_path: Path) -> None:
    """A typo in a mapping ('nmae') would otherwise leave the field to its default column silently."""
    path = tmp_path / "org.csv"
    path.write_text("key,name\nks,KS\n", encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, parse_mapping("columns: {nmae: Namn}"), FIELDS)

    assert _codes(refused.value) == ["MAPPING_INVALID"]


@pytest.mark.parametrize(
    "content",
    [
        "- a\n- b\n",
        "columns: [key]\n",
        "columns: {key: Kod}\nheader_row: 0\n",
        "a: &x 1\nb: *x\n",
        "columns: {key: [\n",
    ],
)
def test_a_mapping_that_is_not_one_is_refused_with_its_code(content: str) -> None:
    with pytest.raises(TableError) as refused:
        parse_mapping(content, "m.yaml")

    assert set(_codes(refused.value)) == {"MAPPING_INVALID"}


def test_a_csv_that_is_not_utf8_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_bytes("key,name\nks,Kommunstyrelsen\nsf,Socialförvaltningen\n".encode("cp1252"))

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_UNREADABLE"]
    assert "line 3" in refused.value.problems[0]


@pytest.mark.parametrize(
    "name, content", [("org.xlsx", b"not a zip at all"), ("org.ods", b"x"), ("org.csv", b"a,\x00b\n")]
)
def test_a_file_that_is_not_a_table_is_refused_not_a_traceback(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_UNREADABLE"]


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An XLSX is a zip: a few kilobytes may unpack to gigabytes. The sizes the zip declares decide."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 2**20))
    monkeypatch.setattr(tables, "MAX_UNPACKED_BYTES", 2**20)  # a small bound for a small, fast file

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert path.stat().st_size < 2**20 / 50  # it really is a bomb: small packed, large unpacked
    assert _codes(refused.value) == ["TABLE_TOO_LARGE"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_too_many_rows_or_columns_or_too_long_a_cell_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    monkeypatch.setattr(tables, "MAX_COLUMNS", 4)
    monkeypatch.setattr(tables, "MAX_CELL_CHARACTERS", 10)
    cases = {
        "rows": [["key", "name"]] + [[f"k{i}", "n"] for i in range(4)],
        "columns": [["key", "name", "a", "b", "c"], ["k", "n"]],
        "cell": [["key", "name"], ["k", "n" * 11]],
    }
    for case, rows in cases.items():
        path = tmp_path / f"{case}{suffix}"
        if suffix == ".csv":
            path.write_text("".join(",".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
        else:
            _xlsx(path, rows)
        with pytest.raises(TableError) as refused:
            read_table(path, None, FIELDS)
        assert _codes(refused.value) == ["TABLE_TOO_LARGE"], case


def test_a_csv_file_larger_than_the_bound_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 100)
    path = tmp_path / "org.csv"
    path.write_text("key,name\n" + "k,n\n" * 30, encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_TOO_LARGE"]


def test_a_sheet_is_chosen_by_name_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "org.xlsx"
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.append(["nothing"])
    second = workbook.create_sheet("Enheter")
    second.append(["key", "name"])
    second.append(["ks", "Kommunstyrelsen"])
    workbook.save(path)

    rows = read_table(path, ColumnMapping(sheet="Enheter"), FIELDS)
    with pytest.raises(TableError) as refused:
        read_table(path, ColumnMapping(sheet="Blad9"), FIELDS)

    assert [(r.line, r["key"]) for r in rows] == [(2, "ks")]
    assert _codes(refused.value) == ["TABLE_UNREADABLE"]
    assert "Enheter" in refused.value.problems[0]


def test_a_quoted_cell_over_several_lines_keeps_the_line_its_row_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text('key,name\nks,"Kommun-\nstyrelsen"\nslk,\n', encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert refused.value.problems == [f"{path} line 4, column 'name': the value is missing (TABLE_VALUE)"]


def test_an_optional_column_the_mapping_names_must_be_there(tmp_path: Path) -> None:
    """Without the column the field would be empty on every row, and a misspelt header never noticed."""
    path = tmp_path / "org.csv"
    path.write_text("key,name\nks,KS\n", encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, ColumnMapping(columns={"parent": "Överordnad"}), FIELDS)

    assert _codes(refused.value) == ["TABLE_MISSING_COLUMN"]
    assert "'Överordnad' (parent)" in refused.value.problems[0]


def test_a_table_with_many_bad_rows_names_the_first_twenty_and_says_there_are_more(tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text("key,name\n" + "".join(f"k{i},\n" for i in range(50)), encoding="utf-8")

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert len(refused.value.problems) == tables.MAX_PROBLEMS + 1
    assert refused.value.problems[0].startswith(f"{path} line 2, column 'name'")
    assert refused.value.problems[-1] == "… (further problems not shown)"


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx", "a-directory.csv"])
def test_a_file_that_is_missing_or_a_directory_is_refused_with_its_code(tmp_path: Path, name: str) -> None:
    (tmp_path / "a-directory.csv").mkdir()

    with pytest.raises(TableError) as refused:
        read_table(tmp_path / name, None, FIELDS)

    assert _codes(refused.value) == ["TABLE_UNREADABLE"]


# --- hostile and odd workbooks: refused (or read right) before the work of reading them starts ---


def _rewritten_sheet(source: Path, target: Path, change) -> Path:
    """`source` with its first sheet's XML passed through `change`: what a program other than
    openpyxl (or an attacker) may write."""
    with zipfile.ZipFile(source) as packed, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in packed.infolist():
            data = packed.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            out.writestr(item, data)
    return target


def _with_dimension(ref: bytes):
    return lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="' + ref + b'"/>', xml)


ORGANISATION = [["key", "name", "parent"], ["kf", "Kommunfullmäktige", None], ["ks", "Kommunstyrelsen", "kf"]]


def test_a_sheet_whose_dimension_says_it_is_smaller_than_it_is_is_read_whole(tmp_path: Path) -> None:
    """openpyxl trusts `<dimension>` and stopped at its last row: the rows below vanished without a word."""
    plain = _xlsx(tmp_path / "plain.xlsx", ORGANISATION)
    forged = _rewritten_sheet(plain, tmp_path / "forged.xlsx", _with_dimension(b"A1:A1"))

    rows = read_table(forged, None, FIELDS)

    assert [(row.line, row["key"], row["parent"]) for row in rows] == [(2, "kf", None), (3, "ks", "kf")]


def test_a_forged_dimension_of_the_whole_sheet_neither_pads_the_rows_nor_changes_what_is_read(
    tmp_path: Path,
) -> None:
    """`A1:XFD1048576` made openpyxl pad every row to 16,384 cells: seconds of work for nothing."""
    plain = _xlsx(tmp_path / "plain.xlsx", ORGANISATION)
    forged = _rewritten_sheet(plain, tmp_path / "forged.xlsx", _with_dimension(b"A1:XFD1048576"))

    assert read_table(forged, None, FIELDS) == [
        tables.TableRow(str(forged), row.line, row.cells) for row in read_table(plain, None, FIELDS)
    ]


def test_a_value_in_the_last_row_and_column_of_a_sheet_is_refused_naming_its_row_at_once(
    tmp_path: Path,
) -> None:
    """A forged dimension and one cell at XFD1048576: openpyxl handed over a million rows of
    16,384 cells (12 s) before the row bound refused them; the cell is refused by its place."""

    def far(xml: bytes) -> bytes:
        cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return _with_dimension(b"A1:XFD1048576")(xml).replace(b"</sheetData>", cell + b"</sheetData>")

    forged = _rewritten_sheet(_xlsx(tmp_path / "plain.xlsx", ORGANISATION), tmp_path / "far.xlsx", far)

    with pytest.raises(TableError) as refused:
        read_table(forged, None, FIELDS)

    assert refused.value.problems == [f"{forged} line 1048576 has more than 200 columns (TABLE_TOO_LARGE)"]


def test_empty_cells_past_the_last_column_a_style_on_a_far_column_are_no_columns(tmp_path: Path) -> None:
    def styled(xml: bytes) -> bytes:
        return re.sub(
            rb"(<row r=\"(\d+)\"[^>]*>)", lambda m: m.group(1) + b'<c r="ZZ' + m.group(2) + b'" s="0"/>', xml
        )

    forged = _rewritten_sheet(_xlsx(tmp_path / "plain.xlsx", ORGANISATION), tmp_path / "styled.xlsx", styled)

    assert [row["key"] for row in read_table(forged, None, FIELDS)] == ["kf", "ks"]


@pytest.mark.parametrize(
    "cells, words",
    [
        (b"<c/>" * 70_000, "line 3 has more than 65,536 XML elements"),
        (b"<x/>" * 70_000, "line 3 has more than 65,536 XML elements"),
    ],
    ids=["cells", "other-elements"],
)
def test_a_row_of_a_great_many_elements_is_refused_before_openpyxl_builds_it(
    tmp_path: Path, cells: bytes, words: str
) -> None:
    """openpyxl builds a row whole before anyone may look at it: 12 MB of `<c/>` in one row took
    it 24 s and 1 GB. The XML is counted as it streams by, and the row refused by its number."""
    row = b'<row r="3">' + cells + b"</row>"
    forged = _rewritten_sheet(
        _xlsx(tmp_path / "plain.xlsx", ORGANISATION[:2]),
        tmp_path / "wide.xlsx",
        lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"),
    )

    with pytest.raises(TableError) as refused:
        read_table(forged, None, FIELDS)

    assert refused.value.problems == [f"{forged} {words} (TABLE_TOO_LARGE)"]


def test_more_cells_than_the_bound_are_refused_by_counting_not_by_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "MAX_CELLS", 10)
    path = _xlsx(tmp_path / "org.xlsx", [["key", "name"]] + [[f"k{i}", "n"] for i in range(5)])

    with pytest.raises(TableError) as refused:
        read_table(path, None, FIELDS)

    assert refused.value.problems == [f"{path} has more than 10 cells (TABLE_TOO_LARGE)"]


def test_a_csv_with_two_byte_order_marks_reads_its_first_header(tmp_path: Path) -> None:
    """Saved by Excel with a BOM, then converted by a tool that added another: the second stuck,
    invisible, to the first header, and the column 'key' was said to be missing."""
    path = tmp_path / "org.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfkey;name\nks;Kommunstyrelsen\n")

    rows = read_table(path, None, FIELDS)

    assert [(row["key"], row["name"], row.column("key")) for row in rows] == [
        ("ks", "Kommunstyrelsen", "key")
    ]


def test_a_mapping_with_two_byte_order_marks_is_read(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfcolumns: {key: Kod}\n")

    assert tables.load_mapping(path).columns == {"key": "Kod"}


@pytest.mark.parametrize(
    "content",
    [
        "columns: " + "[" * 5_000 + "]" * 5_000,
        "columns: " + "{a: " * 5_000 + "1" + "}" * 5_000,
        "values:\n" + "".join("  " * (level + 1) + f"l{level}:\n" for level in range(12)),
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_a_deeply_nested_mapping_is_refused_with_its_code_not_a_recursion_error(content: str) -> None:
    """Thousands of levels took the YAML composer's recursion past Python's limit: a traceback
    on the command line and a 500 over HTTP. A mapping nests three levels."""
    with pytest.raises(TableError) as refused:
        parse_mapping(content, "m.yaml")

    assert refused.value.problems == ["the mapping m.yaml nests deeper than 8 levels (MAPPING_INVALID)"]
