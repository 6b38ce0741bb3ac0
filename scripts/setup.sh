#!/usr/bin/env bash
# Sets up everything orgchange needs on a fresh Debian machine; safe to run again.
#   scripts/setup.sh          the service: Python packages and Graphviz
#   scripts/setup.sh --test   also what the tests need (PostgreSQL must be reachable; Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  command -v apt-get >/dev/null || { echo "setup: no apt-get here; please install: $*" >&2; return 0; }
  as_root apt-get install -y -q "$@" >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null 2>&1 && as_root apt-get install -y -q "$@" >/dev/null
  } || echo "setup: could not install $* (diagrams in SVG/PNG need Graphviz's dot)" >&2
}

# Graphviz renders the diagrams (DOT works without it).
command -v dot >/dev/null || apt_install graphviz

# Headless Chromium for the browser tests and PDF review packs (Playwright drives Debian's build).
if $want_test; then
  command -v chromium >/dev/null || apt_install chromium chromium-driver
fi

# Python packages, in a virtual environment of the project's own.
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)$($want_test && echo -test)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if $want_test; then .venv/bin/pip install -q -e ".[test]"; else .venv/bin/pip install -q -e .; fi
  touch "$stamp"
fi
