"""Processes on a read replica (`ORGCHANGE_READ_ONLY=true`): they answer and never write.

A PostgreSQL role whose every transaction is read-only stands for a hot standby: a
database that answers queries and refuses every write ("cannot execute … in a
read-only transaction"). The primary is the sample register on the same database,
so what it records is on the "replica" at once (a real replica lags by its
replication delay).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.main import create_app
from orgchange.application import OrgChange
from orgchange.application.config import Settings
from orgchange.application.errors import ReadOnlyRegister
from orgchange.application.tokens import create_token
from tests.builders import change
from tests.support import POSTGRES_ADMIN_URL, ROOT, opened

pytestmark = pytest.mark.postgres

UNIT = '{ unit(id: "planenheten", asOf: "2018-06-01") { name } }'


@pytest.fixture
def primary(postgres_url: str, sample_file) -> Iterator[OrgChange]:
    """The sample register, recorded through the primary."""
    with opened(postgres_url, sample_file) as app:
        yield app


@pytest.fixture
def replica_url(primary: OrgChange, registrar: str, postgres_url: str) -> Iterator[str]:
    """The same database, through a role whose every transaction is read-only (it may
    read every table there is, the tokens' too, as a replica has them all)."""
    role = f"replica_{uuid.uuid4().hex[:8]}"
    database = make_url(postgres_url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    owner = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(
            text(f'ALTER ROLE {role} IN DATABASE "{database}" SET default_transaction_read_only = on')
        )
    with owner.connect() as connection:
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    try:
        yield make_url(postgres_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with owner.connect() as connection:
            connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
        owner.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


@pytest.fixture
def registrar(primary: OrgChange) -> str:
    return create_token(primary, "registratorn", "registrar")


@pytest.fixture
def replica(replica_url: str) -> Iterator[TestClient]:
    with TestClient(
        create_app(Settings(database_url=replica_url, read_only=True)), headers={"Accept-Language": "en"}
    ) as client:
        yield client


def test_a_replica_answers_queries_and_sees_what_the_primary_records(primary: OrgChange, replica) -> None:
    before = replica.post("/graphql", json={"query": UNIT}).json()
    primary.record_changes(
        [
            change(
                "rename_unit", id="pa-primar", effective="2018-01-01", unit="planenheten", name="Planeringen"
            )
        ],
        "primary",
    )
    after = replica.post("/graphql", json={"query": UNIT}).json()

    assert before == {"data": {"unit": {"name": "Planenheten"}}}
    assert after == {"data": {"unit": {"name": "Planeringen"}}}
    assert replica.get("/health").status_code == 200
    assert replica.get("/diagrams/orgchart.dot?asOf=2018-06-01").status_code == 200


def test_a_replica_refuses_every_write_plainly(primary: OrgChange, replica, registrar: str) -> None:
    auth = {"Authorization": f"Bearer {registrar}"}
    events = primary.event_count()
    posted = replica.post(
        "/changes",
        content="format: orgchange/v1\nchanges:\n  - {type: rename_unit, effective: 2018-01-01, unit: planenheten, name: X}\n",
        headers={"content-type": "application/yaml", **auth},
    )
    mutation = replica.post(
        "/graphql",
        json={
            "query": 'mutation { noteReport(board: "ks", meeting: "2017-02-06", paragraph: "§ 9") { board } }'
        },
        headers=auth,
    ).json()

    assert posted.status_code == 503
    assert posted.json() == {"detail": ReadOnlyRegister.MESSAGE, "code": "DATABASE_UNAVAILABLE"}
    assert "retry-after" not in posted.headers  # a replica stays one: asking again will not help
    assert mutation["errors"][0]["message"] == ReadOnlyRegister.MESSAGE
    assert mutation["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert primary.event_count() == events


def test_a_replica_keeps_no_drafts(replica, registrar: str) -> None:
    """Drafts are written beside the register: on the primary, like the changes."""
    made = replica.post("/drafts", json={"name": "Utkast"}, headers={"Authorization": f"Bearer {registrar}"})

    assert made.status_code == 503
    assert made.json() == {"detail": ReadOnlyRegister.MESSAGE, "code": "DATABASE_UNAVAILABLE"}
    assert "retry-after" not in made.headers


def test_without_the_setting_a_write_on_a_replica_is_still_a_plain_503(
    replica_url: str, registrar: str
) -> None:
    # The database refuses the write; the setting only says why in the service's own words.
    with TestClient(
        create_app(Settings(database_url=replica_url)), headers={"Accept-Language": "en"}
    ) as client:
        posted = client.post(
            "/changes",
            content="format: orgchange/v1\nchanges:\n  - {type: rename_unit, effective: 2018-01-01, unit: planenheten, name: X}\n",
            headers={"content-type": "application/yaml", "Authorization": f"Bearer {registrar}"},
        )
    assert posted.status_code == 503
    assert posted.json() == {
        "detail": "the database cannot be used right now; nothing was recorded",
        "code": "DATABASE_UNAVAILABLE",
    }


def test_the_command_line_reads_a_replica_and_refuses_to_import(replica_url: str, tmp_path) -> None:
    env = {"ORGCHANGE_READ_ONLY": "true", "ORGCHANGE_LANGUAGE": "en", "PATH": "/usr/bin:/bin"}
    chart = subprocess.run(
        [
            sys.executable,
            "-m",
            "orgchange",
            "--db",
            replica_url,
            "chart",
            "--as-of",
            "2017-03-01",
            "--format",
            "json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    file = tmp_path / "x.yaml"
    file.write_text(
        "format: orgchange/v1\nchanges:\n  - {type: rename_unit, effective: 2018-01-01, unit: planenheten, name: X}\n"
    )
    imported = subprocess.run(
        [sys.executable, "-m", "orgchange", "--db", replica_url, "import", str(file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert chart.returncode == 0 and '"planenheten"' in chart.stdout
    assert imported.returncode == 1
    assert ReadOnlyRegister.MESSAGE in imported.stderr and "Traceback" not in imported.stderr
