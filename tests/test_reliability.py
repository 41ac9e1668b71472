"""Crash safety and concurrency, with real subprocesses.

A writer is SIGKILLed at random moments; after each kill the index must open,
answer, and hold only whole, unique documents; a resumed run must end with
exactly the source set. Bounded in count and time so the suite stays fast.
"""

import json
import marshal
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from searchidx import Index
from searchidx.backends.whoosh.folder import DIGEST
from searchidx.config import load_config
from searchidx.errors import IndexCorruptError

from .conftest import SEEDS

KILLS = 6
ARTICLES = 300


def make_corpus(folder, with_seeds=True):
    """300 JSONL articles (seed text with distinct ids), and the five .txt seeds unless
    ``with_seeds`` is false; the ids the index must end with."""
    folder.mkdir()
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    with open(folder / "bulk.jsonl", "w", encoding="utf-8") as out:
        for n in range(ARTICLES):
            record = {"id": f"bulk-{n:04d}", "title": f"Articolo {n}",
                      "date": f"2023-{n % 12 + 1:02d}-01", "text": texts[n % len(texts)]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    bulk = {f"bulk-{n:04d}" for n in range(ARTICLES)}
    if not with_seeds:
        return bulk
    for seed in SEEDS.glob("*.txt"):
        (folder / seed.name).write_text(seed.read_text("utf-8"), encoding="utf-8")
    return bulk | {p.stem for p in SEEDS.glob("*.txt")}


def cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "searchidx.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def stored_ids(index_dir, config):
    with Index(index_dir, config) as ix:
        ids = [doc["id"] for doc in ix.iter_documents()]
        docs = ix.stats()["documents"]
        assert all(doc["body"] for doc in ix.iter_documents())
    return ids, docs


@pytest.fixture()
def small_batches(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text("index:\n  commit_every: 25\n", encoding="utf-8")
    return path


def test_sigkill_at_random_moments_never_loses_or_duplicates(tmp_path, small_batches):
    expected = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    config = load_config(small_batches)
    rng = random.Random(20231123)
    deadline = time.monotonic() + 60
    survived = 0
    for _ in range(KILLS):
        if time.monotonic() > deadline:
            break
        proc = cli("index", str(tmp_path / "corpus"), "--index", str(index_dir),
                   "--config", str(small_batches), "--quiet")
        # a random moment of the run's work: counted from when its index is there, since
        # a loaded machine can take longer than any fixed wait just to start the process
        started = time.monotonic()
        while (not (index_dir / "manifest.sqlite3").exists() and proc.poll() is None
               and time.monotonic() - started < 120):
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 2.2))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        if not (index_dir / "manifest.sqlite3").exists():
            continue
        ids, docs = stored_ids(index_dir, config)
        assert len(ids) == len(set(ids)) == docs, "duplicate or partial documents after a kill"
        assert set(ids) <= expected
        survived += 1
    assert survived >= 1
    done = cli("index", str(tmp_path / "corpus"), "--index", str(index_dir),
               "--config", str(small_batches), "--quiet")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    ids, docs = stored_ids(index_dir, config)
    assert sorted(ids) == sorted(expected) and docs == len(expected)


def test_second_writer_is_told_who_holds_the_lock(tmp_path, small_batches):
    make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    first = cli("index", str(tmp_path / "corpus"), "--index", str(index_dir),
                "--config", str(small_batches), "--quiet")
    lock = index_dir / "searchidx.lock"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    second = cli("index", str(SEEDS), "--index", str(index_dir))
    _, err = second.communicate(timeout=60)
    assert second.returncode == 2
    assert f"pid {first.pid}" in err and "--wait" in err
    waiting = cli("index", str(tmp_path / "corpus"), "--index", str(index_dir), "--wait", "300",
                  "--config", str(small_batches), "--quiet")
    first.communicate(timeout=300)
    _, err = waiting.communicate(timeout=300)
    assert first.returncode == 0 and waiting.returncode == 0, err


def test_queries_during_a_write_see_a_consistent_snapshot(tmp_path, small_batches):
    expected = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "ix"
    config = load_config(small_batches)
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "prima.txt").write_text("Notizia precedente\nUn testo già indicizzato.\n")
    Index(index_dir, config).update([earlier])
    writer = cli("index", str(tmp_path / "corpus"), "--index", str(index_dir),
                 "--config", str(small_batches), "--quiet")
    seen = []
    while writer.poll() is None:
        with Index(index_dir, config) as ix:
            seen.append(ix.search("", limit=0).total)
        time.sleep(0.05)
    assert writer.returncode == 0
    final = len(expected) + 1
    # each commit adds exactly commit_every (25) articles: anything else is a torn state
    assert all(total == final or (total - 1) % 25 == 0 for total in seen), seen
    assert seen == sorted(seen)
    with Index(index_dir, config) as ix:
        assert ix.search("", limit=0).total == len(expected) + 1


