"""Where searchidx keeps what it can always make again: the parsed configuration and
the laid-out ``--help`` text.

In the user's cache folder, never inside the installed package: a file written there
outlives ``pip uninstall``, and a ``searchidx`` folder left holding nothing else shadows a
later editable install of the same package as an empty namespace package (a fresh
clone's quickstart, a plain install, followed by the tests' editable one broke so).
"""

from __future__ import annotations

import os
import zlib

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
