"""Reading spreadsheets: CSV and XLSX tables, a column mapping, every value with its line and column.

A kommun's data comes as a spreadsheet: an HR system's export of its units, a
delegationsordning typed into a table. `read_table` reads one such table into
`TableRow`s: per field the value and the column it came from, and the row's line in
the file, so that whoever uses the rows can say exactly where something is wrong
("rad 4, kolumn 'Överordnad'") in Swedish or English, with a stable code
(docs/baseline.md#spreadsheets, docs/errors.md#spreadsheets).

* CSV: UTF-8 (with or without the byte order mark Excel writes); the separator, `,`
  `;` or a tab, is whichever the header line holds most of.
* XLSX: read with openpyxl, read-only and with the values the cells last showed
  (`data_only`: a formula's result, not its text).

Everything expensive is bounded before it starts: the file's size, and for an XLSX
the number and unpacked size of the parts of its zip (a zip bomb is refused before a
byte is unpacked); then the rows, the columns and the length of a cell while reading.

A mapping (YAML) names the column of each field, and may give fields a constant value
and translate values (`Förvaltning` → `office`):

    columns: {key: Enhetskod, name: Enhetsnamn, parent: Överordnad enhet}
    constants: {kind: unit}
    values: {kind: {Förvaltning: office, Enhet: unit}}
    sheet: Organisation        # XLSX: which sheet (default: the first)
    header_row: 1              # which row holds the headers (default: the first)

Without a mapping each field's column is the one whose header is the field's name.
Headers and mapped values are compared without regard to case or surrounding space.
"""

from __future__ import annotations

import csv
import io
import pyexpat
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from orgchange.application.errors import MalformedInput
from orgchange.domain import messages
from orgchange.domain.messages import Text

__all__ = [
    "Cell",
    "ColumnMapping",
    "Field",
    "TableError",
    "TableRow",
    "load_mapping",
    "parse_mapping",
    "read_table",
    "read_table_data",
    "table_kind",
]

# --- the bounds ------------------------------------------------------------------------
# A kommun's units (some 2,000) or its delegationsordning (some 500 points) are far below.
MAX_FILE_BYTES = 20 * 2**20
MAX_ROWS = 20_000
MAX_COLUMNS = 200
MAX_CELL_CHARACTERS = 4_000
# An XLSX is a zip: its parts, and what they unpack to, at most this many and this much.
MAX_ZIP_ENTRIES = 2_000
MAX_UNPACKED_BYTES = 50 * 2**20
# What openpyxl is given to build, counted in the XML before it starts (`_count_xml`): far above
# 20,000 rows of a dozen columns, far below what takes it more than a few seconds.
MAX_CELLS = 300_000
MAX_XML_ELEMENTS = 1_000_000
MAX_ROW_ELEMENTS = 4 * 16_384  # a sheet's 16,384 columns (A to XFD), a cell and its value each
MAX_MAPPING_BYTES = 64 * 2**10
MAX_MAPPING_DEPTH = 8  # a mapping nests three levels (values → field → value)
MAX_PROBLEMS = 20

SEPARATORS = (",", ";", "\t")

UNREADABLE = "TABLE_UNREADABLE"
TOO_LARGE = "TABLE_TOO_LARGE"
HEADER = "TABLE_HEADER"
MISSING_COLUMN = "TABLE_MISSING_COLUMN"
VALUE = "TABLE_VALUE"
MAPPING = "MAPPING_INVALID"


class TableError(MalformedInput):
    """A table (or its mapping) that cannot be read as asked; each problem names where it is.

    A `MalformedInput`: the command line exits 2, and nothing is recorded. At most
    `MAX_PROBLEMS` problems are kept, and a line saying there were more.
    """

    def __init__(self, problems: list[str | Text]):
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], messages.text("malformed-input:more")]
        super().__init__(problems)


@dataclass(frozen=True)
class Field:
    """A field the caller wants from each row.

    `required`: its column must be there (or a constant given), and every row must have a
    value in it; an optional field's column may be missing and its cells empty (None).
    """

    name: str
    required: bool = True


