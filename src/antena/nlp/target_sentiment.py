"""Sentiment toward each named target a post mentions, not the post's overall mood.

Each mention (an alias, matched case- and accent-insensitively as a whole word; @handles and
#hashtags with their sign) is judged on its clause: the text between clause breaks (punctuation,
"pero", "but", "aunque", ...), widened to the next clause when it says too little. Two models
read that clause: the target-sentiment model (trained with the target masked, on SemEval-2017
B-E and the Catalan stance corpus) and the post sentiment model; their probabilities are
averaged, and over all mentions of the same target. ``score`` = P(positive) - P(negative).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from antena.models.features import TARGET_TOKEN
from antena.nlp.base import Analyser
from antena.nlp.sentiment import post_languages, texts_of
from antena.registry import register_analyser

MAX_SCAN = 20_000  # mentions are looked for in the first 20,000 characters
MIN_CONTEXT_WORDS = 2
# Mixing weights chosen on the validation splits (docs/models/target_sentiment.md).
MODEL_WEIGHT = 0.5  # target model vs post sentiment model, for a named target
CLAUSE_WEIGHT = 0.5  # the mention's clause vs the whole post (every mention of the target masked)
CUE_WEIGHT = 0.3  # probability mass a clear praise/blame cue moves toward its polarity
UNMENTIONED_MODEL_WEIGHT = 1.0  # a post that never names the target: its stance, target model only
LABELS = ("negative", "neutral", "positive")
TARGET_TYPE = pa.list_(pa.struct([
    ("target", pa.string()), ("alias", pa.string()), ("sentiment", pa.string()), ("score", pa.float32()),
]))

_BREAK = re.compile(
    r"[.;!?¡¿\n]+|,|\s[-–—]\s|\b(?:pero|aunque|sin embargo|mientras que|en cambio|but|although|"
    r"though|however|whereas|while)\b"
)
_WORD = re.compile(r"\w+")
# Transparent cues of praise and blame toward an actor (folded: lower case, no accents).
_CUE = r"(?<!\w)(?:{})(?!\w)"
_POSITIVE_CUES = re.compile(_CUE.format("|".join((
    r"gracias", r"agradec\w*", r"bravo", r"excelente\w*", r"felicit\w*", r"heroes?", r"heroin\w*",
    r"buen(?:a|o|isimo)? trabajo", r"ayud(?:a|an|o|aron)", r"apoy(?:a|an|o|aron)", r"rescat\w*",
    r"encontr(?:o|aron)", r"localiz(?:o|aron)", r"thanks?", r"thank you", r"grateful", r"great job",
    r"well done", r"heroes?", r"rescued?", r"found", r"helped", r"support(?:s|ed)?", r"kudos",
))))
_NEGATIVE_CUES = re.compile(_CUE.format("|".join((
    r"no (?:\w+ )?(?:hizo|hace|hacen|hicieron|han hecho|ha hecho) nada", r"inutil(?:es)?", r"corrupt\w*",
    r"negligen\w*", r"impunidad", r"complic\w*", r"verguenza", r"culpa\w*", r"incompeten\w*",
    r"ineptos?", r"omis\w*", r"encubr\w*", r"(?:did|do|does|doing) nothing", r"useless", r"failed",
    r"fail(?:s|ure)?", r"shame(?:ful)?", r"cover(?:ed)?[- ]up", r"ignor(?:a|an|o|aron|ed|es)",
))))


class _FoldTable(dict):
    """``str.translate`` table: lower-case and strip accents one character for one character,
    so offsets in the folded text are offsets in the original."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        lower = char.lower()
        base = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
        self[code] = ord(base) if len(base) == 1 else (ord(lower) if len(lower) == 1 else code)
        return self[code]


_FOLD = _FoldTable()


def fold(text: str) -> str:
    return text.translate(_FOLD)


@dataclass(frozen=True)
class _Target:
    id: str
    aliases: tuple[str, ...]
    pattern: re.Pattern[str] | None
    needles: tuple[str, ...]  # folded aliases: a cheap substring test before the regex


_APOSTROPHES = "'’"


