"""Importers: one file per platform export format. See ``base.py`` for the contract."""

from antena.sources.base import Post, Quarantine, RawRecord, Source

__all__ = ["Post", "Quarantine", "RawRecord", "Source"]
