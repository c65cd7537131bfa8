"""The boolean query language (see docs/query-language.md).

``compile_query(text)`` returns a SQL condition over the ``posts`` table and its parameters;
``parse(text)`` returns the syntax tree. Both raise ``antena.errors.QuerySyntaxError``.
"""

from __future__ import annotations

from antena.query.compiler import FIELDS, compile_query, register_field
from antena.query.parser import parse

__all__ = ["FIELDS", "compile_query", "parse", "register_field"]
