"""The manifest of source files, kept in the cluster beside the articles.

The embedded index keeps it in SQLite (:class:`searchidx.manifest.Manifest`); on a
cluster it is an index of its own, ``INDEX-searchidx-manifest``, so that several
machines can each index a part of one archive into the same index and all see
which files are indexed, with which content hash and which articles.

One document per source file (or bundle member), whose id is the file's path: machines that index
different folders never write the same document. Every write of a file's document
is conditional on the version read (``if_seq_no``/``if_primary_term``, or
``op_type=create`` for a file not yet known), so two machines that do index the
same file at once cannot silently undo each other: the second gets a clear error
and its next run reads that file again. Roots and metadata are documents of their
own in the same index.

A bundle's members (``bundle!member``, the files of an archive) are documents of
kind ``member`` naming their bundle, written under the same conditions.

The methods are those of :class:`searchidx.manifest.Manifest`, plus :meth:`prefetch`
and :meth:`owners`, which read many files or ids in one request. :meth:`owner`, which
an index run asks for every article it reads, answers from every file's articles
read in one go on first use (the entries this manifest wrote since, first).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import stories
from .client import Client, OpenSearchError, error_reason, path_id

MANIFEST_SUFFIX = "-searchidx-manifest"
_MAX_ID_BYTES = 512
_PAGE = 1000  # files per search page, ids per terms lookup


class ManifestConflictError(OpenSearchError):
    """Another indexer changed a file's manifest entry since this one read it."""


@dataclass
class _File:
    """A file's entry as read, with the version it was read at (None: not in the cluster).
    ``sha1`` is None for a file whose articles are recorded but which is not complete."""

    sha1: str | None = None
    size: int = 0
    docs: dict[str, str] = field(default_factory=dict)  # article id -> content hash
    version: tuple[int, int] | None = None  # (seq_no, primary_term)
    bundle: str | None = None  # for a bundle's member: the bundle


def manifest_index(index: str) -> str:
    return index + MANIFEST_SUFFIX


def _doc_id(kind: str, key: str) -> str:
    full = f"{kind}:{key}"
    if len(full.encode("utf-8")) <= _MAX_ID_BYTES:
        return full
    return f"{kind}-sha1:{hashlib.sha1(key.encode('utf-8')).hexdigest()}"


MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # file | member | root | meta
        "bundle": {"type": "keyword"},  # a member's bundle (an archive's path)
        "path": {"type": "keyword"},
        "sha1": {"type": "keyword"},
        "size": {"type": "long"},
        "ids": {"type": "keyword"},  # the articles of the file, for owner lookups
        "hashes": {"type": "object", "enabled": False},  # article id -> content hash
        "key": {"type": "keyword"},
        "value": {"type": "keyword", "index": False},
        "updated": {"type": "date"},
        "by": {"type": "keyword"},  # host:pid of the indexer that wrote it last
    },
}


