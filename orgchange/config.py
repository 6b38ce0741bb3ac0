"""Settings, in one place. Every setting can be given as an `ORGCHANGE_*` environment variable."""

from __future__ import annotations

import getpass
import os
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from orgchange.domain.errors import MalformedInput
from orgchange.domain.text import describe, refused

DEFAULT_DATABASE_URL = "sqlite:///orgchange.db"
DEFAULT_URI_BASE = "https://example.org/orgchange/"
MAX_RECORDED_BY = 200  # what the register keeps of a `recordedBy`


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
