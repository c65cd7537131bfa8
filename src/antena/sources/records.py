"""The records a source yields: raw records, quarantines and mapped posts (see ``base.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RawRecord:
    """One record as read from a file, before mapping."""

    payload: dict[str, Any]
    line: int  # 1-based line (for JSON documents, the line the document starts on)
    pointer: str = ""  # where in the line/document, e.g. "/data/3"


@dataclass(slots=True)
class Quarantine:
    """A record that could not be stored, and why."""

    reason: str
    field: str = ""
    line: int = 0
    pointer: str = ""
    raw: str = ""  # the raw text (or JSON) of the record, kept for inspection


@dataclass(slots=True)
class Post:
    """A mapped post: the fields of ``POST_SCHEMA`` a source knows, plus author identity.

    ``author_native`` is the platform's stable author id (or handle when there is no id);
    the store turns it into a keyed pseudonym and drops it.
    """

    fields: dict[str, Any]
    author_native: str | None = None
    author_handle: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
