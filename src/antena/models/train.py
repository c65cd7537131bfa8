"""Train the packaged models from ``../shared/data`` (or a user's labelled CSV), reproducibly."""

from __future__ import annotations

import csv
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.svm import LinearSVC

from antena.models import PACKAGE_DIR, TextClassifier, datasets, evaluate, variant_dir
from antena.models.features import (
    FeatureSpec,
    idf_weights,
    lexicon_features,
    mask_target,
    raw_counts,
    weight,
)

SEED = 13
VERSION = "1"  # of models trained on a user's labels
TASK_VERSIONS = {"sentiment": "2", "emotion": "1", "target_sentiment": "2"}

# Settings chosen on the validation splits (see docs/models/*.md). ``heads``: per language head,
# its C and whether it also reads the lexicon features.
TASK_SETTINGS: dict[str, dict[str, Any]] = {
    "sentiment": {
        "C": 0.3, "lang_weight": {"es": 3.0},
        "heads": {"en": {"C": 0.1, "lexicon": True}, "other": {"C": 0.3, "lexicon": False}},
    },
    "emotion": {"C": 0.3, "lang_weight": {"es": 2.0}},
    "target_sentiment": {
        "C": 0.3, "lang_weight": {"es": 2.0},
        "heads": {"en": {"C": 0.3, "lexicon": False}, "other": {"C": 0.3, "lexicon": False}},
    },
}
# Target sentiment also ships without the Catalonia Independence Corpus (CC BY-NC-SA 4.0), under
# variants/no-cic: English-only training data, no non-commercial share-alike licence.
TARGET_VARIANTS = {"no-cic": ("cic",)}
DATA_TERMS = {
    "sentiment": [
        "UMSAB (cardiffnlp/xlm-t, Apache-2.0 repository; each source set's research-use terms)",
        "TASS 2020 Task 1 (SEPLN licence: research use, no redistribution)",
        "SemEval-2017 Task 4 subtask A, 2013-2016 releases (research use)",
    ],
    "emotion": [
        "EmoEvent es+en (fmplaza/EmoEvent, LREC 2020; no licence file: research use)",
        "TweetEval emotion (cardiffnlp/tweeteval; optimism counted as joy)",
    ],
    "target_sentiment": [
        "SemEval-2017 Task 4 subtasks B/D and C/E (research use)",
        "Catalonia Independence Corpus, Spanish (CC BY-NC-SA 4.0)",
        "TweetEval stance = SemEval-2016 Task 6, five English targets (cardiffnlp/tweeteval; research use)",
    ],
}


def model_input(row: datasets.Example) -> str:
    """The text a model reads: for target sentiment, the target's mentions are masked."""
    return mask_target(row.text, row.target) if row.target else row.text


def fit(
    task: str,
    texts: list[str],
    langs: list[str | None],
    labels: list[str],
    spec: FeatureSpec | None = None,
    C: float = 0.3,
    sample_weight: np.ndarray | None = None,
    version: str = VERSION,
) -> TextClassifier:
    """Fit a class-balanced linear SVM on hashed tf-idf features."""
    spec = spec or FeatureSpec()
    counts = raw_counts(spec, texts, langs)
    idf = idf_weights(counts)
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("training needs at least two different labels")
    svm = LinearSVC(C=C, class_weight="balanced", random_state=SEED, max_iter=3000)
    svm.fit(weight(counts, idf), np.array(labels), sample_weight=sample_weight)
    coef = svm.coef_.astype(np.float32)
    bias = np.atleast_1d(svm.intercept_).astype(np.float32)
    if len(classes) == 2:  # binary LinearSVC has one score: make it two, symmetric
        coef = np.vstack([-coef / 2, coef / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2], dtype=np.float32)
    return TextClassifier(
        task=task, labels=[str(c) for c in svm.classes_], version=version, spec=spec,
        idf=idf, weights=np.ascontiguousarray(coef.T), bias=bias,
    )


def add_language_heads(
    model: TextClassifier, train: list[datasets.Example], weights: np.ndarray, heads: dict[str, dict[str, Any]]
) -> None:
    """Fit an English head on English rows and an "other" head on the rest (same n-gram features;
    a head with ``lexicon`` also reads :func:`lexicon_features`)."""
    for name, keep in (("en", lambda r: r.lang == "en"), ("other", lambda r: r.lang != "en")):
        settings = heads[name]
        idx = [i for i, r in enumerate(train) if keep(r)]
        texts = [model_input(train[i]) for i in idx]
        matrix = weight(raw_counts(model.spec, texts, [train[i].lang for i in idx]), model.idf)
        if settings["lexicon"]:
            matrix = sp.hstack([matrix, sp.csr_matrix(lexicon_features(texts))]).tocsr()
        svm = LinearSVC(C=settings["C"], class_weight="balanced", random_state=SEED, max_iter=3000)
        svm.fit(matrix, np.array([train[i].label for i in idx]), sample_weight=weights[idx])
        if list(svm.classes_) != model.labels:
            raise ValueError(f"head {name} lacks some labels: {svm.classes_}")
        coef = svm.coef_.T.astype(np.float32)
        n_hashed = model.spec.n_features
        model.heads[name] = (np.ascontiguousarray(coef[:n_hashed]), svm.intercept_.astype(np.float32))
        if settings["lexicon"]:
            model.lexicon[name] = np.ascontiguousarray(coef[n_hashed:])


