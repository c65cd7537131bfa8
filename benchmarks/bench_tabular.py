"""Tabular import benchmark: CrowdTangle CSV and generic CSV / JSONL / Parquet, both import paths.

    .venv/bin/python benchmarks/bench_tabular.py --rows 100000 --workdir /tmp/bench-tabular

Writes, with a fixed seed, one big file of each kind: a CrowdTangle Facebook CSV (the dashboard's
40 columns, texts from the demo's phrase lists) and the same posts as a generic CSV, JSON lines
and Parquet file with their own column names (imported with a non-default ``--mapping``). Then,
each in a fresh subprocess, measures CPU seconds (user + system of the process, DuckDB's threads
included) and peak RSS of:

* ``<kind>-python`` / ``<kind>-vectorised``: ``Project.import_files`` with the path forced;
* ``<kind>-duckdb``: a plain DuckDB ``read_csv`` / ``read_json`` / ``read_parquet`` of the file
  into a table (all columns as read, no mapping): the floor of reading it;
* ``<kind>-records``: only the source's ``records`` (splitting the file into raw records) and
  ``<kind>-serialise``: that plus the canonical JSON and hash of each record, which both paths do
  before mapping (where the vectorised path's time goes).

Prints one JSON object; ``--write-docs`` puts the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_import import PeakRSS
from machine import describe, machine

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_tabular:start -->", "<!-- bench_tabular:end -->"

CT_HEADER = ["Page Name", "User Name", "Facebook Id", "Page Category", "Page Admin Top Country", "Page Description",
             "Page Created", "Likes at Posting", "Followers at Posting", "Post Created", "Post Created Date",
             "Post Created Time", "Type", "Total Interactions", "Likes", "Comments", "Shares", "Love", "Wow", "Haha",
             "Sad", "Angry", "Care", "Video Share Status", "Is Video Owner?", "Post Views", "Total Views",
             "Total Views For All Crossposts", "Video Length", "URL", "Message", "Link", "Final Link", "Image Text",
             "Link Text", "Description", "Sponsor Id", "Sponsor Name", "Sponsor Category", "Overperforming Score"]
GENERIC_MAPPING = ("native_id=PostID,text=Cuerpo,created_at=Publicado,author=Autor,platform='facebook',"
                   "like_count=Reacciones,share_count=Compartidos,reply_count=Comentarios,lang=Idioma")
KINDS = ("ct", "csv", "jsonl", "parquet", "meta")
FILES = {"ct": "crowdtangle.csv", "csv": "generic.csv", "jsonl": "generic.jsonl", "parquet": "generic.parquet",
         "meta": "facebook_posts.jsonl"}
ZONES = ("CST", "CDT", "EST", "UTC", "-0600")


def make_posts(rows: int, seed: int) -> tuple[list[dict[str, Any]], random.Random]:
    """The posts every file holds (seeded), and the generator to go on with."""
    from antena.demo import texts

    rng = random.Random(seed)
    phrases = [*texts.AWARE_ES, *texts.UNAWARE_ES, *texts.AWARE_EN, *texts.UNAWARE_EN]
    tags = [*texts.HASHTAGS_GENERAL, *texts.HASHTAGS_AWARE, *texts.HASHTAGS_HOPE]
    start = datetime(2017, 3, 1, tzinfo=UTC)
    posts = []
    for i in range(rows):
        page = rng.randrange(2000)
        when = start + timedelta(seconds=rng.randrange(90 * 86400))
        text = f"{rng.choice(phrases)} {rng.choice(texts.CITIES)} {rng.choice(tags)}"
        if rng.random() < 0.3:
            text += f" https://example.org/n/{i}"
        posts.append({"i": i, "page": page, "when": when, "text": text, "likes": rng.randrange(5000),
                      "shares": rng.randrange(800), "comments": rng.randrange(300), "love": rng.randrange(50)})
    return posts, rng


def write_corpus(folder: Path, rows: int, seed: int) -> dict[str, int]:
    """The files, the same posts in each (one in 1,000 CrowdTangle rows with an unreadable time)."""
    folder.mkdir(parents=True, exist_ok=True)
    posts, rng = make_posts(rows, seed)
    with (folder / FILES["ct"]).open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(CT_HEADER)
        for p in posts:
            zone = ZONES[p["i"] % len(ZONES)]
            local = p["when"] - timedelta(hours=6)
            cells = dict.fromkeys(CT_HEADER, "")
            cells.update({
                "Page Name": f"Página {p['page']}", "User Name": f"pagina{p['page']}", "Facebook Id": str(10**14 + p["page"]),
                "Page Category": "COMMUNITY", "Page Admin Top Country": "MX", "Page Created": "2012-05-01 10:00:00 CDT",
                "Likes at Posting": f"{rng.randrange(10**6):,}", "Followers at Posting": str(rng.randrange(10**6)),
                "Post Created": f"{local:%Y-%m-%d %H:%M:%S} {zone}", "Post Created Date": f"{local:%Y-%m-%d}",
                "Post Created Time": f"{local:%H:%M:%S}", "Type": rng.choice(["Status", "Link", "Photo", "Native Video"]),
                "Total Interactions": f"{p['likes'] + p['shares'] + p['comments']:,}", "Likes": str(p["likes"]),
                "Comments": str(p["comments"]), "Shares": str(p["shares"]), "Love": str(p["love"]), "Wow": "0",
                "Haha": "1", "Sad": "0", "Angry": "0", "Care": "0", "Post Views": "0", "Total Views": "0",
                "URL": f"https://www.facebook.com/{10**14 + p['page']}/posts/{10**15 + p['i']}",
                "Message": p["text"], "Link": "https://bit.ly/x" if p["i"] % 4 == 0 else "",
                "Overperforming Score": f"{rng.uniform(-5, 5):.2f}"})
            if p["i"] % 1000 == 7:
                cells["Post Created"] = "ayer"  # quarantined: unreadable time
            out.writerow(cells.values())
    generic = [{"PostID": f"p{p['i']}", "Cuerpo": p["text"], "Publicado": p["when"].isoformat(),
                "Autor": f"pagina{p['page']}", "Reacciones": p["likes"], "Compartidos": p["shares"],
                "Comentarios": p["comments"], "Idioma": "es"} for p in posts]
    with (folder / FILES["csv"]).open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(generic[0]))
        out.writeheader()
        out.writerows(generic)
    with (folder / FILES["jsonl"]).open("w", encoding="utf-8") as handle:
        for row in generic:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(generic), folder / FILES["parquet"])
    write_meta(folder, posts)
    return {k: (folder / f).stat().st_size for k, f in FILES.items()}


def write_meta(folder: Path, posts: list[dict[str, Any]]) -> None:
    """The posts as Meta Content Library records (``search/facebook_posts``), one per line."""
    with (folder / FILES["meta"]).open("w", encoding="utf-8") as handle:
        for p in posts:
            handle.write(json.dumps({
                "id": str(10**15 + p["i"]), "creation_time": p["when"].strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "text": p["text"], "lang": "es", "is_branded_content": False, "match_type": "keyword",
                "post_owner": {"id": str(10**14 + p["page"]), "name": f"Página {p['page']}", "type": "page",
                               "username": f"pagina{p['page']}"},
                "statistics": {"reaction_count": p["likes"], "comment_count": p["comments"], "share_count": p["shares"],
                               "views": 0},
                "multimedia": [{"type": "photo", "id": str(p["i"])}] if p["i"] % 3 == 0 else [],
                "link_attachment": {"link": "https://example.org/a"} if p["i"] % 4 == 0 else None,
            }, ensure_ascii=False) + "\n")


def run_phase(phase: str, folder: Path, workdir: Path) -> dict[str, Any]:
    kind, what = phase.split("-", 1)
    path = folder / FILES[kind]
    fmt = {"ct": "crowdtangle_csv", "meta": "meta_content_library"}.get(kind, "generic")
    options = None
    if fmt == "generic":
        from antena.sources.generic import parse_mapping_spec

        options = {"mapping": parse_mapping_spec(GENERIC_MAPPING)}
    if what == "duckdb":
        import duckdb

        con = duckdb.connect(str(workdir / f"plain-{kind}.duckdb"))
        reader = {"ct": "read_csv(?, all_varchar = true)", "csv": "read_csv(?)",
                  "jsonl": "read_json(?, format = 'newline_delimited')", "parquet": "read_parquet(?)",
                  "meta": "read_json(?, format = 'newline_delimited')"}[kind]
        with PeakRSS() as mem:
            started = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TABLE t AS SELECT * FROM {reader}", [str(path)])  # noqa: S608
            records = con.execute("SELECT count(*) FROM t").fetchone()[0]
            seconds = time.perf_counter() - started
        return {"records": records, "seconds": seconds, "cpu_seconds": mem.cpu, "peak_rss": mem.peak}
    if what in ("records", "serialise"):
        import orjson

        from antena import registry
        from antena.sources.records import RawRecord

        source = registry.get_source(fmt, **(options or {}))
        with PeakRSS() as mem, path.open("rb") as stream:
            started = time.perf_counter()
            records = 0
            for rec in source.records(stream, str(path)):
                records += 1
                if what == "serialise" and isinstance(rec, RawRecord):
                    hashlib.blake2b(orjson.dumps(rec.payload, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()
            seconds = time.perf_counter() - started
        return {"records": records, "seconds": seconds, "cpu_seconds": mem.cpu, "peak_rss": mem.peak}
    import shutil

    from antena.project import Project

    target = workdir / f"project-{phase}"
    shutil.rmtree(target, ignore_errors=True)
    project = Project.init(target, name="bench")
    with PeakRSS() as mem:
        started = time.perf_counter()
        total, _ = project.import_files([path], fmt, options, path=what)
        seconds = time.perf_counter() - started
    posts = project.con.execute("SELECT count(*) FROM posts").fetchone()[0]
    project.close()
    return {"records": total.read, "stored": total.stored, "quarantined": total.quarantined, "posts": posts,
            "seconds": seconds, "cpu_seconds": mem.cpu, "peak_rss": mem.peak}


def measure(phase: str, folder: Path, workdir: Path) -> dict[str, Any]:
    load = os.getloadavg()[0]
    cmd = [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir)]
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return {**json.loads(out.strip().splitlines()[-1]), "load": round(load, 1)}


LABELS = {"python": "antena import --path python", "vectorised": "antena import --path vectorised",
          "duckdb": "plain DuckDB read", "records": "records only (splitting the file)",
          "serialise": "records + canonical JSON + hash"}
TITLES = {"ct": "CrowdTangle CSV", "csv": "generic CSV", "jsonl": "generic JSONL", "parquet": "generic Parquet",
          "meta": "Meta Content Library JSONL"}


def markdown(result: dict[str, Any], command: str) -> str:
    lines = [START, "## Import of tabular formats (CrowdTangle CSV, generic CSV / JSONL / Parquet, Meta Content Library)", "",
             f"`{command}` on {describe(result['machine'])}. One file of each kind, {result['rows']:,} posts, "
             "the same posts in each (one in 1,000 CrowdTangle rows has an unreadable time and is quarantined); "
             "the generic files are imported with a non-default `--mapping`. CPU s is user + system time of a fresh "
             "process per row (DuckDB's threads included); load avg is the 1-minute load when the row started.", "",
             "| file | what | records | CPU s | records/CPU s | x plain read | peak RSS | load avg |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for kind in KINDS:
        phases = result["phases"].get(kind, {})
        plain = phases.get("duckdb", {}).get("cpu_seconds")
        size = result["bytes"][kind] / 2**20
        for what, p in phases.items():
            ratio = f"{p['cpu_seconds'] / plain:.1f}x" if plain and what != "duckdb" else ""
            lines.append(f"| {TITLES[kind]} ({size:.0f} MiB) | {LABELS[what]} | {p['records']:,} | {p['cpu_seconds']:.1f} | "
                         f"{p['records'] / max(p['cpu_seconds'], 1e-9):,.0f} | {ratio} | {p['peak_rss'] / 2**20:,.0f} MiB | "
                         f"{p['load']} |")
    lines.append(END)
    return "\n".join(lines)


def write_docs(block: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        marker = "### Import with a memory cap"
        text = text.replace(marker, block + "\n\n" + marker, 1) if marker in text else text + "\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-tabular"))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--whats", default="duckdb,records,serialise,python,vectorised")
    parser.add_argument("--phase")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    folder = args.workdir / "corpus"
    if args.phase:
        print(json.dumps(run_phase(args.phase, folder, args.workdir)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    stamp = folder / f"rows-{args.rows}-{args.seed}"
    if not stamp.exists():
        sizes = write_corpus(folder, args.rows, args.seed)
        stamp.write_text(json.dumps(sizes))
    elif not (folder / FILES["meta"]).exists():  # a corpus written before the Meta file was added
        write_meta(folder, make_posts(args.rows, args.seed)[0])
        stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "meta": (folder / FILES["meta"]).stat().st_size}))
    result: dict[str, Any] = {"rows": args.rows, "machine": machine(), "bytes": json.loads(stamp.read_text()),
                              "phases": {}}
    for kind in args.kinds.split(","):
        for what in args.whats.split(","):
            print(f"{kind}-{what} ...", file=sys.stderr, flush=True)
            result["phases"].setdefault(kind, {})[what] = measure(f"{kind}-{what}", folder, args.workdir)
            print(json.dumps(result["phases"][kind][what]), file=sys.stderr, flush=True)
    print(json.dumps(result, default=str))
    if args.write_docs:
        command = "python benchmarks/bench_tabular.py " + " ".join(sys.argv[1:])
        write_docs(markdown(result, command))


if __name__ == "__main__":
    main()
