"""Validation scores (macro-F1 on val/dev splits only) beside the published anchors."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from antena.models.datasets import Example

# Published macro-F1 on the held-out *test* splits (fine-tuned transformers on GPUs), for orientation.
ANCHORS: dict[str, dict[str, Any]] = {
    "umsab/es": {"score": 0.685, "model": "XLM-T", "split": "test"},
    "tass2020/es+cr+pe+uy": {"score": 0.702, "model": "RoBERTuito", "split": "test"},
    "semeval2016/en": {"score": 0.72, "model": "SemEval-2017 best / RoBERTa", "split": "test"},
    "emoevent/es": {"score": 0.553, "model": "BETO (EmoEvent paper)", "split": "test"},
}
# Project targets on the validation splits.
TARGETS = {
    "umsab/es": 0.65, "tass2020/es+cr+pe+uy": 0.65, "semeval2016/en": 0.68,
    "emoevent/es": 0.50, "cic/es": 0.60,
}


def _groups(rows: list[Example]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        groups[row.dataset].append(i)
        if row.dataset.startswith("tass2020/"):
            groups["tass2020/es+cr+pe+uy"].append(i)
        if row.lang == "es":
            groups["all/es"].append(i)
    return dict(groups)


def score(model: Any, rows: list[Example], texts: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Macro-F1 per dataset (and pooled groups) of ``model`` on validation ``rows``.

    ``texts`` overrides the model input (the target-sentiment model reads masked texts). For
    SemEval B/D, whose labels are positive/negative only, the prediction is the likelier of those two.
    """
    val = [r for r in rows if r.split == "val"]
    if not val:
        return {}
    inputs = texts if texts is not None else [r.text for r in val]
    proba = model.predict_proba(inputs, [r.lang for r in val])
    labels = list(model.labels)
    results: dict[str, dict[str, Any]] = {}
    for name, idx in sorted(_groups(val).items()):
        gold = [val[i].label for i in idx]
        sub = proba[idx]
        if name.startswith("semeval_bd") and {"positive", "negative"} <= set(labels):
            keep = [labels.index("negative"), labels.index("positive")]
            pred = [("negative", "positive")[j] for j in sub[:, keep].argmax(axis=1)]
        else:
            pred = [labels[j] for j in sub.argmax(axis=1)]
        present = sorted(set(gold))
        entry: dict[str, Any] = {
            "split": "val",
            "n": len(idx),
            "lang": val[idx[0]].lang,
            "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro")), 4),
            "accuracy": round(float(np.mean([g == p for g, p in zip(gold, pred, strict=True)])), 4),
        }
        if name in TARGETS:
            entry["target"] = TARGETS[name]
        if name in ANCHORS:
            entry["anchor"] = ANCHORS[name]
        results[name] = entry
    return results


def target_analyser_scores(rows: list[Example], make: Any = None) -> dict[str, dict[str, Any]]:
    """The whole ``target_sentiment`` analyser (mention finding, clause, model mix, cues) on the
    SemEval B/D and C/E dev rows, each topic configured as a target named by itself. ``make``
    builds the analyser from its targets (default: ``TargetSentiment``)."""
    import pyarrow as pa

    from antena.nlp.target_sentiment import TargetSentiment

    results: dict[str, dict[str, Any]] = {}
    for name in ("semeval_bd/en", "semeval_ce/en"):
        val = [r for r in rows if r.split == "val" and r.dataset == name and r.target]
        if not val:
            continue
        topics = sorted({r.target for r in val if r.target})
        analyser = (make or TargetSentiment)(targets=[{"id": t, "aliases": [t]} for t in topics])
        batch = pa.RecordBatch.from_pydict({
            "post_id": [str(i) for i in range(len(val))], "text": [r.text for r in val], "lang": [r.lang for r in val],
        })
        gold, pred, missed = [], [], 0
        for row, found in zip(val, analyser(batch).column("targets").to_pylist(), strict=True):
            entry = next((e for e in found if e["target"] == row.target), None)
            if entry is None:
                missed += 1
                continue
            gold.append(row.label)
            binary = name.startswith("semeval_bd")
            pred.append(("positive" if entry["score"] >= 0 else "negative") if binary else entry["sentiment"])
        results[name] = {
            "split": "val", "n": len(val), "lang": "en", "mentions_missed": missed,
            "macro_f1": round(float(f1_score(gold, pred, average="macro")), 4) if gold else 0.0,
        }
    return results
