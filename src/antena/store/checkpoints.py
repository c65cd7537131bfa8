"""Checkpoints paced by row groups during a bulk import (the same rows, written once).

DuckDB checkpoints by itself whenever the write-ahead log passes ``checkpoint_threshold`` (16 MiB
by default: about 12,000 raw records with their payloads). A checkpoint compresses and rewrites
every row group that changed since the last one, whole; an import appends to the table's last
row group (122,880 rows), so with the default each row group was compressed and written five to
ten times over (at demo scale 1, 4 of the import's 13 CPU seconds, and a database file twice its
size). ``paced_checkpoints`` lifts the threshold while files are imported and checkpoints when
``raw_records`` has grown into a new row group, so a full row group is written about once; what
stays unwritten in between is at most about one row group (plus the WAL on disk, which keeps the
committed rows safe as before). The previous threshold comes back at the end, with a checkpoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

ROW_GROUP = 122_880  # DuckDB's rows per row group
LIFTED = "1TB"  # no automatic checkpoint while the pacer decides


class CheckpointPacer:
    """Checkpoint when ``raw_records`` crosses a row-group boundary (``after_commit``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.rows = self._count()

    def _count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM raw_records").fetchone()[0])  # type: ignore[index]

    def after_commit(self) -> None:
        rows = self._count()
        if rows // ROW_GROUP > self.rows // ROW_GROUP:
            checkpoint(self.con)
            self.rows = rows


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """``CHECKPOINT``, unless another transaction is open (DuckDB refuses then; it will
    checkpoint later by itself)."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("CHECKPOINT")


@contextlib.contextmanager
def paced_checkpoints(con: duckdb.DuckDBPyConnection) -> Iterator[CheckpointPacer]:
    """Within: automatic checkpoints off, ``pacer.after_commit()`` checkpoints by row group."""
    previous = _threshold(con)
    con.execute("RESET checkpoint_threshold")
    default = _threshold(con)
    con.execute(f"SET checkpoint_threshold = '{LIFTED}'")
    try:
        yield CheckpointPacer(con)
    finally:
        if previous == default:
            con.execute("RESET checkpoint_threshold")
        else:  # as DuckDB prints it (to 0.1 MiB)
            con.execute("SET checkpoint_threshold = ?", [previous])
        checkpoint(con)


def _threshold(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0])  # type: ignore[index]
