"""Speed of the model analysers (sentiment, emotion, target_sentiment) on 2 cores.

    .venv/bin/python benchmarks/bench_models.py --posts 20000 --batch 2000

Texts are the validation tweets of ../shared/data (Spanish and English sentiment, EmoEvent, CIC)
repeated to ``--posts``; a share (``--mention-share``, default 0.3) gets a target mention appended
(e.g. "... la PGR no hizo nada", "gracias @NinosRobados") so target sentiment has work to do.
Without ../shared a small synthetic set is used. Each analyser runs over the same Arrow batches,
fresh (models loaded before timing); "combined" runs the three in pipeline order, as
``antena analyze`` does, so sentiment and emotion share one feature matrix per batch.
The texts repeat, so the feature-row cache (``antena.models.cache``) is emptied before each run and
keeps nothing across batches unless ``--row-cache`` is given.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import tomllib

import pyarrow as pa

from antena import registry
from antena.config import default_config_text
from antena.models import TASKS, datasets, features, load_model
from antena.models.cache import MAX_ENTRIES

MENTIONS = [
    "la PGR no hizo nada", "gracias a Niños Robados", "@FGRMexico exigimos respuestas",
    "thank you police", "el gobierno es cómplice", "#NiñosRobados ayúdanos a difundir",
    "la policía rescató al niño", "DIF no responde",
]
SYNTHETIC = [
    "Roban a un niño en Tijuana, nadie hace nada", "Missing child found safe, thank you all!",
    "Qué tristeza, otra alerta amber en Puebla 😭", "Comparte por favor, se busca a Ana de 7 años",
    "I can't believe this happened again, so angry", "Hoy es un buen día, gracias a todos ❤️",
]


def load_texts(n: int, mention_share: float, seed: int = 7) -> tuple[list[str], list[str | None]]:
    rng = random.Random(seed)
    pool: list[tuple[str, str | None]] = []
    if datasets.available():
        for task in TASKS:
            pool += [(r.text, r.lang) for r in datasets.LOADERS[task]() if r.split == "val" and r.lang in ("es", "en")]
    if not pool:
        pool = [(t, None) for t in SYNTHETIC]
    texts, langs = [], []
    for i in range(n):
        text, lang = pool[i % len(pool)]
        if rng.random() < mention_share:
            text = f"{text} {rng.choice(MENTIONS)}"
        texts.append(text)
        langs.append(lang)
    return texts, langs


def batches(texts: list[str], langs: list[str | None], size: int) -> list[pa.RecordBatch]:
    out = []
    for start in range(0, len(texts), size):
        chunk = range(start, min(start + size, len(texts)))
        out.append(pa.RecordBatch.from_pydict({
            "post_id": [f"b:{i}" for i in chunk], "text": [texts[i] for i in chunk], "lang": [langs[i] for i in chunk],
        }))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--mention-share", type=float, default=0.3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--row-cache", action="store_true",
                        help="keep featurised rows across batches (the texts repeat, so this flatters the speed)")
    args = parser.parse_args()

    texts, langs = load_texts(args.posts, args.mention_share)
    data = batches(texts, langs, args.batch)
    targets = tomllib.loads(default_config_text("bench"))["targets"]
    for task in TASKS:
        load_model(task)
    names = ["sentiment", "target_sentiment", "emotion"]
    results = {}
    for name in names + ["combined"]:
        chain = [registry.get_analyser(n, **({"targets": targets} if n == "target_sentiment" else {}))
                 for n in (names if name == "combined" else [name])]
        chain[0](data[0].slice(0, 10))  # warm up (first call loads lazily)
        features._CACHE.clear()
        features.ROW_CACHE.clear()
        features.ROW_CACHE.max_entries = MAX_ENTRIES if args.row_cache else 0
        wall, cpu = time.perf_counter(), time.process_time()
        mentioned = 0
        for batch in data:
            for analyser in chain:
                out = analyser(batch)
                if analyser.name == "target_sentiment":
                    mentioned += sum(1 for v in out.column("targets").to_pylist() if v)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results[name] = {
            "posts": len(texts), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "posts_per_s": round(len(texts) / wall), "ms_per_post": round(1000 * wall / len(texts), 3),
            **({"posts_with_target": mentioned} if mentioned else {}),
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{len(texts)} posts in batches of {args.batch}; {args.mention_share:.0%} with a target mention appended")
    print("| analyser | posts/s | ms/post | wall s | CPU s |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['posts_per_s']:,} | {r['ms_per_post']} | {r['wall_s']} | {r['cpu_s']} |")


if __name__ == "__main__":
    main()
