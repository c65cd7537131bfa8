"""Train and evaluate the relevance and topic model from labelled references and written seeds.

Training rows come from three places, never from the dev set:

* the team's reference labels, ``labels/relevance/train.tsv``: references (file, line) into
  ``../shared/data``, read through :mod:`antena.models.corpus`, labelled by reading under
  ``docs/relevance-guidelines.md``;
* written seed examples, ``labels/relevance/seeds.tsv``: posts the team wrote in a dozen languages
  to teach the phenomena and their look-alikes (training signal only, never a score);
* a project's own labels (``antena label``), when a project model is adapted.

Scores are measured on ``labels/relevance/dev.tsv`` (never trained on) and by cross-validation on
real labelled posts only; every figure comes with a 95% interval.
"""

from __future__ import annotations

import csv
import platform
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from antena.models import corpus
from antena.models.features import FeatureSpec, idf_weights, raw_counts
from antena.models.relevance_model import (
    BASE_SCALE,
    PACKAGE_DIR,
    RelevanceModel,
    base_features,
    build_features,
    load,
    model_dir,
)

VERSION = "2"
SEED = 13
C_RELEVANCE = 3.0
C_TOPIC = 2.0
TOPIC_THRESHOLD = 0.35
MIN_TOPIC_EXAMPLES = 5  # a project model learns a topic from this many examples with it and without
SEED_WEIGHT = 1.0
REAL_WEIGHT = 3.0
ANCHOR_WEIGHT = 0.3  # a project's unlabelled posts, labelled by the packaged model, keep it anchored
WEIGHTS = {"seed": SEED_WEIGHT, "anchor": ANCHOR_WEIGHT}
LABELS_DIR = Path(__file__).resolve().parents[3] / "labels" / "relevance"
TOPICS = ["kidnapping", "sexual_exploitation", "csam", "grooming", "labour_exploitation", "organ_trafficking",
          "migration", "hope_support", "criticism_authorities", "other"]


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    lang: str | None
    relevant: bool
    topic: str | None
    source: str  # "reference", "seed", "project" or "anchor" (the packaged model's own decision)
    ref: str = ""  # file:line for references


def read_references(path: Path, root: Path | None = None) -> tuple[list[Labelled], list[str]]:
    """Labelled references with their texts read from the public data, and the problems found."""
    rows, problems = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=2):
            ref = f"{row['file']}:{row['line']}"
            try:
                text = corpus.read_post(row["file"], int(row["line"]), root)
            except (KeyError, FileNotFoundError, ValueError) as exc:
                problems.append(f"{path.name}:{number}: {ref}: {exc}")
                continue
            if corpus.sha(text) != row["sha"]:
                problems.append(f"{path.name}:{number}: {ref}: text changed (sha {corpus.sha(text)} != {row['sha']})")
                continue
            rows.append(Labelled(text, row["lang"] or None, row["relevant"] == "1", row["topic"] or None,
                                 "reference", ref))
    return rows, problems


