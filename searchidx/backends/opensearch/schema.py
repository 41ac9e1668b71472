"""The OpenSearch side of the index: the analysis that mirrors ours, the mappings, the
index template, and each article as the document the cluster stores.

The analyzer is built from the ``italian`` config section, step for step the chain
of :mod:`searchidx.analysis`: words of letters and digits joined by apostrophes
(a ``pattern`` tokenizer with our expression), the elided articles dropped
(``elision``), the rest of a word split at its apostrophes, accents folded as
:func:`searchidx.analysis.fold` folds them (a ``mapping`` char filter made from
Python's Unicode tables, rather than ``asciifolding``, which also rewrites letters
such as ``ß`` and ``ł`` that ours keeps), lowercase, our stopwords, and Lucene's
``light_italian`` stemmer,
which is the same Savoy stemmer as :func:`searchidx.analysis.light_stem`. Stopwords
are taken out by a char filter, so that they leave no gap in positions, as ours.
The ``exact`` analyzer is that chain without stopwords or stemming (folded, unstemmed
words), kept to check the mirror against :mod:`searchidx.analysis`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from ...analysis import fold, name_key
from ...config import Config, default_config
from ...errors import ConfigError
from ...fields import FACETS, FILTERABLE
from ...models import Article
from ..whoosh.schema import FACET_COLUMNS, document_fields
from ..whoosh.stored import unpack_data
from .client import Client, OpenSearchError, error_reason, path_id

# bumped whenever the mappings change shape: an index of another version is rebuilt
SCHEMA_VERSION = 5
TEXT_ANALYZER = "searchidx_italian"
EXACT_ANALYZER = "searchidx_exact"
# _id is at most 512 bytes; a longer article id is stored under its digest
MAX_ID_BYTES = 512
# our tokenizer's expression (searchidx.analysis._WORD) in Java's syntax, after the
# char filter below has made every apostrophe a plain one
WORD_PATTERN = r"[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*'?"
# the apostrophes our tokenizer accepts, made one for Lucene's elision filter
APOSTROPHES = ("’", "`")
# Hangul syllables decompose into jamo under fold(); 11,172 rules for that alone are
# left out (Korean script is all but absent from Italian news: names come romanised)
_HANGUL = range(0xAC00, 0xD7A4)
_FOLD_SCAN_END = 0x30000  # past the planes with letters that decompose
# Lucene's stemmer for each of our stemmers (light: Savoy's, as ItalianLightStemmer)
STEMMERS = {"light": "light_italian", "snowball": "italian"}
LIGHT_STEM_MIN_LENGTH = 6  # fixed in Lucene's ItalianLightStemmer
# index.py's separator inside a facet column (see facet_values)
_COLUMN_SEPARATOR = "\x1f"


def analysis_settings(config: Config | None = None) -> dict[str, Any]:
    """The ``index.analysis`` settings mirroring the ``italian`` config section."""
    section = (config or default_config())["italian"]
    stemmer = section["stemmer"]
    if stemmer not in STEMMERS:
        raise ConfigError(f"italian.stemmer: unknown stemmer {stemmer!r}; "
                          f"use one of {', '.join(STEMMERS)}")
    if stemmer == "light" and int(section["stem_min_length"]) != LIGHT_STEM_MIN_LENGTH:
        raise ConfigError(
            f"italian.stem_min_length: {section['stem_min_length']} cannot be mirrored on "
            f"OpenSearch, whose light_italian stemmer cuts words of {LIGHT_STEM_MIN_LENGTH} "
            f"letters or more; set {LIGHT_STEM_MIN_LENGTH} to use the opensearch backend")
    # twice: "dell'un'altra" loses both elided words, as in our split
    words = ["searchidx_elision", "searchidx_elision", "searchidx_apostrophe_parts",
             "lowercase", "searchidx_not_empty"]
    stopwords = sorted({fold(s) for s in section["stopwords"]})
    common = {"type": "custom", "tokenizer": "searchidx_words"}
    return {
        "char_filter": {
            "searchidx_fold": {"type": "mapping", "mappings": [
                *(f"{_escape(a)}=>'" for a in APOSTROPHES), *fold_rules()]},
            # stopwords go before the tokenizer sees them, so that they leave no gap in
            # the positions: our analyzer does not count them, and Lucene's stop filter
            # would (a phrase "sottomarini nucleari"~3 must meet "sottomarini a
            # propulsione nucleare" as it does on Whoosh); so do the words elision
            # leaves empty ("dell' Associated") or a stopword ("quest'altro")
            "searchidx_stopwords": {"type": "pattern_replace", "replacement": "",
                                    "pattern": stopword_pattern(section)}},
        "tokenizer": {"searchidx_words": {"type": "pattern", "pattern": WORD_PATTERN,
                                          "group": 0}},
        "filter": {
            "searchidx_elision": {"type": "elision", "articles_case": True,
                                  "articles": sorted({fold(e) for e in section["elisions"]})},
            # what is left of "o'brien" after elision: "o", "brien" (as our split)
            "searchidx_apostrophe_parts": {"type": "pattern_capture", "patterns": ["([^']+)"],
                                           "preserve_original": False},
            "searchidx_not_empty": {"type": "length", "min": 1},  # "dell'" elided whole
            # what the char filter cannot see: a stopword left by elision ("c'e")
            "searchidx_stop": {"type": "stop", "stopwords": stopwords},
            "searchidx_stemmer": {"type": "stemmer", "language": STEMMERS[stemmer]},
        },
        "analyzer": {
            TEXT_ANALYZER: {**common, "char_filter": ["searchidx_fold", "searchidx_stopwords"],
                            "filter": [*words, "searchidx_stop", "searchidx_stemmer"]},
            EXACT_ANALYZER: {**common, "char_filter": ["searchidx_fold"], "filter": words},
        },
    }


def stopword_pattern(section: dict[str, Any]) -> str:
    """The Java expression of what our analyzer drops whole: a stopword, maybe after
    elided articles, or elided articles that end a word."""
    def alternatives(words: Any) -> str:
        return word_trie({fold(w) for w in words})

    letter = r"[\p{L}\p{N}]"
    return (rf"(?iu)(?<![\p{{L}}\p{{N}}'])(?:(?:{alternatives(section['elisions'])})')*"
            rf"(?:(?:{alternatives(section['stopwords'])})(?!{letter}|'{letter})|(?<=')(?!{letter}))")


def word_trie(words: Iterable[str]) -> str:
    """An alternation of ``words`` factored by their common prefixes (``d(?:a(?:l(?:l[aeo]?
    )?)?|...)``), which Java's regex tries branch by branch: at each word start a few
    letters are compared instead of every stopword (half the cluster's indexing CPU went
    there). Longer words are still tried before their prefixes, as in a longest-first
    alternation, so it matches what that matches."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def branch(node: dict[str, Any]) -> str:
        children = [re.escape(char) + branch(node[char]) for char in sorted(node) if char]
        if not children:
            return ""
        if "" in node:
            return f"(?:{'|'.join(children)})?"
        return children[0] if len(children) == 1 else f"(?:{'|'.join(children)})"

    return branch(tree)


