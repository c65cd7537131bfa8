"""Learning curve of the project adaptation: F1 after 0, 50, 100 and 200 analyst labels.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_learning_curve.py --domain abuse/tweeteval_hate

A project whose posts differ from the training data is simulated with one source of the team's
reference labels (``--domain``, a prefix of the label files' ``file`` column): the base model is
trained on every other reference and the seeds (never on the domain), then an "analyst" labels
posts of a pool (60% of the domain) as ``antena label`` queues them (two the base model is least
sure about, then one at random), ``--steps`` at a time, and the model is adapted to those labels
and anchored on the pool's unlabelled posts (as ``antena models train relevance --project`` does).
F1 of the relevant class is measured each time on the same test set (the other 40%), with a
bootstrap 95% interval. Needs
../shared/data. Prints one JSON line per step; ``--repeats`` varies the random part of the order.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from antena.models import relevance_model
from antena.models import train_relevance as tr
from antena.store.labels import interleave


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domain", default="abuse/tweeteval_hate")
    parser.add_argument("--steps", default="0,50,100,200")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--ngrams", choices=("yes", "no", "auto"), default="auto",
                        help="whether the adapted model fits n-grams (auto: as antena models train --project)")
    args = parser.parse_args()
    rows, _ = tr.read_references(tr.LABELS_DIR / "train.tsv")
    dev, _ = tr.read_references(tr.LABELS_DIR / "dev.tsv")
    seeds = tr.read_seeds(tr.LABELS_DIR / "seeds.tsv")
    domain = [r for r in rows + dev if r.ref.startswith(args.domain)]
    rest = [r for r in rows if not r.ref.startswith(args.domain)]
    base = tr.fit(rest + seeds)
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = Path(tmp) / "base"
        base.save(base_dir)
        for repeat in range(args.repeats):
            rng = np.random.default_rng(repeat)
            # a fixed test set (40% of the domain) and the pool the analyst labels from
            shuffled = [domain[i] for i in rng.permutation(len(domain))]
            test, pool = shuffled[: len(domain) * 2 // 5], shuffled[len(domain) * 2 // 5:]
            scores, _ = base.scores([r.text for r in pool], [r.lang for r in pool])
            # the analyst's queue, as `antena label` builds it: two least certain, then one at random
            by_doubt = list(np.lexsort((rng.random(len(pool)), np.abs(scores - base.threshold))))
            order = interleave(by_doubt, list(rng.permutation(len(pool))), len(pool))
            for n in (int(s) for s in args.steps.split(",")):
                labelled = [pool[i] for i in order[:n]]
                unlabelled = [(pool[i].text, pool[i].lang) for i in order[n:]]
                if n == 0 or not any(r.relevant for r in labelled) or all(r.relevant for r in labelled):
                    model = relevance_model.load(base_dir)
                else:
                    ngrams = {"yes": True, "no": False}.get(args.ngrams, n >= tr.NGRAM_MIN_LABELS)
                    model = tr.fit([tr.Labelled(r.text, r.lang, r.relevant, r.topic, "project") for r in labelled]
                                   + tr.anchors(unlabelled[:tr.ANCHORS], base), base=str(base_dir),
                                   version="curve", ngrams=ngrams)
                held = test
                result = tr.evaluate(model, held)
                print(json.dumps({"domain": args.domain, "repeat": repeat, "labels": n, "ngrams": args.ngrams,
                                  "labelled_relevant": sum(r.relevant for r in labelled), "test": len(held),
                                  "held_relevant": result["relevant"], "f1": result["f1"], "f1_ci": result["f1_ci"],
                                  "precision": result["precision"], "recall": result["recall"]}), flush=True)


if __name__ == "__main__":
    main()
