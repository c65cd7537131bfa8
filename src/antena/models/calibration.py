"""Calibration of the fast models' probabilities, and the abstention rule built on them.

A softmax temperature per language head (English, other languages, language unknown) is fitted
by log-loss on the validation splits; it rescales the scores and leaves every decision (and so
every macro-F1) unchanged. The expected calibration error (ECE: the gap between confidence and
accuracy, averaged over 15 confidence bins, on the top label) is reported without temperature,
with the single temperature of training, and with per-head temperatures *cross-fitted* (fitted on
one half of the validation rows, measured on the other, both ways) so the figure is not flattered
by fitting and measuring on the same rows.

Abstention: a post whose top calibrated probability is below ``threshold`` is "uncertain"
(``UNCERTAIN``) in counts and tables rather than forced into a class (``analytics``). The
coverage (share of posts kept) and the accuracy of the kept posts at several thresholds are
recorded beside the ECE so the choice is visible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

UNCERTAIN = "uncertain"
DEFAULT_THRESHOLD = 0.4
GRID = np.round(np.arange(0.25, 12.01, 0.05), 2)
SEED = 13


def softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def ece(proba: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top label (equal-width confidence bins)."""
    if len(gold) == 0:
        return 0.0
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == gold
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(right[m].mean() - conf[m].mean())
    return float(total)


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature (multiplier of the scores) with the lowest log-loss on ``gold``."""
    if len(gold) == 0:
        return 1.0
    best, best_loss = 1.0, np.inf
    rows = np.arange(len(gold))
    for temp in GRID:
        z = scores * temp
        z = z - z.max(axis=1, keepdims=True)
        loss = -(z[rows, gold] - np.log(np.exp(z).sum(axis=1))).mean()
        if loss < best_loss:
            best, best_loss = float(temp), float(loss)
    return best


def fit_head_temperatures(scores: np.ndarray, gold: np.ndarray, routes: np.ndarray) -> dict[str, float]:
    """One temperature per route (language head name; ``""`` for the all-languages head)."""
    return {str(r): fit_temperature(scores[routes == r], gold[routes == r]) for r in sorted(set(routes.tolist()))}


def apply_temperatures(scores: np.ndarray, routes: np.ndarray, temps: dict[str, float], default: float) -> np.ndarray:
    scale = np.array([temps.get(str(r), default) for r in routes], dtype=np.float32)
    return softmax(scores * scale[:, None])


def abstention(proba: np.ndarray, gold: np.ndarray, thresholds: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7)) -> list[dict[str, float]]:
    """Coverage and accuracy of the posts kept at each confidence threshold."""
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == gold
    out = []
    for t in thresholds:
        kept = conf >= t
        out.append({"threshold": t, "kept": round(float(kept.mean()), 4),
                    "accuracy_kept": round(float(right[kept].mean()), 4) if kept.any() else None,
                    "accuracy_uncertain": round(float(right[~kept].mean()), 4) if (~kept).any() else None})
    return out


def report(scores: np.ndarray, gold: np.ndarray, routes: np.ndarray, single: float,
           use_heads: bool = False) -> dict[str, Any]:
    """ECE before (no temperature), with the single training temperature, and with per-head
    temperatures cross-fitted on two halves; the per-head temperatures fitted on all rows; the
    abstention table with the probabilities in use (per-head temperatures if ``use_heads``)."""
    rng = np.random.default_rng(SEED)
    half = rng.random(len(gold)) < 0.5
    cross = np.zeros_like(scores)
    for fit_on in (half, ~half):
        temps = fit_head_temperatures(scores[fit_on], gold[fit_on], routes[fit_on])
        apply_on = ~fit_on
        cross[apply_on] = apply_temperatures(scores[apply_on], routes[apply_on], temps, single)
    temps = fit_head_temperatures(scores, gold, routes)
    calibrated = apply_temperatures(scores, routes, temps, single)
    return {
        "n": len(gold),
        "ece_uncalibrated": round(ece(softmax(scores), gold), 4),
        "ece_single_temperature": round(ece(softmax(scores * single), gold), 4),
        "ece_head_temperatures_crossfit": round(ece(cross, gold), 4),
        "head_temperatures": temps,
        "ece_by_head": {r: round(ece(calibrated[routes == r], gold[routes == r]), 4) for r in temps},
        "abstention": abstention(calibrated if use_heads else softmax(scores * single), gold),
    }


def calibrate_packaged(task: str, folder: Path | None = None, root: Path | None = None,
                       apply: bool = False) -> dict[str, Any]:
    """Measure a packaged model's calibration on its validation splits and record the report in
    its ``meta.json``; with ``apply``, its per-head temperatures are used from then on (the
    weights, and so the model's decisions, stay; mixes that read its probabilities may move)."""
    from antena.models import _LOADED, TextClassifier, datasets, model_dir
    from antena.models.train import model_input

    folder = folder or model_dir(task)
    model = TextClassifier.load(folder)
    rows = datasets.without_val_duplicates(datasets.LOADERS[task](root))
    val = [r for r in rows if r.split == "val" and r.label in model.labels]
    if not val:
        raise FileNotFoundError(f"no validation rows for {task} under {root or datasets.data_root()}")
    langs = [r.lang for r in val]
    scores = model.decision([model_input(r) for r in val], langs)
    gold = np.array([model.labels.index(r.label) for r in val])
    routes = np.array([model.head_of(lang) or "" for lang in langs])
    found = report(scores, gold, routes, model.temperature, use_heads=apply and bool(model.heads))
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    # only models with language heads can gain from per-head temperatures; the others keep their
    # one temperature (refitting it on the same rows changes nothing measurable)
    if apply and model.heads:
        meta["head_temperatures"] = found["head_temperatures"]
    found["applied"] = bool(meta.get("head_temperatures"))
    meta["calibration"] = {**found, "note": "ECE of the top label, 15 bins, on the val/dev splits; "
                           "per-head temperatures cross-fitted on two halves for the 'after' figure"}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _LOADED.pop(task, None)
    return meta["calibration"]
