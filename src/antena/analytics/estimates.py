"""Shares with honest intervals: a fast model on every post, corrected by a random labelled sample.

A share counted from a model's labels carries the model's bias (a model that calls 40% of posts
negative when 30% are is wrong by 10 points, and a Wilson interval of the count does not know).
Prediction-powered inference (PPI; Angelopoulos et al., Science 2023; PPI++ power tuning,
Angelopoulos, Duchi and Zrnic 2023) fixes it with reference labels (the analyst's, or an accurate
model's) on a *uniformly random* sample of the same posts:

    share = lambda * mean(fast == c over the unlabelled posts) + mean(ref == c - lambda * (fast == c) over the sample)

The second term measures and removes the fast model's bias; ``lambda`` (between 0 and 1, chosen
from the sample to minimise the variance) leans on the fast model as much as it agrees with the
reference. With ``lambda = 0`` it is the sample share alone (classical), so PPI is never much
worse than labelling the sample and ignoring the model. The 95% interval is the normal interval of
that estimate. Without a sample, ``model_share`` returns the model's count with a Wilson interval
and says so: the interval then covers sampling noise only, not the model's errors.

Sample sizes follow from the precision asked: ``sample_size(0.03)`` posts give a half-width of
at most 3 points whatever the model; a model that agrees with the reference more needs fewer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Z95 = 1.959963984540054

METHOD_PPI = "ppi"  # fast model on every post, bias corrected by a random reference sample
METHOD_MODEL = "model"  # the fast model's count; interval covers sampling noise only


@dataclass(frozen=True, slots=True)
class Estimate:
    """One share with its 95% interval and how it was obtained."""

    share: float | None
    low: float | None
    high: float | None
    method: str
    n: int  # posts (or mentions) the share is about
    n_sample: int = 0  # of which carry a reference label from the random sample
    model_share: float | None = None  # what the fast model alone counted (for comparison)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_share(successes: int, n: int, z: float = Z95) -> Estimate:
    """The fast model's count as a share, with a Wilson interval (sampling noise only)."""
    if n <= 0:
        return Estimate(None, None, None, METHOD_MODEL, 0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), METHOD_MODEL, n, 0, p)


def ppi_mean(fast_unlabelled: np.ndarray, fast_sample: np.ndarray, ref_sample: np.ndarray,
             z: float = Z95, tune: bool = True) -> tuple[float, float, float]:
    """PPI++ estimate of E[ref] with its normal ``z`` interval: (estimate, low, high).

    ``fast_unlabelled`` holds the fast model's values on the posts without a reference label,
    ``fast_sample`` and ``ref_sample`` the fast and reference values on the random sample.
    """
    f_u = np.asarray(fast_unlabelled, dtype=float)
    f_s = np.asarray(fast_sample, dtype=float)
    y_s = np.asarray(ref_sample, dtype=float)
    n, big_n = len(y_s), len(f_u)
    if n < 2:
        raise ValueError("PPI needs at least 2 reference labels")
    if big_n == 0:  # everything is labelled: the sample is the population
        m = float(y_s.mean())
        return m, m, m
    lam = 1.0
    if tune:
        var_f = float(np.var(np.concatenate([f_u, f_s]), ddof=1))
        cov = float(np.cov(y_s, f_s, ddof=1)[0, 1]) if n > 1 else 0.0
        lam = 0.0 if var_f <= 0 else min(1.0, max(0.0, cov / ((1 + n / big_n) * var_f)))
    rectifier = y_s - lam * f_s
    estimate = lam * float(f_u.mean()) + float(rectifier.mean())
    var = lam * lam * float(np.var(f_u, ddof=1)) / big_n if big_n > 1 else 0.0
    var += float(np.var(rectifier, ddof=1)) / n
    if var == 0.0 and 0 < estimate < 1:  # a sample too small to show any variation
        var = estimate * (1 - estimate) / n
    half = z * math.sqrt(max(var, 0.0))
    return estimate, estimate - half, estimate + half


