"""A project's version as its files tell it, and results cached per version.

Every write to a project goes through its database file or its write-ahead log (imports,
analyses, labels, reviews, ``antena remap``...), every setting through ``antena.toml``, and
pseudonyms through the secret key: their inode, modification time and size change with any
write. ``files_stamp`` is that version (the dashboard caches per it, ``web/store.py``);
``ResultCache`` keeps one result per version on disk, in ``.antena/cache/``, for ``antena stats``.
A cached result is served only when the files, Antena's own code and the libraries that compute
it are exactly as they were when it was computed: any change misses the cache.

This module reads files only (no DuckDB), so a command answered from the cache starts fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

# the project's files (store.database.DB_NAME, SECRET_DIR/SECRET_NAME, config.CONFIG_NAME;
# tests/test_stats_cache.py checks they agree)
DB_FILE = "antena.duckdb"
STAMPED = (DB_FILE, DB_FILE + ".wal", "antena.toml", ".antena/secret.key")
CACHE_DIR = ".antena/cache"
FORMAT = "1"  # the cache files' layout
LIBRARIES = ("duckdb", "numpy", "scipy", "statsmodels", "sklearn", "babel", "orjson", "pyarrow")

_code: list[Any] | None = None


def file_stamp(path: Path) -> list[Any]:
    """Inode, modification time (ns) and size of a file; Nones when it does not exist."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return [None, None, None]
    return [st.st_ino, st.st_mtime_ns, st.st_size]


def files_stamp(folder: Path) -> list[Any]:
    """The project's version: changes whenever its database, write-ahead log, settings or
    secret key change."""
    return [part for name in STAMPED for part in file_stamp(folder / name)]


def code_stamp() -> list[Any]:
    """Antena's source files and the computing libraries as installed (computed once per process)."""
    global _code
    if _code is None:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for root, dirs, files in os.walk(package):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".py", ".po", ".toml", ".json")):
                    path = Path(root) / name
                    digest.update(f"{path.relative_to(package)}\x1f{file_stamp(path)}\n".encode())
        for library in LIBRARIES:
            spec = importlib.util.find_spec(library)
            origin = spec.origin if spec is not None and spec.origin else None
            digest.update(f"{library}\x1f{file_stamp(Path(origin)) if origin else None}\n".encode())
        _code = [digest.hexdigest()]
    return _code


class ResultCache:
    """One text result per project version, in ``.antena/cache/<name>.json``."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / CACHE_DIR / f"{name}.json"

    def stamp(self) -> list[Any]:
        """What the cached result depends on, now."""
        return [FORMAT, files_stamp(self.folder), code_stamp()]

    def get(self) -> str | None:
        """The cached text when the project is exactly as when it was computed, else None."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or saved.get("stamp") != self.stamp():
            return None
        text = saved.get("text")
        return text if isinstance(text, str) else None

    def put(self, stamp: list[Any], text: str) -> None:
        """Keep ``text``, computed at version ``stamp``; kept only when the project is still at
        that version (nothing was written meanwhile)."""
        if stamp != self.stamp():
            return
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:  # a cache that cannot be written (a read-only folder) is only a slower next run
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"stamp": stamp, "text": text}), encoding="utf-8")
            tmp.chmod(0o600)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def named(prefix: str, parts: list[str] | None) -> str:
    """A cache name for ``prefix`` and a set of options (e.g. the sections asked for)."""
    if not parts:
        return prefix
    return f"{prefix}-" + hashlib.sha256("\x1f".join(sorted(set(parts))).encode()).hexdigest()[:16]
