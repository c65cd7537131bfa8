"""CPU of importing flattened X v2 tweets and X v1.1 statuses: per-record path, vectorised path, plain read.

    .venv/bin/python benchmarks/bench_import_x_formats.py --scale 1 --workdir /tmp/xformats

The demo generator writes X only as twarc2 pages, so this script converts its X pages (generated
into the work folder, or taken from ``--corpus``, a folder a demo run wrote) into the two other
layouts, one tweet per line, gzipped:

* ``flat.jsonl.gz``: what ``twarc2 flatten`` writes (author, referenced tweets with their authors,
  place merged into ``geo``, media under ``attachments.media``, ``__twarc`` on every line);
* ``v1.jsonl.gz``: v1.1 statuses as the v1.1 streaming API wrote them (``id_str``, ``user``,
  ``entities`` with ``text``/``screen_name``, ``retweeted_status``, v1.1 dates, nulls for what is
  absent).

Then, each in a fresh process timed by ``/usr/bin/time`` (user + system CPU seconds, peak RSS):
``antena import NEW_PROJECT FILE --format F --path python``, the same with ``--path vectorised``,
and a plain DuckDB ``read_json`` of the same file into a table (the floor of reading this JSON).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from machine import describe, machine

ROOT = Path(__file__).resolve().parents[1]
ANTENA = Path(sys.executable).with_name("antena")


# --------------------------------------------------------------------- converting the demo's pages


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    return {str(i[key]): i for i in items or [] if isinstance(i, dict) and key in i}


def flatten(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's tweets as ``twarc2 flatten`` lines."""
    includes = page.get("includes") or {}
    users, tweets = _index(includes.get("users"), "id"), _index(includes.get("tweets"), "id")
    places, media = _index(includes.get("places"), "id"), _index(includes.get("media"), "media_key")

    def expand(tweet: dict[str, Any]) -> dict[str, Any]:
        out = dict(tweet)
        if tweet.get("author_id") in users:
            out["author"] = users[tweet["author_id"]]
        place_id = (tweet.get("geo") or {}).get("place_id")
        if place_id in places:
            out["geo"] = {**tweet["geo"], **places[place_id]}
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        if keys:
            out["attachments"] = {**tweet["attachments"], "media": [media[k] for k in keys if k in media]}
        return out

    lines = []
    for tweet in page.get("data") or []:
        line = expand(tweet)
        refs = []
        for ref in tweet.get("referenced_tweets") or []:
            original = tweets.get(ref["id"])
            refs.append({**ref, **expand(original)} if original else dict(ref))
        if refs:
            line["referenced_tweets"] = refs
        line["__twarc"] = page.get("__twarc") or {}
        if page.get("__antena_synthetic"):
            line["__antena_synthetic"] = True
        lines.append(line)
    return lines


def _v1_time(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%a %b %d %H:%M:%S +0000 %Y")


def _v1_user(user: dict[str, Any] | None, user_id: str) -> dict[str, Any]:
    user = user or {}
    metrics = user.get("public_metrics") or {}
    return {"id": int(user_id), "id_str": user_id, "name": user.get("name"), "screen_name": user.get("username"),
            "location": user.get("location") or None, "description": user.get("description") or None, "url": None,
            "entities": {"description": {"urls": []}}, "protected": False, "verified": False,
            "followers_count": metrics.get("followers_count", 0), "friends_count": metrics.get("following_count", 0),
            "statuses_count": metrics.get("tweet_count", 0), "created_at": _v1_time(user["created_at"])
            if user.get("created_at") else None, "time_zone": None, "utc_offset": None, "lang": None}


def to_v1(tweet: dict[str, Any], users: dict, tweets: dict, places: dict, media: dict, depth: int = 0) -> dict[str, Any]:
    """One v2 tweet as a v1.1 status."""
    ents = tweet.get("entities") or {}
    metrics = tweet.get("public_metrics") or {}
    refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets") or []}
    place = places.get((tweet.get("geo") or {}).get("place_id"))
    found = [media[k] for k in (tweet.get("attachments") or {}).get("media_keys") or [] if k in media]
    status: dict[str, Any] = {
        "created_at": _v1_time(tweet["created_at"]), "id": int(tweet["id"]), "id_str": tweet["id"],
        "text": tweet["text"], "truncated": False, "source": tweet.get("source"),
        "entities": {"hashtags": [{"text": h["tag"], "indices": [h["start"], h["end"]]} for h in ents.get("hashtags", [])],
                     "symbols": [],
                     "user_mentions": [{"screen_name": m["username"], "name": m["username"], "id_str": m.get("id"),
                                        "indices": [m["start"], m["end"]]} for m in ents.get("mentions", [])],
                     "urls": [{"url": u["url"], "expanded_url": u.get("expanded_url"), "indices": [u["start"], u["end"]]}
                              for u in ents.get("urls", [])]},
        "user": _v1_user(users.get(tweet.get("author_id")), tweet.get("author_id") or "0"),
        "in_reply_to_status_id": int(refs["replied_to"]) if "replied_to" in refs else None,
        "in_reply_to_status_id_str": refs.get("replied_to"), "in_reply_to_user_id": None,
        "in_reply_to_user_id_str": None, "in_reply_to_screen_name": None,
        "geo": None, "coordinates": None, "contributors": None,
        "place": {"id": place["id"], "full_name": place.get("full_name"), "name": place.get("name"),
                  "country": place.get("country"), "country_code": place.get("country_code"),
                  "place_type": place.get("place_type"), "attributes": {}} if place else None,
        "is_quote_status": "quoted" in refs, "retweet_count": metrics.get("retweet_count", 0),
        "favorite_count": metrics.get("like_count", 0), "reply_count": metrics.get("reply_count", 0),
        "quote_count": metrics.get("quote_count", 0), "favorited": False, "retweeted": False,
        "lang": tweet.get("lang"), "filter_level": "low", "timestamp_ms": None,
    }
    if "quoted" in refs:
        status["quoted_status_id"], status["quoted_status_id_str"] = int(refs["quoted"]), refs["quoted"]
    if found:
        status["extended_entities"] = {"media": [{"type": m.get("type"), "id_str": m["media_key"]} for m in found]}
    if depth == 0 and refs.get("retweeted") in tweets:
        status["retweeted_status"] = to_v1(tweets[refs["retweeted"]], users, tweets, places, media, depth=1)
    return status


def v1_statuses(page: dict[str, Any]) -> list[dict[str, Any]]:
    includes = page.get("includes") or {}
    users, tweets = _index(includes.get("users"), "id"), _index(includes.get("tweets"), "id")
    places, media = _index(includes.get("places"), "id"), _index(includes.get("media"), "media_key")
    out = []
    for tweet in page.get("data") or []:
        status = to_v1(tweet, users, tweets, places, media)
        if page.get("__antena_synthetic"):
            status["__antena_synthetic"] = True
        out.append(status)
    return out


def convert(pages: list[Path], workdir: Path) -> dict[str, Path]:
    flat_path, v1_path = workdir / "flat.jsonl.gz", workdir / "v1.jsonl.gz"
    if flat_path.exists() and v1_path.exists() and min(flat_path.stat().st_mtime, v1_path.stat().st_mtime) > max(
            p.stat().st_mtime for p in pages):  # converted before from these pages
        return {"twitter_v2_flat": flat_path, "twitter_v1": v1_path}
    with gzip.open(flat_path, "wb", compresslevel=6) as flat, gzip.open(v1_path, "wb", compresslevel=6) as v1:
        for path in pages:
            with gzip.open(path, "rb") as stream:
                for raw in stream:
                    if raw.strip():
                        page = orjson.loads(raw)
                        flat.writelines(orjson.dumps(t) + b"\n" for t in flatten(page))
                        v1.writelines(orjson.dumps(s) + b"\n" for s in v1_statuses(page))
    return {"twitter_v2_flat": flat_path, "twitter_v1": v1_path}


# --------------------------------------------------------------------- measuring


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """CPU seconds (user + system) and peak RSS of one command, by /usr/bin/time."""
    load = os.getloadavg()[0]
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %U %S %M %e", *cmd], check=True, capture_output=True,
                         text=True, env=env)
    line = next(x for x in out.stderr.splitlines()[::-1] if x.startswith("TIME "))
    user, system, rss_kib, wall = line.split()[1:]
    return {"cpu": float(user) + float(system), "wall": float(wall), "peak_mib": int(rss_kib) / 1024,
            "load": round(load, 1), "stdout": out.stdout}


