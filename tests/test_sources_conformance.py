"""One conformance suite over every registered source (like scikit-learn's estimator checks).

For each source: its own small fixtures in tests/fixtures/sources/<name>/ and the real samples
in ../shared/formats named by its ``shared_samples`` are imported through the real CLI into a
real DuckDB project. Counts must reconcile, re-import must store nothing new, required fields
must be filled, detection must pick the source, ``map`` must be pure, and ``remap`` must
rebuild the same posts.
"""

from __future__ import annotations

import copy
import glob
from pathlib import Path

import pytest

from antena import registry
from antena.project import Project
from antena.schema import KINDS
from antena.store.files import InputFile, detect_format

from .conftest import FIXTURES, SHARED

SOURCES = sorted(registry.sources())
COUNT_KEYS = ("read", "stored", "updated", "duplicates", "quarantined")


def fixture_files(name: str) -> list[Path]:
    folder = FIXTURES / "sources" / name
    return sorted(p for p in folder.glob("*") if p.is_file() and not p.name.startswith("bad_"))


def shared_files(name: str) -> list[Path]:
    cls = registry.sources()[name]
    found: list[Path] = []
    for pattern in cls.shared_samples:
        found.extend(Path(p) for p in sorted(glob.glob(str(SHARED / "formats" / pattern))))
    return found


def reconcile(result: dict) -> None:
    assert result["read"] == sum(result[k] for k in COUNT_KEYS[1:]), result
    for f in result["files"]:
        assert f["read"] == sum(f[k] for k in COUNT_KEYS[1:]), f


def test_every_source_declares_metadata():
    for name, cls in registry.sources().items():
        assert cls.name == name
        assert cls.platform, f"{name} declares no platform"
        assert cls.title, f"{name} declares no title"
        assert cls.__doc__ or cls.__module__ and __import__(cls.__module__, fromlist=["x"]).__doc__


@pytest.mark.parametrize("name", SOURCES)
def test_fixtures_import_reconcile_and_are_idempotent(name, cli, project_dir):
    files = fixture_files(name)
    assert files, f"source {name} has no fixtures in tests/fixtures/sources/{name}/"
    first = cli.json("import", project_dir, *files, "--format", name)
    reconcile(first)
    assert first["stored"] > 0, first
    second = cli.json("import", project_dir, *files, "--format", name)
    reconcile(second)
    assert second["stored"] == 0 and second["updated"] == 0, second
    assert second["duplicates"] == first["stored"] + first["updated"], (first, second)


@pytest.mark.parametrize("name", SOURCES)
def test_fixtures_are_detected(name):
    for path in fixture_files(name):
        assert detect_format(InputFile(str(path), path)) == name, path


@pytest.mark.parametrize("name", SOURCES)
def test_required_fields_are_filled(name, project):
    project.import_files(fixture_files(name), format_name=name)
    rows = project.con.execute(
        "SELECT post_id, platform, native_id, kind, created_at, deleted, withheld, text, source_file,"
        " source_line, author_id, author_handle FROM posts"
    ).fetchall()
    assert rows
    for pid, platform, native_id, kind, created, deleted, withheld, text, src, line, _author, handle in rows:
        assert pid == f"{platform}:{native_id}"
        assert kind in KINDS
        assert src and line is not None and line >= 0
        assert handle is None, "handles must not be kept by default"
        if deleted or withheld:
            assert text is None
        else:
            assert created is not None, pid
    with_text = [r for r in rows if r[7]]
    assert with_text, "no post has text"
    assert any(r[10] for r in rows), "no post has a pseudonymous author"


@pytest.mark.parametrize("name", SOURCES)
def test_map_is_pure(name, project):
    project.import_files(fixture_files(name), format_name=name)
    source = registry.get_source(name)
    import orjson

    for (payload,) in project.con.execute("SELECT payload FROM raw_records WHERE payload IS NOT NULL LIMIT 50").fetchall():
        raw = orjson.loads(payload)
        before = copy.deepcopy(raw)
        first, second = source.map(raw), source.map(raw)
        assert raw == before, "map must not mutate its input"
        assert type(first) is type(second)
        if hasattr(first, "fields"):
            assert first.fields == second.fields


@pytest.mark.parametrize("name", SOURCES)
def test_remap_rebuilds_the_same_posts(name, project):
    project.import_files(fixture_files(name), format_name=name)
    before = project.con.execute("SELECT post_id, text, kind FROM posts ORDER BY post_id").fetchall()
    project.remap()
    after = project.con.execute("SELECT post_id, text, kind FROM posts ORDER BY post_id").fetchall()
    assert before == after


@pytest.mark.parametrize("name", SOURCES)
def test_shared_samples_import(name, cli, project_dir):
    if not (SHARED / "formats").exists():
        pytest.skip("../shared/formats not available")
    files = shared_files(name)
    if not files:
        pytest.skip(f"{name} has no public samples")
    result = cli.json("import", project_dir, *files, "--format", name, expect=None)
    reconcile(result)
    assert result["stored"] + result["updated"] > 0, result
    again = cli.json("import", project_dir, *files, "--format", name, expect=None)
    assert again["stored"] == 0 and again["updated"] == 0
    for path in files:
        detected = detect_format(InputFile(str(path), path))
        assert detected == name, f"{path.name} detected as {detected}"
    Project(project_dir).close()
