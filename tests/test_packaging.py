"""The deployment files: docker-compose wiring (no Docker engine runs here, so it is parsed)."""

from __future__ import annotations

import tomllib

import yaml
from sqlalchemy.engine import make_url

from tests.support import ROOT


def _database_of(service: dict) -> tuple:
    url = make_url(service["environment"]["ORGCHANGE_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg" and url.port == 5432
    return url.host, url.username, url.password, url.database


def test_compose_wires_two_stateless_services_to_one_database():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    db = services["db"]
    credentials = tuple(db["environment"][k] for k in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"))
    ports = set()
    for name in ("orgchange", "orgchange-2"):
        service = services[name]
        assert _database_of(service) == ("db", *credentials)
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["command"][:2] == ["orgchange", "serve"]
        assert "ORGCHANGE_READ_ONLY" not in service["environment"]
        assert int(service["environment"]["ORGCHANGE_WORKERS"]) >= 2
        assert (ROOT / service["build"] / "Dockerfile").exists()
        ports.update(service["ports"])
    assert ports == {"8000:8000", "8001:8000"}


def test_compose_has_a_read_replica_and_a_read_only_service_on_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    replica, reader = services["db-replica"], services["orgchange-replica"]
    assert replica["profiles"] == reader["profiles"] == ["replica"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    script = "\n".join(replica["command"])
    assert "pg_basebackup -h db -U replicator" in script and " -R " in script  # a standby of db
    assert _database_of(reader)[0] == "db-replica"
    assert reader["environment"]["ORGCHANGE_READ_ONLY"] == "true"
    assert reader["depends_on"]["db-replica"]["condition"] == "service_healthy"
    mounted = [v.split(":")[0] for v in services["db"]["volumes"] if v.startswith("./")]
    init = (ROOT / mounted[0]).read_text()
    assert "WITH REPLICATION" in init and "host replication replicator" in init
    assert services["db"]["environment"]["REPLICATION_PASSWORD"] == replica["environment"]["PGPASSWORD"]


def test_the_console_script_and_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["orgchange"] == "orgchange.cli:main"
    assert set(project["tool"]["setuptools"]["packages"]["find"]["include"]) >= {
        "orgchange*",
        "projections*",
        "api*",
    }
