"""The printed org chart: an overview page, a page per office and area, text readable on paper.

Read back from the PDF itself (pdfminer): what each page says and the size of every
character as printed, so the test is of the paper, not of the HTML it was printed from.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTPage, LTTextContainer

from orgchange.application.documents.chart_book import PAPERS, SMALLEST_PRINTED_PT, ChartBook, chart_book_pdf
from orgchange.application.documents.charts import OrgChart
from orgchange.application.documents.diagrams import node_id
from orgchange.application.documents.graphviz import DiagramTooLarge
from tests.builders import change
from tests.support import opened
from tests.test_cli import run

DAY = date(2017, 3, 1)


@pytest.fixture(scope="module")
def sample_chart(module_database_url: str, sample_file) -> Iterator[OrgChart]:
    with opened(module_database_url, sample_file) as application:
        yield OrgChart.load(application.read_model, DAY)


def wide_register() -> list:
    """A council, a board, and two offices of 45 units each: far too wide for one page."""
    d = "2020-01-01"
    changes = [
        change("establish_unit", id="kf", effective=d, unit="kf", name="Kommunfullmäktige", kind="council"),
        change(
            "establish_unit",
            id="ks",
            effective=d,
            unit="ks",
            name="Kommunstyrelsen",
            kind="board",
            parent="kf",
        ),
    ]
    for office in ("norr", "soder"):
        changes.append(
            change(
                "establish_unit",
                id=office,
                effective=d,
                unit=office,
                name=f"Förvaltning {office}",
                kind="office",
                parent="ks",
            )
        )
        for i in range(45):
            key = f"{office}-{i}"
            changes.append(
                change(
                    "establish_unit",
                    id=key,
                    effective=d,
                    unit=key,
                    name=f"Enheten för verksamhet nummer {i} i {office}",
                    kind="unit",
                    parent=office,
                )
            )
    return changes


@pytest.fixture(scope="module")
def wide_chart(tmp_path_factory) -> Iterator[OrgChart]:
    url = f"sqlite:///{tmp_path_factory.mktemp('wide') / 'wide.db'}"
    with opened(url) as application:
        application.record_changes(wide_register(), "test")
        yield OrgChart.load(application.read_model, date(2020, 6, 1))


def pages_of(pdf: bytes) -> list[LTPage]:
    return list(extract_pages(BytesIO(pdf)))


def words(page: LTPage) -> str:
    return " ".join(" ".join(e.get_text().split()) for e in page if isinstance(e, LTTextContainer))


def character_sizes(page: LTPage) -> list[float]:
    sizes: list[float] = []

    def walk(element) -> None:
        if isinstance(element, LTChar) and element.get_text().strip():
            sizes.append(element.size)
        if hasattr(element, "__iter__"):
            for inner in element:
                walk(inner)

    walk(page)
    return sizes


@pytest.fixture(scope="module")
def sample_pdf(sample_chart: OrgChart) -> tuple[ChartBook, bytes]:
    book = ChartBook(sample_chart, "a4")
    return book, chart_book_pdf(book)


def test_the_printed_chart_begins_with_an_overview_and_gives_each_office_and_area_a_page(sample_pdf):
    book, pdf = sample_pdf
    pages = pages_of(pdf)
    assert len(pages) == len(book.pages), "a page whose picture overflowed would print as two"
    assert words(pages[0]).startswith("Översikt")
    parts = {u.id: u.name for u in book.chart.units if u.kind in ("office", "area")}
    assert len(parts) == 7
    headings = [words(page).split(" Organisationen ")[0] for page in pages]
    for name in parts.values():
        assert any(heading.startswith(name) for heading in headings), name


def test_every_unit_is_drawn_and_an_office_or_area_in_full_only_on_its_own_pages(sample_pdf):
    book, _ = sample_pdf

    def drawn(unit_id: str, page) -> bool:
        # Graphviz writes a title's hyphens as character references.
        return f"<title>{node_id(unit_id).strip(chr(34))}</title>" in html.unescape(page.svg)

    for unit in book.chart.units:
        assert any(drawn(unit.id, page) for page in book.pages), unit.id
        if unit.kind in ("office", "area"):
            in_full = [p for p in book.pages if drawn(unit.id, p) and unit not in p.continued]
            assert in_full and all(p.part == unit for p in in_full), unit.id


def test_no_text_of_the_printed_chart_is_smaller_than_8_pt(sample_pdf):
    _, pdf = sample_pdf
    for number, page in enumerate(pages_of(pdf), start=1):
        sizes = character_sizes(page)
        assert sizes, f"page {number} has no text"
        assert min(sizes) >= SMALLEST_PRINTED_PT - 0.01, (number, min(sizes))


def test_a_chart_too_wide_for_a_page_is_shared_out_over_pages_each_still_readable(wide_chart):
    book = ChartBook(wide_chart, "a4")
    pdf = chart_book_pdf(book)
    pages = pages_of(pdf)
    assert len(pages) == len(book.pages)
    office_pages = [p for p in book.pages if p.part is not None and p.part.id == "norr"]
    assert len(office_pages) >= 2, "45 units side by side do not fit one A4 page at 8 pt"
    assert [p.piece for p in office_pages] == [
        (i, len(office_pages)) for i in range(1, len(office_pages) + 1)
    ]
    printed = " ".join(words(page) for page in pages)
    for i in range(45):
        assert f"Enheten för verksamhet nummer {i} i norr" in printed
    for number, page in enumerate(pages, start=1):
        assert min(character_sizes(page)) >= SMALLEST_PRINTED_PT - 0.01, number


def test_a3_paper_takes_fewer_pages_than_a4_and_its_pages_are_a3(wide_chart):
    a4, a3 = ChartBook(wide_chart, "a4"), ChartBook(wide_chart, "a3")
    assert len(a3.make()) < len(a4.make())
    page = pages_of(chart_book_pdf(a3))[0]
    width, height = PAPERS["a3"]
    assert abs(page.width - width) < 2 and abs(page.height - height) < 2


def test_a_book_of_more_pages_than_allowed_is_refused_before_anything_is_drawn(wide_chart):
    book = ChartBook(wide_chart, "a4", max_pages=2)
    with pytest.raises(DiagramTooLarge) as refused:
        book.parts()
    assert refused.value.code == "DIAGRAM_TOO_LARGE"
    assert refused.value.limit == 2
    assert book.pages == []


def test_a_part_of_the_organisation_prints_from_its_root(sample_chart):
    office = next(u for u in sample_chart.units if u.kind == "office")
    chart = OrgChart(sample_chart.as_of, [u for u in sample_chart.units if u.id == office.id], {}, office.id)
    pages = ChartBook(chart, "a4").make()
    assert len(pages) == 1 and pages[0].title.startswith("Översikt")


def test_the_command_line_prints_the_chart_as_pdf_on_a3(database_url, tmp_path: Path):
    assert run(database_url, "demo").returncode == 0
    target = tmp_path / "schema.pdf"
    result = run(
        database_url,
        "chart",
        "--as-of",
        DAY.isoformat(),
        "--format",
        "pdf",
        "--paper",
        "a3",
        "-o",
        str(target),
    )
    assert result.returncode == 0, result.stderr
    pages = pages_of(target.read_bytes())
    assert words(pages[0]).startswith("Översikt")
    width, height = PAPERS["a3"]
    assert abs(pages[0].width - width) < 2 and abs(pages[0].height - height) < 2


def test_the_command_line_refuses_a_paper_it_does_not_know(database_url):
    result = run(database_url, "chart", "--as-of", DAY.isoformat(), "--format", "pdf", "--paper", "a5")
    assert result.returncode == 2
    assert "a5" in result.stderr
