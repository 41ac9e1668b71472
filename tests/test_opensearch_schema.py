"""The stopword expression the cluster's char filter runs: factored by prefix, it must
match exactly what the longest-first alternation it replaces matches (no cluster needed:
Python's regex engine backtracks in the same order as Java's)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from searchidx.backends.opensearch.schema import word_trie

WORDS = st.sets(st.text("adeilo'", min_size=1, max_size=5), min_size=1, max_size=12)
TEXT = st.text("adeilo' x", max_size=60)


def longest_first(words: set[str]) -> str:
    ordered = sorted(sorted(words), key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered)


def spans(alternation: str, text: str) -> list[tuple[int, int]]:
    # as the char filter uses it: a word start, then a word not followed by a letter
    pattern = re.compile(rf"(?i)(?<![a-z'])(?:{alternation})(?![a-z])")
    return [m.span() for m in pattern.finditer(text)]


@given(WORDS, TEXT)
def test_trie_matches_what_the_longest_first_alternation_matches(words, text):
    assert spans(word_trie(words), text) == spans(longest_first(words), text)


@given(WORDS, TEXT)
def test_trie_inside_a_repeated_group_matches_the_same(words, text):
    """As the elided articles are used: ``(?:ART')*`` then a word."""
    def pattern(alternation: str) -> re.Pattern[str]:
        return re.compile(rf"(?i)(?<![a-z'])(?:(?:{alternation})')*(?:{alternation})(?![a-z])")

    trie, plain = pattern(word_trie(words)), pattern(longest_first(words))
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_trie_factors_common_prefixes():
    assert word_trie({"d", "da", "dal", "dall", "dalla", "di"}) == "d(?:a(?:l(?:l(?:a)?)?)?|i)?"
