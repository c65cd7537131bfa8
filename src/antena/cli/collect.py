"""Listening live: ``antena collect``, ``antena watch`` and ``antena alerts``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from antena.cli.app import (
    JsonFlag,
    ProjectDir,
    app,
    console,
    emit_json,
    fail,
    open_project,
    progress_bar,
)
from antena.errors import AntenaError
from antena.sources.base import parse_time

SOURCES = "bluesky|mastodon|youtube|telegram|x|reddit"
_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str | None, option: str) -> datetime | None:
    """An ISO date/time (UTC unless it says otherwise) or an age such as ``7d``, ``12h``."""
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    when = parse_time(value)
    if when is None:
        fail(f"{option} {value!r}: give a date like 2026-11-30, a time like 2026-11-30T18:00Z, or an age like 7d")
    return when


def parse_duration(value: str, option: str) -> float:
    """Seconds in ``90``, ``90s``, ``15m``, ``2h``, ``1d``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value or "")
    if not match:
        fail(f"{option} {value!r}: give a duration like 90s, 15m, 2h or 1d")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@app.command()
def collect(
    folder: ProjectDir,
    source: Annotated[str, typer.Option("--source", "-s", help=f"The platform: {SOURCES}.")],
    query: Annotated[str | None, typer.Option(help="Search query (bluesky, x, mastodon with a token, reddit).")] = None,
    hashtag: Annotated[str | None, typer.Option(help="A hashtag, without # (bluesky, mastodon, x).")] = None,
    channel: Annotated[str | None, typer.Option(help="YouTube channel id, Telegram channel, subreddit, or 'local' for Mastodon's local timeline.")] = None,
    video: Annotated[str | None, typer.Option(help="YouTube video id (its comments; with --live its live chat).")] = None,
    live: Annotated[bool, typer.Option("--live", help="With --video: follow the video's live chat.")] = False,
    comments: Annotated[bool, typer.Option("--comments", help="Reddit, Telegram: also collect each post's comment thread.")] = False,
    archive: Annotated[bool, typer.Option("--archive", help="X: full-archive search instead of the last 7 days.")] = False,
    since: Annotated[str | None, typer.Option(help="Oldest post wanted: a date/time or an age (7d).")] = None,
    until: Annotated[str | None, typer.Option(help="Newest post wanted: a date/time or an age.")] = None,
    max_: Annotated[int | None, typer.Option("--max", help="Stop after about N records (rounded up to a page).")] = None,
    time_limit: Annotated[str | None, typer.Option("--time-limit", help="Stop after this long (90s, 15m, 2h); the next run continues.")] = None,
    api_base: Annotated[str | None, typer.Option("--api-base", help="The API's base URL (an instance, a proxy, a test server).")] = None,
    json: JsonFlag = False,
) -> None:
    """Collect posts from a platform's API into the project; run it again to continue."""
    from antena.collect import CollectError, Limits, build_collector

    targets = {"query": query, "hashtag": hashtag, "channel": channel, "video": video}
    given = [(k, v) for k, v in targets.items() if v]
    if len(given) > 1 and not (source == "reddit" and {k for k, _ in given} == {"query", "channel"}):
        fail("give one of --query, --hashtag, --channel, --video")
    kind, value = given[0] if given else (None, "")
    options: dict[str, Any] = {}
    if source == "reddit" and query and channel:
        kind, value, options["subreddit"] = "query", query, channel
    if live:
        if kind != "video":
            fail("--live needs --video VIDEO_ID")
        kind = "live"
    if comments:
        options["comments"] = True
    if archive:
        options["archive"] = True
    limits = Limits(max_records=max_, time_limit=parse_duration(time_limit, "--time-limit") if time_limit else None)
    with open_project(folder) as project:
        try:
            collector = build_collector(project.config, source, kind, value, since=parse_when(since, "--since"),
                                        until=parse_when(until, "--until"), api_base=api_base, options=options)
            with progress_bar(quiet=json) as bar:
                task = bar.add_task(f"{source} {collector.job.target}", total=max_)
                result = collector.run(project, limits, progress=lambda n: bar.advance(task, n))
        except (CollectError, AntenaError) as exc:
            fail(str(exc))
    summary = result.summary()
    if json:
        emit_json(summary)
    else:
        for message in result.messages:
            console.print(message, highlight=False, markup=False)
        console.print(
            f"{source} {summary['target']}: {summary['received']} received, {summary['stored']} new, "
            f"{summary['updated']} updated, {summary['duplicates']} already stored, {summary['quarantined']} "
            f"quarantined ({summary['status']}; {summary['pages']} pages, {summary['waits']} rate-limit waits)",
            highlight=False, markup=False)
        if summary["error"]:
            console.print(f"error: {summary['error']}", highlight=False, markup=False, style="red")
    if summary["status"] == "error":
        raise typer.Exit(1)


