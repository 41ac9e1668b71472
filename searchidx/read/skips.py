"""What reading passed over on purpose, counted for the run's summary.

Not errors: a ``.pdf`` in a folder of articles, the image records of a web
archive or an earlier capture of a page are expected, and the run's exit status
stays 0. The summary names them by kind (``3 files of other types skipped (.pdf
×2, .docx)``); ``names`` keeps which, for ``--verbose``.
"""

from __future__ import annotations

from collections import Counter

OTHER_TYPES = "files of other types"
WEB_RECORDS = "web-archive records"
EARLIER_CAPTURES = "earlier captures"
NESTED_ARCHIVES = "archives inside archives"

_SINGULAR = {OTHER_TYPES: "file of another type", WEB_RECORDS: "web-archive record",
             EARLIER_CAPTURES: "earlier capture", NESTED_ARCHIVES: "archive inside an archive"}
_WHY = {EARLIER_CAPTURES: "a later capture of the same address is read",
        NESTED_ARCHIVES: "unpack it to index it"}


class Skipped:
    """Counts by kind and label (``.pdf``, ``revisit``, ``image/png``), and the names."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.names: dict[str, list[tuple[str, str]]] = {}

    def add(self, kind: str, label: str, name: str) -> None:
        self.counts.setdefault(kind, Counter())[label] += 1
        self.names.setdefault(kind, []).append((label, name))

    def __bool__(self) -> bool:
        return bool(self.counts)

    def lines(self) -> list[str]:
        """One line per kind: ``3 files of other types skipped (.pdf ×2, .docx)``."""
        out = []
        for kind, labels in self.counts.items():
            total = sum(labels.values())
            noun = kind if total > 1 else _SINGULAR[kind]
            detail = ", ".join(f"{label} ×{n}" if n > 1 else label
                               for label, n in labels.most_common() if label)
            why = "; ".join(filter(None, [detail, _WHY.get(kind, "")]))
            out.append(f"{total} {noun} skipped" + (f" ({why})" if why else ""))
        return out

    @staticmethod
    def reason(kind: str, label: str) -> str:
        """Why one item was skipped, for ``--verbose``: ``.pdf: a type not read``."""
        if kind == OTHER_TYPES:
            return f"{label}: a type not read"
        if kind == WEB_RECORDS:
            return f"web-archive record: {label}"
        return _SINGULAR[kind] + (f"; {_WHY[kind]}" if kind in _WHY else "")

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {kind: dict(labels.most_common()) for kind, labels in self.counts.items()}
