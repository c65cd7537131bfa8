"""Speed of the relevance and topics analysers together, on one core.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_relevance.py --posts 20000

Texts are posts of ../shared/data (every file, in order, repeated to ``--posts``); without it the
labelled seed examples of ``labels/relevance/seeds.tsv``. The two analysers run as ``antena
analyze`` runs them (relevance, then topics reading the same model scores for the batch), over
Arrow batches of ``--batch`` posts, after the model is loaded. Prints posts per second of wall and
of CPU time, and the load average; ``--record`` appends a line to docs/benchmarks.md's section.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tomllib

import pyarrow as pa

from antena import registry
from antena.config import default_config_text
from antena.engine.pipeline import analyser_config, run_chain
from antena.models import corpus, datasets, relevance_model, train_relevance


def load_texts(n: int) -> list[str]:
    pool: list[str] = []
    if datasets.available():
        for post in corpus.iter_posts():
            pool.append(post.text)
            if len(pool) >= n:
                break
    if not pool:
        pool = [r.text for r in train_relevance.read_seeds(train_relevance.LABELS_DIR / "seeds.tsv")]
    return [pool[i % len(pool)] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2_000)
    args = parser.parse_args()
    texts = load_texts(args.posts)
    config = tomllib.loads(default_config_text("bench"))
    available = registry.analysers()
    chain = [available[n](**analyser_config(n, config)) for n in ("relevance", "topics")]
    relevance_model.load()  # loaded before timing
    batches = [pa.RecordBatch.from_pylist([{"post_id": str(i + j), "text": t, "lang": None}
                                           for j, t in enumerate(texts[i:i + args.batch])])
               for i in range(0, len(texts), args.batch)]
    wall, cpu = time.perf_counter(), time.process_time()
    relevant = 0
    for batch in batches:
        out = run_chain(chain, batch)
        relevant += sum(out["relevance"].column("relevant").to_pylist())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {"posts": len(texts), "relevant": relevant, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
              "posts_per_s_wall": round(len(texts) / wall), "posts_per_cpu_s": round(len(texts) / cpu),
              "load_avg": [round(x, 2) for x in os.getloadavg()],
              "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
