"""The layers hold: import-linter's contracts (pyproject.toml) pass on this tree and fail on a bad one.

The contracts are what keeps the shape of README.md's "Where things are": the command
line and the HTTP API on top, then the application, the read side, the adapters and the
domain, which imports nothing of ours. A contract that cannot fail keeps nothing, so a copy
of the tree with one import against the layers must be refused, naming that import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    for package in ("orgchange", "api", "projections"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "web", "sample")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports in `tree`: it puts its working directory first on the path, so it reads the copy."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )


def _add_import(module: Path, line: str) -> None:
    text = module.read_text()
    anchor = "from __future__ import annotations\n"
    assert anchor in text
    module.write_text(text.replace(anchor, anchor + "\n" + line + "\n", 1))


def test_the_tree_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_copy_of_the_tree_keeps_every_contract_too(tmp_path: Path) -> None:
    """The copy the next tests break is checked as itself, so their failures are the bad import's."""
    result = _lint_imports(_copy_of_the_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_domain_importing_the_application_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    _add_import(tree / "orgchange" / "domain" / "units.py", "import orgchange.application.service  # noqa")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "orgchange.domain.units -> orgchange.application.service" in result.stdout


def test_the_read_side_importing_the_api_breaks_the_layers(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    _add_import(tree / "projections" / "queries.py", "import api.recording  # noqa")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "projections.queries -> api.recording" in result.stdout


def test_the_domain_reaching_for_the_database_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    _add_import(tree / "orgchange" / "domain" / "register.py", "import sqlalchemy  # noqa")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "orgchange.domain.register -> sqlalchemy" in result.stdout
