# The two commands of the quick start:
#   make demo [AS_OF=2017-03-01]   set up, record the Nacka sample, print its org chart, serve it
#   make test                      set up and run every test (SQLite, PostgreSQL, Graphviz, Chromium)
#   make unit                      set up and run the unit tier: the domain's rules, no database, seconds
AS_OF ?= 2017-03-01
HOST ?= 127.0.0.1
PORT ?= 8000
export ORGCHANGE_DATABASE_URL ?= sqlite:///orgchange.db

.PHONY: demo test unit lint setup

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
	.venv/bin/pytest -q -rs

unit:
	@scripts/setup.sh --test
	.venv/bin/pytest -q tests/unit

lint:
	.venv/bin/ruff check .
