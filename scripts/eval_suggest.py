"""How often did-you-mean suggests the right word: misspellings made from an index's words.

From the index's own articles it draws, with a fixed seed, real words (five letters
or more, in at least three articles) and people's names (named in two articles or
more), and misspells each once: a letter dropped, a letter added, a letter changed,
two neighbours swapped, a letter doubled. Names are misspelt in their last word and
asked for as a surname, plain (``Shoygu``) or on the person field
(``person:Shoygu``). A misspelling the index holds (another real word) is drawn
again. Each is searched; a suggestion is right when it spells the word again (for a
name: the person's name), and "same term" when it analyses to the word's index term
(it finds the same articles). Words with accents are also asked without them, which
the analysis folds: those must find the word's articles as typed, with no suggestion.

    .venv/bin/searchidx index ../shared/data/facta/articles.jsonl --index /tmp/facta
    .venv/bin/python scripts/eval_suggest.py --index /tmp/facta
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from searchidx import Index  # noqa: E402
from searchidx.analysis import fold, name_key  # noqa: E402

KINDS = ("drop", "add", "change", "swap", "double")
_WORD = re.compile(r"[^\W\d_]{5,}")


@dataclass
class Case:
    kind: str
    original: str  # the word, or the person's name
    typed: str  # the query
    is_name: bool


def misspell(word: str, kind: str, rng: random.Random) -> str:
    """``word`` with one slip of ``kind``, never at its first letter (as people type)."""
    at = rng.randrange(1, len(word))
    if kind == "drop":
        return word[:at] + word[at + 1:]
    if kind == "add":
        return word[:at] + rng.choice(string.ascii_lowercase) + word[at:]
    if kind == "change":
        letters = [c for c in string.ascii_lowercase if c != word[at].lower()]
        return word[:at] + rng.choice(letters) + word[at + 1:]
    if kind == "swap":
        at = min(at, len(word) - 2)
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return word[:at] + word[at] + word[at:]  # double


def vocabulary(ix: Index) -> tuple[list[str], list[str]]:
    """(words as the articles write them, in three articles or more; people's names
    of two words or more, named in two articles or more), each sorted."""
    stop = ix.backend().analyzer().stopwords
    spellings: dict[str, Counter[str]] = {}
    articles: Counter[str] = Counter()
    for doc in ix.iter_documents():
        seen = set()
        for word in _WORD.findall(f"{doc.get('title') or ''}\n{doc['body']}"):
            key = fold(word)
            if key in stop:
                continue
            spellings.setdefault(key, Counter())[word] += 1
            seen.add(key)
        articles.update(seen)
    words = sorted(spellings[k].most_common(1)[0][0] for k, n in articles.items() if n >= 3)
    names = sorted(name for name, n in ix.facet_counts("people")
                   if n >= 2 and len(name.split()) >= 2 and len(name.split()[-1]) >= 4)
    return words, names


def cases(ix: Index, count: int, seed: int) -> tuple[list[Case], list[str]]:
    """``count`` misspellings (a third of them names) none of which the index holds,
    and up to 20 words with accents."""
    rng = random.Random(seed)
    words, names = vocabulary(ix)
    analyzer = ix.backend().analyzer()
    backend = ix.backend()

    def held(text: str) -> bool:
        terms = analyzer.words(text)
        return not terms or bool(backend.held_terms("body", terms))

    out: list[Case] = []
    n_names = count // 3 if names else 0
    while len(out) < count:
        is_name = len(out) < n_names
        kind = KINDS[len(out) % len(KINDS)]
        original = rng.choice(names if is_name else words)
        word = original.split()[-1] if is_name else original
        typed = misspell(word, kind, rng)
        if held(typed) or (is_name and backend.held_terms("people", [name_key(typed)])):
            continue
        if is_name and len(out) % 2:
            typed = f"person:{typed}"
        out.append(Case(kind, original, typed, is_name))
    accented = [w for w in words if fold(w) != w.lower()]
    return out, rng.sample(accented, min(20, len(accented)))


def evaluate(ix: Index, count: int, seed: int) -> None:
    analyzer = ix.backend().analyzer()
    made, accented = cases(ix, count, seed)
    right: Counter[str] = Counter()
    same_term: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    millis: list[float] = []
    wrong: list[str] = []
    for case in made:
        group = ("name, person:" if case.typed.startswith("person:") else "name, plain") \
            if case.is_name else case.kind
        asked[group] += 1
        started = time.perf_counter()
        result = ix.search(case.typed, limit=1, snippets=False)
        millis.append((time.perf_counter() - started) * 1000)
        got = result.suggestion or ""
        shown = got.removeprefix("person:").strip('"')
        if case.is_name:
            ok = name_key(shown) == name_key(case.original)
            near = ok or name_key(case.original.split()[-1]) in name_key(shown).split()
        else:
            ok = fold(shown) == fold(case.original)
            near = ok or bool(shown) and analyzer.words(shown) == analyzer.words(case.original)
        right[group] += ok
        same_term[group] += near
        if not ok:
            wrong.append(f"  {case.typed!r} ({case.kind}) -> {got or '(nothing)'!r}, "
                         f"meant {case.original!r}")
    print(f"{len(made)} misspellings (seed {seed}); suggestion right / same term or "
          "surname, per kind:")
    for group in [*KINDS, "name, plain", "name, person:"]:
        if asked[group]:
            print(f"  {group:14} {right[group]:3}/{asked[group]:<3} {same_term[group]:3}")
    total = sum(asked.values())
    print(f"  {'all':14} {sum(right.values()):3}/{total:<3} {sum(same_term.values()):3}  "
          f"({100 * sum(right.values()) / total:.0f}% right, "
          f"{100 * sum(same_term.values()) / total:.0f}% same term)")
    print(f"time per query that found nothing (search + suggestion): p50 "
          f"{statistics.median(millis):.0f} ms, max {max(millis):.0f} ms")
    found = sum(ix.search(fold(w), limit=0).total > 0 for w in accented)
    print(f"accents dropped: {found}/{len(accented)} words found as typed (no suggestion needed)")
    print("not right:")
    print("\n".join(wrong) or "  (none)")


def compare_automaton(ix: Index, count: int, seed: int, words: int = 20) -> None:
    """Time the two ways of finding the terms near a misspelt word, side by side, on the
    first ``words`` word misspellings: Whoosh's edit-distance automaton walked over each
    segment's terms (Levenshtein: a swap is two edits) and the spellings one slip away
    looked up (:func:`searchidx.suggest.one_slip`, then ``held_terms``)."""
    from searchidx.suggest import one_slip

    backend = ix.backend()
    analyzer = backend.analyzer()
    leaves = [leaf.reader() for leaf, _ in backend.searcher().leaf_searchers()]
    made = [c for c in cases(ix, count, seed)[0] if not c.is_name][:words]
    timings: dict[str, list[float]] = {"automaton, 1 edit": [], "automaton, 2 edits": [],
                                       "one slip, looked up": []}
    found: Counter[str] = Counter()
    for case in made:
        typed = analyzer.words(case.typed)[0]
        meant = analyzer.words(case.original)[0]
        for label, maxdist in (("automaton, 1 edit", 1), ("automaton, 2 edits", 2)):
            started = time.perf_counter()
            near = {t for reader in leaves for t in reader.terms_within("body", typed, maxdist)}
            timings[label].append((time.perf_counter() - started) * 1000)
            found[label] += meant in near
        started = time.perf_counter()
        spellings = {t for c in one_slip(fold(case.typed)) for t in analyzer.words(c)[:1]}
        near = set(backend.held_terms("body", spellings))
        timings["one slip, looked up"].append((time.perf_counter() - started) * 1000)
        found["one slip, looked up"] += meant in near
    print(f"finding the terms near {len(made)} misspelt words, {len(leaves)} segments "
          "(ms per word, p50 and max; how often the word meant is among them):")
    for label, values in timings.items():
        print(f"  {label:20} p50 {statistics.median(values):6.0f}  max {max(values):6.0f}  "
              f"{found[label]}/{len(made)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index folder (facta, DICE …)")
    parser.add_argument("--count", type=int, default=100, help="misspellings (default 100)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--compare-automaton", action="store_true",
                        help="also time Whoosh's edit-distance automaton against the "
                             "spellings one slip away, on 20 of the words")
    args = parser.parse_args(argv)
    ix = Index(args.index)
    if not ix.exists():
        parser.error(f"no index at {args.index}: build it with searchidx index")
    evaluate(ix, args.count, args.seed)
    if args.compare_automaton:
        compare_automaton(ix, args.count, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
