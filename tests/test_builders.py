"""Indexing in worker processes: each writes segments of its own (searchidx/prepare.py)."""

import json
import multiprocessing
import os

import pytest
from whoosh import index as windex

from searchidx import Index
from searchidx.backends.whoosh import prepare as prepare_module
from searchidx.config import load_config
from searchidx.errors import SearchidxError

from .test_reliability import make_corpus

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the patched extraction reaches workers by fork only")
QUERIES = ["munizioni", "Kim Jong Un", '"cooperazione militare"', "Putin OR Kirby", "Odessa", ""]


def _config(tmp_path, workers, **more):
    # segment counts compared across runs: no commit by time on a slow machine
    more.setdefault("commit_seconds", 3600)
    lines = [f"  workers: {workers}"] + [f"  {k}: {v}" for k, v in more.items()]
    path = tmp_path / f"workers{workers}.yaml"
    path.write_text("index:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path, search_cwd=False)


def _contents(index_dir, config):
    """Every stored document, and what the queries find: all a user can see."""
    with Index(index_dir, config) as ix:
        documents = sorted(ix.iter_documents(), key=lambda d: d["id"])
        found = {}
        for q in QUERIES:
            result = ix.search(q, limit=400, facets=["people", "places", "year"])
            found[q] = (result.total, sorted(h.id for h in result.hits), result.facets)
    return documents, found


def _segments(index_dir):
    return windex.open_dir(str(index_dir))._segments()


def _rewrite_bulk(corpus, change, drop, add):
    """Rewrite bulk.jsonl: ``change`` records get new text, ``drop`` leave, ``add`` arrive."""
    path = corpus / "bulk.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    kept = [r for r in records if r["id"] not in drop]
    for record in kept:
        if record["id"] in change:
            record["text"] += " Nuove munizioni al porto di Odessa, ha detto Kirby."
    kept += [{"id": f"nuovo-{n}", "title": f"Nuovo {n}", "text": "Droni sul Mar Nero."}
             for n in range(add)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), "utf-8")


def test_worker_segments_hold_what_one_process_writes(tmp_path):
    corpus = tmp_path / "corpus"
    expected = make_corpus(corpus)
    one, two = _config(tmp_path, 1), _config(tmp_path, 2)
    report = Index(tmp_path / "one", one).update([corpus])
    assert report.added == len(expected) and not report.errors
    assert len(_segments(tmp_path / "one")) == 1
    report = Index(tmp_path / "two", two).update([corpus])
    assert report.added == len(expected) and not report.errors
    assert len(_segments(tmp_path / "two")) == 2  # one per worker
    assert _contents(tmp_path / "two", two) == _contents(tmp_path / "one", one)

    # changes in worker processes (over 200, so the pool starts): the replaced and
    # removed versions are deleted
    change = {f"bulk-{n:04d}" for n in range(300) if n % 3}
    drop = {f"bulk-{n:04d}" for n in range(5, 300, 11)}
    _rewrite_bulk(corpus, change, drop, add=30)
    counts = (30, len(change - drop), len(drop))
    report = Index(tmp_path / "two", two).update([corpus])
    assert (report.added, report.updated, report.removed) == counts, report.summary()
    assert len(_segments(tmp_path / "two")) > 2  # the workers' new segments
    report = Index(tmp_path / "one", one).update([corpus])
    assert (report.added, report.updated, report.removed) == counts, report.summary()
    documents, found = _contents(tmp_path / "two", two)
    assert len({d["id"] for d in documents}) == len(documents) == len(expected) + 30 - len(drop)
    assert (documents, found) == _contents(tmp_path / "one", one)
    assert found["Odessa"][0] == len(change - drop)  # the changed texts, searchable


def test_segments_of_a_full_commit_are_not_merged_as_small(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    config = _config(tmp_path, 2, commit_every=100, merge_small_segments=2)
    report = Index(tmp_path / "ix", config).update([corpus])
    # 305 articles, committed by 100: only the last segment, of 5, is at most
    # 100 / (2 workers × 2) articles; one small segment is not merged
    assert report.merged_segments == 0
    sizes = sorted(s.doc_count_all() for s in _segments(tmp_path / "ix"))
    assert sum(sizes) == 305 and len(sizes) >= 4 and sizes[0] == 5 and sizes[1] > 25


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=needs_fork)])
def test_an_article_whose_extraction_fails_is_skipped_and_read_again(
        tmp_path, monkeypatch, workers):
    corpus = tmp_path / "corpus"
    expected = make_corpus(corpus)
    config = _config(tmp_path, workers)
    real = prepare_module.extract_one

    def broken(raw, cfg):
        if raw.id == "bulk-0250":
            raise ValueError("an extraction bug")
        return real(raw, cfg)

    monkeypatch.setattr(prepare_module, "extract_one", broken)
    report = Index(tmp_path / "ix", config).update([corpus])
    assert report.added == len(expected) - 1 and report.failed == 1
    message = str(report.errors[0])
    assert message.endswith("bulk.jsonl:251: article 'bulk-0250' could not be indexed "
                            "(ValueError: an extraction bug); skipped, and the file is "
                            "read again next run")
    with Index(tmp_path / "ix", config) as ix:
        assert ix.document("bulk-0250") is None and ix.document("bulk-0249") is not None

    monkeypatch.setattr(prepare_module, "extract_one", real)
    report = Index(tmp_path / "ix", config).update([corpus])
    assert (report.added, report.unchanged, report.failed) == (1, len(expected) - 1, 0)
    with Index(tmp_path / "ix", config) as ix:
        assert ix.document("bulk-0250")["title"] == "Articolo 250"
        assert ix.stats()["documents"] == len(expected)


@needs_fork
def test_a_worker_that_dies_is_a_clear_error_and_the_index_keeps_its_commit(
        tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    make_corpus(corpus)
    config = _config(tmp_path, 2)
    Index(tmp_path / "ix", config).update([corpus / "001_830db2598d0653a2.txt"])
    real = prepare_module.extract_one

    def dying(raw, cfg):
        if raw.id == "bulk-0250":
            os._exit(3)
        return real(raw, cfg)

    monkeypatch.setattr(prepare_module, "extract_one", dying)
    with pytest.raises(SearchidxError, match=r"an indexing worker stopped \(exit code 3\); "
                                             r"articles since the last commit"):
        Index(tmp_path / "ix", config).update([corpus])
    monkeypatch.setattr(prepare_module, "extract_one", real)
    with Index(tmp_path / "ix", config) as ix:
        assert ix.stats()["documents"] == 1  # the last commit, whole
    report = Index(tmp_path / "ix", config).update([corpus])  # the lock was released
    assert report.added == 304 and report.unchanged == 1
