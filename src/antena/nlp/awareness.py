"""Awareness markers: mentions of named programmes (the AMBER alert, hotlines, NGO campaigns)
and expressions of not knowing them ("¿qué es la alerta amber?").

Programmes come from ``[analysers.awareness] programmes`` in ``antena.toml`` (id -> terms);
the defaults follow the source report.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pyarrow as pa

from antena.nlp.base import Analyser, column_or_empty
from antena.nlp.textutil import fold, term_matcher
from antena.registry import register_analyser

DEFAULT_PROGRAMMES: dict[str, list[str]] = {
    "amber_alert": ["alerta amber", "alertaamber*", "#alertaamber*", "amber alert*", "#amberalert*", "programa amber"],
    "hotline": ["089", "linea de denuncia", "línea contra la trata", "800 5533 000", "hotline"],
    "ngo_campaign": ["#yodoyesperanza", "yo doy esperanza", "#igivehope", "ninos robados", "niños robados"],
}

UNAWARE = re.compile(
    r"(que|q|k) (es|son|significa) (la |una |eso de (la )?)?(alerta )?amber"
    r"|no (sabia|sabiamos|conocia|conociamos) (que |de |la )?(existia|existe|alerta|la alerta|el programa)"
    r"|nunca (he|habia|había) (oido|escuchado|visto)( hablar)?( de)? (la |una )?alerta"
    r"|alerta amber\?+ ?(que|q|k)\b|existe (la |una )?alerta amber\?"
    r"|what('?s| is) (an |the |a )?amber alert|never heard of (an |the )?amber"
    r"|didn'?t know (about )?(the )?amber|no idea what (an |the )?amber"
)


@register_analyser
class Awareness(Analyser):
    """Adds ``awareness_programmes`` (programme ids mentioned) and ``awareness_unaware``."""

    name = "awareness"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("post_id", "text")
    assigns: ClassVar[dict[str, pa.DataType]] = {
        "awareness_programmes": pa.list_(pa.string()), "awareness_unaware": pa.bool_(),
    }

    def __init__(self, programmes: dict[str, list[str]] | None = None, **config: Any) -> None:
        super().__init__(programmes=programmes, **config)
        self.programmes = programmes or DEFAULT_PROGRAMMES

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        compiled = {pid: term_matcher(tuple(terms)) for pid, terms in self.programmes.items()}
        texts = column_or_empty(batch, "text")
        mentioned, unaware = [], []
        for text in texts:
            folded = fold(text) if isinstance(text, str) else ""
            mentioned.append([pid for pid, matcher in compiled.items() if folded and matcher.find(folded)])
            unaware.append(bool(folded) and bool(UNAWARE.search(folded)))
        return self.result(batch, {"awareness_programmes": mentioned, "awareness_unaware": unaware})
