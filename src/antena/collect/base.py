"""The collector contract and the loop every collector shares (as in 4CAT: the base owns the loop).

A collector declares ``name``, ``title``, ``formats`` (the importers that read its pages),
``targets`` (what it can be asked: query, hashtag, channel, video, live, public), its
``credentials``, ``default_api_base`` and ``min_interval``, and implements one method:

``fetch(cursor, floor, limit) -> Page``
    Get the page at ``cursor`` (``None``: the newest page) and say where the next one is.
    ``floor`` is the newest item of the last complete sweep: a sweep stops when it reaches it, so
    later runs fetch only what is new. ``limit`` is how many records the run still wants.

The base class (:meth:`Collector.run`) owns everything else: the request loop, cursor persistence
(``store.collect_state``), the spool that makes a ``kill -9`` harmless, storing through the same
:class:`~antena.store.ingest.Ingestor` as ``antena import`` (so received = stored + updated +
duplicates + quarantined, and a post collected live is the post imported from an export), the
``--max`` and time limits, counting and progress.

Pages are written as the API sent them and read by the importer named in ``Body.format``
(``sources/*.py``): collectors never map posts themselves.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson

from antena.collect.credentials import CollectError, Credential, Secrets
from antena.collect.http import Deadline, HttpStats, PoliteClient
from antena.collect.spool import Group, Spool
from antena.sources.base import parse_time
from antena.store import collect_state as cs
from antena.store.files import InputFile

TARGET_KINDS = ("query", "hashtag", "channel", "video", "live", "public")
SPOOL_DIR = Path(".antena") / "spool"


@dataclass(frozen=True)
class Job:
    """What to collect: a source, one target, a time window and the API base it is asked at."""

    source: str
    kind: str
    value: str = ""
    since: datetime | None = None
    until: datetime | None = None
    api_base: str = ""
    options: tuple[tuple[str, Any], ...] = ()
    window: str | None = None  # the window as the user wrote it ("7d.."), so relative ages keep one key

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    @property
    def key(self) -> str:
        """Stable across runs with the same arguments: the cursor's identity."""
        window = self.window if self.window is not None else f"{_iso(self.since) or ''}..{_iso(self.until) or ''}"
        options = ",".join(f"{k}={v}" for k, v in sorted(self.options))
        return f"{self.source}|{self.target}|{window}|{options}|{self.api_base}"

    @property
    def slug(self) -> str:
        return hashlib.blake2b(self.key.encode(), digest_size=8).hexdigest()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)


@dataclass
class Body:
    """One API response as received, and the importer that reads it."""

    content: bytes
    format: str
    label: str = ""


@dataclass
class Page:
    """What one ``fetch`` got: bodies to store and where the sweep goes next.

    ``next_cursor`` None ends the sweep. ``newest`` is a marker (see ``Collector.newer``) of the
    newest item in the page. ``problem`` (the page is not what the API documents) quarantines
    the bodies and stops the run with the cursor unchanged. ``delay`` asks the loop to wait before
    the next page (live chat polling intervals)."""

    bodies: list[Body]
    next_cursor: str | None
    newest: str | None = None
    problem: str | None = None
    delay: float = 0.0
    follows: bool = False  # the sweep never ends by itself (a live chat): keep polling


@dataclass
class Limits:
    max_records: int | None = None
    time_limit: float | None = None  # seconds


@dataclass
class RunResult:
    run: cs.RunRecord
    state: cs.CursorState
    messages: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        run = self.run
        return {"source": run.source, "received": run.received, "stored": run.stored, "updated": run.updated,
                "duplicates": run.duplicates, "quarantined": run.quarantined,
                "cursor": self.state.cursor or self.state.high_water,
                "status": run.status, "error": run.error, "target": run.target, "pages": run.pages,
                "retries": run.retries, "waits": run.waits}


