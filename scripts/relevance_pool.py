"""Draw the pool of posts the team labels for relevance (docs/relevance-guidelines.md).

Keyword mining in many languages (strong terms: all; weaker terms: a sample) plus a random
sample of other posts as easy negatives, split into train and dev by a hash of the text so that
repeated texts never straddle the split. Writes a TSV of references (file, line, sha, lang hint,
split, tier) without texts. Reproducible: fixed seed.

    python scripts/relevance_pool.py --out /tmp/pool.tsv
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re

from antena.models.corpus import iter_posts, sha
from antena.nlp.textutil import fold

STRONG = re.compile(
    r"kidnap|abduct|traffick|secuestr|\btrata de\b|\btrata\b.*(persona|mujer|menor|nin)|desaparecid|sequestr|"
    r"\brapt|enlev|\btratta\b|segrest|entfuhr|menschenhandel|\bamber\b|pedofil|p(a)?edophil|\bpedo\b|pederast|"
    r"child abuse|abuso (sexual|infantil|de menores)|prostitu|grooming|smuggl|slavery|\bslaves?\b|esclav|escrav|"
    r"chibok|bringbackourgirls|boko haram|\bpimp|proxenet|child labou?r|forced labou?r|trabajo infantil|"
    r"trabalho infantil|explotacion|exploitation|\bhostage|\brehen|missing (child|girl|boy|teen|person|kid|woman|man)|"
    r"desaparec|organ (trade|traffick|harvest)|trafico de (organos|personas|ninos|menores|migrantes)|"
    r"trafic d|tráfico|trafico|traite|polleros?|coyotes?\b|sex work|escort|brothel|burdel|lenocinio|"
    r"child porn|pornografia infantil|csam|sextortion|\bcaptiv|rescued|rescatad|held captive|"
    r"\bvermisst|verschwunden|sumiu|desaparecida|scompars|disparu"
)
WEAK = re.compile(r"missing|\babus|exploit|explota|migrant|refugee|porn|\bchild|\bnin[oa]s?\b|menores|\bsold\b|\bvend")


def bucket(text: str) -> float:
    return int(hashlib.sha1(fold(text).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--weak", type=int, default=900, help="weak-term hits to sample")
    parser.add_argument("--random", type=int, default=2100, help="other posts to sample")
    args = parser.parse_args()
    rng = random.Random(20261201)
    strong, weak, rest, seen = [], [], [], set()
    for post in iter_posts():
        key = fold(post.text)
        if key in seen:
            continue
        seen.add(key)
        if STRONG.search(key):
            strong.append(post)
        elif WEAK.search(key):
            weak.append(post)
        else:
            rest.append(post)
    # Spanish posts are weighted up so that both splits hold at least 40% Spanish.
    spanish = [p for p in rest if p.lang_hint == "es"]
    other = [p for p in rest if p.lang_hint != "es"]
    picks = [(p, "strong") for p in strong]
    picks += [(p, "weak") for p in rng.sample(weak, min(args.weak, len(weak)))]
    picks += [(p, "random") for p in rng.sample(spanish, min(int(args.random * 0.7), len(spanish)))]
    picks += [(p, "random") for p in rng.sample(other, min(int(args.random * 0.3), len(other)))]
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("file\tline\tsha\tlang_hint\tsplit\ttier\n")
        for post, tier in sorted(picks, key=lambda x: (x[0].file, x[0].line)):
            split = "dev" if bucket(post.text) < {"strong": 0.65, "weak": 0.25, "random": 0.2}[tier] else "train"
            out.write(f"{post.file}\t{post.line}\t{sha(post.text)}\t{post.lang_hint}\t{split}\t{tier}\n")
    print(f"strong {len(strong)}, weak {len(weak)}, rest {len(rest)}; pool {len(picks)}")


if __name__ == "__main__":
    main()
