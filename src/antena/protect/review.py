"""The review queue: risky posts a person looks at, and every decision they take, audited.

``sync`` copies posts whose ``risk_score`` reaches ``[protect] threshold`` into the table
``reviews`` (once per post: a queued post is never added again and a decided one never
re-opened). A reviewer reads a case (text redacted, author pseudonymous; for a reply, the
parent post too) and decides: ``dismissed``, ``escalated`` or ``actioned-offline``. Each
decision is written to ``audit_log``. Antena itself never sends, reports or blocks anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from antena.errors import ProjectError
from antena.nlp.risk import Risk
from antena.protect.identity import PublicIds
from antena.protect.redact import public_handles, redact
from antena.store import reviews
from antena.store.queries import Store
from antena.store.reviews import RESULTS_TABLE

STATUSES = ("open", "escalated", "dismissed", "actioned-offline")
DECISIONS = ("escalated", "dismissed", "actioned-offline")  # a decided case is never re-opened
DEFAULT_THRESHOLD = 0.5
PREVIEW_CHARS = 100

EXPORT_COLUMNS = ("post_id", "platform", "kind", "created_at", "author_id", "signal", "signals", "score",
                  "reasons", "status", "reviewer", "note", "decided_at", "text", "parent_id", "parent_text")
EXPORT_RAW_COLUMNS = ("author_handle", "url", "parent_author_handle")  # only with include_text
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class SyncReport:
    threshold: float
    candidates: int  # posts at or above the threshold
    added: int
    open: int
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "candidates": self.candidates, "added": self.added,
                "open": self.open, "queued": self.total}


def threshold_of(config: dict[str, Any]) -> float:
    """``[protect] threshold`` from ``antena.toml`` (default 0.5), checked to lie in 0..1."""
    value = config.get("protect", {}).get("threshold", DEFAULT_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ProjectError(f"antena.toml [protect] threshold must be a number from 0 to 1, not {value!r}")
    return float(value)


class ReviewQueue:
    """The review queue of one project (the table ``reviews`` in its database)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.con = store.con
        reviews.ensure_table(self.con)
        self.keep_handles = public_handles(store.config)
        self.ids = PublicIds.for_project(store)

    def _stored(self, post_id: str) -> str:
        """The stored id of a case named by its public (pseudonymous) id or its stored id."""
        if "~" not in post_id:
            return post_id
        return self.ids.resolve(post_id, reviews.post_ids(self.con))

    # ------------------------------------------------------------------ filling

    def sync(self, threshold: float | None = None, actor: str = "cli") -> SyncReport:
        """Queue analysed posts whose risk score reaches ``threshold``; returns what changed."""
        threshold = threshold_of(self.store.config) if threshold is None else float(threshold)
        if not 0 <= threshold <= 1:
            raise ProjectError(f"the threshold must lie from 0 to 1, not {threshold}")
        if not self.store.has_table(RESULTS_TABLE):
            raise ProjectError("no risk results yet: add \"risk\" to [pipeline] analysers in antena.toml "
                               "and run `antena analyze`")
        candidates, added, open_, total = reviews.queue_risky(self.con, str(Risk.version), threshold)
        self.store.audit("review.sync", f"{added} posts queued (threshold {threshold}, {candidates} at or above)",
                           actor)
        return SyncReport(threshold, int(candidates), int(added), int(open_), int(total))

    # ------------------------------------------------------------------ reading

    def cases(self, status: str | None = "open", signal: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Queued cases, highest score first, with a short redacted preview of each post."""
        if status is not None and status not in STATUSES:
            raise ProjectError(f"unknown status {status!r}; choose one of {', '.join(STATUSES)} or all")
        rows = []
        for row in self.store.reviews(status, signal, limit)[1]:
            row.pop("reasons")
            text = redact(row.pop("text"), self.keep_handles)
            row["preview"] = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
            rows.append(self.ids.row(row))
        return rows

    def show(self, post_id: str, include_text: bool = False) -> dict[str, Any]:
        """One case: the post (redacted unless ``include_text``), its signals, reasons, decision
        history and, for a reply, the post it answers. Ids are public (pseudonymous where the
        native id names the author) unless ``include_text`` asks for the evidence as stored."""
        post_id = self._stored(post_id)
        case = self._case(post_id)
        post = self._post(post_id, include_text)
        parent = self._post(post["parent_id"], include_text) if post and post.get("parent_id") else None
        if parent is not None:
            parent["risk_signals"] = self._risk_signals(parent["post_id"])
        shown = self.ids.post_id(post_id) or post_id
        history = reviews.history(self.con, post_id) + (reviews.history(self.con, shown) if shown != post_id else [])
        result = {**case, "post": post, "parent": parent, "history": history, "redacted": not include_text}
        if not include_text:
            result = self.ids.row(result)
            result["post"] = self.ids.row(post) if post else post
            result["parent"] = self.ids.row(parent) if parent else parent
        return result

    def counts(self) -> dict[str, int]:
        found = reviews.status_counts(self.con)
        return {status: found.get(status, 0) for status in STATUSES}

    # ------------------------------------------------------------------ deciding

    def decide(self, post_id: str, status: str, reviewer: str, note: str) -> dict[str, Any]:
        """Record a reviewer's decision on a queued post (audited). Cases are never re-opened."""
        if status not in DECISIONS:
            raise ProjectError(f"a decision is one of {', '.join(DECISIONS)}, not {status!r}")
        reviewer, note = (reviewer or "").strip(), (note or "").strip()
        if not reviewer:
            raise ProjectError("say who decides: --reviewer NAME")
        if not note:
            raise ProjectError("give the reason for the decision: --note TEXT")
        post_id = self._stored(post_id)
        before = self._case(post_id)["status"]
        shown = self.ids.post_id(post_id) or post_id  # the audit log names no handle either
        reviews.decide(self.con, post_id, status, reviewer, note,
                       f"{shown} {before} -> {status}: {redact(note, self.keep_handles)}")
        return self.ids.row(self._case(post_id))

    # ------------------------------------------------------------------ exporting

    def export(self, path: Path, statuses: Iterable[str] = ("escalated",), include_text: bool = False,
               actor: str = "cli") -> int:
        """Write cases to CSV for a safeguarding partner; redacted and pseudonymous unless
        ``include_text``. Returns the number of cases written."""
        statuses = list(statuses)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown or not statuses:
            raise ProjectError(f"unknown status {unknown}; choose from {', '.join(STATUSES)} or all")
        rows = reviews.export_rows(self.con, statuses)
        columns = EXPORT_COLUMNS + (EXPORT_RAW_COLUMNS if include_text else ())
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                if not include_text:
                    row["text"] = redact(row["text"], self.keep_handles)
                    row["parent_text"] = redact(row["parent_text"], self.keep_handles) if row["parent_text"] else None
                    row = self.ids.row(row)
                writer.writerow([_csv_cell(row.get(c)) for c in columns])
        self.store.audit("review.export", f"{len(rows)} cases ({', '.join(statuses)}) to {path.name}"
                           f"{' WITH UNREDACTED TEXT' if include_text else ', redacted'}", actor)
        return len(rows)

    # ------------------------------------------------------------------ helpers

    def _case(self, post_id: str) -> dict[str, Any]:
        found = reviews.case(self.con, post_id)
        if found is None:
            raise ProjectError(f"{post_id!r} is not in the review queue (see `antena review list`)")
        return found

    def _post(self, post_id: str, include_text: bool) -> dict[str, Any] | None:
        post = reviews.post(self.con, post_id)
        if post is None:
            return None
        if not include_text:
            post["text"] = redact(post["text"], self.keep_handles)
            post.pop("author_handle")
            post.pop("url")  # a post's address often names its author
        return post

    def _risk_signals(self, post_id: str) -> list[str]:
        if not self.store.has_table(RESULTS_TABLE):
            return []
        return reviews.risk_signals(self.con, post_id)


def _csv_cell(value: Any) -> Any:
    """Lists joined, times as ISO text, formula-looking text defused for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, float):
        value = round(value, 4)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
