"""Where searchidx keeps what it can always make again: the parsed configuration and
the laid-out ``--help`` text; and how such a file is read and written (:func:`read_kept`,
:func:`keep`), here and in an index folder.

In the user's cache folder, never inside the installed package: a file written there
outlives ``pip uninstall``, and a ``searchidx`` folder left holding nothing else shadows a
later editable install of the same package as an empty namespace package (a fresh
clone's quickstart, a plain install, followed by the tests' editable one broke so).
"""

from __future__ import annotations

import marshal
import os
import zlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Any

CACHE_ENV = "SEARCHIDX_CACHE_DIR"


def cache_folder() -> str | None:
    """The folder of this installed copy's cache entries, or None for no cache.

    ``$SEARCHIDX_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/searchidx``,
    else ``~/.cache/searchidx``; inside it one folder per copy of the package (by its
    path), so that two checkouts or virtual environments never take turns overwriting
    one entry. None also when there is no home folder to put it in.
    """
    base = os.environ.get(CACHE_ENV)
    if base is None:
        root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                ".cache")
        base = os.path.join(root, "searchidx")
    if not base or not os.path.isabs(base):  # disabled, or no home ("~" left as it is)
        return None
    package = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(base, f"{zlib.crc32(package.encode('utf-8', 'surrogateescape')):08x}")


def read_kept(path: str) -> Any:
    """The value :func:`keep` wrote at ``path``, or None when it is absent or damaged.

    :mod:`marshal`, not JSON: a cold command reads two or three such files, and
    marshal is built in (importing :mod:`json` alone costs a tenth of a bare query
    process) and reads plain data several times faster."""
    try:
        with open(path, "rb") as file:
            return marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def keep(path: str, value: object) -> None:
    """Write ``value`` (plain data: dicts, lists, strings, numbers) to ``path`` with
    :func:`write_whole`; a value marshal cannot write is not kept."""
    try:
        data = marshal.dumps(value)
    except ValueError:
        return
    write_whole(path, data)


def write_whole(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` aside and rename it whole, so that a reader never sees
    half of it; skipped where the folder cannot be written (deleting such a file is
    always safe: what it holds is made again)."""
    draft = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(draft, "wb") as file:
            file.write(data)
        os.replace(draft, path)
    except OSError:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(draft)
