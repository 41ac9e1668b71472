"""What the cluster's CPU of indexing goes to: the same documents into variant indexes.

Reads up to ``--docs`` documents of an index ``searchidx index --backend opensearch``
built, then, for each variant, bulk-loads them into a fresh index made with the shipped
settings and mappings changed one way, and prints the CPU seconds the cluster's
processes (every node) used for it, with the index's own counters. Some variants are
not our analysis (they drop a char filter): they are measurements, never an index to
search.

    .venv/bin/python scripts/bench_cluster_variants.py --url http://127.0.0.1:9200 \\
        --from-index dice3k shipped,timed-refresh,no-stop-filter,no-fold,no-replica

Exit status: 0 done, 2 an unknown variant or no such index.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from searchidx.backends.opensearch import schema
from searchidx.backends.opensearch.client import Client, path_id

Body = dict[str, Any]


def _analyzer(body: Body) -> Body:
    return body["settings"]["analysis"]["analyzer"][schema.TEXT_ANALYZER]


def _drop_char_filter(name: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        _analyzer(body)["char_filter"] = [f for f in _analyzer(body)["char_filter"] if f != name]
    return change


def _no_offsets(body: Body) -> None:
    for field in ("content", "title"):
        body["mappings"]["properties"][field].pop("index_options", None)


VARIANTS: dict[str, Callable[[Body], None]] = {
    "shipped": lambda body: None,
    "timed-refresh": lambda body: body["settings"]["index"].update(refresh_interval="1s"),
    "no-replica": lambda body: body["settings"]["index"].update(number_of_replicas=0),
    "segment-replication": lambda body: body["settings"]["index"].update(
        replication={"type": "SEGMENT"}),
    "no-offsets": _no_offsets,
    "no-stop-filter": _drop_char_filter("searchidx_stopwords"),
    "no-fold": _drop_char_filter("searchidx_fold"),
    "no-char-filters": lambda body: _analyzer(body).update(char_filter=[]),
}


def cluster_cpu(client: Client) -> float:
    nodes = client.get("/_nodes/stats/process").body["nodes"].values()
    return sum(node["process"]["cpu"]["total_in_millis"] for node in nodes) / 1000


def load(client: Client, name: str, docs: list[Body], bulk_docs: int) -> str:
    """Bulk ``docs`` into a new index of variant ``name``; one line of figures."""
    body: Body = {"settings": schema.index_settings(1, 1), "mappings": schema.mappings()}
    VARIANTS[name](body)
    index = f"variant-{name}"
    client.delete(f"/{path_id(index)}", ok=(404,))
    client.put(f"/{path_id(index)}", body)
    client.health(index, wait_for="green")
    before, started = cluster_cpu(client), time.perf_counter()
    for start in range(0, len(docs), bulk_docs):
        lines: list[Any] = []
        for doc in docs[start:start + bulk_docs]:
            lines += [{"index": {"_index": index, "_id": schema.document_id(doc["id"])}}, doc]
        answer = client.post("/_bulk", ndjson=lines)
        if answer.body["errors"]:
            raise SystemExit(f"variant {name}: the cluster refused documents")
    client.post(f"/{path_id(index)}/_refresh")
    wall = time.perf_counter() - started
    time.sleep(3)  # merges the load started count too
    cpu = cluster_cpu(client) - before
    total = client.get(f"/{path_id(index)}/_stats/refresh,merge").body["_all"]["total"]
    client.delete(f"/{path_id(index)}")
    return (f"| {name} | {cpu:.1f} | {wall:.1f} | {total['refresh']['total']} | "
            f"{total['merges']['total']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--from-index", required=True, help="an index searchidx built")
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--bulk-docs", type=int, default=100)
    parser.add_argument("variants", help=f"comma-separated, of: {', '.join(VARIANTS)}")
    args = parser.parse_args(argv)
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; use {', '.join(VARIANTS)}")
    client = Client.from_env(args.url, timeout=300)
    answer = client.post(f"/{path_id(args.from_index)}/_search", {
        "size": args.docs, "query": {"match_all": {}}, "sort": ["_doc"]}, ok=(404,))
    if answer.status == 404:
        print(f"bench_cluster_variants: no index '{args.from_index}' at {args.url}",
              file=sys.stderr)
        return 2
    docs = [hit["_source"] for hit in answer.body["hits"]["hits"]]
    print(f"{len(docs):,} documents of {args.from_index}, bulks of {args.bulk_docs}\n")
    print("| variant | cluster CPU s | wall s | refreshes | merges |\n|---|---:|---:|---:|---:|")
    for name in names:
        print(load(client, name, docs, args.bulk_docs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
