"""The relevance and topic model: is a post about the phenomena of the guidelines, and which topics.

One linear model with two feature blocks, both computed per post without an encoder at run time:

* hashed word and character n-grams (the same :class:`~antena.models.features.FeatureSpec` as
  sentiment, so a pipeline tokenises a batch once for both);
* concept counts: hits of a hand-written multilingual concept lexicon (``concepts.yaml``: child,
  abduction, trafficking, smuggling... and the idioms, drugs and road traffic that look alike), in
  a dozen languages, with the pairs that matter (child x abduction, child x sexual...), so that a
  lesson learnt in Spanish holds in Catalan or Indonesian.

(Static word vectors derived from multilingual-e5-small and e5 sentence embeddings were measured
and not adopted: see ``docs/models/relevance.md``.)

Outputs a relevance probability (logistic regression, threshold chosen on out-of-fold predictions
of the training labels) and one probability per topic (one-vs-rest logistic regressions trained on
relevant posts). Artifacts live in ``antena/models/relevance/<version>/`` as ``model.npz`` (plain
arrays, no pickle) and ``meta.json``; a project's adapted model lives in its ``.antena/models``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml

from antena.models.features import FeatureSpec, transform_cached, weight
from antena.nlp.textutil import TermMatcher, fold, tokens

PACKAGE_DIR = Path(__file__).resolve().parent / "relevance"
CONCEPTS_FILE = PACKAGE_DIR / "concepts.yaml"
PAIRS = (("child", "abduction"), ("child", "missing"), ("child", "sexual_exploitation"), ("child", "csam"),
         ("child", "labour"), ("child", "trafficking"), ("child", "organ"), ("authority", "missing"),
         ("authority", "trafficking"), ("criticism", "authority"))
CONCEPT_SCALE = 0.6
_LOCK = threading.Lock()
_LOADED: dict[str, RelevanceModel] = {}


def concept_terms(path: str = str(CONCEPTS_FILE)) -> dict[str, list[str]]:
    """The concept lexicon as concept -> terms."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): [str(t) for t in v or []] for k, v in data.items()}


@lru_cache(maxsize=8)
def concept_lexicon(path: str = str(CONCEPTS_FILE)) -> tuple[tuple[str, ...], TermMatcher, dict[str, tuple[int, ...]]]:
    """(concept names, one matcher over every term, term -> indices of the concepts it signals)."""
    data = concept_terms(path)
    names = tuple(sorted(data))
    canonical: dict[tuple[bool, tuple[str, ...]], str] = {}  # spellings that fold alike are one term
    owners: dict[str, set[int]] = {}
    for i, name in enumerate(names):
        for term in data[name]:
            key = (term.strip().endswith("*"), tuple(tokens(fold(term.strip().rstrip("*")))))
            if key[1]:
                owners.setdefault(canonical.setdefault(key, term), set()).add(i)
    return names, TermMatcher(list(owners)), {t: tuple(sorted(c)) for t, c in owners.items()}


def concept_features(texts: list[str | None], path: str = str(CONCEPTS_FILE)) -> np.ndarray:
    """Per text: saturating counts of distinct terms per concept, then the concept pairs of :data:`PAIRS`."""
    names, matcher, owners = concept_lexicon(path)
    index = {n: i for i, n in enumerate(names)}
    pairs = [(index[a], index[b]) for a, b in PAIRS if a in index and b in index]
    hits = np.zeros((len(texts), len(names)), dtype=np.float32)
    for row, text in enumerate(texts):
        folded = fold(text)
        if folded:
            for term in matcher.find(folded):
                for col in owners[term]:
                    hits[row, col] += 1
    out = np.zeros((len(texts), len(names) + len(pairs)), dtype=np.float32)
    out[:, :len(names)] = np.minimum(hits, 3) / 3.0
    for k, (a, b) in enumerate(pairs):
        out[:, len(names) + k] = np.minimum(out[:, a], out[:, b])
    return out


