"""Inter-labeller agreement on the relevance dev set (docs/relevance-guidelines.md).

A second labeller relabels a sample of ``labels/relevance/dev.tsv`` blind, then the two label sets
are compared. The sample uses no model prediction (so the check is not biased toward the model):
every dev post labelled relevant plus a uniformly random sample of posts labelled not relevant
(fixed seed), shuffled together.

    # 1. the sample, texts with ids and no first label, topic or note (keep the output out of the repo)
    python scripts/relevance_agreement.py show > /tmp/agreement_posts.txt
    # 2. the second labeller writes labels/relevance/dev_second.tsv (file, line, sha, relevant, topic, note)
    # 3. agreement: kappa with a bootstrap interval, confusion table, topics, every disagreement
    python scripts/relevance_agreement.py score [--json]

Texts are read from ``../shared/data`` through ``antena.models.corpus``; nothing here writes a text.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from antena.models.corpus import read_post, sha

LABELS = Path(__file__).resolve().parent.parent / "labels" / "relevance"
SEED = 20261202
NEGATIVES = 400
BOOTSTRAP = 2000


@dataclass(frozen=True, slots=True)
class Label:
    file: str
    line: int
    sha: str
    relevant: bool
    topic: str
    note: str

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"


def read_labels(path: Path) -> list[Label]:
    """Rows of a label file (dev.tsv or dev_second.tsv); ``lang`` is optional."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Label(r["file"], int(r["line"]), r["sha"], r["relevant"] == "1", r.get("topic") or "",
                      r.get("note") or "")
                for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def sample(first: list[Label], negatives: int = NEGATIVES, seed: int = SEED) -> list[Label]:
    """All relevant rows plus ``negatives`` random not-relevant rows, shuffled (no model involved)."""
    rng = random.Random(seed)
    relevant = [r for r in first if r.relevant]
    others = [r for r in first if not r.relevant]
    chosen = relevant + rng.sample(others, min(negatives, len(others)))
    rng.shuffle(chosen)
    return chosen


def cohen_kappa(a: list[bool], b: list[bool]) -> float:
    """Cohen's kappa of two binary label lists (1.0 when both are constant and equal)."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def bootstrap_kappa(a: list[bool], b: list[bool], n: int = BOOTSTRAP, seed: int = SEED) -> list[float]:
    """95% percentile bootstrap interval of kappa (posts resampled with replacement)."""
    rng = random.Random(seed)
    size = len(a)
    values = []
    for _ in range(n):
        idx = [rng.randrange(size) for _ in range(size)]
        values.append(cohen_kappa([a[i] for i in idx], [b[i] for i in idx]))
    values.sort()
    return [round(values[int(0.025 * n)], 3), round(values[int(0.975 * n) - 1], 3)]


def score(first: list[Label], second: list[Label]) -> dict:
    """Agreement of the second labels with the first on the posts both labelled."""
    by_ref = {r.ref: r for r in first}
    pairs = []
    for s in second:
        f = by_ref.get(s.ref)
        if f is None:
            raise SystemExit(f"{s.ref}: in the second labels but not in dev.tsv")
        if f.sha != s.sha:
            raise SystemExit(f"{s.ref}: sha {s.sha} differs from dev.tsv's {f.sha}")
        pairs.append((f, s))
    a = [f.relevant for f, _ in pairs]
    b = [s.relevant for _, s in pairs]
    confusion = Counter((int(x), int(y)) for x, y in zip(a, b, strict=True))
    both = [(f, s) for f, s in pairs if f.relevant and s.relevant]
    topic_agree = sum(f.topic == s.topic for f, s in both)
    topic_pairs = Counter((f.topic, s.topic) for f, s in both if f.topic != s.topic)
    return {
        "posts": len(pairs),
        "first_relevant": sum(a), "second_relevant": sum(b),
        "percent_agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(pairs), 4),
        "kappa": round(cohen_kappa(a, b), 3), "kappa_ci95": bootstrap_kappa(a, b),
        "confusion": {"first 1, second 1": confusion[(1, 1)], "first 1, second 0": confusion[(1, 0)],
                      "first 0, second 1": confusion[(0, 1)], "first 0, second 0": confusion[(0, 0)]},
        "topic_both_relevant": len(both), "topic_agreement": topic_agree,
        "topic_agreement_share": round(topic_agree / max(1, len(both)), 3),
        "topic_disagreements": {f"{x} -> {y}": c for (x, y), c in topic_pairs.most_common()},
        "relevance_disagreements": [
            {"ref": f.ref, "first": int(f.relevant), "second": int(s.relevant), "second_topic": s.topic,
             "second_note": s.note} for f, s in pairs if f.relevant != s.relevant],
        "topic_disagreement_refs": [
            {"ref": f.ref, "first": f.topic, "second": s.topic} for f, s in both if f.topic != s.topic],
    }


def show(rows: list[Label]) -> None:
    """Print each sampled post with its id and reference, without the first label, topic or note."""
    for number, row in enumerate(rows, start=1):
        text = read_post(row.file, row.line)
        mark = "" if sha(text) == row.sha else "  [TEXT CHANGED]"
        print(f"### {number}\t{row.file}\t{row.line}\t{row.sha}{mark}\n{text}\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["show", "score"])
    parser.add_argument("--first", type=Path, default=LABELS / "dev.tsv")
    parser.add_argument("--second", type=Path, default=LABELS / "dev_second.tsv")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    first = read_labels(args.first)
    if args.command == "show":
        show(sample(first))
        return
    result = score(first, read_labels(args.second))
    if args.json:
        json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return
    print(f"posts {result['posts']}: first labeller {result['first_relevant']} relevant, "
          f"second {result['second_relevant']}")
    print(f"percent agreement {result['percent_agreement']:.1%}; Cohen's kappa {result['kappa']:.3f} "
          f"(95% bootstrap {result['kappa_ci95'][0]:.3f}-{result['kappa_ci95'][1]:.3f})")
    for cell, count in result["confusion"].items():
        print(f"  {cell}: {count}")
    print(f"main topic agreement where both say relevant: {result['topic_agreement']} of "
          f"{result['topic_both_relevant']} ({result['topic_agreement_share']:.1%})")
    for pair, count in result["topic_disagreements"].items():
        print(f"  {pair}: {count}")
    print("relevance disagreements:")
    for d in result["relevance_disagreements"]:
        print(f"  {d['ref']}\tfirst {d['first']} second {d['second']}\t{d['second_topic']}\t{d['second_note']}")
    print("topic disagreements:")
    for d in result["topic_disagreement_refs"]:
        print(f"  {d['ref']}\tfirst {d['first']} second {d['second']}")


if __name__ == "__main__":
    main()
