"""Train the extraction tagger on KIND and write searchidx/extraction/data/ner.json.gz.

Usage: .venv/bin/python scripts/train_tagger.py [--data DIR] [--epochs N] [--folds K]
       [--extra ADG_train:0.5,FIC_train:0.5] [--min-precision P] [--case-corpora LIST]
       [--cv-only]

The model is an averaged structured perceptron over name-like token runs (see
searchidx/extraction/tagger.py); its features consult the word lists of the
default configuration (first names, roles, particles, gazetteer) and the word
clusters of scripts/build_clusters.py, so retrain after changing either. It also
writes the word-case table (how each word is usually capitalised mid-sentence),
counted on the unlabelled texts of --case-corpora.

Every setting is chosen by cross-validation on WN_train: K contiguous folds (the
sentences of one news story stay together), each tagged by a model trained on
the other folds (plus --extra, never measured) and measured as the evaluation
measures held-out text: exact person-mention spans out of extract_article, so
the extraction's own rules count. The PER margin threshold is the one with the
best cross-validated F1 among those whose precision reaches --min-precision.
WN_dev is never read here: scripts/eval_extraction.py checks it afterwards.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from searchidx.config import Config, load_config
from searchidx.extraction import extract_article
from searchidx.extraction.kind import Sentence, read_kind
from searchidx.extraction.resources import resources_for
from searchidx.extraction.tagger import (
    CASE_FILE,
    MODEL_FILE,
    Lexicon,
    case_table,
    region_examples,
    train,
    use_model,
)
from searchidx.extraction.text import Token, tokenize
from searchidx.models import RawArticle

ROOT = Path(__file__).resolve().parent.parent
# margin thresholds tried for PER: a margin is a difference of perceptron scores
THRESHOLDS = (0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0, 22.5, 25.0, 30.0)

Tagged = tuple[list[Token], list[str]]


def find_data(given: str | None) -> Path | None:
    """The shared data folder: --data, else ../shared/data or /work/shared/data."""
    for cand in ([Path(given)] if given else
                 [ROOT.parent / "shared" / "data", Path("/work/shared/data")]):
        if (cand / "kind").is_dir():
            return cand
    return None


def token_tags(sentence: Sentence) -> Tagged:
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


def opening_particles(tagged: Sequence[Tagged], lex: Lexicon, min_count: int = 2,
                      min_share: float = 0.25) -> frozenset[str]:
    """Lowercase particles that open a person's name ("de Blasio", "bin Laden") at least
    ``min_count`` times and in ``min_share`` of their uses before a capitalised word
    outside a name: "di" and "della" never qualify."""
    before: Counter[str] = Counter()
    opening: Counter[str] = Counter()
    for tokens, tags in tagged:
        for k in range(len(tokens) - 1):
            t = tokens[k]
            if t.upper or t.lower not in lex.particles or not tokens[k + 1].upper \
                    or (k > 0 and tokens[k - 1].upper):
                continue
            before[t.lower] += 1
            opening[t.lower] += tags[k] == "B-PER"
    return frozenset(w for w, n in opening.items()
                     if n >= min_count and n >= min_share * before[w])


def examples(tagged: Sequence[Tagged], lex: Lexicon, openers: frozenset[str]) -> list:
    return [ex for tokens, tags in tagged for ex in region_examples(tokens, tags, lex, openers)]


def weighted(items: list, weight: float) -> list:
    """``items`` repeated ``weight`` times (a fraction: its first part once more)."""
    whole = int(weight)
    return items * whole + items[:round(len(items) * (weight - whole))]


def person_counts(sentences: Sequence[Sentence], config: Config) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of exact person-mention spans
    out of extract_article, each sentence a document (as scripts/eval_extraction.py)."""
    tp = fp = fn = 0
    for k, sentence in enumerate(sentences):
        article = extract_article(RawArticle(id=f"kind-{k}", path="kind",
                                             body=sentence.text), config)
        pred = {(m.start, m.end) for p in article.people for m in p.mentions}
        gold = {(a, b) for a, b, label in sentence.spans if label == "PER"}
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
    return tp, fp, fn


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def cross_validate(sentences: list[Sentence], tagged: list[Tagged], extra: list, lex: Lexicon,
                   config: Config, folds: int, epochs: int) -> dict[float, list[int]]:
    """Threshold -> summed (tp, fp, fn) over the folds."""
    fold_of = [k * folds // len(sentences) for k in range(len(sentences))]
    counts = {t: [0, 0, 0] for t in THRESHOLDS}
    for k in range(folds):
        rest = [t for t, f in zip(tagged, fold_of, strict=True) if f != k]
        held = [s for s, f in zip(sentences, fold_of, strict=True) if f == k]
        openers = opening_particles(rest, lex)
        model = train(examples(rest, lex, openers) + extra, epochs=epochs)
        model.openers = openers
        use_model(model)
        for threshold in THRESHOLDS:
            model.thresholds = {"PER": threshold}
            for i, n in enumerate(person_counts(held, config)):
                counts[threshold][i] += n
        use_model(None)
    return counts


def choose_threshold(counts: dict[float, list[int]], min_precision: float) -> float:
    """The threshold of best F1 among those reaching ``min_precision`` (else the one of
    best precision)."""
    scored = {t: prf(*c) for t, c in counts.items()}
    reaching = [t for t, (p, _, _) in scored.items() if p >= min_precision]
    if reaching:
        return max(reaching, key=lambda t: (scored[t][2], -t))
    return max(scored, key=lambda t: scored[t][0])


def write_gz(path: Path, data: object) -> None:
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    path.write_bytes(gzip.compress(blob.encode("utf-8"), mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--extra", default="",
                        help="other KIND train files with a weight, e.g. ADG_train:0.5")
    parser.add_argument("--min-precision", type=float, default=0.9)
    parser.add_argument("--case-corpora", default="squad-it,facta,dice")
    parser.add_argument("--cv-only", action="store_true",
                        help="print the cross-validation table, write nothing")
    parser.add_argument("--out", default=str(ROOT / "searchidx/extraction/data" / MODEL_FILE))
    args = parser.parse_args()
    data = find_data(args.data)
    if data is None:
        print("KIND data not found (expected ../shared/data/kind); pass --data DIR",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    out_dir = Path(args.out).parent
    if not args.cv_only:
        texts: list[str] = []
        for name in filter(None, args.case_corpora.split(",")):
            folder = data / name
            for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
                if path.name.startswith("questions"):
                    continue
                texts += [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        table = case_table(texts)
        write_gz(out_dir / CASE_FILE, table)
        print(f"word-case table of {sum(map(len, table.values()))} words -> "
              f"{out_dir / CASE_FILE}")
    config = load_config(search_cwd=False)
    lex = resources_for(config).lexicon
    sentences = list(read_kind(data / "kind" / "WN_train.tsv"))
    tagged = [token_tags(sentence) for sentence in sentences]
    extra_tagged: list[tuple[list[Tagged], float]] = []
    for item in filter(None, args.extra.split(",")):
        name, _, weight = item.partition(":")
        path = data / "kind" / f"{name}.tsv"
        if not path.is_file() or "dev" in name.lower():
            print(f"--extra: {path} is not a KIND train file", file=sys.stderr)
            return 2
        extra_tagged.append(([token_tags(s) for s in read_kind(path)], float(weight or 1)))
    openers_all = opening_particles(tagged, lex)
    extra = [ex for part, weight in extra_tagged
             for ex in weighted(examples(part, lex, openers_all), weight)]
    counts = cross_validate(sentences, tagged, extra, lex, config, args.folds, args.epochs)
    threshold = choose_threshold(counts, args.min_precision)
    print(f"{args.folds}-fold cross-validation on WN_train, person mentions through "
          f"extract_article ({args.epochs} epochs, extra: {args.extra or 'none'}):")
    for t, c in counts.items():
        p, r, f = prf(*c)
        mark = "  <- chosen" if t == threshold else ""
        print(f"  margin >= {t:5.1f}: P={p:.3f} R={r:.3f} F1={f:.3f} "
              f"(tp={c[0]} fp={c[1]} fn={c[2]}){mark}")
    if args.cv_only:
        print(f"({time.perf_counter() - t0:.0f}s)")
        return 0
    model = train(examples(tagged, lex, openers_all) + extra, epochs=args.epochs)
    model.thresholds = {"PER": threshold}
    model.openers = openers_all
    write_gz(Path(args.out), model.to_json())
    print(f"{len(model.weights)} features, openers {sorted(model.openers)} -> {args.out} "
          f"({Path(args.out).stat().st_size // 1024} KiB, {time.perf_counter() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
