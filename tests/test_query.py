"""The query language: the parser's tree (searchidx/query), and the Whoosh queries it
compiles to (searchidx/backends/whoosh/compile.py).

The table of compiled queries was first checked against the previous implementation
(Whoosh's own query parser and its rewrites) on 3,852 requests — every query of the
tests, the README's examples, the seeds' gold searches, 500 SQuAD-it questions and
494 Hypothesis-generated queries, on the seeds, facta and SQuAD-it: the same compiled
query wherever the language did not change on purpose, the same hits, scores, totals,
facets and notices.
"""

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.errors import QueryError
from searchidx.query import And, Every, Exact, Fuzzy, Not, Or, Phrase, Wildcard, Word, parse

COMPILED = [
    ("munizioni", False, "Or([Term('title', 'munizion', boost=0.5), Term('body', 'munizion')])"),
    ("Kim Jong-un", False, "And([Or([Term('title', 'kim', boost=0.5), Term('body', 'kim')]), "
                           "Or([Term('title', 'jong', boost=0.5), Term('body', 'jong')])])"),
    ("Kim Jong-un", True, "Or([Term('title', 'kim', boost=0.5), Term('body', 'kim'), "
                          "Term('title', 'jong', boost=0.5), Term('body', 'jong')])"),
    ("10:30", False, "Or([And([Term('title', '10', boost=0.5), Term('title', '30', boost=0.5)]), "
                     "And([Term('body', '10'), Term('body', '30')])])"),
    ("della munizioni", False, "Or([Term('title', 'munizion', boost=0.5), "
                               "Term('body', 'munizion')])"),
    ("droni OR missili", False, "Or([Term('title', 'droni', boost=0.5), Term('body', 'droni'), "
                                "Term('title', 'missil', boost=0.5), Term('body', 'missil')])"),
    ("munizioni droni OR missili", False,
     "And([Or([Term('title', 'munizion', boost=0.5), Term('body', 'munizion')]), "
     "Or([Term('title', 'droni', boost=0.5), Term('body', 'droni'), "
     "Term('title', 'missil', boost=0.5), Term('body', 'missil')])])"),
    ("munizioni -Telegram", False,
     "And([Or([Term('title', 'munizion', boost=0.5), Term('body', 'munizion')]), "
     "Not(Or([Term('title', 'telegram', boost=0.5), Term('body', 'telegram')]))])"),
    ("(munizioni OR sottomarini) Kirby", True,
     "Or([Term('title', 'munizion', boost=0.5), Term('body', 'munizion'), "
     "Term('title', 'sottomarin', boost=0.5), Term('body', 'sottomarin'), "
     "Term('title', 'kirby', boost=0.5), Term('body', 'kirby')])"),
    ('"era sovietica"', False, "Or([Phrase('title', ['era', 'sovietic'], slop=1, boost=0.500000), "
                               "Phrase('body', ['era', 'sovietic'], slop=1, boost=1.000000)])"),
    ('"putin kim"~3', False, "Or([Phrase('title', ['putin', 'kim'], slop=3, boost=0.500000), "
                             "Phrase('body', ['putin', 'kim'], slop=3, boost=1.000000)])"),
    ('"munizioni"', False, "Or([Term('title', 'munizion'), Term('body', 'munizion')])"),
    ("muniz*", False, "Or([Prefix('title', 'muniz', boost=0.5), Prefix('body', 'muniz')])"),
    ("munizioni*", False, "Or([Prefix('title', 'munizioni', boost=0.5), "
                          "Term('title', 'munizion', boost=0.5), Prefix('body', 'munizioni'), "
                          "Term('body', 'munizion')])"),
    ("*zioni", False, "Or([Wildcard('title', '*zioni', boost=0.5), Wildcard('title', '*zion', "
                      "boost=0.5), Wildcard('body', '*zioni'), Wildcard('body', '*zion')])"),
    ("l’arriv*", False, "Or([Prefix('title', 'arriv', boost=0.5), Prefix('body', 'arriv')])"),
    ("Bloombrg~2", False,
     "Or([FuzzyTerm('title', 'bloombrg', boost=0.500000, maxdist=2, prefixlength=0), "
     "FuzzyTerm('body', 'bloombrg', boost=1.000000, maxdist=2, prefixlength=0)])"),
    ("title:Putin", False, "Term('title', 'putin')"),
    ("text:treno", False, "Term('body', 'treno')"),
    ("quote:negoziati", False, "Term('quotes', 'negoziat')"),
    ("x-title:y", False, "And([Or([Term('title', 'x', boost=0.5), Term('body', 'x')]), "
                         "Term('title', 'y')])"),
    ("speaker:Kirby", False, "Or([Term('speakers', 'john kirby'), Term('speakers', 'kirby')])"),
    ('person:"Kim Jong Un"', False, "Term('people', 'kim jong un')"),
    ("speaker:(Kirby OR Peskov)", False,
     "Or([Term('speakers', 'john kirby'), Term('speakers', 'kirby'), "
     "Term('speakers', 'dmitry peskov'), Term('speakers', 'peskov')])"),
    ("speaker:Kir*", False, "Prefix('speakers', 'kir')"),
    ("year:2023", False, "Term('year', '2023')"),
    ("month:2023-09", False, "Term('month', '2023 09')"),
    ("month:2023-*", False, "Prefix('month', '2023 ')"),
    ("id:004*", False, "Prefix('id', '004')"),
    ("Romans3:28", False,
     "And([Or([Term('title', 'romans3', boost=0.5), Term('body', 'romans3')]), "
     "Or([Term('title', '28', boost=0.5), Term('body', '28')])])"),
    ("exact:munizione", False,
     "ExactText(Or([Term('title', 'munizion', boost=0.5), Term('body', 'munizion')]), "
     r"'(?<![^\\W_])munizione(?![^\\W_])')"),
    ('exact:"Kim Jong"', False,
     "ExactText(Or([Phrase('title', ['kim', 'jong'], slop=1, boost=0.500000), "
     "Phrase('body', ['kim', 'jong'], slop=1, boost=1.000000)]), "
     r"'(?<![^\\W_])kim[\\W_]+jong(?![^\\W_])')"),
    ("*", False, "Or([Every('title', boost=0.5), Every('body', boost=1.0)])"),
    ("*:*", False, "Every(None, boost=1.0)"),
]


