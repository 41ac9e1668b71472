"""Stories on a cluster: each article's document holds its signature, its band keys
and its story, grouped by the same rules as the embedded index (:mod:`searchidx.stories`).

The embedded index keeps the stories in its manifest's SQLite; on a cluster they are
fields of the articles themselves, so that every machine indexing into one index
sees them and a search can count and collapse by them:

- ``story`` (keyword): the story's id, the id of its member indexed first; an article
  alone is its own story;
- ``story_size`` (integer): how many articles the story has (``> 1``: shared);
- ``story_seq`` (long): when the article was first indexed, in nanoseconds, which
  orders a story's members (the first names it);
- ``story_sig`` (binary, not searchable) and ``story_bands`` (keyword): the MinHash
  signature and its LSH band keys.

The extraction workers add each article's signature and band keys to its document. A
run reads the story fields of every article it re-writes or removes before it sends
them (one ``_mget`` per batch), so that a new version is sent with the story it was in
and a new article with a story of its own and the next ``story_seq``. The commit
refreshes the index, then regroups what its articles touch through
:func:`searchidx.stories.regroup`: candidates come from a ``terms`` query on
``story_bands``, a linked story is read whole by a ``terms`` query on ``story``, and
only the members whose story or size changed are written again (partial updates): an
article that joins no story is written once.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ...stories import Member, band_keys, regroup
from .bulk import BulkIndexer
from .client import Client, OpenSearchError, path_id
from .schema import STORY_MAPPINGS, document_id

FIELDS = ("id", *STORY_MAPPINGS)
_PAGE = 1000  # hits per page, ids per _mget, terms per query
VERSION_KEY, THRESHOLD_KEY = "stories_version", "stories_threshold"


def alone(doc_id: str) -> dict[str, Any]:
    """The story fields of an article without a signature: a story of its own."""
    return {"story": doc_id, "story_size": 1, "story_seq": None, "story_sig": None,
            "story_bands": None}


def signature_fields(body: str, min_words: int) -> dict[str, Any]:
    """An article's signature and band keys as document fields (none for a short text):
    computed where the article is extracted, so that it is written once with them."""
    from ...stories import signature

    packed = signature(body, min_words)
    if packed is None:
        return {}
    return {"story_sig": base64.b64encode(packed).decode("ascii"),
            "story_bands": [str(k) for k in band_keys(packed)]}


def _member(source: Mapping[str, Any]) -> Member | None:
    """The article as a story member, None when it has no signature."""
    if not source.get("story_sig") or source.get("story_seq") is None:
        return None
    return Member(int(source["story_seq"]), source["id"], source["story"],
                  base64.b64decode(source["story_sig"]))


def scan(client: Client, index: str, query: dict[str, Any], fields: Sequence[str],
         sort: Sequence[Any] = ({"id": "asc"},)) -> Iterator[dict[str, Any]]:
    """The ``_source`` (``fields`` of it) of every article ``query`` matches, page by page."""
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {"query": query, "size": _PAGE, "_source": list(fields),
                                "sort": list(sort), "track_total_hits": False}
        if after is not None:
            body["search_after"] = after
        page = client.post(f"/{path_id(index)}/_search", body).body["hits"]["hits"]
        for hit in page:
            yield hit["_source"]
        if len(page) < _PAGE:
            return
        after = page[-1]["sort"]


class ClusterMembers:
    """The :class:`~searchidx.stories.MemberSource` of an index: the cluster's members,
    with ``pending`` (id -> member now, None: gone or without a signature) in place of
    what the cluster holds for those ids. ``held`` records the (story, size) of each
    member read, so that only the changed ones are written back."""

    def __init__(self, client: Client, index: str,
                 pending: Mapping[str, Member | None] | None = None,
                 new: tuple[int, int] | None = None) -> None:
        self.client, self.index = client, index
        self.pending = dict(pending or {})
        self.held: dict[str, tuple[str, int]] = {}
        # the pending articles the cluster holds too are left out by the query itself
        # (else every wave would read most of a commit's articles back): the new ones
        # by their ``story_seq`` range ``new``, the re-written ones by id
        renewed = sorted(i for i, m in self.pending.items()
                         if m is not None and (new is None or not new[0] <= m.seq <= new[1]))
        self.left_out: list[dict[str, Any]] = [{"terms": {"id": renewed}}] if renewed else []
        if new is not None:
            self.left_out.append({"range": {"story_seq": {"gte": new[0], "lte": new[1]}}})

    def read(self, query: dict[str, Any]) -> Iterator[Member]:
        """The members ``query`` matches (those of ``pending`` aside)."""
        if self.left_out:
            query = {"bool": {"filter": [query], "must_not": self.left_out}}
        for source in scan(self.client, self.index, query, FIELDS):
            member = _member(source)
            if member is not None and source["id"] not in self.pending:
                self.held[member.doc_id] = (member.story, int(source.get("story_size") or 1))
                yield member

    def _terms(self, field: str, values: Sequence[str]) -> Iterator[Member]:
        for start in range(0, len(values), _PAGE):
            yield from self.read({"terms": {field: list(values[start:start + _PAGE])}})

    def in_stories(self, stories: Collection[str]) -> Iterator[Member]:
        yield from self._terms("story", sorted(stories))
        yield from (m for m in self.pending.values() if m is not None and m.story in stories)

    def sharing_bands(self, members: Sequence[Member]) -> Iterator[Member]:
        keys = {k for m in members for k in band_keys(m.sig)}
        yield from self._terms("story_bands", sorted(str(k) for k in keys))
        yield from (m for m in self.pending.values()
                    if m is not None and keys.intersection(band_keys(m.sig)))


class StoryWriter:
    """The stories of one run's commits (see the module doc).

    :meth:`prepare` comes before the articles are sent, :meth:`stamp` as each document
    is handed to the bulk writer, :meth:`apply` at the commit."""

    def __init__(self, client: Client, index: str, threshold: float) -> None:
        self.client, self.index, self.threshold = client, index, threshold
        self.previous: dict[str, dict[str, Any]] = {}  # id -> its story fields before
        self.seqs: dict[str, int] = {}  # id -> its story_seq (kept, or given by prepare)
        self.written: dict[str, tuple[str, int]] = {}  # id -> (story, size) as sent
        self._last_seq = 0

    def remember(self, doc_ids: Iterable[str]) -> None:
        """Read the story fields of articles about to be re-written or removed."""
        wanted = [i for i in dict.fromkeys(doc_ids) if i not in self.previous]
        for start in range(0, len(wanted), _PAGE):
            part = wanted[start:start + _PAGE]
            answer = self.client.post(f"/{path_id(self.index)}/_mget",
                                      {"ids": [document_id(i) for i in part]},
                                      params={"_source": ",".join(FIELDS)})
            for doc_id, doc in zip(part, answer.body["docs"], strict=True):
                self.previous[doc_id] = (doc.get("_source") or {}) if doc.get("found") else {}

    def prepare(self, doc_ids: Iterable[str]) -> None:
        """Before articles are sent: what they held, and a ``story_seq`` in the order
        they come for those the index has never held (as the embedded index numbers
        its rows)."""
        doc_ids = list(doc_ids)
        self.remember(doc_ids)
        for doc_id in doc_ids:
            if doc_id not in self.seqs:
                seq = self.previous[doc_id].get("story_seq")
                self.seqs[doc_id] = int(seq) if seq is not None else self._seq()

    def _seq(self) -> int:
        self._last_seq = max(self._last_seq + 1, time.time_ns())
        return self._last_seq

    def stamp(self, source: dict[str, Any]) -> None:
        """Give a document about to be sent its story fields: the story it was in (until
        the commit regroups it), or one of its own; without a signature, its own."""
        doc_id = source["id"]
        if not source.get("story_sig"):
            source.update(alone(doc_id))
        else:
            before = self.previous.get(doc_id) or {}
            source["story"] = before.get("story") or doc_id
            source["story_size"] = int(before.get("story_size") or 1)
            source["story_seq"] = self.seqs.get(doc_id)
        self.written[doc_id] = (source["story"], source["story_size"])

    def apply(self, signatures: Mapping[str, bytes | None], removed: Collection[str]) -> bool:
        """Regroup the stories that the committed articles' ``signatures`` (None: none,
        or the article left; ``removed`` are no longer in the index) touch: those they
        were in, and those they join; whether any story changed."""
        pending: dict[str, Member | None] = {}
        touched: set[str] = set()
        seeds: list[Member] = []
        sent: dict[str, tuple[str, int]] = {}
        fresh: list[int] = []  # the seqs of the articles new to the index
        for doc_id, packed in signatures.items():
            old = _member(self.previous.pop(doc_id, None) or {})
            seq = self.seqs.pop(doc_id, None)
            written = self.written.pop(doc_id, None)
            if old is not None and old.sig == packed and doc_id not in removed:
                continue  # sent with the story it had
            if old is not None:
                touched.add(old.story)
            if packed is None or doc_id in removed or seq is None or written is None:
                pending[doc_id] = None
                continue
            member = Member(seq, doc_id, written[0], packed)
            pending[doc_id], sent[doc_id] = member, written
            seeds.append(member)
            if old is None:
                fresh.append(seq)
        if not touched and not seeds:
            return False
        source = ClusterMembers(self.client, self.index, pending,
                                (min(fresh), max(fresh)) if fresh else None)
        grouped = regroup(source, touched, seeds, self.threshold)
        return self._write(grouped, {**source.held, **sent})

    def regroup_all(self) -> bool:
        """Regroup every story (the threshold changed); whether any changed."""
        source = ClusterMembers(self.client, self.index)
        seeds = list(source.read({"exists": {"field": "story_seq"}}))
        if not seeds:
            return False
        return self._write(regroup(source, (), seeds, self.threshold), source.held)

    def _write(self, grouped: Mapping[int, tuple[Member, str]],
               held: Mapping[str, tuple[str, int]]) -> bool:
        """Write back the story and size of each member whose ``held`` ones changed;
        refresh. Whether any did."""
        sizes = Counter(story for _, story in grouped.values())
        changed = [(m.doc_id, story, sizes[story]) for m, story in grouped.values()
                   if held.get(m.doc_id) != (story, sizes[story])]
        if not changed:
            return False
        bulk = BulkIndexer(self.client, self.index, refresh=True)
        for doc_id, story, size in changed:
            bulk.update(doc_id, {"story": story, "story_size": size})
        report = bulk.close()
        if report.failures:
            first = report.failures[0]
            raise OpenSearchError(f"OpenSearch: the story of '{first.id}' was not written "
                                  f"({first.reason}); run the index again", first.status)
        return True


# -- reading ---------------------------------------------------------------------------
def story_of(client: Client, index: str, doc_id: str) -> str:
    answer = client.get(f"/{path_id(index)}/_doc/{path_id(document_id(doc_id))}",
                        params={"_source": "story"}, ok=(404,)).body
    return ((answer.get("_source") or {}).get("story") or doc_id) if answer.get("found") \
        else doc_id


def story_members(client: Client, index: str, story: str) -> list[str]:
    ids = [s["id"] for s in scan(client, index, {"term": {"story": story}}, ["id"],
                                 ({"story_seq": {"order": "asc", "missing": "_last"}},
                                  {"id": "asc"}))]
    return ids or [story]


def story_groups(client: Client, index: str) -> dict[str, str]:
    return {s["id"]: s["story"] for s in scan(
        client, index, {"range": {"story_size": {"gt": 1}}}, ["id", "story"])}


def story_counts(client: Client, index: str) -> tuple[int, int]:
    answer = client.post(f"/{path_id(index)}/_search", {
        "size": 0, "track_total_hits": True, "query": {"range": {"story_size": {"gt": 1}}},
        "aggs": {"stories": {"cardinality": {"field": "story",
                                             "precision_threshold": 40_000}}}}).body
    return int(answer["aggregations"]["stories"]["value"]), \
        int(answer["hits"]["total"]["value"])


def new_version() -> str:
    """A value for ``stories_version``: unique, so that two machines never write the same."""
    return uuid.uuid4().hex

