"""The manifest: which source files an index has read, and the articles each gave.

It is what makes ``searchidx index`` incremental: a file whose content hash
is unchanged is skipped, an article whose record hash is unchanged is not
re-indexed, and the articles of a file that left an indexed folder are
removed. :class:`Manifest` is what the indexer needs of it; a backend keeps it
where its index lives (:class:`SqliteManifest`, a file beside a Whoosh index).
"""

from __future__ import annotations

import datetime as _dt  # loaded by sqlite3 anyway
import os
import sqlite3
import time
from collections.abc import Iterable

from .records import field, record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Protocol
else:  # the interface as a plain class at run time: a cold query imports no typing
    Protocol = object

# path -> (content sha1, size), or None to forget the file
FileChanges = dict[str, tuple[str, int] | None]
# article id -> (path of its file, record hash), or None to forget the article
DocChanges = dict[str, tuple[str, str] | None]
# article id -> its story signature (searchidx.stories), or None: none, or the article left
SignatureChanges = dict[str, bytes | None]


class Manifest(Protocol):
    """Source files and the article ids each gave."""

    def file_sha1(self, path: str) -> str | None:
        """The content hash recorded for ``path``, if it was read."""

    def member_sha1(self, path: str) -> str | None:
        """The fingerprint recorded for a bundle's member (``bundle!member``)."""

    def members_of(self, bundle: str) -> list[str]:
        """The members recorded for ``bundle``."""

    def expect_members(self, bundle: str, members: Iterable[str]) -> None:
        """``members`` are what ``bundle`` holds now: the next :meth:`apply` records
        them as its members (those of its keys that are), and forgets the members it
        no longer holds."""

    def docs_of(self, path: str) -> dict[str, str]:
        """Article id -> record hash, for every article ``path`` gave (a bundle's
        members' included)."""

    def owner(self, doc_id: str) -> str | None:
        """The file that gave ``doc_id``."""

    def files_under(self, root: str) -> list[str]:
        """The recorded files that are ``root`` or below it."""

    def file_count(self) -> int:
        """How many files are recorded."""

    def apply(self, files: FileChanges, docs: DocChanges) -> None:
        """Record file and article changes at once (all or none), and the time. A member
        forgotten (its article failed) leaves its bundle to be read again."""

    def story_of(self, doc_id: str) -> str:
        """The story of an article (its own id when no other article shares it)."""

    def story_members(self, story: str) -> list[str]:
        """A story's article ids, in the order they were indexed."""

    def story_groups(self) -> dict[str, str]:
        """Article id -> story, for the articles whose story has others."""

    def stories_version(self) -> str:
        """A value that changes whenever the stories do (to keep :meth:`story_groups`)."""

    def story_counts(self) -> tuple[int, int]:
        """(stories of two or more articles, the articles in them)."""

    def roots(self) -> list[str]:
        """The files and folders given to ``index`` runs, sorted."""

    def add_roots(self, roots: Iterable[str]) -> None:
        """Remember files and folders given to a run."""

    def meta(self, key: str) -> str | None:
        """A value the index keeps about itself (format version, last update …)."""

    def set_meta(self, key: str, value: str) -> None:
        """Set one :meth:`meta` value."""

    def close(self) -> None:
        """Release what the manifest holds open."""


@record
class Changes:
    """The manifest changes of the writes since the last commit, recorded with them.

    ``size`` counts those writes (articles put or deleted), ``started`` is when the
    first of them came: commits fall by count or by time. An article whose extraction
    failed is not in the index: :meth:`drop` forgets it, and forgets its file for
    the rest of the run, so that the next run reads the file again.
    """

    files: FileChanges = field(default_factory=dict)
    docs: DocChanges = field(default_factory=dict)
    signatures: SignatureChanges = field(default_factory=dict)
    size: int = 0
    started: float = field(default_factory=time.monotonic)
    failed_files: set[str] = field(default_factory=set)  # the run's, never recorded

    def put(self, doc_id: str, path: str, content_hash: str, signature: bytes | None) -> None:
        self.docs[doc_id] = (path, content_hash)
        self.signatures[doc_id] = signature
        self.size += 1

    def delete(self, doc_id: str) -> None:
        self.docs[doc_id] = None
        self.signatures[doc_id] = None
        self.size += 1

    def drop(self, failed: Iterable[tuple[str, str]]) -> None:
        """Forget the articles (id, path) that could not be indexed, and their files."""
        for doc_id, path in failed:
            self.docs[doc_id] = None
            self.signatures[doc_id] = None
            self.failed_files.add(path)
        for path in self.failed_files & self.files.keys():
            self.files[path] = None

    def written(self) -> int:
        """How many articles these changes put in the index."""
        return sum(1 for entry in self.docs.values() if entry is not None)

    def clear(self) -> None:
        """Start the changes of the next commit."""
        self.files, self.docs, self.signatures = {}, {}, {}
        self.size, self.started = 0, time.monotonic()