PLAIN_READ = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[2])\n"
    "con.execute('SET enable_progress_bar = false')\n"
    "con.execute(\"CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited',"
    " maximum_object_size = 268435456)\", [sys.argv[1]])\n"
    "print(con.execute('SELECT count(*) FROM t').fetchone()[0])\n"
)


def run(files: dict[str, Path], workdir: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "PYTHONPATH": str(ROOT / "src")}
    rows = []
    for fmt, path in files.items():
        db = workdir / f"plain-{fmt}.duckdb"
        db.unlink(missing_ok=True)
        plain = timed([sys.executable, "-c", PLAIN_READ, str(path), str(db)], env)
        rows.append({"format": fmt, "what": "duckdb read_json", "records": int(plain["stdout"].split()[-1]), **plain})
        for path_name in ("python", "vectorised"):
            project = workdir / f"project-{fmt}-{path_name}"
            shutil.rmtree(project, ignore_errors=True)
            subprocess.run([str(ANTENA), "init", str(project)], check=True, capture_output=True, env=env)
            result = timed([str(ANTENA), "import", str(project), str(path), "--format", fmt, "--path", path_name,
                            "--json"], env)
            report = json.loads(result["stdout"])
            rows.append({"format": fmt, "what": f"antena import --path {path_name}", "records": report["read"],
                         "stored": report["stored"], "quarantined": report["quarantined"], **result})
        for row in rows[-3:]:
            row["x_plain"] = row["cpu"] / plain["cpu"]
            print(json.dumps({k: v for k, v in row.items() if k != "stdout"}), file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict[str, Any]], info: dict[str, Any], sizes: dict[str, int], command: str) -> str:
    lines = [f"Machine: {describe(info)}.", "", f"Command: `{command}`", "",
             "| format | what | records | CPU s | x read_json | records/CPU s | peak RSS | wall s | load avg |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['format']} ({sizes[r['format']] / 2**20:.0f} MiB gz) | {r['what']} | {r['records']:,} | "
                     f"{r['cpu']:.1f} | {r['x_plain']:.1f} | {r['records'] / r['cpu']:,.0f} | {r['peak_mib']:,.0f} MiB | "
                     f"{r['wall']:.1f} | {r['load']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/antena-bench-x-formats"))
    parser.add_argument("--corpus", type=Path, help="a folder the demo generator wrote (its exports/x pages)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus
    if corpus is None:
        from antena.demo import Scenario, generate

        corpus = args.workdir / f"corpus-{args.scale:g}"
        if not (corpus / "exports" / "x").is_dir():
            generate(corpus, Scenario(scale=args.scale, seed=args.seed))
    pages = sorted((corpus / "exports" / "x").glob("*.jsonl.gz"))
    files = convert(pages, args.workdir)
    info = machine()
    rows = run(files, args.workdir)
    sizes = {fmt: path.stat().st_size for fmt, path in files.items()}
    print(markdown(rows, info, sizes, "python benchmarks/bench_import_x_formats.py " + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
