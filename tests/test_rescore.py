"""Passage rescoring: the question's words in one sentence beat a bag of words."""

import json

import pytest

from searchidx import Index, load_config
from searchidx.analysis import italian_analyzer
from searchidx.errors import ConfigError
from searchidx.rescore import Candidate, passage_features, query_terms, rescore

FESTIVALS = [
    # BM25's favourite: "festival" and "tiene" again and again, never Wianki
    {"id": "newcastle", "title": "Newcastle",
     "text": "Il Beer Festival si tiene in aprile. L'Evolution Festival, un festival musicale, "
             "si tiene a maggio. Il festival di arte si tiene a marzo. Un festival di cibo "
             "si tiene a giugno."},
    # the answer: all the question's words in one sentence
    {"id": "varsavia", "title": "Varsavia",
     "text": "La città ha molti teatri e musei. Ogni anno, nella Notte di mezza estate, si "
             "tiene il festival chiamato Wianki sulle rive della Vistola."},
    {"id": "cracovia", "title": "Cracovia",
     "text": "Il festival del cinema si tiene in autunno. Le corone di fiori sono una "
             "tradizione polacca antica."},
    # Wianki is a word of the corpus, not a rare one
    *({"id": f"wianki{i}", "title": f"Corone {i}",
       "text": f"Le corone Wianki sono fatte di fiori. Wianki, parte {i}."} for i in range(4)),
]
QUESTION = "Quando si tiene il festival Wianki?"


