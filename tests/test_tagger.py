"""The person tagger: its word tables, regions, model loading and training helpers.

The shipped model is tested through extract_article on names of kinds it used
to cut ("Di Maio", "Antonio G.", "de Blasio"); the tables and scripts on small
made-up inputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from searchidx.config import load_config
from searchidx.extraction import extract_article
from searchidx.extraction.kind import Sentence
from searchidx.extraction.resources import resources_for
from searchidx.extraction.tagger import (
    TAGS,
    Lexicon,
    Model,
    load_model,
    read_clusters,
    region_examples,
    regions,
    tag,
    train,
    usage_table,
    use_model,
)
from searchidx.extraction.text import tokenize
from searchidx.models import RawArticle

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import build_clusters  # noqa: E402
import train_tagger  # noqa: E402


@pytest.fixture(scope="module")
def cfg():
    return load_config(search_cwd=False)


def mentions(cfg, body: str) -> list[str]:
    article = extract_article(RawArticle(id="t", path="t", body=body), cfg)
    return sorted(m.text for p in article.people for m in p.mentions)


# --- the shipped model through extract_article ----------------------------------------------

@pytest.mark.parametrize(("body", "names"), [
    ("Successivamente Di Maio ha incontrato Salvini a Roma.", ["Di Maio", "Salvini"]),
    ("Il sessantenne Antonio G. – il 13 gennaio – ha denunciato il furto.", ["Antonio G."]),
    ("Al termine del match Floyd Mayweather Jr. è rimasto imbattuto.",
     ["Floyd Mayweather Jr."]),
    ("I sondaggi davano de Blasio al 65% dei voti.", ["de Blasio"]),
    ("Tra gli arrestati anche il boss Giuseppe \"Pepé\" Flachi e suo figlio.",
     ['Giuseppe "Pepé" Flachi']),
])
def test_whole_names_are_kept(cfg, body, names):
    assert mentions(cfg, body) == names


def test_a_capitalised_preposition_alone_is_not_a_name(cfg):
    assert mentions(cfg, "Di questo Mario Rossi non sapeva nulla.") == ["Mario Rossi"]


def test_use_model_swaps_the_model_extraction_tags_with(cfg):
    body = "Ieri Marco Bianchi ha parlato a lungo."
    assert mentions(cfg, body) == ["Marco Bianchi"]
    use_model(Model())  # no weights: it tags nothing
    try:
        assert mentions(cfg, body) == []
    finally:
        use_model(None)
    assert mentions(cfg, body) == ["Marco Bianchi"]


def test_tagging_scores_as_the_training_features_do(cfg):
    """tag() scores a word's own and a region's shared features once, then adds them;
    the best paths must be those of scoring every token's whole feature list."""
    lex = resources_for(cfg).lexicon
    model = load_model()
    tokens = tokenize("Il ministro Roberto Speranza e il sindaco di Milano Giuseppe Sala "
                      "hanno incontrato i vertici della Banca d'Italia a Roma.")
    found = [(a, b, label) for a, b, label, _ in tag(tokens, lex, model, thresholds={})]
    expected = []
    spans = regions(tokens, lex, model.openers)
    examples = region_examples(tokens, ["O"] * len(tokens), lex, model.openers)
    for (a, _), (feats, _) in zip(spans, examples, strict=True):
        path, _ = model.viterbi([model.emissions(f) for f in feats])
        k = 0
        while k < len(path):
            name = TAGS[path[k]]
            e = k + 1
            while name != "O" and e < len(path) and TAGS[path[e]] == "I-" + name[2:]:
                e += 1
            if name != "O":
                expected.append((a + k, a + e, name[2:]))
            k = e
    assert found == expected
    assert (2, 4, "PER") in found  # Roberto Speranza


def test_model_round_trips_its_openers_and_thresholds():
    model = train([([["w=rossi", "b"]], [TAGS.index("B-PER")])] * 3, epochs=2)
    model.openers = frozenset({"de", "bin"})
    model.thresholds = {"PER": 12.5}
    again = Model.from_json(model.to_json())
    assert again.openers == model.openers and again.thresholds == model.thresholds
    assert again.weights.keys() == model.weights.keys()


# --- regions ---------------------------------------------------------------------------------

def test_an_opening_particle_opens_a_region_only_before_a_capital():
    lex = Lexicon(particles=frozenset({"de", "di"}))
    tokens = tokenize("Lo ha detto de Blasio a Roma di notte, de facto.")
    texts = [[t.text for t in tokens[a:b]] for a, b in regions(tokens, lex, frozenset({"de"}))]
    assert texts == [["Lo"], ["de", "Blasio"], ["Roma"]]
    plain = [[t.text for t in tokens[a:b]] for a, b in regions(tokens, lex)]
    assert ["Blasio"] in plain and ["de", "Blasio"] not in plain


