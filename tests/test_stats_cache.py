"""``antena stats`` from stored figures and from its cache: the same numbers as post rows give,
and a cached result served only while nothing it depends on changed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from antena.analytics import compute_stats, stored
from antena.analytics.base import materialised_working_set
from antena.analytics.quotes import grouped_picks
from antena.project import Project
from antena.store import version
from antena.store.version import ResultCache
from tests.conftest import Cli
from tests.test_aggregates import same

ALL = {"corpus", "volumes", "hashtags", "spikes", "topics", "sentiment", "targets", "awareness", "quotes", "campaigns"}
MARK = '{"served": "from the cache"}\n'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cache") / "demo"
    Cli().json("demo", folder, "--scale", "0.02", "--seed", "11")
    return folder


@pytest.fixture
def copy(demo: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(demo, folder)
    return folder


def test_analyze_stores_the_figures_and_they_equal_fresh_ones(demo: Path) -> None:
    """After ``antena analyze`` the figures are stored; they equal those computed from rows now,
    quote for quote, and every section read from them equals the row-based one."""
    project = Project(demo, read_only=True)
    try:
        con = project.con
        assert stored.current(con)
        kept = stored.load(con)
        assert kept is not None and kept["quotes"] and kept["terms"] and kept["hashtags"] and kept["authors"] > 0
        fresh = stored.compute(project.store)
        with materialised_working_set(project.store) as scope:
            picks = grouped_picks(con, scope)
        assert kept["quotes"] == picks == fresh["quotes"]
        assert ("all", "") in kept["quotes"] and any(kind == "topic" for kind, _ in kept["quotes"])
        assert kept["hashtags"] == fresh["hashtags"] and kept["terms"] == fresh["terms"]
        assert kept["authors"] == fresh["authors"]
        assert kept["campaigns"][0] == stored.settings_key(project.config) and kept["campaigns"][1]
        same(kept["campaigns"][1], fresh["campaigns"][1])
        from_rows = compute_stats(project.store, ALL, source="rows")
        from_aggregates = compute_stats(project.store, ALL, source="aggregates")
    finally:
        project.close()
    assert from_rows["quotes"]["by_topic"] and from_rows["quotes"]["headline"] and from_rows["campaigns"]
    same(from_rows, from_aggregates)


def test_new_posts_make_the_figures_stale_until_analyze_recomputes_them(copy: Path, tmp_path: Path) -> None:
    project = Project(copy)
    try:
        con = project.con
        con.execute("UPDATE stats_figures SET value = -1 WHERE name = 'authors'")  # marks the old figures
        assert stored.load(con)["authors"] == -1
        path = tmp_path / "one.jsonl"
        path.write_text('{"id": "late-2", "text": "#AlertaAmber niña desaparecida en Monterrey, ayuda por favor",'
                        ' "created_at": "2017-05-14T12:00:00Z", "author": "brand-new-author", "platform": "x"}\n',
                        encoding="utf-8")
        project.import_files([path])
        assert compute_stats(project.store, {"volumes"}, source="rows")["volumes"]["unique_authors"] > 0
        project.analyze()
        kept = stored.load(con)
        assert kept is not None and kept["authors"] > 0 and kept == stored.compute(project.store)
        # an analysis with nothing new keeps them (restamped, not recomputed)
        con.execute("UPDATE stats_figures SET value = -2 WHERE name = 'authors'")
        before = con.execute("SELECT refreshed_at FROM stats_stored_state").fetchall()
        project.analyze()
        assert stored.current(con) and stored.load(con)["authors"] == -2
        assert con.execute("SELECT refreshed_at FROM stats_stored_state").fetchall() != before
    finally:
        project.close()


def test_stale_figures_are_not_read(copy: Path) -> None:
    """Figures left from an older refresh are not read: the statistics read rows again (and, when
    the database is writable, store the figures anew)."""
    project = Project(copy)
    try:
        con = project.con
        con.execute("UPDATE stats_figures SET value = -1 WHERE name = 'authors'")
        con.execute("UPDATE stats_stored_state SET refreshed_at = refreshed_at - INTERVAL 1 DAY")
        assert not stored.current(con)
        volumes = compute_stats(project.store, {"volumes"})["volumes"]
        assert volumes["unique_authors"] > 0 and stored.current(con)
        assert stored.load(con)["authors"] == volumes["unique_authors"]
    finally:
        project.close()


def _poison(folder: Path, sections: list[str] | None = None) -> None:
    """Replace the cached text, keeping its stamp: served back only when the cache is hit."""
    path = ResultCache(folder, version.named("stats", sections)).path
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["text"] = MARK
    path.write_text(json.dumps(saved), encoding="utf-8")


def _stats(folder: Path, *args: str) -> str:
    return Cli()("stats", folder, *args, "--json").stdout


def test_cached_result_is_served_until_anything_changes(copy: Path, tmp_path: Path) -> None:
    cli = Cli()
    first = _stats(copy)
    assert (copy / ".antena" / "cache" / "stats.json").exists()
    assert _stats(copy) == first
    _poison(copy)
    assert _stats(copy) == MARK  # unchanged project: the cache answers

    # a setting
    config = copy / "antena.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[evidence]\nmin_posts_share = 31\n", encoding="utf-8")
    changed = _stats(copy)
    assert changed != MARK and json.loads(changed)["evidence"]["min_posts_share"] == 31

    # an import
    _poison(copy)
    path = tmp_path / "one.jsonl"
    path.write_text('{"id": "late-3", "text": "otra publicación sobre la Alerta Amber en Monterrey", '
                    '"created_at": "2017-05-15T12:00:00Z", "author": "x1", "platform": "x"}\n', encoding="utf-8")
    cli("import", copy, path)
    imported = _stats(copy)
    assert imported != MARK and json.loads(imported)["corpus"]["posts"] == json.loads(changed)["corpus"]["posts"] + 1

    # an analysis
    _poison(copy)
    cli("analyze", copy)
    assert _stats(copy) != MARK

    # reference labels (antena sample import)
    _poison(copy)
    from antena.analytics.perception import draw_reference_sample
    from antena.store import reference

    project = Project(copy)
    try:
        rows = draw_reference_sample(project.store, "sentiment", 5)
        reference.add(project.con, [{"post_id": r["post_id"], "task": "sentiment", "target": None,
                                     "label": "negative"} for r in rows], "analyst")
    finally:
        project.close()
    labelled = _stats(copy)
    assert labelled != MARK

    # the pseudonymisation key
    _poison(copy)
    (copy / ".antena" / "secret.key").write_bytes(b"k" * 32)
    assert _stats(copy) != MARK

    # Antena's code or a computing library
    _poison(copy)
    saved = version._code
    try:
        version._code = ["another build"]
        assert _stats(copy) != MARK
    finally:
        version._code = saved


def test_sections_are_cached_apart(copy: Path) -> None:
    whole = _stats(copy)
    part = _stats(copy, "--section", "volumes")
    assert part != whole and set(json.loads(part)) < set(json.loads(whole))
    _poison(copy, ["volumes"])
    assert _stats(copy, "--section", "volumes") == MARK
    assert _stats(copy) == whole


def test_nothing_is_cached_when_the_database_changed_during_the_run(copy: Path) -> None:
    """A result is kept only for the version it was computed on."""
    cache = ResultCache(copy, "stats")
    stamp = cache.stamp()
    (copy / "antena.toml").write_text((copy / "antena.toml").read_text(encoding="utf-8") + "\n# edited\n",
                                      encoding="utf-8")
    cache.put(stamp, "old")
    assert not cache.path.exists() and cache.get() is None
    cache.put(cache.stamp(), "new")
    assert cache.get() == "new"


def test_the_stamped_files_are_the_projects() -> None:
    from antena.config import CONFIG_NAME
    from antena.store.database import DB_NAME, SECRET_DIR, SECRET_NAME

    assert version.STAMPED == (DB_NAME, DB_NAME + ".wal", CONFIG_NAME, f"{SECRET_DIR}/{SECRET_NAME}")
    assert version.CACHE_DIR.startswith(SECRET_DIR + "/")  # git-ignored with the secret


def test_commands_loaded_alone_are_defined_in_their_module() -> None:
    from antena.cli import ALONE, app

    where = {(c.name or c.callback.__name__).replace("_", "-"): c.callback.__module__ for c in app.registered_commands}
    for command, module in ALONE.items():
        assert where[command] == f"antena.cli.{module}"


def test_a_cached_answer_loads_neither_duckdb_nor_the_analytics(copy: Path) -> None:
    _stats(copy)
    code = ("import sys\nsys.argv = ['antena', 'stats', sys.argv[1], '--json']\nfrom antena.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('duckdb', 'antena.analytics', 'antena.project', 'sklearn', 'statsmodels')"
            " if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(copy)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert json.loads(done.stdout)["project"]
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_kept_campaigns_are_read_only_under_the_same_settings(copy: Path) -> None:
    """A campaign edited in antena.toml after the analysis is measured again, not read back."""
    project = Project(copy)
    try:
        kept = stored.load(project.con)
        assert stored.campaigns(kept, project.config) == kept["campaigns"][1]
        before = compute_stats(project.store, {"campaigns"})["campaigns"]
    finally:
        project.close()
    config = copy / "antena.toml"
    text = config.read_text(encoding="utf-8")
    assert "after_days = " in text
    config.write_text(text.replace("after_days = ", "after_days = 1", 1), encoding="utf-8")  # e.g. 30 -> 130
    project = Project(copy)
    try:
        assert stored.campaigns(stored.load(project.con), project.config) is None
        after = compute_stats(project.store, {"campaigns"})["campaigns"]
        rows = compute_stats(project.store, {"campaigns"}, source="rows")["campaigns"]
    finally:
        project.close()
    assert after[0]["windows"]["after"] != before[0]["windows"]["after"]
    same(after, rows)


def test_a_cache_that_cannot_be_written_is_only_skipped(tmp_path: Path) -> None:
    (tmp_path / ".antena").mkdir()
    (tmp_path / ".antena" / "cache").write_text("not a folder", encoding="utf-8")
    cache = ResultCache(tmp_path, "stats")
    cache.put(cache.stamp(), "text")
    assert cache.get() is None


def test_sampled_words_are_the_same_on_every_run(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``TERM_SAMPLE`` posts the words are counted on a sample chosen by post id: every copy
    of the working set gives the same estimates (so stored words equal fresh ones), close to the
    exact counts."""
    import importlib

    hashtags = importlib.import_module("antena.analytics.hashtags")
    project = Project(demo, read_only=True)
    try:
        with materialised_working_set(project.store) as scope:
            exact = {r["term"]: r["posts"] for r in hashtags.terms(project.con, scope)}
        monkeypatch.setattr(hashtags, "TERM_SAMPLE", 400)
        runs = []
        for _ in range(3):
            with materialised_working_set(project.store) as scope:
                runs.append(hashtags.terms(project.con, scope))
    finally:
        project.close()
    assert runs[0] == runs[1] == runs[2]
    assert all(r.get("estimated") for r in runs[0])
    top = runs[0][0]
    assert top["term"] in exact and abs(top["posts"] - exact[top["term"]]) <= 0.35 * exact[top["term"]]
