"""The analysis engines: incremental local runs, version bumps, and Spark giving the same results."""

from __future__ import annotations

import shutil

import pytest

from antena.nlp.topics import Topics
from antena.project import Project

from .conftest import FIXTURES

PAGE = FIXTURES / "sources" / "twitter_v2" / "page.jsonl"
RULES_ONLY = '["normalise", "language", "relevance", "topics", "awareness"]'


def rules_only(folder):
    path = folder / "antena.toml"
    text = path.read_text()
    start = text.index("analysers = [")
    end = text.index("]", start) + 1
    path.write_text(text[:start] + "analysers = " + RULES_ONLY + text[end:])


def results(folder):
    with Project(folder) as project:
        rows = project.analysis(limit=None).select(
            ["post_id", "text_norm", "language", "relevant", "relevance_score", "topics", "awareness_programmes"]
        ).to_pylist()
    return sorted(rows, key=lambda r: r["post_id"])


def test_analyze_is_incremental_and_idempotent(cli, project_dir):
    rules_only(project_dir)
    cli("import", project_dir, PAGE)
    first = cli.json("analyze", project_dir)
    assert first["analysed"] == 4  # the tombstone of a deleted tweet is not analysed
    assert cli.json("analyze", project_dir)["analysed"] == 0
    rows = results(project_dir)
    assert rows[0]["language"] == "es" and rows[0]["relevant"] is True


def test_version_bump_reanalyses_and_drops_old_results(cli, project_dir, monkeypatch):
    rules_only(project_dir)
    cli("import", project_dir, PAGE)
    cli.json("analyze", project_dir)
    with Project(project_dir) as project:
        before = project.con.execute("SELECT count(*) FROM ann_normalise").fetchone()[0]
    monkeypatch.setattr(Topics, "version", "99")
    assert cli.json("analyze", project_dir)["analysed"] == 4
    with Project(project_dir) as project:
        versions = project.con.execute("SELECT DISTINCT version FROM ann_topics").fetchall()
        assert project.con.execute("SELECT count(*) FROM ann_normalise").fetchone()[0] == before
    assert versions == [("99",)]
    rows = results(project_dir)
    assert rows[0]["topics"] == ["kidnapping"] and rows[0]["language"] == "es"


def test_only_stale_analysers_and_their_dependants_rerun(project_dir, cli, monkeypatch):
    """A new version of one analyser reruns it and the analysers reading its columns, no others."""
    from antena.engine.local import effective_stale
    from antena.nlp.normalise import Normalise

    rules_only(project_dir)
    cli("import", project_dir, PAGE)
    cli.json("analyze", project_dir)
    with Project(project_dir) as project:
        chain = project.pipeline()
    names = [a.name for a in chain]
    stale = effective_stale(chain, "".join("1" if n == "normalise" else "0" for n in names))
    assert dict(zip(names, stale, strict=True)) == {
        "normalise": True, "language": False, "relevance": True, "topics": True, "awareness": False}
    monkeypatch.setattr(Normalise, "version", "9")
    assert cli.json("analyze", project_dir)["analysed"] == 4
    with Project(project_dir) as project:
        assert project.con.execute("SELECT DISTINCT version FROM ann_normalise").fetchall() == [("9",)]
        assert project.con.execute("SELECT count(*) FROM ann_language").fetchone()[0] == 4
    assert results(project_dir)[0]["relevant"] is True


def test_unknown_analyser_is_a_clear_error(cli, project_dir):
    path = project_dir / "antena.toml"
    path.write_text(path.read_text().replace('analysers = ["normalise"', 'analysers = ["nonsense", "normalise"', 1))
    result = cli("analyze", project_dir, expect=2)
    assert "nonsense" in result.output


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_engine_gives_the_local_results(cli, tmp_path):
    pytest.importorskip("pyspark")
    folders = []
    for engine in ("local", "spark"):
        folder = tmp_path / engine
        cli("init", folder)
        rules_only(folder)
        cli("import", folder, PAGE)
        report = cli.json("analyze", folder, "--engine", engine)
        assert report["engine"] == engine and report["analysed"] == 4
        folders.append(folder)
    assert results(folders[0]) == results(folders[1])


def analysis_rows(folder):
    """Every column of the ``analysis`` view, one dict per post, by post id."""
    with Project(folder) as project:
        rows = project.analysis(limit=None).to_pylist()
    return {row["post_id"]: row for row in rows}


