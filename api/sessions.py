"""Who is calling, by session cookie or trusted proxy, and the web page's protection against CSRF.

The page signs in once (`POST /session`, api/routes/session.py) and is then known by
an HttpOnly, SameSite=Strict cookie. A browser sends a cookie with every request to
this origin, whoever's page made it; so a write that rests on the cookie alone must
also prove that it comes from the page itself: the session's anti-CSRF token in the
`X-CSRF-Token` header (which no other origin can read or set), and, when the browser
says where the request came from, an `Origin` of this service and a `Sec-Fetch-Site`
of `same-origin`. A write with `Authorization: Bearer` carries its credential
explicitly and needs none of this (docs/http.md#sessions-and-csrf).
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from datetime import timedelta
from functools import lru_cache

from fastapi import Request
from fastapi.responses import JSONResponse

from orgchange.application.config import Settings
from orgchange.application.sessions import Lifetime
from orgchange.domain.messages import Text, text

SESSION_COOKIE = "orgchange_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSRF_REFUSED = "CSRF_REFUSED"
SIGN_IN_LIMITED = "SIGN_IN_LIMITED"


class Refusal(Exception):
    """A request refused with a status, a stable code and a message in plain words (a message of
    the catalogue, in the request's language; its code is the answer's)."""

    def __init__(self, status: int, message: Text, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status, self.code, self.headers = status, message.code, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"detail": self.message.render(), "code": self.code},
            status_code=self.status,
            headers=self.headers,
        )


async def refusal_response(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Refusal)
    return error.response()


def lifetime(settings: Settings) -> Lifetime:
    """How long a session lasts idle, and at most, on this server."""
    return Lifetime(
        timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_max_hours)
    )


# --- proxies --------------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(text: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _trusted(address: str | None, settings: Settings) -> bool:
    if not address or not settings.trusted_proxies:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(settings.trusted_proxies))


def from_trusted_proxy(request: Request, settings: Settings) -> bool:
    """Did the request come straight from one of `ORGCHANGE_TRUSTED_PROXIES`?"""
    return _trusted(request.client.host if request.client else None, settings)


def client_address(request: Request, settings: Settings) -> str:
    """The client's address: the peer, or, behind trusted proxies, the nearest address they did not add."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(peer, settings):
        return peer
    forwarded = [
        part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()
    ]
    for address in reversed(forwarded):
        if not _trusted(address, settings):
            return address[:64]
    return peer


def is_https(request: Request, settings: Settings) -> bool:
    """Served over HTTPS: to this process, or to a trusted proxy that says so."""
    if request.url.scheme == "https":
        return True
    if from_trusted_proxy(request, settings):
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


# --- CSRF -----------------------------------------------------------------------------------


def cross_site_problem(request: Request, settings: Settings) -> Text | None:
    """Why the browser's own headers say a request came from another site; None if they do not."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return text("CSRF_REFUSED:site", site=site[:20])
    origin = request.headers.get("origin")
    if origin is not None:
        scheme = "https" if is_https(request, settings) else "http"
        host = request.headers.get("host", "")
        if origin != f"{scheme}://{host}" and origin != f"{request.url.scheme}://{host}":
            return text("CSRF_REFUSED:origin")
    return None


def refuse_cross_site(request: Request, settings: Settings) -> None:
    problem = cross_site_problem(request, settings)
    if problem is not None:
        raise Refusal(403, text(CSRF_REFUSED, problem=problem))


# --- sign-in attempts ---------------------------------------------------------------------


class AttemptLimit:
    """At most `attempts` failed sign-ins per client address within `window` seconds (guessing).

    Only failures count: an office behind one address may sign in as often as it likes, and a
    guesser is stopped after a few wrong tokens. A check comes before the token is looked at, so
    that a refused address costs no database query.
    """

    def __init__(self, attempts: int, window: float, max_addresses: int = 10_000):
        self.attempts, self.window, self.max_addresses = attempts, window, max_addresses
        self._failed: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failed.pop(address, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def check(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        if times:
            self._failed[address] = times
        if len(times) >= self.attempts:
            retry = max(1, int(times[0] + self.window - now) + 1)
            raise Refusal(429, text(SIGN_IN_LIMITED, seconds=retry), {"Retry-After": str(retry)})

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._recent(address, now)
        times.append(now)
        self._failed[address] = times
        while len(self._failed) > self.max_addresses:
            self._failed.popitem(last=False)