def build(tmp_path, records, overrides=""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    config_file = tmp_path / "searchidx.yaml"
    config_file.write_text(overrides or "{}\n", encoding="utf-8")
    ix = Index(tmp_path / "index", load_config(config_file))
    assert ix.update([corpus]).failed == 0
    return ix


def test_the_sentence_holding_every_word_ranks_first(tmp_path):
    ix = build(tmp_path, FESTIVALS)
    result = ix.search(QUESTION, any=True)
    assert [h.id for h in result.hits][:2] == ["varsavia", "newcastle"]


def test_without_rescoring_bm25_prefers_the_repeated_words(tmp_path):
    ix = build(tmp_path, FESTIVALS, "index:\n  rescore_depth: 0\n")
    assert ix.search(QUESTION, any=True).hits[0].id == "newcastle"


def test_short_and_operator_queries_keep_bm25_order_and_scores(tmp_path):
    plain = build(tmp_path / "a", FESTIVALS)
    off = build(tmp_path / "b", FESTIVALS, "index:\n  rescore_depth: 0\n")
    for query in ("festival tiene", '"festival Wianki" tiene', "festival OR Wianki OR tiene"):
        assert ([(h.id, h.score) for h in plain.search(query, any=True).hits]
                == [(h.id, h.score) for h in off.search(query, any=True).hits])


def test_numeric_question_prefers_the_sentence_with_a_date(tmp_path):
    records = [
        {"id": "senza", "title": "Crisi", "text": "La crisi petrolifera colpì l'Europa e "
                                                  "la crisi petrolifera cambiò l'economia."},
        {"id": "con", "title": "Crisi", "text": "La crisi petrolifera iniziò nell'ottobre 1973. "
                                                "Poi ci furono altri eventi."},
    ]
    analyzer = italian_analyzer()
    candidates = [Candidate(i, 1.0, r["title"], r["text"]) for i, r in enumerate(records)]

    def order(question):
        terms = query_terms(question, analyzer, lambda stem: 1, 10, ["quando", "in che anno"])
        return [records[k]["id"] for k, _ in rescore(candidates, terms, analyzer,
                                                     {"numeric_answer": 1.0})]

    assert order("Quando iniziò la crisi petrolifera?") == ["con", "senza"]
    # a question that asks for no number gets no bonus from the digit: a tie, BM25 order kept
    assert order("Perché iniziò la crisi petrolifera?") == ["senza", "con"]


def test_verb_forms_meet_through_snowball_stems_in_rescoring():
    analyzer = italian_analyzer()  # the index's light stemmer keeps them apart
    assert analyzer.stem_word("iniziata") != analyzer.stem_word("iniziò".replace("ò", "o"))
    terms = query_terms("crisi iniziata ottobre", analyzer, lambda stem: 1, 10, [])
    candidates = [Candidate(0, 1.0, "", "La crisi. Poi ottobre. Iniziata altrove."),
                  Candidate(1, 1.0, "", "La crisi iniziò in ottobre.")]
    assert [k for k, _ in rescore(candidates, terms, analyzer, {"sentence": 1.0})] == [1, 0]


def test_derived_words_meet_by_their_prefix_in_rescoring():
    analyzer = italian_analyzer()
    terms = query_terms("fondazione università Bologna", analyzer, lambda stem: 1, 10, [])
    candidates = [Candidate(0, 1.0, "", "La fondazione. Poi Bologna. L'università altrove."),
                  Candidate(1, 1.0, "", "Fondato a Bologna l'ateneo universitario.")]

    def order(feature):
        return [k for k, _ in rescore(candidates, terms, analyzer, {feature: 1.0})]

    assert order("sentence") == [0, 1]  # Snowball keeps fondato/fondazione apart: a tie
    assert order("sentence_prefix") == [1, 0]


def test_pages_agree_and_hits_past_the_depth_keep_bm25_order_without_score(tmp_path):
    records = [{"id": f"a{i:02d}", "title": f"Articolo {i}",
                "text": f"Il festival {'si tiene ' * (i % 4)}a Wianki. " * (1 + i % 3)
                        + "Altre notizie del giorno."} for i in range(12)]
    ix = build(tmp_path, records, "index:\n  rescore_depth: 5\n")
    pages = [ix.search(QUESTION, any=True, limit=4, page=p).hits for p in (1, 2, 3)]
    ids = [h.id for page in pages for h in page]
    assert len(ids) == len(set(ids)) == 12
    everything = ix.search(QUESTION, any=True, limit=12).hits
    assert ids == [h.id for h in everything]
    assert all(h.score is not None for h in everything[:5])
    assert all(h.score is None for h in everything[5:])


def test_a_misspelt_rescore_feature_is_an_error_naming_it(tmp_path):
    ix = build(tmp_path, FESTIVALS, "index:\n  rescore_weights: {sentense: 1.0}\n")
    with pytest.raises(ConfigError, match=r"rescore_weights.*'sentense'.*did you mean 'sentence'"):
        ix.search(QUESTION, any=True)


def test_a_weight_that_is_not_a_number_is_an_error_with_the_line(tmp_path):
    config_file = tmp_path / "searchidx.yaml"
    config_file.write_text("index:\n  rescore_weights: {sentence: alto}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"searchidx.yaml:2.*rescore_weights.sentence"):
        load_config(config_file)["index"]


def test_adjacent_query_words_score_when_near_each_other():
    analyzer = italian_analyzer()
    terms = query_terms("Quando iniziò la crisi petrolifera?", analyzer, lambda stem: 1, 10,
                        [], pair_window=3)
    far = "La crisi colpì duramente molti paesi e infine l'industria petrolifera."
    candidates = [Candidate(0, 1.0, "", far),
                  Candidate(1, 1.0, "", "La crisi del settore petrolifero colpì molti paesi."),
                  Candidate(2, 1.0, "La crisi petrolifera", "Molti paesi ne soffrirono.")]
    features = [passage_features(c, terms, analyzer)["near_pairs"] for c in candidates]
    # two pairs of equal weight: iniziò-crisi is nowhere; crisi-petrolifera is seven words
    # apart in the first, within three in the second ("crisi settore petrolifero",
    # stopwords aside, met by prefix) and in the third's title
    assert features == [0.0, 0.5, 0.5]
    assert [k for k, _ in rescore(candidates, terms, analyzer, {"near_pairs": 1.0})][-1] == 0
    # a window of eight words reaches the far pair too
    wide = query_terms("Quando iniziò la crisi petrolifera?", analyzer, lambda stem: 1, 10,
                       [], pair_window=8)
    assert passage_features(candidates[0], wide, analyzer)["near_pairs"] == 0.5
