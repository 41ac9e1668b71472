"""The query language, parsed by recursive descent into the tree of :mod:`.tree`.

The grammar, loosest first (a query in Italian news is mostly plain words, so
anything that does not parse as syntax is searched as words, never refused):

    query   := or_expr*                  words side by side: all of them (any with --any)
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary ("AND" unary)*
    unary   := "NOT" unary | "-" unary | "+" unary | primary
    primary := "(" query ")" | FIELD ":" primary | "exact:" (WORD | PHRASE) | PHRASE | WORD

``AND``/``OR``/``NOT`` are operators in capitals only, and an operator with no
word on one side is an error (Elasticsearch's ``query_string`` refuses it too:
``munizioni AND``, a query cut short, would otherwise find nothing). A sign
counts only at the start of a word (``Kim Jong-un`` keeps its hyphen). A phrase
is ``"…"``, ``"…"~N`` within N positions; a word holding ``*`` is a wildcard
(``?`` is none: questions end with it), ``word~``/``word~2`` fuzzy, ``*:*`` every
article. A word
before a colon that names no field (``speakr:``, ``Romans3:28``) is a word, and
is reported so that a notice can suggest the field meant. Unbalanced
parentheses and quotes are read as if the stray one were not there.
"""

from __future__ import annotations

import re

from ..errors import QueryError
from ..fields import DATE_KEYS, NAME_FIELDS, QUERY_FIELDS, checked_name
from ..records import record
from .tree import And, Every, Exact, Fuzzy, Node, Not, Or, Phrase, Wildcard, Word, exact_words

MAX_LENGTH = 10_000
_INFIX = frozenset({"AND", "OR"})
_OPERATORS = _INFIX | {"NOT"}
# a field name, at a word start (never after a letter, a colon or a slash: URLs, 10:30)
_FIELD = re.compile(r"([^\W\d_]\w*):(?=[^\s/])")
_NOT_BEFORE_FIELD = re.compile(r"[\w:/]")
_EXACT = re.compile(r"exact:(?:\"([^\"]*)\"|([^\s\"()]+))", re.IGNORECASE)
_NOT_BEFORE_EXACT = re.compile(r"[\w:]")
_SLOP = re.compile(r"~([1-9][0-9]*)")
_FUZZY = re.compile(r"([^~]+)~([0-9])?")
_SPACE = re.compile(r"\s")
# year:/month: values as they must be written; a typo is an error, not zero hits
_DATE_KEY_FORMS = {"year": (re.compile(r"\d{4}"), "YYYY, e.g. year:2023"),
                   "month": (re.compile(r"\d{4}-(?:0[1-9]|1[0-2])"), "YYYY-MM, e.g. month:2023-09")}


@record(frozen=True)
class Parsed:
    """A parsed query: its tree (None when it holds nothing to search) and the words
    written as a field that name none, in order (``speakr`` of ``speakr:Kirby``)."""

    root: Node | None
    unknown_fields: tuple[str, ...] = ()


@record(frozen=True)
class _Token:
    kind: str  # "(", ")", "op", "sign", "word", "phrase", "field", "exact"
    text: str = ""
    slop: int = 1  # a phrase's
    quoted: bool = False  # an exact clause's: a phrase
    field: str = ""  # a field's, as the query language names it (the text: as typed)