@dataclass
class RelevanceModel:
    """Relevance probability and topic probabilities over the three feature blocks."""

    version: str
    topics: list[str]
    spec: FeatureSpec
    idf: np.ndarray  # (n_features,) hashed n-gram idf
    columns: np.ndarray  # hashed feature ids that carry weights (the rest are zero)
    weights: np.ndarray  # (len(columns) + n_concept + dim, 1 + n_topics)
    bias: np.ndarray  # (1 + n_topics,)
    threshold: float = 0.5
    topic_threshold: float = 0.35
    base: str | None = None  # a project model adapts the packaged model of this version
    meta: dict[str, Any] = field(default_factory=dict)

    def features(self, texts: list[str | None], langs: list[str | None]) -> sp.csr_matrix:
        own = build_features(self.spec, self.idf, texts, langs, self.columns)
        if self.base is None:
            return own
        return sp.hstack([base_features(load(model_dir(self.base)), texts, langs), own], format="csr")

    def scores(self, texts: list[str | None], langs: list[str | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(relevance probabilities (n,), topic probabilities (n, n_topics))."""
        if not texts:
            return np.zeros(0, np.float32), np.zeros((0, len(self.topics)), np.float32)
        langs = list(langs) if langs is not None else [None] * len(texts)
        z = np.asarray(self.features(texts, langs) @ self.weights, dtype=np.float32) + self.bias
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        empty = np.array([not (t or "").strip() for t in texts])
        p[empty] = 0.0
        return p[:, 0], p[:, 1:]

    def topic_lists(self, relevant: np.ndarray, topic_probs: np.ndarray) -> list[list[str]]:
        """Topics at or above the topic threshold; a relevant post always gets its best topic."""
        out = []
        for is_relevant, row in zip(relevant, topic_probs, strict=True):
            chosen = [self.topics[j] for j in np.flatnonzero(row >= self.topic_threshold)]
            if is_relevant and not chosen and len(row):
                chosen = [self.topics[int(row.argmax())]]
            out.append(chosen if is_relevant else [])
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # idf of every feature seen in training (the rest share one value, that of an unseen term):
        # rows are L2-normalised over all their features, so serving needs the same idf as training
        unseen = float(self.idf.max()) if self.idf.size else 1.0
        seen = np.flatnonzero(self.idf < unseen - 1e-6)
        np.savez_compressed(folder / "model.npz", idf_seen=seen.astype(np.int32),
                            idf_values=self.idf[seen].astype(np.float32), idf_unseen=np.float32(unseen),
                            columns=self.columns.astype(np.int32), weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32))
        meta = {**self.meta, "task": "relevance", "version": self.version, "topics": self.topics,
                "features": self.spec.__dict__, "threshold": self.threshold,
                "topic_threshold": self.topic_threshold, "base": self.base}
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> RelevanceModel:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        spec = FeatureSpec(**meta["features"])
        with np.load(folder / "model.npz", allow_pickle=False) as arrays:
            columns = arrays["columns"].astype(np.int64)
            idf = np.full(spec.n_features, float(arrays["idf_unseen"]), dtype=np.float32)
            idf[arrays["idf_seen"].astype(np.int64)] = arrays["idf_values"]
            weights, bias = arrays["weights"].astype(np.float32), arrays["bias"].astype(np.float32)
        return cls(version=str(meta["version"]), topics=list(meta["topics"]), spec=spec, idf=idf, columns=columns,
                   weights=weights, bias=bias, threshold=float(meta["threshold"]),
                   topic_threshold=float(meta["topic_threshold"]), base=meta.get("base"), meta=meta)


def build_features(spec: FeatureSpec, idf: np.ndarray, texts: list[str | None], langs: list[str | None],
                   columns: np.ndarray | None = None) -> sp.csr_matrix:
    """The model's input matrix: [n-grams (kept columns) | concepts]."""
    clean = [t or "" for t in texts]
    if columns is not None and not len(columns):  # a model without n-grams
        ngrams = sp.csr_matrix((len(clean), 0), dtype=np.float32)
    else:
        ngrams = weight(transform_cached(spec, clean, langs), idf)
        if columns is not None:
            ngrams = ngrams[:, columns]
    concepts = sp.csr_matrix(concept_features(clean) * CONCEPT_SCALE)
    return sp.hstack([ngrams, concepts], format="csr", dtype=np.float32)


BASE_SCALE = 0.25  # logits of the packaged model, beside the project model's own features


def base_features(base: RelevanceModel, texts: list[str | None], langs: list[str | None]) -> sp.csr_matrix:
    """The packaged model's relevance and topic logits, as input columns of a project model."""
    relevance, topics = base.scores(texts, langs)
    probs = np.clip(np.column_stack([relevance, topics]), 1e-4, 1 - 1e-4)
    return sp.csr_matrix((np.log(probs / (1 - probs)) * BASE_SCALE).astype(np.float32))


def project_model_dir(folder: str | Path) -> Path:
    """Where a project keeps its adapted relevance and topic model."""
    return Path(folder) / ".antena" / "models" / "relevance"


def for_project(folder: str | Path | None) -> RelevanceModel:
    """The model a project's analysis uses: its adapted one when it has one, else the packaged one."""
    adapted = project_model_dir(folder) if folder is not None else None
    return load(adapted if adapted is not None and (adapted / "meta.json").is_file() else None)


def suggest_topic(model: RelevanceModel, text: str, lang: str | None, topic_ids: list[str]) -> str | None:
    """The most likely of ``topic_ids`` (a project's taxonomy) for one post, or None if the model knows none."""
    known = [t for t in model.topics if t in topic_ids]
    if not known:
        return None
    _, probs = model.scores([text], [lang])
    return max(known, key=lambda t: probs[0][model.topics.index(t)])


def model_dir(version: str | None = None) -> Path:
    """The packaged model folder of ``version`` (the newest by default); a folder path passes through."""
    if version is not None:
        if (Path(version) / "meta.json").is_file():
            return Path(version)
        return PACKAGE_DIR / version
    versions = sorted((p for p in PACKAGE_DIR.glob("*") if (p / "meta.json").exists()),
                      key=lambda p: (len(p.name), p.name))
    if not versions:
        raise FileNotFoundError(f"no packaged relevance model under {PACKAGE_DIR}")
    return versions[-1]


def load(path: str | Path | None = None) -> RelevanceModel:
    """The packaged model (or the one at ``path``), loaded once per process."""
    folder = Path(path) if path is not None else model_dir()
    key = str(folder.resolve())
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = RelevanceModel.load(folder)
        return _LOADED[key]


def model_digest(folder: str | Path) -> str:
    """Short content hash of a saved model folder (it goes into the analysers' version)."""
    import hashlib

    digest = hashlib.sha256()
    for name in ("meta.json", "model.npz"):
        digest.update((Path(folder) / name).read_bytes())
    return digest.hexdigest()[:12]


_SCORES: dict[tuple, tuple[tuple, np.ndarray, np.ndarray]] = {}


def scores_cached(model: RelevanceModel, texts: list[str | None], langs: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``model.scores`` memoised for the last batch: relevance and topics read the same batch in turn."""
    key_texts = (tuple(texts), tuple(langs))
    key = (id(model), hash(key_texts))
    hit = _SCORES.get(key)
    if hit is not None and hit[0] == key_texts:
        return hit[1], hit[2]
    relevance, topics = model.scores(texts, langs)
    _SCORES.clear()
    _SCORES[key] = (key_texts, relevance, topics)
    return relevance, topics


def method_summary(folder: str | Path | None, labels: int = 0, relevant: int = 0) -> dict[str, Any]:
    """What the report's method section says about relevance: the model used and its scores.

    With a project model: its scores on the project's labels (cross-validated). Otherwise the
    packaged model's dev-set scores, and how many labels the project has (none, or not yet used).
    """
    project = project_model_dir(folder) if folder is not None else None
    if project is not None and (project / "meta.json").is_file():
        model = load(project)
        scores = model.meta.get("validation", {})
        adapted = scores.get("adapted_cv") or scores.get("packaged") or {}
        return {"model": "project", "labels": model.meta.get("labels", labels),
                "relevant": model.meta.get("relevant", relevant), "scores": _headline(adapted),
                "evaluation": "adapted_cv" if "adapted_cv" in scores else "packaged"}
    model = load()
    dev = model.meta.get("validation", {}).get("dev", {})
    return {"model": "packaged", "version": model.version, "labels": labels, "relevant": relevant,
            "scores": _headline(dev), "dev_n": dev.get("n"), "dev_relevant": dev.get("relevant")}


def _headline(m: dict[str, Any]) -> dict[str, Any]:
    keys = ("precision", "precision_ci", "recall", "recall_ci", "f1", "f1_ci")
    return {k: m[k] for k in keys if k in m}