def read_seeds(path: Path) -> list[Labelled]:
    """Written seed examples: ``lang, relevant, topic, text`` (tab-separated, header)."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("text"):
                out.append(Labelled(row["text"], row["lang"] or None, row["relevant"] == "1",
                                    row["topic"] or None, "seed"))
    return out


def _logistic(C: float, weights: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight=weights, solver="liblinear", random_state=SEED, max_iter=2000)


def fit(rows: Sequence[Labelled], spec: FeatureSpec | None = None, topics: Sequence[str] = TOPICS,
        threshold: float | None = None, version: str = VERSION, C: float = C_RELEVANCE,
        base: str | None = None, ngrams: bool = True) -> RelevanceModel:
    """Fit relevance (all rows) and one-vs-rest topics (relevant rows); threshold from out-of-fold F1.

    ``base`` (a packaged model version or folder) makes a project model: the packaged model's
    logits are extra input columns, so a few hundred labels adapt it rather than start from
    nothing; a topic with too few project examples keeps the packaged model's probability.
    ``ngrams=False`` leaves the n-grams out (only the base logits and the concepts are fitted).
    """
    spec = spec or FeatureSpec()
    texts, langs = [r.text for r in rows], [r.lang for r in rows]
    idf = idf_weights(raw_counts(spec, texts, langs))
    X = build_features(spec, idf, texts, langs, None if ngrams else np.zeros(0, dtype=np.int64))
    n_hashed = spec.n_features if ngrams else 0
    n_base = 0
    if base is not None:
        base_columns = base_features(load(model_dir(base)), texts, langs)
        n_base = base_columns.shape[1]
        X = sp.hstack([base_columns, X], format="csr")
    y = np.array([r.relevant for r in rows])
    if y.all() or not y.any():
        raise ValueError("training needs relevant and not relevant examples")
    sample_weight = np.array([WEIGHTS.get(r.source, REAL_WEIGHT) for r in rows])
    relevance = _logistic(C, "balanced").fit(X, y, sample_weight=sample_weight)
    topic_w, topic_b = [], []
    rel_rows = np.flatnonzero(y)
    for j, topic in enumerate(topics):
        target = np.array([rows[i].topic == topic for i in rel_rows])
        if min(target.sum(), (~target).sum()) >= (MIN_TOPIC_EXAMPLES if base is not None else 1):
            clf = _logistic(C_TOPIC, "balanced").fit(X[rel_rows], target)
            topic_w.append(clf.coef_[0]), topic_b.append(clf.intercept_[0])
        elif base is not None:  # too few project examples: the packaged model's probability
            w = np.zeros(X.shape[1])
            w[1 + j] = 1.0 / BASE_SCALE
            topic_w.append(w), topic_b.append(0.0)
        else:
            topic_w.append(np.zeros(X.shape[1])), topic_b.append(-10.0)
    W = np.column_stack([relevance.coef_[0], *topic_w]).astype(np.float32)
    b = np.array([relevance.intercept_[0], *topic_b], dtype=np.float32)
    hashed = W[n_base:n_base + n_hashed]
    keep = np.flatnonzero(np.abs(hashed).max(axis=1) > 1e-6) if ngrams else np.zeros(0, dtype=np.int64)
    weights = np.vstack([W[:n_base], hashed[keep], W[n_base + n_hashed:]])
    model = RelevanceModel(version=version, topics=list(topics), spec=spec, idf=idf, columns=keep,
                           weights=weights, bias=b, threshold=0.5, topic_threshold=TOPIC_THRESHOLD,
                           base=base)
    model.threshold = threshold if threshold is not None else choose_threshold(rows, spec, topics, C, base, ngrams)
    return model


def _folds(rows: Sequence[Labelled], k: int) -> np.ndarray:
    """Fold of each row: stratified by relevance, fixed seed."""
    rng = np.random.default_rng(SEED)
    fold = np.zeros(len(rows), dtype=int)
    for value in (True, False):
        idx = np.flatnonzero([r.relevant == value for r in rows])
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def out_of_fold(rows: Sequence[Labelled], k: int = 5, always: Sequence[Labelled] = (), **fit_args: Any) -> np.ndarray:
    """Out-of-fold relevance probabilities of ``rows``; ``always`` rows are in every training fold."""
    fold = _folds(rows, k)
    scores = np.zeros(len(rows), dtype=np.float32)
    for f in range(k):
        train = [r for r, g in zip(rows, fold, strict=True) if g != f] + list(always)
        model = fit(train, threshold=0.5, **fit_args)
        test = np.flatnonzero(fold == f)
        scores[test] = model.scores([rows[i].text for i in test], [rows[i].lang for i in test])[0]
    return scores


def choose_threshold(rows: Sequence[Labelled], spec: FeatureSpec, topics: Sequence[str], C: float,
                     base: str | None = None, ngrams: bool = True) -> float:
    """The threshold with the best F1 on out-of-fold predictions of the real (non-seed) labelled rows.

    Written seeds join every training fold but are never scored: they are easier than real posts.
    Ties go to the lower threshold (recall).
    """
    real = [r for r in rows if r.source not in ("seed", "anchor")]
    seeds = [r for r in rows if r.source in ("seed", "anchor")]
    if sum(r.relevant for r in real) < 5:
        real, seeds = list(rows), []
    scores = out_of_fold(real, always=seeds, spec=spec, topics=topics, C=C, base=base, ngrams=ngrams)
    y = np.array([r.relevant for r in real])
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.05, 0.96, 0.01):
        f1 = _f1(y, scores >= t)
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(round(t, 2)), f1
    return best


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = float((y & p).sum())
    return 2 * tp / max(1.0, float(y.sum() + p.sum()))


def wilson(k: int, n: int) -> list[float]:
    """95% Wilson interval of k successes in n (statsmodels)."""
    if n == 0:
        return [0.0, 1.0]
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return [round(float(low), 3), round(float(high), 3)]


def bootstrap_f1(y: np.ndarray, p: np.ndarray, n: int = 1000) -> list[float]:
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        values.append(_f1(y[idx], p[idx]))
    return [round(float(np.percentile(values, 2.5)), 3), round(float(np.percentile(values, 97.5)), 3)]


def metrics(rows: Sequence[Labelled], relevance: np.ndarray, threshold: float,
            topic_lists: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
    """Precision, recall, F1 of the relevant class, macro-F1, per-language recall, topic accuracy."""
    y = np.array([r.relevant for r in rows])
    p = relevance >= threshold
    tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
    f1_rel = _f1(y, p)
    f1_not = _f1(~y, ~p)
    out: dict[str, Any] = {
        "n": len(rows), "relevant": int(y.sum()),
        "precision": round(tp / max(1, tp + fp), 3), "precision_ci": wilson(tp, tp + fp),
        "recall": round(tp / max(1, tp + fn), 3), "recall_ci": wilson(tp, tp + fn),
        "f1": round(f1_rel, 3), "f1_ci": bootstrap_f1(y, p),
        "macro_f1": round((f1_rel + f1_not) / 2, 3),
        "recall_by_lang": {}, "threshold": threshold,
    }
    langs = Counter(r.lang or "und" for r, rel in zip(rows, y, strict=True) if rel)
    for lang, count in sorted(langs.items(), key=lambda x: -x[1]):
        found = sum(1 for r, rel, pred in zip(rows, y, p, strict=True) if rel and pred and (r.lang or "und") == lang)
        out["recall_by_lang"][lang] = {"found": found, "of": count, "ci": wilson(found, count)}
    other = [lang for lang in langs if lang not in ("es", "en")]
    found = sum(out["recall_by_lang"][lang]["found"] for lang in other)
    total = sum(langs[lang] for lang in other)
    out["recall_other_languages"] = {"found": found, "of": total, "ci": wilson(found, total)}
    if topic_lists is not None:
        hits = [r.topic in t for r, t, rel in zip(rows, topic_lists, y, strict=True) if rel and r.topic]
        out["topic_main_in_predicted"] = {"hits": int(sum(hits)), "of": len(hits), "share": round(
            sum(hits) / max(1, len(hits)), 3), "ci": wilson(int(sum(hits)), len(hits))}
    return out


def evaluate(model: RelevanceModel, rows: Sequence[Labelled]) -> dict[str, Any]:
    """Scores of ``model`` on labelled rows (topics judged with the true relevance, as the guidelines do)."""
    rel, topic_probs = model.scores([r.text for r in rows], [r.lang for r in rows])
    truth = np.array([r.relevant for r in rows])
    return metrics(rows, rel, model.threshold, model.topic_lists(truth, topic_probs))


def cross_validate(real: Sequence[Labelled], seeds: Sequence[Labelled], k: int = 5, **fit_args: Any) -> dict[str, Any]:
    """k-fold scores over real labelled posts; seeds join every training fold, never a test fold."""
    fold = _folds(real, k)
    rel = np.zeros(len(real), dtype=np.float32)
    topic_lists: list[list[str]] = [[] for _ in real]
    thresholds = []
    for f in range(k):
        train = [r for r, g in zip(real, fold, strict=True) if g != f] + list(seeds)
        model = fit(train, **fit_args)
        thresholds.append(model.threshold)
        test = np.flatnonzero(fold == f)
        rel_f, probs = model.scores([real[i].text for i in test], [real[i].lang for i in test])
        rel[test] = rel_f >= model.threshold
        truth = np.array([real[i].relevant for i in test])
        for i, topics in zip(test, model.topic_lists(truth, probs), strict=True):
            topic_lists[i] = topics
    result = metrics(real, rel, 0.5, topic_lists)
    result["threshold"] = thresholds
    return result


def train_package(out: Path | None = None, labels: Path = LABELS_DIR, root: Path | None = None,
                  cv: bool = True) -> dict[str, Any]:
    """Train the packaged model from the reference labels and seeds; score on dev; write the artifact."""
    started = time.time()
    train_rows, problems = read_references(labels / "train.tsv", root)
    dev_rows, dev_problems = read_references(labels / "dev.tsv", root)
    seeds = read_seeds(labels / "seeds.tsv") if (labels / "seeds.tsv").exists() else []
    model = fit(train_rows + seeds)
    validation = {"dev": evaluate(model, dev_rows)}
    if cv:
        validation["cv_real"] = cross_validate(train_rows + dev_rows, seeds)
    model.meta = {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(time.time() - started, 1),
        "python": platform.python_version(),
        "data": {"train_references": len(train_rows), "train_relevant": sum(r.relevant for r in train_rows),
                 "seeds": len(seeds), "seeds_relevant": sum(r.relevant for r in seeds),
                 "dev_references": len(dev_rows), "dev_relevant": sum(r.relevant for r in dev_rows),
                 "problems": problems + dev_problems},
        "validation": validation,
        "terms": ["references into ../shared/data: each dataset's terms (research use; texts not shipped)",
                  "seed examples written by the Antena team (Apache-2.0)",
                  "concept lexicon written by the Antena team (Apache-2.0)"],
    }
    target = out or PACKAGE_DIR / VERSION
    model.save(target)
    return {"path": str(target), "validation": validation, "data": model.meta["data"]}


def labelled_from(texts: Iterable[tuple[str, str | None, bool, str | None]], source: str = "project") -> list[Labelled]:
    return [Labelled(t, lang, rel, topic, source) for t, lang, rel, topic in texts]



MIN_PROJECT_LABELS = 20  # fewer labels than this cannot adapt the model
NGRAM_MIN_LABELS = 300  # below this many labels a project model adapts the base logits and concepts only
MIN_CV_RELEVANT = 5  # cross-validate only with at least this many relevant and not relevant labels


ANCHORS = 2000  # unlabelled project posts the packaged model labels for a project model


def project_rows(con: Any) -> list[Labelled]:
    from antena.store import labels as label_store

    return [Labelled(text, lang, bool(rel), topic, "project") for text, lang, rel, topic in label_store.labelled_texts(con)]


def project_anchors(con: Any, n: int = ANCHORS) -> list[Labelled]:
    from antena.store import labels as label_store

    return anchors(label_store.unlabelled_sample(con, n))


def anchors(texts: Sequence[tuple[str, str | None]], base: RelevanceModel | None = None) -> list[Labelled]:
    """Unlabelled posts of the project labelled by the packaged model (its decision and best topic).

    Mixed into a project model's training with a small weight, they keep the adapted model close to
    the packaged one on the posts the analyst did not label (labels drawn by uncertainty are not a
    sample of the project, and a model fitted on them alone drifts on the easy posts).
    """
    base = base or load()
    if not texts:
        return []
    relevance, topics = base.scores([t for t, _ in texts], [lang for _, lang in texts])
    return [Labelled(text, lang, bool(p >= base.threshold), base.topics[int(row.argmax())] if p >= base.threshold else None,
                     "anchor") for (text, lang), p, row in zip(texts, relevance, topics, strict=True)]


def evaluate_project(rows: Sequence[Labelled], k: int = 5, anchor_rows: Sequence[Labelled] = ()) -> dict[str, Any]:
    """How the packaged model and an adapted one score on a project's own labels (95% intervals)."""
    base = load()
    out: dict[str, Any] = {"labels": len(rows), "relevant": sum(r.relevant for r in rows),
                           "packaged_version": base.version}
    if not rows:
        out["packaged_dev"] = base.meta.get("validation", {}).get("dev")
        return out
    out["packaged"] = evaluate(base, rows)
    positives = out["relevant"]
    if min(positives, len(rows) - positives) >= MIN_CV_RELEVANT:
        out["adapted_cv"] = cross_validate(list(rows), list(anchor_rows), k=min(k, positives), base=model_dir().name,
                                           ngrams=len(rows) >= NGRAM_MIN_LABELS)
    return out


