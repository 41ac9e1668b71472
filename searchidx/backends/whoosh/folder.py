"""A Whoosh index folder: its segments and ``manifest.sqlite3``, opened, created, emptied.

The manifest also records the folder's format (``schema_version``) and the Whoosh
generation it was last written with (``whoosh_generation``): see
:mod:`.writing`, which relies on it to add new articles without looking them up.
"""

from __future__ import annotations

import os
import re
import time

from ... import __version__
from ...cachedir import keep, read_kept
from ...errors import IndexCorruptError, IndexMissingError, SearchidxError
from ...locking import LOCK_NAME

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # the folder is a string: a cold query imports no pathlib (issue 26)
    from typing import Any

    from ...config import Config
    from ...manifest import SqliteManifest

MANIFEST = "manifest.sqlite3"
# the figures of `searchidx stats` for one generation of the index (WhooshBackend.stats):
# a name Whoosh's clean-up never takes for a segment's or a table of contents' file
SUMMARY = "_MAIN_summary.marshal"
# what a cold query needs of a generation that only Whoosh's pickles say (.segments)
DIGEST = "_MAIN_reader.marshal"  # both written by searchidx.cachedir.keep
_TOC = re.compile(r"_MAIN_([0-9]+)\.toc")  # Whoosh's table of contents of a generation
# a writer commits a generation in milliseconds; a table of contents still
# missing after this many tries is damage, not a race with a commit
_OPEN_ATTEMPTS = 20
_OPEN_RETRY_PAUSE_S = 0.05


class WhooshFolder:
    """The index folder at ``path``; the Whoosh index is opened on first use."""

    def __init__(self, config: Config, path: str) -> None:
        self.config = config
        self.path = path
        self._ix: Any = None

    def exists(self) -> bool:
        return os.path.isfile(os.path.join(self.path, MANIFEST))

    def manifest(self) -> SqliteManifest:
        """The manifest beside the segments (the caller closes it)."""
        from ...manifest import SqliteManifest

        return SqliteManifest(os.path.join(self.path, MANIFEST))

    def whoosh(self) -> Any:
        """The open Whoosh index; a clear error if it is missing or damaged."""
        if self._ix is None:
            from .storage import patch_whoosh

            patch_whoosh(writing=False)  # writer() adds the rest
            if not self.exists():
                raise IndexMissingError.at(self.path)
            self.check_version()
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
                return windex.open_dir(self.path)
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

    def generation_key(self) -> str | None:
        """What names the newest generation: searchidx's version and the name, size and
        modification time of its table of contents (a commit writes a new one); None
        when the folder has none."""
        try:
            tocs = {int(m.group(1)): m.group(0) for m in map(_TOC.fullmatch, os.listdir(self.path))
                    if m}
            if not tocs:
                return None
            newest = tocs[max(tocs)]
            toc = os.stat(os.path.join(self.path, newest))
        except OSError:
            return None
        return f"{__version__} {newest} {toc.st_size} {toc.st_mtime_ns}"

    def summary(self, key: str | None) -> dict[str, Any] | None:
        """The figures :meth:`keep_summary` kept under ``key`` (:meth:`generation_key`),
        or None when there are none, they are damaged or of another generation."""
        if key is None:
            return None
        kept = read_kept(os.path.join(self.path, SUMMARY))
        if not isinstance(kept, dict) or kept.get("key") != key:
            return None
        figures = kept.get("figures")
        return figures if isinstance(figures, dict) else None

    def keep_summary(self, key: str, figures: dict[str, Any]) -> None:
        """Keep ``figures`` for the generation ``key``, written aside and renamed whole;
        skipped where the folder cannot be written (deleting the file is always safe)."""
        keep(os.path.join(self.path, SUMMARY), {"key": key, "figures": figures})

    def check_version(self) -> None:
        """Refuse an index of another format (the manifest names it) in one clear error."""
        from .stored import SCHEMA_VERSION

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

        from ...manifest import SqliteManifest
        from .schema import build_schema
        from .stored import SCHEMA_VERSION

        os.makedirs(self.path, exist_ok=True)
        created = windex.create_in(self.path, build_schema(self.config))
        draft = os.path.join(self.path, f"{MANIFEST}.new")
        if os.path.exists(draft):
            os.unlink(draft)
        manifest = SqliteManifest(draft)
        manifest.apply({}, {})
        manifest.set_meta("schema_version", str(SCHEMA_VERSION))
        manifest.set_meta("whoosh_generation", str(created.latest_generation()))
        manifest.close()
        os.replace(draft, os.path.join(self.path, MANIFEST))

    def remove_files(self) -> None:
        """Empty the folder for ``--rebuild``, but only of what searchidx made."""
        import shutil

        self.close()
        with os.scandir(self.path) as children:
            for child in list(children):
                if child.name == LOCK_NAME:
                    continue
                if child.name.startswith(MANIFEST) or child.name.startswith(("MAIN_", "_MAIN_")):
                    if child.is_dir(follow_symlinks=False):
                        shutil.rmtree(child.path)
                    else:
                        os.unlink(child.path)

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

        from .storage import patch_whoosh

        patch_whoosh()
        try:
            return self.whoosh().writer(limitmb=int(self.config["index"]["writer_memory_mb"]))
        except LockError:
            raise SearchidxError(
                f"index at {self.path} is being written by another process; "
                f"wait for it to finish and run again") from None
