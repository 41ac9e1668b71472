"""Smoke tests of the evaluation and benchmark scripts' pure parts (scripts/*.py)."""

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import bench  # noqa: E402
import eval_retrieval  # noqa: E402
import eval_stories  # noqa: E402
import fit_rescore  # noqa: E402
import peers  # noqa: E402

from .conftest import shared_data  # noqa: E402

DATA = eval_retrieval.DEFAULT_DATA
DOCS = [
    {"id": "a", "title": "Munizioni", "text": "La Russia chiede munizioni alla Corea del Nord.",
     "publisher": "ANSA", "date": "2023-09-12"},
    {"id": "b", "title": "", "text": "Furto di gasolio nel cantiere della tangenziale.",
     "publisher": "Gazzetta", "date": "2015-03-10"},
    {"id": "c", "title": "Droni", "text": "Droni e missili: la cooperazione militare cresce.",
     "publisher": "ANSA", "date": "2024-01-05"},
]


def test_scores_from_ranks():
    s = eval_retrieval.score([1, 2, None, 10, 11])
    assert s.questions == 5
    assert s.mrr == pytest.approx((1 + 0.5 + 0.1) / 5)
    assert s.r1 == pytest.approx(0.2)
    assert s.r10 == pytest.approx(0.6)
    assert eval_retrieval.score([]).mrr == 0.0
    assert eval_retrieval.rank_of("b", ["a", "b"]) == 2
    assert eval_retrieval.rank_of("z", ["a", "b"]) is None


@pytest.mark.parametrize("options", [{"split": True},
                                     {"snowball": True, "unstemmed": 0.5, "pairs": 0.1}])
def test_prototype_ranks_the_answer_first(options):
    docs = [(d["id"], d["title"], d["text"]) for d in DOCS]
    questions = [{"question": "Chi chiede munizioni alla Corea?", "paragraph": "a"},
                 {"question": "Dove è stato rubato il gasolio?", "paragraph": "b"}]
    scores, size_mb = eval_retrieval.prototype(docs, questions, **options)
    assert (scores.mrr, scores.r1) == (1.0, 1.0)
    assert size_mb > 0


def test_rescore_fit_learns_the_feature_that_finds_the_answer():
    from searchidx.rescore import FEATURES

    def row(bm25, title):
        values = dict.fromkeys(FEATURES, 0.0) | {"bm25": bm25, "title": title}
        return tuple(values[name] for name in FEATURES)

    # BM25 puts the answer second; only the title feature lifts it to the top
    questions = [fit_rescore.Question(fold, [row(1.0, 0.0), row(0.9, 1.0)], 1)
                 for fold in (0, 0, 1, 1)]
    bm25_only = [1.0 if name == "bm25" else 0.0 for name in FEATURES]
    assert fit_rescore.mrr(questions, bm25_only) == 0.5
    for fold in (0, 1):
        weights = fit_rescore.ascend(questions, fold)
        assert weights[FEATURES.index("title")] > 0.1
        assert fit_rescore.mrr(questions, weights, 1 - fold) == 1.0


def test_missing_data_is_a_clear_error_for_the_fit(tmp_path):
    assert fit_rescore.main(["--data", str(tmp_path)]) == 2


def test_batch_lines_and_config_warnings():
    assert eval_retrieval.one_line(" Chi è\nstato? ") == "Chi è stato?"
    stderr = "searchidx: warning: x.yaml:1: unknown key 'proximity' ignored; did you mean 'p'?"
    assert eval_retrieval.unknown_keys(stderr) == ["proximity"]


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(eval_retrieval.EvalError, match="--data"):
        eval_retrieval.load_data(tmp_path, None)
    with pytest.raises(bench.BenchError, match="--data"):
        bench.write_corpus(tmp_path, None, tmp_path / "corpus")


def test_scaled_corpus_has_distinct_ids_and_fixed_dates():
    records = [{"id": "x", "text": "uno"}, {"id": "y", "text": "due"}]
    docs = list(bench.scaled(records, 5))
    assert [d["id"] for d in docs] == ["x", "y", "x~1", "y~1", "x~2"]
    assert all("2011-01-01" <= d["date"] <= "2021-12-31" for d in docs)
    assert bench.synthetic_date("x") == bench.synthetic_date("x")


def test_corpus_is_written_in_shards(tmp_path, monkeypatch):
    (tmp_path / "dice").mkdir()
    (tmp_path / "dice" / "articles.jsonl").write_text(
        '{"id": "d1", "publisher": "P", "text": "uno"}\n{"id": "d2", "text": "due è"}\n',
        encoding="utf-8")
    monkeypatch.setattr(bench, "SHARD", 2)
    written = bench.write_corpus(tmp_path, 5, tmp_path / "corpus")
    assert written == (5, 2, 3 + 6 + 3 + 6 + 3)  # "è" is two bytes
    assert len(list((tmp_path / "corpus").glob("*.jsonl"))) == 3
    docs = bench.read_corpus(tmp_path / "corpus")
    assert [d["id"] for d in docs] == ["d1", "d2", "d1~1", "d2~1", "d1~2"]


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 0.5) == 50.0
    assert bench.percentile(values, 0.95) == 95.0
    assert bench.percentile([3.0], 0.95) == 3.0


