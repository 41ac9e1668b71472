"""Searching the seeds: the gold queries, filters, facets, sorting, errors."""

import json
import re
from collections import Counter

import pytest

from searchidx import Index, load_config
from searchidx.analysis import fold
from searchidx.errors import QueryError

from .conftest import GOLD, SEEDS

FILTER_OPTIONS = {"speaker": "speaker", "person": "person", "publisher": "publisher",
                  "date_from": "date_from", "date_to": "date_to"}


def gold_case_id(case):
    return case.get("query") or ",".join(f"{k}={v}" for k, v in case["filter"].items())


@pytest.mark.parametrize("case", GOLD["queries"], ids=gold_case_id)
def test_gold_searches_return_exactly_the_expected_articles(any_seeds_index, case):
    options = {}
    for key, value in (case.get("filter") or {}).items():
        options[FILTER_OPTIONS[key]] = value if key.startswith("date") else [value]
    result = any_seeds_index.search(case.get("query", ""), limit=50, **options)
    assert sorted(h.id for h in result.hits) == sorted(case["expect"])
    assert result.total == len(case["expect"])


def test_date_filter_reports_undated_articles_dropped(any_seeds_index):
    result = any_seeds_index.search("", date_from="2023-09-01")
    assert result.dropped_undated == 3  # 001, 002, 003 have no date


def test_italian_natural_dates_in_filters(any_seeds_index):
    by_iso = any_seeds_index.search("", date_from="2023-09-01", date_to="2023-09-30")
    by_words = any_seeds_index.search("", date_from="1 settembre 2023", date_to="settembre 2023")
    assert [h.id for h in by_iso.hits] == [h.id for h in by_words.hits] == ["000_9d63219bb1120001"]


def test_month_precision_overlaps_a_day_range(any_seeds_index):
    # "2023-09" is the whole month: a range inside it still finds the article
    result = any_seeds_index.search("", date_from="2023-09-10", date_to="2023-09-12")
    assert [h.id for h in result.hits] == ["000_9d63219bb1120001"]


def test_empty_query_with_filter_lists_newest_first(any_seeds_index):
    result = any_seeds_index.search("", speaker=["Kirby"])
    dates = [h.date for h in result.hits]
    assert dates[:2] == ["2023-09", "2023-08-31"]
    assert dates[2] is None  # undated last
    assert all(h.snippet and "<em>" not in h.snippet for h in result.hits)  # the opening


def test_title_match_ranks_above_body_match(any_seeds_index):
    result = any_seeds_index.search("elogia")
    assert result.hits[0].id == "002_3735a5c7a403e3e4"


def test_or_not_and_minus(any_seeds_index):
    either = {h.id for h in any_seeds_index.search("Telegram OR Bloomberg", limit=20).hits}
    assert either == {"003_f20a1f5d3ef70c67", "004_de43da4d890992ab"}
    without = {h.id for h in any_seeds_index.search("munizioni NOT Telegram", limit=20).hits}
    assert without == {"001_830db2598d0653a2", "002_3735a5c7a403e3e4"}
    minus = {h.id for h in any_seeds_index.search("munizioni -Telegram", limit=20).hits}
    assert minus == without


def test_any_mode_ors_the_words(any_seeds_index):
    strict = any_seeds_index.search("Telegram Bloomberg")
    loose = any_seeds_index.search("Telegram Bloomberg", any=True)
    assert strict.total == 0 and loose.total == 2


def test_proximity_phrase(any_seeds_index):
    near = {h.id for h in any_seeds_index.search('"sottomarini nucleare"~3', limit=20).hits}
    assert near == {"000_9d63219bb1120001", "001_830db2598d0653a2", "003_f20a1f5d3ef70c67"}
    assert any_seeds_index.search('"sottomarini Telegram"~3').total == 0


def test_wildcard_and_fuzzy(any_seeds_index):
    assert any_seeds_index.search("munizi*").total == 3
    assert {h.id for h in any_seeds_index.search("Bloomberx~").hits} == {"004_de43da4d890992ab"}


