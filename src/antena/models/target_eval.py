"""Sentiment toward a target, measured per target on the validation splits of ``../shared/data``.

Every row is judged the way ``antena predict target-sentiment --target T --aliases A --lang L``
judges it (normalise, language, then the ``target_sentiment`` analyser with that one target), and
scored per target as the shared tasks did:

- SemEval-2017 Task 4 B (positive/negative toward a topic): macro-F1 and average recall of the
  two classes, per topic, then averaged over topics (SemEval's AvgRec is the topic mean).
- SemEval-2017 Task 4 C (-2..2): macro-averaged MAE (MAE^M: the mean absolute error of each true
  class, averaged over the classes present) per topic, averaged over topics; also macro-F1 on the
  five classes and on three (negative, neutral, positive).
- CIC (Spanish stance on Catalan independence) and TweetEval stance (SemEval-2016 Task 6, five
  English targets): FAVOR as positive, AGAINST as negative, NONE/NEUTRAL as neutral; macro-F1 on
  the three classes and F_avg = mean F1 of FAVOR and AGAINST (SemEval-2016's measure).

Validation files only: SemEval ``twitter-2016dev`` and ``twitter-2016devtest``, CIC ``val``,
TweetEval ``val``. The aliases are what an analyst would configure for each target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, recall_score

from antena.models import datasets

SEMEVAL_VAL_FILES = datasets.SEMEVAL_TARGET_VAL
SCALE = (-2, -1, 0, 1, 2)
# Thresholds on score = P(positive) - P(negative) for the five-point scale (-2..2), set a priori;
# thresholds fitted on half the C/E validation topics scored worse on the other half (model card).
DEFAULT_SCALE_THRESHOLDS = (-0.75, -0.2, 0.2, 0.75)

# What an analyst would type as --aliases for the stance targets.
STANCE_TARGETS: dict[str, dict[str, Any]] = {
    "cic_es": {"target": "independencia", "lang": "es", "aliases": [
        "independencia", "independencia de Cataluña", "independentismo", "independentista",
        "independentistas", "república catalana", "procés", "#independencia"]},
    "abortion": {"target": "abortion", "lang": "en", "aliases": [
        "abortion", "abortions", "#abortion", "legal abortion"]},
    "atheism": {"target": "atheism", "lang": "en", "aliases": [
        "atheism", "atheist", "atheists", "#atheism", "#atheist"]},
    "climate": {"target": "climate change", "lang": "en", "aliases": [
        "climate change", "global warming", "#climatechange", "#globalwarming", "climate"]},
    "feminist": {"target": "feminism", "lang": "en", "aliases": [
        "feminism", "feminist", "feminists", "#feminism", "#feminist", "#feminists"]},
    "hillary": {"target": "hillary clinton", "lang": "en", "aliases": [
        "Hillary Clinton", "Hillary", "Clinton", "@HillaryClinton", "#Hillary", "#HillaryClinton",
        "#Hillary2016"]},
}


@dataclass(frozen=True, slots=True)
class TargetRow:
    text: str
    target: str  # the target id (SemEval: the topic)
    gold: str  # negative/neutral/positive, or "-2".."2" for C/E
    lang: str


def semeval_val(subtask: str, root: Path | None = None) -> list[TargetRow]:
    """SemEval-2017 B/D (``"BD"``) or C/E (``"CE"``) validation rows; C/E keeps its -2..2 labels."""
    root = root or datasets.data_root()
    rows = []
    for path in sorted((root / "sentiment" / "semeval2017_en" / subtask).glob("*.tsv")):
        if not any(path.name.startswith(name + "-") for name in SEMEVAL_VAL_FILES):
            continue
        for row in datasets._tsv(path):
            if len(row) < 4:
                continue
            ok = row[2] in ("positive", "negative") if subtask == "BD" else row[2] in {str(v) for v in SCALE}
            if ok:
                rows.append(TargetRow(datasets._unescape(row[3].strip('"')), row[1], row[2], "en"))
    return rows


def stance_val(name: str, root: Path | None = None) -> list[TargetRow]:
    """CIC (``"cic_es"``) or a TweetEval stance target's validation rows, as sentiment labels."""
    root = root or datasets.data_root()
    spec = STANCE_TARGETS[name]
    rows = []
    if name == "cic_es":
        names = {"AGAINST": "negative", "FAVOR": "positive", "NEUTRAL": "neutral"}
        for row in datasets._tsv(root / "stance" / "cic_es" / "val.tsv", header=True):
            if len(row) >= 3 and row[-1] in names:
                rows.append(TargetRow(row[1], spec["target"], names[row[-1]], "es"))
        return rows
    folder = root / "stance" / "tweeteval" / name
    labels = ("neutral", "negative", "positive")  # 0 none, 1 against, 2 favor
    texts = datasets._lines(folder / "val_text.txt")
    for text, label in zip(texts, datasets._lines(folder / "val_labels.txt"), strict=True):
        rows.append(TargetRow(text, spec["target"], labels[int(label)], "en"))
    return rows


