#!/usr/bin/env bash
# Sets up everything orgchange needs on a fresh Debian machine; safe to run again,
# and silent when everything is in place.
#   scripts/setup.sh          the service: Python packages and Graphviz
#   scripts/setup.sh --test   also what the tests need: a PostgreSQL server on
#                             127.0.0.1:5432 (installed and started if missing) and Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# apt_install WHY PACKAGE…: installs the Debian packages; on failure says why they are
# needed and returns 1 (callers decide whether that is fatal).
apt_install() {
  local why=$1
  shift
  if ! command -v apt-get >/dev/null; then
    echo "setup: no apt-get here; please install: $* ($why)" >&2
    return 1
  fi
  as_root apt-get install -y -q "$@" >/dev/null 2>&1 || {
    as_root apt-get update -q >/dev/null 2>&1 && as_root apt-get install -y -q "$@" >/dev/null
  } || {
    echo "setup: could not install $* ($why)" >&2
    return 1
  }
}

pg_ready() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }

# Installs Debian's PostgreSQL if there is none, and starts its cluster.
start_postgres() {
  local fresh_install=false version hba
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    apt_install "the PostgreSQL tests need a server" postgresql || return 1
    fresh_install=true
  fi
  version=$(ls /etc/postgresql | head -n1)
  if $fresh_install; then
    # Only for a server this script has just installed: Debian's default asks for a
    # password on 127.0.0.1 (scram-sha-256), and the tests connect as postgres without
    # one. Trust that user from the loopback addresses alone (the first matching line
    # of pg_hba.conf wins). The settings of a server that was there before are never changed.
    hba=/etc/postgresql/$version/main/pg_hba.conf
    as_root sed -i \
      -e '1i host    all    postgres    127.0.0.1/32    trust    # orgchange tests (scripts/setup.sh)' \
      -e '1i host    all    postgres    ::1/128         trust    # orgchange tests (scripts/setup.sh)' \
      "$hba" || return 1
  fi
  # The package may have started the new cluster already: then it re-reads pg_hba.conf.
  if as_root pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null || return 1
  else
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || return 1
  fi
  for _ in $(seq 1 30); do pg_ready && return 0; sleep 1; done
  return 1
}

# Graphviz renders the diagrams (DOT works without it).
command -v dot >/dev/null || apt_install "diagrams in SVG/PNG need Graphviz's dot" graphviz || true

if $want_test; then
  # Headless Chromium for the browser tests and PDF review packs (Playwright drives Debian's build).
  command -v chromium >/dev/null ||
    apt_install "the browser tests need Chromium" chromium chromium-driver || true

  # PostgreSQL for the tests' PostgreSQL variants (tests/conftest.py): user postgres on
  # 127.0.0.1:5432 without a password. A server chosen with ORGCHANGE_TEST_POSTGRES_URL
  # is left to whoever chose it.
  if [ -z "${ORGCHANGE_TEST_POSTGRES_URL:-}" ] && ! pg_ready; then
    start_postgres || true
    pg_ready || echo "setup: no PostgreSQL server at 127.0.0.1:5432; its tests will be skipped" >&2
  fi
fi

# Python packages, in a virtual environment of the project's own.
PYTHON="${PYTHON:-python3}"
if ! { [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; }; then
  # Debian keeps venv's ensurepip in a package of its own; without it `-m venv` fails
  # (and leaves a .venv without pip behind, which the line below then completes).
  "$PYTHON" -m ensurepip --version >/dev/null 2>&1 ||
    apt_install "Python's venv needs ensurepip" python3-venv || true
  "$PYTHON" -m venv .venv
fi
# The packages come from the lockfiles (requirements/, pinned with hashes; `make lock`
# renews them), the project itself without dependencies. A stamp per content of
# pyproject.toml and the lockfiles used; an install with the test lock has all the
# service needs (requirements/test.txt is resolved within requirements/service.txt's pins).
fingerprint() { cat "$@" | sha256sum | cut -c1-16; }
service_stamp=.venv/.installed-service-$(fingerprint pyproject.toml requirements/service.txt)
test_stamp=.venv/.installed-test-$(fingerprint pyproject.toml requirements/service.txt requirements/test.txt)
if [ ! -f "$test_stamp" ] && { $want_test || [ ! -f "$service_stamp" ]; }; then
  .venv/bin/python -m pip install -q --upgrade pip
  if $want_test; then lock=requirements/test.txt stamp=$test_stamp; else lock=requirements/service.txt stamp=$service_stamp; fi
  .venv/bin/pip install -q --require-hashes -r "$lock"
  .venv/bin/pip install -q --no-deps -e .
  touch "$stamp"
fi
