"""The unit tier stays a unit tier: no database, no adapters, no read side, no web.

Its tests exercise the rules on the domain's own objects (`Register`, the timeline
fold); a test here that reached for the application, a projection or SQLAlchemy would
quietly bring a database back and the tier would stop running in seconds.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
FORBIDDEN = ("orgchange.adapters", "orgchange.application", "projections", "api", "sqlalchemy")
FORBIDDEN_HELPERS = ("tests.conftest", "tests.support")


def _imported(path: Path) -> set[str]:
    """Every module a file names in an import, absolute; relative imports resolved in tests."""
    names = set()
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
    return names


def _outside_the_domain(module: str) -> bool:
    if any(module == f or module.startswith(f + ".") for f in FORBIDDEN + FORBIDDEN_HELPERS):
        return True
    # The package `orgchange` itself is loaded as the parent of `orgchange.domain`.
    return module.startswith("orgchange.") and not (
        module == "orgchange.domain" or module.startswith("orgchange.domain.")
    )


def _files_of_the_tier() -> list[Path]:
    """The unit tests and the test helpers they import (tests.builders and the like)."""
    files = sorted(HERE.glob("*.py"))
    helpers = {
        module
        for path in files
        for module in _imported(path)
        if module.startswith("tests.") and not module.startswith("tests.unit")
    }
    return files + [TESTS.parent / (module.replace(".", "/") + ".py") for module in sorted(helpers)]


def test_the_unit_tests_and_their_helpers_import_only_the_domain() -> None:
    offending = {
        f"{path.relative_to(TESTS.parent)}: {module}"
        for path in _files_of_the_tier()
        for module in _imported(path)
        if _outside_the_domain(module)
    }
    assert not offending, sorted(offending)


def test_the_guard_recognises_an_import_of_the_database_side() -> None:
    for module in (
        "orgchange.adapters.storage",
        "orgchange.application",
        "projections.queries",
        "api.app",
        "sqlalchemy.orm",
        "orgchange.application.changefile",
        "tests.conftest",
    ):
        assert _outside_the_domain(module), module
    for module in ("orgchange.domain", "orgchange.domain.register", "tests.builders", "pytest", "hypothesis"):
        assert not _outside_the_domain(module), module


def test_importing_the_whole_tier_loads_no_database_adapter_or_read_side() -> None:
    """In a fresh interpreter, so that what other tests of the session loaded does not count."""
    modules = [
        ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        for path in sorted(HERE.glob("test_*.py"))
    ]
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], cwd=TESTS.parent, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "orgchange.domain.register" in loaded  # the tier was imported
    assert not [m for m in loaded if _outside_the_domain(m) and not m.startswith("tests")], loaded


def test_the_unit_tier_has_no_conftest_that_could_open_a_database() -> None:
    conftest = HERE / "conftest.py"
    if conftest.exists():
        assert not {m for m in _imported(conftest) if _outside_the_domain(m)}
    importlib.import_module("tests.unit")  # a package of its own, collected by `make unit`


def _rules_of_the_register() -> list[str]:
    """The rule codes of the table "The rules a file must keep" in docs/change-files.md."""
    text = (TESTS.parent / "docs" / "change-files.md").read_text(encoding="utf-8")
    table = text.split("| rule | what it says |", 1)[1].split("\n\n", 1)[0]
    codes = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        codes += [part.strip().strip("`") for part in first.split(",")]
    return codes


def test_every_rule_of_the_register_is_refused_somewhere_in_the_unit_tier() -> None:
    """Each rule code of the documentation appears as a refusal's rule in a unit test."""
    codes = _rules_of_the_register()
    assert len(codes) >= 13 and "unique-key" in codes and "reporting" in codes
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in HERE.glob("test_*.py")
        if path.name != Path(__file__).name
    )
    untested = [code for code in codes if f'"{code}"' not in sources]
    assert not untested, untested
