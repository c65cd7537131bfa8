"""Security for the dashboard: response headers, the optional password, login sessions.

The password is stored only as an argon2 hash (``antena serve --hash-password``). A login
creates a random session token kept in memory; the browser holds it in an ``HttpOnly``,
``SameSite=Strict`` cookie (``Secure`` too, with HSTS, when served over TLS). Failed logins
back off exponentially per address and for the account and end in a lockout an administrator
lifts (``antena serve-unlock``); argon2 checks run on a small bounded pool (``Sessions``).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from antena.errors import AntenaError
from antena.web.throttle import Throttle

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "antena_session"
SESSION_SECONDS = 8 * 3600
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
# The report is a self-contained document with its own <style>: no scripts, nothing fetched.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000"  # sent only when the dashboard is served over TLS
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for a ``--password-file``."""
    if not password:
        raise AntenaError("the password is empty")
    return PasswordHasher().hash(password)


def read_password_file(path: Path) -> str:
    """The argon2 hash stored in ``path`` (first non-empty line)."""
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise AntenaError(f"cannot read the password file {path}: {exc.strerror}") from None
    if not lines or not lines[0].startswith("$argon2"):
        raise AntenaError(f"{path} does not hold an argon2 hash: make one with `antena serve --hash-password`")
    return lines[0]


VERIFY_WORKERS = 2  # argon2 checks at once (each takes the hash's memory cost, 64 MiB by default)
VERIFY_QUEUE = 16  # checks waiting for a worker; more attempts are refused at once
MAX_PASSWORD = 1024


@dataclass
class LoginResult:
    """A login attempt's outcome: a session token, or why not and how long to wait."""

    token: str | None = None
    retry_after: float = 0.0
    locked: bool = False
    busy: bool = False


class Sessions:
    """Login sessions: random tokens with an expiry, in memory (a restart logs everyone out).

    Password checks run on a pool of ``VERIFY_WORKERS`` threads with at most ``VERIFY_QUEUE``
    waiting, so a flood of logins cannot multiply argon2's memory; ``Throttle`` backs off and
    locks failing addresses (and the account) before any check is made.
    """

    def __init__(self, password_hash: str, lifetime: float = SESSION_SECONDS, failure_delay: float = 1.0,
                 throttle: Throttle | None = None) -> None:
        self.password_hash = password_hash
        self.lifetime = lifetime
        self.failure_delay = failure_delay
        self.throttle = throttle or Throttle()
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        self._pool = ThreadPoolExecutor(max_workers=VERIFY_WORKERS, thread_name_prefix="antena-argon2")
        self._pending = 0

    def verify(self, password: str) -> bool:
        try:
            return self._hasher.verify(self.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def attempt(self, password: str, address: str = "") -> LoginResult:
        """Check ``password`` for a client at ``address`` unless it must wait or is locked."""
        wait = self.throttle.wait(address)
        if wait is None:
            return LoginResult(locked=True)
        if wait > 0:
            return LoginResult(retry_after=wait)
        with self._lock:
            if self._pending >= VERIFY_WORKERS + VERIFY_QUEUE:
                return LoginResult(busy=True, retry_after=1.0)
            self._pending += 1
        try:
            right = bool(password) and len(password) <= MAX_PASSWORD and await asyncio.get_running_loop(
            ).run_in_executor(self._pool, self.verify, password)
        finally:
            with self._lock:
                self._pending -= 1
        if right:
            self.throttle.succeeded(address)
            token = secrets.token_urlsafe(32)
            with self._lock:
                now = time.monotonic()
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
                self._tokens[token] = now + self.lifetime
            return LoginResult(token=token)
        self.throttle.failed(address)
        await asyncio.sleep(self.failure_delay)
        return LoginResult(retry_after=self.throttle.wait(address) or 0.0, locked=self.throttle.wait(address) is None)

    async def login(self, password: str, address: str = "") -> str | None:
        """A new session token when ``password`` is right; ``None`` (after a delay) otherwise."""
        return (await self.attempt(password, address)).token

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and expiry > time.monotonic()

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token or "", None)


def safe_next(target: str | None) -> str:
    """A local path to go back to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_redirect(path: str, query: str) -> str:
    here = path + ("?" + query if query else "")
    return "/login?next=" + quote(here, safe="")


class SecurityHeaders:
    """ASGI middleware adding CSP and friends to every response (and no-store to dynamic ones)."""

    def __init__(self, app: ASGIApp, tls: bool = False) -> None:
        self.app = app
        self.tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                names = {k.lower() for k, _ in headers}
                csp = REPORT_CSP if path == "/report" else CSP
                extra = {"content-security-policy": csp, **HEADERS}
                if self.tls:
                    extra["strict-transport-security"] = HSTS
                if not path.startswith("/static/"):
                    extra["cache-control"] = "no-store"
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
