"""Rows on their way into ``posts``: the pending pair and the checks the table's types need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from antena.schema import POST_SCHEMA
from antena.sources.records import Quarantine


@dataclass
class Pending:
    row: dict[str, Any]
    raw: dict[str, Any] | None  # raw_records row, None when replaying (remap)


def storable(pending: list[Pending], bad: list[Quarantine]) -> list[Pending]:
    """The rows the posts table can hold; the others (a dict where text belongs, a count above
    2^63) move to ``bad`` with the column named."""
    try:
        to_arrow([p.row for p in pending])
        pa.Table.from_pylist([p.raw for p in pending if p.raw is not None])
        return pending
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    good = []
    for p in pending:
        problem = row_problem(p.row)
        if problem is None:
            good.append(p)
        else:
            bad.append(Quarantine(reason=f"value cannot be stored: {problem}", field=problem.split(" ", 1)[0],
                                  line=p.row["source_line"] or 0, pointer=p.row["source_pointer"] or "",
                                  raw=(p.raw or {}).get("payload") or ""))
    return good


def row_problem(row: dict[str, Any]) -> str | None:
    for column in POST_SCHEMA:
        try:
            pa.array([row.get(column.name)], type=column.type)
        except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
            return f"{column.name} ({type(exc).__name__}: {str(exc)[:200]})"
    return None


def to_arrow(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows made by ``_finish`` hold every post column already."""
    return pa.Table.from_pylist(rows, schema=POST_SCHEMA)
