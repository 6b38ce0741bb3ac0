"""Text quoted for the format it is written in: DOT, HTML, CSV and the terminal.

Each document the service writes has its own syntax, and text from the
register (a name, a matter, a code) is data in it, never syntax. Every helper
here first drops what no document should carry (`printable`: control
characters, bidirectional overrides, noncharacters; see
`orgchange.domain.text`), which a register written before those were refused
may still hold, and then quotes for its format:

* DOT: in a quoted string Graphviz reads `\\"` as a quote and `\\N`, `\\G`, `\\L`
  … as the node's or graph's name or a line break, so a value ending in a
  backslash would close the string early and the rest would become graph
  syntax. Backslashes and quotes are escaped (`dot_text`, `dot_tooltip`), or the
  text goes into an HTML-like label, escaped as HTML and its backslashes doubled
  (`dot_html`).
* HTML: `html_text`.
* CSV: a cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
  `@`, a tab or a carriage return, OWASP's list) gets a leading `'` (`csv_cell`).
* The terminal: control characters are shown as escapes (`\\x1b`), so a name
  cannot move the cursor, recolour the screen or retitle the window (`for_terminal`).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from orgchange.domain.text import printable

# --- DOT (Graphviz) ------------------------------------------------------------------------------
#
# Graphviz reads "escape strings" in labels and tooltips: `\\` is a backslash, and `\N`,
# `\G`, `\E`, `\T`, `\H`, `\L` are replaced by the node's, the graph's or the edge's name or
# make a line break, in plain labels and (as Graphviz 2.43 does) in the text of HTML-like
# labels too. Every backslash of the register's text is therefore written as `\\`. Tooltips
# are read twice over by some versions (`\\G` still became the graph's name in 2.43), so in a
# tooltip a backslash is shown as the look-alike U+29F5 (⧵): a tooltip is a reader's hint;
# the label and the documents show the text exactly.

TOOLTIP_BACKSLASH = "\u29f5"


def dot_html(text: str) -> str:
    """Text for the inside of an HTML-like label (`label=<…>`).

    Never empty: Graphviz refuses an empty element (`<B></B>`) or an empty label, and an
    older register may hold a name of nothing but control characters.
    """
    return html.escape(printable(text)).replace("\\", "\\\\") or " "


def dot_text(text: str) -> str:
    """A quoted DOT string showing `text` as it is, for a plain label.

    Graphviz reads entities in these too (and writes them as such into SVG), so the
    text is escaped as HTML first; then backslashes and quotes are escaped for DOT.
    pydot leaves a value that is already a quoted string as it is.
    """
    escaped = html.escape(printable(text)).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def dot_tooltip(text: str) -> str:
    """A quoted DOT string for a tooltip (see above: no backslash reaches Graphviz)."""
    return dot_text(text.replace("\\", TOOLTIP_BACKSLASH))


# --- HTML ----------------------------------------------------------------------------------------


def html_text(text: str) -> str:
    """Text for HTML content or a quoted attribute value."""
    return html.escape(printable(text))


# --- CSV -----------------------------------------------------------------------------------------

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). A cell is
# checked after its leading spaces too: some spreadsheets skip them before a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: a formula start gets a leading `'`."""
    cleaned = printable(text)
    if cleaned.startswith(FORMULA_STARTS) or cleaned.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + cleaned
    return cleaned


# --- the terminal --------------------------------------------------------------------------------

# What `printable` would drop, but for the line feed and the tab (lines of output need them).
_NOT_FOR_TERMINALS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u206f\ufff9-\ufffb\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def for_terminal(text: str) -> str:
    """Text to print: control characters (but line feeds and tabs) and bidirectional
    controls written as `\\x1b`, `\\u202e`."""
    return _NOT_FOR_TERMINALS.sub(_escape, text)


def json_for_terminal(value: Any) -> str:
    """JSON, indented, non-ASCII letters as they are, but no character a terminal would act on.

    `json.dumps` escapes U+0000–U+001F itself; the rest of them can only be inside strings,
    where `\\u…` is their JSON escape, so the result is the same JSON.
    """
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _NOT_FOR_TERMINALS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
