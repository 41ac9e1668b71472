"""The Italian chain: elision, folding, stopwords, stemming (Snowball or light)."""

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchidx import load_config
from searchidx.analysis import analyze, fold, italian_analyzer, light_stem, name_key
from searchidx.errors import ConfigError

from .conftest import SEEDS


def config_with(tmp_path, text):
    path = tmp_path / "searchidx.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_elision_with_typographic_and_plain_apostrophes():
    assert analyze("L’arrivo") == ["arriv"]
    assert analyze("L'arrivo") == ["arriv"]
    assert analyze("dell’era sovietica") == ["era", "sovietic"]
    assert analyze("quest’ultimo") == ["ultim"]


def test_elision_with_space_after_apostrophe():
    # SQuAD-it and tokenised corpora write "dell' Organizzazione"
    assert analyze("dell' Organizzazione") == ["organizzazion"]


def test_accent_folding_matches_unaccented_query():
    assert analyze("reciprocità") == analyze("reciprocita")
    assert fold("Perché PIÙ") == "perche piu"


def test_light_stemmer_merges_singular_and_plural_without_overstemming():
    assert analyze("munizione") == analyze("munizioni")
    assert analyze("nucleare") == analyze("nucleari")
    assert analyze("sottomarino") == analyze("sottomarini")
    # Savoy's rules strip one inflection, not derivational suffixes or verb endings
    assert analyze("nazionale") != analyze("nazione")
    assert analyze("arrivo") != analyze("arrivato")
    assert light_stem("armi") == "armi"  # short words are left alone
    assert analyze("1973") == ["1973"]


def test_snowball_stemmer_when_configured_merges_verb_forms(tmp_path):
    config = config_with(tmp_path, "italian:\n  stemmer: snowball\n")
    assert analyze("munizione", config) == analyze("munizioni", config) == ["munizion"]
    assert analyze("iniziata", config) == analyze("iniziò", config)
    assert analyze("arrivo", config) == analyze("arrivato", config)


def test_unknown_stemmer_is_a_config_error_naming_the_key(tmp_path):
    config = config_with(tmp_path, "italian:\n  stemmer: porter\n")
    with pytest.raises(ConfigError, match=r"italian\.stemmer.*snowball, light"):
        italian_analyzer(config)


def test_words_gives_the_same_terms_as_the_token_stream():
    analyzer = italian_analyzer()
    text = "Nell’era sovietica, il presidente dell' Organizzazione parlò"
    assert analyzer.words(text) == [t.text for t in analyzer(text)]
    assert analyzer.twin(stem=False).words(text) == ["era", "sovietica", "presidente",
                                                "organizzazione", "parlo"]


def test_stopwords_removed_but_ambiguous_nouns_kept():
    assert analyze("il presidente della Russia e la Cina") == ["president", "russ", "cina"]
    assert analyze("era") == ["era"]  # "era" (age) is not treated as a verb form


def test_positions_skip_removed_stopwords_so_phrases_match_across_them():
    analyzer = italian_analyzer()
    tokens = [(t.text, t.pos) for t in analyzer("guerra in Ucraina", positions=True)]
    assert tokens == [("guerr", 0), ("ucrain", 1)]


def test_character_offsets_point_at_the_original_word():
    analyzer = italian_analyzer()
    text = "Nell’era sovietica"
    spans = [text[t.startchar:t.endchar] for t in analyzer(text, chars=True)]
    assert spans == ["era", "sovietica"]


def test_exact_analyzer_keeps_words_unstemmed_and_stopwords():
    exact = italian_analyzer(stem=False, stop=False)
    assert [t.text for t in exact("La Reciprocità di Kim")] == ["la", "reciprocita", "di", "kim"]


def test_name_key_ignores_case_accents_and_hyphens():
    assert name_key("Kim Jong-Un") == name_key("kim jong un") == "kim jong un"
    assert name_key("John F. Kirby") == "john f kirby"
    assert name_key("Sergej Šojgu") == "sergej sojgu"


@given(st.text(alphabet=st.sampled_from("aeiouàèéìòù LlDdPpNn'’.,-0123"), max_size=80))
def test_spans_are_the_token_streams_terms_and_offsets(text):
    analyzer = italian_analyzer()
    stream = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True)]
    assert list(analyzer.spans(text)) == stream
    assert all(text[start:end] for _, start, end in stream)


def _fold_by_character(text):
    text = text.lower()
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@settings(max_examples=500)
@example("Perché Shojgù città ﬁ İ e\u0301 q\u0303 \u034f \u05b0 \u1dc0 «dell’era» 2° €")
@given(st.text())
def test_fold_drops_every_combining_mark_and_only_those(text):
    assert fold(text) == _fold_by_character(text)


ANALYZERS = [italian_analyzer(), italian_analyzer().twin("snowball")]
TEXTS = st.text(alphabet=st.sampled_from("aeiouàèéìòùAÈÍ LlDdPpNnCcHhSs'’_.,-0123\u0301İß"),
                max_size=80)


