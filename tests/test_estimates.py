"""Estimated shares: PPI intervals cover the true share when the fast model is biased."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antena.analytics.estimates import (
    METHOD_MODEL,
    METHOD_PPI,
    estimate_share,
    model_share,
    ppi_mean,
    sample_cost,
    sample_size,
)

CLASSES = ("negative", "neutral", "positive")
# rows: true class, columns: the fast model's label; neutral posts are often called negative,
# so the model overstates the negative share by about 6 points
BIASED = np.array([[0.75, 0.20, 0.05],
                   [0.25, 0.60, 0.15],
                   [0.05, 0.25, 0.70]])


def _population(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    truth = rng.choice(3, size=n, p=shares)
    u = rng.random(n)
    cum = BIASED.cumsum(axis=1)[truth]
    fast = (u[:, None] > cum).sum(axis=1)
    return np.array(CLASSES, dtype=object)[truth], np.array(CLASSES, dtype=object)[fast]


def test_intervals_cover_the_true_share_when_the_model_is_biased() -> None:
    rng = np.random.default_rng(20231)
    runs, n_posts, n_sample = 1000, 4000, 400
    shares = (0.30, 0.50, 0.20)
    covered = dict.fromkeys(CLASSES, 0)
    naive_covered = dict.fromkeys(CLASSES, 0)
    widths = []
    for _ in range(runs):
        truth, fast = _population(rng, n_posts, shares)
        idx = rng.choice(n_posts, size=n_sample, replace=False)
        est = estimate_share(fast, idx, truth[idx], CLASSES)
        for c in CLASSES:
            true_share = float(np.mean(truth == c))
            e = est[c]
            assert e.method == METHOD_PPI and e.n_sample == n_sample
            covered[c] += e.low <= true_share <= e.high
            m = model_share(int(np.sum(fast == c)), n_posts)
            naive_covered[c] += m.low <= true_share <= m.high
            widths.append(e.high - e.low)
    for c in CLASSES:
        assert 0.93 <= covered[c] / runs <= 0.97, (c, covered[c] / runs)
    # the model's own counts with a Wilson interval miss the biased shares nearly always
    assert naive_covered["negative"] / runs < 0.05
    # and the corrected interval is still useful: under +-5 points with 400 labels
    assert max(widths) / 2 < 0.05


def test_ppi_leans_on_a_good_model_and_beats_the_sample_alone() -> None:
    rng = np.random.default_rng(7)
    truth = (rng.random(20000) < 0.3).astype(float)
    fast = np.where(rng.random(20000) < 0.95, truth, 1 - truth)  # 95% agreement
    idx = rng.choice(20000, 300, replace=False)
    mask = np.ones(20000, bool)
    mask[idx] = False
    est, low, high = ppi_mean(fast[mask], fast[idx], truth[idx])
    classical_half = 1.96 * np.sqrt(truth[idx].var(ddof=1) / 300)
    assert (high - low) / 2 < 0.7 * classical_half
    assert low <= truth.mean() <= high


def test_without_a_sample_the_model_count_is_returned_and_named() -> None:
    est = estimate_share(["negative", "positive", None, "negative"], [], [], CLASSES)
    assert est["negative"].method == METHOD_MODEL
    assert est["negative"].share == 0.5 and est["neutral"].share == 0.0
    assert est["negative"].low < 0.5 < est["negative"].high


def test_bad_samples_are_refused() -> None:
    with pytest.raises(ValueError, match="reference labels"):
        estimate_share(["a", "b"], [0, 1], ["a"], ["a", "b"])
    with pytest.raises(ValueError, match="repeat"):
        estimate_share(["a", "b", "a"], [0, 0], ["a", "a"], ["a", "b"])


def test_sample_size_follows_the_precision() -> None:
    assert sample_size(0.03) == 1068  # 1.96^2 / 4 / 0.03^2
    assert sample_size(0.05) == 385
    assert sample_size(0.03, disagreement=0.1) < sample_size(0.03)
    assert sample_size(0.03, disagreement=0.9) == sample_size(0.03)
    with pytest.raises(ValueError):
        sample_size(3)
    cost = sample_cost(1068, posts_per_second=80)
    assert cost["model_seconds"] == pytest.approx(13.35) and cost["analyst_hours"] == pytest.approx(2.967, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=5, max_size=60), st.integers(0, 2**32 - 1))
def test_shares_are_bounded_and_exact_when_everything_is_labelled(labels: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    fast = list(rng.permutation(labels))
    est = estimate_share(fast, list(range(len(labels))), labels, ["a", "b", "c"])
    for c in "abc":
        assert est[c].share == pytest.approx(labels.count(c) / len(labels))
        assert 0.0 <= est[c].low <= est[c].high <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["negative", "neutral", "positive", None]), min_size=2, max_size=80),
       st.integers(min_value=0, max_value=80), st.randoms(use_true_random=False))
def test_estimates_from_counts_equal_those_from_every_post(fast: list, n_sample: int, rnd) -> None:
    """What the statistics compute from the aggregates' counts and the sample's rows equals
    ``estimate_share`` over every post's label."""
    from collections import Counter

    from antena.analytics.estimates import estimate_share_counts

    idx = rnd.sample(range(len(fast)), min(n_sample, len(fast)))
    ref = [rnd.choice(CLASSES) for _ in idx]
    counts = Counter(f for f in fast if f is not None)
    full = estimate_share(fast, idx, ref, CLASSES)
    from_counts = estimate_share_counts(dict(counts), len(fast), [fast[i] for i in idx], ref, CLASSES)
    for c in CLASSES:
        a, b = full[c], from_counts[c]
        assert (a.method, a.n, a.n_sample) == (b.method, b.n, b.n_sample)
        for x, y in ((a.share, b.share), (a.low, b.low), (a.high, b.high), (a.model_share, b.model_share)):
            assert (x is None and y is None) or abs(x - y) <= 1e-9


