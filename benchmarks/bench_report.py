"""Benchmark: `antena stats` and `antena report` on the demo at given scales.

    .venv/bin/python benchmarks/bench_report.py --scale 1 --scale 10 [--write-docs]

Builds (or reuses) a demo project per scale under --work, analyses it, then times
`compute_stats` (the numbers behind `antena stats`) and the HTML + PDF report in a fresh
process each, as a user would run them. Results go to stdout and, with --write-docs, to
docs/benchmarks.md (section "Stats and report").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from machine import describe, machine

ROOT = Path(__file__).resolve().parents[1]
ANTENA = [str(Path(sys.executable).parent / "antena")]


def run(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(ANTENA + args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def ensure_demo(folder: Path, scale: float) -> None:
    if not (folder / "antena.toml").exists():
        subprocess.run(ANTENA + ["demo", str(folder), "--scale", str(scale), "--seed", "7"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(ANTENA + ["analyze", str(folder)], check=True, stdout=subprocess.DEVNULL)


def posts(folder: Path) -> int:
    out = subprocess.run(ANTENA + ["info", str(folder), "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["posts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/antena-bench"))
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    rows = []
    for scale in args.scale or [1.0]:
        folder = args.work / f"demo-{scale:g}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        ensure_demo(folder, scale)
        n = posts(folder)
        t_stats = run(["stats", str(folder), "--json"])
        html, pdf = folder / "bench.html", folder / "bench.pdf"
        t_report = run(["report", str(folder), "--lang", "es", "--out", str(html), "--pdf", str(pdf)])
        t_html = run(["report", str(folder), "--lang", "en", "--out", str(html)])
        rows.append((scale, n, t_stats, t_html, t_report))
        print(f"scale {scale:g}: {n:,} posts; stats {t_stats:.1f} s; report HTML {t_html:.1f} s; HTML+PDF {t_report:.1f} s")
    if args.write_docs:
        write_docs(rows, " ".join(sys.argv))


def write_docs(rows: list[tuple], command: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    marker = "## Stats and report"
    head = text.split(marker)[0].rstrip() + "\n\n"
    tail = ""
    if marker in text:
        rest = text.split(marker, 1)[1]
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
    table = ["| scale | posts | `antena stats --json` | report HTML | report HTML + PDF |", "|---:|---:|---:|---:|---:|"]
    table += [f"| {s:g} | {n:,} | {a:.1f} s | {b:.1f} s | {c:.1f} s |" for s, n, a, b, c in rows]
    section = (
        f"{marker}\n\nMeasured on {describe(machine())}.\n"
        f"Command: `{command}`. Each time is a fresh `antena` process (start-up included) on an analysed demo project.\n"
        "Targets (issue 4): stats over 1.2 M posts under 5 s; the report under 30 s.\n\n" + "\n".join(table) + "\n"
    )
    path.write_text(head + section + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
