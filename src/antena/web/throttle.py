"""Login throttling: exponential backoff and lockout per client address and for the account.

Each failed login of an address doubles its wait (1 s, 2 s, 4 s ... up to ``max_delay``) after
``free_failures`` free attempts; ``lock_after`` failures lock the address until an administrator
unlocks it (``antena serve-unlock``). The dashboard has one account (one password), so the
account's failures from all addresses together also back off, and lock the account after
``account_lock_after`` failures: a distributed guessing attack then stops for everyone until
the administrator, who can see the locks, unlocks. A success clears the address's failures.

Locks are kept in ``.antena/login_locks.json`` so the unlock command (another process) can lift
them and a restart does not; failure counts are kept in memory.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "(account)"
LOCK_FILE = Path(".antena") / "login_locks.json"


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0  # monotonic time before which attempts are refused


@dataclass
class Throttle:
    """Decides whether a login attempt may be checked at all, and records the outcome."""

    folder: Path | None = None
    free_failures: int = 3
    base_delay: float = 1.0
    max_delay: float = 300.0
    lock_after: int = 20
    account_free_failures: int = 20
    account_max_delay: float = 30.0
    account_lock_after: int = 500
    _failures: dict[str, _Failures] = field(default_factory=dict)
    _locks: dict[str, dict[str, Any]] = field(default_factory=dict)
    _locks_mtime: float = -1.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ decisions

    def wait(self, address: str) -> float | None:
        """Seconds the address must wait before trying again (0: it may try now); None when it
        (or the account) is locked until an administrator unlocks it."""
        with self._lock:
            self._reload_locks()
            if address in self._locks or ACCOUNT in self._locks:
                return None
            now = time.monotonic()
            waits = [self._failures.get(key, _Failures()).until - now for key in (address, ACCOUNT)]
            return max(0.0, *waits)

    def failed(self, address: str) -> None:
        with self._lock:
            now = time.monotonic()
            for key, free, longest, lock_after in (
                    (address, self.free_failures, self.max_delay, self.lock_after),
                    (ACCOUNT, self.account_free_failures, self.account_max_delay, self.account_lock_after)):
                record = self._failures.setdefault(key, _Failures())
                record.count += 1
                if record.count > free:
                    record.until = now + min(longest, self.base_delay * 2 ** (record.count - free - 1))
                if record.count >= lock_after and key not in self._locks:
                    self._locks[key] = {"failures": record.count, "locked_at": time.time()}
                    self._save_locks()
            if len(self._failures) > 100_000:  # a flood of spoofed addresses must not grow memory
                self._failures = {k: v for k, v in self._failures.items() if v.until > now or k == ACCOUNT}

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    # ------------------------------------------------------------------ locks on disk

    def _path(self) -> Path | None:
        return None if self.folder is None else self.folder / LOCK_FILE

    def _reload_locks(self) -> None:
        path = self._path()
        if path is None:
            return
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        if mtime == self._locks_mtime:
            return
        self._locks_mtime = mtime
        self._locks = read_locks(self.folder) if mtime else {}  # type: ignore[arg-type]
        for key in list(self._failures):
            if key not in self._locks and self._failures[key].count >= self.lock_after:
                self._failures.pop(key)  # unlocked by the administrator: start afresh
        if ACCOUNT not in self._locks:
            account = self._failures.get(ACCOUNT)
            if account is not None and account.count >= self.account_lock_after:
                self._failures.pop(ACCOUNT)

    def _save_locks(self) -> None:
        path = self._path()
        if path is None:
            return
        write_locks(self.folder, self._locks)  # type: ignore[arg-type]
        self._locks_mtime = path.stat().st_mtime


SETTINGS = ("free_failures", "max_delay", "lock_after", "account_free_failures", "account_max_delay",
            "account_lock_after")  # [serve] login_<name> in antena.toml (antena.settings.ServeSettings)


def throttle_for(folder: Path, config: dict[str, Any]) -> Throttle:
    """The project's throttle, with ``[serve]`` settings of antena.toml named ``login_<setting>``
    (e.g. ``login_lock_after = 20``, ``login_max_delay = 300``)."""
    section = config.get("serve", {}) or {}
    values = {}
    for name in SETTINGS:
        value = section.get(f"login_{name}")
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            values[name] = type(getattr(Throttle, name))(value)
    return Throttle(folder, **values)


def read_locks(folder: Path) -> dict[str, dict[str, Any]]:
    """The locked addresses (and ``(account)``) of a project's dashboard."""
    try:
        data = json.loads((folder / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_locks(folder: Path, locks: dict[str, dict[str, Any]]) -> None:
    path = folder / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(locks, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def unlock(folder: Path, address: str | None = None) -> list[str]:
    """Lift the lock of ``address`` (all locks when None); returns what was unlocked."""
    locks = read_locks(folder)
    lifted = sorted(locks) if address is None else [a for a in locks if a == address]
    for key in lifted:
        locks.pop(key)
    write_locks(folder, locks)
    return lifted