def train_project(folder: Path, rows: Sequence[Labelled], anchor_rows: Sequence[Labelled] = ()) -> dict[str, Any]:
    """Adapt the packaged model to a project's labels and save it in the project."""
    from antena.models.relevance_model import project_model_dir

    if len(rows) < MIN_PROJECT_LABELS:
        raise ValueError(f"{len(rows)} labels: label at least {MIN_PROJECT_LABELS} posts first (antena label)")
    if not any(r.relevant for r in rows) or all(r.relevant for r in rows):
        raise ValueError("the labels need both relevant and not relevant posts")
    started = time.time()
    base = model_dir().name
    model = fit(list(rows) + list(anchor_rows), base=base, version=f"{VERSION}p", ngrams=len(rows) >= NGRAM_MIN_LABELS)
    scores = evaluate_project(rows, anchor_rows=anchor_rows)
    model.meta = {"trained": datetime.now(UTC).isoformat(timespec="seconds"), "seconds": round(time.time() - started, 1),
                  "labels": len(rows), "relevant": sum(r.relevant for r in rows), "base": base,
                  "anchors": len(anchor_rows),
                  "validation": {k: v for k, v in scores.items() if k in ("packaged", "adapted_cv")}}
    target = project_model_dir(folder)
    model.save(target)
    return {"path": str(target), "threshold": model.threshold, **scores}
