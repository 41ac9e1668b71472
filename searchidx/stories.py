"""Stories: articles whose text is nearly the same, grouped as they are indexed.

An article's *signature* is a MinHash of its word 5-shingles (lowercased words,
five in a row), made by one-permutation hashing: each shingle's hash falls into
one of ``SIGNATURE_SIZE`` bins by its top bits, and a bin keeps the smallest it
got (empty bins borrow from the next full one, "densification"). Two signatures
agree in a bin with probability equal to the texts' Jaccard similarity, so the
share of equal bins estimates it. One hash per shingle instead of one per
permutation keeps it pure Python at ~1 ms per article (docs/stories.md).

Candidates come from LSH: the signature cut into bands of ``BAND_ROWS`` bins,
each band a key in the manifest; articles sharing a key are compared, and those
whose estimated Jaccard reaches ``stories.threshold`` are linked. A story is a
connected component of links; its id is the id of the member indexed first, so
it stays put as versions join, and a split leaves it with the part that holds
that member. :class:`StoryTable` keeps all of it in the manifest's SQLite, in
the transaction of the run's commit: only the stories that an added, changed
or removed article touches are recomputed.
"""

from __future__ import annotations

import re
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .config import STORY_SHINGLE_WORDS as SHINGLE_WORDS

SIGNATURE_SIZE = 64  # bins: 2**_BIN_BITS
BAND_ROWS = 2  # bins per LSH band: 32 bands
_BIN_BITS = 6
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # spreads the tuple hash over all 64 bits
_EMPTY = _MASK64
_WORDS = re.compile(r"\w+")
_PACK = struct.Struct(f"<{SIGNATURE_SIZE}I")
# the signature's make-up: a manifest built with another one groups nothing in common
SIGNATURE_VERSION = f"oph{SIGNATURE_SIZE}-k{SHINGLE_WORDS}-r{BAND_ROWS}-v1"


def signature(text: str, min_words: int) -> bytes | None:
    """The MinHash of ``text``'s word 5-shingles, packed; None for a text of fewer
    than ``min_words`` words (an empty or one-line article joins no story)."""
    words = _WORDS.findall(text.lower())
    if len(words) < max(min_words, SHINGLE_WORDS):
        return None
    codes: dict[str, int] = {}
    ids = [codes.get(w) or codes.setdefault(w, zlib.crc32(w.encode())) for w in words]
    bins = [_EMPTY] * SIGNATURE_SIZE
    shift = 64 - _BIN_BITS
    # hash() of a tuple of ints is the same in every process (ints are not salted)
    for shingle in set(zip(ids, ids[1:], ids[2:], ids[3:], ids[4:], strict=False)):
        value = (hash(shingle) * _GOLDEN) & _MASK64
        slot = value >> shift
        if value < bins[slot]:
            bins[slot] = value
    filled = [i for i, v in enumerate(bins) if v != _EMPTY]
    out = [0] * SIGNATURE_SIZE
    for i, value in enumerate(bins):
        if value == _EMPTY:  # borrow from the next full bin, marked by the distance
            donor = next((j for j in filled if j > i), filled[0])
            value = bins[donor] + (donor - i) % SIGNATURE_SIZE * 0x1000193
        out[i] = value & 0xFFFFFFFF
    return _PACK.pack(*out)


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of two signatures' texts."""
    return sum(x == y for x, y in zip(_PACK.unpack(a), _PACK.unpack(b), strict=True)) \
        / SIGNATURE_SIZE


def band_keys(packed: bytes) -> list[int]:
    """The LSH keys of a signature: one per band, the band's number in its top bits."""
    values = _PACK.unpack(packed)
    keys = []
    for band, start in enumerate(range(0, SIGNATURE_SIZE, BAND_ROWS)):
        chunk = struct.pack(f"<B{BAND_ROWS}I", band, *values[start:start + BAND_ROWS])
        keys.append(int.from_bytes(zlib.crc32(chunk).to_bytes(4, "little")
                                   + zlib.adler32(chunk).to_bytes(4, "little"),
                                   "little", signed=True))
    return keys


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS story_docs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
    " story TEXT NOT NULL, sig BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS story_docs_story ON story_docs(story);"
    "CREATE TABLE IF NOT EXISTS story_bands (key INTEGER, seq INTEGER,"
    " PRIMARY KEY (key, seq)) WITHOUT ROWID;"
)