@settings(max_examples=300, deadline=None)
@example(text="ab'ab l'abete", picks=[0], others=[], snowball=False)
@example(text="l'imminenza", picks=[0], others=[], snowball=True)
@given(text=TEXTS, picks=st.lists(st.integers(0, 40), max_size=4),
       others=st.lists(st.text(alphabet="acdilnops", min_size=1, max_size=4), max_size=2),
       snowball=st.booleans())
def test_find_gives_the_spans_of_the_wanted_terms(text, picks, others, snowball):
    analyzer = ANALYZERS[snowball]
    spans = list(analyzer.spans(text))
    wanted = {spans[i][0] for i in picks if i < len(spans)} | set(others)
    assert analyzer.find(text, wanted) == [span for span in spans if span[0] in wanted]


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_text_fields_index_like_whooshs_positions_format(text):
    """ItalianText gathers positions from the analyzer directly; the postings
    (term, frequency, weight, encoded positions) are the ones Whoosh makes."""
    from whoosh.fields import TEXT

    from searchidx.backends.whoosh.schema import build_schema

    schema = build_schema(load_config(search_cwd=False))
    for name in ("title", "body", "quotes"):
        field = schema[name]
        assert list(field.index(text)) == list(TEXT.index(field, text))


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.text(max_size=12), max_size=6).map(",".join) | st.text())
@example(keys="kim jong un,kim, putin ,kim")
@example(keys=" , ,,")
def test_name_keys_index_like_whooshs_comma_keywords(keys):
    """NameKeys counts comma-separated keys itself; its postings are Whoosh's own."""
    from whoosh.fields import KEYWORD

    from searchidx.backends.whoosh.schema import NameKeys

    stock = KEYWORD(commas=True, lowercase=False, scorable=False)
    assert NameKeys().index(keys) == list(stock.index(keys))


@settings(max_examples=200, deadline=None)
@given(text=TEXTS, snowball=st.booleans())
def test_positions_after_words_of_the_same_text_are_the_same(text, snowball):
    """positions() reuses the words() of the text analysed just before (extraction's
    topics, then the index), and only when the analyzer's settings are the same."""
    analyzer, other = ANALYZERS[snowball], ANALYZERS[not snowball]
    analyzer.words(text + " altro")  # another text: positions() analyses afresh
    fresh = analyzer.positions(text)
    analyzer.words(text)
    assert analyzer.positions(text) == fresh
    other.words(text)  # the same text under other settings must not be reused
    assert analyzer.positions(text) == fresh
    expected: dict[str, list[int]] = {}
    for position, term in enumerate(analyzer.words(text)):
        expected.setdefault(term, []).append(position)
    assert fresh == expected


def test_every_light_stem_of_the_seeds_is_a_prefix_of_its_folded_word():
    """What ItalianAnalyzer.find relies on: the light stemmer only cuts endings."""
    analyzer = italian_analyzer()
    words = {w for path in SEEDS.glob("*.txt") for w in re.findall(r"[^\W_]+", path.read_text())}
    assert len(words) > 500
    for word in words:
        for term, _, _ in analyzer.spans(word):
            assert fold(word).startswith(term), (word, term)


@given(st.text())
def test_analyzer_never_fails_and_is_deterministic(text):
    assert analyze(text) == analyze(text)


ITALIAN_WORDS = st.text(alphabet="abcdefghilmnopqrstuvzàèéìòù", min_size=1, max_size=14)


@settings(max_examples=400, deadline=None)
@given(word=ITALIAN_WORDS, cut=st.integers(min_value=0, max_value=14), upper=st.booleans())
@example(word="munizioni", cut=0, upper=False)  # *munizioni
@example(word="carichi", cut=4, upper=False)  # *chi: the stemmer cuts "hi"
@example(word="reciprocità", cut=5, upper=True)  # *PROCITÀ
def test_a_suffix_pattern_meets_the_term_of_every_word_ending_so(word, cut, upper):
    """`*tail` finds every indexed word that ends with the tail, whatever the stemmer
    cut from it. Tails of one or two letters are left out: the stemmer may cut all of
    them (``*he`` from ``banche``), and then no pattern tells those words apart."""
    from fnmatch import fnmatchcase

    analyzer = italian_analyzer()
    tail = word[min(cut, len(word) - 1):]
    [term] = analyzer.words(word) or [None]
    if term is None or len(tail) < 3:
        return
    forms = analyzer.wildcard_forms("*" + (tail.upper() if upper else tail))
    assert any(fnmatchcase(term, form) for form in forms), (word, tail, term, forms)


def test_wildcard_forms_fold_and_drop_an_elided_article():
    analyzer = italian_analyzer()
    assert analyzer.wildcard_forms("Reciprocità*") == ["reciprocita*"]
    assert analyzer.wildcard_forms("l’arriv*") == ["arriv*"]
    assert analyzer.wildcard_forms("mun*oni") == ["mun*oni", "mun*on"]
