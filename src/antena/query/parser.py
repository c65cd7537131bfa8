"""Parse query text into a small syntax tree (grammar in ``grammar.lark``).

Syntax errors become ``QuerySyntaxError`` with the 1-based column of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from antena.errors import QuerySyntaxError
from antena.query.fields import FIELDS
from antena.query.patterns import (
    WordPattern,
    has_letters,
    literal_pattern,
    tag_core,
    tag_in_text,
    words_pattern,
)

MAX_QUERY_LENGTH = 20_000
MAX_NEAR_DISTANCE = 50
MAX_DEPTH = 60
MAX_TERMS = 1000  # DuckDB binds thousands of conditions slowly (2000 terms: ~4 s)
MAX_TERM_LENGTH = 500  # characters in one word, tag or phrase (longer ones overflow RE2)
_TAG = re.compile(r"^([#@][\w*]+(?:\.[\w*]+)*)[.,;:!?]*$")  # "@juan.perez", "#AlertaAmber,"


# ---------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Text:
    """A term or "phrase" matched in the post text."""

    source: str
    pattern: WordPattern
    column: int = field(default=0, compare=False)  # 1-based, for error messages


@dataclass(frozen=True)
class Tag:
    """``#hashtag`` or ``@mention``: the list column or the text."""

    symbol: str
    name: str
    column: int = field(default=0, compare=False)

    @property
    def column_name(self) -> str:
        """The list column the tag is looked up in."""
        return "hashtags" if self.symbol == "#" else "mentions"

    @property
    def list_core(self) -> str:
        return tag_core(self.name)

    @property
    def in_text(self) -> WordPattern:
        return tag_in_text(self.symbol, self.name)


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int
    column: int


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    column: int  # 1-based column of the value


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Text | Tag | Near | Field | Not | And | Or


# ---------------------------------------------------------------------- parsing


@cache
def _parser() -> Lark:
    grammar = files("antena.query").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="basic", propagate_positions=False, maybe_placeholders=False)