def _alias_regex(alias: str) -> str:
    """Whole words, any spacing between them; a word starting with an apostrophe may be glued to
    the one before ("valentine 's day" finds "Valentine's Day" and "Valentine’s Day")."""
    words = fold(alias.strip()).split()
    body = ""
    for i, word in enumerate(words):
        glued = word[:1] in _APOSTROPHES
        if i:
            body += r"\s*" if glued else r"\s+"
        body += f"[{_APOSTROPHES}]{re.escape(word[1:])}" if glued else re.escape(word)
    return f"(?<![\\w@#])({body})(?!\\w)"


def compile_targets(targets: list[dict[str, Any]]) -> list[_Target]:
    compiled = []
    for spec in targets or []:
        # Longest first, ties by text: a set's order changes with the process's string hash seed,
        # and two aliases that fold alike ("Niños Robados", "Ninos Robados") would name a mention
        # differently in another process (a Spark worker).
        aliases = tuple(sorted({a for a in spec.get("aliases", []) if a and a.strip()}, key=lambda a: (-len(a), a)))
        pattern = re.compile("|".join(_alias_regex(a) for a in aliases)) if aliases else None
        needles = tuple(sorted({fold(a.strip()).split()[0] for a in aliases}))
        compiled.append(_Target(str(spec.get("id") or spec.get("name") or ""), aliases, pattern, needles))
    return compiled


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every ``(start, end)`` span replaced by the target token."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} {TARGET_TOKEN} {text[end:]}"
    return text