def test_a_generation_replaced_while_opening_is_a_race_not_damage(tmp_path, monkeypatch):
    """A commit deletes the table of contents a reader has just listed: open the next one."""
    from whoosh.index import TOC

    index_dir = tmp_path / "ix"
    config = load_config(search_cwd=False)
    Index(index_dir, config).update([SEEDS])
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "altro.txt").write_text("Altro articolo\nSulle munizioni.\n", "utf-8")
    Index(index_dir, config).update([tmp_path / "more"])
    (current,) = [int(toc.stem.rsplit("_", 1)[1]) for toc in index_dir.glob("_MAIN_*.toc")]
    deleted = current - 1
    assert not (index_dir / f"_MAIN_{deleted}.toc").exists()
    listings = []
    latest = TOC._latest_generation.__func__

    def listed_just_before_the_commit(cls, storage, indexname):
        listings.append(indexname)
        return deleted if len(listings) == 1 else latest(cls, storage, indexname)

    monkeypatch.setattr(TOC, "_latest_generation", classmethod(listed_just_before_the_commit))
    (index_dir / DIGEST).unlink()  # Whoosh opens the index, not the segments' quick reader
    with Index(index_dir, config) as ix:
        assert ix.search("munizioni").total == 4
    # a generation that stays missing is damage after all, reported once the retries run out
    monkeypatch.setattr(TOC, "_latest_generation", classmethod(lambda cls, *_: deleted))
    monkeypatch.setattr("searchidx.backends.whoosh.folder._OPEN_RETRY_PAUSE_S", 0)
    (index_dir / DIGEST).unlink()  # kept again by the search above
    with pytest.raises(IndexCorruptError, match=f"_MAIN_{deleted}.toc.*--rebuild"):
        Index(index_dir, config).search("munizioni")


def test_lock_left_by_a_killed_writer_is_cleared_with_a_note(tmp_path):
    index_dir = tmp_path / "ix"
    index_dir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index_dir / "searchidx.lock").write_text(f"pid {dead.pid} (searchidx index)\n")
    report = Index(index_dir, load_config(search_cwd=False)).update([SEEDS])
    assert report.added == 5
    assert any(f"process {dead.pid}" in w for w in report.warnings)


def test_damaged_index_gives_one_clear_error(tmp_path):
    index_dir = tmp_path / "ix"
    config = load_config(search_cwd=False)
    Index(index_dir, config).update([SEEDS])
    for segment in index_dir.glob("*.seg"):
        with open(segment, "r+b") as handle:
            handle.truncate(max(0, os.path.getsize(segment) // 3))
    with pytest.raises(IndexCorruptError, match="--rebuild"), Index(index_dir, config) as ix:
        ix.search("munizioni")
        ix.stats()
    report = Index(index_dir, config).update([], rebuild=True)
    assert report.added == 5
    assert Index(index_dir, config).search("munizioni").total == 3


def test_index_of_another_format_version_asks_for_a_rebuild(tmp_path):
    import sqlite3

    index_dir = tmp_path / "ix"
    config = load_config(search_cwd=False)
    Index(index_dir, config).update([SEEDS])
    with sqlite3.connect(index_dir / "manifest.sqlite3") as db:
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    digest = index_dir / DIGEST  # the digest names the format too: that version's own
    digest.write_bytes(marshal.dumps({**marshal.loads(digest.read_bytes()), "schema": 1}))
    with pytest.raises(IndexCorruptError, match="another version of searchidx.*--rebuild"):
        Index(index_dir, config).search("munizioni")
    digest.unlink()  # an older version kept none
    with pytest.raises(IndexCorruptError, match="another version of searchidx.*--rebuild"):
        Index(index_dir, config).search("munizioni")
    assert Index(index_dir, config).update([], rebuild=True).added == 5


def test_an_index_written_before_the_schema_moved_still_opens(tmp_path, monkeypatch):
    """Whoosh pickles the schema's field classes into the index by module path: an index
    written when they lived in searchidx.index names them there."""
    from searchidx.backends.whoosh import schema

    index_dir = tmp_path / "ix"
    config = load_config(search_cwd=False)
    with monkeypatch.context() as patched:
        for cls in (schema.ItalianText, schema.NameKeys):
            patched.setattr(cls, "__module__", "searchidx.index")
        Index(index_dir, config).update([SEEDS])
    toc = next(index_dir.glob("_MAIN_*.toc")).read_bytes()
    assert b"searchidx.index\nItalianText" in toc and b"searchidx.index\nNameKeys" in toc
    with Index(index_dir, config) as ix:
        assert ix.search("munizioni").total == 3
        assert ix.search("", speaker=["Kirby"]).total == 3


def test_documents_whoosh_committed_but_the_manifest_missed_are_replaced_not_doubled(tmp_path):
    """A crash between the Whoosh commit and the manifest's: the next run must not
    take the orphans' ids for new ones (new ids are added without a lookup)."""
    corpus = tmp_path / "a.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i}", "text": f"munizioni lotto {i}"}) + "\n"
                              for i in range(3)), encoding="utf-8")
    ix = Index(tmp_path / "index", load_config(search_cwd=False))
    ix.update([corpus])
    # what a crash leaves: Whoosh holds d3, the manifest has never heard of it
    writer = ix.backend().folder.whoosh().writer()
    writer.add_document(id="d3", body="munizioni orfane", dated="0")
    writer.commit()
    with corpus.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "d3", "text": "munizioni lotto 3"}) + "\n")
    assert ix.update([corpus]).added == 1
    ids = sorted(d["id"] for d in ix.iter_documents())
    assert ids == ["d0", "d1", "d2", "d3"]
    # in step again: a further new article is simply added
    with corpus.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"id": "d4", "text": "munizioni lotto 4"}) + "\n")
    ix.update([corpus])
    assert ix.search("munizioni").total == 5
