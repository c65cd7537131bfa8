"""Topic discovery: themes among relevant posts that no taxonomy topic explains.

Candidates are the ``analysis`` view's relevant posts with no topic but ``other`` (or none). Texts are
cleaned (URLs, @mentions and the ``RT @user:`` prefix removed), identical texts (reposts) are
clustered once and weighted by how often they occur, then clustered with tf-idf (words and word
pairs, Spanish and English stop words removed) and k-means with a fixed seed. Each theme gets
its size, its most distinctive keywords and example posts closest to its centre, redacted, with
pseudonymous authors. Above ``max_posts`` candidates a fixed-seed random sample is clustered.

>>> from antena.analytics.discovery import discover      # doctest: +SKIP
>>> for theme in discover(project.store).themes: print(theme.size, theme.keywords)   # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from antena.errors import ProjectError
from antena.protect.redact import public_handles, redact
from antena.store.queries import Store

STOP_ES = frozenset("""
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bien cada casi como con
contra cual cuales cuando cuanto de del desde donde dos el ella ellas ello ellos en entre era eran
eres es esa esas ese eso esos esta estaba estado estan estar estas este esto estos estoy fue fueron
ha habia han has hasta hay he la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros
nuestra nuestro o otra otras otro otros para pero poco por porque que quien quienes se sea ser si
sido sin sobre solo son su sus tal tambien tan tanto te tenemos tener tiene tienen todo todos tu tus
un una uno unos usted ustedes va vamos van y ya yo eh pues hoy ayer asi q xq pq k d tmb porfa ano anos
""".split())
STOP_EN = frozenset("""
a about after all also am an and any are as at be been before being but by can could did do does
doing down for from had has have having he her here hers him his how i if in into is it its just me
more most my no nor not now of off on once only or other our ours out over own same she should so
some such than that the their them then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours u ur pls
""".split())
NOISE = frozenset("rt via amp http https url www com co user".split())
STOP_WORDS = sorted(STOP_ES | STOP_EN | NOISE)

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_RT = re.compile(r"^\s*rt\s+@\w+:?\s*", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")
TOKEN_PATTERN = r"(?u)#?[^\W\d_]\w+"  # words (and #hashtags) starting with a letter

DEFAULT_MAX_POSTS = 100_000
DEFAULT_MIN_SIZE = 5
MAX_K = 12


def clean(text: str | None) -> str:
    """The text a theme is judged on: no repost prefix, URLs or @mentions, spaces collapsed."""
    text = _RT.sub("", text or "")
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


def default_k(n_texts: int) -> int:
    """A modest number of themes that grows with the square root of the distinct texts."""
    return max(2, min(MAX_K, round(math.sqrt(n_texts / 25))))


@dataclass
class Theme:
    id: int
    size: int  # posts (reposts included)
    share: float  # of the clustered candidates
    distinct_texts: int
    cohesion: float  # mean cosine similarity of its texts to the centre (0-1; higher = tighter)
    keywords: list[str]  # single words (and #hashtags)
    phrases: list[str]  # word pairs (stop words removed)
    examples: list[dict[str, Any]]


@dataclass
class Discovery:
    relevant: int  # relevant posts in the project
    candidates: int  # relevant posts without any topic but `other`
    clustered: int  # candidates clustered (all, or the sample)
    sampled: bool
    seed: int
    k: int
    min_size: int
    themes: list[Theme] = field(default_factory=list)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _require_analysis(store: Store) -> None:
    if not (store.has_relevance and store.has_column("analysis", "topics")):
        raise ProjectError("topic discovery needs analysed posts with relevance and topics: run `antena analyze DIR` "
                           "with `relevance` and `topics` in [pipeline] analysers")


CANDIDATES = (
    "FROM analysis WHERE coalesce(relevant, false) AND coalesce(len(list_filter(topics, lambda t: t <> 'other')), 0) = 0"
    " AND coalesce(trim(text), '') <> ''"
)


def _load_candidates(store: Store, max_posts: int, seed: int) -> tuple[list[dict[str, Any]], int, int]:
    """Candidate posts (sampled above ``max_posts``), their total and the relevant total."""
    con = store.con
    relevant = store.count(relevant=True)
    ids = [r[0] for r in con.execute(f"SELECT post_id {CANDIDATES} ORDER BY post_id").fetchall()]  # noqa: S608 - fixed SQL
    total = len(ids)
    if total > max_posts:
        rng = np.random.default_rng(seed)
        ids = [ids[i] for i in sorted(rng.choice(total, size=max_posts, replace=False))]
    if not ids:
        return [], total, int(relevant)
    import pyarrow as pa

    con.register("discovery_ids", pa.table({"post_id": ids}))
    try:
        cur = con.execute(
            "SELECT a.post_id, a.author_id, a.created_at, a.text FROM analysis a JOIN discovery_ids d USING (post_id)"
            " ORDER BY a.created_at, a.post_id")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.unregister("discovery_ids")
    return rows, total, int(relevant)


def _top_terms(centre: np.ndarray, mean: np.ndarray, terms: np.ndarray, n: int, pairs: bool) -> list[str]:
    """Words (or word pairs) most over-represented at a theme's centre relative to all candidates."""
    distinct = centre - mean
    chosen: list[str] = []
    for j in np.argsort(-distinct, kind="stable"):
        if distinct[j] <= 0 or len(chosen) >= n:
            break
        term = str(terms[j])
        if (" " in term) == pairs:
            chosen.append(term)
    return chosen


