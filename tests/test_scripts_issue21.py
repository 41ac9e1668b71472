"""Smoke tests of the did-you-mean evaluation and the export benchmark (scripts/)."""

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import bench_export  # noqa: E402
import eval_suggest  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.suggest import slips  # noqa: E402


@pytest.mark.parametrize("kind", eval_suggest.KINDS)
def test_each_misspelling_is_one_slip_after_the_first_letter(kind):
    rng = random.Random(7)
    for word in ("munizioni", "Bloomberg", "Shoigu"):
        typed = eval_suggest.misspell(word, kind, rng)
        assert typed[0] == word[0] and slips(typed.lower(), word.lower()) == 1


def test_the_cases_are_misspellings_the_index_does_not_hold(seeds_index):
    made, accented = eval_suggest.cases(seeds_index, 9, seed=21)
    assert len(made) == 9 and sum(c.is_name for c in made) == 3
    for case in made:
        assert seeds_index.search(case.typed, limit=0).total == 0, case


def test_a_copied_index_holds_the_articles_again_with_new_ids(seeds_index, tmp_path):
    bench_export.copy_index(seeds_index.path, tmp_path, 12)
    copied = Index(tmp_path / "index")
    ids = [doc["id"] for doc in copied.iter_documents()]
    assert len(ids) == len(set(ids)) == 13  # and the seed article it was created with
    assert copied.search("munizioni").total == 7  # 3 of the 5 seeds, twice, and 1 more
    assert copied.search("", speaker=["Kirby"]).total == 7
    day, kept = bench_export.window_for(copied, 6)
    assert kept <= 6 and copied.search("", date_to=day, limit=0).total == kept