@pytest.mark.parametrize("pattern, same_as", [
    ("reciprocità*", "reciprocita"),  # accents folded, as in the index
    ("RECIPROCIT*", "reciprocita"),
    ("*procità", "reciprocita"),  # a leading wildcard meets the stemmed word
    ("munizioni*", "munizioni"),  # the whole word, stemmed to less than itself
    ("*munizioni", "munizioni"),
    ("mun*oni", "munizioni"),
    ("l’arriv*", "arrivato OR arrivo OR arrivare OR arrivati OR arriva"),  # elision dropped
])
def test_wildcards_meet_the_words_as_the_index_holds_them(any_seeds_index, pattern, same_as):
    found = {h.id for h in any_seeds_index.search(pattern, limit=20).hits}
    assert found and found == {h.id for h in any_seeds_index.search(same_as, limit=20).hits}


def test_field_queries(any_seeds_index):
    assert [h.id for h in any_seeds_index.search("title:Allarme").hits] == ["004_de43da4d890992ab"]
    speaker = {h.id for h in any_seeds_index.search("speaker:kirby").hits}
    assert speaker == {"000_9d63219bb1120001", "002_3735a5c7a403e3e4", "004_de43da4d890992ab"}
    person = {h.id for h in any_seeds_index.search('person:"Kim Jong Un"').hits}
    assert len(person) == 5


def test_exact_field_is_unstemmed(any_seeds_index):
    assert any_seeds_index.search("exact:munizione").total == 0
    assert any_seeds_index.search("exact:munizioni").total == 3


def test_year_and_month_fields_find_what_their_facets_list(any_seeds_index):
    months = dict(any_seeds_index.facet_counts("month"))
    assert months  # the seeds have dated articles
    for month, count in months.items():
        assert any_seeds_index.search(f"month:{month}").total == count
    assert any_seeds_index.search("month:2023-*").total == sum(
        n for m, n in months.items() if m.startswith("2023-"))
    for year, count in any_seeds_index.facet_counts("year"):
        assert any_seeds_index.search(f"year:{year}").total == count


@pytest.mark.parametrize("text, problem", [
    ("year:abc", "'year:abc' is not a year: write it as YYYY, e.g. year:2023"),
    ("year:23", "'year:23' is not a year"),
    ("munizioni month:2023-13", "'month:2023-13' is not a month: write it as YYYY-MM"),
    ("month:2023", "'month:2023' is not a month"),
])
def test_a_malformed_year_or_month_is_a_clear_error(any_seeds_index, text, problem):
    with pytest.raises(QueryError, match=re.escape(problem)):
        any_seeds_index.search(text)


def test_an_unknown_field_is_searched_as_words_with_a_notice(any_seeds_index):
    result = any_seeds_index.search("speakr:Kirby")
    assert "'speakr:' (did you mean 'speaker:'?) is not a field" in result.notice
    assert result.total == any_seeds_index.search("speakr Kirby").total
    assert any_seeds_index.search("Kirby:munizioni").total == any_seeds_index.search(
        "Kirby munizioni").total > 0


@pytest.mark.parametrize("text", [
    'Chi ha detto:"Qui sono qui. Non posso fare altro"?',
    "Quale parola è stata criticata da Lutero per averla aggiunta in Romans3:28?",
    "ore 10:30", "Romans3:28", 'detto:"Qui sono qui"', "art. 18:",
])
def test_questions_and_plain_text_with_colons_are_words(any_seeds_index, text):
    for any_words in (False, True):
        result = any_seeds_index.search(text, any=any_words)  # never a QueryError
        if any_words or text.endswith("?"):
            assert result.notice is None or "not a field" not in result.notice


def test_a_known_field_with_a_bad_value_stays_an_error(any_seeds_index):
    with pytest.raises(QueryError, match="'year:abc' is not a year"):
        any_seeds_index.search("munizioni year:abc", any=True)


@pytest.mark.parametrize("text, operator, side", [
    ("munizioni AND", "AND", "after"),
    ("OR munizioni", "OR", "before"),
    ("munizioni NOT", "NOT", "after"),
    ("(munizioni OR) Kirby", "OR", "after"),
    ("munizioni AND OR Kirby", "AND", "after"),
])
def test_a_dangling_operator_is_a_clear_error(any_seeds_index, text, operator, side):
    with pytest.raises(QueryError, match=rf"operator {operator} has no word {side} it"):
        any_seeds_index.search(text)


