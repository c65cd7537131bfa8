"""The planted truth of a demo corpus: what was generated, tallied so analyses can be checked.

``demo_truth.json`` holds the planted parameters (awareness and sentiment rates per campaign
phase), the realised counts per analysis window (before / during / after the campaign, as in
the ``[[campaigns]]`` entry of ``antena.toml``), and the risky posts a reviewer should see.
``demo_labels.jsonl.gz`` holds the same truth per post (joined on ``post_id``).
"""

from __future__ import annotations

import gzip
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from antena.demo.scenario import (
    AWARE_RATE,
    ENGLISH_RATE,
    NOISE_RATE,
    RISKY_RATE,
    SENTIMENT_MIX,
    UNAWARE_RATE,
    Message,
    Scenario,
)

MEXICO_OFFSET = timedelta(hours=6)  # the scenario's days are Mexico City days (UTC-6)
WINDOWS = ("before", "during", "after", "outside")
SENTIMENT_NAMES = {1: "positive", 0: "neutral", -1: "negative"}


def local_day(when: datetime) -> Any:
    return (when - MEXICO_OFFSET).date()


class TruthTally:
    """Counts what the generator made, per platform and analysis window, and streams labels."""

    def __init__(self, scenario: Scenario, labels_path: Path) -> None:
        self.scenario = scenario
        self.platform_counts: Counter[str] = Counter()
        self.kind_counts: Counter[str] = Counter()
        self.relevant: dict[str, Counter[str]] = defaultdict(Counter)  # scope -> window -> n
        self.aware: dict[str, Counter[str]] = defaultdict(Counter)
        self.unaware: dict[str, Counter[str]] = defaultdict(Counter)
        self.sentiment: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        self.topics: Counter[str] = Counter()
        self.noise: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.risky: list[dict[str, Any]] = []
        self.streams = 0
        self.duplicate_records = 0
        labels_path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(labels_path, "wb")  # noqa: SIM115 - closed in close()
        self._labels = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=3)

    def record(self, post_id: str, platform: str, kind: str, when: datetime, msg: Message, text: str) -> None:
        day = local_day(when)
        window = self.scenario.window_of(day) or "outside"
        self.platform_counts[platform] += 1
        self.kind_counts[kind] += 1
        row = {"post_id": post_id, "platform": platform, "kind": kind, "created_at": when.isoformat(),
               "phase": self.scenario.phase(day), "window": window, **msg.truth()}
        self._labels.write(orjson.dumps(row) + b"\n")
        if kind == "repost":  # a repost repeats its original's content: not counted twice
            return
        self.languages[msg.lang] += 1
        if msg.noise:
            self.noise[msg.noise] += 1
        if msg.risk:
            self.risky.append({"post_id": post_id, "signal": msg.risk, "text": text})
        if not msg.relevant:
            return
        if msg.topic:
            self.topics[msg.topic] += 1
        for scope in ("all", platform):
            self.relevant[scope][window] += 1
            if msg.awareness == "aware":
                self.aware[scope][window] += 1
            elif msg.awareness == "unaware":
                self.unaware[scope][window] += 1
        if msg.target is not None and msg.sentiment is not None:
            self.sentiment[msg.target][window][SENTIMENT_NAMES[msg.sentiment]] += 1

    def close(self) -> None:
        self._labels.close()
        self._raw.close()

    # ------------------------------------------------------------------ output

    def as_dict(self) -> dict[str, Any]:
        sc = self.scenario
        windows = {name: {"start": first.isoformat(), "end": last.isoformat()} for name, (first, last) in sc.windows().items()}
        awareness = {}
        for scope in sorted(self.relevant):
            awareness[scope] = {
                w: {
                    "relevant_posts": self.relevant[scope][w],
                    "aware_mentions": self.aware[scope][w],
                    "unaware_posts": self.unaware[scope][w],
                    "aware_rate": _rate(self.aware[scope][w], self.relevant[scope][w]),
                    "unaware_rate": _rate(self.unaware[scope][w], self.relevant[scope][w]),
                }
                for w in WINDOWS
            }
        sentiment = {}
        for target in sorted(self.sentiment):
            sentiment[target] = {}
            for w in WINDOWS:
                counts = self.sentiment[target][w]
                total = sum(counts.values())
                sentiment[target][w] = {
                    **{name: counts[name] for name in ("positive", "neutral", "negative")},
                    "net": _rate(counts["positive"] - counts["negative"], total),
                }
        return {
            "synthetic": True,
            "notice": "SYNTHETIC DATA generated by `antena demo`; no real person, post or account.",
            "seed": sc.seed,
            "scale": sc.scale,
            "period": {"start": sc.start.isoformat(), "end": sc.end.isoformat(), "timezone": "America/Mexico_City (UTC-6)"},
            "campaign": {"id": sc.campaign_id, "name": sc.campaign_name, "start": sc.campaign_start.isoformat(),
                         "end": sc.campaign_end.isoformat(), "windows": windows},
            "counts": {
                "x": self.platform_counts["x"],
                "facebook": self.platform_counts["facebook"],
                "instagram": self.platform_counts["instagram"],
                "youtube_live_chat": self.platform_counts["youtube"],
                "live_streams": self.streams,
                "by_kind": dict(sorted(self.kind_counts.items())),
                "duplicate_records": self.duplicate_records,
            },
            "planted": {
                "description": (
                    "Per relevant post, the chance of a knowing AMBER-alert mention (aware) and of a post "
                    "showing not knowing it (unaware), by campaign phase (before = any day before the "
                    "campaign, after = any day after it); sentiment mixes are (positive, neutral, negative) "
                    "toward the target in posts that name it. Live-chat awareness is half these rates."
                ),
                "aware_rate": AWARE_RATE,
                "unaware_rate": UNAWARE_RATE,
                "target_sentiment_mix": {t: dict(m) for t, m in SENTIMENT_MIX.items()},
                "noise_rate": NOISE_RATE,
                "risky_rate": RISKY_RATE,
                "english_rate": ENGLISH_RATE,
            },
            "observed": {
                "note": "Realised counts per analysis window; reposts are excluded (they repeat their original).",
                "awareness": awareness,
                "target_sentiment": sentiment,
                "topics": dict(sorted(self.topics.items())),
                "noise": dict(sorted(self.noise.items())),
                "languages": dict(sorted(self.languages.items())),
            },
            "risky_posts": self.risky,
        }

    def write(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
