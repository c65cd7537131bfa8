"""The statistics' own numerics (Wilson intervals, OLS with Newey-West errors, the quotes' hashed
n-grams) give what statsmodels and scikit-learn give, so ``antena stats`` need not load them."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antena.analytics.base import wilson
from antena.analytics.impact import durbin_watson, ols_fit
from antena.nlp.textutil import fold

quotes = importlib.import_module("antena.analytics.quotes")


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=5_000_000), st.floats(min_value=0, max_value=1))
def test_wilson_is_statsmodels_wilson(n: int, part: float) -> None:
    from statsmodels.stats.proportion import proportion_confint

    k = round(n * part)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson(k, n) == (max(0.0, float(low)), min(1.0, float(high)))


@pytest.mark.parametrize("hac", [None, 7])
def test_ols_gives_statsmodels_numbers(hac: int | None) -> None:
    import statsmodels.api as sm
    from statsmodels.stats.stattools import durbin_watson as sm_dw

    rng = np.random.default_rng(7)
    for _ in range(40):
        n, k = int(rng.integers(15, 90)), int(rng.integers(2, 9))
        x = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
        y = x @ rng.normal(size=k) + rng.normal(size=n) * rng.uniform(0.1, 3)
        ref = sm.OLS(y, x).fit() if hac is None else sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": hac})
        mine = ols_fit(x, y, hac)
        assert np.allclose(mine["params"], ref.params, rtol=1e-12, atol=1e-12)
        assert np.allclose(mine["conf_int"], ref.conf_int(0.05), rtol=1e-12, atol=1e-12)
        assert np.allclose(mine["pvalues"], ref.pvalues, rtol=1e-10, atol=1e-14)
        assert abs(durbin_watson(mine["resid"]) - float(sm_dw(ref.resid))) < 1e-12


TEXTS = ["Niña desaparecida en Monterrey, #AlertaAmber activada: ayuda a difundir https://t.co/x",
         "ÀÉ ñandú  x 日本語のテキスト ab", "a b c", "", "hello hello hello world", "😀 emoji 😀 test-case_under",
         "la PGR no hizo nada, otra vez nada de nada", "Amber alert issued for a 7 year old boy in Texas"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=8))
def test_hashed_ngrams_are_scikit_learns(extra: list[str]) -> None:
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = [fold(t) for t in TEXTS + extra]
    matrix = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**18, alternate_sign=False,
                               norm="l2").transform(texts)
    for i, text in enumerate(texts):
        row = matrix.getrow(i)
        row.sort_indices()
        cols, values = quotes._vector(text)
        assert cols.tolist() == row.indices.tolist()
        assert np.allclose(values, row.data, rtol=0, atol=1e-15)


def test_statistics_modules_do_not_load_scikit_learn_or_statsmodels() -> None:
    code = ("import sys; import antena.cli.stats, antena.analytics, antena.analytics.quotes, antena.analytics.impact;"
            " print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'statsmodels', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