class ClusterManifest:
    """Source files and their articles, in the cluster (see the module doc)."""

    def __init__(self, client: Client, index: str, *, replicas: int = 1,
                 create: bool = True) -> None:
        self.client = client
        self.index = index
        self.name = manifest_index(index)
        self._files: dict[str, _File] = {}
        self._by = f"{socket.gethostname()}:{os.getpid()}"
        self._owners: dict[str, str] | None = None  # article id -> file, read on first use
        self._members: dict[str, list[str]] = {}  # bundle -> its members as recorded
        self._member_of: dict[str, str] = {}  # member -> bundle, until applied
        self._expected: dict[str, set[str]] = {}  # bundle -> its members now, until applied
        if not create:  # made already by this process (each search asks for the stories)
            return
        created = client.put(f"/{path_id(self.name)}", {
            "settings": {"index": {"number_of_shards": 1, "number_of_replicas": replicas}},
            "mappings": MAPPINGS}, ok=(400,))
        if created.status == 400 and created.body["error"]["type"] != (
                "resource_already_exists_exception"):
            raise OpenSearchError(f"OpenSearch: cannot create the manifest index '{self.name}': "
                                  f"{error_reason(created.body)[1]}", 400)

    # -- reading ------------------------------------------------------------------------
    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the entries of many files at once (one ``_mget`` per thousand)."""
        wanted = [p for p in dict.fromkeys(paths) if p not in self._files]
        for start in range(0, len(wanted), _PAGE):
            part = wanted[start:start + _PAGE]
            answer = self.client.post(f"/{path_id(self.name)}/_mget",
                                      {"ids": [_doc_id("file", p) for p in part]})
            for path, doc in zip(part, answer.body["docs"], strict=True):
                self._files[path] = self._entry(doc)

    @staticmethod
    def _entry(doc: dict[str, Any]) -> _File:
        if not doc.get("found"):
            return _File()
        source = doc["_source"]
        return _File(source["sha1"], source["size"], dict(source.get("hashes") or {}),
                     (doc["_seq_no"], doc["_primary_term"]), source.get("bundle"))

    def _file(self, path: str) -> _File:
        got = self._files.get(path)
        if got is None:
            answer = self.client.get(
                f"/{path_id(self.name)}/_doc/{path_id(_doc_id('file', path))}", ok=(404,))
            got = self._files[path] = self._entry(answer.body)
        return got

    def file_sha1(self, path: str) -> str | None:
        return self._file(path).sha1

    def member_sha1(self, path: str) -> str | None:
        entry = self._file(path)
        return entry.sha1 if entry.bundle is not None else None

    def members_of(self, bundle: str) -> list[str]:
        if bundle not in self._members:
            self._members[bundle] = [hit["path"] for hit in self._search(
                {"bool": {"filter": [{"term": {"kind": "member"}},
                                     {"term": {"bundle": bundle}}]}}, ["path"])]
        return list(self._members[bundle])

    def expect_members(self, bundle: str, members: Iterable[str]) -> None:
        self._expected[bundle] = set(members)
        self._member_of.update(dict.fromkeys(self._expected[bundle], bundle))

    def docs_of(self, path: str) -> dict[str, str]:
        entry = self._file(path)
        docs = dict(entry.docs)
        if entry.bundle is None and entry.version is not None:  # a file: its members' too
            self.prefetch(self.members_of(path))
            for member in self.members_of(path):
                docs.update(self._file(member).docs)
        return docs

    def file_count(self) -> int:
        return int(self.client.post(f"/{path_id(self.name)}/_count",
                                    {"query": {"term": {"kind": "file"}}}).body["count"])

    def owners(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """The file each of these article ids is indexed from, for those that are.

        The files read by this manifest are asked first; the others through a
        search (other machines' files, as of the cluster's last refresh).
        """
        found: dict[str, str] = {}
        wanted = set(doc_ids)
        for path, entry in self._files.items():
            for doc_id in wanted.intersection(entry.docs):
                found[doc_id] = path
        rest = sorted(wanted - found.keys())
        for start in range(0, len(rest), _PAGE):
            part = rest[start:start + _PAGE]
            for hit in self._search({"bool": {"filter": [
                    {"terms": {"kind": ["file", "member"]}}, {"terms": {"ids": part}}]}},
                                    ["path", "ids"]):
                path = hit["path"]
                if path in self._files:  # what this manifest read is newer
                    continue
                for doc_id in set(part).intersection(hit["ids"]):
                    found[doc_id] = path
        return found

    def owner(self, doc_id: str) -> str | None:
        for path, entry in self._files.items():
            if doc_id in entry.docs:
                return path
        if self._owners is None:
            self._owners = {}
            query = {"terms": {"kind": ["file", "member"]}}
            for hit in self._search(query, ["path", "ids"]):
                self._owners.update(dict.fromkeys(hit["ids"], hit["path"]))
        path = self._owners.get(doc_id)
        # a file read here since, which no longer holds it, is newer than the map
        return None if path in self._files else path

    def files_under(self, root: str) -> list[str]:
        prefix = root.rstrip(os.sep) + os.sep
        query = {"bool": {"filter": [{"term": {"kind": "file"}}], "should": [
            {"term": {"path": root}}, {"prefix": {"path": prefix}}], "minimum_should_match": 1}}
        return [hit["path"] for hit in self._search(query, ["path"])]

    def _search(self, query: dict[str, Any], fields: list[str]) -> list[dict[str, Any]]:
        """Every document matching ``query`` (``_source`` limited to ``fields``), in pages."""
        hits: list[dict[str, Any]] = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": query, "size": _PAGE, "_source": fields,
                                    "sort": [{"path": "asc"}, {"_id": "asc"}]}
            if after is not None:
                body["search_after"] = after
            page = self.client.post(f"/{path_id(self.name)}/_search", body).body["hits"]["hits"]
            hits.extend(hit["_source"] for hit in page)
            if len(page) < _PAGE:
                return hits
            after = page[-1]["sort"]

    # -- writing ------------------------------------------------------------------------
    def apply(self, files: dict[str, tuple[str, int] | None],
              docs: dict[str, tuple[str, str] | None]) -> None:
        """Record files (None = forget) and articles (None = forget), as
        :meth:`searchidx.manifest.Manifest.apply`; each file's document is written only
        if no other indexer changed it since it was read here."""
        changed: dict[str, _File] = {}

        def current(path: str) -> _File:
            if path not in changed:
                entry = self._file(path)
                changed[path] = _File(entry.sha1, entry.size, dict(entry.docs), entry.version)
            return changed[path]

        owners = self.owners(docs) if docs else {}
        for doc_id, entry in docs.items():
            owner = owners.get(doc_id)
            if owner is not None and (entry is None or entry[0] != owner):
                current(owner).docs.pop(doc_id, None)
            if entry is not None:
                current(entry[0]).docs[doc_id] = entry[1]
        for path, info in files.items():
            record = current(path)
            # a forgotten file keeps the articles still recorded for it, with no hash:
            # the next run reads it again (as a files row gone beside its docs rows)
            record.sha1, record.size = info if info is not None else (None, 0)
            bundle = self._member_of.get(path) or record.bundle
            if bundle is not None:
                record.bundle = bundle
                if info is None and bundle:  # its bundle is read again next run
                    current(bundle).sha1 = ""
            elif info is None or path in self._expected:  # members forgotten or gone
                kept = self._expected.get(path, set()) if info is not None else set()
                for gone in set(self.members_of(path)) - kept:
                    self._member_of.setdefault(gone, path)
                    gone_record = current(gone)
                    gone_record.sha1, gone_record.docs = None, {}
        lines: list[Any] = []
        order: list[str] = []
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        for path, record in changed.items():
            kind = "member" if record.bundle is not None else "file"
            target = {"_index": self.name, "_id": _doc_id("file", path)}
            if record.version is not None:
                target.update(if_seq_no=record.version[0], if_primary_term=record.version[1])
            if record.sha1 is None and not record.docs:
                if record.version is None:
                    continue  # never recorded: nothing to forget
                lines.append({"delete": target})
            else:
                lines.append({"index" if record.version else "create": target})
                source = {"kind": kind, "path": path, "sha1": record.sha1,
                          "size": record.size, "ids": sorted(record.docs),
                          "hashes": record.docs, "updated": now, "by": self._by}
                if record.bundle is not None:
                    source["bundle"] = record.bundle
                lines.append(source)
            order.append(path)
        if not order:
            return
        answer = self.client.post("/_bulk", ndjson=lines, params={"refresh": "wait_for"})
        conflicts = []
        for path, item in zip(order, answer.body["items"], strict=True):
            (kind, result), = item.items()
            record = changed[path]
            if result.get("status") == 409:
                conflicts.append(path)
                self._files.pop(path, None)  # read it afresh next time
            elif kind == "delete" and result.get("status") in (200, 404):
                self._files[path] = _File()
            elif 200 <= result.get("status", 500) < 300:
                record.version = (result["_seq_no"], result["_primary_term"])
                self._files[path] = record
            else:
                raise OpenSearchError(f"OpenSearch: the manifest entry of {path} was not "
                                      f"written: {error_reason(result)[1]}", result.get("status"))
        for path in files:
            if path in self._expected or files[path] is None:
                self._members[path] = sorted(self._expected.pop(path, ()))
            bundle = self._member_of.get(path)
            if bundle and bundle in self._members and files[path] is not None \
                    and path not in self._members[bundle]:
                self._members[bundle].append(path)
        self.set_meta("updated", now)
        if conflicts:
            raise ManifestConflictError(
                f"{conflicts[0]}" + (f" and {len(conflicts) - 1} more files" if len(conflicts) > 1
                                     else "")
                + " changed in the cluster's manifest while this run indexed them (another "
                  "indexer at work on the same files?); run the index again", 409)

    # -- stories: fields of the articles themselves (see .stories) ----------------------
    def story_of(self, doc_id: str) -> str:
        return stories.story_of(self.client, self.index, doc_id)

    def story_members(self, story: str) -> list[str]:
        return stories.story_members(self.client, self.index, story)

    def story_groups(self) -> dict[str, str]:
        return stories.story_groups(self.client, self.index)

    def stories_version(self) -> str:
        return self.meta(stories.VERSION_KEY) or "0"

    def story_counts(self) -> tuple[int, int]:
        return stories.story_counts(self.client, self.index)

    def roots(self) -> list[str]:
        return sorted(hit["path"] for hit in self._search({"term": {"kind": "root"}}, ["path"]))

    def add_roots(self, roots: Iterable[str]) -> None:
        lines: list[Any] = []
        for root in dict.fromkeys(roots):
            lines.append({"create": {"_index": self.name, "_id": _doc_id("root", root)}})
            lines.append({"kind": "root", "path": root, "by": self._by})
        if lines:  # an existing root answers 409 here: already recorded
            self.client.post("/_bulk", ndjson=lines, params={"refresh": "wait_for"})

    def set_meta(self, key: str, value: str) -> None:
        self.client.put(f"/{path_id(self.name)}/_doc/{path_id(_doc_id('meta', key))}",
                        {"kind": "meta", "key": key, "value": value, "by": self._by})

    def meta(self, key: str) -> str | None:
        answer = self.client.get(
            f"/{path_id(self.name)}/_doc/{path_id(_doc_id('meta', key))}", ok=(404,))
        return answer.body["_source"]["value"] if answer.body.get("found") else None

    def close(self) -> None:
        """Forget what was read (the client is the caller's to close)."""
        self._files.clear()
        self._owners = None
        self._members.clear()
