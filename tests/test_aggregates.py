"""The daily aggregates: statistics read from them equal those read from post rows (on the demo),
and ``antena analyze`` refreshes only the days it touched."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from antena.analytics import compute_stats
from antena.project import Project
from tests.conftest import Cli

SECTIONS = {"corpus", "volumes", "hashtags", "spikes", "topics", "sentiment", "targets", "awareness"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agg") / "demo"
    Cli().json("demo", folder, "--scale", "0.02", "--seed", "11")
    return folder


def same(a: Any, b: Any, path: str = "") -> None:
    """Equal, floats within 1e-9 (the aggregates divide sums where rows average)."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), path
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: {set(a) ^ set(b)}"
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), f"{path}: {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_aggregates_give_the_row_statistics(demo: Path) -> None:
    project = Project(demo)
    try:
        from_rows = compute_stats(project.store, SECTIONS, source="rows")
        from_aggregates = compute_stats(project.store, SECTIONS, source="aggregates")
    finally:
        project.close()
    assert from_rows["volumes"]["posts"] > 500 and from_rows["topics"]["totals"]
    assert from_rows["targets"] and from_rows["hashtags"]["co_hashtags"] and from_rows["spikes"]
    same(from_rows, from_aggregates)


def test_all_posts_scope_matches_too(demo: Path) -> None:
    """Without a relevance analyser every live post is in scope: both ways agree on it."""
    project = Project(demo)
    try:
        from antena.analytics import daily

        d = daily.Daily(project.con, relevant_only=False)
        assert d.total() == project.store.summary()["live_posts"]
        relevant = daily.Daily(project.con, relevant_only=True).total()
        assert relevant == project.store.relevant_count() < d.total()
    finally:
        project.close()


def test_refresh_touches_only_new_days_and_stays_exact(demo: Path, tmp_path: Path) -> None:
    """A post imported and analysed later recomputes its day only; the numbers still match rows."""
    from antena.store import aggregates

    project = Project(demo)
    try:
        con = project.con
        before = con.execute("SELECT count(*) FROM stats_daily").fetchall()[0][0]
        other_days = con.execute("SELECT day, dim, key, platform, relevant, posts, items FROM stats_daily"
                                 " WHERE day <> DATE '2017-05-14' ORDER BY ALL").fetchall()
        path = tmp_path / "one.jsonl"
        path.write_text('{"id": "late-1", "text": "#AlertaAmber niña desaparecida en Monterrey, ayuda",'
                        ' "created_at": "2017-05-14T12:00:00Z", "author": "someone", "platform": "x"}\n',
                        encoding="utf-8")
        project.import_files([path])
        assert not aggregates.current(con, project.store.timezone)
        project.analyze()
        assert aggregates.current(con, project.store.timezone)
        assert con.execute("SELECT count(*) FROM stats_daily").fetchall()[0][0] >= before
        assert con.execute("SELECT day, dim, key, platform, relevant, posts, items FROM stats_daily"
                           " WHERE day <> DATE '2017-05-14' ORDER BY ALL").fetchall() == other_days
        same(compute_stats(project.store, SECTIONS, source="rows"),
             compute_stats(project.store, SECTIONS, source="aggregates"))
        # a second analyze with nothing new recomputes no day
        assert aggregates.refresh(con, project.store.timezone) == 0
    finally:
        project.close()


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_stats_over_the_exported_lake_match_the_local_engine(demo: Path, tmp_path: Path) -> None:
    """``antena export --partition-by day`` then ``antena stats --engine spark --lake``: counts
    exact, shares and scores within 1e-6 of the local engine."""
    pytest.importorskip("pyspark")
    cli = Cli()
    lake = tmp_path / "lake"
    exported = cli.json("export", demo, "--format", "parquet", "--partition-by", "day", "--out", lake)
    assert exported["rows"] > 500 and any(p.name.startswith("day=") for p in lake.iterdir())
    sections = ["volumes", "hashtags", "spikes", "topics", "sentiment", "targets", "awareness"]
    flags = [arg for s in sections for arg in ("--section", s)]
    local = cli.json("stats", demo, *flags)
    spark = cli.json("stats", demo, *flags, "--engine", "spark", "--lake", str(lake), "--spark-master", "local[1]")
    assert spark["engine"] == "spark" and spark["scope"] == local["scope"] == "relevant posts"
    local["hashtags"].pop("terms")
    # Examples: the lake holds the public ids the export writes, and ties in engagement are broken
    # by id, so the Spark engine may pick other posts among equally engaged ones: same number.
    for mine, theirs in zip(local["spikes"], spark["spikes"], strict=True):
        if "examples" in mine:
            assert len(mine.pop("examples")) == len(theirs.pop("examples"))
    for section in ("volumes", "hashtags", "spikes", "topics"):
        close(local[section], spark[section], section)
    # sentiment, targets, awareness: Spark gives the model's plain counts, without the local
    # engine's uncertain threshold and estimates; what no model decides must match exactly
    assert [(t["target"], t["mentions"]) for t in local["targets"]] == [(t["target"], t["mentions"]) for t in spark["targets"]]
    close(local["awareness"]["programmes"], spark["awareness"]["programmes"], "awareness.programmes")
    assert local["awareness"]["posts"] == spark["awareness"]["posts"]
    assert sum(v["posts"] for v in spark["sentiment"]["overall"].values()) >= local["sentiment"]["posts"] > 0


