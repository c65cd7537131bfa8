"""The boolean query language (see docs/query-language.md).

``compile_query(text)`` returns a SQL condition over the ``posts`` table and its parameters.
"""

from __future__ import annotations

from typing import Any


def compile_query(text: str) -> tuple[str, list[Any]]:
    """Placeholder until the parser lands: a plain case-insensitive substring match."""
    return "strip_accents(lower(coalesce(text, ''))) LIKE '%' || strip_accents(lower(?)) || '%'", [text]
