"""The OpenSearch backend's cluster side, against a real local cluster
(see tests/opensearch_cluster.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchidx import extract
from searchidx.analysis import italian_analyzer
from searchidx.config import Config
from searchidx.errors import ConfigError

from .conftest import ROOT, SEEDS, shared_data
from .opensearch_cluster import (  # noqa: F401
    cluster_script,
    cluster_url,
    index_name,
    os_client,
    start_own_cluster,
)


def _ensure(client, name, **options):
    from searchidx.backends.opensearch.schema import ensure_index

    return ensure_index(client, name, **options)


# -- without a cluster ----------------------------------------------------------------------
def test_cold_cli_does_not_load_the_backend():
    code = ("import sys, searchidx.cli; "
            "print(sorted(m for m in sys.modules if 'opensearch' in m or m == 'urllib3'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_urls_are_checked():
    from searchidx.backends.opensearch.client import Client, OpenSearchError

    assert Client("http://127.0.0.1:9200/, https://b:9201").urls == [
        "http://127.0.0.1:9200", "https://b:9201"]
    with pytest.raises(OpenSearchError, match="SEARCHIDX_OPENSEARCH_USER"):
        Client("http://user:secret@127.0.0.1:9200")
    with pytest.raises(OpenSearchError, match="not an http"):
        Client("127.0.0.1:9200")
    with pytest.raises(OpenSearchError, match="both"):
        Client.from_env("http://127.0.0.1:9200", {"SEARCHIDX_OPENSEARCH_USER": "admin"})


def test_a_stem_length_lucene_cannot_mirror_is_refused():
    from searchidx.backends.opensearch.schema import analysis_settings

    config = Config(("mine.yaml", {"italian": {"stem_min_length": 5}}, None))
    with pytest.raises(ConfigError, match="italian.stem_min_length"):
        analysis_settings(config)


def test_the_analysis_fingerprint_is_the_same_in_every_process():
    """Another process (another machine) must find the index built with its analysis."""
    code = ("from searchidx.backends.opensearch.schema import analysis_fingerprint; "
            "print(analysis_fingerprint())")
    prints = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
              for seed in ("1", "2", "3")}
    assert len(prints) == 1


def test_unreachable_cluster_fails_with_one_line():
    from searchidx.backends.opensearch.client import Backoff, Client, ClusterUnavailableError

    client = Client("http://127.0.0.1:9", backoff=Backoff(attempts=2, first=0.01))
    with pytest.raises(ClusterUnavailableError, match="no node answers") as caught:
        client.get("/")
    assert "\n" not in str(caught.value) and client.retries == 1


# -- the cluster ----------------------------------------------------------------------------
def _sample_texts() -> list[str]:
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.iterdir())]
    facta = shared_data("facta/articles.jsonl")
    with facta.open(encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if n % 40 == 0:  # 28 articles spread over the corpus
                record = json.loads(line)
                texts.append(f"{record['title']}\n{record['text']}")
    return texts


def test_cluster_analysis_agrees_with_ours_token_for_token(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.schema import EXACT_ANALYZER, TEXT_ANALYZER

    _ensure(os_client, index_name)
    texts = _sample_texts()
    assert len(texts) > 30
    gaps: list[int] = []
    for analyzer, ours in ((TEXT_ANALYZER, italian_analyzer()),
                           (EXACT_ANALYZER, italian_analyzer(stem=False, stop=False))):
        for text in texts:
            answer = os_client.post(f"/{index_name}/_analyze",
                                    {"analyzer": analyzer, "text": text}).body
            got = [(t["token"], t["start_offset"], t["end_offset"]) for t in answer["tokens"]]
            want = list(ours.spans(text))
            assert [g[0] for g in got] == [w[0] for w in want], (analyzer, text[:60])
            if analyzer == TEXT_ANALYZER:  # stopwords leave no gap, as in ours (phrases)
                gaps.extend(b["position"] - a["position"]
                            for a, b in zip(answer["tokens"], answer["tokens"][1:], strict=False))
            # Lucene's elision keeps the whole word's offsets: "all'Eastern", not "Eastern"
            assert all(start <= w_start and w_end <= end for (_, start, end), (_, w_start, w_end)
                       in zip(got, want, strict=True)), (analyzer, text[:60])
    assert len(gaps) > 4000 and set(gaps) == {1}


def test_template_and_index_are_created_once_and_checked(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.client import OpenSearchError
    from searchidx.backends.opensearch.schema import check_index, template_name

    assert _ensure(os_client, index_name, shards=2, replicas=1) is True
    assert _ensure(os_client, index_name) is False  # a second machine finds it made
    template = os_client.get(f"/_index_template/{template_name(index_name)}").body
    assert template["index_templates"][0]["index_template"]["index_patterns"] == [index_name]
    settings = os_client.get(f"/{index_name}/_settings").body[index_name]["settings"]["index"]
    assert settings["number_of_shards"] == "2"
    assert "searchidx_italian" in settings["analysis"]["analyzer"]
    other = Config(("mine.yaml", {"italian": {"stopwords": ["il", "la"]}}, None))
    with pytest.raises(OpenSearchError, match="another schema or Italian analysis"):
        check_index(os_client, index_name, other)
    os_client.put(f"/{index_name}-plain", {})
    try:
        with pytest.raises(OpenSearchError, match="not made by searchidx"):
            check_index(os_client, f"{index_name}-plain")
    finally:
        os_client.delete(f"/{index_name}-plain")


def _seed_articles():
    return list(extract([SEEDS]))


def test_documents_are_written_and_read_back(os_client, index_name, seeds_index):  # noqa: F811
    from searchidx.backends.opensearch.bulk import BulkIndexer
    from searchidx.backends.opensearch.schema import article_source, source_body

    _ensure(os_client, index_name, replicas=0)
    articles = _seed_articles()
    with BulkIndexer(os_client, index_name, refresh=True) as bulk:
        for article in articles:
            bulk.index(article_source(article))
    assert bulk.report.indexed == 5 and not bulk.report.failures
    for article in articles:
        stored = os_client.get(f"/{index_name}/_doc/{article.id}").body["_source"]
        shown = seeds_index.document(article.id)
        assert source_body(stored) == shown["body"] and stored["title"] == (shown["title"] or "")
        assert stored["data"]["speakers"] == shown["speakers"]
        assert stored["facets"]["people"] == [p.name for p in article.people]
    # what the cluster finds and counts is what the embedded index finds and counts
    hits = os_client.post(f"/{index_name}/_search", {
        "query": {"match": {"content": "munizioni"}}, "size": 10, "_source": False}).body
    found = {hit["_id"] for hit in hits["hits"]["hits"]}
    assert found == {hit.id for hit in seeds_index.search("munizioni").hits}
    aggs = os_client.post(f"/{index_name}/_search", {"size": 0, "aggs": {
        "people": {"terms": {"field": "facets.people", "size": 100}}}}).body["aggregations"]
    counts = {b["key"]: b["doc_count"] for b in aggs["people"]["buckets"]}
    assert counts == dict(seeds_index.facet_counts("people"))
    kirby = os_client.post(f"/{index_name}/_count",
                           {"query": {"term": {"keys.speakers": "kirby"}}}).body["count"]
    assert kirby == seeds_index.search("", speaker=["Kirby"]).total
    with BulkIndexer(os_client, index_name, refresh=True) as bulk:
        bulk.delete(articles[0].id)
        bulk.delete("no-such-article")
    assert bulk.report.deleted == 2
    assert os_client.get(f"/{index_name}/_doc/{articles[0].id}", ok=(404,)).status == 404


def test_a_refused_document_is_reported_and_the_rest_indexed(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.bulk import BulkIndexer
    from searchidx.backends.opensearch.schema import article_source

    _ensure(os_client, index_name, replicas=0)
    good, bad = (article_source(a) for a in _seed_articles()[:2])
    bad["unknown_field"] = 1
    with BulkIndexer(os_client, index_name, refresh=True) as bulk:
        bulk.index(good)
        bulk.index(bad)
    assert bulk.report.indexed == 1
    (failure,) = bulk.report.failures
    assert failure.id == bad["id"] and failure.status == 400
    assert "strict_dynamic_mapping_exception" in failure.reason


def _read_only(client, index, on):
    client.put(f"/{index}/_settings", {"index.blocks.read_only_allow_delete": on or None})


def test_bulk_retries_while_the_index_is_read_only(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.bulk import BulkIndexer
    from searchidx.backends.opensearch.client import Backoff, Client
    from searchidx.backends.opensearch.schema import article_source

    _ensure(os_client, index_name, replicas=0)
    sources = [article_source(a) for a in _seed_articles()]
    _read_only(os_client, index_name, True)  # writes answer 429 until the block is lifted
    lifted = threading.Timer(1.5, _read_only, (os_client, index_name, False))
    client = Client(cluster_url(), backoff=Backoff(attempts=10, first=0.2, most=1.0))
    started = time.monotonic()
    lifted.start()
    try:
        with BulkIndexer(client, index_name, max_docs=2, refresh=True) as bulk:
            for source in sources:
                bulk.index(source)
    finally:
        lifted.join()
    assert time.monotonic() - started >= 1.5
    assert bulk.report.indexed == 5 and bulk.report.retried_items >= 2
    assert os_client.post(f"/{index_name}/_count", {}).body["count"] == 5


def test_bulk_gives_up_after_its_retries(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.bulk import BulkIndexer
    from searchidx.backends.opensearch.client import Backoff, Client, ClusterUnavailableError
    from searchidx.backends.opensearch.schema import article_source

    _ensure(os_client, index_name, replicas=0)
    _read_only(os_client, index_name, True)
    client = Client(cluster_url(), backoff=Backoff(attempts=3, first=0.05))
    bulk = BulkIndexer(client, index_name)
    try:
        with pytest.raises(ClusterUnavailableError, match="still refused .* after 3 tries"), bulk:
            bulk.index(article_source(_seed_articles()[0]))
        assert bulk.report.retried_items == 2
    finally:
        _read_only(os_client, index_name, False)


def test_a_node_that_is_down_is_skipped(os_client):  # noqa: F811
    from searchidx.backends.opensearch.client import Client

    client = Client(["http://127.0.0.1:9", *os_client.urls])
    assert client.get("/").body["version"]["distribution"] == "opensearch"
    assert client.url == os_client.urls[0]  # and later requests go straight there


# -- the manifest ---------------------------------------------------------------------------
def test_manifest_round_trip(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.manifest import ClusterManifest

    manifest = ClusterManifest(os_client, index_name, replicas=0)
    manifest.add_roots(["/archive/a", "/archive/b"])
    manifest.add_roots(["/archive/a"])  # again: recorded once
    manifest.apply({"/archive/a/1.jsonl": ("s1", 10), "/archive/a/x/2.txt": ("s2", 20),
                    "/archive/b/3.txt": ("s3", 30)},
                   {"one": ("/archive/a/1.jsonl", "h1"), "two": ("/archive/a/1.jsonl", "h2"),
                    "three": ("/archive/a/x/2.txt", "h3"), "four": ("/archive/b/3.txt", "h4")})
    again = ClusterManifest(os_client, index_name)  # another process, or another machine
    assert again.roots() == ["/archive/a", "/archive/b"]
    assert again.file_sha1("/archive/a/1.jsonl") == "s1"
    assert again.file_sha1("/archive/none") is None
    assert again.docs_of("/archive/a/1.jsonl") == {"one": "h1", "two": "h2"}
    assert again.owners(["one", "three", "nobody"]) == {"one": "/archive/a/1.jsonl",
                                                        "three": "/archive/a/x/2.txt"}
    assert sorted(again.files_under("/archive/a")) == ["/archive/a/1.jsonl",
                                                       "/archive/a/x/2.txt"]
    # a changed file loses an article, a deleted file goes, an id moves to another file
    again.apply({"/archive/a/1.jsonl": ("s1b", 11), "/archive/a/x/2.txt": None},
                {"two": None, "three": None, "four": ("/archive/a/1.jsonl", "h4b")})
    third = ClusterManifest(os_client, index_name)
    third.prefetch(["/archive/a/1.jsonl", "/archive/a/x/2.txt", "/archive/b/3.txt"])
    assert third.docs_of("/archive/a/1.jsonl") == {"one": "h1", "four": "h4b"}
    assert third.file_sha1("/archive/a/x/2.txt") is None
    assert third.docs_of("/archive/b/3.txt") == {}
    assert third.owner("four") == "/archive/a/1.jsonl" and third.owner("three") is None
    assert third.files_under("/archive/a") == ["/archive/a/1.jsonl"]
    assert third.meta("updated") is not None and third.meta("nothing") is None


def test_manifest_refuses_a_lost_update(os_client, index_name):  # noqa: F811
    from searchidx.backends.opensearch.manifest import ClusterManifest, ManifestConflictError

    first = ClusterManifest(os_client, index_name, replicas=0)
    first.apply({"/a/1.txt": ("s1", 1)}, {"one": ("/a/1.txt", "h1")})
    mine, theirs = ClusterManifest(os_client, index_name), ClusterManifest(os_client, index_name)
    assert mine.file_sha1("/a/1.txt") == theirs.file_sha1("/a/1.txt") == "s1"
    theirs.apply({"/a/1.txt": ("s2", 2)}, {"one": ("/a/1.txt", "h2")})
    with pytest.raises(ManifestConflictError, match="/a/1.txt changed .* run the index again"):
        mine.apply({"/a/1.txt": ("s3", 3)}, {"one": ("/a/1.txt", "h3")})
    assert mine.file_sha1("/a/1.txt") == "s2"  # read afresh: the other indexer's entry stands
    # two indexers creating the same new file's entry: one wins, one is told
    mine2, theirs2 = ClusterManifest(os_client, index_name), ClusterManifest(os_client, index_name)
    assert mine2.file_sha1("/a/new.txt") is theirs2.file_sha1("/a/new.txt") is None
    theirs2.apply({"/a/new.txt": ("n1", 1)}, {})
    with pytest.raises(ManifestConflictError):
        mine2.apply({"/a/new.txt": ("n2", 1)}, {})


def test_machines_on_separate_folders_write_one_manifest_at_once(os_client,  # noqa: F811
                                                                 index_name):  # noqa: F811
    from searchidx.backends.opensearch.manifest import ClusterManifest

    ClusterManifest(os_client, index_name, replicas=0)
    errors: list[BaseException] = []

    def machine(folder: str) -> None:
        try:
            manifest = ClusterManifest(os_client, index_name)
            manifest.add_roots([folder])
            for batch in range(5):
                files = {f"{folder}/{batch}-{n}.txt": (f"sha-{batch}-{n}", n) for n in range(20)}
                manifest.apply(files, {f"{folder}-{batch}-{n}": (path, "h")
                                       for n, path in enumerate(files)})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=machine, args=(f"/m{k}",)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    reader = ClusterManifest(os_client, index_name)
    assert reader.roots() == ["/m0", "/m1"]
    assert len(reader.files_under("/m0")) == len(reader.files_under("/m1")) == 100
    assert reader.owner("/m1-4-19") == "/m1/4-19.txt"


# -- the launcher ---------------------------------------------------------------------------
def test_cluster_script_refuses_bad_options():
    script = ROOT / "scripts" / "opensearch-cluster.sh"
    for args, message in ((["start", "--nodes", "zero"], "--nodes: 'zero'"),
                          (["start", "--bogus"], "unknown option '--bogus'"),
                          (["restart"], "unknown command 'restart'")):
        done = subprocess.run(["bash", str(script), *args], capture_output=True, text=True)
        assert done.returncode == 2 and message in done.stderr, done.stderr


def _processes_of(folder) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if entry.name.isdigit() and str(folder).encode() in command:
            found.append(int(entry.name))
    return found


def test_a_cluster_of_its_own_survives_a_node_and_stops_whole(tmp_path):
    """The launcher for real: 2 nodes, one stopped while the index answers, then
    brought back with its data; stop leaves no process."""
    from searchidx.backends.opensearch.bulk import BulkIndexer
    from searchidx.backends.opensearch.client import Client
    from searchidx.backends.opensearch.schema import article_source, ensure_index

    cluster_url()  # runs where the backend tests run (CI, or a developer who opted in)
    folder = tmp_path / "cluster"
    try:
        started, urls = start_own_cluster(folder)
        assert started.stdout.strip() == urls[0] and len(urls) == 2
        client = Client(urls)
        ensure_index(client, "survivor", shards=2, replicas=1)
        with BulkIndexer(client, "survivor", refresh=True) as bulk:
            for article in _seed_articles():
                bulk.index(article_source(article))
        client.health("survivor", wait_for="green")
        manager = client.get("/_cat/cluster_manager", params={"format": "json"}).body[0]["node"]
        other = "node-2" if manager == "node-1" else "node-1"
        assert cluster_script("stop", "--dir", str(folder), "--node", other).returncode == 0
        assert f"{other} stopped" in cluster_script("status", "--dir", str(folder)).stdout
        for _ in range(3):  # the replicas answer, whichever node the client tries first
            assert client.post("/survivor/_count", {}).body["count"] == 5
        again = cluster_script("start", "--dir", str(folder))
        assert again.returncode == 0, again.stderr
        assert client.health("survivor", wait_for="green")["number_of_nodes"] == 2
        assert client.post("/survivor/_count", {}).body["count"] == 5
    finally:
        stopped = cluster_script("stop", "--dir", str(folder))
    assert stopped.returncode == 0, stopped.stderr
    assert _processes_of(folder) == []
