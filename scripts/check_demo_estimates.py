"""Are the demo's per-target sentiment shares, estimated with PPI, within their 95% intervals of
the planted truth? (issue 13 item 3; docs/analytics.md "Checking the estimates on the demo")

For every configured target: draw a random reference sample with ``antena sample draw``, label it
from the demo's planted labels (``demo_labels.jsonl.gz``) as a careful analyst would (the planted
sentiment where the post was written about the target, neutral where it is named in passing),
``antena sample import`` it, then compare each share ``antena stats`` states with the planted
share over the same mentions.

    antena demo /tmp/demo --scale 0.05 --seed 7
    PYTHONPATH=src python scripts/check_demo_estimates.py /tmp/demo --n 150
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

NAMES = {1: "positive", 0: "neutral", -1: "negative"}


def cli(*args: str) -> dict:
    command = [str(Path(sys.executable).with_name("antena")), *args, "--json"]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def planted(folder: Path) -> dict[str, dict]:
    with gzip.open(folder / "demo_labels.jsonl.gz") as handle:
        return {r["post_id"]: r for r in map(json.loads, handle)}


def analyst(truth: dict[str, dict], post_id: str, target: str) -> str:
    row = truth.get(post_id)
    if row and row["target"] == target and row["target_sentiment"] is not None:
        return NAMES[row["target_sentiment"]]
    return "neutral"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a project made by `antena demo`")
    parser.add_argument("--n", type=int, default=150, help="reference labels per target (capped at its mentions)")
    parser.add_argument("--min-mentions", type=int, default=30)
    args = parser.parse_args()
    truth = planted(args.folder)
    before = {t["target"]: t for t in cli("stats", str(args.folder), "--section", "targets")["targets"]}
    chosen = [t for t, e in before.items() if e["mentions"] >= args.min_mentions]
    with tempfile.TemporaryDirectory() as tmp:
        for target in chosen:
            out = Path(tmp) / f"{target}.csv"
            cli("sample", "draw", str(args.folder), "--task", "target", "--target", target,
                "--n", str(min(args.n, before[target]["mentions"])), "--out", str(out))
            with out.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            for r in rows:
                r["label"] = analyst(truth, r["post_id"], target)
            with out.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            cli("sample", "import", str(args.folder), str(out))
    after = {t["target"]: t for t in cli("stats", str(args.folder), "--section", "targets")["targets"]}
    con = duckdb.connect(str(args.folder / "antena.duckdb"), read_only=True)
    covered = total = 0
    print(f"{'target':15s} {'class':9s} {'mentions':>8s} {'sample':>6s} {'truth':>6s} {'model':>6s} {'PPI':>6s}  95% interval    in?")
    for target in chosen:
        est = after[target]["estimates"]
        ids = [r[0] for r in con.execute(
            "SELECT s.post_id FROM analysis s, unnest(s.targets) AS u(t) WHERE s.relevant AND t.target = ?",
            [target]).fetchall()]
        for label, e in est["shares"].items():
            true_share = sum(analyst(truth, p, target) == label for p in ids) / len(ids)
            inside = e["low"] <= true_share <= e["high"]
            covered += inside
            total += 1
            print(f"{target:15s} {label:9s} {len(ids):8d} {est['n_sample']:6d} {true_share:6.3f} {e['model_share']:6.3f} "
                  f"{e['share']:6.3f}  [{e['low']:.3f}, {e['high']:.3f}]  {'yes' if inside else 'NO'}")
    con.close()
    print(f"{covered} of {total} intervals hold the planted share ({method_line(after, chosen)})")
    return 0 if total and covered >= 0.85 * total else 1


def method_line(after: dict, chosen: list[str]) -> str:
    methods = {after[t]["estimates"]["method"] for t in chosen}
    return "methods: " + ", ".join(sorted(methods))


if __name__ == "__main__":
    raise SystemExit(main())
