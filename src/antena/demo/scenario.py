"""The content model of the demo: what is said, by whom, when, and the planted truth.

The scenario mirrors the source report (110,560 tweets, 3,560 Facebook posts, 760 Instagram
posts, 76 live streams about child kidnapping in Mexico) with a campaign window in which
awareness of the AMBER alert rises and sentiment toward Niños Robados I.A.P. improves.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from antena.demo import texts
from antena.demo.variation import vary

# Counts of the source report at scale 1.
REPORT_COUNTS = {"tweets": 110_560, "facebook": 3_560, "instagram": 760, "streams": 76}
PHASES = ("before", "during", "after")

# The planted shift: share of relevant posts that mention the AMBER alert knowingly, or show
# not knowing it, and the sentiment mix (positive, neutral, negative) toward each target.
AWARE_RATE = {"before": 0.10, "during": 0.26, "after": 0.22}
UNAWARE_RATE = {"before": 0.05, "during": 0.015, "after": 0.02}
SENTIMENT_MIX: dict[str, dict[str, tuple[float, float, float]]] = {
    "ninos_robados": {"before": (0.50, 0.25, 0.25), "during": (0.72, 0.18, 0.10), "after": (0.68, 0.20, 0.12)},
    "pgr": dict.fromkeys(PHASES, (0.08, 0.22, 0.70)),
    "police": dict.fromkeys(PHASES, (0.10, 0.20, 0.70)),
    "dif": dict.fromkeys(PHASES, (0.20, 0.30, 0.50)),
    "government": dict.fromkeys(PHASES, (0.10, 0.25, 0.65)),
}
NOISE_RATE = 0.12  # off-topic posts a naive keyword query would still catch
RISKY_RATE = 0.004  # posts a protection reviewer should see
ENGLISH_RATE = 0.12
TARGET_RATE = 0.45  # relevant posts that name a target


@dataclass(frozen=True)
class Scenario:
    """Size, period and campaign window of one demo corpus."""

    scale: float = 1.0
    seed: int = 2017
    start: date = date(2017, 1, 1)
    end: date = date(2017, 6, 30)
    campaign_id: str = "yo-doy-esperanza-2017"
    campaign_name: str = "Yo Doy Esperanza: conoce la Alerta Amber"
    campaign_start: date = date(2017, 4, 1)
    campaign_end: date = date(2017, 4, 30)
    window_days: int = 30  # before / after windows compared with the campaign

    def count(self, what: str) -> int:
        """Records of one kind at this scale (at least one, so tiny demos still show everything)."""
        return max(1, round(REPORT_COUNTS[what] * self.scale))

    def phase(self, when: date) -> str:
        if when < self.campaign_start:
            return "before"
        return "during" if when <= self.campaign_end else "after"

    def windows(self) -> dict[str, tuple[date, date]]:
        """The before / during / after windows an impact analysis compares (inclusive dates)."""
        span = timedelta(days=self.window_days)
        return {
            "before": (self.campaign_start - span, self.campaign_start - timedelta(days=1)),
            "during": (self.campaign_start, self.campaign_end),
            "after": (self.campaign_end + timedelta(days=1), self.campaign_end + span),
        }

    def window_of(self, when: date) -> str | None:
        for name, (first, last) in self.windows().items():
            if first <= when <= last:
                return name
        return None


@dataclass(slots=True)
class Message:
    """One synthetic text and what it was made to say (the per-post truth)."""

    text: str
    lang: str
    relevant: bool
    topic: str | None = None
    target: str | None = None
    sentiment: int | None = None  # toward ``target``: 1, 0, -1
    awareness: str | None = None  # "aware" | "unaware"
    risk: str | None = None
    noise: str | None = None
    labels: dict[str, Any] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        return {"lang": self.lang, "relevant": self.relevant, "topic": self.topic, "target": self.target,
                "target_sentiment": self.sentiment, "awareness": self.awareness, "risk": self.risk,
                "noise": self.noise}


_FORMATTER = string.Formatter()


def _slots(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in _FORMATTER.parse(template) if name)


class Composer:
    """Makes texts from templates with slot-filling and variation, from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._slot_cache: dict[str, tuple[str, ...]] = {}
        self._topics = list(texts.TOPIC_WEIGHTS)
        self._topic_cum = _cumulative(texts.TOPIC_WEIGHTS.values())
        self._targets = list(texts.TARGET_WEIGHTS)
        self._target_cum = _cumulative(texts.TARGET_WEIGHTS.values())

    # ------------------------------------------------------------------ slot filling

    def fill(self, template: str) -> str:
        names = self._slot_cache.get(template)
        if names is None:
            names = self._slot_cache[template] = _slots(template)
        if not names:
            return template
        rng = self.rng
        values = {}
        for name in names:
            if name == "city":
                values[name] = rng.choice(texts.CITIES)
            elif name == "colonia":
                values[name] = rng.choice(texts.COLONIAS)
            elif name == "place":
                values[name] = rng.choice(texts.PLACES)
            elif name == "name":
                values[name] = rng.choice(texts.CHILD_NAMES)
            elif name == "age":
                values[name] = rng.randint(2, 15)
            elif name == "n":
                values[name] = rng.randint(2, 40)
            elif name == "nn":
                values[name] = f"{rng.randint(0, 99):02d}"
        return template.format(**values)

    # ------------------------------------------------------------------ posts

    def post(self, phase: str, platform: str, allow_risky: bool = True) -> Message:
        """A post for ``platform`` ("x", "facebook", "instagram") in a campaign ``phase``."""
        rng = self.rng
        lang = "en" if rng.random() < ENGLISH_RATE else "es"
        roll = rng.random()
        if allow_risky and roll < RISKY_RATE:
            return self.risky(lang, rng.choice(("job_offer", "vulnerable_minor", "personal_info")))
        if roll < RISKY_RATE + NOISE_RATE:
            return self._noise(lang)
        return self._relevant(phase, lang, platform)

    def risky(self, lang: str, kind: str) -> Message:
        text = self.fill(self.rng.choice(texts.RISKY[kind][lang]))
        relevant = kind == "job_offer"
        return Message(vary(text, self.rng, lang), lang, relevant, topic="grooming" if relevant else None, risk=kind)

    def place_to_stay(self, lang: str) -> Message:
        text = self.rng.choice(texts.PLACE_TO_STAY[lang])
        return Message(text, lang, True, topic="grooming", risk="offer_place_to_stay")

    def _noise(self, lang: str) -> Message:
        table = texts.NOISE_EN if lang == "en" else texts.NOISE_ES
        kind = self.rng.choice(sorted(table))
        text = self.fill(self.rng.choice(table[kind]))
        return Message(vary(text, self.rng, lang), lang, False, noise=kind)

    def _relevant(self, phase: str, lang: str, platform: str) -> Message:
        rng = self.rng
        roll = rng.random()
        awareness = None
        if roll < AWARE_RATE[phase]:
            awareness, topic = "aware", "kidnapping"
            main = self.fill(rng.choice(texts.AWARE_EN if lang == "en" else texts.AWARE_ES))
        elif roll < AWARE_RATE[phase] + UNAWARE_RATE[phase]:
            awareness, topic = "unaware", "kidnapping"
            main = rng.choice(texts.UNAWARE_EN if lang == "en" else texts.UNAWARE_ES)
        else:
            topic = rng.choices(self._topics, cum_weights=self._topic_cum)[0]
            table = texts.TOPICS_EN if lang == "en" else texts.TOPICS_ES
            main = self.fill(rng.choice(table[topic]))
            if platform == "facebook" and rng.random() < 0.6:  # Facebook posts run longer
                other = rng.choices(self._topics, cum_weights=self._topic_cum)[0]
                main = main + ". " + self.fill(rng.choice(table[other]))
        target = sentiment = None
        if rng.random() < TARGET_RATE:
            target = rng.choices(self._targets, cum_weights=self._target_cum)[0]
            sentiment = _pick_sentiment(rng, SENTIMENT_MIX[target][phase])
            clauses = (texts.TARGETS_EN if lang == "en" else texts.TARGETS_ES)[target][sentiment]
            clause = self.fill(rng.choice(clauses))
            main = _join(main, clause, rng)
        text = main + self._hashtags(main, topic, awareness, target, lang, platform)
        return Message(vary(text, rng, lang), lang, True, topic=topic, target=target, sentiment=sentiment,
                       awareness=awareness)

    def _hashtags(self, text: str, topic: str, awareness: str | None, target: str | None, lang: str,
                  platform: str) -> str:
        rng = self.rng
        many = platform == "instagram"
        count = rng.randint(2, 6) if many else rng.choice((0, 0, 1, 1, 2, 3))
        if not count:
            return ""
        pool = list(texts.HASHTAGS_EN if lang == "en" else texts.HASHTAGS_GENERAL)
        if topic == "hope_support" or target == "ninos_robados":
            pool += texts.HASHTAGS_HOPE * 2
        if awareness == "aware":  # only knowing mentions carry the AMBER-alert hashtags
            pool += texts.HASHTAGS_AWARE * 2
        if target == "pgr":
            pool.append("#AtenciónPGR")
        chosen = [tag for tag in dict.fromkeys(rng.choice(pool) for _ in range(count)) if tag not in text]
        return " " + " ".join(chosen) if chosen else ""

    # ------------------------------------------------------------------ live chat

    def chat(self, phase: str) -> Message:
        """One live-stream chat message: mostly frustration with authorities, support, questions."""
        rng = self.rng
        lang = "en" if rng.random() < 0.05 else "es"
        roll = rng.random()
        if lang == "es" and roll < AWARE_RATE[phase] * 0.5:
            return Message(vary(rng.choice(texts.CHAT_AWARE_ES), rng, lang), lang, True, topic="kidnapping",
                           awareness="aware")
        if lang == "es" and roll < (AWARE_RATE[phase] + UNAWARE_RATE[phase]) * 0.5:
            return Message(vary(rng.choice(texts.CHAT_UNAWARE_ES), rng, lang), lang, True, topic="kidnapping",
                           awareness="unaware")
        table = texts.CHAT_EN if lang == "en" else texts.CHAT_ES
        kind = rng.choices(("frustration", "support", "question", "chatter"), weights=(45, 20, 15, 20))[0]
        text = self.fill(rng.choice(table[kind]))
        target = _chat_target(text) if kind == "frustration" else None
        topic = {"frustration": "criticism_authorities", "support": "hope_support", "question": "kidnapping"}.get(kind)
        return Message(vary(text, rng, lang), lang, kind != "chatter", topic=topic, target=target,
                       sentiment=-1 if target else None, noise="chatter" if kind == "chatter" else None)

    def stream_title(self) -> str:
        return self.fill(self.rng.choice(texts.STREAM_TITLES))


