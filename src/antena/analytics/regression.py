"""Ordinary least squares with classical or Newey-West (HAC) standard errors, as statsmodels fits them.

``ols`` is statsmodels' ``OLS(y, x).fit()`` (and ``.fit(cov_type="HAC", cov_kwds={"maxlags": n})``)
step for step: the pseudo-inverse of ``pinv_extended``, Bartlett weights, Student's t for classical
errors and the normal distribution for HAC errors. It is written out because importing
``statsmodels.api`` (pandas, scipy.stats, formulaic...) cost about 2 CPU seconds of every
``antena stats``; the distributions come from ``scipy.special``, which scipy.stats calls itself.
``tests/test_regression.py`` checks the results equal statsmodels' on random and degenerate series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fit:
    params: np.ndarray
    conf_int: np.ndarray  # (k, 2): lower and upper 95% limits
    pvalues: np.ndarray
    resid: np.ndarray


def _pinv(x: np.ndarray, rcond: float = 1e-15) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels.tools.tools.pinv_extended: the pseudo-inverse and the singular values."""
    x = np.asarray(x).conjugate()
    u, s, vt = np.linalg.svd(x, False)
    s_orig = np.copy(s)
    m, n = u.shape[0], vt.shape[1]
    cutoff = rcond * np.maximum.reduce(s)
    for i in range(min(n, m)):
        s[i] = 1.0 / s[i] if s[i] > cutoff else 0.0
    return np.dot(np.transpose(vt), np.multiply(s[:, np.newaxis], np.transpose(u))), s_orig


def _hac(xu: np.ndarray, nlags: int) -> np.ndarray:
    """statsmodels.stats.sandwich_covariance.S_hac_simple with Bartlett weights."""
    weights = 1 - np.arange(nlags + 1) / (nlags + 1.0)
    s_hac = weights[0] * np.dot(xu.T, xu)
    for lag in range(1, nlags + 1):
        s = np.dot(xu[lag:].T, xu[:-lag])
        s_hac += weights[lag] * (s + s.T)
    return s_hac


def ols(y: np.ndarray, x: np.ndarray, hac_lags: int | None = None, alpha: float = 0.05) -> Fit:
    """Least squares of ``y`` on ``x`` with classical errors, or Newey-West errors over ``hac_lags`` lags."""
    from scipy import special

    pinv, singular = _pinv(x)
    normalized_cov = np.dot(pinv, np.transpose(pinv))
    params = np.dot(pinv, y)
    resid = y - np.dot(x, params)
    df_resid = float(x.shape[0]) - np.linalg.matrix_rank(np.diag(singular))
    if hac_lags is None:
        cov = normalized_cov * (np.dot(resid, resid) / df_resid)
    else:
        xu = x * resid[:, None]
        cov = np.dot(np.dot(normalized_cov, _hac(xu, hac_lags)), normalized_cov.T)
    bse = np.sqrt(np.diag(cov))
    tvalues = params / bse
    if hac_lags is None:  # statsmodels: Student's t for classical errors, the normal for robust ones
        pvalues = special.stdtr(df_resid, -np.abs(tvalues)) * 2
        q = special.stdtrit(df_resid, 1 - alpha / 2)
    else:
        pvalues = special.ndtr(-np.abs(tvalues)) * 2
        q = special.ndtri(1 - alpha / 2)
    conf_int = np.asarray(list(zip(params - q * bse, params + q * bse, strict=True)))
    return Fit(params=params, conf_int=conf_int, pvalues=pvalues, resid=resid)


def durbin_watson(resid: np.ndarray) -> float:
    """statsmodels.stats.stattools.durbin_watson."""
    resid = np.asarray(resid)
    return float(np.sum(np.diff(resid, 1, axis=0) ** 2, axis=0) / np.sum(resid**2, axis=0))


def t_quantile(p: float, df: float) -> float:
    """scipy.stats.t.ppf(p, df), without importing scipy.stats."""
    from scipy import special

    return float(special.stdtrit(df, p))
