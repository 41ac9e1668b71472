"""The engines an index can live in, behind one interface.

Reading and extraction are shared by every engine; a backend stores the
extracted articles and answers queries that the query language has parsed into
an engine-neutral tree (:mod:`searchidx.query`). Whoosh (:mod:`.whoosh`) is the
embedded default: nothing to install, one folder.
"""