def discover_rows(
    rows: list[dict[str, Any]],
    k: int | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
    seed: int = 0,
    n_keywords: int = 8,
    n_examples: int = 3,
    keep_handles: list[str] | None = None,
) -> tuple[list[Theme], int, str]:
    """Cluster candidate rows (post_id, author_id, created_at, text); returns themes, k and a note."""
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        key = clean(row["text"]).lower()
        if key:
            groups.setdefault(key, []).append(i)
    keys = list(groups)
    if len(keys) < 2 or sum(len(v) for v in groups.values()) < min_size:
        return [], 0, "too few posts without a topic to find themes"
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        token_pattern=TOKEN_PATTERN, stop_words=STOP_WORDS, strip_accents="unicode", lowercase=True,
        ngram_range=(1, 2), min_df=2 if len(keys) >= 50 else 1, max_df=0.95, max_features=20_000,
        sublinear_tf=True, dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(keys)
    except ValueError:  # nothing left after stop words
        return [], 0, "the posts without a topic share no words beyond stop words"
    weights = np.array([len(groups[key]) for key in keys], dtype=np.float64)
    n_clusters = min(k or default_k(len(keys)), len(keys))
    model = MiniBatchKMeans(n_clusters=n_clusters, random_state=seed, n_init=3, batch_size=4096)
    labels = model.fit_predict(matrix, sample_weight=weights)
    terms = vectorizer.get_feature_names_out()
    total = float(weights.sum())
    mean = np.asarray(matrix.T @ weights).ravel() / total
    themes = []
    for c in range(n_clusters):
        members = np.flatnonzero(labels == c)
        size = int(weights[members].sum())
        if size < min_size or len(members) == 0:
            continue
        sub = matrix[members]
        centre = np.asarray(sub.T @ weights[members]).ravel() / weights[members].sum()
        norm = float(np.linalg.norm(centre)) or 1.0
        similarity = np.asarray(sub @ (centre / norm)).ravel()
        examples = []
        for j in members[np.argsort(-similarity, kind="stable")][:n_examples]:
            first = rows[groups[keys[j]][0]]
            examples.append({
                "post_id": first["post_id"], "author": first["author_id"], "created_at": first["created_at"],
                "text": redact(first["text"], keep_handles or []), "posts_with_this_text": len(groups[keys[j]]),
            })
        themes.append(Theme(
            id=0, size=size, share=round(size / total, 4), distinct_texts=int(len(members)),
            cohesion=round(float(np.average(similarity, weights=weights[members])), 3),
            keywords=_top_terms(centre, mean, terms, n_keywords, pairs=False),
            phrases=_top_terms(centre, mean, terms, max(1, n_keywords // 2), pairs=True), examples=examples,
        ))
    themes.sort(key=lambda t: (-t.size, t.keywords))
    for i, theme in enumerate(themes, 1):
        theme.id = i
    return themes, n_clusters, ""


def discover(
    store: Store,
    k: int | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
    max_posts: int = DEFAULT_MAX_POSTS,
    seed: int = 0,
    n_keywords: int = 8,
    n_examples: int = 3,
) -> Discovery:
    """Themes among the project's relevant posts that carry no topic (after ``antena analyze``)."""
    if k is not None and k < 1:
        raise ProjectError("k must be at least 1")
    _require_analysis(store)
    rows, total, relevant = _load_candidates(store, max_posts, seed)
    keep = public_handles(store.config)
    themes, used_k, note = discover_rows(rows, k, min_size, seed, n_keywords, n_examples, keep)
    if not total:
        note = "every relevant post has a topic" if relevant else "no relevant posts"
    return Discovery(relevant=relevant, candidates=total, clustered=len(rows), sampled=len(rows) < total,
                     seed=seed, k=used_k, min_size=min_size, themes=themes, note=note)
