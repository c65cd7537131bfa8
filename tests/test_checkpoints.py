"""Checkpoints paced by row group during an import: DuckDB's own threshold is off inside, back after."""

from __future__ import annotations

from pathlib import Path

import pytest

from antena.project import Project
from antena.store import checkpoints
from antena.store.database import DB_NAME

from .conftest import FIXTURES


def _wal(folder: Path) -> int:
    wal = folder / f"{DB_NAME}.wal"
    return wal.stat().st_size if wal.exists() else 0


def _add_raw(project: Project, rows: int, start: int) -> None:
    project.con.execute(
        "INSERT INTO raw_records (post_id, platform, native_id, source_format, content_hash, payload)"
        " SELECT 'x:' || i, 'x', i::VARCHAR, 'twitter_v2', md5(i::VARCHAR), repeat('p', 500) FROM range(?, ?) t(i)",
        [start, start + rows])


def test_pacer_checkpoints_when_raw_records_enter_a_new_row_group(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "ROW_GROUP", 10)
    project = Project.init(tmp_path / "p", name="pacer")
    project.con.execute("CHECKPOINT")
    with checkpoints.paced_checkpoints(project.con) as pacer:
        _add_raw(project, 6, 0)
        pacer.after_commit()
        assert _wal(project.folder) > 0  # 6 rows: still in the first row group, no checkpoint
        _add_raw(project, 6, 6)
        pacer.after_commit()
        assert _wal(project.folder) == 0  # 12 rows: the second row group began, checkpointed
        _add_raw(project, 3, 12)
        pacer.after_commit()
        assert _wal(project.folder) > 0
    assert _wal(project.folder) == 0  # the end checkpoints what is left
    assert project.con.execute("SELECT count(*) FROM raw_records").fetchone()[0] == 15
    project.close()


@pytest.mark.parametrize("threshold", [None, "8MiB"])
def test_import_files_restores_the_threshold(tmp_path: Path, threshold: str | None) -> None:
    project = Project.init(tmp_path / "p", name="pacer")
    if threshold:
        project.con.execute(f"SET checkpoint_threshold = '{threshold}'")
    before = project.con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
    assert before == ("8.0 MiB" if threshold else "16.0 MiB")
    total, _ = project.import_files([FIXTURES / "sources" / "twitter_v2"])
    assert total.stored > 0 and total.reconciles
    assert project.con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0] == before
    payloads = project.con.execute("SELECT sum(strlen(payload)) FROM raw_records").fetchone()[0]
    assert _wal(project.folder) < payloads  # checkpointed at the end (the audit row came after)
    project.close()
