"""The web page in a real headless Chromium against a live `orgchange serve` on loopback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import httpx
import pytest
import yaml

from orgchange.domain.kinds import CHANGE_TYPE_NAMES, UNIT_KINDS
from tests.browser import (
    answered_after_leaving,
    browser_page,
    hold_request,
    save_screenshot,
    settled,
    wait_until_held,
)

APP_JS = Path(__file__).resolve().parent.parent / "orgchange" / "web" / "app.js"
# Words of the page's addresses (#/enhet/ks) and of its filters (?enhet=ks), not names it shows.
ADDRESS_WORDS = {"enhet"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The database each served address reads, for a test that adds to what its module's server holds.
SERVED: dict[str, str] = {}


@contextmanager
def _serving(folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """The Nacka sample served by a real `orgchange serve` process: (its address, the process)."""
    env = {**os.environ, "ORGCHANGE_DATABASE_URL": f"sqlite:///{folder / 'web.db'}", "ORGCHANGE_USER": "test"}
    subprocess.run([sys.executable, "-m", "orgchange", "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "orgchange", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    SERVED[url] = env["ORGCHANGE_DATABASE_URL"]
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("orgchange serve did not start")
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The Nacka sample served by a real `orgchange serve` process."""
    with _serving(tmp_path_factory.mktemp("web")) as (url, _):
        yield url


# True once the chart, zoomed to fit, lies inside its panel (a pixel of rounding allowed).
DIAGRAM_FITS = """() => {
  const panel = document.querySelector('#chart .diagram'), drawn = document.querySelector('#chart svg g.viewport');
  if (!panel || !drawn || !drawn.querySelector('g.node')) return false;
  const outer = panel.getBoundingClientRect(), inner = drawn.getBoundingClientRect();
  return inner.width > 0 && inner.left >= outer.left - 1 && inner.right <= outer.right + 1
    && inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1;
}"""


# True once the node of a unit lies inside the chart's panel: shown, not a pan away.
NODE_IN_VIEW = """unit => {
  const panel = document.querySelector('#chart .diagram');
  const node = document.querySelector(`#chart g.node[data-unit="${unit}"]`);
  if (!panel || !node) return false;
  const outer = panel.getBoundingClientRect(), inner = node.getBoundingClientRect();
  return inner.width > 0 && inner.left >= outer.left && inner.right <= outer.right
    && inner.top >= outer.top && inner.bottom <= outer.bottom;
}"""


