"""The quick reader of the segment files (backends/whoosh/quick.py, segments.py) answers
what it covers exactly as the Whoosh backend does: the same hits, scores to the last
bit, totals, snippets and printed output, on the seeds' index and on an index of
Facta and DICE articles in several segments with deleted and updated articles; and
it is used only while the folder's digest names the newest generation."""

import json
import marshal
import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.backends.base import NotCovered, SearchPlan
from searchidx.backends.whoosh.folder import DIGEST
from searchidx.cli import main
from searchidx.query import parse
from searchidx.render import render_search
from searchidx.search import SearchRequest, run_search

from .conftest import shared_data

# page options each query is also asked with
VARIANTS = ({}, {"page": 2, "limit": 3}, {"any": True}, {"limit": 0}, {"no_snippets": True})
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@pytest.fixture(scope="module")
def seeds_copy(seeds_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("quick") / "seeds"
    shutil.copytree(seeds_index.path, folder)
    return folder


@pytest.fixture(scope="module")
def news_index(tmp_path_factory, config):
    """200 Facta and 150 DICE articles, indexed in three runs (three segments); the
    third changes every seventh Facta article and drops every eleventh, so the first
    segment holds deleted documents."""
    facta = shared_data("facta/articles.jsonl").read_text("utf-8").splitlines()[:200]
    dice = shared_data("dice/articles.jsonl").read_text("utf-8").splitlines()[:150]
    root = tmp_path_factory.mktemp("news")
    (root / "facta").mkdir()
    (root / "dice").mkdir()
    (root / "facta" / "articles.jsonl").write_text("\n".join(facta) + "\n", "utf-8")
    (root / "dice" / "articles.jsonl").write_text("\n".join(dice) + "\n", "utf-8")
    ix = Index(root / "index", config)
    ix.update([root / "facta"])
    ix.update([root / "dice"])
    changed = []
    for k, line in enumerate(facta):
        if k % 11 == 5:
            continue
        if k % 7 == 3:
            record = json.loads(line)
            record["text"] += " Aggiornamento: le munizioni e i droni."
            line = json.dumps(record, ensure_ascii=False)
        changed.append(line)
    (root / "facta" / "articles.jsonl").write_text("\n".join(changed) + "\n", "utf-8")
    report = ix.update([root / "facta"])
    assert report.updated and report.removed
    segments = sorted(root.glob("index/*.seg"))
    assert len(segments) == 3, segments
    return root / "index"


def queries_of(ix: Index, count: int) -> list[str]:
    """Words and pairs of words from the index's own articles (accented, elided,
    stopwords among them), ORs, and words it does not hold; the same every run."""
    texts = [f"{a.get('title') or ''}\n{a['body']}" for a in ix.iter_documents()]
    words = sorted({w for text in texts for w in _WORD.findall(text)})
    rng = random.Random(26)
    queries = rng.sample(words, min(count, len(words)))
    queries += [w for w in words if re.search("[àèéìòùÈ]", w)][:count // 5]
    queries += [w for w in words if re.search("['’]", w)][:count // 5]
    for _ in range(count // 2):
        text = rng.choice(texts).split()
        at = rng.randrange(len(text) - 1)
        queries.append(" ".join(text[at:at + 2]))
    queries += [f"{rng.choice(words)} OR {rng.choice(words)}" for _ in range(count // 5)]
    queries += ["il", "di e", "munizioni", "Munizioni?", "munizioni munizioni", "zzqxv",
                "munizioni zzqxv", "droni OR zzqxv", "dell’esercito", "perché", "l'"]
    return queries


def answers(folder: Path, config, queries: list[str]) -> tuple[int, list]:
    """How many searches the quick reader answered, and those it answered otherwise
    than the Whoosh backend (rendered as text and JSON, with the notices)."""
    whoosh = Index(folder, config)
    whoosh.backend().searcher()  # an open searcher: every search is Whoosh's
    assert whoosh.backend().quick_reader() is None
    quick = Index(folder, config).backend().quick_reader()
    assert quick is not None
    answered, wrong = 0, []
    for text in queries:
        for variant in VARIANTS:
            options = {k: v for k, v in variant.items() if k != "no_snippets"}
            options["snippets"] = "no_snippets" not in variant
            try:
                with quick.reading():
                    got = run_search(quick, config, SearchRequest(query=text, **options))
            except NotCovered:
                continue
            answered += 1
            want = whoosh.search(text, **options)
            for fmt in ("text", "json"):
                if (render_search(got, fmt, color=False) != render_search(want, fmt, color=False)
                        or got.notice != want.notice):
                    wrong.append((text, variant, fmt))
    return answered, wrong


def test_the_seeds_are_answered_as_whoosh_answers(seeds_copy, config):
    seeds = Index(seeds_copy, config)
    answered, wrong = answers(seeds_copy, config, queries_of(seeds, 150))
    assert not wrong
    assert answered > 1000  # most of them: words, pairs and ORs


def test_news_in_three_segments_are_answered_as_whoosh_answers(news_index, config):
    answered, wrong = answers(news_index, config, queries_of(Index(news_index, config), 200))
    assert not wrong
    assert answered > 1200


@pytest.mark.parametrize("which", ["seeds", "news"])
def test_every_hit_and_its_score_to_the_last_bit(which, request, config):
    folder = request.getfixturevalue("seeds_copy" if which == "seeds" else "news_index")
    whoosh = Index(folder, config).backend()
    quick = Index(folder, config).backend().quick_reader()
    compared = 0
    for text in queries_of(Index(folder, config), 150):
        for any_words in (False, True):
            root = parse(text, any_words=any_words).root
            try:
                with quick.reading():
                    found = quick.search(SearchPlan(query=quick.compile(root), limit=100_000))
                    got = [(hit.key, hit.score, hit.doc_id()) for hit in found.hits]
            except NotCovered:
                continue
            want = whoosh.search(SearchPlan(query=whoosh.compile(root), limit=100_000))
            assert (found.total, got) == (want.total, [(hit.key, hit.score, hit.doc_id())
                                                       for hit in want.hits]), text
            compared += 1
    assert compared > 300


@pytest.mark.parametrize("text", ['"munizioni alla Russia"', "title:munizioni", "muniz*",
                                  "munizioni NOT droni", "nord-coreano", "il", "zzqxv",
                                  "Corea munizioni Russia"])
def test_what_it_does_not_cover_whoosh_answers(seeds_copy, config, text):
    quick = Index(seeds_copy, config).backend().quick_reader()
    with pytest.raises(NotCovered), quick.reading():
        run_search(quick, config, SearchRequest(query=text))


def test_a_question_of_any_words_is_whooshs(seeds_copy, config):
    quick = Index(seeds_copy, config).backend().quick_reader()
    with pytest.raises(NotCovered), quick.reading():  # rescored by its passages
        run_search(quick, config, SearchRequest(query="Corea munizioni Russia", any=True))


@pytest.mark.parametrize("options", [{"speaker": ["Kirby"]}, {"facets": ["speakers"]},
                                     {"sort": "-date"}, {"collapse": True},
                                     {"date_from": "2023"}])
def test_filters_facets_sorts_and_stories_are_whooshs(seeds_copy, config, options):
    quick = Index(seeds_copy, config).backend().quick_reader()
    with pytest.raises(NotCovered), quick.reading():
        run_search(quick, config, SearchRequest(query="munizioni", **options))


def test_the_command_line_prints_the_same(seeds_copy, tmp_path, config):
    folder = tmp_path / "index"
    shutil.copytree(seeds_copy, folder)
    digest = folder / DIGEST
    for text in queries_of(Index(folder, config), 20):
        for fmt in ("text", "json"):
            line = ["query", text, "--index", str(folder), "--format", fmt]
            digest.unlink(missing_ok=True)  # Whoosh answers, and keeps the digest again
            whoosh = CliRunner().invoke(main, line)
            assert digest.is_file()
            quick = CliRunner().invoke(main, line)
            assert (quick.output, quick.exit_code) == (whoosh.output, whoosh.exit_code), text


def test_a_digest_is_used_only_for_its_generation(tmp_path, config):
    folder = tmp_path / "index"
    source = tmp_path / "news"
    source.mkdir()
    (source / "a.txt").write_text("Le munizioni\n\nArrivano le munizioni e i droni.", "utf-8")
    ix = Index(folder, config)
    ix.update([source])
    assert (folder / DIGEST).is_file()  # kept at the end of the run
    assert Index(folder, config).backend().quick_reader() is not None
    kept = (folder / DIGEST).read_bytes()
    (source / "b.txt").write_text("Altre munizioni\n\nNuove munizioni.", "utf-8")
    Index(folder, config).update([source])
    assert (folder / DIGEST).read_bytes() != kept  # the new generation's
    (folder / DIGEST).write_bytes(kept)  # a stale digest is not used
    assert Index(folder, config).backend().quick_reader() is None
    assert Index(folder, config).search("munizioni").total == 2
    assert Index(folder, config).backend().quick_reader() is not None  # Whoosh kept it anew
    (folder / DIGEST).write_bytes(b"{damaged")
    assert Index(folder, config).backend().quick_reader() is None
    assert Index(folder, config).search("munizioni").total == 2


def test_unreadable_segments_leave_the_search_to_whoosh(tmp_path, seeds_copy, config):
    folder = tmp_path / "index"
    shutil.copytree(seeds_copy, folder)
    kept = marshal.loads((folder / DIGEST).read_bytes())
    kept["segments"][0]["name"] = "MAIN_missing"  # a digest naming no file
    (folder / DIGEST).write_bytes(marshal.dumps(kept))
    ix = Index(folder, config)
    assert ix.backend().quick_reader() is not None
    assert ix.search("munizioni").total == 3  # answered by Whoosh
