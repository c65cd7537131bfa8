"""Errors a user can read: each says what went wrong and, when known, where."""

from __future__ import annotations


class AntenaError(Exception):
    """Base error; the CLI prints its message without a traceback."""


class ProjectError(AntenaError):
    """The project folder is missing, incomplete or its antena.toml is invalid."""


class FormatError(AntenaError):
    """A file's format could not be recognised or read."""


class QuerySyntaxError(AntenaError):
    """A query could not be parsed; carries the column of the problem."""

    def __init__(self, message: str, query: str, column: int):
        self.query = query
        self.column = column
        pointer = " " * (column - 1) + "^"
        super().__init__(f"{message} at column {column}\n  {query}\n  {pointer}")
