"""The spool: each received page is on disk before it is stored, so a crash loses nothing.

A page (the API's response bytes, plus any extra responses fetched with it, such as comment
trees) is written to a temporary folder, flushed, and renamed to ``g<seq>``: a group folder
exists complete or not at all. ``meta.json`` holds the cursor the job reaches once the group is
stored. After the group is in the database and the cursor saved, the folder is removed, so
deleted posts do not linger here. On start, complete groups left by a killed run are stored first
(records already stored count as duplicates), and half-written temporary folders are dropped
(their page was never acknowledged, so the cursor still points at it).

Spools live in ``.antena/spool/`` of the project (git-ignored with the secret key).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass
class SpooledBody:
    path: Path
    format: str
    label: str


@dataclass
class Group:
    seq: int
    folder: Path
    bodies: list[SpooledBody]
    meta: dict[str, Any]


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, seq: int, bodies: list[tuple[bytes, str, str]], meta: dict[str, Any]) -> Group:
        """Write ``(content, format, label)`` bodies and ``meta`` as group ``seq``, atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".tmp-{seq:08d}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        index = []
        for i, (content, fmt, label) in enumerate(bodies):
            name = f"{i:04d}.json"
            _write_synced(tmp / name, content)
            index.append({"file": name, "format": fmt, "label": label})
        _write_synced(tmp / "meta.json", orjson.dumps({"bodies": index, "meta": meta}))
        final = self.folder / f"g{seq:08d}"
        if final.exists():  # left by a run killed after its rename; this page replaces it
            shutil.rmtree(final)
        os.rename(tmp, final)
        _sync_dir(self.folder)
        return self._read(final)

    def pending(self) -> list[Group]:
        """Complete groups not yet stored, oldest first; half-written ones are removed."""
        if not self.folder.exists():
            return []
        groups = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name.startswith(".tmp-"):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir() and entry.name.startswith("g") and (entry / "meta.json").exists():
                groups.append(self._read(entry))
        return groups

    def remove(self, group: Group) -> None:
        shutil.rmtree(group.folder, ignore_errors=True)

    @staticmethod
    def _read(folder: Path) -> Group:
        doc = orjson.loads((folder / "meta.json").read_bytes())
        bodies = [SpooledBody(folder / b["file"], b["format"], b["label"]) for b in doc["bodies"]]
        return Group(int(folder.name[1:]), folder, bodies, doc["meta"])


def _write_synced(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
