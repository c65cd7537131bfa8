"""Loaders for the labelled public data in ``../shared/data`` (train and validation splits only).

Every loader returns :class:`Example` rows with a normalised label. Nothing here is shipped: the
data stays outside the repository; only models trained on it are packaged.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SENTIMENT_LABELS = ["negative", "neutral", "positive"]
EMOTION_LABELS = ["anger", "fear", "sadness", "joy", "surprise", "disgust", "other"]

UMSAB_LANGS = {
    "arabic": "ar", "english": "en", "french": "fr", "german": "de",
    "hindi": "hi", "italian": "it", "portuguese": "pt", "spanish": "es",
}
TASS_COUNTRIES = ["mx", "es", "cr", "pe", "uy"]
# SemEval-2017 Task 4 files: the 2016 dev set validates; every other released file trains.
SEMEVAL_VAL = "twitter-2016dev"
# Target sets (B/D, C/E): dev and devtest validate (40 topics, scored per topic).
SEMEVAL_TARGET_VAL = ("twitter-2016dev", "twitter-2016devtest")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    lang: str | None
    dataset: str  # e.g. "umsab/es", "tass2020/mx", "semeval2016/en"
    split: str  # "train" or "val"
    target: str | None = None  # the named target, for target-sentiment sets


def data_root() -> Path:
    """``ANTENA_DATA``, else ``../shared/data`` beside the checkout or the working directory."""
    env = os.environ.get("ANTENA_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    for candidate in (repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.exists():
            return candidate
    return repo.parent / "shared" / "data"


def available(root: Path | None = None) -> bool:
    return (root or data_root()).is_dir()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _tsv(path: Path, header: bool = False) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if header:
            next(rows, None)
        for row in rows:
            if row and any(cell.strip() for cell in row):
                yield [cell.strip() for cell in row]


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescape(text: str) -> str:
    """SemEval files carry JSON-style escapes such as ``\\u002c``."""
    if "\\u" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def umsab(root: Path) -> Iterator[Example]:
    for folder, lang in UMSAB_LANGS.items():
        for split, prefix in (("train", "train"), ("val", "val")):
            text_file = root / "sentiment" / "umsab" / folder / f"{prefix}_text.txt"
            if not text_file.exists():
                continue
            labels = _lines(text_file.with_name(f"{prefix}_labels.txt"))
            for text, label in zip(_lines(text_file), labels, strict=True):
                yield Example(text, SENTIMENT_LABELS[int(label)], lang, f"umsab/{lang}", split)


def tass(root: Path) -> Iterator[Example]:
    names = {"N": "negative", "NEU": "neutral", "P": "positive"}
    for split, folder in (("train", "train"), ("val", "dev")):
        for cc in TASS_COUNTRIES:
            path = root / "sentiment" / "tass2020" / folder / f"{cc}.tsv"
            if path.exists():
                for row in _tsv(path):
                    if len(row) >= 3 and row[-1] in names:
                        yield Example(row[1], names[row[-1]], "es", f"tass2020/{cc}", split)


def _semeval_files(root: Path, subtask: str, val: tuple[str, ...] = (SEMEVAL_VAL,)) -> Iterator[tuple[str, Path]]:
    for path in sorted((root / "sentiment" / "semeval2017_en" / subtask).glob("*.tsv")):
        yield ("val" if any(path.name.startswith(name + "-") for name in val) else "train"), path


def semeval_a(root: Path) -> Iterator[Example]:
    for split, path in _semeval_files(root, "A"):
        for row in _tsv(path):
            if len(row) >= 3 and row[1] in SENTIMENT_LABELS:
                yield Example(_unescape(row[2].strip('"')), row[1], "en", "semeval2016/en", split)


def sentiment(root: Path | None = None) -> list[Example]:
    """UMSAB (8 languages), TASS 2020 (5 countries) and SemEval-2017 A (English)."""
    root = root or data_root()
    return [*umsab(root), *tass(root), *semeval_a(root)]


def emotion(root: Path | None = None) -> list[Example]:
    """EmoEvent (es, en; ``others`` becomes ``other``) and TweetEval emotion (optimism as joy)."""
    root = root or data_root()
    rows: list[Example] = []
    for lang in ("es", "en"):
        for split, name in (("train", "train"), ("val", "dev")):
            path = root / "emotion" / "emoevent" / lang / f"{name}.tsv"
            if not path.exists():
                continue
            for row in _tsv(path, header=True):
                if len(row) >= 5:
                    label = "other" if row[4] == "others" else row[4]
                    if label in EMOTION_LABELS:
                        rows.append(Example(row[2], label, lang, f"emoevent/{lang}", split))
    folder = root / "emotion" / "tweeteval_emotion"
    mapping = {0: "anger", 1: "joy", 2: "joy", 3: "sadness"}
    for split in ("train", "val"):
        text_file = folder / f"{split}_text.txt"
        if text_file.exists():
            labels = _lines(folder / f"{split}_labels.txt")
            for text, label in zip(_lines(text_file), labels, strict=True):
                rows.append(Example(text, mapping[int(label)], "en", "tweeteval_emotion/en", split))
    return rows


TWEETEVAL_STANCE_TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")


def tweeteval_stance(root: Path) -> Iterator[Example]:
    """TweetEval stance (SemEval-2016 Task 6, five English targets): 0 none, 1 against, 2 favor."""
    labels = ("neutral", "negative", "positive")
    for name in TWEETEVAL_STANCE_TARGETS:
        folder = root / "stance" / "tweeteval" / name
        for split in ("train", "val"):
            text_file = folder / f"{split}_text.txt"
            if text_file.exists():
                for text, label in zip(_lines(text_file), _lines(folder / f"{split}_labels.txt"), strict=True):
                    yield Example(text, labels[int(label)], "en", f"tweeteval_stance/{name}", split)


def target_sentiment(root: Path | None = None, without: tuple[str, ...] = ()) -> list[Example]:
    """SemEval-2017 B/D (pos/neg toward a topic), C/E (-2..2), CIC Spanish stance and TweetEval stance.

    The stance sets' targets (Catalan independence; abortion, atheism, ...) are rarely named in
    the tweet, so their examples carry no ``target``; FAVOR is read as positive, AGAINST as
    negative, NEUTRAL/NONE as neutral. ``without``: dataset name prefixes to leave out (``"cic"``).
    """
    root = root or data_root()
    rows: list[Example] = []
    for split, path in _semeval_files(root, "BD", SEMEVAL_TARGET_VAL):
        for row in _tsv(path):
            if len(row) >= 4 and row[2] in ("positive", "negative"):
                rows.append(Example(_unescape(row[3].strip('"')), row[2], "en", "semeval_bd/en", split, row[1]))
    five = {"-2": "negative", "-1": "negative", "0": "neutral", "1": "positive", "2": "positive"}
    for split, path in _semeval_files(root, "CE", SEMEVAL_TARGET_VAL):
        for row in _tsv(path):
            if len(row) >= 4 and row[2] in five:
                rows.append(Example(_unescape(row[3].strip('"')), five[row[2]], "en", "semeval_ce/en", split, row[1]))
    stance = {"AGAINST": "negative", "FAVOR": "positive", "NEUTRAL": "neutral"}
    for split in ("train", "val"):
        path = root / "stance" / "cic_es" / f"{split}.tsv"
        if path.exists():
            for row in _tsv(path, header=True):
                if len(row) >= 3 and row[-1] in stance:
                    rows.append(Example(row[1], stance[row[-1]], "es", "cic/es", split))
    rows.extend(tweeteval_stance(root))
    return [r for r in rows if not r.dataset.startswith(without)] if without else rows


def _dedupe_key(text: str) -> str:
    from antena.models.features import normalise

    return normalise(text)


def without_val_duplicates(rows: list[Example]) -> list[Example]:
    """Drop training rows whose text also occurs in any validation split (sets overlap:
    UMSAB Spanish is drawn from TASS), and repeated training rows."""
    val = {_dedupe_key(r.text) for r in rows if r.split == "val"}
    seen: set[tuple[str, str | None]] = set()
    kept: list[Example] = []
    for row in rows:
        if row.split == "train":
            key = _dedupe_key(row.text)
            if key in val or (key, row.target) in seen:
                continue
            seen.add((key, row.target))
        kept.append(row)
    return kept


LOADERS = {"sentiment": sentiment, "emotion": emotion, "target_sentiment": target_sentiment}