class QueryError(Exception):
    """Raised inside the transformer; carries a message and a 1-based column."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.column = column


def _flatten(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        for child in item.children if isinstance(item, kind) else (item,):
            if child not in flat:  # "a OR a" is "a"
                flat.append(child)
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _term(token: Token) -> Node:
    text = str(token)
    if len(text) > MAX_TERM_LENGTH:
        raise QueryError(f"a term is longer than {MAX_TERM_LENGTH} characters", token.column)
    if len(text) > 1 and text[0] == "-" and (text[1] in "#@*" or text[1].isalnum()):
        return Not(_term(Token("WORD", text[1:], line=1, column=token.column + 1)))
    tag = _TAG.match(text)
    if tag and has_letters(tag[1][1:]):
        return Tag(text[0], tag[1][1:], token.column)
    if text.endswith(":") and text[:-1].lower() in _known_fields():
        raise QueryError(f"field '{text}' needs its value right after the colon (no space)", token.column)
    if text.strip("*") == "":
        raise QueryError("a wildcard needs at least one letter or digit before or after it", token.column)
    return Text(text, words_pattern(text), token.column)


def _known_fields() -> set[str]:
    return set(FIELDS)


@v_args(inline=True)
class _ToTree(Transformer):
    """Lark tree -> ``Node``; keeps error columns."""

    def word(self, token: Token) -> Node:
        return _term(token)

    def phrase(self, token: Token) -> Node:
        inner = str(token)[1:-1]
        if not inner.strip():
            raise QueryError("empty phrase", token.column)
        if len(inner) > MAX_TERM_LENGTH:
            raise QueryError(f"a phrase is longer than {MAX_TERM_LENGTH} characters", token.column)
        if not has_letters(inner):  # "*", "...", "?!": punctuation is matched as written
            return Text(str(token), literal_pattern(inner), token.column)
        return Text(str(token), words_pattern(inner), token.column)

    def group(self, _lpar: Token, child: Node, _rpar: Token) -> Node:
        return child

    def field(self, name: Token, value: Token) -> Node:
        field_name = str(name)[:-1].lower()
        raw = str(value)
        if value.type == "PHRASE":
            raw = raw[1:-1]
        if field_name not in _known_fields():
            if value.type == "WORD" and raw.startswith("/"):  # a URL such as https://...
                return Text(str(name) + raw, words_pattern(str(name) + raw), name.column)
            known = ", ".join(f"{f}:" for f in sorted(_known_fields()))
            raise QueryError(f"unknown field '{name}' (known: {known}); quote it to search the text", name.column)
        return Field(field_name, raw, value.column)

    def negation(self, _not: Token, child: Node) -> Node:
        return child.child if isinstance(child, Not) else Not(child)

    def near_expr(self, *items: Node | Token) -> Node:
        operands = items[0::2]
        operators = items[1::2]
        pairs = []
        for left, op, right in zip(operands, operators, operands[1:], strict=False):
            distance = str(op).partition("/")[2]
            if not distance:
                raise QueryError("NEAR needs a distance in words, e.g. NEAR/3", op.column)
            if int(distance) > MAX_NEAR_DISTANCE:
                raise QueryError(f"NEAR distance is at most {MAX_NEAR_DISTANCE} words", op.column)
            for side in (left, right):
                if near_operand(side) is None:
                    raise QueryError("NEAR/n joins words, phrases, hashtags, or groups of them joined by OR",
                                     op.column)
            pairs.append(Near(left, right, int(distance), op.column))
        return _flatten(And, pairs)

    def and_expr(self, *items: Node | Token) -> Node:
        return _flatten(And, [i for i in items if not isinstance(i, Token)])

    def or_expr(self, *items: Node | Token) -> Node:
        return _flatten(Or, [i for i in items if not isinstance(i, Token)])


def near_operand(node: Node) -> WordPattern | None:
    """The text pattern of a NEAR operand, or None when the node cannot be one."""
    if isinstance(node, Text):
        return node.pattern
    if isinstance(node, Tag):
        return node.in_text
    if isinstance(node, Or):
        options = [near_operand(child) for child in node.children]
        if all(options):
            return WordPattern.either(options)  # type: ignore[arg-type]
    return None


def _terms(node: Node) -> int:
    if isinstance(node, And | Or):
        return sum(_terms(c) for c in node.children)
    if isinstance(node, Not):
        return _terms(node.child)
    return 1


def _depth(node: Node) -> int:
    if isinstance(node, And | Or):
        return 1 + max(_depth(c) for c in node.children)
    if isinstance(node, Not):
        return 1 + _depth(node.child)
    return 1


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "the end of the query"
    return {"RPAR": "')'", "LPAR": "'('"}.get(token.type, f"'{token}'")


def _friendly(exc: UnexpectedInput, text: str) -> tuple[str, int]:
    """A message an analyst understands, and the 1-based column it points at."""
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        if char in '"\u201c':
            return "unterminated quote: close the phrase with a matching quote", exc.column
        return f"unexpected character {char!r}", exc.column
    if isinstance(exc, UnexpectedEOF):
        return _end_message(text), len(text) + 1
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return _end_message(text), len(text.rstrip()) + 1
        if token.type == "RPAR":
            if "RPAR" not in exc.expected:
                return "')' without a matching '('" if _open_parens(text[: token.start_pos]) <= 0 else \
                    "missing word before ')'", token.column
        if token.type in ("AND", "OR", "NEAR"):
            return f"{token} needs a word, phrase or group on its left", token.column
        return f"unexpected {_describe(token)}", token.column
    return str(exc), getattr(exc, "column", 1) or 1


def _open_parens(text: str) -> int:
    depth = 0
    for token in _parser().lex(text):
        depth += {"LPAR": 1, "RPAR": -1}.get(token.type, 0)
    return depth


def _end_message(text: str) -> str:
    try:
        if _open_parens(text) > 0:
            return "missing ')'"
    except UnexpectedInput:
        pass
    last = text.split()[-1] if text.split() else ""
    if last in ("AND", "OR", "NOT") or last.startswith("NEAR"):
        return f"the query ends after {last}: add a word, phrase or group"
    return "the query ends too early"


def parse(text: str) -> Node:
    """Parse a query; raise ``QuerySyntaxError`` pointing at the problem."""
    flat = text.translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
    if not flat.strip():
        raise QuerySyntaxError("empty query", flat, 1)
    if len(flat) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query longer than {MAX_QUERY_LENGTH} characters", flat[:80] + "…", 81)
    try:
        tree = _parser().parse(flat)
        node = _ToTree().transform(tree) if isinstance(tree, Tree) else _term(tree)
    except UnexpectedInput as exc:
        message, column = _friendly(exc, flat)
        raise QuerySyntaxError(message, flat, column) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, QueryError):
            raise QuerySyntaxError(str(exc.orig_exc), flat, exc.orig_exc.column) from None
        raise
    except QueryError as exc:
        raise QuerySyntaxError(str(exc), flat, exc.column) from None
    except RecursionError:
        raise QuerySyntaxError("query nests too deeply", flat, 1) from None
    if _depth(node) > MAX_DEPTH:
        raise QuerySyntaxError(f"query nests more than {MAX_DEPTH} levels deep", flat, 1)
    if _terms(node) > MAX_TERMS:
        raise QuerySyntaxError(f"query has more than {MAX_TERMS} terms", flat, 1)
    return node
