"""Security for the dashboard: response headers, the optional password, login sessions.

The password is stored only as an argon2 hash (``antena serve --hash-password``). A login
creates a random session token kept in memory; the browser holds it in an ``HttpOnly``,
``SameSite=Strict`` cookie. Failed logins are slowed down.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from antena.errors import AntenaError

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


class Sessions:
    """Login sessions: random tokens with an expiry, in memory (a restart logs everyone out)."""

    def __init__(self, password_hash: str, lifetime: float = SESSION_SECONDS, failure_delay: float = 1.0) -> None:
        self.password_hash = password_hash
        self.lifetime = lifetime
        self.failure_delay = failure_delay
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()

    def verify(self, password: str) -> bool:
        try:
            return self._hasher.verify(self.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def login(self, password: str) -> str | None:
        """A new session token when ``password`` is right; ``None`` (after a delay) otherwise."""
        from starlette.concurrency import run_in_threadpool

        if password and await run_in_threadpool(self.verify, password):
            token = secrets.token_urlsafe(32)
            with self._lock:
                now = time.monotonic()
                self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
                self._tokens[token] = now + self.lifetime
            return token
        await asyncio.sleep(self.failure_delay)
        return None

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

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
                if not path.startswith("/static/"):
                    extra["cache-control"] = "no-store"
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