def test_whole_set_times_cover_people_and_timelines(seeds_index, config):
    times = bench.time_whole_sets(seeds_index.path, config, repeat=2)
    assert set(times) == set(bench.WHOLE_SETS)
    assert all(first >= 0 and p50 >= 0 for first, p50 in times.values())
    lines = bench.whole_set_lines(times, 5)
    assert lines[0].startswith("- people directory: first call") and "within 1 s" in lines[-1]


def test_queries_come_from_the_corpus():
    nouns = ["furto", "rapina", "incendio", "truffa", "arresto", "sequestro", "scippo",
             "omicidio", "lesioni", "minacce", "evasione", "spaccio"]
    places = ["cantiere", "stazione", "tangenziale", "piazza", "ospedale", "stadio", "parco",
              "scuola", "negozio", "banca", "mercato", "porto"]
    texts = [f"Il {nouns[i % 12]} {places[(i // 5) % 12]}, Modena" for i in range(60)]
    queries = bench.make_queries(texts, 3, frozenset({"il"}))
    kinds = [q.kind for q in queries]
    assert {k: kinds.count(k) for k in bench.KINDS} == dict.fromkeys(bench.KINDS, 3)
    for q in queries:
        assert any(all(w in t.lower() for w in q.words) for t in texts)
        if q.kind == "phrase":
            assert any(" ".join(q.words) in t.lower() for t in texts)
    text, options = bench.BenchQuery("dates", ("furto",), 2015).searchidx_args("ANSA")
    assert (text, options["date_from"], options["date_to"]) == ("furto", "2015-01-01",
                                                                 "2015-12-31")


def test_peer_helpers():
    assert peers.query_words("Chi è l'autore di OR AND?") == ["chi", "è", "l", "autore", "di",
                                                              "or", "and"]
    assert peers.day_number("2015-03-10") == 20150310
    assert peers.day_number(None) == 0
    assert peers.content(DOCS[0]).startswith("Munizioni\n")
    assert peers.content(DOCS[1]) == DOCS[1]["text"]


@pytest.mark.parametrize("name", ["fts5", "whoosh", "tantivy"])
def test_peer_answers_every_request_kind(name, tmp_path):
    cls = peers.PEERS[name]
    if not cls.available():
        pytest.skip(peers.MISSING)
    peer = cls(tmp_path / name)
    peer.build(DOCS)
    assert peer.search("Chi chiede munizioni?", 10)[0] == "a"
    both = peer.run(peers.Request(("cooperazione", "militare"), "phrase"), 10, snippets=True)
    assert both.ids == ["c"] and both.total == 1 and "<" in both.snippets[0]
    assert peer.run(peers.Request(("droni", "gasolio"), "all")).ids == []
    filtered = peer.run(peers.Request(("munizioni", "droni"), "any", publisher="ANSA",
                                      date_from="2024-01-01", date_to="2024-12-31"))
    assert filtered.ids == ["c"]
    counted = peer.run(peers.Request(("munizioni", "droni", "gasolio"), "any",
                                     facets=("publisher", "year")))
    assert counted.total == 3
    assert counted.facets["publisher"] == {"ANSA": 2, "Gazzetta": 1}
    assert counted.facets["year"] == {"2023": 1, "2015": 1, "2024": 1}
    peer.close()


def test_bm25s_peer_ranks(tmp_path):
    if not peers.BM25sPeer.available():
        pytest.skip(peers.MISSING)
    peer = peers.BM25sPeer(tmp_path)
    peer.build(DOCS)
    assert peer.search("munizioni alla Corea", 2)[0] == "a"
    assert peer.search("parolachenonce", 2) == []


@pytest.mark.skipif(not (DATA / "squad-it" / "paragraphs.jsonl").is_file(),
                    reason="shared data absent")
def test_squad_it_loads():
    docs, questions = eval_retrieval.load_data(DATA, 5)
    assert len(docs) == 2010 and len(questions) == 5
    ids = {d["id"] for d in docs}
    assert all(q["paragraph"] in ids for q in questions)


def test_rescore_fit_runs_on_a_slice_of_squad_it(capsys):
    shared_data("squad-it/questions-dev.jsonl")
    assert fit_rescore.main(["--limit-questions", "40"]) == 0
    out = capsys.readouterr().out
    assert "rescored questions" in out and "\nrescore_weights:\n  bm25: 1.0\n" in out


def test_story_copies_are_edited_and_components_link_them():
    import random

    from searchidx.stories import signature

    text = " ".join(f"Frase numero {i} sul fatto di cronaca accaduto ieri in centro a Modena."
                    for i in range(12))
    original = {"id": "x", "publisher": "P", "text": "MODENA. " + text}
    donor = {"id": "d", "text": "Un altro testo. Con due frasi. E una terza."}
    rng = random.Random(1)
    copy, what = eval_stories.edited_copy(original, donor, ["parola", "altra"], rng)
    assert copy["id"] == "copy-x" and copy["title"].startswith("Aggiornamento")
    assert not copy["text"].startswith("MODENA.") and copy["text"] != original["text"]
    assert 0.05 <= what["rewritten"] <= 0.35 and what["passage"] in ("added", "cut")
    other = "Tutt'altra storia di sport e di calcio giocato nello stadio cittadino. " * 5
    sigs = {"x": signature(original["text"], 20), "copy-x": signature(copy["text"], 20),
            "d": signature(other, 20)}
    comp = eval_stories.components(["x", "copy-x", "d"], sigs, 0.1)
    assert comp == {"x": "x", "copy-x": "x", "d": "d"}
