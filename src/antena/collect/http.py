"""A polite HTTP client: one request at a time, spaced, retried with backoff, never past a deadline.

* At least ``min_interval`` seconds between two requests (each platform's rate limit).
* 429 and 5xx answers and dropped connections are retried up to ``max_retries`` times, waiting
  ``Retry-After`` when the server says (seconds or an HTTP date), otherwise exponential backoff
  with full jitter (``uniform(0, base * 2**attempt)``, capped).
* Rate-limit headers announcing an empty budget (``x-rate-limit-remaining: 0`` with
  ``x-rate-limit-reset`` on X, ``x-ratelimit-*`` on Reddit, ``ratelimit-*`` on Bluesky) make the
  next request wait for the reset.
* A wait that would end after the run's deadline stops the run instead (:class:`Deadline`): the
  cursor is saved and the next run continues.

Every message is passed through the collector's :class:`~antena.collect.credentials.Secrets`.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from antena import __version__
from antena.collect.credentials import CollectError, Secrets

RETRY_STATUS = {429, 500, 502, 503, 504}
USER_AGENT = f"antena/{__version__} (social listening for child protection; python-httpx)"


class Deadline(Exception):  # noqa: N818 - a stop, not an error
    """A wait would pass the run's time limit: stop here, the cursor is kept."""

    def __init__(self, waited_for: str) -> None:
        super().__init__(waited_for)
        self.waited_for = waited_for


@dataclass
class Politeness:
    """How a client paces itself (per platform defaults; ``[collect]`` settings override)."""

    min_interval: float = 1.0
    max_retries: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_wait: float = 900.0  # never wait longer than this for one Retry-After / reset
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any], min_interval: float) -> Politeness:
        values = {"min_interval": min_interval}
        for name in ("min_interval", "max_retries", "backoff_base", "backoff_cap", "max_wait", "timeout"):
            if name in settings:
                values[name] = type(getattr(cls(), name))(settings[name])
        return cls(**values)


@dataclass
class HttpStats:
    requests: int = 0
    retries: int = 0
    waits: int = 0  # waits imposed by the server (429, Retry-After, an empty rate-limit budget)
    wait_seconds: float = 0.0


class PoliteClient:
    """``send`` one request the polite way; raises :class:`CollectError` or :class:`Deadline`."""

    def __init__(
        self,
        politeness: Politeness,
        secrets: Secrets,
        deadline: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.politeness = politeness
        self.secrets = secrets
        self.deadline = deadline
        self.stats = HttpStats()
        self._sleep = sleep
        self._clock = clock
        self._last = -1e18
        self._not_before = -1e18  # set by an exhausted rate-limit budget
        self._http = httpx.Client(
            timeout=politeness.timeout, follow_redirects=True, transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        data: dict[str, Any] | None = None,
        json: Any = None,
        auth: tuple[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        """The first answer that is not a retryable failure; 4xx other than those in ``ok`` raise."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            self._pace()
            self.stats.requests += 1
            self._last = self._clock()
            try:
                response = self._http.request(method, url, params=params, headers=headers, data=data, json=json,
                                              auth=auth)
                response.read()
            except httpx.TransportError as exc:  # dropped connection, timeout, refused
                problem = f"{type(exc).__name__}: {exc}"
                wait = None
            else:
                self._note_budget(response)
                if response.status_code not in RETRY_STATUS:
                    if response.status_code >= 400 and response.status_code not in ok:
                        raise CollectError(self.describe(response))
                    return response
                problem = self.describe(response)
                wait = retry_after(response.headers.get("Retry-After"))
                if wait is None and response.status_code == 429:
                    wait = self._reset_wait(response)
            attempt += 1
            if attempt > self.politeness.max_retries:
                raise CollectError(f"gave up after {attempt} attempts; last: {self.secrets.redact(problem)}")
            self.stats.retries += 1
            if wait is not None:
                self.stats.waits += 1
                if wait > self.politeness.max_wait:
                    raise Deadline(f"the server asks to wait {wait:.0f} s (more than max_wait)")
            else:
                wait = random.uniform(0, min(self.politeness.backoff_cap, self.politeness.backoff_base * 2 ** attempt))  # noqa: S311 - jitter
            self._wait(wait, server=False)

    # ------------------------------------------------------------------ internals

    def _pace(self) -> None:
        now = self._clock()
        gap = self._last + self.politeness.min_interval - now
        budget = self._not_before - now
        if budget > 0 and budget >= gap:
            self.stats.waits += 1
            self._wait(budget, server=True)
        elif gap > 0:
            self._wait(gap, server=False)

    def _wait(self, seconds: float, server: bool) -> None:
        if seconds <= 0:
            return
        if self.deadline is not None and self._clock() + seconds > self.deadline:
            raise Deadline(f"a wait of {seconds:.0f} s would pass the time limit")
        self.stats.wait_seconds += seconds
        self._sleep(seconds)

    def _note_budget(self, response: httpx.Response) -> None:
        """Remember an exhausted rate-limit budget, to wait for its reset before the next request."""
        h = response.headers
        remaining = h.get("x-rate-limit-remaining") or h.get("x-ratelimit-remaining") or h.get("ratelimit-remaining")
        try:
            empty = remaining is not None and float(remaining) < 1
        except ValueError:
            empty = False
        if empty:
            wait = self._reset_wait(response)
            if wait is not None:
                self._not_before = self._clock() + min(wait, self.politeness.max_wait)

    @staticmethod
    def _reset_wait(response: httpx.Response) -> float | None:
        h = response.headers
        reset = h.get("x-rate-limit-reset") or h.get("x-ratelimit-reset") or h.get("ratelimit-reset")
        try:
            value = float(reset) if reset is not None else None
        except ValueError:
            return None
        if value is None:
            return None
        if value > 1e9:  # an epoch time (X, Bluesky); otherwise seconds from now (Reddit)
            value -= time.time()
        return max(0.0, value)

    def describe(self, response: httpx.Response) -> str:
        body = response.text[:300].replace("\n", " ") if response.content else ""
        where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
        return self.secrets.redact(f"{where}: HTTP {response.status_code} {response.reason_phrase}. {body}".strip())


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