def test_labels_needed_for_three_points_scale_with_the_sample_and_cap_at_the_posts() -> None:
    from antena.report.estimate_methods import labels_needed

    assert labels_needed({"method": "model", "shares": {}}, 100_000) == sample_size(0.03)
    assert labels_needed({"method": "model", "shares": {}}, 300) == 300
    ppi = {"method": "ppi", "n_sample": 100, "shares": {"a": {"low": 0.2, "high": 0.32}, "b": {"low": 0.5, "high": 0.56}}}
    assert labels_needed(ppi, 100_000) == 400  # widest half-width 0.06 = twice 3 points: four times the sample
    narrow = {"method": "ppi", "n_sample": 500, "shares": {"a": {"low": 0.30, "high": 0.33}}}
    assert labels_needed(narrow, 100_000) <= 500


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["negative", "neutral", "positive", None]), min_size=3, max_size=80),
       st.integers(min_value=2, max_value=80), st.randoms(use_true_random=False))
def test_net_from_counts_equals_ppi_over_every_post(fast: list, n_sample: int, rnd) -> None:
    """The report's net sentiment (PPI on +1/0/-1 from the aggregates' counts) equals ``ppi_mean``
    over every post's value."""
    from collections import Counter

    from antena.analytics.perception import net_estimate

    idx = rnd.sample(range(len(fast)), min(n_sample, len(fast) - 1))
    if len(idx) < 2:
        return
    ref = [rnd.choice(CLASSES) for _ in idx]
    value = {"positive": 1.0, "negative": -1.0}
    f_all = np.array([value.get(f, 0.0) for f in fast])
    mask = np.ones(len(fast), dtype=bool)
    mask[idx] = False
    est, low, high = ppi_mean(f_all[mask], f_all[idx], np.array([value.get(r, 0.0) for r in ref]))
    got = net_estimate(dict(Counter(f for f in fast if f is not None)), len(fast), [fast[i] for i in idx], ref)
    assert abs(got["net"] - est) <= 1e-9
    assert abs(got["low"] - max(-1.0, low)) <= 1e-9 and abs(got["high"] - min(1.0, high)) <= 1e-9
