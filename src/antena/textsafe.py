"""One boundary for untrusted text on its way to a renderer (charts, GEXF, PDF, HTML pages,
terminal tables).

Post texts, hashtags, handles, file names and quarantine reasons come from the outside. Before
any of them reaches a renderer, ``display_text`` removes what renderers choke on or what can
mislead a reader:

* C0/C1 control characters (U+0000-U+001F except tab and newline, U+007F-U+009F): they make
  the chart renderer (vl-convert) abort the process and GEXF invalid XML;
* lone surrogates (from broken UTF-16): replaced by U+FFFD;
* bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can reorder what
  a reader sees (a "Trojan Source" style spoof), and the XML non-characters U+FFFE/U+FFFF.

HTML escaping and CSV formula neutralisation are separate, later steps (Jinja2 autoescape,
``antena.query.export``): this module only makes the text safe to hand to them.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def display_text(value: str) -> str:
    """``value`` with control characters, bidi overrides and lone surrogates removed/replaced.

    Tabs and newlines stay; carriage returns go (``\\r\\n`` becomes ``\\n``)."""
    if not value:
        return value
    cleaned = _UNSAFE.sub("", value)
    if _SURROGATE.search(cleaned):
        cleaned = _SURROGATE.sub("\ufffd", cleaned)
    return cleaned


def display_data(value: Any) -> Any:
    """``display_text`` applied to every string (keys too) inside dicts, lists and tuples."""
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, dict):
        return {display_data(k): display_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [display_data(v) for v in value]
    return value


def finalize(value: Any) -> Any:
    """Jinja2 ``finalize`` hook: every ``{{ value }}`` a template prints passes the boundary
    (``Markup`` is markup we generated, such as chart SVGs, and is left as it is)."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return display_text(value)
    return value
