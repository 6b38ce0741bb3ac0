"""Reporting changes to a board, the review pack, and stale outputs."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from orgchange.application.documents.review import ReviewPack
from orgchange.application.outputs import record_output, stale_outputs
from orgchange.domain.errors import ChangeRejected
from tests.browser import browser_page, save_screenshot
from tests.builders import base_organisation, change


@pytest.fixture
def org(app):
    app.record_changes(
        [
            *base_organisation(),
            change(
                "grant_delegation",
                id="g1",
                delegation="ks-1",
                effective="2013-01-01",
                from_="ks",
                to="va-chef",
                matter="VA-anslutning",
                code="N.2",
            ),
            change(
                "merge_units",
                id="m1",
                effective="2017-01-01",
                units=["kfv", "va"],
                into="kfva",
                name="Kultur och VA",
                kind="unit",
                decision={"position": "stadsdirektor", "date": "2016-12-12", "reference": "KFKS 2016/880"},
            ),
            change(
                "spin_off_unit",
                id="so1",
                effective="2017-02-01",
                unit="kfva",
                company="bolaget",
                name="Nacka vatten och avfall AB",
                owner="kf",
                decision={"body": "kf", "date": "2017-01-16", "paragraph": "§ 4"},
            ),
        ],
        "test",
    )
    return app


def report(app, *ids, meeting="2017-03-06", to="ks", **extra):
    return app.record_changes(
        [change("report_changes", to=to, meeting=meeting, changes=list(ids), **extra)], "sekreterare"
    )


def rejected(app, entry) -> ChangeRejected:
    with pytest.raises(ChangeRejected) as caught:
        app.record_changes([entry], "t")
    return caught.value


# --- the reporting rules, on both databases -----------------------------------------


def test_changes_are_reported_once_to_a_board_and_noted(org):
    report(org, "m1", reference="KFKS 2017/42")
    report(org, "so1")
    [row] = org.read_model.reports.reports("ks", date(2017, 3, 6))
    assert row.change_ids == ("m1", "so1") and row.reference == "KFKS 2017/42" and row.noted_paragraph is None
    error = rejected(org, change("report_changes", to="ks", meeting="2017-04-03", changes=["m1"]))
    assert error.rule == "reporting" and "already reported to 'ks' on 2017-03-06" in str(error)
    org.record_changes([change("note_report", to="ks", meeting="2017-03-06", paragraph="§ 27")], "t")
    assert org.read_model.reports.reports("ks")[0].noted_paragraph == "§ 27"
    assert "already noted under § 27" in str(
        rejected(org, change("note_report", to="ks", meeting="2017-03-06", paragraph="§ 28"))
    )
    assert org.read_model.reports.unreported("ks") == []


def test_a_board_is_to_hear_of_an_officials_change_and_of_one_that_empties_its_delegations(org):
    unreported = org.read_model.reports.unreported("ks")

    # m1: the stadsdirektör's merge; so1: the council's spin-off, which ended the post of
    # KS's delegation N.2; g1: KS's own delegation, which KS need not hear of.
    assert [(u.change.id, u.due, [a.label for a in u.affected]) for u in unreported] == [
        ("m1", True, []),
        ("so1", False, ["N.2"]),
    ]
    assert unreported[0].reason == "Ska anmälas: beslut av en tjänsteman i nämndens förvaltning"
    assert unreported[1].reason == "Påverkar er delegationsordning: N.2 saknar delegat"
    assert org.read_model.reports.unreported("sn") == []


def test_unknown_cancelled_and_misdirected_reports_are_rejected(org):
    assert "no change 'nope'" in str(
        rejected(org, change("report_changes", to="ks", meeting="2017-03-06", changes=["nope"]))
    )
    org.record_changes([change("cancel_change", id="c1", change="g1", reason="fel")], "t")
    assert "was cancelled by 'c1'" in str(
        rejected(org, change("report_changes", to="ks", meeting="2017-03-06", changes=["g1"]))
    )
    assert "is an office, not a board" in str(
        rejected(org, change("report_changes", to="slk", meeting="2017-03-06", changes=["m1"]))
    )
    assert "no changes were reported" in str(
        rejected(org, change("note_report", to="ks", meeting="2017-05-01", paragraph="§ 1"))
    )


def test_the_review_list_of_the_sample(demo_app):
    reports = demo_app.read_model.reports.reports("ks")
    assert [(r.meeting, r.noted_paragraph) for r in reports] == [
        (date(2013, 9, 2), "§ 190"),
        (date(2014, 3, 3), "§ 56"),
        (date(2014, 9, 1), "§ 176"),
        (date(2015, 9, 28), "§ 243"),
        (date(2017, 2, 6), "§ 27"),
        (date(2017, 3, 6), "§ 61"),
        (date(2017, 11, 13), "§ 318"),
    ]
    assert reports[4].change_ids == ("nacka-2017-002", "nacka-2017-003", "nacka-2017-004")
    # Only what was to be reported to KS was reported to it: its officials' decisions and the
    # vidaredelegationer of its delegations, never its own decisions or the council's.
    reported = demo_app.read_model.changes_by_id([key for r in reports for key in r.change_ids])
    assert {c.report_to for c in reported} == {"ks"}


# --- the review pack ----------------------------------------------------------------


class _Page(HTMLParser):
    """Collects the text of elements by class and the data-* attributes of the pack."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.charts: list[str] = []
        self.svgs = 0
        self.gaps: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.stack.append(attrs.get("class") or "")
        if tag == "figure":
            self.charts.append(attrs.get("data-chart", ""))
        if tag == "svg":
            self.svgs += 1
        if attrs.get("class") == "gap" and "data-delegation" in attrs:
            self.gaps.append(attrs["data-delegation"])

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.text.setdefault(self.stack[-1], []).append(data)


