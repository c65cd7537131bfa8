"""The statistics' Wilson interval is written out (importing statsmodels.stats.proportion loads
scipy.stats: about 2 s of every `antena stats`); it must give statsmodels' numbers exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from antena.analytics.base import wilson


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5_000_000), st.floats(min_value=0, max_value=1))
def test_wilson_is_statsmodels_wilson(n: int, part: float) -> None:
    from statsmodels.stats.proportion import proportion_confint

    k = round(n * part)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson(k, n) == (max(0.0, float(low)), min(1.0, float(high)))


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (None, None)
    low, high = wilson(1, 1)
    assert 0.2 < low < 0.21 and high == 1.0
