"""Antena's trained text classifiers: sentiment, emotion and sentiment toward a named target.

``load_model(task)`` returns a :class:`TextClassifier` loaded from the package (never from the
network), lazily and once per process. Each model lives in ``antena/models/<task>/<version>/``
as ``model.npz`` (weights) and ``meta.json`` (labels, feature settings, training data and the
validation scores recorded at training time).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from antena.models.features import FeatureSpec, lexicon_features, transform_cached, weight

TASKS = ("sentiment", "emotion", "target_sentiment")
PACKAGE_DIR = Path(__file__).resolve().parent
_LOCK = threading.Lock()
_LOADED: dict[str, TextClassifier] = {}


def variant_dir(name: str) -> Path:
    """The packaged folder of a target-sentiment variant (``TARGET_VARIANTS``)."""
    return PACKAGE_DIR / "target_sentiment" / "variants" / name


@dataclass
class TextClassifier:
    """A linear model over hashed tweet features with softmax-calibrated scores."""

    task: str
    labels: list[str]
    version: str
    spec: FeatureSpec
    idf: np.ndarray  # (n_features,)
    weights: np.ndarray  # (n_features, n_labels)
    bias: np.ndarray  # (n_labels,)
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)
    # Optional language heads: "en" for English, "other" for any other known language; the
    # main weights serve posts whose language is unknown.
    heads: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Optional lexicon weights per head, (n_lexicon_features, n_labels): that head's score also
    # reads :func:`antena.models.features.lexicon_features` (the English head: VADER).
    lexicon: dict[str, np.ndarray] = field(default_factory=dict)
    # Optional temperature per head ("" = all-languages head) fitted on validation
    # (antena.models.calibration); heads without one use ``temperature``.
    head_temperatures: dict[str, float] = field(default_factory=dict)

    def head_of(self, lang: str | None) -> str | None:
        if not lang or lang in ("und", "xx") or not self.heads:
            return None
        if lang in self.heads:
            return lang
        return "other" if "other" in self.heads else None

    def decision(self, texts: list[str], langs: list[str | None]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        matrix = weight(transform_cached(self.spec, texts, langs), self.idf)
        scores = np.asarray(matrix @ self.weights, dtype=np.float32) + self.bias
        if self.heads:
            routes = np.array([self.head_of(lang) or "" for lang in langs])
            for name, (head_weights, head_bias) in self.heads.items():
                rows = np.flatnonzero(routes == name)
                if rows.size:
                    scores[rows] = np.asarray(matrix[rows] @ head_weights, dtype=np.float32) + head_bias
                    if name in self.lexicon:
                        scores[rows] += lexicon_features([texts[i] for i in rows]) @ self.lexicon[name]
        return scores

    def predict_proba(self, texts: list[str], langs: list[str | None] | None = None) -> np.ndarray:
        """Probabilities, one row per text (rows sum to 1), columns in ``labels`` order."""
        texts = [t or "" for t in texts]
        return self._proba(texts, list(langs) if langs is not None else [None] * len(texts))

    def _proba(self, texts: list[str], langs: list[str | None]) -> np.ndarray:
        scores = self.decision(texts, langs)
        if self.head_temperatures:
            scale = np.array([self.head_temperatures.get(self.head_of(lang) or "", self.temperature) for lang in langs],
                             dtype=np.float32)
            scores = scores * scale[:, None] if len(scores) else scores
        else:
            scores = scores * self.temperature
        scores -= scores.max(axis=1, keepdims=True) if len(scores) else 0
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, texts: list[str], langs: list[str | None] | None = None) -> list[str]:
        proba = self.predict_proba(texts, langs)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "model.npz",
            idf=self.idf.astype(np.float16),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            **{f"weights_{k}": w.astype(np.float16) for k, (w, _) in self.heads.items()},
            **{f"bias_{k}": b.astype(np.float32) for k, (_, b) in self.heads.items()},
            **{f"lexicon_{k}": w.astype(np.float32) for k, w in self.lexicon.items()},
        )
        meta = {
            **self.meta,
            "task": self.task,
            "labels": self.labels,
            "version": self.version,
            "features": self.spec.__dict__,
            "temperature": self.temperature,
            "head_temperatures": self.head_temperatures,
            "heads": sorted(self.heads),
            "lexicon_heads": sorted(self.lexicon),
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TextClassifier:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        with np.load(folder / "model.npz") as arrays:
            idf = arrays["idf"].astype(np.float32)
            weights = arrays["weights"].astype(np.float32)
            bias = arrays["bias"].astype(np.float32)
            heads = {
                k: (arrays[f"weights_{k}"].astype(np.float32), arrays[f"bias_{k}"].astype(np.float32))
                for k in meta.get("heads", [])
            }
            lexicon = {k: arrays[f"lexicon_{k}"].astype(np.float32) for k in meta.get("lexicon_heads", [])}
        return cls(
            task=meta["task"], labels=list(meta["labels"]), version=str(meta["version"]),
            spec=FeatureSpec(**meta["features"]), idf=idf, weights=weights, bias=bias,
            temperature=float(meta.get("temperature", 1.0)), meta=meta, heads=heads, lexicon=lexicon,
            head_temperatures={k: float(v) for k, v in (meta.get("head_temperatures") or {}).items()},
        )


def model_dir(task: str, version: str | None = None) -> Path:
    """The packaged folder of ``task`` (its highest version unless one is named)."""
    base = PACKAGE_DIR / task
    if version is not None:
        return base / version
    versions = sorted(
        (p for p in base.glob("*") if (p / "meta.json").exists()),
        key=lambda p: (len(p.name), p.name),
    )
    if not versions:
        raise FileNotFoundError(f"no packaged model for {task!r} under {base}")
    return versions[-1]


def load_model(task: str, path: str | Path | None = None) -> TextClassifier:
    """The model for ``task`` (sentiment, emotion, target_sentiment), cached per process.

    ``path`` loads a model folder written by ``antena models train --out`` instead.
    """
    if path is None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    key = str(Path(path).resolve()) if path is not None else task
    with _LOCK:
        model = _LOADED.get(key)
        if model is None:
            model = TextClassifier.load(Path(path) if path is not None else model_dir(task))
            _LOADED[key] = model
    return model