def test_a_quoted_nickname_stays_inside_a_name_region():
    lex = Lexicon()
    tokens = tokenize('Il boss Giuseppe "Pepé" Flachi e il "Corriere" di ieri.')
    texts = [" ".join(t.text for t in tokens[a:b]) for a, b in regions(tokens, lex)]
    assert texts == ["Il", 'Giuseppe " Pepé " Flachi', "Corriere"]


# --- word tables -----------------------------------------------------------------------------

def test_clusters_are_read_coarse_to_fine_and_looked_up_as_written():
    table = read_clusters({"words": [["Rossi", "Bianchi"], ["roma"], ["Roma"]],
                           "middle": [0, 1, 1], "coarse": [5, 7]})
    assert table["Bianchi"] == ("5", "0", "0")
    assert table["Roma"] == ("7", "1", "2")
    lex = Lexicon(clusters=table)
    assert lex.cluster("Roma") == ("7", "1", "2")
    assert lex.cluster("ROMA") == ("7", "1", "1")  # its lowercase form
    assert lex.cluster("Zzyzx") == ("none", "none", "none")


def test_usage_table_tells_surnames_from_places():
    sentences = [s.split() for s in (
        "ieri Mario Rossi ha parlato", "poi Luca Rossi è partito", "il sindaco Rossi ha detto",
        "siamo andati a Roma ieri", "vive in Roma da anni", "lui vive a Roma", "Roma vince",
        "una volta Zeta")]
    table = usage_table(sentences, frozenset({"mario", "luca"}), frozenset({"sindaco"}))
    # cues: first name, role, a/in, article, capital after
    assert table["Rossi"] == "hm000"  # 2 of 3 after a first name, 1 of 3 after a role
    assert table["Roma"] == "00h00"  # "Roma vince" opens its sentence: not counted
    assert "Zeta" not in table and "Mario" not in table  # seen once: below min_count


def test_cluster_builder_groups_words_that_share_company():
    pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    people = ["Rossi", "Bianchi", "Verdi", "Neri"]
    places = ["Roma", "Milano", "Torino", "Napoli"]
    sents = []
    for k in range(40):
        p, q = people[k % 4], places[(k * 3) % 4]
        sents += [["il", "signor", p, "ha", "detto"], ["siamo", "a", q, "oggi"],
                  ["il", "signor", p, "ha", "parlato"], ["vivo", "a", q, "da", "anni"]]
    vocab, vec = build_clusters.vectors(sents, min_count=3, contexts=20, dim=4)
    labels, _ = build_clusters.kmeans(vec, 2, seed=1)
    label = dict(zip(vocab, labels.tolist(), strict=True))
    assert len({label[w] for w in people}) == 1
    assert len({label[w] for w in places}) == 1
    assert label["Rossi"] != label["Roma"]


# --- training helpers (scripts/train_tagger.py) ----------------------------------------------

def test_opening_particles_are_those_that_open_names_in_training():
    lex = Lexicon(particles=frozenset({"de", "di"}))
    sentences = [Sentence("Ha vinto de Blasio.", [(9, 18, "PER")]),
                 Sentence("Ha parlato de Klerk.", [(11, 19, "PER")]),
                 Sentence("Vado di Roma a Milano.", [(8, 12, "LOC"), (15, 21, "LOC")]),
                 Sentence("Il treno di Parigi.", [(12, 18, "LOC")])]
    tagged = [train_tagger.token_tags(s) for s in sentences]
    assert train_tagger.opening_particles(tagged, lex) == frozenset({"de"})


def test_threshold_is_the_best_f1_reaching_the_precision_asked():
    counts = {0.0: [90, 20, 10], 10.0: [85, 9, 15], 20.0: [60, 2, 40]}
    assert train_tagger.choose_threshold(counts, 0.9) == 10.0
    assert train_tagger.choose_threshold(counts, 0.99) == 20.0  # none reaches: best precision
    assert train_tagger.prf(85, 9, 15) == pytest.approx((85 / 94, 0.85, 2 * 85 / 194))


def test_extra_training_data_is_weighted_by_repetition():
    items = list(range(10))
    assert train_tagger.weighted(items, 0.5) == items[:5]
    assert train_tagger.weighted(items, 2) == items * 2
