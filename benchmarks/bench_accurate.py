"""Speed of the accurate tier's int8 ONNX runtime, per core.

    .venv/bin/python benchmarks/bench_accurate.py --posts 500 --threads 1

Texts: ``--posts`` real validation tweets, half Spanish (UMSAB es val, TASS dev) and half English
(SemEval 2016 dev), in a fixed shuffled order. Each run is the whole ``predict_all`` path (tokenise,
look up the word embeddings, length-bucketed batches through onnxruntime with ``--threads``
intra-op threads; both heads come out of one pass), model loaded and warmed up before timing.
Posts per CPU second is the per-core figure (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from machine import describe, machine

from antena.models import datasets
from antena.models.accurate import AccurateModel


def load_texts(n: int, seed: int = 7) -> list[str]:
    rows = [r for r in datasets.sentiment() if r.split == "val"]
    spanish = [r.text for r in rows if r.dataset == "umsab/es" or r.dataset.startswith("tass2020/")]
    english = [r.text for r in rows if r.dataset == "semeval2016/en"]
    rng = random.Random(seed)
    texts = rng.sample(spanish, n // 2) + rng.sample(english, n - n // 2)
    rng.shuffle(texts)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batches", default="1,16,32,64", help="batch sizes to time, comma-separated")
    parser.add_argument("--model", default=None, help="model folder (default: the packaged one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    texts = load_texts(args.posts)
    model = AccurateModel.load(args.model, threads=args.threads)
    model.predict_all(texts[:32])  # warm up
    cpu = time.process_time()
    ids = model.token_ids(texts)
    tokenise = time.process_time() - cpu
    results = {"posts": len(texts), "threads": args.threads, "mean_tokens": round(sum(map(len, ids)) / len(ids), 1),
               "tokenise_cpu_ms_per_post": round(1000 * tokenise / len(texts), 3),
               "load_1min": round(os.getloadavg()[0], 1), "model": str(model.folder), "machine": machine(),
               "runs": {}}
    for size in (int(x) for x in args.batches.split(",")):
        wall, cpu = time.perf_counter(), time.process_time()
        model.predict_all(texts, batch=size)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results["runs"][size] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                                 "posts_per_s_wall": round(len(texts) / wall, 1),
                                 "posts_per_cpu_s": round(len(texts) / cpu, 1)}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(describe(results["machine"]))
    print(f"{results['posts']} posts, {results['mean_tokens']} tokens on average, {args.threads} thread(s), "
          f"load {results['load_1min']}; tokenising: {results['tokenise_cpu_ms_per_post']} ms CPU a post")
    print("| batch | posts/s wall | posts per CPU s | wall s | CPU s |")
    print("|---:|---:|---:|---:|---:|")
    for size, r in results["runs"].items():
        print(f"| {size} | {r['posts_per_s_wall']} | {r['posts_per_cpu_s']} | {r['wall_s']} | {r['cpu_s']} |")


if __name__ == "__main__":
    main()
