"""The vectorised import of tabular formats stores exactly what the per-record path stores."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES
from .test_vectorised_import import assert_same, small_chunks  # noqa: F401 - a fixture


def test_the_crowdtangle_fixtures_store_the_same_rows_both_ways(tmp_path, small_chunks):  # noqa: F811
    fixtures = sorted((FIXTURES / "sources" / "crowdtangle_csv").iterdir())
    assert fixtures
    for fixture in fixtures:
        assert_same(tmp_path / fixture.name, [fixture], format_name="crowdtangle_csv")