def predict_entries(rows: list[TargetRow], aliases: dict[str, list[str]] | None = None,
                    **settings: Any) -> list[dict[str, Any] | None]:
    """The entry ``antena predict target-sentiment --target T --aliases A --lang L`` gives each row
    (``None`` when it gives none). One call per target, as the command takes one target."""
    import pyarrow as pa

    from antena.engine.pipeline import run_chain
    from antena.registry import PREDICT_TASKS, analysers

    available = analysers()
    by_target: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_target[row.target].append(i)
    out: list[dict[str, Any] | None] = [None] * len(rows)
    for target, idx in by_target.items():
        names = (aliases or {}).get(target) or [target]
        spec = {"targets": [{"id": target, "name": target, "aliases": names}], "unmentioned": True, **settings}
        names = [n for n in PREDICT_TASKS["target-sentiment"] if n != "language"]  # --lang is given
        chain = [available[n](**(spec if n == "target_sentiment" else {})) for n in names]
        batch = pa.RecordBatch.from_pydict({
            "post_id": [str(i) for i in idx], "text": [rows[i].text for i in idx], "lang": [rows[i].lang for i in idx],
        })
        found = run_chain(chain, batch)["target_sentiment"].column("targets").to_pylist()
        for i, entries in zip(idx, found, strict=True):
            out[i] = next((e for e in entries if e["target"] == target), None)
    return out


def to_scale(score: float, thresholds: Iterable[float] = DEFAULT_SCALE_THRESHOLDS) -> int:
    """The -2..2 point of a score (P(positive) - P(negative))."""
    return int(np.searchsorted(np.asarray(tuple(thresholds)), score, side="right")) - 2


def mae_macro(gold: list[int], pred: list[int]) -> float:
    """MAE^M: mean absolute error within each true class, averaged over the classes present."""
    g, p = np.asarray(gold), np.asarray(pred)
    return float(np.mean([np.abs(p[g == c] - c).mean() for c in np.unique(g)]))


def _three(value: int) -> str:
    return "negative" if value < 0 else ("positive" if value > 0 else "neutral")


def _summary(per_topic: dict[str, dict[str, Any]], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"topics": len(per_topic)}
    for key in keys:
        values = np.array([t[key] for t in per_topic.values()])
        out[key] = round(float(values.mean()), 4)
        out[f"{key}_quartiles"] = [round(float(q), 3) for q in np.percentile(values, [0, 25, 50, 75, 100])]
    return out


