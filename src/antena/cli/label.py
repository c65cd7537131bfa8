"""``antena label``: the analyst teaches relevance and topics, one post at a time, in the terminal."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Any

import typer
from rich.panel import Panel

from antena.cli.app import JsonFlag, ProjectDir, app, console, emit_json, open_project

KEYS = "[r] relevant  [n] not relevant  [s] skip  [u] undo  [q] quit"


def _key(prompt: str) -> str:
    """One key press in a terminal; one line when input is piped (scripts, tests)."""
    console.print(prompt, end=" ", highlight=False)
    if sys.stdin.isatty():
        key = typer.getchar()
        console.print(key, highlight=False)
        return key.lower()
    line = sys.stdin.readline()
    if not line:
        return "q"
    return line.strip().lower()[:1] or "\n"


def _topic_choice(ids: list[str], config: dict[str, Any], suggestion: str | None, lang: str) -> str | None:
    """Ask for the main topic by number; Enter takes the model's suggestion."""
    from antena.analytics.base import topic_name

    for i, topic_id in enumerate(ids, start=1):
        mark = "  <- model" if topic_id == suggestion else ""
        console.print(f"  {i:>2}. {topic_name(topic_id, config, lang)} ({topic_id}){mark}", highlight=False)
    console.print("main topic number (Enter: the model's suggestion):", end=" ")
    answer = sys.stdin.readline() if not sys.stdin.isatty() else input()
    answer = answer.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(ids):
        return ids[int(answer) - 1]
    return suggestion


@app.command()
def label(
    folder: ProjectDir,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Posts to show in this session.")] = 50,
    labeller: Annotated[str | None, typer.Option(help="Your name in the label log (default: your user name).")] = None,
    json: JsonFlag = False,
) -> None:
    """Label posts as relevant or not (and their main topic), least certain first.

    Posts are shown redacted, chosen where the model is least sure, taking turns across languages
    and platforms. Labels are stored in the project with your name and the time; train the
    project's model on them with `antena models train relevance --project DIR`.
    """
    from antena.models import relevance_model
    from antena.protect.redact import public_handles, redact
    from antena.store import labels as label_store

    who = labeller or _user()
    session = {"labelled": 0, "relevant": 0, "skipped": 0, "undone": 0}
    with open_project(folder) as project:
        model = relevance_model.for_project(project.folder)
        ids = [t["id"] for t in project.config.get("topics", []) if t.get("id")]
        ui_lang = (project.config.get("project", {}).get("languages") or ["es"])[0]
        keep = public_handles(project.config)
        queue = label_store.candidates(project.con, limit, model.threshold)
        if not queue and not json:
            console.print("nothing left to label")
        for shown, post in enumerate(queue, start=1):
            text = redact(post["text"], keep_handles=keep)
            score = post["score"]
            title = f"{shown}/{len(queue)}  {post['platform'] or '?'} · {post['lang'] or '?'}"
            if score is not None:
                title += f" · model: {score:.2f}"
            console.print(Panel(text, title=title, title_align="left"), highlight=False, markup=False)
            while True:
                key = _key(KEYS)
                if key in ("r", "n"):
                    relevant = key == "r"
                    topic = None
                    if relevant and ids:
                        best = relevance_model.suggest_topic(model, post["text"], post["lang"], ids)
                        topic = _topic_choice(ids, project.config, best, ui_lang)
                    label_store.add(project.con, post["post_id"], relevant, topic, who)
                    session["labelled"] += 1
                    session["relevant"] += relevant
                    break
                if key == "s":
                    session["skipped"] += 1
                    break
                if key == "u":
                    undone = label_store.undo(project.con, who)
                    session["undone"] += undone is not None
                    console.print("undone" if undone else "nothing to undo")
                    continue
                if key == "q":
                    break
                console.print(f"unknown key {key!r}")
            if key == "q":
                break
        project.audit("label", f"{session['labelled']} labels by {who}")
        totals = label_store.counts(project.con)
    summary = {"labeller": who, "session": session, "project": totals}
    if json:
        emit_json(summary)
    else:
        console.print(f"{session['labelled']} labelled ({session['relevant']} relevant), {session['skipped']} "
                      f"skipped; the project has {totals['labelled']} labels ({totals['relevant']} relevant)")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"

