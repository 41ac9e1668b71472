"""Fit the passage-rescoring weights (``index.rescore_weights``) on SQuAD-it, honestly.

The features are those ``searchidx query`` computes (``searchidx.rescore``), for
the first ``rescore_depth`` BM25 hits of every question, through the package's
own index and analyser. The questions are split in two halves *by article* (no
article's paragraphs in both), weights are fitted by coordinate ascent on one
half and scored on the other, both ways; the proposed weights are the mean of
the two fits. Nothing depends on individual questions.

    .venv/bin/python scripts/fit_rescore.py          # ~5 min; prints YAML to paste

Exit status: 0 done, 2 data missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_retrieval import DEFAULT_DATA, EvalError, K, load_data  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.config import load_config  # noqa: E402
from searchidx.rescore import FEATURES, Candidate, passage_features  # noqa: E402
from searchidx.search import rescore_terms  # noqa: E402

STEPS = (0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Question:
    """One question's candidates: feature rows in BM25 order, and where the answer is."""

    fold: int  # 0 or 1, by the answer's article
    rows: list[tuple[float, ...]]  # one value per FEATURES name
    gold: int | None  # index of the answering paragraph among the rows


def collect(data: Path, limit: int | None, work: Path, depth: int | None = None
            ) -> list[Question]:
    """Index the paragraphs and compute every candidate's features for every question
    (the first ``depth`` hits; default: the configured ``rescore_depth``)."""
    docs, questions = load_data(data, limit)
    corpus = work / "paragraphs.jsonl"
    corpus.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                      encoding="utf-8")
    config = load_config(search_cwd=False)
    depth = depth or int(config["index"]["rescore_depth"])
    config["index"]["rescore_depth"] = 0  # the first stage: BM25 alone
    index = Index(work / "index", config)
    index.update([corpus])
    analyzer = index.backend().analyzer()
    texts = {d["id"]: (d["title"], d["text"]) for d in docs}
    found = []
    for question in questions:
        terms = rescore_terms(index.backend(), index.config, question["question"])
        if terms is None:
            continue  # not rescored by searchidx either
        hits = index.search(question["question"], any=True, limit=depth).hits
        if not hits:
            continue
        top = max(h.score for h in hits) or 1.0
        rows = []
        for hit in hits:
            title, body = texts[hit.id]
            features = passage_features(Candidate(0, hit.score, title, body), terms, analyzer)
            features["bm25"] = hit.score / top
            rows.append(tuple(features[name] for name in FEATURES))
        ids = [h.id for h in hits]
        gold = ids.index(question["paragraph"]) if question["paragraph"] in ids else None
        article = question["paragraph"].rsplit("#", 1)[0]
        found.append(Question(zlib.crc32(article.encode("utf-8")) % 2, rows, gold))
    index.close()
    return found


def mrr(questions: Sequence[Question], weights: Sequence[float], fold: int | None = None
        ) -> float:
    """MRR@K of the rescored order (ties keep BM25 order), over one fold or all."""
    total, count = 0.0, 0
    for question in questions:
        if fold is not None and question.fold != fold:
            continue
        count += 1
        if question.gold is None:
            continue
        scores = [sum(w * v for w, v in zip(weights, row, strict=True)) for row in question.rows]
        mine = scores[question.gold]
        rank = 1 + sum(1 for i, s in enumerate(scores)
                       if s > mine or (s == mine and i < question.gold))
        total += 1 / rank if rank <= K else 0.0
    return total / max(count, 1)


def ascend(questions: Sequence[Question], fold: int) -> list[float]:
    """Coordinate ascent from BM25 alone (its weight fixed at 1) on one fold."""
    weights = [1.0 if name == "bm25" else 0.0 for name in FEATURES]
    best = mrr(questions, weights, fold)
    improved = True
    while improved:
        improved = False
        for i, name in enumerate(FEATURES):
            if name == "bm25":
                continue
            for step in (*STEPS, *(-s for s in STEPS)):
                trial = list(weights)
                trial[i] = round(trial[i] + step, 3)
                value = mrr(questions, trial, fold)
                if value > best + 1e-4:
                    best, weights, improved = value, trial, True
    return weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="shared data folder holding squad-it/ (default: %(default)s)")
    parser.add_argument("--limit-questions", type=int, metavar="N",
                        help="use only the first N questions (a quick run)")
    parser.add_argument("--depth", type=int, metavar="N",
                        help="rescore the first N hits (default: the configured rescore_depth)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fit-rescore-") as folder:
        try:
            questions = collect(args.data, args.limit_questions, Path(folder), args.depth)
        except EvalError as exc:
            print(f"fit_rescore: error: {exc}", file=sys.stderr)
            return 2
    print(f"{len(questions)} rescored questions; folds of {sum(q.fold == 0 for q in questions)}"
          f" and {sum(q.fold == 1 for q in questions)} (split by article)")
    shipped = [float(load_config(search_cwd=False)["index"]["rescore_weights"].get(name, 0.0))
               for name in FEATURES]
    fits = [ascend(questions, fold) for fold in (0, 1)]
    for fold, weights in enumerate(fits):
        print(f"fitted on fold {fold}: held-out MRR@{K} {mrr(questions, weights, 1 - fold):.4f}")
    mean = [round((a + b) / 2, 2) for a, b in zip(*fits, strict=True)]
    for label, weights in (("configured weights", shipped), ("mean of the two fits", mean)):
        print(f"{label}: MRR@{K} {mrr(questions, weights):.4f} on these questions "
              f"(folds {mrr(questions, weights, 0):.4f} / {mrr(questions, weights, 1):.4f})")
    print("\nrescore_weights:")
    for name, value in zip(FEATURES, mean, strict=True):
        print(f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
