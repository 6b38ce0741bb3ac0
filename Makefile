# The two commands of the quick start:
#   make demo [AS_OF=2017-03-01]   set up, record the Nacka sample, print its org chart, serve it
#   make test                      set up and run every test (SQLite, PostgreSQL, Graphviz, Chromium)
AS_OF ?= 2017-03-01
HOST ?= 127.0.0.1
PORT ?= 8000
export ORGCHANGE_DATABASE_URL ?= sqlite:///orgchange.db

.PHONY: demo test lint setup

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
	.venv/bin/lint-imports
	.venv/bin/pytest -q -rs

# ruff, and import-linter's contracts: the layers of README.md's "Where things are" (pyproject.toml)
lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports
