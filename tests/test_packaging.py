"""The deployment files: docker-compose wiring (no Docker engine runs here, so it is parsed)."""

from __future__ import annotations

import tomllib

import yaml
from sqlalchemy.engine import make_url

from tests.conftest import ROOT


def test_compose_wires_the_service_to_the_database():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    db, service = compose["services"]["db"], compose["services"]["orgchange"]
    url = make_url(service["environment"]["ORGCHANGE_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "db" and url.port == 5432
    assert (url.username, url.password, url.database) == (
        db["environment"]["POSTGRES_USER"],
        db["environment"]["POSTGRES_PASSWORD"],
        db["environment"]["POSTGRES_DB"],
    )
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert service["command"][:2] == ["orgchange", "serve"]
    assert "8000:8000" in service["ports"]
    assert (ROOT / service["build"] / "Dockerfile").exists()


def test_the_console_script_and_packages_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["orgchange"] == "orgchange.cli:main"
    assert set(project["tool"]["setuptools"]["packages"]["find"]["include"]) >= {
        "orgchange*",
        "projections*",
        "api*",
    }
