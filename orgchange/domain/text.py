"""What text the register takes in, and how text it already holds is made safe to show.

Every name, title, matter, code, note and decision field is text a registrar
typed or pasted, and every document the service writes shows it again: SVG and
PNG through Graphviz, HTML and PDF, CSV, Turtle, JSON and the terminal. A few
characters break those documents or make them lie:

* control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F): a
  vertical tab pasted from a word processor makes an SVG that no XML reader
  accepts, an escape (U+001B) drives the terminal it is printed on;
* the line and paragraph separators U+2028 and U+2029, line breaks that most
  programs do not count as such;
* the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069) and the deprecated format controls U+206A–U+206F: a name can be
  made to display as something other than what it is ("Trojan Source");
* the interlinear annotation characters U+FFF9–U+FFFB (for a program's internal
  use only);
* unpaired surrogates and the noncharacters (U+FDD0–U+FDEF and the last two code
  points of every plane, U+FFFE and U+FFFF among them): not characters at all,
  and not allowed in XML.

* in one-line text (names, titles, codes, matters, decision fields), the
  invisible characters U+200B–U+200F (zero-width space, non-joiner and joiner,
  the direction marks), U+2060–U+2064 (word joiner, invisible operators),
  U+FEFF (zero-width no-break space) and the tags U+E0000–U+E007F: "Kommun­
  styrelsen" with a zero-width space in it looks like the board's name and is
  another text, and tags can hide a text of their own in a name. So are the
  other characters that show as nothing: the soft hyphen U+00AD, the combining
  grapheme joiner U+034F, the Arabic letter mark U+061C, the Hangul fillers
  (U+115F, U+1160, U+3164, U+FFA0), the Khmer inherent vowels U+17B4–U+17B5, the
  Mongolian selectors and vowel separator U+180B–U+180F, the blank braille pattern
  U+2800, the musical format characters U+1D173–U+1D17A, and the private-use
  characters (U+E000–U+F8FF and planes 15–16), which mean nothing outside one program.

A note or a reason may hold those invisible characters (an emoji is joined by
U+200D, a flag is spelt with tags, a word may carry a soft hyphen).

At the door (`door`) such a character is refused with a message naming it; a
note or a reason may also break lines (U+000A) and hold tabs, and its Windows
line ends are read as line breaks. Text that passes is normalised to NFC, so
that "å" typed as one character and as "a" + a combining ring is one name.

On the way out (`printable`) nothing is refused: a register written before
these checks, or an event put into the store by other means, may hold any of
them, and every document must still be made. Line-like characters become a
space, the rest are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

# Ranges of the characters described above, as a regular-expression class.
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_UNSAFE_FORMAT = "\u2028\u2029\u202a-\u202e\u2066-\u206f\ufff9-\ufffb\ud800-\udfff" + _NONCHARACTERS
# Invisible characters that make two names that look alike different text, or hide text in a
# name: refused in one-line text (names, titles, codes, matters, decision fields), where names
# are compared; a note or a reason may hold them (an emoji joined by U+200D, a flag's tags).
# Of them, these are letters, symbols or marks to Python (`str.isprintable` passes them):
_BLANK_LOOKING = "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0"
_INVISIBLE = (
    "\u00ad\u061c\u180b-\u180f\u200b-\u200f\u2060-\u2064\ufeff\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\ue000-\uf8ff\U000f0000-\U0010fffd" + _BLANK_LOOKING
)
_HAS_BLANK_LOOKING = re.compile(f"[{_BLANK_LOOKING}]")
_ANY_REFUSED = re.compile(f"[\x00-\x1f\x7f-\x9f{_UNSAFE_FORMAT}{_INVISIBLE}]")
# In a note or a reason: the same, but for the line feed and the tab.
_REFUSED_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_UNSAFE_FORMAT}]")
_LINE_LIKE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")

_CONTROL_NAMES = {
    0x00: "null",
    0x07: "bell",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "line feed",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
    0x85: "next line",
}

# The context given to pydantic when a change is read back from the event store (see
# `orgchange.domain.changes.change_from_canonical`): what was recorded is read as it
# was recorded, whatever these rules said then.
AS_STORED: dict[str, Any] = {"text": "as-stored"}
# The context for writing recorded changes out again as a change file to import
# (`orgchange export`): text is cleaned by `printable` instead of refused.
CLEANED: dict[str, Any] = {"text": "cleaned"}


def describe(character: str) -> str:
    """A refused character in plain words: 'a control character (U+000B, vertical tab)'."""
    point = ord(character)
    code = f"U+{point:04X}"
    if point in (0x0A, 0x0D, 0x2028, 0x2029):
        what = {0x0A: "a line break", 0x0D: "a line break", 0x2028: "a line separator"}
        return f"{what.get(point, 'a paragraph separator')} ({code})"
    if unicodedata.category(character) == "Cc":
        name = _CONTROL_NAMES.get(point)
        return f"a control character ({code}, {name})" if name else f"a control character ({code})"
    if 0xD800 <= point <= 0xDFFF:
        return f"half of a surrogate pair ({code}), which is not a character"
    if 0x202A <= point <= 0x202E or 0x2066 <= point <= 0x2069:
        return f"a bidirectional formatting character ({code}), which makes text display out of order"
    if unicodedata.category(character) == "Cf":
        return f"an invisible formatting character ({code})"
    if unicodedata.category(character) == "Co":
        return f"a private-use character ({code}), which means nothing outside one program"
    if character in _BLANK_LOOKING:
        return f"a character that shows as nothing ({code})"
    return f"a noncharacter ({code}), which is not for use in text"


def refused(text: str, *, lines: bool = False) -> str | None:
    """The first character of `text` the register does not take in, or None."""
    found = (_REFUSED_IN_LINES if lines else _ANY_REFUSED).search(text)
    return found.group() if found else None


def door(value: Any, *, lines: bool = False) -> Any:
    """Text as it comes in: refused if it holds a character of the list above, else NFC.

    Anything else than `str` is left to the type's own check (which says "a valid
    string"). The error is a pydantic error of type `text_character`, whose message
    is worded to follow the field's name: "field 'name' holds a control character …".
    """
    if not isinstance(value, str):
        return value
    if lines and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    bad = refused(value, lines=lines)
    if bad is not None:
        breaks_lines = bad in "\n\r\u2028\u2029"
        advice = "only a note or a reason may break lines" if breaks_lines and not lines else "remove it"
        raise PydanticCustomError("text_character", "holds {what}; " + advice, {"what": describe(bad)})
    if value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every character the door refuses replaced (line-like ones by a space) or dropped.

    With `lines`, line feeds and tabs stay (carriage returns become line feeds), as
    in a note. Never fails: it is for text already recorded.
    """
    if _nothing_to_refuse(text):
        return text
    if lines and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pattern = _REFUSED_IN_LINES if lines else _ANY_REFUSED
    return pattern.sub(lambda m: " " if m.group() in _LINE_LIKE else "", text)