def _escape(text: str) -> str:
    """``text`` as the mapping char filter's ``\\uXXXX`` escapes (UTF-16, as Java reads it)."""
    units = text.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


@functools.lru_cache(maxsize=1)
def fold_rules() -> tuple[str, ...]:
    """Mapping rules that fold each letter or digit the way :func:`fold` does where
    lowercasing alone would not (``É`` -> ``e``, ``ṣ`` -> ``s``); Lucene lowercases
    the rest."""
    rules = []
    for code in range(_FOLD_SCAN_END):
        char = chr(code)
        if code in _HANGUL or unicodedata.category(char)[0] not in "LN":
            continue
        folded = fold(char)
        if folded != char.lower() and folded:
            rules.append(f"{_escape(char)}=>{_escape(folded)}")
    return tuple(rules)


def analysis_fingerprint(config: Config | None = None) -> str:
    """A digest of the analysis settings: an index built with others must be rebuilt."""
    text = json.dumps(analysis_settings(config), sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(f"{SCHEMA_VERSION}:{text}".encode()).hexdigest()


def _text(**extra: Any) -> dict[str, Any]:
    """A searched text field under our analysis (``exact:`` is checked on the stored text,
    as on Whoosh: no unstemmed copy of the text is indexed)."""
    return {"type": "text", "analyzer": TEXT_ANALYZER, **extra}


def _shown(**extra: Any) -> dict[str, Any]:
    """A text field that is shown and highlighted (offsets kept for the highlighter)."""
    return {"type": "text", "analyzer": TEXT_ANALYZER, "index_options": "offsets", **extra}


# an article's story and what groups it (searchidx.backends.opensearch.stories)
STORY_MAPPINGS: dict[str, Any] = {
    "story": {"type": "keyword"},
    "story_size": {"type": "integer"},
    "story_seq": {"type": "long"},
    "story_sig": {"type": "binary"},
    "story_bands": {"type": "keyword"},
}


def mappings(config: Config | None = None) -> dict[str, Any]:
    """The index's mappings: what each article field becomes in the cluster."""
    keyword_group = {"type": "object", "properties": {}}
    return {
        "dynamic": "strict",
        "_meta": {"searchidx": {"schema": SCHEMA_VERSION,
                                "analysis": analysis_fingerprint(config)}},
        "properties": {
            "id": {"type": "keyword"},
            "path": {"type": "keyword"},
            # what Whoosh's ``body`` indexes: the title, then the body, as one text, which
            # is also what is stored (the body is what follows the title): each article's
            # text is analysed once, and stored once
            "content": _shown(),
            "title": _shown(),
            "quotes": _text(),
            "date": {"type": "object", "enabled": False},  # {"value", "precision"}
            "date_start": {"type": "date", "format": "basic_date"},
            "date_end": {"type": "date", "format": "basic_date"},
            "dated": {"type": "boolean"},
            "data": {"type": "object", "enabled": False},  # the extracted fields, as stored
            # filter keys (name_key of each name and of each of its words) per facet
            "keys": {**keyword_group, "properties": {
                key: {"type": "keyword"} for key in FILTERABLE}},
            # facet values as extracted, for terms aggregations
            "facets": {**keyword_group, "properties": {
                name: {"type": "keyword"} for name in FACETS}},
            **STORY_MAPPINGS,
        },
    }


def index_settings(shards: int = 1, replicas: int = 1,
                   config: Config | None = None) -> dict[str, Any]:
    """The index's settings. No refresh on a timer: every write of searchidx's is a run
    whose commit refreshes when its articles are complete (and its stories regrouping
    after it); a refresh every second made a small segment a second, to be merged again."""
    return {"index": {"number_of_shards": shards, "number_of_replicas": replicas,
                      "refresh_interval": "-1"},
            "analysis": analysis_settings(config)}


def template_name(index: str) -> str:
    return f"searchidx-{index}"


def ensure_index(client: Client, index: str, *, shards: int = 1, replicas: int = 1,
                 config: Config | None = None) -> bool:
    """Put the index template for ``index`` and create the index if it is missing.

    The template (named ``searchidx-INDEX``, for exactly that index name) carries the
    analysis and mappings, so an index created by another machine of the same run is
    the same. An existing index built with another analysis or schema is refused:
    its terms would not meet ours. Returns whether this call created the index.
    """
    body = {"index_patterns": [index], "priority": 500,
            "template": {"settings": index_settings(shards, replicas, config),
                         "mappings": mappings(config)},
            "_meta": {"created_by": "searchidx"}}
    client.put(f"/_index_template/{path_id(template_name(index))}", body)
    created = client.put(f"/{path_id(index)}", {}, ok=(400,))
    if created.status == 400:
        kind = (created.body or {}).get("error", {}).get("type")
        if kind != "resource_already_exists_exception":
            raise OpenSearchError(f"OpenSearch: cannot create index '{index}': "
                                  f"{error_reason(created.body)[1]}", 400, kind)
    check_index(client, index, config)
    return created.status != 400


def check_index(client: Client, index: str, config: Config | None = None) -> None:
    """Refuse an index whose schema or analysis is not this configuration's."""
    answer = client.get(f"/{path_id(index)}/_mapping", ok=(404,))
    if answer.status == 404:
        raise OpenSearchError(f"OpenSearch: no index '{index}' at {client.url}; "
                              "build it with 'searchidx index --backend opensearch'", 404)
    meta = next(iter(answer.body.values()))["mappings"].get("_meta", {}).get("searchidx")
    if not meta:
        raise OpenSearchError(f"OpenSearch: index '{index}' was not made by searchidx; "
                              "give another --index")
    if meta.get("schema") != SCHEMA_VERSION or meta.get("analysis") != analysis_fingerprint(
            config):
        raise OpenSearchError(
            f"OpenSearch: index '{index}' was built with another schema or Italian analysis "
            "(config italian:); rebuild it with 'searchidx index --rebuild'")


def document_id(article_id: str) -> str:
    """The ``_id`` of an article: its own id, or a digest of one too long for ``_id``."""
    if len(article_id.encode("utf-8")) <= MAX_ID_BYTES:
        return article_id
    return "sha1:" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()


def stop_keys(config: Config | None = None) -> frozenset[str]:
    """The stopwords as name keys: the words a name's filter keys leave out (as Index)."""
    return frozenset(name_key(s) for s in (config or default_config())["italian"]["stopwords"])


def facet_values(fields: dict[str, Any]) -> dict[str, list[str]]:
    """Each facet's values from :func:`searchidx.backends.whoosh.schema.document_fields`'
    columns."""
    out: dict[str, list[str]] = {}
    for name, column in FACET_COLUMNS.items():
        raw = fields.get(column) or b""
        out[name] = raw.decode("utf-8").split(_COLUMN_SEPARATOR) if raw else []
    return out


def filter_keys(fields: dict[str, Any]) -> dict[str, list[str]]:
    """Each facet's filter keys from :func:`searchidx.backends.whoosh.schema.document_fields`'
    key fields."""
    return {key: [k for k in fields.get(key, "").split(",") if k] for key in FILTERABLE}


def _basic_date(value: int | None) -> str | None:
    return None if value is None else f"{value:08d}"


def source_from_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The cluster document of an article, from the fields Whoosh gets for it
    (what the extraction workers make), so both backends index the same things."""
    data = unpack_data(fields)
    return {
        "id": fields["id"],
        "path": fields["path"],
        "title": fields["title"],
        "content": fields["body"],  # the title, a newline, the body (Whoosh's body field)
        "quotes": fields["quotes"],
        "date": fields["date"],
        "date_start": _basic_date(fields.get("date_start")),
        "date_end": _basic_date(fields.get("date_end")),
        "dated": fields["dated"] == "1",
        "data": data,
        "keys": filter_keys(fields),
        "facets": facet_values(fields),
        # a story of its own until a commit groups it (see .stories)
        "story": fields["id"],
        "story_size": 1,
    }


def source_body(source: dict[str, Any]) -> str:
    """The article's body from its document: its ``content`` after the title."""
    title, content = source.get("title") or "", source.get("content") or ""
    return content[len(title) + 1:] if title else content


def article_source(article: Article, stop: frozenset[str] | None = None) -> dict[str, Any]:
    """The cluster document of one extracted article."""
    return source_from_fields(document_fields(article, stop_keys() if stop is None else stop))
