"""The trainable topic tagger: labelled examples (``text,topic`` CSV) to a fast multi-label model.

Features are hashed word 1-2-grams and character 3-4-grams of the folded text (accents and case
removed), tf-idf weighted; one logistic regression per topic (one-vs-rest, fixed seed). Training
on a few thousand examples takes seconds.

The model is saved as plain arrays (``numpy.savez_compressed``, no pickle, so opening a shared
project folder never runs code) in ``<project>/.antena/models/topics/model.npz`` beside a
``meta.json`` (examples per topic, cross-validated F1 when there are enough examples, date).
The topics analyser combines its probabilities with the seed rules.

This module registers no analyser; scikit-learn is imported only when training or predicting.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from antena.errors import ProjectError
from antena.nlp.textutil import fold

MODEL_DIR = Path(".antena") / "models" / "topics"
MODEL_FILE = "model.npz"
META_FILE = "meta.json"
N_FEATURES = 2**18  # per block (words, characters)
CHAR_NGRAMS = (3, 4)  # character n-gram lengths, within words (3-5 is as accurate on the demo, slower)
NO_TOPIC = {"", "none", "-"}  # a CSV row with one of these as topic is a negative example
MIN_CV_POSITIVES = 5  # cross-validate a topic's F1 only with at least this many examples
CV_FOLDS = 5
C = 1.0  # inverse regularisation
CLASS_WEIGHT: str | None = "balanced"  # rare topics still reach the threshold

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")


def model_path(folder: str | Path) -> Path:
    """Where a project keeps its trained topic model."""
    return Path(folder) / MODEL_DIR / MODEL_FILE


def model_digest(path: str | Path) -> str:
    """Short content hash of a saved model (it goes into the analyser's version)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def prepare(text: str | None) -> str:
    """Folded text with URLs and @mentions replaced by placeholders."""
    folded = fold(text)
    return _MENTION.sub(" @user ", _URL.sub(" url ", folded))


def _vectorizers(char_ngrams: tuple[int, int]) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None, "lowercase": False,
              "dtype": np.float32}
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)[#@]?\w\w+", **common)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=char_ngrams, **common)
    return words, chars


def hashed_counts(texts: list[str], char_ngrams: tuple[int, int] = CHAR_NGRAMS) -> Any:
    """Sparse term counts, words then characters, sub-linear (1 + log tf)."""
    import scipy.sparse as sp

    words, chars = _vectorizers(char_ngrams)
    prepared = [prepare(t) for t in texts]
    matrix = sp.hstack([words.transform(prepared), chars.transform(prepared)], format="csr")
    matrix.data = 1.0 + np.log(matrix.data)
    return matrix


def weigh(counts: Any, idf: np.ndarray) -> Any:
    """tf-idf rows, each block (words, characters) L2-normalised, blocks weighted equally."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    weighted = counts @ sp.diags(idf)
    blocks = [normalize(weighted[:, :N_FEATURES]), normalize(weighted[:, N_FEATURES:])]
    return (sp.hstack(blocks, format="csr") * np.float32(np.sqrt(0.5))).astype(np.float32)


def fit_idf(counts: Any) -> np.ndarray:
    """Smoothed idf over the training rows; 0 for features never seen (their weights are 0)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.where(df > 0, np.log((1.0 + n) / (1.0 + df)) + 1.0, 0.0)
    return idf.astype(np.float32)


@dataclass
class Examples:
    """Labelled examples: unique texts and, for each, the set of its topics (maybe empty)."""

    texts: list[str] = field(default_factory=list)
    labels: list[set[str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.labels:
            for topic in row:
                out[topic] = out.get(topic, 0) + 1
        return dict(sorted(out.items()))


def read_labels(path: str | Path, topic_ids: list[str]) -> Examples:
    """Read a ``text,topic`` CSV; a text on several rows gets every topic named.

    ``topic`` may be empty or ``none`` for a post about none of the topics (a useful negative).
    Errors name the file and the CSV line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from exc
    reader = csv.reader(io.StringIO(raw, newline=""))
    header = next(reader, None)
    if header is None:
        raise ProjectError(f"{path} is empty; expected a header line `text,topic`")
    names = [h.strip().lower() for h in header]
    if "text" not in names or "topic" not in names:
        raise ProjectError(f"{path}:1: the header must name the columns `text` and `topic` (found {header})")
    i_text, i_topic = names.index("text"), names.index("topic")
    known = set(topic_ids)
    by_text: dict[str, set[str]] = {}
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ProjectError(f"{path}:{start}: {exc}") from exc
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(i_text, i_topic):
            raise ProjectError(f"{path}:{start}: expected columns text and topic, found {len(row)} value(s)")
        text, topic = row[i_text].strip(), row[i_topic].strip()
        if not text:
            raise ProjectError(f"{path}:{start}: empty text")
        if topic.lower() in NO_TOPIC:
            by_text.setdefault(text, set())
            continue
        if topic not in known:
            raise ProjectError(
                f"{path}:{start}: unknown topic {topic!r}; antena.toml [[topics]] ids are: {', '.join(topic_ids)}"
            )
        by_text.setdefault(text, set()).add(topic)
    if not by_text:
        raise ProjectError(f"{path} holds no examples")
    return Examples(list(by_text), list(by_text.values()))


class _Compact:
    """Training rows restricted to the features they use (hashing leaves most columns empty)."""

    def __init__(self, features: Any) -> None:
        self.columns = np.unique(features.indices)
        self.width = features.shape[1]
        self.matrix = features[:, self.columns]

    def fit(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        """One logistic regression; weights spread back to the full feature width."""
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=C, solver="liblinear", dual=True, random_state=0, max_iter=1000,
                                 class_weight=CLASS_WEIGHT)
        clf.fit(self.matrix, y)
        coef = np.zeros(self.width, dtype=np.float32)
        coef[self.columns] = clf.coef_[0]
        return coef, float(clf.intercept_[0])


def _cv_f1(counts: Any, targets: dict[str, np.ndarray], threshold: float) -> dict[str, float]:
    """Each topic's F1 of the classifier alone, 5-fold (shared folds, idf refitted per fold)."""
    from sklearn.model_selection import KFold

    tally = {topic: [0, 0, 0] for topic in targets}  # tp, fp, fn
    for train_rows, test_rows in KFold(CV_FOLDS, shuffle=True, random_state=0).split(np.zeros(counts.shape[0])):
        idf = fit_idf(counts[train_rows])
        compact = _Compact(weigh(counts[train_rows], idf))
        test = weigh(counts[test_rows], idf)
        for topic, y in targets.items():
            truth = y[test_rows].astype(bool)
            if len(set(y[train_rows].tolist())) < 2:
                pred = np.zeros(len(test_rows), dtype=bool)
            else:
                coef, intercept = compact.fit(y[train_rows])
                pred = 1.0 / (1.0 + np.exp(-(test @ coef + intercept))) >= threshold
            counts_ = tally[topic]
            counts_[0] += int(np.sum(pred & truth))
            counts_[1] += int(np.sum(pred & ~truth))
            counts_[2] += int(np.sum(~pred & truth))
    return {t: round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0 for t, (tp, fp, fn) in tally.items()}


def train(examples: Examples, topic_ids: list[str], threshold: float = 0.5) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fit one classifier per topic that has positive and negative examples.

    Returns the arrays to save and the metadata (per-topic counts, F1, skipped topics).
    """
    import scipy.sparse as sp

    counts = hashed_counts(examples.texts)
    idf = fit_idf(counts)
    compact = _Compact(weigh(counts, idf))
    trained, coefs, intercepts, skipped = [], [], [], {}
    targets: dict[str, np.ndarray] = {}
    for topic in topic_ids:
        y = np.array([topic in row for row in examples.labels], dtype=np.int8)
        positives = int(y.sum())
        if positives == 0:
            continue
        if positives == len(y):
            skipped[topic] = "every example has this topic: add examples of other topics or `none`"
            continue
        coef, intercept = compact.fit(y)
        trained.append(topic)
        coefs.append(coef)
        intercepts.append(intercept)
        if positives >= MIN_CV_POSITIVES and len(y) - positives >= MIN_CV_POSITIVES:
            targets[topic] = y
    if not trained:
        raise ProjectError("no topic could be trained: every topic needs examples with it and without it")
    f1 = _cv_f1(counts, targets, threshold) if targets else {}
    per_topic = {t: {"examples": int(sum(t in row for row in examples.labels)), "cv_f1": f1.get(t)} for t in trained}
    weights = sp.csr_matrix(np.vstack(coefs))
    weights.eliminate_zeros()
    arrays = {
        "topics": np.array(trained), "idf": idf, "intercepts": np.array(intercepts, dtype=np.float32),
        "coef_data": weights.data.astype(np.float32), "coef_indices": weights.indices.astype(np.int32),
        "coef_indptr": weights.indptr.astype(np.int64), "n_features": np.array([N_FEATURES], dtype=np.int64),
        "char_ngrams": np.array(CHAR_NGRAMS, dtype=np.int64),
    }
    meta = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": len(examples.texts),
        "without_topic": sum(1 for row in examples.labels if not row),
        "topics": per_topic,
        "skipped": skipped,
        "cv_folds": CV_FOLDS,
        "cv_threshold": threshold,
        "mean_cv_f1": round(float(np.mean(list(f1.values()))), 3) if f1 else None,
        "features": f"hashed word 1-2-grams + char {CHAR_NGRAMS[0]}-{CHAR_NGRAMS[1]}-grams, {N_FEATURES} each, tf-idf; "
                    f"logistic regression C={C}, class_weight={CLASS_WEIGHT}",
    }
    return arrays, meta


def save(folder: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
    """Write model.npz and meta.json into the project; returns the model path."""
    path = model_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    meta = {**meta, "model": str(MODEL_DIR / MODEL_FILE), "hash": model_digest(path)}
    (path.parent / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_meta(folder: str | Path) -> dict[str, Any] | None:
    path = model_path(folder).parent / META_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


class TopicModel:
    """A saved tagger, ready to predict topic probabilities for raw texts."""

    def __init__(self, path: str | Path) -> None:
        import scipy.sparse as sp

        with np.load(Path(path), allow_pickle=False) as data:
            if int(data["n_features"][0]) != N_FEATURES:
                raise ProjectError(f"{path} was trained with another feature size; retrain it")
            self.topics = [str(t) for t in data["topics"]]
            low, high = (int(v) for v in data["char_ngrams"])
            self.char_ngrams = (low, high)
            self.idf = data["idf"]
            self.intercepts = data["intercepts"]
            self.weights = sp.csr_matrix(
                (data["coef_data"], data["coef_indices"], data["coef_indptr"]),
                shape=(len(self.topics), 2 * N_FEATURES),
            )
        self._weights_t = self.weights.T.tocsr()

    def predict_proba(self, texts: list[str | None]) -> np.ndarray:
        """Probabilities, one row per text, one column per ``self.topics``."""
        if not texts:
            return np.zeros((0, len(self.topics)), dtype=np.float32)
        features = weigh(hashed_counts([t or "" for t in texts], self.char_ngrams), self.idf)
        z = np.asarray((features @ self._weights_t).todense()) + self.intercepts
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