@dataclass(frozen=True)
class Cell:
    """One field's value in one row, and the column it came from (None: a constant of the mapping)."""

    value: str | None
    column: str | None


@dataclass(frozen=True)
class TableRow:
    """A row of the table: its line in the file (CSV: the line it starts on; XLSX: its row
    number) and, per field, its value and its column."""

    source: str
    line: int
    cells: Mapping[str, Cell]

    def get(self, name: str) -> str | None:
        cell = self.cells.get(name)
        return cell.value if cell is not None else None

    def __getitem__(self, name: str) -> str | None:
        return self.get(name)

    def column(self, name: str) -> str | None:
        cell = self.cells.get(name)
        return cell.column if cell is not None else None

    def where(self, name: str | None = None) -> Text:
        """'rad 4, kolumn 'Överordnad'' — the place of this row's `name` field (or of the row)."""
        column = self.column(name) if name is not None else None
        if column is None:
            return messages.text("TABLE_VALUE:row", source=self.source, line=self.line)
        return messages.text("TABLE_VALUE:cell", source=self.source, line=self.line, column=column)

    def problem(self, name: str | None, reason: str | Text) -> Text:
        """A problem with this row's `name` field, in words naming the line and the column."""
        return messages.text("TABLE_VALUE", where=self.where(name), reason=reason)