class StoryTable:
    """The stories of an index, in its manifest's SQLite (tables ``story_docs``,
    ``story_bands``); :meth:`apply` runs inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def apply(self, signatures: Mapping[str, bytes | None], threshold: float) -> None:
        """Record new signatures (None: the article left, or has none) and regroup
        the stories they touch: those the articles were in, and those they join."""
        touched: set[str] = set()
        seeds: set[int] = set()
        for doc_id, packed in signatures.items():
            row = self.db.execute("SELECT seq, story, sig FROM story_docs WHERE id=?",
                                  (doc_id,)).fetchone()
            if row is not None:
                seq, story, old = row
                if old == packed:
                    continue
                touched.add(story)
                self.db.executemany("DELETE FROM story_bands WHERE key=? AND seq=?",
                                    [(k, seq) for k in band_keys(old)])
                if packed is None:
                    self.db.execute("DELETE FROM story_docs WHERE seq=?", (seq,))
                    continue
                self.db.execute("UPDATE story_docs SET sig=? WHERE seq=?", (packed, seq))
            elif packed is None:
                continue
            else:
                seq = self.db.execute("INSERT INTO story_docs (id, story, sig) VALUES (?,?,?)",
                                      (doc_id, doc_id, packed)).lastrowid
            self.db.executemany("INSERT OR IGNORE INTO story_bands VALUES (?,?)",
                                [(k, seq) for k in band_keys(packed)])
            seeds.add(seq)
        if touched or seeds:
            self._regroup(touched, seeds, threshold)
            self._changed()

    def _changed(self) -> None:
        """Count a change of the stories: readers that keep :meth:`groups` know theirs
        is stale when :meth:`version` moved."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stories_version', ?)",
                        (str(int(self.version()) + 1),))

    def version(self) -> str:
        """A value that changes whenever the stories do."""
        row = self.db.execute("SELECT value FROM meta WHERE key='stories_version'").fetchone()
        return row[0] if row else "0"

    def _regroup(self, stories: set[str], seeds: set[int], threshold: float) -> None:
        """Recompute the components reachable from ``seeds`` and ``stories``' members."""
        nodes: dict[int, tuple[str, str, bytes]] = {}  # seq -> id, story, signature
        frontier: list[int] = []

        def add(rows: Iterable[tuple[int, str, str, bytes]]) -> None:
            for seq, doc_id, story, packed in rows:
                if seq not in nodes:
                    nodes[seq] = (doc_id, story, packed)
                    frontier.append(seq)

        for chunk in _chunks(sorted(stories)):
            add(self.db.execute("SELECT seq, id, story, sig FROM story_docs WHERE story IN "
                                f"({','.join('?' * len(chunk))})", chunk))
        for chunk in _chunks(sorted(seeds)):
            add(self.db.execute("SELECT seq, id, story, sig FROM story_docs WHERE seq IN "
                                f"({','.join('?' * len(chunk))})", chunk))
        parent = {seq: seq for seq in nodes}

        def root(seq: int) -> int:
            while parent[seq] != seq:
                parent[seq] = parent[parent[seq]]
                seq = parent[seq]
            return seq

        while frontier:
            seq = frontier.pop()
            packed = nodes[seq][2]
            keys = band_keys(packed)
            near = [s for (s,) in self.db.execute(
                f"SELECT DISTINCT seq FROM story_bands WHERE key IN ({','.join('?' * len(keys))})"
                " AND seq != ?", (*keys, seq))]
            unknown = [s for s in near if s not in nodes]
            for chunk in _chunks(unknown):
                rows = self.db.execute("SELECT seq, id, story, sig FROM story_docs WHERE seq IN "
                                       f"({','.join('?' * len(chunk))})", chunk).fetchall()
                for other, doc_id, story, other_sig in rows:
                    if similarity(packed, other_sig) >= threshold:  # a link: its story too
                        add([(other, doc_id, story, other_sig)])
                        parent.setdefault(other, other)
                        for member in self.db.execute(
                                "SELECT seq, id, story, sig FROM story_docs WHERE story=?",
                                (story,)).fetchall():
                            add([member])
                            parent.setdefault(member[0], member[0])
            for other in near:
                if other in nodes and similarity(packed, nodes[other][2]) >= threshold:
                    a, b = root(seq), root(other)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        for seq, (_, story, _) in nodes.items():
            first = root(seq)  # the smallest seq of the component: indexed first
            wanted = nodes[first][0]
            if story != wanted:
                self.db.execute("UPDATE story_docs SET story=? WHERE seq=?", (wanted, seq))

    def use_threshold(self, threshold: float) -> bool:
        """Regroup every story when ``threshold`` is not the one they were grouped at
        (``index.stories.threshold`` changed); whether it was."""
        row = self.db.execute("SELECT value FROM meta WHERE key='stories_threshold'").fetchone()
        if row is not None and float(row[0]) == threshold:
            return False
        with self.db:
            if row is not None:
                stories = {s for (s,) in self.db.execute("SELECT DISTINCT story FROM story_docs")}
                seqs = {q for (q,) in self.db.execute("SELECT seq FROM story_docs")}
                if seqs:
                    self._regroup(stories, seqs, threshold)
                    self._changed()
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stories_threshold', ?)",
                            (repr(threshold),))
        return row is not None

    # -- reading ---------------------------------------------------------------
    def story_of(self, doc_id: str) -> str:
        """The story of an article: its own id when it shares it with no other."""
        row = self.db.execute("SELECT story FROM story_docs WHERE id=?", (doc_id,)).fetchone()
        return row[0] if row else doc_id

    def members(self, story: str) -> list[str]:
        """The ids of a story's articles, in the order they were indexed."""
        ids = [i for (i,) in self.db.execute(
            "SELECT id FROM story_docs WHERE story=? ORDER BY seq", (story,))]
        return ids or [story]

    def groups(self) -> dict[str, str]:
        """Article id -> story, for every article whose story has other articles."""
        return dict(self.db.execute(
            "SELECT id, story FROM story_docs WHERE story IN (SELECT story FROM story_docs"
            " GROUP BY story HAVING COUNT(*) > 1)"))

    def counts(self) -> tuple[int, int]:
        """(stories of two or more articles, articles in them)."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM (SELECT COUNT(*) AS n"
                              " FROM story_docs GROUP BY story HAVING n > 1)").fetchone()
        return int(row[0]), int(row[1])


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    """``items`` in slices small enough for one SQL ``IN (…)``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at . ! ? and line breaks), blanks dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def changes_between(before: str, after: str) -> tuple[list[str], list[str]]:
    """(sentences added, sentences removed) from one version's text to the next's: a
    rewritten sentence is one removed and one added."""
    import difflib

    old, new = sentences(before), sentences(after)
    added: list[str] = []
    removed: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.extend(old[i1:i2])
        if tag in ("replace", "insert"):
            added.extend(new[j1:j2])
    return added, removed
