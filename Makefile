# The two commands of the quick start:
#   make demo [AS_OF=2017-03-01]   set up, record the Nacka sample, print its org chart, serve it
#   make test                      set up and run every test (SQLite, PostgreSQL, Graphviz, Chromium)
#   make unit                      set up and run the unit tier: the domain's rules, no database, seconds
# make demo and make test install the dependencies from the lockfiles in requirements/ (pinned, with hashes):
#   make lock                      resolve them again after a change to pyproject.toml, keeping the pins
#   make lock-upgrade              move every pin to the newest release pyproject.toml allows
AS_OF ?= 2017-03-01
HOST ?= 127.0.0.1
PORT ?= 8000
export ORGCHANGE_DATABASE_URL ?= sqlite:///orgchange.db

.PHONY: demo test unit lint setup lock lock-upgrade

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/orgchange demo
	.venv/bin/orgchange chart --as-of $(AS_OF)
	@echo "Serving http://$(HOST):$(PORT)/ (GraphiQL at /graphql); Ctrl-C stops."
	.venv/bin/orgchange serve --host $(HOST) --port $(PORT)

test:
	@scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports
	.venv/bin/pytest -q -rs

unit:
	@scripts/setup.sh --test
	.venv/bin/pytest -q tests/unit

lint:
	@scripts/setup.sh --test
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# The lockfiles, for Python 3.11+ on any platform; requirements/test.txt keeps the
# service's pins so that an install for the tests has exactly what the service runs on.
LOCK = .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet

lock lock-upgrade:
	@test -x .venv/bin/uv || scripts/setup.sh --test
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) -o requirements/service.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) --extra test -c requirements/service.txt -o requirements/test.txt