def parse(text: str, *, any_words: bool = False, default_field: str | None = None) -> Parsed:
    """Parse a user's query. ``any_words`` joins the words side by side with OR
    (``--any``) instead of AND; ``default_field`` is where words without a field are
    looked for (None: title and body; ``quotes`` for the quotes search)."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise QueryError("query is longer than 10,000 characters; shorten it")
    tokens, unknown = _tokenize(text)
    _check_operators(text, tokens)
    parser = _Parser(_balanced(tokens), any_words)
    return Parsed(parser.query(default_field), tuple(dict.fromkeys(unknown)))


def _tokenize(text: str) -> tuple[list[_Token], list[str]]:
    tokens: list[_Token] = []
    unknown: list[str] = []
    i, n = 0, len(text)
    after_sign = False
    while i < n:
        char = text[i]
        if _SPACE.match(char):
            i += 1
        elif char in "()":
            tokens.append(_Token(char))
            i += 1
        elif char == '"' and text.find('"', i + 1) >= 0:
            close = text.find('"', i + 1)
            slop = _SLOP.match(text, close + 1)
            tokens.append(_Token("phrase", text[i + 1:close], int(slop.group(1)) if slop else 1))
            i = slop.end() if slop else close + 1
        elif (char in "+-" and (i == 0 or text[i - 1] == "(" or _SPACE.match(text[i - 1]))
              and i + 1 < n and not (text[i + 1] in "+-" or _SPACE.match(text[i + 1]))):
            tokens.append(_Token("sign", char))
            i += 1
            after_sign = True
            continue
        else:
            i = _run(text, i, tokens, unknown, operators=not after_sign)
        after_sign = False
    return tokens, unknown


def _run(text: str, start: int, tokens: list[_Token], unknown: list[str], *,
         operators: bool) -> int:
    """Tokenize the run of text from ``start`` to the next space, parenthesis or phrase:
    a word, an operator, or words and fields (``x-title:y``); returns where it ends."""
    end = start
    while end < len(text) and not (_SPACE.match(text[end]) or text[end] in "()"
                                   or (text[end] == '"' and text.find('"', end + 1) >= 0)):
        end += 1
    if operators and text[start:end] in _OPERATORS:
        tokens.append(_Token("op", text[start:end]))
        return end
    word_start = at = start
    while at < end:
        before = text[at - 1] if at > 0 else ""
        exact = (_EXACT.match(text, at) if not _NOT_BEFORE_EXACT.match(before) else None)
        if exact is not None:
            _word(tokens, text[word_start:at])
            quoted = exact.group(1) is not None
            tokens.append(_Token("exact", exact.group(1) if quoted else exact.group(2),
                                 quoted=quoted))
            if quoted:  # the phrase's closing quote may lie past this run
                return exact.end()
            word_start = at = exact.end()
            continue
        field = _FIELD.match(text, at) if not _NOT_BEFORE_FIELD.match(before) else None
        if field is None or field.end() > end:
            at += 1
            continue
        target = QUERY_FIELDS.get(field.group(1).lower())
        if target is None:  # the name stays a word, its colon a space
            _word(tokens, text[word_start:field.end() - 1])
            unknown.append(field.group(1))
        else:
            _word(tokens, text[word_start:at])
            tokens.append(_Token("field", text[at:field.end()], field=target))
        word_start = at = field.end()
    _word(tokens, text[word_start:end])
    return end


def _word(tokens: list[_Token], text: str) -> None:
    if text:
        tokens.append(_Token("word", text))


def _check_operators(text: str, tokens: list[_Token]) -> None:
    """A clear error for a boolean operator with nothing to join."""
    symbols = [t.text if t.kind == "op" else t.kind for t in tokens]
    for i, symbol in enumerate(symbols):
        if symbol not in _OPERATORS:
            continue
        before = symbols[i - 1] if i > 0 else "("
        after = symbols[i + 1] if i + 1 < len(symbols) else ")"
        if after == ")" or after in _INFIX:
            missing = "after it"
        elif symbol in _INFIX and (before == "(" or before in _OPERATORS):
            missing = "before it"
        else:
            continue
        raise QueryError(f"query {text!r}: the operator {symbol} has no word {missing}; "
                         f"add one, or write {symbol.lower()!r} in lower case to search "
                         "for the word")


def _balanced(tokens: list[_Token]) -> list[_Token]:
    """``tokens`` without the parentheses that close nothing or are never closed."""
    stray: set[int] = set()
    opened: list[int] = []
    for i, token in enumerate(tokens):
        if token.kind == "(":
            opened.append(i)
        elif token.kind == ")":
            if opened:
                opened.pop()
            else:
                stray.add(i)
    stray.update(opened)
    return [t for i, t in enumerate(tokens) if i not in stray]


def _joined(kind: type[And] | type[Or], left: Node | None, right: Node | None) -> Node | None:
    """``left`` and ``right`` under one ``kind`` node (flattened), or whichever exists."""
    if left is None or right is None:
        return left if right is None else right
    children = [*(left.children if type(left) is kind else (left,)),
                *(right.children if type(right) is kind else (right,))]
    return kind(tuple(children))


class _Parser:
    def __init__(self, tokens: list[_Token], any_words: bool) -> None:
        self.tokens = tokens
        self.at = 0
        self.any_words = any_words
        self.side_by_side: type[And] | type[Or] = Or if any_words else And

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _is_op(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "op" and token.text == text

    def query(self, field: str | None) -> Node | None:
        node: Node | None = None
        while (token := self._peek()) is not None and token.kind != ")":
            node = _joined(self.side_by_side, node, self.or_expr(field))
        return node

    def or_expr(self, field: str | None) -> Node | None:
        node = self.and_expr(field)
        while self._is_op("OR"):
            self.at += 1
            node = _joined(Or, node, self.and_expr(field))
        return node

    def and_expr(self, field: str | None) -> Node | None:
        node = self.unary(field)
        while self._is_op("AND"):
            self.at += 1
            node = _joined(And, node, self.unary(field))
        return node

    def unary(self, field: str | None) -> Node | None:
        token = self._peek()
        if token is not None and (token.kind == "sign" or self._is_op("NOT")):
            self.at += 1
            child = self.unary(field)
            if token.text == "+" or child is None:
                return child
            return child.child if isinstance(child, Not) else Not(child)
        return self.primary(field)

    def primary(self, field: str | None) -> Node | None:
        token = self._peek()
        if token is None or token.kind in (")", "op"):  # an operator past a stray ")"
            return None
        self.at += 1
        if token.kind == "(":
            node = self.query(field)
            self.at += 1  # its ")": the parentheses are balanced
            return node
        if token.kind == "field":
            following = self._peek()
            if following is None or following.kind == ")":  # a field of nothing: a word
                return self._leaf(token.text, field)
            return self.primary(token.field)
        if token.kind == "exact":
            return Exact(token.text, token.quoted) if exact_words(token.text) else None
        if token.kind == "phrase":
            if field is None or field in ("title", "body", "quotes"):
                return Phrase(token.text, field, token.slop)
            return self._leaf(token.text, field, phrase=True)
        return self._leaf(token.text, field)

    def _leaf(self, text: str, field: str | None, phrase: bool = False) -> Node:
        """A word (or, on a field of names, keys or dates, a quoted value) as a leaf."""
        if text == "*:*" and field is None:  # Lucene's "every article"
            return Every()
        if "*" in text and not phrase:
            return Wildcard(text, field)
        fuzzy = None if phrase else _FUZZY.fullmatch(text)
        if field in DATE_KEYS:
            value = fuzzy.group(1) if fuzzy else text
            pattern, form = _DATE_KEY_FORMS[field]
            if not pattern.fullmatch(value):
                raise QueryError(f"'{field}:{value}' is not a {field}: write it as {form}")
            return Word(value, field)
        if fuzzy is not None:
            edits = int(fuzzy.group(2) or 1)
            if edits not in (1, 2):
                raise QueryError(f"'{text}': a fuzzy word allows 1 or 2 edits; "
                                 f"write {fuzzy.group(1)}~ or {fuzzy.group(1)}~2")
            if field in NAME_FIELDS:
                checked_name(field, fuzzy.group(1))
            return Fuzzy(fuzzy.group(1), field, edits)
        if field in NAME_FIELDS:
            checked_name(field, text)
        return Word(text, field, not self.any_words)
