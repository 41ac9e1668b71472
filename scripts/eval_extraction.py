"""Measure extraction quality and speed; prints every figure the extraction issues ask for.

Usage: .venv/bin/python scripts/eval_extraction.py [--data DIR]
       [--only annotated,pagella,kind,facta,dice] [--errors N] [--dice-articles N]

- annotated: the hand-annotated articles of tests/fixtures/annotated/articles.yaml
  (guideline in docs/extraction.md), each half (tune, check) apart, and the fresh check set
  of tests/fixtures/annotated/fresh.yaml (``fresh``: articles no rule was developed or
  tuned on, never printed by --errors): speakers, people and
  stating organisations (``sources``) P/R/F1 over all articles, and the quotes: how many
  of the annotated quotes with a named speaker are found with that speaker, and how many
  of those without one are listed as unattributed rather than given to someone.
- pagella: the Pagella Politica dev half, each half apart: the share of articles whose
  fact-checked politician (the publisher's own label) is among the speakers.
- KIND Wikinews (WN_train.tsv, WN_dev.tsv): person-mention precision, recall and F1
  (exact character spans), each sentence fed to extract_article as a document.
- facta: how many articles get at least one speaker, and 20 sampled quotes
  (speaker | quote start | article id) to check by hand.
- DICE: articles per second and milliseconds per article of extract_article on one core
  (the whole extraction, tagger included; --dice-articles N times the first N only).

Halves are fixed by the article id (the sha1 of the id, even = tune): rules are developed
on the tune half; the check half and the fresh set are the last look. --errors N prints the
differences
(annotated) and the misses (pagella) of the tune half, and N sampled KIND errors.

The data is read from --data, else ../shared/data next to the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from searchidx.analysis import name_key
from searchidx.config import load_config
from searchidx.extraction import extract_article
from searchidx.extraction.kind import read_kind
from searchidx.models import Article, DateValue, RawArticle

ROOT = Path(__file__).resolve().parent.parent
ANNOTATED = ROOT / "tests" / "fixtures" / "annotated" / "articles.yaml"
FRESH = ROOT / "tests" / "fixtures" / "annotated" / "fresh.yaml"
CORPORA = {"pagella": "pagella/dev.jsonl", "dice": "dice/articles.jsonl",
           "facta": "facta/articles.jsonl"}
HALVES = ("tune", "check")
GROUPS = (*HALVES, "fresh")  # the annotated articles: both halves, then the fresh check set


def find_data(given: str | None) -> Path | None:
    candidates = [Path(given)] if given else [ROOT.parent / "shared" / "data",
                                              Path("/work/shared/data")]
    for cand in candidates:
        if cand.is_dir():
            return cand
    return None


def half_of(article_id: str) -> str:
    """The half an article belongs to, fixed by its id."""
    return "tune" if int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 2 == 0 else "check"


def _date(text: str | None) -> DateValue | None:
    if not text:
        return None
    try:
        parts = [int(x) for x in text[:10].split("-")]
        return DateValue.of(*parts)
    except (ValueError, TypeError):
        return None


def raw_article(rec: dict[str, Any], path: Path, line: int | None = None) -> RawArticle:
    return RawArticle(id=rec["id"], path=str(path), body=rec.get("text") or "",
                      title=rec.get("title"), date=_date(rec.get("date")),
                      publisher=rec.get("publisher"), url=rec.get("url"), line=line)


# -- matching names --------------------------------------------------------------------------

def _words(name: str) -> tuple[str, ...]:
    return tuple(name_key(name).split())


def names_match(predicted: str, gold: Iterable[str]) -> bool:
    """Whether a predicted name is one of the gold spellings, or a part of one (or one a
    part of it) word for word: "Renzi" and "Matteo Renzi" name the same person of the
    article, "Matteo Rossi" and "Mario Rossi" do not."""
    p = _words(predicted)
    for g in map(_words, gold):
        if not p or not g:
            continue
        short, long_ = (p, g) if len(p) <= len(g) else (g, p)
        n = len(short)
        if any(long_[k:k + n] == short for k in range(len(long_) - n + 1)):
            return True
    return False


def match_count(predicted: list[str], gold: list[list[str]]) -> int:
    """Predicted names paired one to one with gold persons (each a list of spellings):
    exact spellings first, then parts of names. Two predicted names for one gold person
    (a person split in two) pair once: the other is a false positive."""
    free = list(range(len(gold)))
    left = list(predicted)
    pairs = 0
    for exact in (True, False):
        for name in list(left):
            for k in free:
                ok = (name_key(name) in {name_key(g) for g in gold[k]} if exact
                      else names_match(name, gold[k]))
                if ok:
                    free.remove(k)
                    left.remove(name)
                    pairs += 1
                    break
    return pairs


@dataclass
class Counts:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, predicted: list[str], gold: list[list[str]]) -> tuple[int, int]:
        """Count one article; returns its false positives and false negatives."""
        tp = match_count(predicted, gold)
        self.tp += tp
        self.predicted += len(predicted)
        self.gold += len(gold)
        return len(predicted) - tp, len(gold) - tp

    def line(self) -> str:
        p = self.tp / self.predicted if self.predicted else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return f"P {p:.3f} · R {r:.3f} · F1 {f:.3f} (tp={self.tp} fp={self.predicted - self.tp} " \
               f"fn={self.gold - self.tp})"


@dataclass
class QuoteCounts:
    named: int = 0  # annotated quotes with a named speaker
    named_found: int = 0  # ... found with that speaker
    unnamed: int = 0  # annotated quotes whose speaker is not named
    unnamed_listed: int = 0  # ... listed as unattributed
    unnamed_guessed: int = 0  # ... given to a person anyway
    verbs: int = 0  # found quotes with an annotated verb
    verbs_right: int = 0  # ... whose reporting verb the extractor names the same
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def pct(a: int, b: int) -> str:
            return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"
        return [f"quotes with a named speaker found with it: {pct(self.named_found, self.named)}",
                f"quotes without a named speaker listed as unattributed: "
                f"{pct(self.unnamed_listed, self.unnamed)}, given to a person: "
                f"{pct(self.unnamed_guessed, self.unnamed)}",
                f"reporting verb named as annotated (of the quotes found): "
                f"{pct(self.verbs_right, self.verbs)}"]


def _gold_people(entries: list[Any]) -> list[list[str]]:
    """Annotated names, each a list of its spellings."""
    return [[e] if isinstance(e, str) else [str(x) for x in e] for e in entries]


def _spellings(gold_people: list[list[str]], name: str) -> list[str]:
    """All spellings of the annotated person called ``name``."""
    return next((g for g in gold_people if name in g), [name])


def score_quotes(article: Article, title: str, gold: list[dict[str, Any]],
                 people: list[list[str]], counts: QuoteCounts) -> None:
    """Compare the extracted quotes with the annotated ones, located by their text."""
    for q in gold:
        where = q.get("field", "body")
        source = title if where == "title" else article.body
        start = source.find(q["text"])
        if start < 0:
            raise ValueError(f"{article.id}: quote text not in the {where}: {q['text']!r}")
        end = start + len(q["text"])
        over = [p for p in article.quotes if getattr(p, "field", "body") == where
                and p.start < end and start < p.end]
        speakers = q["speaker"]
        if speakers is None:
            counts.unnamed += 1
            counts.unnamed_listed += any(p.speaker is None for p in over)
            guessed = [p.speaker for p in over if p.speaker is not None]
            counts.unnamed_guessed += bool(guessed)
            if guessed:
                counts.misses.append(f"  {article.id}: unattributed quote given to {guessed[0]}: "
                                     f"{q['text'][:50]!r}")
            continue
        wanted = [speakers] if isinstance(speakers, str) else speakers
        spellings = [s for name in wanted for s in _spellings(people, name)]
        counts.named += 1
        right = [p for p in over if p.speaker is not None and names_match(p.speaker, spellings)]
        if right:
            counts.named_found += 1
            if q.get("verb"):
                counts.verbs += 1
                verb = getattr(right[0], "verb", None) or ""
                counts.verbs_right += name_key(str(q["verb"])) in name_key(verb) \
                    or name_key(verb) in name_key(str(q["verb"])) and bool(verb)
        else:
            got = ", ".join(str(p.speaker) for p in over) or "nothing"
            counts.misses.append(f"  {article.id}: quote of {wanted[0]} got {got}: "
                                 f"{q['text'][:50]!r}")


def annotated_scores(data: Path, config, errors: int) -> None:
    annotations = {**yaml.safe_load(ANNOTATED.read_text("utf-8"))["articles"],
                   **yaml.safe_load(FRESH.read_text("utf-8"))["articles"]}
    records: dict[str, tuple[dict[str, Any], Path]] = {}
    for corpus in sorted({a["corpus"] for a in annotations.values()}):
        path = data / CORPORA[corpus]
        if not path.is_file():
            print(f"annotated: {path} not found; nothing measured")
            return
        with path.open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if rec["id"] in annotations:
                    records[rec["id"]] = (rec, path)
    for half in GROUPS:
        ids = [i for i, a in annotations.items() if a["half"] == half]
        speakers, people, sources = Counts(), Counts(), Counts()
        quotes = QuoteCounts()
        diffs: list[str] = []
        for article_id in ids:
            gold = annotations[article_id]
            rec, path = records[article_id]
            article = extract_article(raw_article(rec, path), config)
            gold_people = _gold_people(gold["people"])
            gold_speakers = [_spellings(gold_people, s) for s in gold["speakers"]]
            fp, fn = speakers.add(article.speakers, gold_speakers)
            names = [p.name for p in article.people]
            pfp, pfn = people.add(names, gold_people)
            sources.add(article.sources, _gold_people(gold.get("sources") or []))
            score_quotes(article, rec.get("title") or "", gold["quotes"], gold_people, quotes)
            if fp or fn:
                diffs.append(f"  {article_id}: speakers {article.speakers} | gold "
                             f"{gold['speakers']}")
            if pfp or pfn:
                diffs.append(f"  {article_id}: people {names} | gold {gold['people']}")
        print(f"annotated {half} ({len(ids)} articles): speakers {speakers.line()}")
        print(f"annotated {half}: people {people.line()}")
        print(f"annotated {half}: stating organisations (sources) {sources.line()}")
        for text in quotes.lines():
            print(f"annotated {half}: {text}")
        if errors and half == "tune":  # the check half and the fresh set stay a last look
            for text in diffs + quotes.misses:
                print(text)


def politician_among_speakers(data: Path, config, errors: int) -> None:
    path = data / CORPORA["pagella"]
    if not path.is_file():
        print(f"pagella: {path} not found")
        return
    found = dict.fromkeys(HALVES, 0)
    total = dict.fromkeys(HALVES, 0)
    misses: list[str] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            politician = (rec.get("gold") or {}).get("politician")
            if not politician:
                continue
            half = half_of(rec["id"])
            article = extract_article(raw_article(rec, path), config)
            total[half] += 1
            if any(names_match(s, [politician]) for s in article.speakers):
                found[half] += 1
            elif half == "tune":
                misses.append(f"  {rec['id']}: {politician} not in {article.speakers}")
    for half in HALVES:
        share = 100 * found[half] / total[half] if total[half] else 0.0
        print(f"pagella {half}: the fact-checked politician is among the speakers in "
              f"{found[half]}/{total[half]} articles ({share:.0f}%)")
    if errors:
        print("\n".join(misses))


def kind_scores(path: Path, config, errors: int) -> None:
    tp = fp = fn = 0
    misses: list[str] = []
    for k, sentence in enumerate(read_kind(path)):
        raw = RawArticle(id=f"kind-{k}", path=str(path), body=sentence.text)
        article = extract_article(raw, config)
        pred = {(m.start, m.end) for p in article.people for m in p.mentions
                if m.field == "body"}
        gold = {(a, b) for a, b, label in sentence.spans if label == "PER"}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for a, b in sorted(pred ^ gold):
            tag = "FP" if (a, b) in pred else "FN"
            context = sentence.text[max(0, a - 40):b + 30]
            misses.append(f"  {tag} {sentence.text[a:b]!r} in …{context}…")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"KIND {path.name}: person mentions P={p:.3f} R={r:.3f} F1={f:.3f} "
          f"(tp={tp} fp={fp} fn={fn})")
    if errors:
        for line in random.Random(0).sample(misses, min(errors, len(misses))):
            print(line)


def facta_speakers(path: Path, config) -> None:
    articles = [json.loads(line) for line in path.open(encoding="utf-8")]
    with_speaker = 0
    samples: list[tuple[str, str, str, str]] = []
    for rec in articles:
        article = extract_article(raw_article(rec, path), config)
        if article.speakers:
            with_speaker += 1
        for q in article.quotes:
            samples.append((str(q.speaker), q.kind, " ".join(q.text.split())[:70], rec["id"]))
    n = len(articles)
    print(f"facta: {with_speaker}/{n} articles ({100 * with_speaker / n:.1f}%) have >= 1 speaker;"
          f" {len(samples)} quotes")
    print("facta: 20 sampled quotes (speaker | kind | quote start | article id):")
    for speaker, kind, text, aid in random.Random(7).sample(samples, min(20, len(samples))):
        print(f"  {speaker} | {kind} | {text} | {aid}")


def dice_speed(path: Path, config, limit: int | None = None) -> None:
    raws = []
    for k, line in enumerate(path.open(encoding="utf-8")):
        if limit is not None and k >= limit:
            break
        rec = json.loads(line)
        raws.append(RawArticle(id=rec["id"], path=str(path), body=rec.get("text") or "",
                               publisher=rec.get("publisher"), line=k + 1))
    extract_article(raws[0], config)  # compile the configuration first
    t0, c0 = time.perf_counter(), time.process_time()
    people = 0
    for raw in raws:
        people += len(extract_article(raw, config).people)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"DICE: {len(raws)} articles in {cpu:.1f}s of CPU = {len(raws) / cpu:.0f} articles/s, "
          f"{1000 * cpu / len(raws):.2f} ms per article on one core "
          f"({len(raws) / wall:.0f}/s wall clock); {people / len(raws):.1f} people per article")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--only", default="annotated,pagella,kind,facta,dice")
    parser.add_argument("--errors", type=int, default=0,
                        help="print the differences (annotated, pagella) and N sampled KIND "
                             "errors")
    parser.add_argument("--dice-articles", type=int, default=None, metavar="N",
                        help="time only the first N DICE articles (quicker paired runs)")
    args = parser.parse_args()
    data = find_data(args.data)
    if data is None:
        print("shared data not found: expected ../shared/data next to the repository "
              "(or pass --data DIR); nothing measured")
        return 1
    config = load_config(search_cwd=False)
    only = set(args.only.split(","))
    if "annotated" in only:
        annotated_scores(data, config, args.errors)
    if "pagella" in only:
        politician_among_speakers(data, config, args.errors)
    if "kind" in only:
        for name in ("WN_dev.tsv", "WN_train.tsv"):
            path = data / "kind" / name
            if path.is_file():
                kind_scores(path, config, args.errors if name == "WN_dev.tsv" else 0)
            else:
                print(f"KIND {name}: not found under {data / 'kind'}")
    if "facta" in only:
        path = data / "facta" / "articles.jsonl"
        if path.is_file():
            facta_speakers(path, config)
        else:
            print(f"facta: {path} not found")
    if "dice" in only:
        path = data / "dice" / "articles.jsonl"
        if path.is_file():
            dice_speed(path, config, args.dice_articles)
        else:
            print(f"DICE: {path} not found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
