"""The interactive org chart and the search box in a real headless Chromium, on a generated
register of 2,000 units served by `orgchange serve` (docs/web.md#the-org-chart).

How long the chart takes to open is measured by benchmarks/chart.py (its figures are in
benchmarks/results); here the bound is loose, only to catch a chart that no longer opens
in any reasonable time (a layout of every unit, a Graphviz run of the whole register).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from benchmarks.chart import Register, make_register, open_chart, served
from tests.browser import ARTIFACTS, browser_page

UNITS = 2_000
# Far above what benchmarks/chart.py measures (about a second): a regression, not a tuning.
GENEROUS_SECONDS = 20


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Register:
    return make_register(UNITS, Path(tmp_path_factory.mktemp("chart")))


@pytest.fixture(scope="module")
def base(register: Register) -> Iterator[str]:
    with served(register.url) as url:
        yield url


# True when the node of a unit lies inside the chart's panel.
IN_VIEW = """unit => {
  const outer = document.querySelector('#chart .diagram').getBoundingClientRect();
  const inner = document.querySelector(`#chart g.node[data-unit="${unit}"]`).getBoundingClientRect();
  return inner.left >= outer.left && inner.right <= outer.right && inner.top >= outer.top && inner.bottom <= outer.bottom;
}"""


def save_chart(page, name: str) -> None:
    """The chart alone (the whole page of a 2,000-unit register is too tall to picture quickly)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#chart").screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _graphql(base: str, query: str, **variables) -> dict:
    response = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, timeout=60)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _renames(register: Register) -> list[dict]:
    """The renames the register holds (those cancelled later left out), oldest first."""
    cancelled = {c["change"] for c in register.changes if c["type"] == "cancel_change"}
    return [c for c in register.changes if c["type"] == "rename_unit" and c.get("id") not in cancelled]


def _quiet_rename(base: str, register: Register) -> tuple[dict, str, str]:
    """A rename whose unit was called something else the day before, whose former name no
    other unit or post ever had, on a day with few other changes: (change, former name, day before)."""
    for rename in reversed(_renames(register)):
        day = str(rename["effective"])
        before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
        data = _graphql(
            base,
            "query($u: ID!, $b: Date!, $d: Date!) { unit(id: $u, asOf: $b) { name } "
            "diff(from: $b, to: $d) { added renamed { id } moved { id } } }",
            u=rename["unit"],
            b=before,
            d=day,
        )
        if data["unit"] is None or data["unit"]["name"] == rename["name"]:
            continue
        changes = data["diff"]
        if len(changes["added"]) + len(changes["renamed"]) + len(changes["moved"]) > 20:
            continue
        former = data["unit"]["name"]
        hits = _graphql(base, "query($t: String!) { search(text: $t, first: 100) { id name } }", t=former)
        if [h["id"] for h in hits["search"] if h["name"] == former] == [rename["unit"]]:
            return rename, former, before
    pytest.fail("the generated register has no rename to test with")


def test_the_chart_of_2000_units_opens_and_draws_only_its_first_levels(base: str, register: Register):
    units = _graphql(
        base, "query($d: Date!) { organisation(asOf: $d) { units { id } } }", d=str(register.day)
    )
    assert len(units["organisation"]["units"]) > UNITS * 0.9  # the register is as large as meant
    with browser_page() as page:
        seconds = open_chart(page, base, register.day)
        drawn = int(page.get_attribute("#chart svg", "data-nodes"))
        save_chart(page, "web-chart-2000")
    assert seconds < GENEROUS_SECONDS, f"the chart took {seconds:.1f} s to open"
    # The first levels only: far fewer nodes than units, and branches left to open.
    assert 1 < drawn < len(units["organisation"]["units"]) / 4