@dataclass(frozen=True)
class ColumnMapping:
    """Which column holds each field; constants; translations of values (see the module)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int = 1


def _folded(value: str) -> str:
    """A header or value as compared: NFC, case folded, inner space collapsed, trimmed, without
    byte order marks (U+FEFF, invisible, left at a cell's start by a converted file)."""
    return " ".join(unicodedata.normalize("NFC", value.replace("\ufeff", "")).casefold().split())


def _shown(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the mapping --------------------------------------------------------------------------


def load_mapping(path: str | Path) -> ColumnMapping:
    """A mapping file read and checked for form (`MAPPING_INVALID` names what is wrong)."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_MAPPING_BYTES + 1)
    except OSError as error:
        raise TableError(
            [messages.text("MAPPING_INVALID:unreadable", source=source, reason=error.strerror)]
        ) from None
    if len(data) > MAX_MAPPING_BYTES:
        raise TableError([messages.text("MAPPING_INVALID:too-large", source=source, limit=MAX_MAPPING_BYTES)])
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(
            [messages.text("MAPPING_INVALID:not-yaml", source=source, problem="UTF-8")]
        ) from None
    return parse_mapping(content, source)


def parse_mapping(content: str, source: str = "mapping") -> ColumnMapping:
    """A mapping's YAML text read and checked for form (`MAPPING_INVALID` names what is wrong)."""
    if len(content) > MAX_MAPPING_BYTES or len(content.encode("utf-8", "surrogatepass")) > MAX_MAPPING_BYTES:
        raise TableError([messages.text("MAPPING_INVALID:too-large", source=source, limit=MAX_MAPPING_BYTES)])
    content = content.lstrip("\ufeff")  # a byte order mark, or two (an editor's and a converter's)
    try:
        # Scanned as events before anything is built of them: no anchors or aliases (a billion
        # laughs), and no nesting deeper than a mapping has (a few levels; thousands would take
        # the composer's recursion past Python's limit).
        depth = 0
        for event in yaml.parse(content, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise TableError([messages.text("MAPPING_INVALID:not-yaml", source=source, problem="&/*")])
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_MAPPING_DEPTH:
                    raise TableError(
                        [messages.text("MAPPING_INVALID:too-deep", source=source, limit=MAX_MAPPING_DEPTH)]
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise TableError(
            [messages.text("MAPPING_INVALID:not-yaml", source=source, problem=_shown(problem))]
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TableError([messages.text("MAPPING_INVALID:not-a-mapping", source=source)])
    problems: list[str | Text] = []
    known = ("columns", "constants", "values", "sheet", "header_row")
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        problems.append(messages.text("MAPPING_INVALID:unknown", source=source, names=", ".join(unknown)))

    def texts(name: str) -> dict[str, str]:
        value = data.get(name) or {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int) and not isinstance(v, bool)
            for k, v in value.items()
        ):
            problems.append(messages.text("MAPPING_INVALID:texts", source=source, name=name))
            return {}
        return {k.strip(): str(v).strip() for k, v in value.items()}

    columns = texts("columns")
    constants = texts("constants")
    values: dict[str, dict[str, str]] = {}
    raw_values = data.get("values") or {}
    if not isinstance(raw_values, dict):
        problems.append(messages.text("MAPPING_INVALID:values", source=source))
    else:
        for name, table in raw_values.items():
            if (
                not isinstance(name, str)
                or not isinstance(table, dict)
                or not all(
                    isinstance(k, str | int) and not isinstance(k, bool) and isinstance(v, str)
                    for k, v in table.items()
                )
            ):
                problems.append(messages.text("MAPPING_INVALID:values", source=source))
                continue
            values[name.strip()] = {_folded(str(k)): v.strip() for k, v in table.items()}
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(messages.text("MAPPING_INVALID:sheet", source=source))
        sheet = None
    header_row = data.get("header_row", 1)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or not 1 <= header_row <= 100:
        problems.append(messages.text("MAPPING_INVALID:header-row", source=source))
        header_row = 1
    for name in set(columns) & set(constants):
        problems.append(messages.text("MAPPING_INVALID:both", source=source, field=name))
    if problems:
        raise TableError(problems)
    return ColumnMapping(columns, constants, values, sheet, header_row)


# --- reading -----------------------------------------------------------------------------


def read_table(
    path: str | Path, mapping: ColumnMapping | None, fields: Sequence[Field | str]
) -> list[TableRow]:
    """The rows of the CSV or XLSX file `path`, each with the `fields` asked for.

    A field given as text is required. Blank rows are left out. Raises `TableError`
    naming every problem found (at most `MAX_PROBLEMS`), by line and column.
    """
    source = str(path)
    kind = table_kind(Path(path).suffix, source)
    try:
        size = Path(path).stat().st_size
    except OSError as error:
        raise TableError([messages.text("TABLE_UNREADABLE", source=source, reason=error.strerror)]) from None
    if size > MAX_FILE_BYTES:
        raise TableError([messages.text("TABLE_TOO_LARGE:bytes", source=source, limit=f"{MAX_FILE_BYTES:,}")])
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise TableError([messages.text("TABLE_UNREADABLE", source=source, reason=error.strerror)]) from None
    return read_table_data(data, kind, source, mapping, fields)


def table_kind(suffix: str, source: str) -> str:
    """'csv' or 'xlsx' for a file name's suffix (`.csv`, `.txt`, `.xlsx`, `.xlsm`); else `TableError`."""
    folded = suffix.casefold()
    if folded in (".csv", ".txt"):
        return "csv"
    if folded in (".xlsx", ".xlsm"):
        return "xlsx"
    raise TableError([messages.text("TABLE_UNREADABLE:kind", source=source, suffix=_shown(suffix or "–"))])


def read_table_data(
    data: bytes, kind: str, source: str, mapping: ColumnMapping | None, fields: Sequence[Field | str]
) -> list[TableRow]:
    """The rows of a table given as its bytes (`kind`: 'csv' or 'xlsx'), named `source` in
    messages: what `read_table` does once it has read a file, and what an upload over HTTP gets."""
    wanted = [f if isinstance(f, Field) else Field(f) for f in fields]
    mapping = mapping or ColumnMapping()
    names = {f.name for f in wanted}
    stray = sorted((set(mapping.columns) | set(mapping.constants) | set(mapping.values)) - names)
    if stray:
        raise TableError(
            [messages.text("MAPPING_INVALID:field", names=", ".join(stray), fields=", ".join(sorted(names)))]
        )
    if len(data) > MAX_FILE_BYTES:
        raise TableError([messages.text("TABLE_TOO_LARGE:bytes", source=source, limit=f"{MAX_FILE_BYTES:,}")])
    raw = (
        _xlsx_rows(data, source, mapping.sheet)
        if kind == "xlsx"
        else _csv_rows(data, source, mapping.header_row)
    )
    return _rows(raw, source, mapping, wanted)


def _rows(
    raw: Iterator[tuple[int, list[str | None]]], source: str, mapping: ColumnMapping, wanted: list[Field]
) -> list[TableRow]:
    header: list[str | None] | None = None
    for line, cells in raw:
        if line == mapping.header_row:
            header = cells
            break
    if header is None or not any(header):
        raise TableError([messages.text("TABLE_HEADER:none", source=source, line=mapping.header_row)])
    positions = _columns(header, source, mapping, wanted)
    # Per field, once: a constant, or its column's position, header and translation.
    plan: list[tuple[str, Cell | None, int | None, str, Mapping[str, str] | None]] = []
    for wanted_field in wanted:
        name = wanted_field.name
        if name in mapping.constants:
            plan.append((name, Cell(mapping.constants[name], None), None, "", None))
            continue
        position = positions.get(name)
        if position is None:
            plan.append((name, Cell(None, None), None, "", None))
            continue
        plan.append((name, None, position, header[position] or "", mapping.values.get(name)))
    required = [f.name for f in wanted if f.required]
    rows: list[TableRow] = []
    problems: list[str | Text] = []
    for line, cells in raw:
        if not any(cells):
            continue  # a blank row
        if len(rows) >= MAX_ROWS:
            raise TableError([messages.text("TABLE_TOO_LARGE:rows", source=source, limit=f"{MAX_ROWS:,}")])
        row_cells: dict[str, Cell] = {}
        width = len(cells)
        for name, constant, position, column, translation in plan:
            if constant is not None:
                row_cells[name] = constant
                continue
            assert position is not None
            value = cells[position] if position < width else None
            if value is not None and translation is not None:
                value = translation.get(_folded(value), value)
            row_cells[name] = Cell(value, column)
        row = TableRow(source, line, row_cells)
        for name in required:
            if row_cells[name].value is None:
                problems.append(row.problem(name, messages.text("TABLE_VALUE:empty")))
        if len(problems) > MAX_PROBLEMS:
            break
        rows.append(row)
    if problems:
        raise TableError(problems)
    return rows


def _columns(
    header: list[str | None], source: str, mapping: ColumnMapping, wanted: list[Field]
) -> dict[str, int]:
    """Each wanted field's column, by its position in the header row."""
    where: dict[str, list[int]] = {}
    for position, name in enumerate(header):
        if name:
            where.setdefault(_folded(name), []).append(position)
    found: dict[str, int] = {}
    problems: list[str | Text] = []
    for wanted_field in wanted:
        if wanted_field.name in mapping.constants:
            continue
        column = mapping.columns.get(wanted_field.name, wanted_field.name)
        positions = where.get(_folded(column), [])
        if len(positions) > 1:
            problems.append(messages.text("TABLE_HEADER:repeated", source=source, column=column))
        elif positions:
            found[wanted_field.name] = positions[0]
        elif wanted_field.required or wanted_field.name in mapping.columns:
            # An optional field the mapping names must be there too: a misspelt header in a
            # mapping would otherwise leave the field empty on every row without a word.
            headers = ", ".join(f"'{_shown(name, 40)}'" for name in header if name)
            problems.append(
                messages.text(
                    "TABLE_MISSING_COLUMN",
                    source=source,
                    field=wanted_field.name,
                    column=column,
                    headers=_shown(headers, 300),
                )
            )
    if problems:
        raise TableError(problems)
    return found


def _cell(value: Any, source: str, line: int) -> str | None:
    """A cell as text: numbers without a needless '.0', dates as YYYY-MM-DD, blanks as None."""
    if type(value) is str:  # a CSV's every cell: the common case first
        text = value.strip()
        if not text:
            return None
        if len(text) > MAX_CELL_CHARACTERS:
            raise TableError(
                [
                    messages.text(
                        "TABLE_TOO_LARGE:cell", source=source, line=line, limit=f"{MAX_CELL_CHARACTERS:,}"
                    )
                ]
            )
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time(0) else value.isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value).strip()
    if len(text) > MAX_CELL_CHARACTERS:
        raise TableError(
            [
                messages.text(
                    "TABLE_TOO_LARGE:cell", source=source, line=line, limit=f"{MAX_CELL_CHARACTERS:,}"
                )
            ]
        )
    return unicodedata.normalize("NFC", text)


def _csv_rows(data: bytes, source: str, header_row: int) -> Iterator[tuple[int, list[str | None]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TableError([messages.text("TABLE_UNREADABLE:not-utf8", source=source, line=line)]) from None
    # A second byte order mark (a file saved by Excel, then converted again) would else stick
    # to the first header, invisible, and the column would be "missing".
    content = content.lstrip("\ufeff")
    if "\x00" in content:
        raise TableError([messages.text("TABLE_UNREADABLE:nul", source=source)])
    # The separator is the one the header line holds most of (lines before it may be a title).
    header = content.split("\n", header_row)[:header_row][-1]
    separator = max(SEPARATORS, key=header.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=separator, strict=True)
    return _csv_records(reader, source)


def _csv_records(reader: Any, source: str) -> Iterator[tuple[int, list[str | None]]]:
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TableError(
                [messages.text("TABLE_UNREADABLE:csv", source=source, line=start, problem=_shown(error))]
            ) from None
        if len(record) > MAX_COLUMNS:
            raise TableError(
                [messages.text("TABLE_TOO_LARGE:columns", source=source, line=start, limit=MAX_COLUMNS)]
            )
        yield start, [_cell(value, source, start) for value in record]
        start = reader.line_num + 1


def _xlsx_rows(data: bytes, source: str, sheet: str | None) -> Iterator[tuple[int, list[str | None]]]:
    _check_zip(data, source)
    import openpyxl  # only when an XLSX is read
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise TableError(
            [messages.text("TABLE_UNREADABLE:xlsx", source=source, problem=_shown(error))]
        ) from None
    except Exception as error:  # noqa: BLE001 - openpyxl's XML parser raises its own kinds
        raise TableError(
            [messages.text("TABLE_UNREADABLE:xlsx", source=source, problem=_shown(type(error).__name__))]
        ) from None
    if sheet is not None and sheet not in workbook.sheetnames:
        workbook.close()
        raise TableError(
            [
                messages.text(
                    "TABLE_UNREADABLE:sheet",
                    source=source,
                    sheet=sheet,
                    sheets=", ".join(workbook.sheetnames),
                )
            ]
        )
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    return _xlsx_records(workbook, worksheet, source)


def _xlsx_records(workbook: Any, worksheet: Any, source: str) -> Iterator[tuple[int, list[str | None]]]:
    # The sheet's own `<dimension ref="A1:D20"/>` is not trusted: openpyxl pads every row to its
    # width and stops at its last row, so a forged `A1:XFD1048576` made each row 16,384 cells
    # (seconds of work before a refusal) and a dimension too small made rows below it vanish
    # without a word. Without it every row is as wide as its last cell, and rows are counted here.
    # Rows are read no wider than the bound: `_count_xml` found every cell past it empty.
    worksheet.reset_dimensions()
    try:
        rows = worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for number, row in enumerate(rows, start=1):
            if number > MAX_ROWS + 100:
                raise TableError(
                    [messages.text("TABLE_TOO_LARGE:rows", source=source, limit=f"{MAX_ROWS:,}")]
                )
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            yield number, [_cell(value, source, number) for value in values]
    except TableError:
        raise
    except Exception as error:  # noqa: BLE001 - a damaged sheet's XML
        raise TableError(
            [messages.text("TABLE_UNREADABLE:xlsx", source=source, problem=_shown(type(error).__name__))]
        ) from None
    finally:
        workbook.close()


def _check_zip(data: bytes, source: str) -> None:
    """An XLSX's zip, refused before anything is unpacked if it holds too many or too large parts.

    The sizes are those the zip declares: Python's zipfile never unpacks more than a part
    declares (it fails instead), so they bound the work of reading it.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries: Iterable[zipfile.ZipInfo] = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TableError(
            [messages.text("TABLE_UNREADABLE:xlsx", source=source, problem=_shown(error))]
        ) from None
    entries = list(entries)
    if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise TableError(
            [messages.text("TABLE_TOO_LARGE:unpacked", source=source, limit=f"{MAX_UNPACKED_BYTES:,}")]
        )
    _count_xml(data, source)


def _count_xml(data: bytes, source: str) -> None:
    """An XLSX's XML counted, as a stream, before openpyxl builds anything of it.

    openpyxl builds each row whole, and every shared string, before anyone may look: 12 MB of
    `<c/>` in one row took it 24 s and 1 GB. Here every XML part is read by expat, in C, with
    a count per element, and refused at the first of: more than `MAX_XML_ELEMENTS` elements,
    or `MAX_ROW_ELEMENTS` in one row; more than `MAX_CELLS` cells (or shared strings); a value
    in a column past `MAX_COLUMNS` (an empty cell there, a style on a far column, is no
    column). Parts that are not XML (images) are left alone; XML that expat cannot read is no
    XLSX openpyxl could read either.
    """
    state: dict[str, Any] = {"elements": 0, "cells": 0, "in_row": 0, "row": 0, "position": 0, "ref": ""}

    def start(name: str, attributes: dict[str, str]) -> None:
        state["elements"] += 1
        state["in_row"] += 1
        local = name.rpartition(" ")[2]
        if local == "row":
            state["in_row"] = state["position"] = 0
            written = attributes.get("r", "")
            state["row"] = int(written) if written.isdigit() and len(written) < 9 else state["row"] + 1
        elif local in ("c", "si"):
            state["cells"] += 1
            state["position"] += 1
            state["ref"] = attributes.get("r", "")
        elif local in ("v", "is", "f") and _column_of(state["ref"], state["position"]) > MAX_COLUMNS:
            raise _TooMany(
                messages.text("TABLE_TOO_LARGE:columns", source=source, limit=MAX_COLUMNS, line=state["row"])
            )
        if state["cells"] > MAX_CELLS:
            raise _TooMany(messages.text("TABLE_TOO_LARGE:cells", source=source, limit=f"{MAX_CELLS:,}"))
        if state["in_row"] > MAX_ROW_ELEMENTS:
            raise _TooMany(
                messages.text(
                    "TABLE_TOO_LARGE:row-elements",
                    source=source,
                    limit=f"{MAX_ROW_ELEMENTS:,}",
                    line=state["row"],
                )
            )
        if state["elements"] > MAX_XML_ELEMENTS:
            raise _TooMany(
                messages.text("TABLE_TOO_LARGE:elements", source=source, limit=f"{MAX_XML_ELEMENTS:,}")
            )

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as part:
                    head = part.read(64)
                    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                        continue
                    state.update(in_row=0, row=0, position=0, ref="")
                    parser = pyexpat.ParserCreate(namespace_separator=" ")
                    parser.StartElementHandler = start
                    parser.Parse(head, False)
                    while chunk := part.read(2**16):
                        parser.Parse(chunk, False)
                    parser.Parse(b"", True)
    except _TooMany as too_many:
        raise TableError([too_many.reason]) from None
    except (pyexpat.ExpatError, zipfile.BadZipFile, OSError, ValueError, RuntimeError) as error:
        raise TableError(
            [messages.text("TABLE_UNREADABLE:xlsx", source=source, problem=_shown(error))]
        ) from None


def _column_of(ref: str, position: int) -> int:
    """The column (1 = A) of a cell reference (`XFD7`), or its position in the row without one."""
    letters = ref.rstrip("0123456789")
    if not letters or not letters.isalpha() or not letters.isascii() or len(letters) > 3:
        return position
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


class _TooMany(Exception):
    def __init__(self, reason: Text):
        self.reason = reason
