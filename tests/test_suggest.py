"""Did-you-mean: a query that finds nothing suggests the nearest words and names."""

import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchidx.cli import main
from searchidx.suggest import one_slip, slips


@pytest.mark.parametrize("typed, suggested", [
    ("Bloombrg", "Bloomberg"),  # a letter dropped; as the article writes it
    ("munizzioni", "munizioni"),  # doubled; the index holds the stem, the articles the word
    ("sottomarnii", "sottomarini"),  # two letters swapped
    ("Shoygu", "Sergei Shoigu"),  # a surname: the person's name
    ("Sergei Shoygu", "Sergei Shoigu"),  # the name's other word is already there
    ("Kirbi munizzioni", "John Kirby munizioni"),  # each unknown word
    ("speaker:Kirbi", 'speaker:"John Kirby"'),  # on a field of names: that field's names
    ('person:"Dmitry Peskv"', 'person:"Dmitry Peskov"'),
    ('title:"Pyongyng"', 'title:"Pyongyang"'),
])
def test_a_query_that_finds_nothing_suggests_the_nearest(seeds_index, typed, suggested):
    result = seeds_index.search(typed)
    assert result.total == 0
    assert result.suggestion == suggested
    assert result.to_dict()["suggestion"] == suggested
    assert seeds_index.search(suggested).total > 0  # the suggestion finds something


@pytest.mark.parametrize("query", [
    "munizioni",  # found: nothing to suggest
    "munizioni zanzibar",  # zanzibar is nowhere near a word of the index
    "munizioni NOT Kirby",  # no hit, but every word is known
    "zanzib*",  # patterns and fuzzy words are not corrected
    "NOT Bloombrg",
])
def test_no_suggestion_without_a_near_unknown_word(seeds_index, query):
    result = seeds_index.search(query)
    assert result.suggestion is None
    assert "suggestion" not in result.to_dict()


def test_the_api_gives_each_correction(seeds_index):
    suggestion = seeds_index.suggest("Kirbi munizzioni")
    assert [(c.word, c.replacement, c.field) for c in suggestion.corrections] == [
        ("Kirbi", "John Kirby", "people"), ("munizzioni", "munizioni", "body")]
    assert suggestion.corrections[0].articles == 3
    assert seeds_index.suggest("munizioni") is None


def test_the_command_line_shows_it_in_text_and_json(seeds_index):
    index = str(seeds_index.path)
    result = CliRunner().invoke(main, ["query", "Shoygu", "--index", index])
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == ["0 articles for 'Shoygu'",
                                              "did you mean: Sergei Shoigu"]
    result = CliRunner().invoke(main, ["query", "Bloombrg", "--index", index, "--format", "json"])
    assert json.loads(result.output)["suggestion"] == "Bloomberg"
    result = CliRunner().invoke(main, ["query", "--batch", "-", "--index", index],
                                input="Bloombrg\nmunizioni\n")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r.get("suggestion") for r in records] == ["Bloomberg", None]


def test_one_slip_makes_the_four_edits():
    made = one_slip("casa")
    assert {"cas", "acsa", "cosa", "casaa", "ccasa"} <= made
    assert "casa" not in made and all(slips("casa", m) == 1 for m in made)


@given(st.text("abcdez", min_size=0, max_size=7), st.text("abcdez", min_size=0, max_size=7))
def test_slips_is_a_distance_that_counts_a_swap_as_one(a, b):
    assert slips(a, b) == slips(b, a)
    assert (slips(a, b) == 0) == (a == b)
    assert abs(len(a) - len(b)) <= slips(a, b) <= max(len(a), len(b))
    if len(a) >= 2:
        assert slips(a, a[1] + a[0] + a[2:]) <= 1


@pytest.mark.parametrize("query", ["x" * 10_000, 'speaker:"' + "k" * 5_000 + '"',
                                   " ".join(["munizzioni"] * 9)])
def test_hostile_queries_get_no_suggestion_and_cost_little(seeds_index, query):
    assert seeds_index.search(query).suggestion is None
