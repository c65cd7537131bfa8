"""Sentiment toward a target, per target, on the validation splits (docs/models/target_sentiment.md).

Runs the ``antena predict target-sentiment --target T --aliases A --lang L`` chain (in process) on
SemEval-2017 B/D and C/E (2016 dev + devtest, per topic), CIC Spanish stance (val) and TweetEval
stance (val, five targets); prints a summary and writes every per-target figure as JSON.

    PYTHONPATH=src python benchmarks/eval_target_sentiment.py --out /tmp/target_eval.json
    PYTHONPATH=src python benchmarks/eval_target_sentiment.py --model-path /tmp/ts --model-weight 0.7
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from antena.models import datasets, target_eval  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", help="a target_sentiment model folder (default: the packaged one)")
    parser.add_argument("--model-weight", type=float, help="[analysers.target_sentiment] model_weight")
    parser.add_argument("--out", type=Path, help="write the full per-target JSON here")
    args = parser.parse_args()
    if not datasets.available():
        sys.exit(f"no labelled data under {datasets.data_root()}")
    settings = {}
    if args.model_path:
        settings["model_path"] = args.model_path
    if args.model_weight is not None:
        settings["model_weight"] = args.model_weight
    started = time.perf_counter()
    results = target_eval.evaluate_all(**settings)
    bd, ce = results["semeval_bd"], results["semeval_ce"]
    print(f"SemEval B/D ({bd['topics']} topics, {bd['n']} rows): AvgRec {bd['avg_recall']:.3f} "
          f"macro-F1 {bd['macro_f1']:.3f} (topic quartiles {bd['macro_f1_quartiles']}), pooled {bd['pooled_macro_f1']:.3f}")
    print(f"SemEval C/E ({ce['topics']} topics, {ce['n']} rows): MAE^M {ce['mae_macro']:.3f} "
          f"(quartiles {ce['mae_macro_quartiles']}) macro-F1 5-class {ce['macro_f1_5']:.3f} 3-class {ce['macro_f1_3']:.3f}; "
          f"pooled {ce['pooled_mae_macro']:.3f} / {ce['pooled_macro_f1_5']:.3f} / {ce['pooled_macro_f1_3']:.3f}")
    for name in target_eval.STANCE_TARGETS:
        r = results[f"stance/{name}"]
        print(f"stance {name:9s} n={r['n']:5d} not named {r['unmentioned']:5d}  macro-F1 {r['macro_f1']:.3f}  F_avg {r['f_avg']:.3f}")
    m = results["stance/tweeteval_mean"]
    print(f"TweetEval stance mean of {m['targets']} targets: macro-F1 {m['macro_f1']:.3f} F_avg {m['f_avg']:.3f}")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.out:
        args.out.write_text(json.dumps({"settings": settings, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