def score_bd(rows: list[TargetRow], entries: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Per topic and macro over topics: macro-F1 and AvgRec (positive/negative; score >= 0 is positive)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.target].append(i)
    preds = ["positive" if (e and e["score"] >= 0) else "negative" for e in entries]
    per_topic = {}
    for topic, idx in sorted(groups.items()):
        gold, pred = [rows[i].gold for i in idx], [preds[i] for i in idx]
        labels = ["negative", "positive"]
        per_topic[topic] = {
            "n": len(idx),
            "macro_f1": round(float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)), 4),
            "avg_recall": round(float(recall_score(gold, pred, labels=labels, average="macro", zero_division=0)), 4),
        }
    gold_all = [r.gold for r in rows]
    return {
        "n": len(rows), "missed": sum(e is None for e in entries),
        "pooled_macro_f1": round(float(f1_score(gold_all, preds, average="macro")), 4),
        **_summary(per_topic, ("macro_f1", "avg_recall")), "per_topic": per_topic,
    }


def score_ce(rows: list[TargetRow], entries: list[dict[str, Any] | None],
             thresholds: Iterable[float] = DEFAULT_SCALE_THRESHOLDS) -> dict[str, Any]:
    """Per topic and macro over topics: MAE^M, macro-F1 on five and on three classes."""
    thresholds = tuple(thresholds)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.target].append(i)
    points = [to_scale(e["score"], thresholds) if e else 0 for e in entries]
    three = [e["sentiment"] if e else "neutral" for e in entries]
    per_topic = {}
    for topic, idx in sorted(groups.items()):
        gold = [int(rows[i].gold) for i in idx]
        pred = [points[i] for i in idx]
        per_topic[topic] = {
            "n": len(idx),
            "mae_macro": round(mae_macro(gold, pred), 4),
            "macro_f1_5": round(float(f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)), 4),
            "macro_f1_3": round(float(f1_score([_three(g) for g in gold], [three[i] for i in idx],
                                               labels=sorted({_three(g) for g in gold}), average="macro",
                                               zero_division=0)), 4),
        }
    gold_all = [int(r.gold) for r in rows]
    return {
        "n": len(rows), "missed": sum(e is None for e in entries), "thresholds": list(thresholds),
        "pooled_mae_macro": round(mae_macro(gold_all, points), 4),
        "pooled_macro_f1_5": round(float(f1_score(gold_all, points, average="macro")), 4),
        "pooled_macro_f1_3": round(float(f1_score([_three(g) for g in gold_all], three, average="macro")), 4),
        **_summary(per_topic, ("mae_macro", "macro_f1_5", "macro_f1_3")), "per_topic": per_topic,
    }


def score_stance(rows: list[TargetRow], entries: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Macro-F1 (three classes) and F_avg (mean F1 of favor and against)."""
    gold = [r.gold for r in rows]
    pred = [e["sentiment"] if e else "neutral" for e in entries]
    f1 = f1_score(gold, pred, labels=["negative", "neutral", "positive"], average=None, zero_division=0)
    return {
        "n": len(rows), "missed": sum(e is None for e in entries),
        "unmentioned": sum(bool(e) and not e.get("alias") for e in entries),
        "macro_f1": round(float(np.mean(f1)), 4), "f_avg": round(float((f1[0] + f1[2]) / 2), 4),
    }


def evaluate_all(root: Path | None = None, **settings: Any) -> dict[str, Any]:
    """Every validation set above, per target, through the predict-command semantics."""
    results: dict[str, Any] = {}
    bd = semeval_val("BD", root)
    results["semeval_bd"] = score_bd(bd, predict_entries(bd, **settings))
    ce = semeval_val("CE", root)
    results["semeval_ce"] = score_ce(ce, predict_entries(ce, **settings))
    for name, spec in STANCE_TARGETS.items():
        rows = stance_val(name, root)
        entries = predict_entries(rows, {spec["target"]: spec["aliases"]}, **settings)
        results[f"stance/{name}"] = score_stance(rows, entries)
    tweeteval = [results[f"stance/{n}"] for n in STANCE_TARGETS if n != "cic_es"]
    results["stance/tweeteval_mean"] = {
        "targets": len(tweeteval),
        "macro_f1": round(float(np.mean([r["macro_f1"] for r in tweeteval])), 4),
        "f_avg": round(float(np.mean([r["f_avg"] for r in tweeteval])), 4),
    }
    return results
