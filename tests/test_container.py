"""The container: the Dockerfile's install steps run for real, and the Dockerfile and
docker-compose.yml follow the rules of a sound image (docs/operations.md#install).

No Docker engine runs where the tests run. So the Dockerfile is read instruction by
instruction: its COPY instructions copy the same files into a fresh directory, and its
`pip install` steps run there in a fresh virtual environment, exactly as written; the
installed `orgchange` must then import and answer `--help`. This downloads the locked
wheels (a minute or so with PyPI's cache, longer without), which is what a build does.

The rules are hadolint's that matter here (a pinned base image, no `latest`, not root,
a HEALTHCHECK, COPY rather than ADD, apt-get without recommends and with its lists
removed, the lockfile copied and installed before the code) and compose's own (every
service with a healthcheck and a restart policy, no password written inline).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import venv
from pathlib import Path

import yaml

from tests.support import ROOT


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, its continued lines joined, comments left out."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].rstrip() + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends in a continued line"
    return found


DOCKERFILE = instructions((ROOT / "Dockerfile").read_text())


def _of(keyword: str) -> list[str]:
    return [arguments for name, arguments in DOCKERFILE if name == keyword]


def test_the_dockerfile_parser_joins_continued_lines_and_skips_comments() -> None:
    parsed = instructions("# a comment\nFROM x:1\nRUN a \\\n    # inside\n    && b\n\nUSER u\n")
    assert parsed == [("FROM", "x:1"), ("RUN", "a && b"), ("USER", "u")]


def dockerfile_problems(text: str) -> list[str]:
    """What a Dockerfile does against the rules (hadolint's DL3006/DL3007, DL3002, DL3020,
    DL3008-style recommends, DL3009, and a HEALTHCHECK), one line each."""
    parsed = instructions(text)
    problems = []
    for name, arguments in parsed:
        if name == "FROM":
            tag = arguments.split()[0].partition(":")[2]
            if not tag or tag == "latest" or not re.match(r"\d+\.\d+\.\d+", tag):
                problems.append(f"FROM {arguments}: not pinned to an exact version")
        if name == "ADD":
            problems.append(f"ADD {arguments}: use COPY for local files")
        if name == "RUN" and "apt-get install" in arguments:
            if "--no-install-recommends" not in arguments:
                problems.append("apt-get install without --no-install-recommends")
            if "apt-get update" not in arguments:
                problems.append("apt-get install without apt-get update in the same layer")
            if "rm -rf /var/lib/apt/lists/*" not in arguments:
                problems.append("apt-get install keeps its package lists")
    users = [arguments for name, arguments in parsed if name == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("the image runs as root")
    if not any(name == "HEALTHCHECK" for name, _ in parsed):
        problems.append("no HEALTHCHECK")
    return problems


def test_the_dockerfile_keeps_the_rules() -> None:
    assert dockerfile_problems((ROOT / "Dockerfile").read_text()) == []


def test_the_dockerfile_rules_catch_what_they_are_for() -> None:
    bad = "FROM python:latest\nADD . /app\nRUN apt-get install -y chromium\nUSER root\n"
    assert dockerfile_problems(bad) == [
        "FROM python:latest: not pinned to an exact version",
        "ADD . /app: use COPY for local files",
        "apt-get install without --no-install-recommends",
        "apt-get install without apt-get update in the same layer",
        "apt-get install keeps its package lists",
        "the image runs as root",
        "no HEALTHCHECK",
    ]


def test_the_service_user_is_set_before_the_command() -> None:
    last_user = max(i for i, (name, _) in enumerate(DOCKERFILE) if name == "USER")
    assert DOCKERFILE[-1][0] == "CMD" and last_user < len(DOCKERFILE) - 1


def test_the_image_says_whether_it_is_alive_and_keeps_its_data_in_a_volume() -> None:
    (check,) = _of("HEALTHCHECK")
    assert "/health/live" in check and "--timeout=" in check
    env = " ".join(_of("ENV"))
    assert "ORGCHANGE_DATABASE_URL=sqlite:////data/" in env
    assert any("/data" in volume for volume in _of("VOLUME"))


def test_the_image_has_what_pdfs_diagrams_and_backups_need() -> None:
    installs = " ".join(run for run in _of("RUN") if "apt-get install" in run).split()
    assert {"graphviz", "chromium", "postgresql-client"} <= set(installs)
    assert any(word.startswith("fonts-") for word in installs)


def test_the_lockfile_is_copied_and_installed_with_hashes_before_the_code() -> None:
    positions = {f"{name} {arguments}": i for i, (name, arguments) in enumerate(DOCKERFILE)}
    lock_copy = next(i for text, i in positions.items() if text.startswith("COPY requirements/service.txt"))
    lock_install = next(
        i for text, i in positions.items() if "--require-hashes -r requirements/service.txt" in text
    )
    code_copies = [i for text, i in positions.items() if text.startswith("COPY orgchange")]
    assert code_copies and lock_copy < lock_install < min(code_copies)
    assert "--no-deps" in DOCKERFILE[lock_install][1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_problems(compose: dict) -> list[str]:
    """What a compose file does against the rules: every service checked and restarted,
    images pinned, no password written inline (only `${VARIABLE:?…}`, required from .env)."""
    problems = []
    for name, service in compose["services"].items():
        if not (service.get("healthcheck") or {}).get("test"):
            problems.append(f"{name}: no healthcheck")
        if service.get("restart") not in {"always", "unless-stopped", "on-failure"}:
            problems.append(f"{name}: no restart policy")
        image = service.get("image")
        if image is not None and (":" not in image or image.endswith(":latest")):
            problems.append(f"{name}: image {image} not pinned")
        for key, value in (service.get("environment") or {}).items():
            secrets = [str(value)] if "PASSWORD" in key else []
            secrets += re.findall(r"://[^:/@]+:([^@]*)@", str(value))
            if any(not (secret.startswith("${") and ":?" in secret) for secret in secrets):
                problems.append(f"{name}: a password written inline in {key}")
    return problems


def test_the_compose_file_keeps_the_rules() -> None:
    assert compose_problems(_compose()) == []


def test_the_compose_rules_catch_what_they_are_for() -> None:
    bad = {
        "services": {
            "db": {"image": "postgres:latest", "environment": {"POSTGRES_PASSWORD": "hemligt"}},
            "app": {
                "build": ".",
                "restart": "always",
                "healthcheck": {"test": ["CMD", "true"]},
                "environment": {"ORGCHANGE_DATABASE_URL": "postgresql+psycopg://u:hemligt@db/x"},
            },
        }
    }
    assert compose_problems(bad) == [
        "db: no healthcheck",
        "db: no restart policy",
        "db: image postgres:latest not pinned",
        "db: a password written inline in POSTGRES_PASSWORD",
        "app: a password written inline in ORGCHANGE_DATABASE_URL",
    ]


def test_compose_requires_the_open_data_base_and_ships_an_example_of_its_env_file() -> None:
    for name, service in _compose()["services"].items():
        if service.get("build"):
            base = str(service["environment"]["ORGCHANGE_URI_BASE"])
            assert base.startswith("${ORGCHANGE_URI_BASE:?"), f"{name} would start without ORGCHANGE_URI_BASE"
    example = (ROOT / ".env.example").read_text()
    assert {"POSTGRES_PASSWORD=", "REPLICATION_PASSWORD=", "ORGCHANGE_URI_BASE="} <= {
        line.split("=")[0] + "=" for line in example.splitlines() if "=" in line and not line.startswith("#")
    }
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def _copied_into(app: Path) -> None:
    """What the Dockerfile's COPY instructions put in its WORKDIR."""
    for arguments in _of("COPY"):
        *sources, target = shlex.split(arguments)
        for source in sources:
            origin = ROOT / source
            destination = app / target if not target.endswith("/") else app / target / origin.name
            if target in {".", "./"}:
                destination = app / origin.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(origin, destination)


def test_the_dockerfiles_install_steps_make_a_working_orgchange_in_a_clean_environment(
    tmp_path: Path,
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    _copied_into(app)
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    path = f"{environment / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "VIRTUAL_ENV": str(environment)}
    env.pop("PYTHONPATH", None)
    installs = [run for run in _of("RUN") if run.startswith("pip install")]
    assert len(installs) == 2  # the lockfile's dependencies, then the project
    for run in installs:
        result = subprocess.run(
            ["bash", "-c", run], cwd=app, env=env, capture_output=True, text=True, timeout=1200
        )
        assert result.returncode == 0, f"{run}\n{result.stderr[-3000:]}"
    python = environment / "bin" / "python"
    imported = subprocess.run(
        [
            python,
            "-c",
            "import orgchange, api.main, projections, orgchange.application.backup; print(orgchange.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    assert str(environment) in imported.stdout, "orgchange was imported from outside the clean environment"
    helped = subprocess.run(
        [environment / "bin" / "orgchange", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert helped.returncode == 0 and "backup" in helped.stdout and "restore" in helped.stdout