def test_operators_with_words_on_both_sides_still_work(any_seeds_index):
    assert any_seeds_index.search("munizioni AND NOT Telegram").total == 2
    assert any_seeds_index.search("(munizioni OR sottomarini) Kirby").total > 0
    assert any_seeds_index.search('"munizioni AND"').total == 0  # inside quotes: words


def test_facets_count_the_whole_result_set(any_seeds_index):
    result = any_seeds_index.search("", limit=1, facets=["speakers", "year", "month", "publisher"])
    speakers = dict(result.facets["speakers"])
    assert speakers["John Kirby"] == 3
    assert speakers["Adrienne Watson"] == 2
    assert dict(result.facets["year"]) == {"2023": 2}
    assert dict(result.facets["month"]) == {"2023-08": 1, "2023-09": 1}
    assert dict(result.facets["publisher"]) == {"Globalist.it": 1}
    assert len(result.hits) == 1 and result.total == 5


def test_sort_by_date_ascending_and_paging(any_seeds_index):
    page1 = any_seeds_index.search("", sort="date", limit=2, page=1)
    page2 = any_seeds_index.search("", sort="date", limit=2, page=2)
    assert [h.date for h in page1.hits] == ["2023-08-31", "2023-09"]
    assert len(page2.hits) == 2
    assert not {h.id for h in page1.hits} & {h.id for h in page2.hits}


def test_snippets_highlight_the_matched_words(any_seeds_index):
    hit = any_seeds_index.search("reciprocita").hits[0]
    assert "<em>reciprocità</em>" in hit.snippet


def test_long_question_falls_back_to_any_words_with_a_notice(any_seeds_index):
    result = any_seeds_index.search("quando Kirby ha parlato di elefanti rosa e missili")
    assert result.total > 0
    assert "any of them" in result.notice


def test_stopword_only_query_says_so(any_seeds_index):
    result = any_seeds_index.search("della")
    assert result.total == 0 and "stopwords" in result.notice


def test_bad_dates_and_sort_are_query_errors(any_seeds_index):
    with pytest.raises(QueryError, match="--from"):
        any_seeds_index.search("", date_from="2023-13-45")
    with pytest.raises(QueryError, match="--sort"):
        any_seeds_index.search("x", sort="size")


def test_quotes_date_filter_keeps_overlapping_dated_articles_only(any_seeds_index):
    september = any_seeds_index.quotes("", date_from="2023-09-01", date_to="2023-09-30", limit=None)
    assert september and {q["id"] for q in september} == {"000_9d63219bb1120001"}
    # 2023-08-31 overlaps an interval that starts on the 31st; undated quotes never pass
    late_august = any_seeds_index.quotes("", date_from="2023-08-31", date_to="2023-08-31",
                                     limit=None)
    assert {q["id"] for q in late_august} == {"004_de43da4d890992ab"}
    assert any_seeds_index.quotes("", date_from="2024-01-01", limit=None) == []


def test_quotes_by_speaker_and_words(any_seeds_index):
    quotes = any_seeds_index.quotes("reciprocità", speaker=["Kirby"])
    assert quotes and all(q["speaker"] == "John Kirby" for q in quotes)
    assert any("reciprocità" in q["text"] for q in quotes)


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")


