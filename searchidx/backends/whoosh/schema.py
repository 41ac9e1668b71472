"""What a Whoosh index holds for each article: the schema, and the stored form.

Text fields (``title``, ``body`` — the title and the text —, ``quotes``) are
analysed by the Italian chain; every filterable facet has a field of filter
keys (:class:`NameKeys`) named as the facet, and every facet a column
``f_<facet>`` of its raw values, which facet counting reads; two more columns
hold each person's role and spellings as the article writes them (``d_roles``,
``d_spellings``), so that a people directory never unpacks an article. The
article's body and its extracted fields are stored zlib-compressed (``body_z``,
``data``).
"""

from __future__ import annotations

import datetime as _dt
import json
import pickle
import re
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from whoosh import formats
from whoosh.fields import KEYWORD, TEXT
from whoosh.system import pack_uint

from ...analysis import ItalianAnalyzer, italian_analyzer, name_key
from ...config import Config
from ...fields import FACETS, FILTERABLE, PERSON_DETAILS, WORD_KEYED

if TYPE_CHECKING:
    from ...models import Article

# facet -> the column of its raw values
FACET_COLUMNS = {name: f"f_{name}" for name in FACETS}
# person detail -> the column of its (person, detail) pairs
DETAIL_COLUMNS = {name: f"d_{name}" for name in PERSON_DETAILS}
# separates the values of a column; and a person from their detail in a pair
SEP, PAIR = "\x1f", "\x1e"