@pytest.mark.parametrize("text, any_words, expected", COMPILED)
def test_queries_compile_to_the_whoosh_queries_of_the_language(seeds_index, text, any_words,
                                                               expected):
    tree = parse(text, any_words=any_words).root
    assert repr(seeds_index.backend().compile(tree)) == expected


@pytest.mark.parametrize("text", ["della", "il la", "()", '""', "-", "exact:--"])
def test_queries_without_searchable_words_compile_to_nothing(seeds_index, text):
    tree = parse(text).root
    assert tree is None or seeds_index.backend().compile(tree) is None


@pytest.mark.parametrize("text, tree", [
    # NOT binds tightest, then AND, then OR; words side by side are all required
    ("a b OR c", And((Word("a"), Or((Word("b"), Word("c")))))),
    ("a AND b OR c AND d", Or((And((Word("a"), Word("b"))), And((Word("c"), Word("d")))))),
    ("NOT a AND b", And((Not(Word("a")), Word("b")))),
    ("a OR NOT b", Or((Word("a"), Not(Word("b"))))),
    ("NOT NOT a", Word("a")),
    ("-(a b) +c", And((Not(And((Word("a"), Word("b")))), Word("c")))),
    ("munizioni OR(droni)", Or((Word("munizioni"), Word("droni")))),
    ("ANDMAYBE a", And((Word("ANDMAYBE"), Word("a")))),  # not an operator of the language
    # a sign only starts a word; an operator in lower case, or glued to a sign, is a word
    ("Kim Jong-un", And((Word("Kim"), Word("Jong-un")))),
    ("a and b", And((Word("a"), Word("and"), Word("b")))),
    ("-AND b", And((Not(Word("AND")), Word("b")))),
    # phrases, wildcards, fuzzy words, every article
    ('"Corea del Nord"~2 muniz* mun*oni Bloombrg~ *:*',
     And((Phrase("Corea del Nord", None, 2), Wildcard("muniz*"), Wildcard("mun*oni"),
          Fuzzy("Bloombrg"), Every()))),
    ('"a b"~0', And((Phrase("a b"), Word("~0")))),
    # fields, their aliases and groups; an inner field wins
    ("Title:Putin speaker:Kirby quote:negoziati", And((Word("Putin", "title"),
                                                        Word("Kirby", "speakers"),
                                                        Word("negoziati", "quotes")))),
    ('title:(a body:b) person:"Kim Jong Un"', And((Word("a", "title"), Word("b", "body"),
                                                    Word("Kim Jong Un", "people")))),
    ("x-title:y", And((Word("x-"), Word("y", "title")))),
    ("title: Putin", And((Word("title:"), Word("Putin")))),
    ("year:2023~", Word("2023", "year")),
    # a word before a colon that names no field is a word, its colon a space
    ("Romans3:28", And((Word("Romans3"), Word("28")))),
    ("dell'autore:x", And((Word("dell'autore"), Word("x")))),
    ("a:b:c", And((Word("a"), Word("b:c")))),
    ("10:30 http://x.it/a", And((Word("10:30"), Word("http://x.it/a")))),
    # exact:, where it stands
    ('exact:munizione OR EXACT:"Kim Jong"', Or((Exact("munizione"), Exact("Kim Jong", True)))),
    ("-exact:munizioni", Not(Exact("munizioni"))),
    # stray parentheses and quotes are read as if they were not there
    ("(a OR (b c)", Or((Word("a"), And((Word("b"), Word("c")))))),
    ("a) b", And((Word("a"), Word("b")))),
    ('"unbalanced', Word('"unbalanced')),
])
def test_the_parser_builds_the_tree_of_the_grammar(text, tree):
    assert parse(text).root == tree


