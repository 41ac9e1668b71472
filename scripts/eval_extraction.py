"""Measure extraction quality and speed; prints every figure the extraction issue asks for.

Usage: .venv/bin/python scripts/eval_extraction.py [--data DIR] [--only kind,facta,dice]
       [--errors N]

- KIND Wikinews (WN_train.tsv, WN_dev.tsv): person-mention precision, recall and F1
  (exact character spans), each sentence fed to extract_article as a document.
- facta: how many articles get at least one speaker, and 20 sampled quotes
  (speaker | quote start | article id) to check by hand.
- DICE: articles per second of extract_article on one core.

The data is read from --data, else ../shared/data next to the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from searchidx.config import load_config
from searchidx.extraction import extract_article
from searchidx.extraction.kind import read_kind
from searchidx.models import DateValue, RawArticle

ROOT = Path(__file__).resolve().parent.parent


def find_data(given: str | None) -> Path | None:
    candidates = [Path(given)] if given else [ROOT.parent / "shared" / "data",
                                              Path("/work/shared/data")]
    for cand in candidates:
        if cand.is_dir():
            return cand
    return None


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


def _date(text: str | None) -> DateValue | None:
    if not text:
        return None
    try:
        parts = [int(x) for x in text[:10].split("-")]
        return DateValue.of(*parts)
    except (ValueError, TypeError):
        return None


def facta_speakers(path: Path, config) -> None:
    articles = [json.loads(line) for line in path.open(encoding="utf-8")]
    with_speaker = 0
    samples: list[tuple[str, str, str, str]] = []
    for rec in articles:
        raw = RawArticle(id=rec["id"], path=str(path), body=rec.get("text") or "",
                         title=rec.get("title"), date=_date(rec.get("date")),
                         publisher=rec.get("publisher"), url=rec.get("url"))
        article = extract_article(raw, config)
        if article.speakers:
            with_speaker += 1
        for q in article.quotes:
            samples.append((q.speaker, q.kind, " ".join(q.text.split())[:70], rec["id"]))
    n = len(articles)
    print(f"facta: {with_speaker}/{n} articles ({100 * with_speaker / n:.1f}%) have >= 1 speaker;"
          f" {len(samples)} quotes")
    print("facta: 20 sampled quotes (speaker | kind | quote start | article id):")
    for speaker, kind, text, aid in random.Random(7).sample(samples, min(20, len(samples))):
        print(f"  {speaker} | {kind} | {text} | {aid}")


def dice_speed(path: Path, config) -> None:
    raws = []
    for k, line in enumerate(path.open(encoding="utf-8")):
        rec = json.loads(line)
        raws.append(RawArticle(id=rec["id"], path=str(path), body=rec.get("text") or "",
                               publisher=rec.get("publisher"), line=k + 1))
    extract_article(raws[0], config)  # compile the configuration first
    t0, c0 = time.perf_counter(), time.process_time()
    people = 0
    for raw in raws:
        people += len(extract_article(raw, config).people)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"DICE: {len(raws)} articles in {cpu:.1f}s of CPU = {len(raws) / cpu:.0f} articles/s "
          f"on one core ({len(raws) / wall:.0f}/s wall clock); "
          f"{people / len(raws):.1f} people per article")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--only", default="kind,facta,dice")
    parser.add_argument("--errors", type=int, default=0, help="print N sampled KIND errors")
    args = parser.parse_args()
    data = find_data(args.data)
    if data is None:
        print("shared data not found: expected ../shared/data next to the repository "
              "(or pass --data DIR); nothing measured")
        return 1
    config = load_config(search_cwd=False)
    only = set(args.only.split(","))
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
            dice_speed(path, config)
        else:
            print(f"DICE: {path} not found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