class ItalianText(TEXT):
    """A TEXT field that analyses text for its positions without Whoosh's Token stream."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        if (kwargs or not isinstance(value, str) or not isinstance(self.analyzer, ItalianAnalyzer)
                or type(self.format) is not formats.Positions):
            return super().index(value, **kwargs)
        # whoosh.formats.Positions.word_values, from ItalianAnalyzer.positions
        boost = self.format.field_boost
        return [(term.encode("utf-8"), len(at), len(at) * boost, _encode_positions(at))
                for term, at in self.analyzer.positions(value).items()]


class NameKeys(KEYWORD):
    """Comma-separated filter keys (``kim jong un,kim``), indexed as Whoosh's
    ``KEYWORD(commas=True, lowercase=False)`` indexes them (each piece stripped and
    counted), without its Token stream: a dozen such fields per article."""

    def __init__(self) -> None:
        super().__init__(commas=True, lowercase=False, scorable=False)

    def index(self, value: Any, **kwargs: Any) -> Any:
        if kwargs or not isinstance(value, str) or type(self.format) is not formats.Frequency:
            return super().index(value, **kwargs)
        counts: dict[str, int] = {}
        for piece in _KEY_PIECE.findall(value):
            key = piece.strip()
            counts[key] = counts.get(key, 0) + 1
        boost = self.format.field_boost
        return [(key.encode("utf-8"), n, float(n) * boost, pack_uint(n))
                for key, n in counts.items()]


_KEY_PIECE = re.compile(r"[^,]+")  # Whoosh's comma tokenizer

# position -> the encoding of a term found once, there: most terms of an article
_ONCE_AT: dict[int, bytes] = {}
_ONCE_AT_LIMIT = 1 << 16


def _encode_positions(positions: list[int]) -> bytes:
    """``whoosh.formats.Positions.encode``, byte for byte (the count, then the pickled
    gaps), with the encodings of single positions remembered."""
    if len(positions) == 1:
        position = positions[0]
        got = _ONCE_AT.get(position)
        if got is None:
            got = pack_uint(1) + pickle.dumps([position], 2)
            if position < _ONCE_AT_LIMIT:
                _ONCE_AT[position] = got
        return got
    gaps = [after - before for before, after in zip([0, *positions], positions, strict=False)]
    return pack_uint(len(gaps)) + pickle.dumps(gaps, 2)


def build_schema(config: Config) -> Any:
    """The Whoosh schema; analyzers come from the ``italian`` config section."""
    from whoosh import columns
    from whoosh.fields import COLUMN, ID, NUMERIC, STORED, Schema

    text = italian_analyzer(config)

    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True),
        "path": ID(stored=True),
        "title": ItalianText(analyzer=text, stored=True),
        "body": ItalianText(analyzer=text),
        "body_z": STORED(),  # the body, zlib-compressed: a third of the size
        "quotes": ItalianText(analyzer=text),
        "date": STORED(),
        "date_start": NUMERIC(int, bits=32, sortable=True),
        "date_end": NUMERIC(int, bits=32, sortable=True),
        "dated": ID(sortable=True),
        "data": STORED(),  # the extracted fields as zlib-compressed JSON
    }
    for name in FACETS:
        if name in FILTERABLE:
            fields[name] = NameKeys()
        fields[FACET_COLUMNS[name]] = COLUMN(columns.VarBytesColumn())
    for column in DETAIL_COLUMNS.values():
        fields[column] = COLUMN(columns.VarBytesColumn())
    return Schema(**fields)


def date_int(d: _dt.date) -> int:
    """A day as the integer the date columns hold: ``YYYYMMDD``."""
    return d.year * 10000 + d.month * 100 + d.day


def _keys(names: Iterable[str], stop: frozenset[str]) -> str:
    """Comma-joined filter keys: each whole name and each of its words (a surname)."""
    keys: dict[str, None] = {}
    for name in names:
        key = name_key(name)
        if not key:
            continue
        keys[key] = None
        for part in key.split():
            if len(part) > 1 and part not in stop:
                keys[part] = None
    return ",".join(keys)


def _column(values: Iterable[str]) -> bytes:
    return SEP.join(dict.fromkeys(v for v in values if v)).encode("utf-8")


def document_fields(article: Article, stop: frozenset[str]) -> dict[str, Any]:
    """What Whoosh stores and indexes for one article."""
    people_names = [n for p in article.people for n in (p.name, *p.aliases)]
    speaker_names = list(article.speakers)
    for person in article.people:
        if person.name in article.speakers:
            speaker_names.extend(person.aliases)
    date = article.date
    year = f"{date.start.year:04d}" if date else ""
    month = (f"{date.start.year:04d}-{date.start.month:02d}"
             if date and date.precision != "year" else "")
    facet_values = {
        "people": [p.name for p in article.people],
        "speakers": article.speakers,
        "places": article.places,
        "organizations": article.organizations,
        "media": article.cited_media,
        "publisher": [article.publisher] if article.publisher else [],
        "topics": article.topics,
        "keyphrases": article.keyphrases,
        "tags": article.tags,
        "year": [year],
        "month": [month],
    }
    key_sources = {**facet_values, "people": people_names, "speakers": speaker_names}
    doc: dict[str, Any] = {
        "id": article.id,
        "path": article.path,
        "title": article.title or "",
        "body": f"{article.title}\n{article.body}" if article.title else article.body,
        "body_z": zlib.compress(article.body.encode("utf-8"), 6),
        "quotes": "\n".join(q.text for q in article.quotes),
        "dated": "1" if date else "0",
        "date": date.to_dict() if date else None,
    }
    if date:
        doc["date_start"] = date_int(date.start)
        doc["date_end"] = date_int(date.end)
    data = article.to_dict()
    for key in ("id", "path", "title", "body", "date"):
        data.pop(key)
    data["line"] = article.line
    doc["data"] = zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 6)
    for name in FACETS:
        values = facet_values[name]
        doc[FACET_COLUMNS[name]] = _column(values)
        if name in FILTERABLE:
            doc[name] = (_keys(key_sources[name], stop) if name in WORD_KEYED
                         else ",".join(dict.fromkeys(name_key(v) for v in values if v)))
    doc[DETAIL_COLUMNS["roles"]] = _column(f"{p.name}{PAIR}{p.role}"
                                           for p in article.people if p.role)
    doc[DETAIL_COLUMNS["spellings"]] = _column(f"{p.name}{PAIR}{text}"
                                               for p in article.people for text in p.aliases)
    return doc
