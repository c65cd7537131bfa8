"""Whether DuckDB's regular-expression engine (RE2) accepts a pattern.

The query compiler merges many terms into one pattern; RE2 refuses programs above its memory
budget ("pattern too large"). The compiler asks here first, so the user gets a
``QuerySyntaxError`` naming the term instead of a DuckDB error.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

SHORT = 4000  # shorter patterns always compile
_checker: Any = None
_lock = threading.Lock()


def regex_compiles(pattern: str) -> bool:
    """True when RE2 (as DuckDB runs it) compiles ``pattern``."""
    global _checker  # noqa: PLW0603 - one private in-memory connection per process
    if len(pattern) < SHORT:
        return True
    with _lock:
        if _checker is None:
            _checker = duckdb.connect(":memory:")
        try:
            _checker.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        except duckdb.Error:
            return False
    return True
