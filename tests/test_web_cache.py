"""The dashboard's cache: figures are kept per project version; expired but unchanged ones are
served at once and recomputed in the background; a change is recomputed before it is served."""

from __future__ import annotations

import time
from pathlib import Path

from antena.web.store import ProjectReader


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_unchanged_figures_are_served_while_recomputed_in_the_background(project_dir: Path) -> None:
    reader = ProjectReader(project_dir, cache_seconds=0.0)  # every entry expires at once
    calls: list[float] = []

    def compute() -> int:
        calls.append(time.monotonic())
        time.sleep(0.2)
        return len(calls)

    assert reader.cached("k", compute) == 1
    started = time.monotonic()
    assert reader.cached("k", compute) == 1  # expired, unchanged: the cached value, no waiting
    assert time.monotonic() - started < 0.15
    assert _wait_for(lambda: len(calls) == 2)  # one background recompute
    assert _wait_for(lambda: reader.cached("k", compute) >= 2)


def test_a_changed_project_is_recomputed_before_it_is_served(project_dir: Path) -> None:
    reader = ProjectReader(project_dir, cache_seconds=3600.0)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert reader.cached("k", compute) == 1
    assert reader.cached("k", compute) == 1 and len(calls) == 1
    config = project_dir / "antena.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert reader.cached("k", compute) == 2


def test_the_page_header_counts_are_cached_per_version(project_dir: Path) -> None:
    reader = ProjectReader(project_dir)
    first = reader.summary()
    assert first["posts"] >= 0 and reader._cache["summary"][2] == first
    assert reader.summary() is first  # the same object: not counted again