def calibrate(model: TextClassifier, texts: list[str], langs: list[str | None], labels: list[str]) -> float:
    """One softmax temperature, chosen by log-loss on held-out rows."""
    if not texts:
        return 2.0
    scores = model.decision(texts, langs)
    gold = np.array([model.labels.index(y) if y in model.labels else -1 for y in labels])
    keep = gold >= 0
    best, best_loss = 2.0, np.inf
    for temp in np.arange(0.5, 12.01, 0.25):
        z = scores[keep] * temp
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(keep.sum()), gold[keep]].mean()
        if loss < best_loss:
            best, best_loss = float(temp), loss
    return best


def _provenance() -> dict[str, Any]:
    return {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": SEED,
        "sklearn": sklearn.__version__,
        "python": platform.python_version(),
    }


def train_public(task: str, out: Path | None = None, root: Path | None = None, variant: str | None = None) -> dict[str, Any]:
    """Train ``task`` on its public train splits, calibrate and score on val, save. Returns meta.

    Target sentiment also trains its variants (``TARGET_VARIANTS``) beside it, and records the
    per-target validation of the whole analyser (``antena.models.target_eval``)."""
    started = time.perf_counter()
    loaded = (datasets.target_sentiment(root, without=TARGET_VARIANTS[variant]) if variant
              else datasets.LOADERS[task](root))
    rows = datasets.without_val_duplicates(loaded)
    train = [r for r in rows if r.split == "train"]
    val = [r for r in rows if r.split == "val"]
    if not train:
        raise FileNotFoundError(f"no training data for {task} under {root or datasets.data_root()}")
    settings = TASK_SETTINGS[task]
    weights = np.array([settings["lang_weight"].get(r.lang, 1.0) for r in train], dtype=np.float64)
    model = fit(
        task, [model_input(r) for r in train], [r.lang for r in train], [r.label for r in train],
        C=settings["C"], sample_weight=weights, version=TASK_VERSIONS[task],
    )
    if settings.get("heads") and not variant:  # the no-CIC variant has English rows only: one set of weights
        add_language_heads(model, train, weights, settings["heads"])
    val_inputs = [model_input(r) for r in val]
    model.temperature = calibrate(model, val_inputs, [r.lang for r in val], [r.label for r in val])
    scores = evaluate.score(model, val, texts=val_inputs)
    counts: dict[str, int] = {}
    for row in train:
        counts[row.dataset] = counts.get(row.dataset, 0) + 1
    terms = [t for t in DATA_TERMS[task] if not (variant and t.startswith("Catalonia"))]
    model.meta = {
        "variant": variant or "default",
        "training_data": terms,
        "train_rows": counts,
        "classifier": f"LinearSVC(C={settings['C']}, class_weight=balanced), language weights {settings['lang_weight']}"
        + (f"; heads: all languages (language unknown), English, other languages {settings['heads']}"
           if settings.get("heads") and not variant else ""),
        "validation": scores,
        "validation_note": "macro-F1 on the val/dev splits of ../shared/data (test splits held out)",
        "train_seconds": round(time.perf_counter() - started, 1),
        **_provenance(),
    }
    folder = out or (variant_dir(variant) if variant else PACKAGE_DIR / task / TASK_VERSIONS[task])
    model.save(folder)
    if task == "target_sentiment":
        from antena.models import _LOADED, target_eval

        _LOADED.pop(task, None)
        _LOADED.pop(str(folder.resolve()), None)
        model.meta["analyser_validation"] = target_eval.evaluate_all(root, model_path=str(folder))
        model.save(folder)
        if variant is None:
            for name in TARGET_VARIANTS:
                train_public(task, out / "variants" / name if out is not None else None, root, name)
    return {**model.meta, "path": str(folder)}


def read_labels(path: Path) -> tuple[list[str], list[str], list[str | None]]:
    """A user's CSV with columns text,label[,lang]."""
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str | None] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = {name.strip().lower(): name for name in reader.fieldnames or []}
        if "text" not in fields or "label" not in fields:
            raise ValueError(f"{path} needs columns text,label[,lang]; found {reader.fieldnames}")
        for record in reader:
            text, label = record[fields["text"]] or "", (record[fields["label"]] or "").strip()
            if text.strip() and label:
                texts.append(text)
                labels.append(label)
                langs.append((record.get(fields.get("lang", ""), "") or "").strip() or None)
    return texts, labels, langs


def train_user(task: str, labels_csv: Path, out: Path) -> dict[str, Any]:
    """Train on a user's labelled CSV; scores come from a seeded 80/20 split, then refit on all."""
    texts, labels, langs = read_labels(labels_csv)
    if len(set(labels)) < 2:
        raise ValueError(f"{labels_csv} needs at least two different labels")
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(texts))
    n_val = len(texts) // 5 if len(texts) >= 20 else 0
    val_idx, train_idx = order[:n_val], order[n_val:]
    scores: dict[str, Any] = {}
    temperature = 2.0
    if n_val and len({labels[i] for i in train_idx}) >= 2:
        held = fit(task, [texts[i] for i in train_idx], [langs[i] for i in train_idx], [labels[i] for i in train_idx])
        val_rows = [datasets.Example(texts[i], labels[i], langs[i], "user", "val") for i in val_idx]
        temperature = calibrate(held, [r.text for r in val_rows], [r.lang for r in val_rows], [r.label for r in val_rows])
        held.temperature = temperature
        scores = {"user": evaluate.score(held, val_rows).get("user", {})}
    model = fit(task, texts, langs, labels)
    model.temperature = temperature
    model.meta = {
        "training_data": [f"user labels: {labels_csv.name} ({len(texts)} rows)"],
        "train_rows": {"user": len(texts)},
        "classifier": "LinearSVC(C=0.3, class_weight=balanced)",
        "validation": scores,
        "validation_note": "macro-F1 on a seeded 20% hold-out of the user's labels" if scores else "too few rows to hold out",
        **_provenance(),
    }
    model.save(out)
    return {**model.meta, "path": str(out)}