def _chat_target(text: str) -> str | None:
    lowered = text.lower()
    for word, target in (("policía", "police"), ("police", "police"), ("pgr", "pgr"), ("gobierno", "government"),
                         ("autoridades", "government"), ("político", "government")):
        if word in lowered:
            return target
    return None


def _pick_sentiment(rng: random.Random, mix: tuple[float, float, float]) -> int:
    roll = rng.random()
    if roll < mix[0]:
        return 1
    return 0 if roll < mix[0] + mix[1] else -1


def _join(main: str, clause: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.5:
        return f"{main.rstrip('.')}. {clause[0].upper()}{clause[1:]}"
    if style < 0.8:
        return f"{main.rstrip('.')}, {clause}"
    return f"{clause[0].upper()}{clause[1:]}. {main}"


def _cumulative(weights: Any) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


# --------------------------------------------------------------------- time


def timestamps(rng: random.Random, scenario: Scenario, n: int) -> list[datetime]:
    """``n`` sorted UTC times over the period: evening peaks (Mexico time), more volume during
    the campaign, and a few news-driven spike days."""
    days = (scenario.end - scenario.start).days + 1
    weights = []
    spikes = set(rng.sample(range(days), k=min(days, 6)))
    for i in range(days):
        day = scenario.start + timedelta(days=i)
        w = 1.0 + (0.5 if scenario.phase(day) == "during" else 0.0) + (2.5 if i in spikes else 0.0)
        w *= 0.85 if day.weekday() >= 5 else 1.0
        weights.append(w)
    hour_weights = [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.2, 1.6, 1.8, 1.9, 2, 2, 2, 2, 2.1, 2.2, 2.4, 2.6, 2.8, 3, 2.8, 2.2, 1.5]
    day_idx = rng.choices(range(days), weights=weights, k=n)
    hours = rng.choices(range(24), weights=hour_weights, k=n)
    base = datetime(scenario.start.year, scenario.start.month, scenario.start.day, tzinfo=UTC)
    out = [
        base + timedelta(days=d, hours=h + 6, seconds=rng.randrange(3600))  # Mexico City is UTC-6
        for d, h in zip(day_idx, hours, strict=True)
    ]
    out.sort()
    return out