def test_cached_filters_and_facet_columns_follow_index_changes(tmp_path, config):
    """Filters and facet columns are cached per searcher; a re-index must refresh them."""
    corpus = tmp_path / "news"
    corpus.mkdir()
    _jsonl(corpus / "a.jsonl", [
        {"id": f"a{n}", "publisher": "Eco di Valle" if n % 2 else "Gazzetta del Borgo",
         "text": f"Le munizioni del deposito {n} sono state contate."} for n in range(6)])
    with Index(tmp_path / "ix", config) as ix:
        ix.update([corpus])
        first = None
        for _ in range(8):  # enough lookups for the facet column to be read whole
            result = ix.search("munizioni", publisher=["Eco di Valle"], facets=["publisher"])
            assert first is None or result.facets == first.facets
            first = result
        assert first.total == 3 and dict(first.facets["publisher"]) == {"Eco di Valle": 3}
        _jsonl(corpus / "b.jsonl", [
            {"id": "b1", "publisher": "Eco di Valle", "text": "Nuove munizioni arrivate ieri."}])
        ix.update([corpus])
        after = ix.search("munizioni", publisher=["Eco di Valle"], facets=["publisher"])
        assert after.total == 4 and dict(after.facets["publisher"]) == {"Eco di Valle": 4}
        assert "b1" in {h.id for h in after.hits}
        every = ix.search("munizioni", facets=["publisher"])
        assert dict(every.facets["publisher"]) == {"Eco di Valle": 4, "Gazzetta del Borgo": 3}


def test_facet_counts_are_the_same_looked_up_or_read_whole(tmp_path, config):
    """A one-off query looks up its matches' facet values; once lookups would have
    paid for it, the coded column is read whole. Both give the same counts, most
    frequent first, ties in accent-blind alphabetical order."""
    from searchidx.backends.whoosh.searching import searcher_cache

    publishers = ["Zeta Notizie", "Bora", "Ánfora", "Eco di Valle", ""]
    records = [{"id": f"a{n}", "publisher": publishers[n % 5],
                "text": f"Il deposito {n}" + (" e un fatto raro." if n % 4 == 0 else ".")}
               for n in range(40)]
    corpus = tmp_path / "news"
    corpus.mkdir()
    _jsonl(corpus / "a.jsonl", records)

    def expected(word):
        counts = Counter(r["publisher"] for r in records if word in r["text"] and r["publisher"])
        return sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0])))

    with Index(tmp_path / "ix", config) as ix:
        ix.update([corpus])
        columns = searcher_cache(ix.backend().searcher()).facet_columns
        rare = ix.search("raro", facets=["publisher"], facet_limit=None).facets["publisher"]
        assert not columns  # 10 lookups: less than reading 40 values would cost
        every = ix.search("deposito", facets=["publisher"], facet_limit=None)
        assert columns  # 50 lookups: the column is now read whole
        again = ix.search("raro", facets=["publisher"], facet_limit=None).facets["publisher"]
        top2 = ix.search("raro", facets=["publisher"], facet_limit=2).facets["publisher"]
    assert rare == again == expected("raro")
    assert rare == [("Ánfora", 2), ("Bora", 2), ("Eco di Valle", 2), ("Zeta Notizie", 2)]
    assert top2 == rare[:2]
    assert every.facets["publisher"] == expected("deposito")


def test_filters_narrow_without_changing_the_ranking(any_seeds_index):
    """A filter only removes articles: the ones kept keep their order and scores."""
    plain = any_seeds_index.search("munizioni", limit=20)
    kept = {h.id for h in any_seeds_index.search("", speaker=["Kirby"], limit=20).hits}
    filtered = any_seeds_index.search("munizioni", speaker=["Kirby"], limit=20)
    expected = [(h.id, h.score) for h in plain.hits if h.id in kept]
    assert [(h.id, h.score) for h in filtered.hits] == expected
    assert filtered.total == len(expected) > 0


def test_any_words_total_counts_every_match_not_only_those_that_could_rank(
        tmp_path, config, monkeypatch):
    """Whoosh drops a weak OR branch once it cannot reach the top N; the total must not."""
    from whoosh import query

    # the union-tree matcher Whoosh picks above 5,000 documents, on this small index
    monkeypatch.setattr(query.Or, "matcher_type", query.Or.DEFAULT_MATCHER)
    corpus = tmp_path / "news"
    corpus.mkdir()
    # dogs score highest and rise, so they fill the top 2 and raise its bar; one comes last
    records = [{"id": f"c{n}", "text": "Il cane abbaia. " * (3 + n)} for n in range(3)]
    records += [{"id": f"g{n}", "text": f"Il gatto numero {n} dorme sul divano di casa."}
                for n in range(60)]
    records.append({"id": "c3", "text": "Il cane abbaia. " * 3})
    _jsonl(corpus / "pets.jsonl", records)
    with Index(tmp_path / "ix", config) as ix:
        ix.update([corpus])
        result = ix.search("cane gatto", any=True, limit=2)
        assert result.total == 64
        assert {h.id for h in result.hits} <= {"c0", "c1", "c2", "c3"}
        assert ix.search("cane gatto", any=True, limit=2, facets=["year"]).total == 64


