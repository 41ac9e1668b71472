"""A Whoosh index folder: its segments and ``manifest.sqlite3``, opened, created, emptied.

The manifest also records the folder's format (``schema_version``) and the Whoosh
generation it was last written with (``whoosh_generation``): see
:mod:`.writing`, which relies on it to add new articles without looking them up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ...config import Config
from ...errors import IndexCorruptError, IndexMissingError, SearchidxError
from ...locking import LOCK_NAME
from ...manifest import SqliteManifest
from .schema import SCHEMA_VERSION, build_schema
from .storage import patch_whoosh

MANIFEST = "manifest.sqlite3"
# a writer commits a generation in milliseconds; a table of contents still
# missing after this many tries is damage, not a race with a commit
_OPEN_ATTEMPTS = 20
_OPEN_RETRY_PAUSE_S = 0.05


class WhooshFolder:
    """The index folder at ``path``; the Whoosh index is opened on first use."""

    def __init__(self, config: Config, path: Path) -> None:
        self.config = config
        self.path = path
        self._ix: Any = None

    def exists(self) -> bool:
        return (self.path / MANIFEST).is_file()

    def manifest(self) -> SqliteManifest:
        """The manifest beside the segments (the caller closes it)."""
        return SqliteManifest(self.path / MANIFEST)

    def whoosh(self) -> Any:
        """The open Whoosh index; a clear error if it is missing or damaged."""
        if self._ix is None:
            patch_whoosh(writing=False)  # writer() adds the rest
            if not self.exists():
                raise IndexMissingError.at(self.path)
            self._check_version()
            self._ix = self._open_latest_generation()
        return self._ix

    def close(self) -> None:
        self._ix = None

    def _open_latest_generation(self) -> Any:
        """Open Whoosh's newest generation, retrying when a running commit replaces it.

        A commit writes the next table of contents and then deletes the previous
        one, so a reader that listed the folder just before can find its file
        gone. That is a race with a writer, not damage: open the newer one, as
        Whoosh's own ``reader()`` and Lucene do.
        """
        from whoosh import index as windex

        attempts_left = _OPEN_ATTEMPTS
        while True:
            try:
                return windex.open_dir(str(self.path))
            except windex.EmptyIndexError:
                raise IndexMissingError.at(self.path) from None
            except FileNotFoundError as exc:
                attempts_left -= 1
                if attempts_left:
                    time.sleep(_OPEN_RETRY_PAUSE_S)
                    continue
                failure: Exception = exc
            except Exception as exc:  # Whoosh raises many types on damaged files
                failure = exc
            raise IndexCorruptError(
                f"index at {self.path} is damaged ({type(failure).__name__}: {failure}); "
                f"rebuild it with 'searchidx index --rebuild PATH'") from None

    def _check_version(self) -> None:
        manifest = self.manifest()
        try:
            version = manifest.meta("schema_version")
        finally:
            manifest.close()
        if version != str(SCHEMA_VERSION):
            raise IndexCorruptError(
                f"index at {self.path} was written by another version of searchidx "
                f"(format {version or 'unknown'}, this one reads {SCHEMA_VERSION}); "
                f"rebuild it with 'searchidx index --rebuild'")

    # -- writing (under the folder's write lock) ---------------------------------
    def create(self) -> None:
        """A new, empty index. Its manifest is written aside and moved into place whole:
        the index exists (:meth:`exists`) only once it names its format, so a run
        stopped here leaves no index that later reads as another version's."""
        from whoosh import index as windex

        self.path.mkdir(parents=True, exist_ok=True)
        created = windex.create_in(str(self.path), build_schema(self.config))
        draft = self.path / f"{MANIFEST}.new"
        draft.unlink(missing_ok=True)
        manifest = SqliteManifest(draft)
        manifest.apply({}, {})
        manifest.set_meta("schema_version", str(SCHEMA_VERSION))
        manifest.set_meta("whoosh_generation", str(created.latest_generation()))
        manifest.close()
        os.replace(draft, self.path / MANIFEST)

    def remove_files(self) -> None:
        """Empty the folder for ``--rebuild``, but only of what searchidx made."""
        import shutil

        self.close()
        for child in self.path.iterdir():
            if child.name == LOCK_NAME:
                continue
            if child.name.startswith(MANIFEST) or child.name.startswith(("MAIN_", "_MAIN_")):
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()

    def check_analysis(self) -> None:
        """Refuse to add articles analysed otherwise than the ones already indexed.

        The index keeps the analyzer it was built with (queries use it); new
        postings come from the configuration. A changed ``italian`` section would
        mix two analyses silently, so it asks for a rebuild instead.
        """
        from ...analysis import italian_analyzer

        stored = self.whoosh().schema["body"].analyzer
        if stored != italian_analyzer(self.config):
            raise SearchidxError(
                f"index at {self.path} was built with other 'italian' settings (stemmer, "
                f"stopwords or elisions) than the configuration; rebuild it with "
                f"'searchidx index --rebuild'")

    def writer(self) -> Any:
        """Whoosh's writer of the index (the folder's write lock is already held)."""
        from whoosh.index import LockError

        patch_whoosh()
        try:
            return self.whoosh().writer(limitmb=int(self.config["index"]["writer_memory_mb"]))
        except LockError:
            raise SearchidxError(
                f"index at {self.path} is being written by another process; "
                f"wait for it to finish and run again") from None
