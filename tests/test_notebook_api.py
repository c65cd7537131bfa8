"""The notebook API: ``antena.open(DIR)`` and queries returning Arrow, polars and pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import antena
from antena.errors import QuerySyntaxError
from tests.conftest import FIXTURES, Cli

FIXTURE = FIXTURES / "query" / "x_v2_es.jsonl"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nb") / "proj"
    cli = Cli()
    cli("init", path)
    cli("import", path, FIXTURE, "--json")
    return path


@pytest.fixture
def project(folder: Path):
    with antena.open(folder) as proj:
        yield proj


def test_open_returns_a_project(project: antena.Project, folder: Path) -> None:
    assert isinstance(project, antena.Project)
    assert project.folder == folder


def test_posts_returns_arrow_in_time_order(project: antena.Project) -> None:
    table = project.posts("secuestr* OR robo")
    assert isinstance(table, pa.Table)
    assert table.column("native_id").to_pylist() == [
        "1910000000000000002", "1910000000000000008", "1910000000000000006", "1910000000000000011"]
    assert pa.types.is_timestamp(table.schema.field("created_at").type)
    assert project.count("secuestr* OR robo") == 4


def test_posts_without_query_columns_and_limit(project: antena.Project) -> None:
    assert project.posts().num_rows == project.count() == 11  # the deleted tweet is left out
    assert project.posts(include_deleted=True).num_rows == 12
    small = project.posts("lang:es", columns=["post_id", "text"], limit=3)
    assert small.schema.names == ["post_id", "text"] and small.num_rows == 3


def test_to_polars_and_to_pandas(project: antena.Project) -> None:
    frame = project.to_polars("#AlertaAmber")
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 2
    assert frame["hashtags"].to_list() == [["alertaamber"], ["alertaamber"]]
    pandas = project.to_pandas("lang:en")
    assert isinstance(pandas, pd.DataFrame)
    assert sorted(pandas["text"].str[:7]) == ["Kidnapp", "Missing"]
    assert str(pandas["created_at"].dt.tz) in ("UTC", "Etc/UTC")


def test_relevant_working_set(project: antena.Project) -> None:
    scoped = project.to_polars(in_scope=True)
    assert scoped.height == 9
    assert "robot" not in " ".join(scoped["text"].to_list())
    assert project.count("lang:en", in_scope=True) == 2
    condition, params = project.store.scope_condition()
    assert condition.count("?") == len(params) and len(params) > 2


def test_query_errors_raise_with_column(project: antena.Project) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        project.posts("niño AND")
    assert info.value.column == 9 and info.value.query == "niño AND"


def test_export_from_the_api(project: antena.Project, tmp_path: Path) -> None:
    out = tmp_path / "api.parquet"
    report = project.export(out, query="lang:es", in_scope=True)
    assert report["rows"] == 7 and report["format"] == "parquet"
    assert pl.read_parquet(out)["lang"].unique().to_list() == ["es"]
