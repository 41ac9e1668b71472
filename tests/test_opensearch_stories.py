"""Stories on the cluster against Whoosh, on real corpora: the same articles grouped
into the same stories, named the same, run after run (copies added, versions changed
and removed), and the same collapsed searches and per-story facets. The behaviour of
each command on both backends is tests/test_stories.py's."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from searchidx import Index

from .conftest import SEEDS, shared_data
from .opensearch_cluster import cluster_url, index_name  # noqa: F401  (a fixture)
from .story_copies import copy_of, write

QUERIES = ["", "vaccino", "governo", "Salvini", "foto", "Putin", "munizioni", "covid",
           "video OR immagini", '"green pass"', "vaccin*"]
FACETS = ["people", "publisher", "year", "month"]


def groups(ix: Index) -> dict[str, list[str]]:
    """Story -> its members in index order, for the stories of two or more articles."""
    manifest = ix.backend().manifest()
    try:
        stories = set(manifest.story_groups().values())
        return {story: manifest.story_members(story) for story in sorted(stories)}
    finally:
        manifest.close()


def collapsed(ix: Index, query: str) -> tuple[int, int, dict[str, list[str]]]:
    """(articles, stories, story -> every matching version) of a collapsed search,
    every story on one page (which story comes first is ranking, and differs)."""
    result = ix.search(query, collapse=True, limit=2000, snippets=False)
    return result.total, result.stories, {h.story: sorted([h.id, *h.versions])
                                          for h in result.hits}


def assert_same_stories(whoosh: Index, cluster: Index) -> None:
    assert groups(cluster) == groups(whoosh)
    for query in QUERIES:
        assert collapsed(cluster, query) == collapsed(whoosh, query), query
        per_story = [ix.search(query, facets=FACETS, facet_by="story", limit=0).facets
                     for ix in (whoosh, cluster)]
        assert per_story[1] == per_story[0], query


@pytest.fixture(scope="module")
def corpus():
    """300 Facta articles, and 40 edited copies of sampled ones."""
    facta = shared_data("facta/articles.jsonl")
    cluster_url()
    records = [json.loads(line) for line in facta.read_text("utf-8").splitlines()[:300]]
    rng = random.Random(23)
    return records, [copy_of(r, rng) for r in rng.sample(records, 40)]


def test_stories_are_the_same_on_both_run_after_run(corpus, tmp_path, config, cluster_index):
    records, copies = corpus
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "facta.jsonl", records)
    whoosh = Index(tmp_path / "whoosh", config)
    assert whoosh.update([folder, SEEDS]).failed == 0
    cluster = cluster_index([folder, SEEDS], config)
    assert_same_stories(whoosh, cluster)

    # the copies come in a second, incremental run: each joins its original's story
    write(folder / "copies.jsonl", copies)
    for ix in (whoosh, cluster):
        report = ix.update([folder, SEEDS])
        assert report.added == len(copies) and report.failed == 0
    joined = groups(whoosh)
    assert sum(1 for c in copies if any(c["id"] in m for m in joined.values())) >= 30
    assert_same_stories(whoosh, cluster)

    # originals removed (their stories go on under the copy's id), copies rewritten as
    # other articles (they leave), others changed slightly (they stay)
    gone = {c["id"].removesuffix("-bis") for c in copies[:8]}
    write(folder / "facta.jsonl", [r for r in records if r["id"] not in gone])
    others = [r["text"] for r in records[-10:]]
    changed = [{**c, "text": others[i]} if i < 5 else {**c, "text": c["text"] + " Fine."}
               for i, c in enumerate(copies[10:20])]
    write(folder / "copies.jsonl", copies[:10] + changed + copies[20:])
    for ix in (whoosh, cluster):
        report = ix.update([folder, SEEDS])
        assert report.removed == len(gone) and report.updated == len(changed)
    after = groups(whoosh)
    for c in copies[:8]:  # a removed first version: the copy now names its story
        if c["id"] in {m for members in joined.values() for m in members}:
            assert c["id"] not in after or after[c["id"]][0] == c["id"]
    assert_same_stories(whoosh, cluster)
    counts = [ix.backend().manifest().story_counts() for ix in (whoosh, cluster)]
    assert counts[1] == counts[0] and counts[0][0] >= 20


def test_story_and_similar_agree_on_both(corpus, tmp_path, config, cluster_index):
    records, copies = corpus
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "facta.jsonl", records)
    write(folder / "copies.jsonl", copies[:10])
    whoosh = Index(tmp_path / "whoosh", config)
    assert whoosh.update([folder]).failed == 0
    cluster = cluster_index([folder], config)
    for copy in copies[:10]:
        story = whoosh.story(copy["id"])
        assert cluster.story(copy["id"]) == story
        members = {v["id"] for v in story["versions"]}
        similar = cluster.similar(copy["id"], limit=5)
        assert similar and not members & {like["id"] for like in similar}
        assert similar[0]["terms"]  # why: the key terms it shares


def test_a_whoosh_index_copied_into_the_cluster_is_what_an_index_run_makes(
        corpus, tmp_path, config, index_name):  # noqa: F811
    """scripts/fill_opensearch.py (the 100,000-article figures): the same articles, stories
    and facets as the Whoosh index it copies, and a manifest an index run finds complete."""
    records, copies = corpus
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "facta.jsonl", records)
    write(folder / "copies.jsonl", copies)
    whoosh = Index(tmp_path / "whoosh", config)
    assert whoosh.update([folder, SEEDS]).failed == 0
    script = Path(__file__).resolve().parent.parent / "scripts" / "fill_opensearch.py"
    subprocess.run([sys.executable, str(script), "--whoosh", str(tmp_path / "whoosh"),
                    "--url", cluster_url(), "--index", index_name],
                   check=True, capture_output=True)
    cluster = Index(index_name, config, backend="opensearch", url=cluster_url())
    assert cluster.stats()["documents"] == whoosh.stats()["documents"]
    assert_same_stories(whoosh, cluster)
    report = cluster.update([folder, SEEDS])
    assert (report.added, report.updated, report.removed) == (0, 0, 0)
    assert report.unchanged == len(records) + len(copies) + 5