def sample_changes() -> list[dict]:
    text = (resources.files("orgchange") / "sample" / "nacka-2012-2018.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["changes"]


def units_in_tree(page) -> set[str]:
    return set(page.eval_on_selector_all("#tree [data-unit]", "items => items.map(i => i.dataset.unit)"))


def test_moving_the_date_shows_a_unit_disappear_and_a_company_appear(server):
    with browser_page() as page:
        page.goto(f"{server}/#/organisation?datum=2016-12-31")
        page.wait_for_selector('#tree [data-unit="va-och-avfall"]')
        page.wait_for_selector("#chart svg")
        before = units_in_tree(page)
        assert "va-och-avfall" in before and "nacka-vatten-och-avfall-ab" not in before
        save_screenshot(page, "web-organisation-2016-12-31")

        page.fill("#datum", "2017-01-01")
        page.dispatch_event("#datum", "change")
        page.wait_for_selector('#tree [data-unit="nacka-vatten-och-avfall-ab"]')
        # The chart marks the company as new since the day drawn before, and the unit as ended.
        company = page.locator('#chart g.node.mark-added[data-unit="nacka-vatten-och-avfall-ab"]')
        company.wait_for()
        after = units_in_tree(page)
        assert "va-och-avfall" not in after
        assert page.locator('#chart g.node[data-unit="va-och-avfall"]').count() == 0
        assert "VA- och avfallsenheten" in page.inner_text("#chart-changes")
        assert page.locator("#org-date").inner_text() == "2017-01-01"
        assert "datum=2017-01-01" in page.url  # the link holds the date
        assert "Nacka vatten och avfall AB" in company.text_content()
        # What changed is in view, at a readable size (the whole chart would be too small to read).
        page.wait_for_function(NODE_IN_VIEW, arg="nacka-vatten-och-avfall-ab")
        save_screenshot(page, "web-organisation-2017-01-01")


def test_the_org_chart_view_links_to_the_printed_chart_of_its_day_on_a4_and_a3(server):
    with browser_page() as page:
        page.goto(f"{server}/#/organisation?datum=2017-03-01")
        page.wait_for_selector("#tree [data-unit]")
        a4 = page.get_attribute("#book-a4", "href")
        a3 = page.get_attribute("#book-a3", "href")
        assert a4 == "diagrams/orgchart.pdf?asOf=2017-03-01&paper=a4"
        assert a3 == "diagrams/orgchart.pdf?asOf=2017-03-01&paper=a3"
        response = page.request.get(f"{server}/{a3}")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"


def test_the_slider_moves_the_date(server):
    with browser_page() as page:
        page.goto(f"{server}/#/organisation?datum=2017-01-01")
        page.wait_for_selector("#tree [data-unit]")
        slider = page.locator("#datum-slider")
        slider.focus()
        start = page.input_value("#datum")
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        page.wait_for_function("start => document.querySelector('#datum').value !== start", arg=start)
        assert page.input_value("#datum") == "2016-12-29"


def test_opening_a_unit_shows_its_history_and_successor(server):
    with browser_page() as page:
        page.goto(f"{server}/#/organisation?datum=2016-06-01")
        page.click('#tree [data-unit="va-och-avfall"] > a')
        page.wait_for_selector("#history li")
        assert "/enhet/va-och-avfall" in page.url
        assert page.locator("h1").inner_text().startswith("VA- och avfallsenheten")
        assert "Nacka vatten och avfall AB" in page.locator("main").inner_text()
        save_screenshot(page, "web-unit-va-och-avfall")


def test_a_units_page_names_units_and_gives_its_last_day(server):
    with browser_page() as page:
        page.goto(f"{server}/#/enhet/va-och-avfall?datum=2017-03-01")
        page.wait_for_selector("#history li")
        history = page.locator("#history").inner_text()
        message = page.locator("main .error").inner_text()

        # Under the unit it stood under then, by name; its last day, not the day after it.
        assert "under Myndighets- och huvudmannaenheterna" in history
        assert "under mhe" not in history and "under territorieomradet" not in history
        assert "2014-01-01 – t.o.m. 2016-12-31" in history
        assert "Den fanns 2012-01-01 – t.o.m. 2016-12-31." in message
        assert "2017-01-01" not in message
        # Who decided, by name: the council, not its key.
        assert "Kommunfullmäktige 2016-11-14 § 289" in page.locator("main").inner_text()
        save_screenshot(page, "web-unit-last-day")


def test_comparing_two_dates(server):
    with browser_page() as page:
        page.goto(f"{server}/#/jamfor?fran=2016-12-31&till=2017-01-01")
        page.wait_for_selector("#added li")
        added = page.eval_on_selector_all("#added [data-unit]", "l => l.map(i => i.dataset.unit)")
        removed = page.eval_on_selector_all("#removed [data-unit]", "l => l.map(i => i.dataset.unit)")
        assert "nacka-vatten-och-avfall-ab" in added and "va-och-avfall" in removed
        save_screenshot(page, "web-compare")


def test_comparing_two_dates_shows_reclassified_units_and_abolished_posts_by_name(server):
    with browser_page() as page:
        page.goto(f"{server}/#/jamfor?fran=2013-12-31&till=2014-01-01")
        page.wait_for_selector("#reclassified [data-unit]")
        reclassified = page.locator('#reclassified [data-unit="valfard-skola"]').inner_text()
        abolished = page.locator('#positions-abolished [data-position="produktionsdirektor"]').inner_text()
        moved = page.locator('#positions-moved [data-position="valfardsdirektor"]').inner_text()

        assert reclassified == "Välfärd skola: enhet → förvaltning"
        assert abolished == "Produktionsdirektör"
        assert moved == "Välfärdsdirektör: Myndighets- och huvudmannaenheterna → Välfärdsområdet"
        established = page.eval_on_selector_all(
            "#positions-established [data-position]", "l => l.map(i => i.textContent)"
        )
        assert established == ["Direktör Välfärd samhällsservice", "Direktör Välfärd skola"]
        save_screenshot(page, "web-compare-2014")


def test_the_delegations_view_highlights_a_gap(server):
    with browser_page() as page:
        page.goto(f"{server}/#/delegationer?datum=2017-03-01&namnd=ntn")
        page.wait_for_selector('tr.gap[data-delegation="ntn-n2"]')
        assert page.locator('li.gap[data-delegation="ntn-n2"]').count() == 1
        assert page.locator("tr.gap").count() == 1
        # every column of the table is in view on a laptop screen
        assert page.evaluate(
            "(() => { const w = document.querySelector('#table'); return w.scrollWidth <= w.clientWidth; })()"
        )
        page.wait_for_selector("#chart svg")
        save_screenshot(page, "web-delegations-gap")


def test_the_change_log_filters_by_board_reported_to(server):
    with browser_page() as page:
        page.goto(f"{server}/#/andringar?namnd=ks")
        page.wait_for_selector("#log [data-change]")
        shown = page.eval_on_selector_all("#log [data-change]", "l => l.map(i => i.dataset.change)")
        assert shown[:3] == ["nacka-2013-001", "nacka-2013-002", "nacka-2013-003"]
        assert "nacka-2017-002" in shown and "nacka-2012-001" not in shown


def test_the_review_pack_is_one_click_from_the_meetings(server):
    with browser_page() as page:
        page.goto(f"{server}/#/granskning?namnd=ks")
        page.click("#meetings a >> text=2017-11-13")
        frame = page.frame_locator("iframe.review")
        assert "Anmälda ändringar till Kommunstyrelsen" in frame.locator("h1").inner_text()
        save_screenshot(page, "web-review")


def test_the_review_list_shows_what_is_still_to_be_reported_and_why(server):
    with browser_page() as page:
        page.goto(f"{server}/#/granskning?namnd=socialnamnden")
        item = page.locator('#unreported [data-change="nacka-2017-014"]')
        item.wait_for()

        assert page.locator("#unreported [data-change]").count() == 1
        assert "affects" in (item.get_attribute("class") or "")
        assert "Påverkar er delegationsordning: 1.1 saknar delegat" in item.inner_text()

        page.goto(f"{server}/#/granskning?namnd=ks")
        page.wait_for_selector('#unreported [data-change="nacka-2017-036"]')
        listed = page.eval_on_selector_all("#unreported [data-change]", "l => l.map(i => i.dataset.change)")
        assert "nacka-2012-001" not in listed and "nacka-2017-001" not in listed
        assert page.locator("#unreported .affects").count() == 0
        save_screenshot(page, "web-review-unreported")


def test_keyboard_users_can_skip_to_the_content(server):
    with browser_page() as page:
        page.goto(f"{server}/#/organisation")
        page.wait_for_selector("#tree [data-unit]")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        labels = page.eval_on_selector_all(
            "input, select", "l => l.map(e => !!(e.labels && e.labels.length))"
        )
        assert labels and all(labels)


def test_on_a_tablet_the_page_fits_the_screen(server):
    # Where a unit's node is drawn, and that of a unit under it.
    places = """() => ['kf', 'ks'].map(id => document.querySelector(`#chart g.node[data-unit="${id}"]`)
        .getBoundingClientRect()).map(r => ({x: r.left, y: r.top}))"""
    with browser_page(width=768, height=1024) as page:
        page.goto(f"{server}/#/organisation?datum=2017-03-01")
        page.wait_for_selector('#chart g.node[data-unit="ks"]')
        page.wait_for_function(DIAGRAM_FITS)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # upright, the chart is drawn left to right: the board to the right of the council
        assert page.input_value("#riktning") == "lr" and "riktning=lr" in page.url
        council, board = page.evaluate(places)
        assert board["x"] > council["x"] + 100
        page.select_option("#riktning", "tb")
        page.wait_for_function("() => location.hash.includes('riktning=tb')")
        page.wait_for_timeout(600)  # the nodes glide to their new places
        page.wait_for_function(NODE_IN_VIEW, arg="kf")  # too wide to read whole: shown from the top
        council, board = page.evaluate(places)
        assert board["y"] > council["y"] + 20  # top to bottom: under it
        save_screenshot(page, "web-tablet")


def test_the_change_log_filters_by_period_and_type_through_the_form(server):
    with browser_page() as page:
        page.goto(f"{server}/#/andringar")
        page.wait_for_selector("#log [data-change]")
        page.fill("#fran", "2017-01-01")
        page.fill("#till", "2017-12-31")
        page.select_option("#typ", "split_unit")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**typ=split_unit**")
        page.wait_for_selector("main:not([aria-busy]) #log [data-change]")
        shown = page.eval_on_selector_all("#log [data-change]", "l => l.map(i => i.dataset.change)")
        splits_2017 = [
            change
            for change in sample_changes()
            if change["type"] == "split_unit" and str(change["effective"]).startswith("2017")
        ]
        assert shown == [change["id"] for change in splits_2017]
        # counted by the register, not by the page: no "more" to fetch, and the total agrees
        assert page.inner_text("#total") == f"{len(splits_2017)} visade av {len(splits_2017)}"
        assert page.locator("#more").is_hidden()
        for change in splits_2017:  # each with its decision citation
            assert (
                change["decision"]["reference"]
                in page.locator(f'#log [data-change="{change["id"]}"]').inner_text()
            )
        save_screenshot(page, "web-change-log")


def test_the_page_script_names_no_kind_of_unit_and_no_change_type_itself():
    """The names come from the API's `vocabulary`, so the page cannot drift from the register's table."""
    script = APP_JS.read_text(encoding="utf-8")
    for key, kind in UNIT_KINDS.items():
        assert not re.search(rf"\b{key}\W{{1,6}}{kind.name}\b", script), f"a table of kinds ({key})"
        if kind.name not in ADDRESS_WORDS:
            assert not re.search(rf"\b{kind.name}\b", script), kind.name
    for key, name in CHANGE_TYPE_NAMES.items():
        assert not re.search(rf"\b{re.escape(name)}\b", script), f"{key}: {name}"


def test_the_check_for_names_in_the_page_script_finds_a_table_of_them():
    table = 'const KIND = { council: "fullmäktige", area: "verksamhetsområde" };'
    area = UNIT_KINDS["area"]
    assert re.search(rf"\b{area.key}\W{{1,6}}{area.name}\b", table)


def test_the_page_shows_a_kind_by_the_name_the_api_gives_and_asks_for_the_names_once(server):
    """An area is a 'verksamhetsområde' on the unit's page and in the tree: a name the page holds
    nowhere itself (the test above), so it came from the API, asked for once for every view."""
    area = next(c for c in sample_changes() if c["type"] == "establish_unit" and c.get("kind") == "area")
    day = str(area["effective"])
    answer = httpx.post(f"{server}/graphql", json={"query": "{ vocabulary { unitKinds { key name } } }"})
    names = {term["key"]: term["name"] for term in answer.json()["data"]["vocabulary"]["unitKinds"]}
    assert names["area"] == UNIT_KINDS["area"].name == "verksamhetsområde"

    asked: list[str] = []
    with browser_page() as page:
        page.on("request", lambda r: asked.append(r.post_data or "") if r.url.endswith("/graphql") else None)
        page.goto(f"{server}/#/enhet/{area['unit']}?datum={day}")
        page.wait_for_selector("#history li")
        assert page.locator("#facts-h ~ dl dd").first.inner_text() == names["area"]

        page.goto(f"{server}/#/organisation?datum={day}")
        row = page.wait_for_selector(f'#tree [data-unit="{area["unit"]}"] > .kind')
        assert row.inner_text().startswith(names["area"])
    assert sum("vocabulary" in body for body in asked) == 1


def test_a_chart_that_cannot_be_drawn_again_for_another_day_says_so(tmp_path: Path) -> None:
    """The server goes away after the chart is drawn; choosing another day then tells the reader
    that it failed, instead of leaving the last day's chart there without a word."""
    with _serving(tmp_path) as (url, process), browser_page() as page:
        page.goto(f"{url}/#/organisation?datum=2016-12-31")
        page.wait_for_selector("#chart g.node")
        page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
        process.terminate()
        process.wait(timeout=10)
        page.fill("#datum", "2017-01-01")
        alert = page.wait_for_selector("main p.error[role=alert]")
        assert page.inner_text("main h1") == "Något gick fel"
        assert alert.inner_text() == (
            "Servern gick inte att nå. Kontrollera anslutningen och försök igen om en stund."
        )


def test_a_view_left_before_its_answer_came_does_not_overwrite_the_next_one(server):
    """A reader who goes on to the change log while the org chart's query is still on its way
    keeps the change log: the late answer, which finds no chart to draw, neither fails the
    page ("Något gick fel") nor ends the change log's drawing. The chart's query is held back
    in the browser until the change log is shown, then let through to the server."""
    with browser_page() as page:
        held = hold_request(page, "**/graphql", lambda r: "organisation(asOf" in (r.post_data or ""))
        page.goto(f"{server}/#/organisation?datum=2016-12-31")
        chart = wait_until_held(page, held, "the org chart's query")

        page.evaluate("() => { location.hash = '#/andringar'; }")
        settled(page, "Ändringslogg")
        page.wait_for_selector("#log li")
        with page.expect_response(lambda r: r.request is chart.request):
            chart.continue_()
        page.evaluate("() => new Promise((done) => setTimeout(done, 300))")  # the answer handled

        assert page.inner_text("main h1").startswith("Ändringslogg")
        assert page.locator("main p.error[role=alert]").count() == 0
        assert page.locator("#log li").count() > 0


def _left_while_asked(page, address: str, asked_for: str, what: str) -> None:
    """`address` opened, left for the accessibility statement while its request holding
    `asked_for` is held back, then answered: the statement is still shown, with no failure."""
    answered_after_leaving(
        page, asked_for, what, lambda: page.goto(address), "#/tillganglighet", "Tillgänglighetsredogörelse"
    )
    assert page.inner_text("main h1").startswith("Tillgänglighetsredogörelse")
    assert page.locator("main p.error[role=alert]").count() == 0


@pytest.mark.parametrize(
    "view",
    ["andringar", "delegationer", "granskning", "delegationsbeslut", "anmalan"],
)
def test_a_view_left_while_its_boards_were_asked_for_does_not_draw_over_the_next_one(server, view):
    """The change log, the delegationsordning, the review, the delegated decisions and the
    reporting view each ask for the boards of the day before they draw: a reader who goes on to
    another view meanwhile keeps it when the answer comes."""
    with browser_page() as page:
        _left_while_asked(
            page, f"{server}/#/{view}", "units { id name kind } }", f"the boards' query of {view}"
        )


def test_a_changes_page_left_before_its_change_came_does_not_draw_over_the_next_one(server):
    """A change's page asks for the change, then for the names of its units: a reader who goes
    on meanwhile keeps the view gone on to."""
    first = httpx.post(
        f"{server}/graphql", json={"query": "{ changes(first: 1) { edges { node { id } } } }"}
    ).json()["data"]["changes"]["edges"][0]["node"]["id"]
    with browser_page() as page:
        _left_while_asked(page, f"{server}/#/andring/{first}", "change(id: $id)", "the change's query")


def _search(server: str, text: str) -> list[dict]:
    answer = httpx.post(
        f"{server}/graphql",
        json={
            "query": "query($t: String!) { search(text: $t, first: 20) { kind id unitId name } }",
            "variables": {"t": text},
        },
    )
    return answer.json()["data"]["search"]


def test_enter_pressed_before_the_search_answered_chooses_from_the_text_typed(server):
    """Enter right after typing, before the search for the text has answered: the page asks for
    it and takes its first hit, not the first hit still shown for the shorter text typed before."""
    shorter = _search(server, "enhet")
    assert len(shorter) > 1
    longer_text = shorter[-1]["name"]
    longer = _search(server, longer_text)
    wanted, shown = longer[0], shorter[0]
    assert (wanted["kind"], wanted["id"]) != (shown["kind"], shown["id"])
    focus = wanted["unitId"] if wanted["kind"] == "position" else wanted["id"]

    with browser_page() as page:
        page.goto(f"{server}/#/andringar")
        settled(page, "Ändringslogg")
        page.select_option("#search-scope", "all")
        page.fill("#search-input", "enhet")
        page.wait_for_selector("#search-results li[role=option]")
        page.fill("#search-input", longer_text)
        page.press("#search-input", "Enter")
        page.wait_for_url(f"**fokus={focus}**")
        assert page.input_value("#search-input") == wanted["name"]
