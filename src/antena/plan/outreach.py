"""The outreach log: awareness actions (message, channel or group, date, reach) in the project DB,
and what happened to the conversation in the days after each action compared with the days before.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from antena.analytics.kpis import window_stats
from antena.errors import AntenaError
from antena.store.outreach import log_action, logged_actions
from antena.store.queries import Store

FIELDS = ("action", "channel", "group_name", "date", "reach", "notes")
# accepted CSV headers -> field
HEADER_ALIASES = {"action": "action", "message": "action", "accion": "action", "acción": "action",
                  "mensaje": "action", "channel": "channel", "canal": "channel", "group": "group_name",
                  "group_name": "group_name", "grupo": "group_name", "date": "date", "fecha": "date",
                  "reach": "reach", "alcance": "reach", "notes": "notes", "notas": "notes"}


class OutreachError(AntenaError):
    """An outreach record or file is invalid."""


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def parse_date(value: str) -> date:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(value[:10], fmt).date()
        except ValueError:
            continue
    raise OutreachError(f"date {value!r} is not YYYY-MM-DD")


def parse_reach(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        reach = int(float(text))
    except ValueError as exc:
        raise OutreachError(f"reach {value!r} is not a number") from exc
    if reach < 0:
        raise OutreachError(f"reach {value!r} is negative")
    return reach


def add(store: Store, action: str, day: date | str, channel: str | None = None, group: str | None = None,
        reach: int | str | None = None, notes: str | None = None) -> int:
    """Record one action; returns its id."""
    if not action or not action.strip():
        raise OutreachError("an action needs a message or description")
    when = day if isinstance(day, date) else parse_date(day)
    action_id = log_action(store.con, action.strip(), (channel or "").strip() or None, (group or "").strip() or None,
                           when, parse_reach(reach), notes or None)
    store.audit("outreach.add", f"action {action_id}")
    return action_id


def import_csv(store: Store, path: Path) -> ImportResult:
    """Import a CSV log (header: action/message, channel, group, date, reach, notes).

    Good rows are stored; each bad row is reported with its line number in the file.
    """
    result = ImportResult()
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise OutreachError(f"{path}: cannot read: {exc.strerror}") from exc
    with handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(handle, dialect)
        header = next(reader, None)
        if not header:
            raise OutreachError(f"{path}: empty file")
        mapping = {i: HEADER_ALIASES.get(h.strip().lower()) for i, h in enumerate(header)}
        present = set(mapping.values())
        if "action" not in present or "date" not in present:
            raise OutreachError(f"{path}: line 1: the header needs `action` (or `message`) and `date` columns")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            record = {mapping[i]: cell for i, cell in enumerate(row) if mapping.get(i)}
            try:
                add(store, record.get("action", ""), record.get("date", ""), record.get("channel"),
                    record.get("group_name"), record.get("reach"), record.get("notes"))
                result.imported += 1
            except OutreachError as exc:
                result.errors.append({"line": line, "error": str(exc)})
    return result


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def effects(store: Store, days: int = 7, query: str | None = None) -> list[dict[str, Any]]:
    """Each logged action with the conversation in the ``days`` before and after it."""
    condition, params = store.where(query)
    out = []
    for item in logged_actions(store.con):
        day = _day_start(item["date"])
        before = window_stats(store, day - timedelta(days=days), day, condition, params)
        after = window_stats(store, day + timedelta(days=1), day + timedelta(days=1 + days), condition, params)
        change = {}
        for key in before:
            b, a = before.get(key), after.get(key)
            if b is None or a is None:
                change[key] = None
            elif key in ("posts", "relevant_posts"):
                change[key] = round((a - b) / b, 3) if b else None
            else:
                change[key] = round(a - b, 3)
        item.update({"date": item["date"].isoformat(), "days": days, "before": before, "after": after,
                     "change": change})
        out.append(item)
    return out