class Collector:
    """Base class of every collector; subclasses set the class attributes and implement ``fetch``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    formats: ClassVar[tuple[str, ...]] = ()
    targets: ClassVar[tuple[str, ...]] = ()
    credentials: ClassVar[tuple[Credential, ...]] = ()
    default_api_base: ClassVar[str] = ""
    min_interval: ClassVar[float] = 1.0
    supports_until: ClassVar[bool] = True
    numeric_markers: ClassVar[bool] = False  # markers are ids compared as integers

    def __init__(self, job: Job, secrets: Secrets, client: PoliteClient | None, settings: dict[str, Any]) -> None:
        self.job = job
        self.secrets = secrets
        self.client = client
        self.settings = settings
        self.deadline: float | None = None

    @classmethod
    def default_base_for(cls, kind: str) -> str:
        """The API base a job of this kind uses when neither --api-base nor antena.toml says."""
        return cls.default_api_base

    # ------------------------------------------------------------------ to implement

    def fetch(self, cursor: str | None, floor: str | None, limit: int | None) -> Page:
        raise NotImplementedError

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def stats(self) -> HttpStats | None:
        """Requests, retries and rate-limit waits so far (the HTTP client's, by default)."""
        return self.client.stats if self.client is not None else None

    # ------------------------------------------------------------------ helpers for collectors

    @property
    def api_base(self) -> str:
        return self.job.api_base.rstrip("/")

    def newer(self, a: str | None, b: str | None) -> str | None:
        """The newer of two markers (ISO times, or integer ids when ``numeric_markers``)."""
        if a is None or b is None:
            return a if b is None else b
        if self.numeric_markers:
            return a if int(a) >= int(b) else b
        return a if a >= b else b

    def json(self, content: bytes) -> Any:
        """Parse a response body; ``None`` when it is not JSON (the caller makes it a problem page)."""
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            return None

    # ------------------------------------------------------------------ the loop

    def run(self, project: Any, limits: Limits | None = None,
            progress: Callable[[int], None] | None = None,
            sleep: Callable[[float], None] = time.sleep) -> RunResult:
        """Collect until the sweep ends, a limit is reached or an error stops it; never raises for
        API trouble (the run records it), so ``watch`` goes on with its other jobs."""
        limits = limits or Limits()
        con = project.con
        cs.ensure_tables(con)
        job = self.job
        state = cs.load_cursor(con, job.key)
        if state is None:  # a new job: listed (and its errors shown) even before its first page
            state = cs.CursorState(job.key, job.source, job.target, job.api_base)
            cs.save_cursor(con, state)
        run = cs.start_run(con, cs.RunRecord(job.key, job.source, job.target))
        ingestor = project._ingestor()
        spool = Spool(project.folder / SPOOL_DIR / job.slug)
        deadline = time.monotonic() + limits.time_limit if limits.time_limit else None
        self.deadline = deadline
        if self.client is not None:
            self.client.deadline = deadline
        result = RunResult(run, state)

        def store(group: Group) -> None:
            nonlocal state
            problem = group.meta.get("problem")
            for body in group.bodies:
                display = (f"collect:{job.source}/{job.target} page {group.seq}"
                           + (f" {body.label}" if body.label else ""))
                if problem:  # not the API's JSON: kept whole, with the page and the reason
                    content = body.path.read_bytes()
                    cs.quarantine_page(con, display, hashlib.sha256(content).hexdigest(), body.format,
                                       f"malformed page: {problem}", content.decode("utf-8", "replace"))
                    run.received += 1
                    run.quarantined += 1
                    read = 1
                else:
                    report = ingestor.import_file(InputFile(display, body.path), body.format)
                    for name in ("stored", "updated", "duplicates", "quarantined"):
                        setattr(run, name, getattr(run, name) + getattr(report, name))
                    run.received += report.read
                    read = report.read
                if progress:
                    progress(read)
            state = cs.CursorState(**group.meta["state"])
            cs.save_cursor(con, state)
            spool.remove(group)
            run.pages += 1
            run.cursor = state.cursor or state.high_water
            result.state = state
            cs.update_run(con, run)

        try:
            for group in spool.pending():  # pages a killed run received but did not finish storing
                store(group)
                result.messages.append(f"recovered page {group.seq} left by an interrupted run")
            while True:
                if limits.max_records is not None and run.received >= limits.max_records:
                    run.status = "stopped"
                    result.messages.append(f"stopped at --max {limits.max_records}")
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    run.status = "stopped"
                    result.messages.append("stopped at the time limit")
                    break
                remaining = None if limits.max_records is None else limits.max_records - run.received
                page = self.fetch(state.cursor, state.high_water, remaining)
                if page.next_cursor is not None and page.next_cursor == state.cursor and not page.follows:
                    page.next_cursor = None  # the API handed back the same page: the end
                following = replace(state, pages=state.pages + 1)
                if page.problem is None:
                    following.cursor = page.next_cursor
                    following.sweep_newest = self.newer(state.sweep_newest, page.newest)
                    if page.next_cursor is None:  # the sweep reached its floor or the end
                        following.high_water = self.newer(state.high_water, following.sweep_newest)
                        following.sweep_newest = None
                bodies = [(b.content, b.format, b.label) for b in page.bodies]
                meta = {"state": asdict(following), "problem": page.problem}
                store(spool.write(following.pages, bodies, meta))
                if page.problem is not None:
                    run.status = "error"
                    run.error = self.secrets.redact(f"page {following.pages}: {page.problem}")
                    break
                if page.next_cursor is None and not page.follows:
                    run.status = "complete"
                    break
                if page.delay > 0:
                    if deadline is not None and time.monotonic() + page.delay > deadline:
                        run.status = "stopped"
                        break
                    sleep(page.delay)
        except Deadline as stop:
            run.status = "stopped"
            result.messages.append(f"stopped: {stop.waited_for}; the next run continues from the cursor")
        except CollectError as exc:
            run.status = "error"
            run.error = self.secrets.redact(str(exc))
        except KeyboardInterrupt:
            run.status = "stopped"
            run.error = "interrupted"
        finally:
            stats = self.stats()
            if stats is not None:
                run.retries, run.waits, run.wait_seconds = stats.retries, stats.waits, round(stats.wait_seconds, 3)
            run.finished_at = datetime.now(UTC)
            run.cursor = result.state.cursor or result.state.high_water
            cs.update_run(con, run)
            self.close()
        project.audit("collect", f"{job.source} {job.target}: {run.received} received, {run.stored} stored ({run.status})")
        return result


# ---------------------------------------------------------------- markers


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def time_marker(value: Any) -> str | None:
    """A fixed-width UTC ISO time (microseconds), so markers compare as strings."""
    when = parse_time(value)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when else None


def rfc3339(when: datetime | None) -> str | None:
    """A time as the APIs take it (``2026-01-31T12:00:00Z``)."""
    return _iso(when)


def newest_of(markers: list[str | None], numeric: bool = False) -> str | None:
    found = [m for m in markers if m]
    if not found:
        return None
    return max(found, key=int) if numeric else max(found)