def assert_close(a, b, path):
    """Equal, floats within 1e-6 (the engines run the same functions on other batches)."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and abs(a - b) <= 1e-6, f"{path}: {a} vs {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def forget_results(folder, where="TRUE"):
    """Delete the stored results (of the posts matching ``where``) from every analyser's table."""
    with Project(folder) as project:
        tables = project.con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ann_%'").fetchall()
        for (name,) in tables:
            project.con.execute(f"DELETE FROM {name} WHERE {where}")  # noqa: S608 - names from the catalogue


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_engine_gives_the_local_results_of_the_whole_pipeline(cli, tmp_path):
    """The default pipeline (every analyser, packaged models) on a small demo: the Spark engine at
    ``local[2]`` stores the local engine's results, counts exact and scores within 1e-6; an edited
    post is analysed again and replaces its old rows."""
    pytest.importorskip("pyspark")
    local = tmp_path / "local"
    cli.json("demo", local, "--scale", "0.01", "--seed", "5")  # imported and analysed locally
    spark = tmp_path / "spark"
    shutil.copytree(local, spark)
    forget_results(spark)
    report = cli.json("analyze", spark, "--engine", "spark", "--spark-master", "local[2]")
    expected, got = analysis_rows(local), analysis_rows(spark)
    assert report["engine"] == "spark" and report["analysed"] == len(expected) > 500
    assert expected.keys() == got.keys()
    for post_id, row in expected.items():
        assert_close(row, got[post_id], post_id)
    with Project(spark) as project:  # one row per post and analyser
        for analyser in project.pipeline():
            table = f"ann_{analyser.name}"
            assert project.con.execute(f"SELECT count(*), count(DISTINCT post_id) FROM {table}").fetchone() == (  # noqa: S608
                len(expected), len(expected))
        # an edit: the stored results of two posts no longer match their content
        project.con.execute("UPDATE ann_sentiment SET content_hash = 'edited' WHERE post_id IN"
                            " (SELECT post_id FROM ann_sentiment ORDER BY post_id LIMIT 2)")
    again = cli.json("analyze", spark, "--engine", "spark", "--spark-master", "local[1]")
    assert again["analysed"] == 2 and again["already_current"] == len(expected) - 2
    with Project(spark) as project:
        assert project.con.execute("SELECT count(*), count(DISTINCT post_id) FROM ann_sentiment"
                                   " WHERE content_hash = 'edited'").fetchone() == (0, 0)
        assert project.con.execute("SELECT count(*) FROM ann_sentiment").fetchone()[0] == len(expected)
    got = analysis_rows(spark)
    for post_id, row in expected.items():
        assert_close(row, got[post_id], post_id)


def test_relevance_query_with_author_field_and_missing_columns(cli, project_dir):
    import pyarrow as pa

    from antena.nlp.relevance import Relevance

    analyser = Relevance(query='author:a_123 OR #alertaamber OR "robo de niños"')
    batch = pa.RecordBatch.from_pylist([{"post_id": "x:1", "text": "Robo de niños en Puebla"}])
    out = analyser(batch).to_pylist()
    assert out[0]["query_match"] is True


def test_gexf_export(cli, project_dir, tmp_path):
    cli("import", project_dir, PAGE)
    result = cli.json("export", project_dir, "--format", "gexf", "--out", tmp_path / "net.gexf")
    text = (tmp_path / "net.gexf").read_text()
    assert result["rows"] >= 2 and "<gexf" in text and "@fgrmexico" in text
    tags = cli.json("export", project_dir, "--out", tmp_path / "tags.gexf", "--graph", "hashtags")
    assert tags["format"] == "gexf"


def test_results_joined_in_parts_equal_one_join(cli, project_dir, monkeypatch):
    """``analysis_results`` built in hash parts (as at a million posts) holds the same rows."""
    from antena.engine import local

    rules_only(project_dir)
    cli("import", project_dir, PAGE)
    cli.json("analyze", project_dir)
    whole = results(project_dir)
    monkeypatch.setattr(local, "RESULTS_PART", 1)  # one part per post
    with Project(project_dir) as project:
        local.create_analysis_view(project.con, project.pipeline())
        assert project.con.execute("SELECT count(*), count(DISTINCT post_id) FROM analysis_results").fetchone() == (4, 4)
    assert results(project_dir) == whole and len(whole) == 4


def test_an_edited_post_is_reanalysed_with_one_current_row(cli, project_dir, tmp_path):
    """The edit changes the post's content hash: its old row (same analyser version) is replaced,
    while the other posts' rows are left alone (the per-chunk DELETE runs only when needed)."""
    rules_only(project_dir)
    cli("import", project_dir, PAGE)
    cli.json("analyze", project_dir)
    edited = tmp_path / "edited.jsonl"
    line = PAGE.read_text(encoding="utf-8").splitlines()[1]
    edited.write_text(line.replace("Missing child alert in San Diego", "Niño desaparecido en San Diego")
                      .replace('"edit_history_tweet_ids":["1900000000000000004"]',
                               '"edit_history_tweet_ids":["1900000000000000004","1900000000000000014"]')
                      .replace('"id":"1900000000000000004"', '"id":"1900000000000000014"', 1) + "\n",
                      encoding="utf-8")
    cli("import", project_dir, edited)
    assert cli.json("analyze", project_dir)["analysed"] == 1
    with Project(project_dir) as project:
        for table in ("ann_normalise", "ann_language", "ann_topics"):
            per_post = project.con.execute(
                f"SELECT post_id, count(*) FROM {table} GROUP BY post_id HAVING count(*) > 1").fetchall()  # noqa: S608
            assert per_post == [], table
            assert project.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 4  # noqa: S608
        text = project.con.execute(
            "SELECT a.text_norm FROM ann_normalise a JOIN live_posts p USING (post_id, content_hash)"
            " WHERE p.native_id = '1900000000000000004'").fetchall()
    assert len(text) == 1 and "desaparecido" in text[0][0]
    assert cli.json("analyze", project_dir)["analysed"] == 0


def test_local_java_options_only_for_a_local_master(monkeypatch):
    from antena.engine.spark import LOCAL_JAVA_OPTIONS, local_java_options

    monkeypatch.delenv("ANTENA_SPARK_JAVA_OPTIONS", raising=False)
    assert local_java_options("local[2]") == local_java_options("local") == LOCAL_JAVA_OPTIONS
    assert local_java_options("yarn") == local_java_options("spark://host:7077") == ""
    monkeypatch.setenv("ANTENA_SPARK_JAVA_OPTIONS", "")  # the JVM's defaults
    assert local_java_options("local[1]") == ""
    monkeypatch.setenv("ANTENA_SPARK_JAVA_OPTIONS", "-Xss4m")
    assert local_java_options("local[*]") == "-Xss4m"
