"""What the tests share besides fixtures: where things are, which PostgreSQL, whether in CI,
and the application opened on a database for one test.

The fixtures themselves live in `conftest.py`; a test module imports these by name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgchange.application import OrgChange
    from orgchange.application.changefile import ChangeFile

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "orgchange" / "sample" / "nacka-2012-2018.yaml"
POSTGRES_ADMIN_URL = os.environ.get(
    "ORGCHANGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@contextmanager
def opened(database_url: str, sample: ChangeFile | None = None) -> Iterator[OrgChange]:
    """The application on a database, with `sample` recorded first if given; closed afterwards,
    its connections let go (a test's PostgreSQL database can then be dropped)."""
    from orgchange.application import OrgChange  # the database side, imported only where used

    application = OrgChange(database_url)
    try:
        if sample is not None:
            application.record_changes(sample.changes, "test", sample.organisation)
        yield application
    finally:
        application.close()
        application.engine.dispose()
