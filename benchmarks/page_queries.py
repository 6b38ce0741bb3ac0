"""The web page's own GraphQL queries, read out of `orgchange/web/*.js`, and what to ask them with.

The benchmark measures what the page asks, not a reduced version of it: every
document passed to `gql(…)` in the page's JavaScript is found here (`documents`),
with the file's string constants filled in (`${DELEGATION_FIELDS}`), and measured
over HTTP with variables from `VARIABLES`. A document the page builds at run time
(the batch of unit names: `${batch.map(…)}`) is measured as the page builds it, by
an entry that returns the document too (`Built`).

`VARIABLES` is keyed by each document's key (a digest of its text): a query changed
or added in the JavaScript has a new key, and tests/test_benchmark_queries.py fails
until the table has it, printing the entry to add. So the benchmark cannot drift
from the page.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

WEB = Path(__file__).resolve().parent.parent / "orgchange" / "web"

# --- finding the documents in the JavaScript -------------------------------------------------


@dataclass(frozen=True)
class PageQuery:
    """One document the page passes to `gql`, as written (whitespace collapsed)."""

    file: str  # e.g. "app.js"
    line: int
    text: str
    dynamic: bool  # parts of it are made at run time (`${…}` of no constant)

    @property
    def key(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    @property
    def fields(self) -> list[str]:
        """The root fields it asks for, in order (aliases left out): a readable name."""
        text = _without_run_time_parts(self.text)
        body = text[text.index("{") + 1 :]
        found: list[str] = []
        depth, i = 0, 0
        while i < len(body):
            char = body[i]
            if char in "{(":
                depth += 1
            elif char in "})":
                depth -= 1
            elif depth == 0 and (char.isalpha() or char == "_"):
                name = re.match(r"[_A-Za-z][_0-9A-Za-z]*(\s*:\s*[_A-Za-z][_0-9A-Za-z]*)?", body[i:])
                assert name is not None
                word = name.group(0).split(":")[-1].strip()
                if word not in found:
                    found.append(word)
                i += len(name.group(0))
                continue
            i += 1
        return found

    @property
    def variables(self) -> list[tuple[str, str]]:
        """The variables it declares: (name, type)."""
        head = self.text[: self.text.index("{")]
        return re.findall(r"\$(\w+)\s*:\s*([\w!\[\]]+)", head)

    @property
    def mutation(self) -> bool:
        return self.text.lstrip().startswith("mutation")

    @property
    def where(self) -> str:
        return f"orgchange/web/{self.file}:{self.line}"


_CALL = re.compile(r"(?<![\w$])(?:[\w$]+\.)?gql\s*\(")


def documents(web: Path = WEB) -> list[PageQuery]:
    """Every query passed to `gql(…)` in the page's JavaScript files, in file order. Mutations
    are left out: a write is measured as a write (`run.py`'s recording), not asked again and
    again with a sample's variables."""
    sources = {path.name: path.read_text(encoding="utf-8") for path in sorted(web.glob("*.js"))}
    constants: dict[str, str] = {}
    for source in sources.values():
        constants.update(_string_constants(source))
    found: list[PageQuery] = []
    for name, source in sources.items():
        for match in _CALL.finditer(source):
            if source[max(0, match.start() - 9) : match.start()].endswith("function "):
                continue  # the definition, not a call
            start = _skip_space(source, match.end())
            literal = _literal_or_name(source, start)
            if literal is None:
                continue
            parts, expressions = literal
            text, dynamic = _filled(parts, expressions, constants)
            line = source.count("\n", 0, match.start()) + 1
            query = PageQuery(name, line, " ".join(text.split()), dynamic)
            if not query.mutation:  # writes are measured by the write benchmarks (run.py's recording)
                found.append(query)
    return found


def _without_run_time_parts(text: str) -> str:
    """The document with its `${…}` parts (made at run time) left out."""
    while "${" in text:
        start = text.index("${")
        text = text[:start] + text[_skip_braces(text, start + 1) :]
    return text


def _skip_space(source: str, i: int) -> int:
    while i < len(source) and source[i].isspace():
        i += 1
    return i


def _skip_braces(source: str, i: int) -> int:
    """From an opening `{` to just after its closing `}`, strings inside included."""
    depth = 0
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            i = _string(source, i)[2]
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("an unclosed ${…}")


def _string(source: str, i: int) -> tuple[list[str], list[str], int]:
    """A string literal at `i`: (its text parts, the `${…}` expressions between them, end)."""
    quote = source[i]
    parts: list[str] = []
    expressions: list[str] = []
    current: list[str] = []
    i += 1
    while i < len(source):
        char = source[i]
        if char == "\\":
            current.append(source[i + 1])
            i += 2
            continue
        if char == quote:
            parts.append("".join(current))
            return parts, expressions, i + 1
        if quote == "`" and source.startswith("${", i):
            end = _skip_braces(source, i + 1)
            parts.append("".join(current))
            current = []
            expressions.append(source[i + 2 : end - 1].strip())
            i = end
            continue
        current.append(char)
        i += 1
    raise ValueError("an unclosed string")


def _literal_or_name(source: str, i: int) -> tuple[list[str], list[str]] | None:
    """The first argument of a call: string literals joined by `+`, or a variable naming one."""
    if i < len(source) and source[i] in "\"'`":
        parts, expressions, end = _string(source, i)
        while True:
            j = _skip_space(source, end)
            if j < len(source) and source[j] == "+":
                k = _skip_space(source, j + 1)
                if k < len(source) and source[k] in "\"'`":
                    more, more_expressions, end = _string(source, k)
                    parts[-1] += more[0]
                    parts += more[1:]
                    expressions += more_expressions
                    continue
            return parts, expressions
    name = re.match(r"[\w$]+", source[i:])
    if name is None:
        return None
    # The variable's last assignment before the call: `const query = `…``.
    assignments = list(re.finditer(rf"(?:const|let|var)\s+{re.escape(name.group(0))}\s*=\s*", source[:i]))
    if not assignments:
        return None
    return _literal_or_name(source, assignments[-1].end())


def _string_constants(source: str) -> dict[str, str]:
    """Top-level `const NAME = "…"` (or a template without `${…}`) of a file."""
    found = {}
    for match in re.finditer(r"^(?:export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*=\s*(?=[\"'`])", source, re.M):
        parts, expressions, _ = _string(source, match.end())
        if not expressions:
            found[match.group(1)] = parts[0]
    return found


def _filled(parts: list[str], expressions: list[str], constants: dict[str, str]) -> tuple[str, bool]:
    text, dynamic = parts[0], False
    for expression, part in zip(expressions, parts[1:], strict=True):
        if expression in constants:
            text += constants[expression]
        else:
            text += "${" + expression + "}"
            dynamic = True
        text += part
    return text, dynamic


# --- what to ask them with -----------------------------------------------------------------


@dataclass
class Sample:
    """What one question is about, drawn from the measured register (`Sampler.draw`)."""

    unit: str  # a unit in effect on `day`
    day: date
    board: str  # a board in effect on `day`
    units_on_day: list[str]  # other units in effect on `day` (for the page's batches of names)
    draft: str | None  # a draft's id, if the benchmark made one
    rng: random.Random = field(repr=False)
    change: str | None = None  # a recorded change's id (a change's page)

    @property
    def d(self) -> str:
        return self.day.isoformat()

    @property
    def year_before(self) -> str:
        return (self.day - timedelta(days=365)).isoformat()


@dataclass(frozen=True)
class Vars:
    """A document asked as written, with these variables."""

    make: Callable[[Sample], dict[str, Any]]
    what: str = ""  # what the page is doing when it asks (for the README's table)
    unit_page: bool = False  # asked when someone clicks a unit (the target of ≤ 10 ms p50)
    at_most: int | None = None  # samples, for a question that takes seconds (the run's time)


@dataclass(frozen=True)
class Built:
    """A document the page builds at run time: (document, variables) as the page builds them."""

    make: Callable[[Sample], tuple[str, dict[str, Any]]]
    what: str = ""
    unit_page: bool = False
    at_most: int | None = None


Entry = Vars | Built


def _unit_names(s: Sample) -> tuple[str, dict[str, Any]]:
    """As `unitNames` in app.js asks: a batch of 25 units, each on a day (the unit page's parents
    in its history, its predecessors and successors)."""
    batch = [(key, s.d) for key in s.rng.sample(s.units_on_day, min(25, len(s.units_on_day)))]
    variables: dict[str, Any] = {}
    for i, (key, day) in enumerate(batch):
        variables[f"k{i}"], variables[f"d{i}"] = key, day
    heads = ", ".join(f"$k{i}: ID!, $d{i}: Date!" for i in range(len(batch)))
    body = " ".join(f"u{i}: unit(id: $k{i}, asOf: $d{i}) {{ name }}" for i in range(len(batch)))
    return f"query({heads}) {{ {body} }}", variables


def _organisation_view(s: Sample) -> tuple[str, dict[str, Any]]:
    """As the org chart view asks when the date slider moves a day: the organisation of the new
    day, the diff from the day drawn before and that day's names (app.js, `load`)."""
    before = (s.day - timedelta(days=1)).isoformat()
    document = (
        "query($d: Date!, $p: Date!) { organisation(asOf: $d) { units { id name kind parentId ownerId } } "
        "diff(from: $p, to: $d) { added removed renamed { id from to } moved { id fromParent toParent } } "
        "before: organisation(asOf: $p) { units { id name } } }"
    )
    return document, {"d": s.d, "p": before}


# Each document of the page by its key, with what to ask it with. A new or changed query in
# orgchange/web/*.js makes tests/test_benchmark_queries.py fail with the line to add here.
VARIABLES: dict[str, Entry] = {
    # app.js
    "7c93bf71e1": Vars(lambda s: {}, "the vocabulary (kinds and change types), once a page load"),
    "ddabd1215f": Vars(lambda s: {}, "the register's name and span, once a page load"),
    "7e59073ba9": Vars(lambda s: {}, "the first change (when `register` fails)"),
    "86ae398f46": Vars(lambda s: {"d": s.d}, "the boards of a day (delegations, review)"),
    "015e674ddb": Vars(
        lambda s: {"id": s.unit, "d": s.d},
        "the unit page: unit with parent, owner, children, posts, delegations; history; changes",
        unit_page=True,
    ),
    "c1a80abeec": Vars(
        lambda s: {"id": s.unit, "d": s.d}, "the unit page, for a server without delegationsGranted"
    ),
    "6e7f7df858": Built(
        _unit_names, "the unit page: names of the units it links to, 25 a request", unit_page=True
    ),
    "0a697677bd": Vars(
        lambda s: {"a": s.year_before, "b": s.d}, "compare two days, a year apart", at_most=20
    ),
    "5893fdbfff": Vars(
        lambda s: {"f": s.year_before, "t": s.d, "u": None, "ty": None, "r": None, "a": None},
        "the change log, a year of it, first page of 100",
    ),
    "e387b73d8a": Vars(lambda s: {"d": s.d, "b": s.board}, "the delegationsordning of a board"),
    "833af465a5": Vars(lambda s: {"b": s.board}, "review: a board's reports and what is unreported"),
    "f358db2187": Built(
        _organisation_view, "the org chart view: the slider moves a day (organisation, diff)"
    ),
    "9cfcc2cfbc": Vars(lambda s: {"id": s.unit}, "the unit page without a day: the unit's life, for its day"),
    # changepage.js
    "8e6d38384a": Vars(lambda s: {"id": s.change}, "a change's page: the change in full"),
    "83e57aef52": Vars(
        lambda s: {"a": s.d, "b": s.year_before}, "a change's page: the names of its units on two days"
    ),
    # decisions.js
    "5445119333": Vars(
        lambda s: {"b": s.board, "f": s.year_before, "t": s.d, "u": None, "w": None, "after": None},
        "Delegationsbeslut: a board's delegated decisions of a year, the first page of 100 and the counts",
    ),
    # drafts.js
    "e0bd69aedb": Vars(
        lambda s: {"d": s.d, "from": s.year_before},
        "a draft's form: units, posts and delegations of a day to choose by name; later changes",
        at_most=20,
    ),
    "fb70b9aa71": Vars(lambda s: {"id": s.change}, "a draft's form: the change a correction names"),
    "fb5cae1c4c": Vars(lambda s: {}, "the list of drafts"),
    "5ff4371834": Vars(lambda s: {"id": s.draft}, "a draft: its check and preview", at_most=10),
    # reporting.js
    "d0f90eacb1": Vars(
        lambda s: {"b": s.board}, "Anmälan: what is still to be reported to a board, its reports"
    ),
}


def entry_stub(query: PageQuery) -> str:
    """The line to add to `VARIABLES` for a document it lacks (the values left to fill in)."""
    pairs = ", ".join(
        f'"{name}": {"s.d" if kind.startswith("Date") else "..."}' for name, kind in query.variables
    )
    kind = (
        'Built(lambda s: ("the document as the page builds it", {...})'
        if query.dynamic
        else f"Vars(lambda s: {{{pairs}}}"
    )
    label = ", ".join(query.fields) or "built at run time"
    return f'    "{query.key}": {kind}, "{label} ({query.where})"),'


def asked(query: PageQuery, entry: Entry, sample: Sample) -> tuple[str, dict[str, Any]]:
    """(document, variables) to send for one sample."""
    if isinstance(entry, Built):
        return entry.make(sample)
    return query.text, entry.make(sample)


def measured() -> Iterator[tuple[PageQuery, Entry]]:
    """Every document of the page with its entry (a document without one raises: see the test)."""
    for query in documents():
        if query.key not in VARIABLES:
            raise KeyError(f"no entry in benchmarks/page_queries.py VARIABLES for:\n{entry_stub(query)}")
        yield query, VARIABLES[query.key]
