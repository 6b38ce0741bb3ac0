"""API tokens: who may write (and, when reads are not public, read).

Created, revoked and listed by the command line, checked by the HTTP API on every
request (`api.dependencies` holds the FastAPI dependency that asks for one).

A token looks like `oc_<key id>_<secret>`. The key id is public and only finds
the row; the row stores a SHA-256 hash of the whole token, never the token, and
the hash is compared in constant time. A token's NAME is what the register
records as `recordedBy`, so a name is held by one active token at a time.
Revoked tokens stay in the table: their names appear in the change log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Engine, Index, MetaData, String, Table, insert, select, update

from orgchange.application import OrgChange
from orgchange.domain.errors import OrgChangeError
from projections.tables import UTCDateTime

TOKEN_PREFIX = "oc"
_KEY_ID = re.compile(r"[0-9a-f]{16}")
MAX_NAME_LENGTH = 100

metadata = MetaData()

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False),
    Column("role", String(16), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_tokens_name", "name", "revoked_at"),
)


class Role(StrEnum):
    READER = "reader"
    REGISTRAR = "registrar"
    ADMIN = "admin"


WRITE_ROLES = frozenset({Role.REGISTRAR, Role.ADMIN})


class TokenError(OrgChangeError):
    """A token could not be created or revoked as asked (the user's to fix)."""


@dataclass(frozen=True)
class Caller:
    """Whoever presented a valid token."""

    name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


def create_tables(engine: Engine) -> None:
    """The tables that are not read models: tokens and the web page's sessions (one metadata)."""
    from . import sessions  # noqa: F401  (its table joins the metadata)

    metadata.create_all(engine)


def create_token(orgchange: OrgChange, name: str, role: str) -> str:
    """A new token for `name`; returns the secret, which is shown once and never stored."""
    name = _valid_name(name)
    try:
        granted = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise TokenError(f"unknown role '{role}'; use one of: {choices}") from None
    create_tables(orgchange.engine)
    key_id = secrets.token_hex(8)
    token = f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    with orgchange.engine.begin() as connection:
        active = connection.execute(
            select(api_tokens.c.key_id).where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        ).first()
        if active is not None:
            raise TokenError(f"a token named '{name}' already exists; revoke it first or choose another name")
        connection.execute(
            insert(api_tokens).values(
                key_id=key_id,
                name=name,
                role=granted.value,
                secret_hash=_hash(token),
                created_at=datetime.now(UTC),
            )
        )
    return token


def revoke_token(orgchange: OrgChange, name: str) -> bool:
    """Revoke the active token of `name` and end the sessions made from it; False if there was none."""
    from .sessions import web_sessions  # the same metadata; imported here, as it imports this module

    create_tables(orgchange.engine)
    now = datetime.now(UTC)
    with orgchange.engine.begin() as connection:
        active = select(api_tokens.c.key_id).where(
            api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None)
        )
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.key_id.in_(active), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )
        done = connection.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return done.rowcount > 0


def list_tokens(orgchange: OrgChange) -> list[TokenInfo]:
    """Every token ever created, without secrets or hashes, oldest first."""
    create_tables(orgchange.engine)
    t = api_tokens
    query = select(t.c.name, t.c.role, t.c.created_at, t.c.revoked_at).order_by(t.c.created_at)
    with orgchange.engine.connect() as connection:
        return [
            TokenInfo(row.name, Role(row.role), row.created_at, row.revoked_at)
            for row in connection.execute(query)
        ]


def identify(engine: Engine, token: str) -> tuple[Caller, str] | None:
    """The caller a token stands for and the token's key id, or None if it is not a valid, active token."""
    caller = authenticate(engine, token)
    return None if caller is None else (caller, token.split("_", 2)[1])


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The caller a token stands for, or None if it is not a valid, active token."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not _KEY_ID.fullmatch(parts[1]) or not parts[2]:
        return None  # a key id is 16 hex digits: anything else finds no row, so ask for none
    t = api_tokens
    query = select(t.c.name, t.c.role, t.c.secret_hash, t.c.revoked_at).where(t.c.key_id == parts[1])
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_hash, _hash(token)):
        return None
    return Caller(row.name, Role(row.role))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _valid_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise TokenError("a token needs a name (it is recorded as recordedBy)")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise TokenError(f"a token name is at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise TokenError("a token name cannot contain control characters")
    return cleaned
