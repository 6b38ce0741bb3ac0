"""Every place that refuses something names a message of the catalogue, with the parameters it has.

The catalogue (orgchange/domain/messages.py) is the one place where the register's words
are, in Swedish and in English (docs/errors.md#languages). A refusal written as plain text
would be shown in one language whatever the reader asked for, and a message named with a
parameter its sentence lacks (or without one it has) fails only when it is shown — in
front of a person, on the day that refusal first happens. These tests read the source, so
such a mistake fails here, before anyone is refused.
"""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path

from orgchange.domain.messages import CODES, LANGUAGES, MESSAGES, code_of

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for d in ("orgchange", "api", "projections") for p in (ROOT / d).rglob("*.py"))
# Errors whose message a person reads: what makes one must be given words of the catalogue.
REFUSALS = {"GraphQLError", "HTTPException", "Refused", "UsageError", "BadParameter", "RuleViolation"}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Site:
    where: str
    keys: tuple[str, ...]  # the message keys the call may name
    params: frozenset[str] | None  # the named parameters it gives (None: given as **mapping)


def _constants(tree: ast.Module) -> dict[str, str]:
    """NAME = "text" at any level of one module."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, node.value.value)
    return found


def _text_names(tree: ast.Module) -> set[str]:
    """The names under which a module imported the catalogue's `text`."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("messages")
        for alias in node.names
        if alias.name == "text"
    }


def _is_text_call(node: ast.AST, names: set[str]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in names
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "text"
        and getattr(func.value, "id", "") == "messages"
    )


def _keys(node: ast.expr, constants: dict[str, str]) -> tuple[str, ...] | None:
    """The keys a call's first argument can be; None if the source does not say."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.Name) and node.id in constants:
        return (constants[node.id],)
    if isinstance(node, ast.IfExp):
        body, orelse = _keys(node.body, constants), _keys(node.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        prefix = str(node.values[0].value)  # f"GRAPHQL_VALIDATION_FAILED:{key}": any key so named
        return tuple(key for key in MESSAGES if key.startswith(prefix))
    return None


def _sites() -> tuple[list[Site], list[str]]:
    """Every call of the catalogue's `text` in the source, and those whose key cannot be read."""
    sites, unread = [], []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names, constants = _text_names(tree), _constants(tree)
        for node in ast.walk(tree):
            if not _is_text_call(node, names):
                continue
            assert isinstance(node, ast.Call)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            keys = _keys(node.args[0], constants) if node.args else None
            if keys is None:
                unread.append(where)
                continue
            given = (
                None if any(k.arg is None for k in node.keywords) else frozenset(k.arg for k in node.keywords)
            )
            sites.append(Site(where, keys, given))  # type: ignore[arg-type]
    return sites, unread


def test_the_walk_reads_the_key_of_nearly_every_message_the_source_names():
    sites, unread = _sites()
    assert len(sites) > 300  # the walk found the raise sites
    # a key passed through a variable (the catalogue's own helpers, a kind with its article)
    assert len(unread) <= 12, unread


def test_every_key_a_raise_site_names_is_in_the_catalogue_in_both_languages():
    sites, _ = _sites()
    missing = {
        site.where: site.keys for site in sites if not site.keys or not set(site.keys) <= set(MESSAGES)
    }
    assert missing == {}
    for site in sites:
        for key in site.keys:
            template = MESSAGES[key]
            for language in LANGUAGES:
                assert template.in_language(language).strip(), (site.where, key, language)


def test_every_raise_site_gives_exactly_the_parameters_its_sentence_has_in_both_languages():
    """A parameter too few fails when the message is shown; one too many is a misspelt one."""
    sites, _ = _sites()
    wrong = {}
    for site in sites:
        if site.params is None:
            continue
        fitting = [
            key
            for key in site.keys
            if _placeholders(MESSAGES[key].sv) == site.params == _placeholders(MESSAGES[key].en)
        ]
        if not fitting:
            wrong[site.where] = (site.keys[:3], sorted(site.params))
    assert wrong == {}


def test_every_message_key_belongs_to_a_code_that_has_both_languages():
    for key in MESSAGES:
        code = CODES[code_of(key)]
        assert code.sv.strip() and code.en.strip(), key


def test_every_public_code_means_something_in_swedish_and_in_english_and_not_the_same_words():
    """A code's meaning word for word the same in both languages was never translated."""
    for code, meaning in CODES.items():
        assert meaning.sv.strip() and meaning.en.strip(), code
        assert meaning.sv != meaning.en, code
        assert _placeholders(meaning.sv) == _placeholders(meaning.en) == set(), code


def _message_argument(call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in ("message", "detail"):
            return keyword.value
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    position = 1 if name in ("HTTPException", "RuleViolation") else 0
    if name == "Refused" and len(call.args) > 1:
        position = 1
    return call.args[position] if len(call.args) > position else None


def test_no_refusal_is_made_with_words_written_at_the_raise_site():
    """A GraphQL error, an HTTP error, a usage error or a refused change made with a literal
    text would say it in that one language; each must be given a `Text` of the catalogue (or
    words rendered from one)."""
    literal = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in REFUSALS:
                continue
            message = _message_argument(node)
            if isinstance(message, ast.JoinedStr) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            ):
                literal.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert literal == []