def close(a: Any, b: Any, path: str) -> None:
    """Equal; numbers that are not both integers within 1e-6."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and abs(a - b) <= 1e-6, f"{path}: {a} vs {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: {set(a) ^ set(b)}"
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_partitioned_export_needs_parquet_and_names_the_days(demo: Path, tmp_path: Path) -> None:
    cli = Cli()
    result = cli("export", demo, "--format", "csv", "--partition-by", "day", "--out", tmp_path / "x.csv", expect=2)
    assert "parquet" in result.output
    lake = tmp_path / "lake"
    exported = cli.json("export", demo, "--format", "parquet", "--partition-by", "day", "--out", lake)
    import duckdb

    con = duckdb.connect()
    rows, days = con.execute("SELECT count(*), count(DISTINCT day) FROM read_parquet(?, hive_partitioning = true)",
                             [str(lake / "**" / "*.parquet")]).fetchall()[0]
    assert rows == exported["rows"] and days == len([p for p in lake.iterdir() if p.name.startswith("day=")])
    assert not list(tmp_path.glob("*.partial"))


def test_posts_removed_from_the_table_trigger_a_full_refresh(demo: Path, tmp_path: Path) -> None:
    """Posts removed outright (as clearing or remapping does) leave no day behind to recompute:
    the refresh notices fewer posts and recomputes every day."""
    import shutil as sh

    from antena.store import aggregates

    copy = tmp_path / "copy"
    sh.copytree(demo, copy)
    project = Project(copy)
    try:
        con = project.con
        con.execute("DELETE FROM posts WHERE post_id IN (SELECT post_id FROM live_posts WHERE created_at IS NOT NULL"
                    " ORDER BY post_id LIMIT 50)")
        assert not aggregates.current(con, project.store.timezone)
        assert aggregates.refresh(con, project.store.timezone) > 1
        same(compute_stats(project.store, SECTIONS, source="rows"),
             compute_stats(project.store, SECTIONS, source="aggregates"))
    finally:
        project.close()


def test_remap_makes_the_aggregates_stale(demo: Path, tmp_path: Path) -> None:
    """Remapped posts keep their import time, so ``remap`` forgets the aggregates' state."""
    import shutil as sh

    from antena.store import aggregates

    copy = tmp_path / "copy"
    sh.copytree(demo, copy)
    project = Project(copy)
    try:
        assert aggregates.current(project.con, project.store.timezone)
        project.remap()
        assert not aggregates.current(project.con, project.store.timezone)
        assert aggregates.refresh(project.con, project.store.timezone) > 1
        assert aggregates.current(project.con, project.store.timezone)
    finally:
        project.close()


def test_estimates_with_reference_samples_match_rows_and_every_post(demo: Path, tmp_path: Path) -> None:
    """With reference labels for every task, the aggregate-based statistics equal the row-based
    ones, and the estimates equal ``estimate_share`` over every post's label (the way before)."""
    import shutil as sh

    from antena.analytics.base import scope_sql
    from antena.analytics.estimates import estimate_share
    from antena.analytics.perception import (
        SENTIMENTS,
        draw_reference_sample,
        sentiment_label,
        sentiment_units,
        target_units,
    )
    from antena.store import reference

    copy = tmp_path / "copy"
    sh.copytree(demo, copy)
    project = Project(copy)
    try:
        store = project.store
        target = max(compute_stats(store, {"targets"})["targets"], key=lambda t: t["mentions"])["target"]
        labels = []
        for task, tgt, classes in (("sentiment", None, SENTIMENTS), ("emotion", None, ("joy", "sadness", "anger")),
                                   ("target", target, SENTIMENTS), ("awareness_unaware", None, ("yes", "no"))):
            for i, row in enumerate(draw_reference_sample(store, task, 40, tgt)):
                labels.append({"post_id": row["post_id"], "task": task, "target": tgt,
                               "label": row["fast"] if i % 3 and row["fast"] in classes else classes[i % len(classes)]})
        reference.add(project.con, labels, "analyst")
        from_rows = compute_stats(store, SECTIONS, source="rows")
        from_aggregates = compute_stats(store, SECTIONS, source="aggregates")
        same(from_rows, from_aggregates)
        assert from_aggregates["sentiment"]["estimates"]["method"] == "ppi"
        assert from_aggregates["sentiment"]["estimates"]["n_sample"] >= 2
        assert from_aggregates["awareness"]["unaware"]["estimates"]["method"] == "ppi"
        found = {t["target"]: t for t in from_aggregates["targets"]}
        assert found[target]["estimates"]["method"] == "ppi"
        # the way before: every post's label fetched, estimate_share over all of them
        scope, params = scope_sql(store)
        assert not params
        for units, p, task, tgt, got in (
                (sentiment_units(scope, sentiment_label(project.con, 0.4)) + " WHERE sentiment IS NOT NULL", [],
                 "sentiment", None, from_aggregates["sentiment"]["estimates"]),
                (target_units(scope), [target], "target", target, found[target]["estimates"])):
            drawn = reference.sample(project.con, units, p, task, tgt)
            before = estimate_share(drawn.fast, drawn.sample_idx, drawn.reference, SENTIMENTS)
            for c in SENTIMENTS:
                same(before[c].as_dict(), got["shares"][c], f"{task}.{c}")
    finally:
        project.close()
