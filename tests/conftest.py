"""Shared fixtures: real SQLite files and a real PostgreSQL, no mocks.

Every test that takes `database_url` (or `app`) runs twice: on a fresh SQLite
file and on a fresh PostgreSQL database created for the test and dropped after
it. PostgreSQL is found at ORGCHANGE_TEST_POSTGRES_URL (default: the local
server on 127.0.0.1:5432). Without a reachable server the PostgreSQL variants
are skipped locally, and fail in CI (CI=true), where they must run.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from orgchange.application import OrgChange
from orgchange.application.changefile import parse_change_file
from orgchange.domain.messages import ENGLISH, speaking
from tests.support import IN_CI, POSTGRES_ADMIN_URL, SAMPLE, opened

# The command lines the tests start speak English, the language the tests state the reasons
# in; Swedish, the default, is tested in tests/api/test_languages.py.
os.environ.setdefault("ORGCHANGE_LANGUAGE", "en")


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # any failure to connect means: not available
        return str(error).splitlines()[0]


@functools.cache
def _postgres_problem() -> str | None:
    """Asked once, when a test first wants PostgreSQL: a run of the unit tier connects to nothing."""
    return _postgres_available()


@contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards; the test is skipped (failed in CI) without one."""
    problem = _postgres_problem()
    if problem is not None:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {problem}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = f"orgchange_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def reasons_in_english() -> Iterator[None]:
    """Tests that read a reason in this process read it in English, the language they state it in.

    The rules are the same in either language; Swedish, the language of every edge unless
    English is asked for, is tested in tests/unit/test_messages.py (the catalogue) and
    tests/api/test_languages.py (the API and the command line).
    """
    with speaking(ENGLISH):
        yield


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with _fresh_postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'orgchange.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """Like `database_url`, but one database for all the tests of a module (tests that only read)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module') / 'orgchange.db'}"
        return
    with _fresh_postgres_database() as url:
        yield url


@pytest.fixture
def app(database_url: str) -> Iterator[OrgChange]:
    with opened(database_url) as application:
        yield application


@pytest.fixture(scope="session")
def sample_file():
    return parse_change_file(SAMPLE.read_bytes(), str(SAMPLE))


@pytest.fixture
def demo_app(app: OrgChange, sample_file) -> OrgChange:
    """The application with the Nacka sample register recorded."""
    app.record_changes(sample_file.changes, "test", sample_file.organisation)
    return app
