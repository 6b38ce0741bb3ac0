"""`search`: units and posts found by a word of any name they had, with the days of that name
(docs/graphql.md#search), on SQLite and PostgreSQL, against the Nacka sample."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from orgchange.application import OrgChange
from projections import search
from projections.search import MAX_HITS, MAX_TEXT, fold, word_suffixes
from tests.test_web import sample_changes

from .conftest import Api

SEARCH = """
query ($text: String!, $asOf: Date, $first: Int) {
  search(text: $text, asOf: $asOf, first: $first) { kind id name validFrom validTo current unitId }
}
"""


def _search(api: Api, text: str, as_of: str | None = None, first: int | None = None) -> list[dict]:
    variables: dict = {"text": text, "asOf": as_of}
    if first is not None:
        variables["first"] = first
    return api.data(SEARCH, variables)["search"]


def _the_change(change_id: str) -> dict:
    return next(c for c in sample_changes() if c.get("id") == change_id)


def _establishment(unit: str) -> dict:
    return next(c for c in sample_changes() if c["type"] == "establish_unit" and c["unit"] == unit)


def test_a_unit_is_found_by_its_former_name_with_the_days_it_bore_it(api: Api) -> None:
    """People remember the old name; the hit says when it was used and that it is not the name now."""
    rename = _the_change("nacka-2014-011")  # personalenheten: Personalenheten → Personal- och …
    established = _establishment(rename["unit"])
    former = established["name"]

    hits = _search(api, former)

    old = [h for h in hits if h["id"] == rename["unit"] and h["name"] == former]
    assert old == [
        {
            "kind": "unit",
            "id": rename["unit"],
            "name": former,
            "validFrom": str(established["effective"]),
            "validTo": str(rename["effective"]),
            "current": False,
            "unitId": None,
        }
    ]
    # The name it has now is found by its own words, and is the current one.
    now = _search(api, rename["name"])
    assert {"name": rename["name"], "current": True} in [
        {"name": h["name"], "current": h["current"]} for h in now if h["id"] == rename["unit"]
    ]


def test_a_word_inside_a_name_finds_it_whatever_its_case_and_accents(api: Api) -> None:
    """Users type "valfard" or "VÄLFÄRD" for Välfärd skola; a later word of the name is found too."""
    accented = _search(api, "VÄLFÄRD")
    plain = _search(api, "valfard")
    assert accented == plain
    assert "valfard-skola" in {h["id"] for h in plain}
    assert "valfard-skola" in {h["id"] for h in _search(api, "Skol")}
    # Inside a word is not a word's beginning.
    assert "valfard-skola" not in {h["id"] for h in _search(api, "kola")}


def test_as_of_a_day_only_what_is_in_effect_that_day_is_found(api: Api) -> None:
    """The spun-off unit is found before the spin-off, the company after it, not the other way round."""
    spin_off = next(c for c in sample_changes() if c["type"] == "spin_off_unit")
    day = date.fromisoformat(str(spin_off["effective"]))
    before = (day - timedelta(days=1)).isoformat()
    word = spin_off["name"].split()[0]  # "Nacka": a word of the company's name

    earlier = {h["id"] for h in _search(api, word, before, first=100)}
    later = {h["id"] for h in _search(api, word, day.isoformat(), first=100)}

    assert spin_off["company"] in later and spin_off["company"] not in earlier
    old_name = _establishment(spin_off["unit"])["name"]
    assert spin_off["unit"] in {h["id"] for h in _search(api, old_name, before)}
    assert spin_off["unit"] not in {h["id"] for h in _search(api, old_name, day.isoformat())}
    # Every hit as of a day is a name in use that day, or one the unit had before it.
    for hit in _search(api, "enhet", before, first=100):
        assert hit["validFrom"] <= before
        assert hit["current"] == (hit["validTo"] is None or hit["validTo"] > before)


def test_as_of_a_day_a_name_given_later_is_not_found(api: Api) -> None:
    rename = _the_change("nacka-2014-011")
    day_before = (date.fromisoformat(str(rename["effective"])) - timedelta(days=1)).isoformat()
    assert rename["unit"] not in {h["id"] for h in _search(api, rename["name"], day_before)}
    assert rename["unit"] in {h["id"] for h in _search(api, rename["name"], str(rename["effective"]))}


def test_a_post_is_found_by_its_title_with_its_unit(api: Api) -> None:
    post = next(c for c in sample_changes() if c["type"] == "establish_position" and c.get("director"))
    hits = [h for h in _search(api, post["title"]) if h["id"] == post["position"]]
    assert hits and hits[0]["kind"] == "position"
    assert hits[0]["unitId"] is not None


def test_a_cancelled_rename_is_no_longer_found(api: Api) -> None:
    """The search's rows follow the timeline: a cancelled change's name goes with it."""
    cancel = next(c for c in sample_changes() if c["type"] == "cancel_change")
    cancelled = _the_change(cancel["change"])
    assert cancelled["type"] == "rename_unit"
    assert cancelled["unit"] not in {h["id"] for h in _search(api, cancelled["name"])}


def test_first_bounds_the_hits_and_names_in_use_come_first(api: Api) -> None:
    every = _search(api, "e", first=MAX_HITS)
    assert len(every) > 3
    assert _search(api, "e", first=3) == every[:3]
    currents = [h["current"] for h in every]
    assert currents == sorted(currents, reverse=True)


def test_a_page_too_large_or_a_text_too_long_is_refused_naming_the_argument(api: Api) -> None:
    too_many = api.errors(SEARCH, {"text": "a", "first": MAX_HITS + 1})
    assert too_many[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_many[0]["extensions"]["argument"] == "first"
    assert str(MAX_HITS) in too_many[0]["message"]
    too_long = api.errors(SEARCH, {"text": "a" * (MAX_TEXT + 1)})
    assert too_long[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_long[0]["extensions"]["argument"] == "text"
    assert str(MAX_TEXT) in too_long[0]["message"]


def test_text_without_a_letter_or_digit_finds_nothing(api: Api) -> None:
    assert _search(api, " – , ") == []


def test_folding_keeps_letters_and_digits_and_splits_words():
    assert fold("Välfärd  SKOLA (Nacka) 2") == "valfard skola nacka 2"
    assert word_suffixes("Välfärd skola") == ["valfard skola", "skola"]


def test_a_search_reads_a_range_of_the_index_not_every_name(tmp_path: Path, sample_file) -> None:
    """Fast at 20,000 units: the words are found by the B-tree, never by scanning the table."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    app = OrgChange(url)
    try:
        app.record_changes(sample_file.changes, "test")
    finally:
        app.close()
    engine = create_engine(url)
    with engine.connect() as connection:
        plan = connection.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT kind, entity_id FROM search_names WHERE words >= :p AND words < :e"
            ),
            {"p": "valf", "e": "valf\U0010ffff"},
        ).all()
    engine.dispose()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_search_names_words" in details and "SCAN search_names" not in details, details


def test_a_search_reads_a_bounded_number_of_names_however_many_match(api: Api, monkeypatch) -> None:
    """A text of one letter matches most names of a large register: the rows read are capped
    before the query runs (docs/graphql.md#search), and what is found still matches."""
    unbounded = _search(api, "e", first=MAX_HITS)
    monkeypatch.setattr(search, "CANDIDATES", 3)
    bounded = _search(api, "e", first=MAX_HITS)
    assert 0 < len(bounded) <= 3 < len(unbounded)
    assert all(any(w.startswith("e") for w in fold(h["name"]).split()) for h in bounded)