def clause_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause holding ``text[start:end]``, widened while it has too few other words."""
    breaks = [(m.start(), m.end()) for m in _BREAK.finditer(text)]
    bounds = [0] + [p for b in breaks for p in b] + [len(text)]
    spans = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]
    index = next((i for i, (a, b) in enumerate(spans) if a <= start < b or a <= start <= b), 0)
    lo = hi = index
    def words(a: int, b: int) -> int:
        return len(_WORD.findall(text[a:start])) + len(_WORD.findall(text[end:b]))
    while words(spans[lo][0], spans[hi][1]) < MIN_CONTEXT_WORDS and (lo > 0 or hi < len(spans) - 1):
        if hi < len(spans) - 1:
            hi += 1
        else:
            lo -= 1
    return spans[lo][0], spans[hi][1]


@register_analyser
class TargetSentiment(Analyser):
    """Adds ``targets``: one entry per mentioned target with its sentiment and score."""

    name = "target_sentiment"
    version = "2"  # model v2, clause + whole post (docs/models/target_sentiment.md)
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text", "lang")
    uses: ClassVar[tuple[str, ...]] = ("language",)
    assigns: ClassVar[dict[str, pa.DataType]] = {"targets": TARGET_TYPE}

    class Settings(BaseModel):
        """``[analysers.target_sentiment]``; ``targets`` come from ``[[targets]]``."""

        model_config = ConfigDict(extra="forbid")
        targets: list[dict[str, Any]] | None = None
        model_weight: float = Field(MODEL_WEIGHT, ge=0, le=1)  # share of the target model; the rest is post sentiment
        clause_weight: float = Field(CLAUSE_WEIGHT, ge=0, le=1)  # share of the clause; the rest is the whole post
        cue_weight: float = Field(CUE_WEIGHT, ge=0, le=1)  # probability a praise/blame cue moves
        # "default" (SemEval, CIC, TweetEval stance) or "no-cic" (without the CC BY-NC-SA Catalan
        # corpus: English-only training data); see docs/models/target_sentiment.md.
        variant: Literal["default", "no-cic"] = "default"
        # Judge the whole post for a target it never names (entry with ``alias`` null), with the
        # target model only. Set by ``antena predict --target``: the caller says the post is about it.
        unmentioned: bool = False

    def __init__(self, targets: list[dict[str, Any]] | None = None, model_weight: float = MODEL_WEIGHT,
                 clause_weight: float = CLAUSE_WEIGHT, cue_weight: float = CUE_WEIGHT,
                 unmentioned: bool = False, **config: Any) -> None:
        super().__init__(targets=targets, model_weight=model_weight, clause_weight=clause_weight,
                         cue_weight=cue_weight, unmentioned=unmentioned, **config)
        self.targets = targets or []
        self.model_weight = model_weight
        self.clause_weight = clause_weight
        self.cue_weight = cue_weight
        self.unmentioned = unmentioned
        self._compiled: list[_Target] | None = None

    def mentions(self, text: str) -> list[tuple[str, str, int, int]]:
        """(target id, alias, start, end) of every mention, in order of appearance."""
        if self._compiled is None:
            self._compiled = compile_targets(self.targets)
        head = text[:MAX_SCAN]
        folded = fold(head)
        found = []
        for target in self._compiled:
            if target.pattern is None or not any(n in folded for n in target.needles):
                continue
            for match in target.pattern.finditer(folded):
                alias = target.aliases[match.lastindex - 1] if match.lastindex else match.group(0)
                found.append((target.id, alias, match.start(), match.end()))
        return sorted(found, key=lambda m: (m[2], m[0]))

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = texts_of(batch)
        langs = post_languages(batch)
        contexts: list[str] = []
        masked: list[str] = []
        whole: list[str] = []
        context_langs: list[str | None] = []
        owners: list[tuple[int, str, str | None]] = []  # (row, target id, alias)
        for row, text in enumerate(texts):
            if not text:
                continue
            head = text[:MAX_SCAN]
            found = self.mentions(head)
            for target_id, alias, start, end in found:
                lo, hi = clause_around(head, start, end)
                contexts.append(head[lo:hi])
                masked.append(f"{head[lo:start]} {TARGET_TOKEN} {head[end:hi]}")
                whole.append(mask_spans(head, [(a, b) for t, _, a, b in found if t == target_id]))
                context_langs.append(langs[row])
                owners.append((row, target_id, alias))
            if self.unmentioned:
                named = {m[0] for m in found}
                for target in self._compiled or []:
                    if target.id not in named:
                        contexts.append(head)
                        masked.append(head)
                        whole.append(head)
                        context_langs.append(langs[row])
                        owners.append((row, target.id, None))
        proba = self._judge(contexts, masked, context_langs, whole, [o[2] is None for o in owners])
        per_row: list[dict[str, tuple[str | None, list[np.ndarray]]]] = [{} for _ in texts]
        for (row, target_id, alias), p in zip(owners, proba, strict=True):  # alias None: not named
            entry = per_row[row].setdefault(target_id, (alias, []))
            entry[1].append(p)
        values = []
        for found in per_row:
            items = []
            for target_id, (alias, probs) in found.items():
                mean = np.mean(probs, axis=0)
                items.append({
                    "target": target_id, "alias": alias, "sentiment": LABELS[int(mean.argmax())],
                    "score": float(mean[2] - mean[0]),
                })
            values.append(items)
        return self.result(batch, {"targets": pa.array(values, type=TARGET_TYPE)})

    def _judge(self, contexts: list[str], masked: list[str], langs: list[str | None],
               whole: list[str] | None = None, unnamed: list[bool] | None = None) -> np.ndarray:
        """Probabilities (negative, neutral, positive) for each mention: the clause and the whole
        post (target masked in both) read by the target and post models, mixed, then the cues."""
        if not contexts:
            return np.zeros((0, 3), dtype=np.float32)
        whole = masked if whole is None else whole
        unnamed = [False] * len(masked) if unnamed is None else unnamed
        from antena.models import load_model

        path = self.config.get("model_path")
        if path is None and self.config.get("variant", "default") != "default":
            from antena.models import variant_dir

            path = variant_dir(self.config["variant"])
        target_model = load_model("target_sentiment", path)
        post_model = load_model("sentiment")
        inputs = masked + whole  # one feature matrix for both models
        both = langs + langs
        p_target = target_model.predict_proba(inputs, both)[:, [target_model.labels.index(k) for k in LABELS]]
        p_post = post_model.predict_proba(inputs, both)[:, [post_model.labels.index(k) for k in LABELS]]
        n = len(masked)
        p_target = self.clause_weight * p_target[:n] + (1 - self.clause_weight) * p_target[n:]
        p_post = self.clause_weight * p_post[:n] + (1 - self.clause_weight) * p_post[n:]
        weight = np.where(np.array(unnamed), UNMENTIONED_MODEL_WEIGHT, self.model_weight)[:, None]
        proba = weight * p_target + (1 - weight) * p_post
        for i, context in enumerate(contexts):
            folded = fold(context)
            cue = bool(_POSITIVE_CUES.search(folded)) - bool(_NEGATIVE_CUES.search(folded))
            if cue and self.cue_weight:
                push = np.zeros(3)
                push[2 if cue > 0 else 0] = 1.0
                proba[i] = (1 - self.cue_weight) * proba[i] + self.cue_weight * push
        return proba
