"""Settings, in one place. Every setting can be given as an `ORGCHANGE_*` environment variable."""

from __future__ import annotations

import getpass
import os
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///orgchange.db"
DEFAULT_URI_BASE = "https://example.org/orgchange/"


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
        if self.user:
            return self.user
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return os.environ.get("USER", "unknown")


@lru_cache
def get_settings() -> Settings:
    return Settings()
