"""The deployment files: docker-compose wiring (no Docker engine runs here, so it is parsed),
and the lockfiles every install comes from."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
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
    assert credentials[1].startswith("${POSTGRES_PASSWORD:?")  # from .env, never inline
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


# A pin in a lockfile compiled with hashes: "name==version", markers after " ; ".
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


def _lock(name: str) -> dict[str, tuple[Version, list[str]]]:
    """The pins of requirements/NAME.txt: canonical name -> (version, its hashes)."""
    pins: dict[str, tuple[Version, list[str]]] = {}
    current = None
    for line in (ROOT / "requirements" / f"{name}.txt").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("--hash=sha256:"):
            assert current is not None, f"a hash before any pin: {line!r}"
            pins[current][1].append(stripped.removeprefix("--hash=sha256:").rstrip(" \\"))
        elif stripped and not stripped.startswith("#"):
            match = _PIN.match(stripped)
            assert match, f"requirements/{name}.txt: not an exact pin: {line!r}"
            current = canonicalize_name(match["name"])
            pins[current] = (Version(match["version"]), [])
    return pins


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return (
        [Requirement(r) for r in project["dependencies"]],
        [Requirement(r) for r in project["optional-dependencies"]["test"]],
    )


def test_every_declared_dependency_is_pinned_in_the_lockfiles_within_its_range():
    """A dependency added to pyproject.toml without `make lock` would never be installed
    by `make demo` or `make test` (they install from the lockfiles alone)."""
    service, test = _declared()
    for lock_name, requirements in (("service", service), ("test", service + test)):
        pins = _lock(lock_name)
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement} is missing from requirements/{lock_name}.txt: run make lock"
            version = pins[name][0]
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements/{lock_name}.txt pins {name}=={version}, outside {requirement}: run make lock"
            )
    # An extra of a dependency brings its own packages: psycopg[binary] is psycopg-binary.
    assert "psycopg-binary" in _lock("service")


def test_every_pin_carries_hashes_and_the_test_lock_keeps_the_service_pins():
    """pip's --require-hashes refuses a lockfile with a pin without a hash; and the tests
    must run on the very versions the service is installed with."""
    service, test = _lock("service"), _lock("test")
    for lock_name, pins in (("service", service), ("test", test)):
        assert pins, f"requirements/{lock_name}.txt pins nothing"
        for name, (_, hashes) in pins.items():
            assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), (
                f"{name} in requirements/{lock_name}.txt has no valid sha256 hash"
            )
    for name, (version, _) in service.items():
        assert name in test and test[name][0] == version, (
            f"requirements/test.txt does not keep {name}=={version}"
        )
