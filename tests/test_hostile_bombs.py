"""Decompression bombs and huge lines stay under 1 GiB of memory (issue 10, finding 5).

The bombs are generated here, streamed, and imported by the real ``antena`` command in a
child process whose peak resident memory psutil samples.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import psutil
import pytest

from antena.project import Project

GIB = 1 << 30
MIB = 1 << 20
BUDGET = GIB


def one_huge_line(chunks: int, chunk: bytes):
    yield b'{"data": [{"id": "1", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "'
    for _ in range(chunks):
        yield chunk
    yield b'"}]}\n'


def write_gz(path: Path, pieces) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        for piece in pieces:
            out.write(packer.compress(piece))
        out.write(packer.flush())


def write_zip(path: Path, member: str, pieces) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open(member, "w", force_zip64=True) as out:
        for piece in pieces:
            out.write(piece)


def import_peak(folder: Path, *files: Path | str) -> tuple[int, int, float]:
    """(exit code, peak RSS in bytes, seconds) of `antena import` run in a child process."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", "from antena.cli import main; main()", "import", str(folder), *map(str, files), "--json"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watched = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    return child.wait(), peak, time.monotonic() - started


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Project.init(tmp_path / "p", name="bombs").close()
    return tmp_path / "p"


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_a_one_gib_line_bomb_stays_under_one_gib(folder, tmp_path, kind):
    bomb = tmp_path / f"bomb.jsonl.{kind}" if kind == "gz" else tmp_path / "bomb.zip"
    pieces = one_huge_line(1024, b"a" * MIB)
    (write_gz if kind == "gz" else lambda p, it: write_zip(p, "tweets.jsonl", it))(bomb, pieces)
    good = tmp_path / "after.jsonl"
    good.write_text('{"data": [{"id": "9", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "ok"}]}\n')
    code, peak, _ = import_peak(folder, bomb, good)
    assert peak < BUDGET, f"peak RSS {peak / MIB:.0f} MiB"
    assert code == 0  # the next file was imported
    with Project(folder, read_only=True) as project:
        assert project.con.execute("SELECT count(*) FROM posts WHERE native_id = '9'").fetchone()[0] == 1
        reasons = [r[0] for r in project.con.execute("SELECT reason FROM quarantine").fetchall()]
    assert any("decompression bomb" in r or "longer than the import limit" in r for r in reasons), reasons


def test_a_fifty_mib_plain_line_is_quarantined_without_holding_it(folder, tmp_path):
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as out:
        for piece in one_huge_line(50, b"b" * MIB):
            out.write(piece)
        out.write(b'{"data": [{"id": "9", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "ok"}]}\n')
    code, peak, _ = import_peak(folder, path, "--format", "twitter_v2")
    assert code == 0 and peak < 400 * MIB, f"peak RSS {peak / MIB:.0f} MiB"
    with Project(folder, read_only=True) as project:
        [(line, reason)] = project.con.execute("SELECT source_line, reason FROM quarantine").fetchall()
    assert line == 1 and "max_line_mib" in reason


def test_the_line_limit_is_read_from_antena_toml(folder, tmp_path):
    with open(folder / "antena.toml", "a", encoding="utf-8") as config:
        config.write("\n[import]\nmax_line_mib = 0.001\n")
    path = tmp_path / "t.jsonl"
    long_text = "x" * 5000
    path.write_text('{"data": [{"id": "1", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "' + long_text + '"}]}\n'
                    '{"data": [{"id": "2", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "short"}]}\n')
    with Project(folder) as project:
        total, _ = project.import_files([path])
    assert (total.stored, total.quarantined) == (1, 1)


def test_zipped_blank_lines_stop_early(folder, tmp_path):
    bomb = tmp_path / "blank.zip"
    first = b'{"data": [{"id": "9", "author_id": "2", "created_at": "2024-01-01T00:00:00Z", "text": "ok"}]}\n'
    write_zip(bomb, "blank.jsonl", [first, *(b"\n" * MIB for _ in range(512))])
    assert bomb.stat().st_size < 2 * MIB
    code, peak, seconds = import_peak(folder, bomb)
    assert code == 0 and peak < BUDGET
    with Project(folder, read_only=True) as project:
        reasons = [r[0] for r in project.con.execute("SELECT reason FROM quarantine").fetchall()]
    assert any("decompression bomb" in r for r in reasons), reasons