def estimate_share(fast_labels: Sequence[Any] | np.ndarray, sample_idx: Sequence[int] | np.ndarray,
                   reference_labels: Sequence[Any] | np.ndarray, classes: Sequence[Any],
                   z: float = Z95) -> dict[Any, Estimate]:
    """The share of each class among all posts, with 95% intervals.

    ``fast_labels``: the fast model's label for every post (None for "uncertain" is allowed: it
    counts as no class). ``sample_idx``: positions (into ``fast_labels``) of a uniformly random
    sample; ``reference_labels``: the analyst's or accurate model's label for each of them.
    With fewer than 2 reference labels the model's counts are returned (method ``model``).
    """
    fast = np.asarray(fast_labels, dtype=object)
    idx = np.asarray(sample_idx, dtype=int)
    ref = np.asarray(reference_labels, dtype=object)
    if len(idx) != len(ref):
        raise ValueError(f"{len(idx)} sample positions but {len(ref)} reference labels")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("sample positions repeat: each post is labelled once")
    big_n = len(fast)
    out: dict[Any, Estimate] = {}
    if len(idx) < 2:
        for c in classes:
            out[c] = model_share(int(np.sum(fast == c)), big_n, z)
        return out
    mask = np.ones(big_n, dtype=bool)
    mask[idx] = False
    for c in classes:
        f_all = fast == c
        est, low, high = ppi_mean(f_all[mask], f_all[idx], ref == c, z)
        out[c] = Estimate(est, max(0.0, low), min(1.0, high), METHOD_PPI, big_n, len(idx),
                          float(f_all.mean()) if big_n else None)
    return out


def _binary_var(ones: int, n: int) -> float:
    """``np.var(x, ddof=1)`` of ``n`` values of which ``ones`` are 1 and the rest 0."""
    if n < 2:
        return 0.0
    mean = ones / n
    return (ones * (1 - mean) ** 2 + (n - ones) * mean * mean) / (n - 1)


def estimate_share_counts(counts: dict[Any, int], n: int, fast_sample: Sequence[Any],
                          reference_labels: Sequence[Any], classes: Sequence[Any],
                          z: float = Z95) -> dict[Any, Estimate]:
    """``estimate_share`` from what it needs rather than every post's label: ``counts`` (the fast
    model's posts per class among all ``n`` posts, uncertain or unlabelled ones in no class) and
    the random sample's fast and reference labels. The statistics get the counts from the daily
    aggregates, so an estimate costs the sample's rows, not a pass over every post."""
    fast_s = np.asarray(fast_sample, dtype=object)
    ref = np.asarray(reference_labels, dtype=object)
    if len(fast_s) != len(ref):
        raise ValueError(f"{len(fast_s)} sampled fast labels but {len(ref)} reference labels")
    out: dict[Any, Estimate] = {}
    if len(ref) < 2:
        for c in classes:
            out[c] = model_share(int(counts.get(c, 0)), n, z)
        return out
    m = len(ref)
    n_u = n - m
    for c in classes:
        k_all = int(counts.get(c, 0))
        f_s = (fast_s == c).astype(float)
        y_s = (ref == c).astype(float)
        k_u = k_all - int(f_s.sum())
        if n_u == 0:
            est = low = high = float(y_s.mean())
        else:
            var_f = _binary_var(k_all, n)
            cov = float(np.cov(y_s, f_s, ddof=1)[0, 1])
            lam = 0.0 if var_f <= 0 else min(1.0, max(0.0, cov / ((1 + m / n_u) * var_f)))
            rectifier = y_s - lam * f_s
            est = lam * (k_u / n_u) + float(rectifier.mean())
            var = lam * lam * _binary_var(k_u, n_u) / n_u if n_u > 1 else 0.0
            var += float(np.var(rectifier, ddof=1)) / m
            if var == 0.0 and 0 < est < 1:
                var = est * (1 - est) / m
            half = z * math.sqrt(max(var, 0.0))
            low, high = est - half, est + half
        out[c] = Estimate(est, max(0.0, low), min(1.0, high), METHOD_PPI, n, m, k_all / n if n else None)
    return out


def sample_size(precision: float = 0.03, disagreement: float | None = None, z: float = Z95) -> int:
    """Reference labels needed for a 95% half-width of at most ``precision`` (0.03 = 3 points).

    ``disagreement``: the share of posts where the fast model and the reference disagree about a
    class (from validation: about 1 - accuracy at most). The PPI variance of a class share is at
    most ``disagreement / n`` (the rectifier takes values -1, 0, 1), and never more than the sample
    share's own ``1/4n``; without a figure the worst case (1/4) is used.
    """
    if not 0 < precision < 1:
        raise ValueError("precision is a share between 0 and 1, e.g. 0.03 for 3 points")
    var = 0.25 if disagreement is None else min(0.25, max(disagreement, 1e-6))
    return max(2, math.ceil(z * z * var / (precision * precision)))


def sample_cost(n: int, posts_per_second: float | None = None, seconds_per_label: float = 10.0) -> dict[str, float]:
    """What labelling ``n`` sampled posts costs: seconds for an accurate model (at its measured
    speed) and hours for an analyst (default 10 seconds a post)."""
    out = {"posts": float(n), "analyst_hours": n * seconds_per_label / 3600}
    if posts_per_second:
        out["model_seconds"] = n / posts_per_second
    return out


__all__ = ["METHOD_MODEL", "METHOD_PPI", "Estimate", "estimate_share", "estimate_share_counts", "model_share",
           "ppi_mean", "sample_cost", "sample_size"]
