"""The registry of query fields (``lang:``, ``since:`` ...): name -> handler building SQL.

The parser reads the names, the compiler fills in the handlers; both import this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FIELDS: dict[str, Callable[[str, dict[str, Any]], tuple[str, list[Any]]]] = {}
