"""Train the extraction tagger on KIND Wikinews and write searchidx/extraction/data/ner.json.gz.

Usage: .venv/bin/python scripts/train_tagger.py [--data DIR] [--epochs N]
       [--case-corpora squad-it,facta,dice]

The model is an averaged structured perceptron over name-like token runs (see
searchidx/extraction/tagger.py); its features consult the word lists of the
default configuration (first names, roles, particles, gazetteer), so retrain
after changing those lists substantially. It also writes the word-case table
(how each word is usually capitalised mid-sentence), counted on the unlabelled
texts of --case-corpora. The PER margin threshold is chosen by 5-fold
cross-validation on WN_train (contiguous folds); WN_dev is never used here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from searchidx.config import default_config
from searchidx.extraction.kind import Sentence, read_kind
from searchidx.extraction.resources import resources_for
from searchidx.extraction.tagger import (
    CASE_FILE,
    MODEL_FILE,
    case_table,
    region_examples,
    tag,
    train,
)
from searchidx.extraction.text import Token, tokenize

ROOT = Path(__file__).resolve().parent.parent


def find_data(given: str | None) -> Path | None:
    """The shared data folder: --data, else ../shared/data or /work/shared/data."""
    for cand in ([Path(given)] if given else
                 [ROOT.parent / "shared" / "data", Path("/work/shared/data")]):
        if (cand / "kind").is_dir():
            return cand
    return None


def token_tags(sentence: Sentence) -> tuple[list[Token], list[str]]:
    """Our tokens of a KIND sentence and their gold BIO tags (from character spans)."""
    tokens = tokenize(sentence.text)
    tags = ["O"] * len(tokens)
    for start, end, label in sentence.spans:
        for k, tok in enumerate(tokens):
            if tok.start == start and tok.end <= end:
                tags[k] = "B-" + label
            elif start < tok.start and tok.end <= end:
                tags[k] = "I-" + label
    return tokens, tags


def _spans(tags: list[str], label: str) -> list[tuple[int, int]]:
    out = []
    k = 0
    while k < len(tags):
        if tags[k] == "B-" + label:
            e = k + 1
            while e < len(tags) and tags[e] == "I-" + label:
                e += 1
            out.append((k, e))
            k = e
        else:
            k += 1
    return out


def choose_threshold(margins: list[tuple[float, bool]], gold_total: int,
                     min_precision: float) -> float:
    """The PER margin threshold with the best cross-validated F1 among those reaching
    ``min_precision`` (the best F1 overall if none does)."""
    ranked = sorted(margins, key=lambda m: -m[0])
    best: tuple[float, float] | None = None
    best_any: tuple[float, float] = (0.0, 0.0)
    tp = 0
    for n, (margin, ok) in enumerate(ranked, 1):
        tp += ok
        p, r = tp / n, tp / gold_total
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best_any[0]:
            best_any = (f, margin)
        if p >= min_precision and (best is None or f > best[0]):
            best = (f, margin)
    f, threshold = best or best_any
    print(f"cross-validated PER F1 {f:.3f} at margin threshold {threshold:.2f}")
    return threshold


def write_gz(path: Path, data: object) -> None:
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    path.write_bytes(gzip.compress(blob.encode("utf-8"), mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--min-precision", type=float, default=0.885)
    parser.add_argument("--case-corpora", default="squad-it,facta,dice")
    parser.add_argument("--out", default=str(ROOT / "searchidx/extraction/data" / MODEL_FILE))
    args = parser.parse_args()
    data = find_data(args.data)
    if data is None:
        print("KIND data not found (expected ../shared/data/kind); pass --data DIR")
        return 1
    t0 = time.perf_counter()
    sentences = list(read_kind(data / "kind" / "WN_train.tsv"))
    texts: list[str] = []
    for name in filter(None, args.case_corpora.split(",")):
        folder = data / name
        for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
            if path.name.startswith("questions"):
                continue
            texts += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    table = case_table(texts)
    out_dir = Path(args.out).parent
    write_gz(out_dir / CASE_FILE, table)
    print(f"word-case table of {sum(map(len, table.values()))} words -> {out_dir / CASE_FILE}")
    lex = resources_for(default_config()).lexicon
    tagged = [token_tags(sentence) for sentence in sentences]
    # contiguous folds: sentences of one news story stay together, as in a real split
    folds: list[list] = [[] for _ in range(args.folds)]
    for k, (tokens, tags) in enumerate(tagged):
        folds[k * args.folds // len(tagged)].append((tokens, tags))
    margins: list[tuple[float, bool]] = []
    gold_total = 0
    for k in range(args.folds):
        rest = [ex for j, fold in enumerate(folds) if j != k for t, g in fold
                for ex in region_examples(t, g, lex)]
        held = train(rest, epochs=args.epochs)
        for tokens, tags in folds[k]:
            gold = set(_spans(tags, "PER"))
            gold_total += len(gold)
            measured = tag(tokens, lex, held, thresholds={"PER": float("-inf")})
            for a, b, label, margin in measured:
                if label == "PER":
                    margins.append((margin, (a, b) in gold))
    threshold = choose_threshold(margins, gold_total, args.min_precision)
    examples = [ex for t, g in tagged for ex in region_examples(t, g, lex)]
    print(f"{len(examples)} regions from WN_train ({time.perf_counter() - t0:.1f}s)")
    model = train(examples, epochs=args.epochs)
    model.thresholds = {"PER": threshold}
    write_gz(Path(args.out), model.to_json())
    print(f"{len(model.weights)} features -> {args.out} "
          f"({Path(args.out).stat().st_size // 1024} KiB, {time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
