"""Copy a complete Whoosh index into an OpenSearch index, without extracting anything.

A real ``searchidx index`` of 100,000 articles extracts every one of them (about 11.5 ms
of CPU each, hours on a shared machine) and regroups stories commit by commit. To compare
the two backends on the same documents, this reads the articles a Whoosh index stores
(``scripts/fill_index.py`` completed /tmp/bench100k/ix-020 that way) and writes each as
the cluster document an index run sends for it, with this release's own document code
(:func:`searchidx.backends.opensearch.schema.article_source`), and with the story the
Whoosh index grouped it into (its ``story_docs`` rows: story, order, signature): the same
articles, fields, facets and stories on both, each article written once. The manifest's
files and articles are copied too, so that ``stats`` and incremental runs see them.

    .venv/bin/python scripts/fill_opensearch.py --whoosh /tmp/bench100k/ix-020 \\
        --url http://127.0.0.1:9200 --index bench100k

The Whoosh index is only read (its manifest opened read-only). Not measured here:
extraction, and the cluster's own story grouping.

Exit status: 0 done, 1 some articles refused by the cluster, 2 no Whoosh index there.
"""

from __future__ import annotations

import argparse
import base64
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import stored_as_article  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.backends.opensearch.bulk import BulkIndexer  # noqa: E402
from searchidx.backends.opensearch.client import Client, path_id  # noqa: E402
from searchidx.backends.opensearch.manifest import ClusterManifest  # noqa: E402
from searchidx.backends.opensearch.schema import (  # noqa: E402
    article_source,
    ensure_index,
    stop_keys,
)
from searchidx.backends.opensearch.stories import (  # noqa: E402
    THRESHOLD_KEY,
    VERSION_KEY,
    new_version,
)
from searchidx.config import load_config, story_settings  # noqa: E402
from searchidx.stories import band_keys  # noqa: E402

MANIFEST_BATCH = 10_000  # articles per manifest write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whoosh", type=Path, required=True, help="the Whoosh index folder")
    parser.add_argument("--url", required=True, help="the OpenSearch cluster")
    parser.add_argument("--index", required=True, help="the OpenSearch index (made anew)")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args(argv)
    sqlite_path = args.whoosh / "manifest.sqlite3"
    if not sqlite_path.is_file():
        print(f"fill_opensearch: {sqlite_path} not found: give a Whoosh index folder "
              "with --whoosh", file=sys.stderr)
        return 2
    started = time.perf_counter()
    config = load_config(search_cwd=False)
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    stories = {doc_id: (seq, story, sig) for seq, doc_id, story, sig in
               db.execute("SELECT seq, id, story, sig FROM story_docs")}
    sizes = Counter(story for _, story, _ in stories.values())
    docs = {doc_id: (path, digest) for doc_id, path, digest in
            db.execute("SELECT id, path, hash FROM docs")}
    files = {path: (sha1, size) for path, sha1, size in
             db.execute("SELECT path, sha1, size FROM files")}
    roots = [path for (path,) in db.execute("SELECT path FROM roots")]
    db.close()

    client = Client.from_env(args.url, timeout=300)
    for name in (args.index, f"{args.index}-searchidx-manifest"):
        client.delete(f"/{path_id(name)}", ok=(404,))
    client.delete(f"/_index_template/searchidx-{path_id(args.index)}", ok=(404,))
    ensure_index(client, args.index, shards=args.shards, replicas=args.replicas,
                 config=config)
    stop = stop_keys(config)
    written = 0
    with BulkIndexer(client, args.index, max_docs=200) as bulk:
        for doc in Index(args.whoosh, config).iter_documents():
            source = article_source(stored_as_article(doc, doc["id"]), stop)
            row = stories.get(doc["id"])
            if row is not None:
                seq, story, sig = row
                source.update(story=story, story_size=sizes[story], story_seq=seq,
                              story_sig=base64.b64encode(sig).decode("ascii"),
                              story_bands=[str(k) for k in band_keys(sig)])
            bulk.index(source)
            written += 1
            if written % 10_000 == 0:
                print(f"{written:,} articles sent, {time.perf_counter() - started:.0f} s",
                      flush=True)
    report = bulk.report
    client.post(f"/{path_id(args.index)}/_refresh")
    sent = time.perf_counter() - started
    manifest = ClusterManifest(client, args.index, replicas=args.replicas)
    ids = sorted(docs)
    manifest.apply(files, {})
    for start in range(0, len(ids), MANIFEST_BATCH):
        manifest.apply({}, {i: docs[i] for i in ids[start:start + MANIFEST_BATCH]})
    manifest.add_roots(roots)
    manifest.set_meta(THRESHOLD_KEY, repr(story_settings(config).threshold))
    manifest.set_meta(VERSION_KEY, new_version())
    manifest.close()
    client.close()
    shared = sum(size for size in sizes.values() if size > 1)
    print(f"{report.indexed:,} articles written ({len(report.failures)} refused, "
          f"{report.retried_items} retried) in {sent:.0f} s, manifest in "
          f"{time.perf_counter() - started - sent:.0f} s -> {args.index}; "
          f"{sum(1 for s in sizes.values() if s > 1):,} shared stories of {shared:,} articles")
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