def test_any_words_joins_words_and_their_terms_with_or():
    assert parse("a Jong-un", any_words=True).root == Or((Word("a", all_terms=False),
                                                          Word("Jong-un", all_terms=False)))


def test_the_default_field_is_where_plain_words_are_looked_for():
    assert parse("negoziati title:x", default_field="quotes").root == And((
        Word("negoziati", "quotes"), Word("x", "title")))


def test_words_written_as_fields_that_name_none_are_reported_once_in_order():
    parsed = parse('speakr:Kirby detto:"Qui" speakr:Peskov title:x "autore:y" 10:30')
    assert parsed.unknown_fields == ("speakr", "detto")


@pytest.mark.parametrize("text, message", [
    ("munizioni AND", "the operator AND has no word after it"),
    ("OR munizioni", "the operator OR has no word before it"),
    ("(munizioni OR) Kirby", "the operator OR has no word after it"),
    ("munizioni NOT", "the operator NOT has no word after it"),
    ("year:23", "'year:23' is not a year: write it as YYYY, e.g. year:2023"),
    ('month:"2023-13"', "'month:2023-13' is not a month: write it as YYYY-MM"),
    ("speaker:--", "empty speakers filter"),
    ("munizioni~3", "'munizioni~3': a fuzzy word allows 1 or 2 edits"),
    ("x" * 10_001, "longer than 10,000 characters"),
])
def test_malformed_queries_are_one_clear_error(text, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        parse(text)


QUERY_CHARS = st.sampled_from(list('"()*~:-+^?’\' ') + ["AND", "OR", "NOT", "title:",
                                                        "speaker:", "exact:", "year:"]
                              + list(string.ascii_letters[:8]))


def _leaves(node):
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in _leaves(child)]
    if isinstance(node, Not):
        return _leaves(node.child)
    return [node]


@settings(max_examples=400, deadline=None)
@given(st.lists(QUERY_CHARS | st.text(max_size=3), max_size=20).map("".join))
def test_any_text_parses_into_its_own_words_or_one_line_error(seeds_index, text):
    """Pasted text never breaks the parser or the compiler: a tree of the user's own
    words, as typed (nothing invented), or a one-line error."""
    try:
        parsed = parse(text)
        if parsed.root is not None:
            seeds_index.backend().compile(parsed.root)
    except QueryError as exc:
        assert "\n" not in str(exc)
        return
    for leaf in _leaves(parsed.root) if parsed.root is not None else []:
        if not isinstance(leaf, Every):
            assert (leaf.pattern if isinstance(leaf, Wildcard) else leaf.text) in text
