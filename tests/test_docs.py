"""The documentation holds together: every reference to a page of docs/ leads to it.

Code, tests and pages cite the documentation by page and heading ("docs/graphql.md#paging",
"docs/domain.md, rule 4"). A page renamed or a heading reworded would leave such a citation
pointing nowhere, and a newcomer could not check what it means; these tests fail instead. The
repository must also stand on its own: nothing in it may send the reader to a document that
lives outside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# What is not ours to check: tools' caches, the virtual environment, third-party files.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "vendor",
}
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".graphql",
    ".yaml",
    ".yml",
    ".toml",
    ".js",
    ".html",
    ".css",
    ".txt",
    ".sh",
    ".cfg",
    ".ini",
    ".json",
}
TEXT_NAMES = {"Makefile", "Dockerfile", "run"}

# docs/<page>.md, with a heading's anchor if one is given.
DOCS_REFERENCE = re.compile(r"docs/([A-Za-z0-9_.-]+?\.md)(?:#([A-Za-z0-9_-]+))?")
# A link in Markdown: [text](target).
MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
# "rule 4", "rules 1–7", "Rule 2/3": the numbered rules of docs/domain.md.
RULE_NUMBER = re.compile(r"\b[Rr]ules? (\d+)(?:\s*[–-]\s*(\d+))?")
NUMBERED_RULE_HEADING = re.compile(r"^Rule (\d+):")

# Documents that were never part of the repository (built from parts, so that this file
# does not name them itself).
OUTSIDE = [name + ".md" for name in ("CONTRACT", "DOMAIN", "STACK-NOTES")] + ["../" + "shared"]


def repository_files(root: Path = ROOT) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts[:-1]):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            yield path


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def headings(markdown: str) -> list[str]:
    """The headings of a page, outside its fenced code blocks."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6} ", line):
            found.append(line.lstrip("#").strip())
    return found


def anchors(markdown: str) -> set[str]:
    """Every anchor of a page; a repeated heading gets -1, -2, … as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for heading in headings(markdown):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_docs_references(text: str, docs: Path = DOCS) -> list[str]:
    """The `docs/<page>.md[#anchor]` references in `text` that lead nowhere."""
    broken = []
    for match in DOCS_REFERENCE.finditer(text):
        page, anchor = match.group(1), match.group(2)
        target = docs / page
        if not target.is_file():
            broken.append(f"{match.group(0)}: no page {page} in docs/")
        elif anchor and anchor not in anchors(read(target)):
            broken.append(f"{match.group(0)}: no heading #{anchor} in docs/{page}")
    return broken


def broken_links(path: Path, text: str) -> list[str]:
    """The relative links of a Markdown page that lead to no file, or to no heading in it."""
    broken = []
    for match in MARKDOWN_LINK.finditer(text):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(read(linked)):
            broken.append(f"{target}: no heading #{anchor}")
    return broken


def numbered_rules() -> set[int]:
    return {
        int(m.group(1))
        for heading in headings(read(DOCS / "domain.md"))
        if (m := NUMBERED_RULE_HEADING.match(heading))
    }


def test_the_docs_have_an_index_that_links_every_page() -> None:
    """A page nobody links to is a page nobody finds."""
    index = read(DOCS / "README.md")
    linked = {match.group(1) for match in MARKDOWN_LINK.finditer(index)}
    pages = {path.name for path in DOCS.glob("*.md") if path.name != "README.md"}

    assert pages - linked == set()


def test_every_reference_to_a_page_of_docs_leads_to_the_page_and_heading() -> None:
    """A citation such as docs/graphql.md#paging must lead somewhere a reader can check."""
    broken = {
        str(path.relative_to(ROOT)): found
        for path in repository_files()
        if path != Path(__file__).resolve() and (found := broken_docs_references(read(path)))
    }

    assert broken == {}


def test_every_relative_link_in_the_markdown_pages_leads_to_a_file_and_heading() -> None:
    """The pages link to each other by file and heading; a renamed heading breaks the link."""
    broken = {
        str(path.relative_to(ROOT)): found
        for path in repository_files()
        if path.suffix == ".md" and (found := broken_links(path, read(path)))
    }

    assert broken == {}


def test_every_numbered_rule_cited_is_a_rule_of_the_domain_page() -> None:
    """A citation of "rule 4" means the fourth rule of docs/domain.md; there is no rule 8 to cite."""
    known = numbered_rules()
    unknown = {}
    for path in repository_files():
        if path == Path(__file__).resolve():
            continue
        cited = {int(n) for m in RULE_NUMBER.finditer(read(path)) for n in m.groups() if n}
        if cited - known:
            unknown[str(path.relative_to(ROOT))] = sorted(cited - known)

    assert known == set(range(1, 8))
    assert unknown == {}


def test_a_file_that_cites_a_numbered_rule_names_the_page_it_is_numbered_in() -> None:
    """A bare "rule 4" leaves a newcomer guessing; naming docs/domain.md beside it does not."""
    unnamed = [
        str(path.relative_to(ROOT))
        for path in repository_files()
        if path != Path(__file__).resolve()
        and RULE_NUMBER.search(text := read(path))
        and "docs/domain.md" not in text
        and not (path.parent == DOCS and "(domain.md" in text)
        and path != DOCS / "domain.md"
    ]

    assert unnamed == []


def test_nothing_refers_to_a_document_outside_the_repository() -> None:
    """The repository must stand on its own: what it needs is written in docs/."""
    found = {
        str(path.relative_to(ROOT)): [name for name in OUTSIDE if name in text]
        for path in repository_files()
        if path != Path(__file__).resolve() and any(name in (text := read(path)) for name in OUTSIDE)
    }

    assert found == {}


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Rule 1: `unique-key`", "rule-1-unique-key"),
        ("Who a change is reported to (`reportTo`)", "who-a-change-is-reported-to-reportto"),
        ("Ids, and importing again", "ids-and-importing-again"),
        ("POST /changes", "post-changes"),
        ("Delegation (rule `delegation`)", "delegation-rule-delegation"),
    ],
)
def test_a_heading_gets_the_anchor_github_gives_it(heading: str, anchor: str) -> None:
    """The anchors cited must be the ones a reader's browser jumps to."""
    assert slug(heading) == anchor


def test_a_reference_to_a_missing_page_or_heading_is_caught(tmp_path: Path) -> None:
    """The checks above must be able to fail: a page that is not there, a heading that is not."""
    (tmp_path / "time.md").write_text("# Time\n\n## Corrections keep what was believed\n", encoding="utf-8")
    page = tmp_path / "index.md"
    text = (
        "see docs/time.md#corrections-keep-what-was-believed and docs/time.md, and "
        "docs/space.md and docs/time.md#paging; [ok](time.md#time) [gone](space.md) [no](time.md#paging)"
    )
    page.write_text(text, encoding="utf-8")

    assert broken_docs_references(text, docs=tmp_path) == [
        "docs/space.md: no page space.md in docs/",
        "docs/time.md#paging: no heading #paging in docs/time.md",
    ]
    assert broken_links(page, text) == ["space.md: no such file", "time.md#paging: no heading #paging"]


def test_a_heading_in_a_code_block_is_no_heading() -> None:
    """A comment line in a fenced example (`# …`) must not pass for a heading."""
    page = "# Page\n\n```graphql\n# not a heading\n```\n\n## Real\n"

    assert anchors(page) == {"page", "real"}