class SqliteManifest:
    """The :class:`Manifest` in an SQLite file: each :meth:`apply` is one transaction.

    A bundle's members are rows of their own (``members``), with the fingerprint
    that tells a changed member from an unchanged one; their articles are recorded
    under the member's path (``bundle!member``). The stories of the articles live
    here too (:class:`~searchidx.stories.StoryTable`), changed in the same transaction.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from .stories import SCHEMA, StoryTable

        self.db = sqlite3.connect(path)
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha1 TEXT, size INTEGER);"
            "CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, path TEXT, hash TEXT);"
            "CREATE INDEX IF NOT EXISTS docs_path ON docs(path);"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS roots (path TEXT PRIMARY KEY);"
            "CREATE TABLE IF NOT EXISTS members (path TEXT PRIMARY KEY, bundle TEXT, sha1 TEXT,"
            " size INTEGER);"
            "CREATE INDEX IF NOT EXISTS members_bundle ON members(bundle);"
            + SCHEMA
        )
        self.stories = StoryTable(self.db)
        self._member_of: dict[str, str] = {}  # member path -> bundle, until applied
        self._members: dict[str, set[str]] = {}  # bundle -> its members now, until applied

    def file_sha1(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha1 FROM files WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def member_sha1(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha1 FROM members WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def members_of(self, bundle: str) -> list[str]:
        return [p for (p,) in self.db.execute("SELECT path FROM members WHERE bundle=?",
                                              (bundle,))]

    def expect_members(self, bundle: str, members: Iterable[str]) -> None:
        self._members[bundle] = set(members)
        self._member_of.update(dict.fromkeys(self._members[bundle], bundle))

    def docs_of(self, path: str) -> dict[str, str]:
        return dict(self.db.execute(
            "SELECT id, hash FROM docs WHERE path=? UNION ALL SELECT d.id, d.hash FROM docs d"
            " JOIN members m ON d.path = m.path WHERE m.bundle=?", (path, path)))

    def owner(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT path FROM docs WHERE id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def files_under(self, root: str) -> list[str]:
        prefix = root.rstrip(os.sep) + os.sep
        return [p for (p,) in self.db.execute("SELECT path FROM files")
                if p == root or p.startswith(prefix)]

    def file_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def apply(self, files: FileChanges, docs: DocChanges,
              signatures: SignatureChanges | None = None, threshold: float = 1.0) -> None:
        """:meth:`Manifest.apply`, and the articles' ``signatures`` regrouped into
        stories at ``threshold`` (:meth:`~searchidx.stories.StoryTable.apply`)."""
        with self.db:
            if signatures:
                self.stories.apply(signatures, threshold)
            members = []
            for path, info in files.items():
                if path in self._member_of:
                    members.append((path, self._member_of.pop(path), info))
                elif info is None:
                    self.db.execute("DELETE FROM files WHERE path=?", (path,))
                    self.db.execute("DELETE FROM members WHERE bundle=?", (path,))
                else:
                    self.db.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)", (path, *info))
                    now = self._members.pop(path, None)
                    if now is not None:
                        for (member,) in self.db.execute(
                                "SELECT path FROM members WHERE bundle=?", (path,)).fetchall():
                            if member not in now:
                                self.db.execute("DELETE FROM members WHERE path=?", (member,))
            for path, bundle, info in members:
                if info is None:
                    self.db.execute("DELETE FROM members WHERE path=?", (path,))
                    self.db.execute("UPDATE files SET sha1='' WHERE path=?", (bundle,))
                else:
                    self.db.execute("INSERT OR REPLACE INTO members VALUES (?,?,?,?)",
                                    (path, bundle, *info))
            for doc_id, entry in docs.items():
                if entry is None:
                    self.db.execute("DELETE FROM docs WHERE id=?", (doc_id,))
                else:
                    self.db.execute("INSERT OR REPLACE INTO docs VALUES (?,?,?)", (doc_id, *entry))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('updated', ?)",
                            (_dt.datetime.now().isoformat(timespec="seconds"),))

    def use_story_threshold(self, threshold: float) -> bool:
        """Regroup the stories if they were grouped at another threshold; whether they were."""
        return self.stories.use_threshold(threshold)

    def story_of(self, doc_id: str) -> str:
        return self.stories.story_of(doc_id)

    def story_members(self, story: str) -> list[str]:
        return self.stories.members(story)

    def story_groups(self) -> dict[str, str]:
        return self.stories.groups()

    def stories_version(self) -> str:
        return self.stories.version()

    def story_counts(self) -> tuple[int, int]:
        return self.stories.counts()

    def roots(self) -> list[str]:
        return [p for (p,) in self.db.execute("SELECT path FROM roots ORDER BY path")]

    def add_roots(self, roots: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO roots VALUES (?)", [(r,) for r in roots])

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self.db.close()
