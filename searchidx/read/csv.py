"""CSV and TSV exports: a header row, then one article a row.

Columns are mapped to fields as JSON keys are (``reading.fields``, and ``--map``);
the other columns are kept as extra metadata; a tags cell is split at commas and
semicolons. The delimiter is sniffed (``,``, ``;``, tab or ``|``: spreadsheets
set to Italian write ``;``), the encoding found by the decoder chain. A bad row
is named by the physical line where it starts, even after cells that hold line
breaks, and the other rows are read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ..errors import ReadError
from ..models import RawArticle
from .article import TAG_SPLIT, canonical, content_hash, record_article
from .rules import Rules

_SNIFF_CHARS = 64 * 1024
_DELIMITERS = ",;\t|"
# The csv module refuses cells over 128 KiB; an article in one cell is larger.
# A C long on every platform, and no cell can exceed the file's own size limit.
_MAX_CELL = 2**31 - 1


def read_csv(text: str, notes: list[str], path: str, rel_id: str, rules: Rules,
             tabs: bool = False) -> Iterator[RawArticle | ReadError]:
    """Every row of a CSV (or, with ``tabs``, TSV) file's decoded text as an article;
    ``notes`` are the warnings of its decoding, given to every row."""
    csv.field_size_limit(max(csv.field_size_limit(), min(int(rules.max_bytes) + 1, _MAX_CELL)))
    dialect = _dialect(text, tabs)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header: list[str] | None = None
    tag_key: str | None = None
    number = 0  # data rows, as JSONL counts records: ids stay put when a row is fixed
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield ReadError(path, f"not valid CSV ({exc}); the rest of the file is skipped",
                            line=last_line + 1)
            return
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _header(row)
            tag_key = _column_of("tags", header, rules)
            if _column_of("body", header, rules) is None:
                wanted = ", ".join(rules.fields.get("body", ()))
                yield ReadError(path, f"no column is read as the text (looked for: {wanted}); "
                                      "name it with --map text=COLUMN or reading.fields.body",
                                line=start)
            continue
        number += 1
        if len(row) > len(header):
            yield ReadError(path, f"row has {len(row)} cells, the header {len(header)}; "
                                  "skipped (a stray delimiter or quote?)", line=start)
            continue
        row_notes = list(notes)
        if len(row) < len(header):
            row_notes.append(f"line {start}: {len(row)} of {len(header)} cells; "
                             "the missing ones are empty")
        record: dict[str, object] = {name: cell for name, cell in zip(header, row, strict=False)
                                     if cell.strip()}
        if tag_key is not None and tag_key in record:
            record[tag_key] = [t for t in TAG_SPLIT.split(str(record[tag_key]).strip()) if t]
        try:
            yield record_article(record, f"{rel_id}#{number}", path, start, rules,
                                 content_hash(rules, canonical(record)), row_notes)
        except ReadError as err:
            yield err
    if header is None:
        yield ReadError(path, "empty file")
    elif number == 0:
        yield ReadError(path, "a header row and no articles")


def _dialect(text: str, tabs: bool) -> type[csv.Dialect] | csv.Dialect:
    """The file's delimiter and quoting, sniffed from its start (TSV: tabs)."""
    if tabs:
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:  # a cut row confuses the sniffer: end at a line break
        sample = sample[: sample.rfind("\n") + 1] or sample
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        return csv.excel
    sniffed.doublequote = True  # the sniffer guesses this wrong on short samples
    return sniffed


def _column_of(field: str, header: list[str], rules: Rules) -> str | None:
    """The column read as ``field`` (the first of its names in the header), or None."""
    by_lower = {name.lower(): name for name in reversed(header)}
    return next((by_lower[key] for key in rules.fields.get(field, ()) if key in by_lower), None)


def _header(row: list[str]) -> list[str]:
    """Column names: stripped; a blank or repeated one gets its position."""
    names: list[str] = []
    for position, cell in enumerate(row, 1):
        name = cell.strip().lstrip("\ufeff") or f"column_{position}"
        if name in names:
            name = f"{name}_{position}"
        names.append(name)
    return names
