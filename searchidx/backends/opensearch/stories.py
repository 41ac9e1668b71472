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

A run remembers the story fields of every article it re-writes or removes before it
writes it, and keeps them in the new version until its commit; the commit refreshes
the index, then regroups what its articles touch through :func:`searchidx.stories.regroup`:
candidates come from a ``terms`` query on ``story_bands``, a linked story is read
whole by a ``terms`` query on ``story``, and every member reached is written back
(its story and size) with partial updates.
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
    """The story fields of an article that shares its story with none."""
    return {"story": doc_id, "story_size": 1, "story_seq": None, "story_sig": None,
            "story_bands": None}


def _fields(member: Member, story: str, size: int) -> dict[str, Any]:
    return {"story": story, "story_size": size, "story_seq": member.seq,
            "story_sig": base64.b64encode(member.sig).decode("ascii"),
            "story_bands": [str(k) for k in band_keys(member.sig)]}


def _member(source: Mapping[str, Any]) -> Member | None:
    """The article as a story member, None when it has no signature."""
    if not source.get("story_sig"):
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
    what the cluster holds for those ids."""

    def __init__(self, client: Client, index: str,
                 pending: Mapping[str, Member | None] | None = None) -> None:
        self.client, self.index = client, index
        self.pending = dict(pending or {})

    def _read(self, field: str, values: Sequence[Any]) -> Iterator[Member]:
        for start in range(0, len(values), _PAGE):
            query = {"terms": {field: list(values[start:start + _PAGE])}}
            for source in scan(self.client, self.index, query, FIELDS):
                member = _member(source)
                if member is not None and source["id"] not in self.pending:
                    yield member

    def in_stories(self, stories: Collection[str]) -> Iterator[Member]:
        yield from self._read("story", sorted(stories))
        yield from (m for m in self.pending.values() if m is not None and m.story in stories)

    def sharing_bands(self, members: Sequence[Member]) -> Iterator[Member]:
        keys = {k for m in members for k in band_keys(m.sig)}
        yield from self._read("story_bands", sorted(str(k) for k in keys))
        yield from (m for m in self.pending.values()
                    if m is not None and keys.intersection(band_keys(m.sig)))


class StoryWriter:
    """The stories of one run's commits (see the module doc)."""

    def __init__(self, client: Client, index: str, threshold: float) -> None:
        self.client, self.index, self.threshold = client, index, threshold
        self.previous: dict[str, dict[str, Any]] = {}  # id -> its story fields before the run
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

    def kept(self, doc_id: str) -> dict[str, Any]:
        """The story fields a re-written article keeps until the commit regroups it."""
        before = self.previous.get(doc_id) or {}
        if not before.get("story"):
            return alone(doc_id)
        return {name: before.get(name) for name in STORY_MAPPINGS}

    def _seq(self) -> int:
        self._last_seq = max(self._last_seq + 1, time.time_ns())
        return self._last_seq

    def apply(self, signatures: Mapping[str, bytes | None], removed: Collection[str]) -> bool:
        """Record the committed articles' ``signatures`` (None: none, or the article left;
        ``removed`` are those no longer in the index) and regroup the stories they touch;
        whether any story changed."""
        pending: dict[str, Member | None] = {}
        touched: set[str] = set()
        seeds: list[Member] = []
        for doc_id, packed in signatures.items():
            old = _member(self.previous.pop(doc_id, None) or {})
            if old is not None and old.sig == packed and doc_id not in removed:
                continue  # kept as it was (``kept``)
            if old is not None:
                touched.add(old.story)
            if packed is None or doc_id in removed:
                pending[doc_id] = None
                continue
            member = Member(old.seq if old else self._seq(), doc_id,
                            old.story if old else doc_id, packed)
            pending[doc_id] = member
            seeds.append(member)
        if not touched and not seeds:
            return False
        cleared = [i for i, m in pending.items() if m is None and i not in removed]
        self._write(regroup(ClusterMembers(self.client, self.index, pending), touched, seeds,
                            self.threshold), cleared)
        return True

    def regroup_all(self) -> bool:
        """Regroup every story (the threshold changed); whether there were any."""
        seeds = [m for m in map(_member, scan(self.client, self.index,
                                              {"exists": {"field": "story_seq"}}, FIELDS))
                 if m is not None]
        if seeds:
            self._write(regroup(ClusterMembers(self.client, self.index), (), seeds,
                                self.threshold), [])
        return bool(seeds)

    def _write(self, grouped: Mapping[int, tuple[Member, str]], cleared: Iterable[str]) -> None:
        """Write every member's story and size, and clear ``cleared``; refresh."""
        sizes = Counter(story for _, story in grouped.values())
        bulk = BulkIndexer(self.client, self.index, refresh=True)
        for member, story in grouped.values():
            bulk.update(member.doc_id, _fields(member, story, sizes[story]))
        for doc_id in cleared:
            bulk.update(doc_id, alone(doc_id))
        report = bulk.close()
        if report.failures:
            first = report.failures[0]
            raise OpenSearchError(f"OpenSearch: the story of '{first.id}' was not written "
                                  f"({first.reason}); run the index again", first.status)


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