def test_the_review_pack_holds_sentences_citations_charts_and_gaps(org):
    report(org, "m1", "so1")
    pack = ReviewPack.for_meeting(org, "ks", date(2017, 3, 6))
    assert pack.summary() == "1 jan–1 feb 2017: 2 enheter sammanslagna, 1 bolagiserad"
    page = _Page()
    page.feed(pack.as_html())
    sentences = page.text["sentence"]
    assert sentences == [org.read_model.change("m1").summary, org.read_model.change("so1").summary]
    assert page.text["citation"][0] == "Stadsdirektör 2016-12-12 (KFKS 2016/880)"
    assert page.text["citation"][1] == "Kommunfullmäktige 2017-01-16 § 4"
    # Only the stadsdirektör's merge was to be reported to KS; the council's spin-off is listed
    # for what it did to KS's delegationsordning.
    assert [c.id for c in pack.due] == ["m1"] and [c.id for c in pack.affecting] == ["so1"]
    assert page.text["effect"] == ["Påverkar er delegationsordning: N.2 saknar delegat"]
    assert page.charts == ["före", "efter"] and page.svgs == 2
    assert page.gaps == ["ks-1"]
    assert "".join(page.text["summary"]) == pack.summary()


def test_corrections_since_the_previous_meeting_show_then_and_now(org):
    report(org, "m1", meeting="2017-03-06")
    org.record_changes([change("note_report", to="ks", meeting="2017-03-06", paragraph="§ 27")], "t")
    org.record_changes(
        [change("rename_unit", id="fix", effective="2017-01-01", unit="kfva", name="Kultur, fritid och VA")],
        "t",
    )
    report(org, "fix", meeting="2017-04-03")
    pack = ReviewPack.for_meeting(org, "ks", date(2017, 4, 3))
    [correction] = pack.corrections
    assert correction.change.id == "fix"
    assert correction.then == ["Kultur och VA (kfva), under slk"]
    assert correction.now == ["Kultur, fritid och VA (kfva), under slk"]
    assert "Rättelser sedan förra sammanträdet (2017-03-06)" in pack.as_html()


def test_a_correction_makes_earlier_outputs_stale(org):
    pack = ReviewPack.for_period(org, "ks", date(2017, 1, 1), date(2017, 2, 1))
    output = record_output(org.engine, "review", "underlag", pack.period, "test")
    later = record_output(org.engine, "orgchart", "schema 2013", (date(2013, 1, 1), date(2013, 1, 1)), "test")
    assert stale_outputs(org.engine) == []
    org.record_changes([change("rename_unit", id="retro", effective="2016-06-01", unit="va", name="VA")], "t")
    stale = stale_outputs(org.engine)
    assert [(s.output.id, s.changed_by) for s in stale] == [(output, ["retro"])]
    assert later not in [s.output.id for s in stale]


def test_the_review_pack_renders_without_overflow_in_a_browser(demo_app, tmp_path):
    html = ReviewPack.for_meeting(demo_app, "ks", date(2017, 11, 13)).as_html()
    path = tmp_path / "review.html"
    path.write_text(html, encoding="utf-8")
    with browser_page(width=794, height=1123) as page:  # A4 at 96 dpi
        page.goto(path.as_uri())
        overflow = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const wide = [...document.querySelectorAll('figure svg, table, li')]
                    .filter(e => e.getBoundingClientRect().right > width + 1).length;
                return {wide, scroll: document.documentElement.scrollWidth - width};
            }"""
        )
        assert overflow == {"wide": 0, "scroll": 0}
        assert page.locator("figure.chart svg").count() == 2
        assert page.locator("ol.changes li").count() == 5
        save_screenshot(page, "review-pack-ks-2017-11-13")
        pdf = page.pdf(format="A4")
        assert pdf[:5] == b"%PDF-"


def test_a_periods_pack_holds_every_change_of_the_period_however_many(app):
    # More changes than one page of the change log (1,000): the pack pages through them all.
    renames = [
        change(
            "rename_unit",
            id=f"r{n}",
            effective=f"2019-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}",
            unit="kfv",
            name=f"Kultur och fritid {n}",
        )
        for n in range(336)
    ]
    app.record_changes(base_organisation(), "t")
    for year in (2019, 2020, 2021, 2022):
        app.record_changes(
            [
                c.model_copy(update={"id": f"{c.id}-{year}", "effective": c.effective.replace(year=year)})
                for c in renames
            ],
            "t",
        )

    pack = ReviewPack.for_period(app, "ks", date(2019, 1, 1), date(2022, 12, 31))

    assert len(pack.changes) == 4 * 336
    assert len({c.id for c in pack.changes}) == 4 * 336