FOUNDING = [
    # the answer says "fondazione" and "fondarono", never the question's "fondata"
    {"id": "fondazione", "title": "Pisa",
     "text": "La fondazione della città di Pisa risale al 180 a.C., quando i Romani vi "
             "fondarono una colonia sul fiume Arno."},
    # the question's other words, in a text as long
    {"id": "torre", "title": "Pisa",
     "text": "Pisa è una città toscana con una torre pendente, una grande piazza e molti musei."},
    *({"id": f"citta{n}", "title": f"Città {n}", "text": f"Una città del nord, la numero {n}."}
      for n in range(6)),
]


def _build(tmp_path, records, overrides):
    corpus = tmp_path / "news.jsonl"
    _jsonl(corpus, records)
    config_file = tmp_path / "searchidx.yaml"
    config_file.write_text(overrides, encoding="utf-8")
    ix = Index(tmp_path / "ix", load_config(config_file))
    assert ix.update([corpus]).failed == 0
    return ix


@pytest.mark.parametrize("boost, first", [(0, "torre"), (0.5, "fondazione")])
def test_questions_are_ranked_by_derivations_too(tmp_path, boost, first):
    """"fondata" meets "fondazione"/"fondarono" by their first letters (rescoring off,
    so this is the first stage alone)."""
    ix = _build(tmp_path, FOUNDING, f"index:\n  rescore_depth: 0\n  prefix_boost: {boost}\n")
    with ix:
        hits = ix.search("Quando fu fondata la città di Pisa?", any=True).hits
    assert hits[0].id == first


def test_prefixes_rank_questions_but_never_decide_what_matches(seeds_index, tmp_path):
    config_file = tmp_path / "searchidx.yaml"
    config_file.write_text("index:\n  prefix_boost: 0\n", encoding="utf-8")
    off = Index(seeds_index.path, load_config(config_file))
    questions = ["Cosa ha detto Kirby sulle munizioni fornite alla Russia?",
                 "incontro tra Putin e Kim in Russia", "armi nordcoreane per la guerra"]
    rescored = 0
    for question in questions:
        for any_words in (False, True):
            on = seeds_index.search(question, any=any_words, limit=50)
            plain = off.search(question, any=any_words, limit=50)
            assert {h.id for h in on.hits} == {h.id for h in plain.hits}, question
            assert on.total == plain.total > 0
            rescored += [h.score for h in on.hits] != [h.score for h in plain.hits]
    assert rescored  # the prefixes did take part in the ranking


def test_date_filters_agree_when_some_segments_have_no_dated_article(tmp_path, config,
                                                                  seeds_index):
    """Whoosh's index-wide column skips a segment without the column (no dated article in
    it), which shifted every later article's dates: filters gave wrong answers or failed."""
    path = tmp_path / "one.yaml"
    path.write_text("index:\n  commit_every: 1\n  merge_small_segments: 0\n", encoding="utf-8")
    with Index(tmp_path / "ix", load_config(path, search_cwd=False)) as segmented:
        segmented.update([SEEDS])
        assert len(segmented.backend().searcher().leaf_searchers()) == 5
        for query, options in [("Kim", dict(date_to="2023-08-31")),
                               ("Kim", dict(date_from="2023-08-01", date_to="2023-09-30")),
                               ("Putin Kim vertice", dict(any=True, date_from="2023-09-01"))]:
            got, expected = segmented.search(query, **options), seeds_index.search(query, **options)
            assert got.total >= 1, query
            assert (got.total, got.dropped_undated, [h.id for h in got.hits]) == (
                expected.total, expected.dropped_undated, [h.id for h in expected.hits])