def _context(info: ValidationInfo | None) -> str | None:
    context = info.context if info is not None else None
    return context.get("text") if isinstance(context, dict) else None


def _nothing_to_refuse(text: str) -> bool:
    """The common case, told quickly: no Cc, Cf, Cs, Co, Zl, Zp, unassigned or blank-looking
    character (`str.isprintable` lets the blank-looking letters and marks through)."""
    return text.isprintable() and (text.isascii() or not _HAS_BLANK_LOOKING.search(text))


def _plain(value: Any) -> bool:
    """Text with nothing to refuse that is NFC already: the same however it is read."""
    return (
        type(value) is str
        and _nothing_to_refuse(value)
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    )


def line_at_the_door(value: Any, info: ValidationInfo) -> Any:
    """pydantic's before-validator of one-line text (a name, a title, a matter …)."""
    return value if _plain(value) else _checked(value, info, lines=False)


def lines_at_the_door(value: Any, info: ValidationInfo) -> Any:
    """pydantic's before-validator of text that may break lines (a note, a reason)."""
    return value if _plain(value) else _checked(value, info, lines=True)


def _checked(value: Any, info: ValidationInfo, *, lines: bool) -> Any:
    mode = _context(info)
    if mode == AS_STORED["text"] or not isinstance(value, str):
        return value
    if mode == CLEANED["text"]:
        cleaned = unicodedata.normalize("NFC", printable(value, lines=lines))
        # A field that held nothing printable is not left empty (an empty name is no name).
        return cleaned if cleaned.strip() else "\ufffd"
    return door(value, lines=lines)
