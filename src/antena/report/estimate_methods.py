"""The report's "how each share was estimated" rows: method, reference labels, and the labels
(and analyst time) a ±3-point 95% interval needs, for every share the report states."""

from __future__ import annotations

import math
from typing import Any

from antena.analytics.estimates import sample_cost, sample_size

PRECISION = 0.03  # the default precision asked: ±3 points
SECONDS_PER_LABEL = 10.0  # an analyst's time per post (as `antena sample draw` assumes)


def labels_needed(estimates: dict[str, Any], units: int, precision: float = PRECISION) -> int:
    """Reference labels for a 95% half-width of at most ``precision`` on every class share.

    With a reference sample the widest interval it gave is scaled (half-width falls as 1/sqrt(n));
    without one, the worst case (``sample_size``). Never more than the posts there are.
    """
    shares = [s for s in (estimates.get("shares") or {}).values() if s.get("low") is not None]
    n_sample = int(estimates.get("n_sample") or 0)
    if estimates.get("method") == "ppi" and n_sample and shares:
        half = max((s["high"] - s["low"]) / 2 for s in shares)
        needed = math.ceil(n_sample * (half / precision) ** 2) if half > 0 else n_sample
    else:
        needed = sample_size(precision)
    return max(0, min(needed, units)) if units else needed


def _row(what: str, estimates: dict[str, Any] | None, units: int) -> dict[str, Any] | None:
    if not estimates or not units:
        return None
    needed = labels_needed(estimates, units)
    return {
        "what": what, "method": estimates.get("method", "model"), "units": units,
        "n_sample": int(estimates.get("n_sample") or 0), "needed": needed,
        "hours": round(sample_cost(needed, seconds_per_label=SECONDS_PER_LABEL)["analyst_hours"], 1),
    }


def estimate_rows(stats: dict[str, Any], name_of_target: dict[str, str], say: Any) -> list[dict[str, Any]]:
    """One row per estimated share group in ``stats`` (``say(key, **kw)`` gives the wording)."""
    rows = []
    sentiment = stats.get("sentiment") or {}
    rows.append(_row(say("estimate_overall_sentiment"), sentiment.get("estimates"), _units(sentiment.get("estimates"))))
    rows.append(_row(say("emotions"), sentiment.get("emotion_estimates"), _units(sentiment.get("emotion_estimates"))))
    for target in stats.get("targets") or []:
        if target.get("mentions"):
            est = target.get("estimates")
            rows.append(_row(say("estimate_target", name=name_of_target.get(target["target"], target["target"])),
                             est, _units(est) or int(target["mentions"])))
    unaware = (stats.get("awareness") or {}).get("unaware") or {}
    rows.append(_row(say("unaware_series"), unaware.get("estimates"), _units(unaware.get("estimates"))))
    return [r for r in rows if r]


def _units(estimates: dict[str, Any] | None) -> int:
    """Posts (or mentions) a group of shares is about, as the estimator counted them."""
    shares = (estimates or {}).get("shares") or {}
    return max((int(s.get("n") or 0) for s in shares.values()), default=0)
