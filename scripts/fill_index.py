"""Complete an index of a ``scripts/make_corpus.py`` corpus without extracting the rest.

Extraction is the cost of indexing (about 11.5 ms of CPU per article): on a shared
machine a real run of 100,000 articles takes hours. This takes an index that
``searchidx index CORPUS`` built in part (stopped with Ctrl-C: what was committed stays)
and writes the corpus's articles it does not hold yet straight into Whoosh and the
manifest, with this release's own document code: each with its own text, title, date
and publisher from the corpus, its story signature from that text (stories are grouped
as an ``index`` run groups them), and the extracted fields (people, quotes, places …)
of the distinct article it was made from (``dice-57`` for ``dice-57~3``), which must be
in the index already. So every search, facet, people directory, timeline and story
figure reads a real index of all the corpus; the copied articles' people are their
source's, not what extraction would find in their mixed text.

    .venv/bin/python scripts/fill_index.py --corpus /tmp/bench100k/corpus \\
        --index /tmp/bench100k/ix-020

The index is for measuring: a later ``searchidx index`` of the corpus extracts the
copied articles again.

Exit status: 0 done, 2 a source article missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import stored_as_article  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.analysis import name_key  # noqa: E402
from searchidx.backends.whoosh.schema import document_fields  # noqa: E402
from searchidx.backends.whoosh.storage import patch_whoosh  # noqa: E402
from searchidx.config import story_settings  # noqa: E402
from searchidx.dates import parse_user_date  # noqa: E402
from searchidx.stories import signature  # noqa: E402

BATCH = 10_000  # articles per manifest commit (stories regrouped per batch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    ix = Index(args.index)
    stored = {doc["id"]: doc for doc in ix.iter_documents()}
    print(f"{len(stored):,} articles in {args.index} (extracted by 'searchidx index')")
    settings = story_settings(ix.config)
    stop = frozenset(name_key(s) for s in ix.config["italian"]["stopwords"])
    patch_whoosh()
    backend = ix.backend()
    writer = backend.folder.whoosh().writer(limitmb=256)
    manifest = backend.manifest()
    docs: dict[str, tuple[str, str] | None] = {}
    signatures: dict[str, bytes | None] = {}
    added = 0
    for part in sorted(args.corpus.glob("*.jsonl")):
        with part.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record["id"] in stored:
                    continue
                source = stored.get(record["id"].split("~", 1)[0])
                if source is None:
                    print(f"fill_index: {record['id']}'s source is not in {args.index}: "
                          "index the corpus's distinct articles first", file=sys.stderr)
                    return 2
                article = dataclasses.replace(
                    stored_as_article(source, record["id"]), path=str(part),
                    body=record["text"], title=record.get("title"),
                    date=parse_user_date(record["date"], "date"),
                    publisher=record.get("publisher"))
                writer.add_document(**document_fields(article, stop))
                docs[record["id"]] = (str(part), "")
                signatures[record["id"]] = signature(record["text"], settings.min_words)
                added += 1
                if len(docs) >= BATCH:
                    manifest.apply({}, docs, signatures, settings.threshold)
                    docs, signatures = {}, {}
    manifest.apply({}, docs, signatures, settings.threshold)
    manifest.close()
    writer.commit()
    ix.close()
    print(f"{added:,} articles written without extraction in "
          f"{time.perf_counter() - started:.0f} s -> {args.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
