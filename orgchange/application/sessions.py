"""Sessions of the web page: a signed-in identity held by the server, named by a cookie.

A session is made from an authenticated identity (`Identity`): today an API token
presented once to `POST /session`, or the user a trusted proxy vouches for (a
municipality's single sign-on in front of the service). Either way the rest is the
same, so another way of signing in only needs to produce an `Identity`.

The table `web_sessions` sits beside `api_tokens` in the same metadata: it is not
derived from the register's events and cannot be rebuilt from them. A session's id
and its anti-CSRF token are random; only a SHA-256 hash of the id is stored, so a
copy of the table signs nobody in. A session ends when it is signed out, when it
has been idle longer than the idle time, when it reaches its absolute age, or when
the token it was made from is revoked (docs/security.md#sessions-of-the-web-page).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Engine, Index, String, Table, and_, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from projections.tables import UTCDateTime

from .tokens import Caller, Role, api_tokens, metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("csrf_token", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("source", String(16), nullable=False),  # token | header
    Column("key_id", String(32)),  # the API token it was made from, if any
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Index("ix_web_sessions_key_id", "key_id"),
)

# How often a session's last use is written down: not on every request.
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Identity:
    """Someone authenticated: by an API token (its key id), or by a trusted proxy's header."""

    name: str
    role: Role
    source: str
    key_id: str | None = None


@dataclass(frozen=True)
class Session:
    caller: Caller
    csrf_token: str
    source: str
    expires_at: datetime


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta
    absolute: timedelta


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_session(engine: Engine, identity: Identity, now: datetime | None = None) -> tuple[str, str]:
    """A new session for `identity`: its id (for the cookie) and its anti-CSRF token."""
    now = now or datetime.now(UTC)
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(
            insert(web_sessions).values(
                id_hash=_hash(session_id),
                csrf_token=csrf,
                name=identity.name,
                role=identity.role.value,
                source=identity.source,
                key_id=identity.key_id,
                created_at=now,
                last_seen_at=now,
            )
        )
    return session_id, csrf


def find_session(
    engine: Engine, session_id: str, lifetime: Lifetime, now: datetime | None = None
) -> Session | None:
    """The live session `session_id` names, or None: unknown, ended, expired or its token revoked."""
    if not session_id or len(session_id) > 100:
        return None
    now = now or datetime.now(UTC)
    s, t = web_sessions, api_tokens
    query = (
        select(s, t.c.revoked_at.label("token_revoked_at"), t.c.key_id.label("token_key_id"))
        .select_from(s.outerjoin(t, and_(t.c.key_id == s.c.key_id)))
        .where(s.c.id_hash == _hash(session_id))
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.ended_at is not None:
        return None
    if row.key_id is not None and (row.token_key_id is None or row.token_revoked_at is not None):
        return None
    expires = min(row.last_seen_at + lifetime.idle, row.created_at + lifetime.absolute)
    if now >= expires:
        end_session(engine, session_id, now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        try:
            with engine.begin() as connection:
                connection.execute(update(s).where(s.c.id_hash == row.id_hash).values(last_seen_at=now))
            expires = min(now + lifetime.idle, row.created_at + lifetime.absolute)
        except SQLAlchemyError:
            pass  # a read replica cannot write it down: the session then idles from its last recorded use
    return Session(Caller(row.name, Role(row.role)), row.csrf_token, row.source, expires)


def end_session(engine: Engine, session_id: str, now: datetime | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == _hash(session_id), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now or datetime.now(UTC))
        )


def end_sessions_of_token(engine: Engine, key_ids: list[str], now: datetime | None = None) -> None:
    """End every session made from these tokens (they were revoked)."""
    if not key_ids:
        return
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.key_id.in_(key_ids), web_sessions.c.ended_at.is_(None))
            .values(ended_at=now or datetime.now(UTC))
        )


def csrf_matches(session: Session, presented: str | None) -> bool:
    """Is `presented` the session's anti-CSRF token? Compared in constant time."""
    if not presented:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), presented.encode("utf-8", "replace"))
