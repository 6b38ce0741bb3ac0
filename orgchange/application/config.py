"""Settings, in one place. Every setting can be given as an `ORGCHANGE_*` environment variable."""

from __future__ import annotations

import getpass
import os
import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from orgchange.application.errors import MalformedInput
from orgchange.domain.messages import DEFAULT_LANGUAGE, LANGUAGES, text
from orgchange.domain.text import describe, refused

DEFAULT_DATABASE_URL = "sqlite:///orgchange.db"
DEFAULT_URI_BASE = "https://example.org/orgchange/"
MAX_RECORDED_BY = 200  # what the register keeps of a `recordedBy`
ROOT_PATH = re.compile(r"(/(?!\.+(?:/|$))[A-Za-z0-9._-]+)+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORGCHANGE_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Reads are public: the register is a public record (offentlighetsprincipen).
    public_read: bool = True
    # Who records changes from the command line; defaults to the operating-system user.
    user: str | None = None
    # Largest change file accepted over HTTP, in bytes.
    max_upload_bytes: int = 20_000_000
    # The base of the open-data URIs (`{base}unit/{key}`, …); a municipality sets its own.
    uri_base: str = DEFAULT_URI_BASE
    # Memory per server process for answers to repeated GraphQL queries (0: none kept).
    answer_cache_mb: int = 64
    # `orgchange serve` worker processes (several share the load; each is stateless).
    workers: int = 1
    # A process on a read replica: it answers queries and refuses to record (503).
    read_only: bool = False
    # Events between snapshots of the register, taken in the background after a write: a
    # process that starts reads the newest snapshot and the events after it (0: none taken;
    # docs/operations.md#snapshots).
    snapshot_interval: NonNegativeInt = 1_000
    # A server's snapshots are taken by a process of their own (`orgchange snapshot`), on another
    # core and in memory of its own; off: by a thread of the server (its writes then wait for
    # the pickler, and its memory grows over many snapshots: docs/operations.md#snapshots).
    snapshot_process: bool = True
    # A server that accepts writes reads the register in as it starts, in a thread of its own,
    # and is not ready (`/health/ready`) until it has: the first write then costs a write.
    # Off: the first write reads it in (a server that is rarely written to keeps less memory).
    load_register_at_start: bool = True
    # Connections to the database each process keeps open, how many more it may open for a
    # moment when many requests come together, and how long a read waits for one when every
    # one is in use before it is answered 503 (docs/operations.md#database-connections): on
    # PostgreSQL, the sum of the first two times the processes must fit under `max_connections`.
    # At least 2: one stays with the answers' stamp (api/graphql/cache.py, `Stamp`).
    database_pool_size: Annotated[int, Field(ge=2)] = 10
    database_pool_overflow: NonNegativeInt = 20
    # (a finite number of seconds up to an hour: a longer wait is no answer)
    database_pool_timeout_seconds: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = 30.0
    # The language of the command line's messages: sv (Swedish) or en (English). The HTTP
    # service answers in the language of each request's Accept-Language instead.
    language: str = DEFAULT_LANGUAGE

    # --- bounds on what one request may cost (docs/security.md) ---
    # GraphQL: the whole request body (a change file sent to `recordChanges` counts; larger
    # files go to `POST /changes`), the document's text, its tokens (checked while it is
    # parsed, which stops at the limit), how deeply the variables may nest, and the fields
    # of the document (counted before validation, which compares them pairwise).
    graphql_max_body_bytes: PositiveInt = 1_048_576
    graphql_max_document_bytes: PositiveInt = 65_536
    graphql_max_tokens: PositiveInt = 5_000
    graphql_max_variables_depth: PositiveInt = 32
    graphql_max_fields: PositiveInt = 500
    # Diagrams drawn by Graphviz (SVG, PNG, the review pack's charts): the most units or
    # delegates one diagram may hold, the time `dot` may take, the longest side of a PNG in
    # pixels, and how many `dot` run at once per process (and may wait for a turn).
    diagram_max_nodes: PositiveInt = 500
    diagram_timeout_seconds: PositiveFloat = 20.0
    diagram_max_png_pixels: PositiveInt = 8_000
    diagram_max_concurrent: PositiveInt = 2
    diagram_max_waiting: NonNegativeInt = 8
    # The printed org chart (orgchart.pdf, `chart --format pdf`): the most pages it may have
    # (an overview, a page per office and area, and the shares of pages too large for one).
    chart_max_pages: PositiveInt = 300
    # PDF: pages printed at once by the process's one browser, requests that may wait for a
    # turn, and the time one print may take (and a request may wait).
    pdf_max_concurrent: PositiveInt = 2
    pdf_max_waiting: NonNegativeInt = 4
    pdf_timeout_seconds: PositiveFloat = 30.0
    # Review packs (HTML) and open-data exports: built at once per process, requests that may
    # wait for a turn, and how long one may wait (503 with Retry-After beyond).
    documents_max_concurrent: PositiveInt = 2
    documents_max_waiting: NonNegativeInt = 8
    documents_wait_seconds: PositiveFloat = 30.0
    # Changes in one file sent over HTTP (POST /changes, recordChanges, previewChanges):
    # checking a file costs more than linearly in its changes; a larger one is imported
    # from the command line (`orgchange import`), or sent in parts.
    max_changes_per_request: PositiveInt = 5_000
    # Open drafts (utkast) one registrar may keep at once; a draft holds at most
    # `max_changes_per_request` changes and `max_upload_bytes` bytes (docs/drafts.md).
    max_drafts_per_user: PositiveInt = 50
    # Slow clients (`orgchange serve`): the request line and headers must arrive within
    # `http_header_timeout_seconds` and be at most `http_max_header_bytes`; a body must
    # arrive whole within `http_body_timeout_seconds`; an idle kept-alive connection is
    # closed after `http_keep_alive_seconds`; beyond `http_max_connections` connections
    # per process new requests are answered 503.
    http_header_timeout_seconds: PositiveFloat = 10.0
    http_max_header_bytes: PositiveInt = 16_384
    http_body_timeout_seconds: PositiveFloat = 60.0
    http_keep_alive_seconds: PositiveFloat = 5.0
    http_max_connections: PositiveInt = 1_000

    # --- serving behind a reverse proxy, and being watched (docs/http.md, docs/monitoring.md) ---
    # The path the service is reached under, e.g. `/orgchange` (empty: the site's root). The
    # proxy may pass the prefix on or strip it: the service answers either way.
    root_path: str = ""
    # `GET /metrics` answers only with `Authorization: Bearer` this value when it is set;
    # without it the metrics are public (they tell nothing the register does not).
    metrics_token: SecretStr | None = None
    # Lines written to the log by `orgchange serve`: `json` (one object a line) or `text`.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("root_path")
    @classmethod
    def _plain_root_path(cls, value: str) -> str:
        """`/orgchange` or `/a/b`: segments of letters, digits, `-`, `_` and `.`; no slash at the end."""
        value = value.strip().rstrip("/")
        if value and not ROOT_PATH.fullmatch(value):
            raise ValueError(
                "ORGCHANGE_ROOT_PATH is a path such as /orgchange: segments of letters, digits, "
                f"'-', '_' and '.', each after a '/'; not {value[:80]!r}"
            )
        return value

    # --- the web page's sign-in (docs/security.md#sessions-of-the-web-page) ---
    # A session ends after this many minutes without a request, and at the latest this many
    # hours after it began.
    session_idle_minutes: PositiveInt = 30
    session_max_hours: PositiveInt = 12
    # Failed sign-in attempts (POST /session) per client address within the window; then 429.
    sign_in_attempts: PositiveInt = 10
    sign_in_window_seconds: PositiveInt = 300
    # Addresses or networks (comma-separated, e.g. "10.0.0.5, 10.1.0.0/16") of reverse proxies
    # whose X-Forwarded-For and X-Forwarded-Proto are believed; and, for a single sign-on in
    # front of the service, the header in which such a proxy names the signed-in user, the
    # header that gives the user's role, and the role when it gives none. A request from any
    # other address has these headers ignored.
    trusted_proxies: str = ""
    user_header: str | None = None
    user_role_header: str | None = None
    user_default_role: str = "reader"

    @field_validator("language")
    @classmethod
    def _a_language_of_the_register(cls, value: str) -> str:
        if value not in LANGUAGES:
            shown = value if len(value) <= 20 else value[:19] + "…"
            raise ValueError(
                text(
                    "INVALID_SETTING",
                    variable="ORGCHANGE_LANGUAGE",
                    allowed=", ".join(LANGUAGES),
                    found=repr(shown),
                )
            )
        return value

    def recorded_by(self) -> str:
        """Who records from the command line: `ORGCHANGE_USER`, else the operating-system user.

        Checked like a token's name, since it is recorded and shown as `recordedBy`: one line
        of text, at most 200 characters.
        """
        if self.user:
            name, source = self.user, "ORGCHANGE_USER"
        else:
            try:
                name = getpass.getuser()
            except (KeyError, OSError):
                name = os.environ.get("USER", "unknown")
            source = "the user name"
        bad = refused(name)
        if bad is not None:
            raise MalformedInput([f"{source} holds {describe(bad)}; set ORGCHANGE_USER to a plain name"])
        if len(name) > MAX_RECORDED_BY:
            raise MalformedInput([f"{source} is longer than {MAX_RECORDED_BY} characters"])
        return name


@lru_cache
def get_settings() -> Settings:
    return Settings()


def setting_problems(error: ValidationError) -> list[str]:
    """What is wrong with the settings, one line each, naming the variable (for the command line)."""
    problems = []
    for problem in error.errors():
        variable = "ORGCHANGE_" + "_".join(str(part) for part in problem.get("loc", ())).upper()
        cause = problem.get("ctx", {}).get("error")
        problems.append(str(cause) if cause is not None else f"{variable}: {problem.get('msg', 'invalid')}")
    return problems