def test_a_branch_opens_and_closes(base: str, register: Register):
    with browser_page() as page:
        open_chart(page, base, register.day)
        toggle = page.locator('#chart [data-toggle][aria-expanded="false"]').first
        unit = toggle.get_attribute("data-toggle")
        children = _graphql(
            base,
            "query($u: ID!, $d: Date!) { unit(id: $u, asOf: $d) { children { id } } }",
            u=unit,
            d=str(register.day),
        )["unit"]["children"]
        shown = {c["id"] for c in children}
        assert shown and not any(page.locator(f'#chart g.node[data-unit="{c}"]').count() for c in shown)

        toggle.focus()  # reached with the keyboard, it is brought into view
        assert page.evaluate(IN_VIEW, unit)
        toggle.press("Enter")  # and works as a button
        page.wait_for_selector(f'#chart [data-toggle="{unit}"][aria-expanded="true"]')
        drawn = set(
            page.eval_on_selector_all("#chart g.node[data-unit]", "gs => gs.map(g => g.dataset.unit)")
        )
        assert shown <= drawn  # every unit under it, none left out

        assert page.evaluate(IN_VIEW, unit)  # the branch opened around it: it stayed in view
        page.click(f'#chart [data-toggle="{unit}"]')  # and by mouse
        page.wait_for_selector(f'#chart [data-toggle="{unit}"][aria-expanded="false"]')
        for child in shown:
            page.wait_for_selector(f'#chart g.node[data-unit="{child}"]', state="detached")


def test_search_finds_a_unit_by_a_former_name_and_focuses_it(base: str, register: Register):
    rename, former, before = _quiet_rename(base, register)
    with browser_page() as page:
        open_chart(page, base, register.day)
        page.select_option("#search-scope", "all")  # across the whole history
        page.fill("#search-input", former)
        options = page.locator(f'#search-results li[role=option][data-id="{rename["unit"]}"]')
        options.first.wait_for()
        names = options.locator(".hit-name").all_text_contents()
        option = options.nth(names.index(former))  # the hit of the former name, not of the name now
        assert former in option.inner_text() and before in option.inner_text()  # with the name's days
        assert page.get_attribute("#search-input", "aria-expanded") == "true"
        page.keyboard.press("ArrowDown")
        assert page.get_attribute("#search-input", "aria-activedescendant") == "search-hit-0"
        option.click()

        page.wait_for_url(f"**fokus={rename['unit']}**")
        focused = page.locator(f'#chart g.node.focused[data-unit="{rename["unit"]}"]')
        focused.wait_for()
        # Shown on a day it bore the former name, with its ancestors and nothing beside them.
        assert page.input_value("#datum") == before
        assert former[:20] in focused.text_content()
        ancestors = page.locator("#chart g.node.path").count()
        assert ancestors >= 1
        assert page.locator("#chart g.node").count() >= ancestors + 1
        save_chart(page, "web-chart-search-focus")


def test_the_slider_marks_a_renamed_unit(base: str, register: Register):
    rename, former, before = _quiet_rename(base, register)
    with browser_page() as page:
        page.goto(f"{base}/#/organisation?datum={before}")
        page.wait_for_function(
            "() => document.querySelector('#chart svg g.node') && !document.querySelector('main[aria-busy]')"
        )
        page.focus("#datum-slider")
        page.keyboard.press("ArrowRight")  # one day on: the day of the rename
        marked = page.locator(f'#chart g.node.mark-renamed[data-unit="{rename["unit"]}"]')
        marked.wait_for()
        assert page.input_value("#datum") == str(rename["effective"])
        assert f"hette {former}" in marked.locator("title").text_content()
        assert "nytt namn" in marked.text_content()
        assert before in page.inner_text("#chart-changes")
        save_chart(page, "web-chart-slider-renamed")


def test_a_units_page_without_a_date_shows_its_last_day_once_it_has_ended(base: str, register: Register):
    ended = next(c["unit"] for c in reversed(register.changes) if c["type"] == "dissolve_unit")
    history = _graphql(base, "query($u: ID!) { unitHistory(id: $u) { validTo name } }", u=ended)[
        "unitHistory"
    ]
    last_day = (date.fromisoformat(history[-1]["validTo"]) - timedelta(days=1)).isoformat()
    with browser_page() as page:
        page.goto(f"{base}/#/enhet/{ended}")
        page.wait_for_selector("#history li")
        assert page.input_value("#datum") == last_day
        assert f"datum={last_day}" in page.url
        assert page.locator("main .error").count() == 0  # in effect on the day shown
        assert page.locator("h1").inner_text().startswith(history[-1]["name"])
