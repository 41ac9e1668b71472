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
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from .config import STORY_SHINGLE_WORDS as SHINGLE_WORDS
from .records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Any, Protocol
else:  # the interfaces as plain classes at run time: a cold query imports no typing
    Protocol = object

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


@record(frozen=True)
class Member:
    """An article with a signature, as a story store holds it: ``seq`` orders the
    articles as they were indexed (a story is named after its smallest)."""

    seq: int
    doc_id: str
    story: str
    sig: bytes


class MemberSource(Protocol):
    """Where :func:`regroup` reads the stories: the manifest's SQLite, or the cluster."""

    def in_stories(self, stories: Collection[str]) -> Iterable[Member]:
        """Every member of ``stories``."""

    def sharing_bands(self, members: Sequence[Member]) -> Iterable[Member]:
        """Every member sharing an LSH band key with one of ``members`` (those
        themselves may be among them)."""


def regroup(source: MemberSource, stories: Collection[str], seeds: Iterable[Member],
            threshold: float) -> dict[int, tuple[Member, str]]:
    """The stories reachable from ``seeds`` and from ``stories``' members, recomputed:
    seq -> (member as read, its story now), for every member reached.

    A member links to the candidates sharing a band whose estimated Jaccard reaches
    ``threshold``; a linked candidate's whole story is read too, so a story is always
    recomputed whole (a removal re-splits it). A story is a connected component of
    links, named after the member indexed first (the smallest ``seq``)."""
    nodes: dict[int, Member] = {}
    frontier: list[Member] = []
    parent: dict[int, int] = {}

    def add(members: Iterable[Member]) -> None:
        for member in members:
            if member.seq not in nodes:
                nodes[member.seq] = member
                parent[member.seq] = member.seq
                frontier.append(member)

    def root(seq: int) -> int:
        while parent[seq] != seq:
            parent[seq] = parent[parent[seq]]
            seq = parent[seq]
        return seq

    read = set(stories)  # the stories read whole
    add(source.in_stories(sorted(read)))
    add(seeds)
    keys_of: dict[int, frozenset[int]] = {}

    def keys(member: Member) -> frozenset[int]:
        if member.seq not in keys_of:
            keys_of[member.seq] = frozenset(band_keys(member.sig))
        return keys_of[member.seq]

    while frontier:  # in waves: one read of the candidates, one of the stories they link
        wave, frontier[:] = list(frontier), []
        by_key: dict[int, list[Member]] = {}
        for candidate in {m.seq: m for m in source.sharing_bands(wave)}.values():
            for key in keys(candidate):
                by_key.setdefault(key, []).append(candidate)
        linked: set[str] = set()
        for member in wave:
            near = {c.seq: c for key in keys(member) for c in by_key.get(key, ())
                    if c.seq != member.seq}
            for other in near.values():
                if other.seq not in nodes and similarity(member.sig, other.sig) >= threshold:
                    add([other])  # a link: its whole story too (read after the wave)
                    linked.add(other.story)
            for other in near.values():
                if other.seq in nodes and similarity(member.sig, nodes[other.seq].sig) \
                        >= threshold:
                    a, b = root(member.seq), root(other.seq)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        if linked - read:
            add(source.in_stories(sorted(linked - read)))
            read |= linked
    return {seq: (member, nodes[root(seq)].doc_id) for seq, member in nodes.items()}


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS story_docs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
    " story TEXT NOT NULL, sig BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS story_docs_story ON story_docs(story);"
    "CREATE TABLE IF NOT EXISTS story_bands (key INTEGER, seq INTEGER,"
    " PRIMARY KEY (key, seq)) WITHOUT ROWID;"
)


class _SqliteMembers:
    """The :class:`MemberSource` of the manifest's tables."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def in_stories(self, stories: Collection[str]) -> Iterator[Member]:
        for chunk in _chunks(list(stories)):
            for row in self.db.execute("SELECT seq, id, story, sig FROM story_docs WHERE story"
                                       f" IN ({','.join('?' * len(chunk))})", chunk):
                yield Member(*row)

    def sharing_bands(self, members: Sequence[Member]) -> Iterator[Member]:
        keys = sorted({k for m in members for k in band_keys(m.sig)})
        for chunk in _chunks(keys):
            for row in self.db.execute(
                    "SELECT DISTINCT d.seq, d.id, d.story, d.sig FROM story_bands b JOIN"
                    f" story_docs d ON d.seq = b.seq WHERE b.key IN ({','.join('?' * len(chunk))})",
                    chunk):
                yield Member(*row)


class StoryTable:
    """The stories of an index, in its manifest's SQLite (tables ``story_docs``,
    ``story_bands``); :meth:`apply` runs inside the caller's transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def apply(self, signatures: Mapping[str, bytes | None], threshold: float) -> None:
        """Record new signatures (None: the article left, or has none) and regroup
        the stories they touch: those the articles were in, and those they join."""
        touched: set[str] = set()
        seeds: list[Member] = []
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
                story = doc_id
                seq = self.db.execute("INSERT INTO story_docs (id, story, sig) VALUES (?,?,?)",
                                      (doc_id, doc_id, packed)).lastrowid
            self.db.executemany("INSERT OR IGNORE INTO story_bands VALUES (?,?)",
                                [(k, seq) for k in band_keys(packed)])
            seeds.append(Member(seq, doc_id, story, packed))
        if touched or seeds:
            self._regroup(touched, seeds, threshold)
            self._changed()

    def _regroup(self, stories: set[str], seeds: list[Member], threshold: float) -> None:
        for seq, (member, story) in regroup(_SqliteMembers(self.db), stories, seeds,
                                            threshold).items():
            if member.story != story:
                self.db.execute("UPDATE story_docs SET story=? WHERE seq=?", (story, seq))

    def _changed(self) -> None:
        """Count a change of the stories: readers that keep :meth:`groups` know theirs
        is stale when :meth:`version` moved."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('stories_version', ?)",
                        (str(int(self.version()) + 1),))

    def version(self) -> str:
        """A value that changes whenever the stories do."""
        row = self.db.execute("SELECT value FROM meta WHERE key='stories_version'").fetchone()
        return row[0] if row else "0"

    def use_threshold(self, threshold: float) -> bool:
        """Regroup every story when ``threshold`` is not the one they were grouped at
        (``index.stories.threshold`` changed); whether it was."""
        row = self.db.execute("SELECT value FROM meta WHERE key='stories_threshold'").fetchone()
        if row is not None and float(row[0]) == threshold:
            return False
        with self.db:
            if row is not None:
                members = [Member(*r) for r in self.db.execute(
                    "SELECT seq, id, story, sig FROM story_docs")]
                if members:
                    self._regroup(set(), members, threshold)
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
