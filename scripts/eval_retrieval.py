"""Retrieval quality of searchidx on SQuAD-it, next to the peer engines (issue 4).

Indexes the 2,010 SQuAD-it paragraphs through the user path (``searchidx index``
on a JSONL file), asks every question in one ``searchidx query --batch --any``
process and scores MRR@10, Recall@1 and Recall@10: each question has exactly one
answering paragraph. The peers of ``peers.py`` answer the same questions in the
same run, and an ablation table re-runs searchidx with one configuration
override at a time (``--config`` on a temporary YAML file), so the README can
say which analysis and ranking choices matter, and by how much.

    .venv/bin/python scripts/eval_retrieval.py                       # everything, ~10 min
    .venv/bin/python scripts/eval_retrieval.py --limit-questions 500 --no-ablation

Exit status: 0 done, 2 data missing or searchidx failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import PEERS, make_peers, work_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
K = 10

# One row per configuration override: what each choice of the Italian chain and of
# the ranking is worth. Keys the package does not have (yet) are reported, not run.
ABLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("no passage rescoring", {"index": {"rescore_depth": 0}}),
    ("no prefix groups in the first stage", {"index": {"prefix_boost": 0}}),
    ("neither prefix groups nor rescoring", {"index": {"prefix_boost": 0, "rescore_depth": 0}}),
    ("prefix_boost 1.0", {"index": {"prefix_boost": 1.0}}),
    ("rescore the first 100", {"index": {"rescore_depth": 100}}),
    ("rescoring: no exact-form features",
     {"index": {"rescore_weights": {"sentence_exact": 0.0, "article_exact": 0.0}}}),
    ("rescoring: no numeric-answer feature",
     {"index": {"rescore_weights": {"numeric_answer": 0.0}}}),
    ("rescoring: no prefix feature (weights of the previous release)",
     {"index": {"rescore_weights": {"sentence": 1.5, "two_sentences": 1.1,
                                    "sentence_exact": 0.47, "article_exact": 0.33,
                                    "sentence_prefix": 0.0, "near_pairs": 0.0, "title": 2.17,
                                    "numeric_answer": 0.53}}}),
    ("rescoring: no near-pairs feature (weights of the previous release)",
     {"index": {"rescore_weights": {"sentence": 0.07, "two_sentences": 1.23,
                                    "sentence_exact": 0.55, "article_exact": 0.3,
                                    "sentence_prefix": 1.25, "near_pairs": 0.0,
                                    "title": 1.93, "numeric_answer": 0.53}}}),
    ("rescoring: near pairs within 1 word (adjacent)", {"index": {"rescore_pair_window": 1}}),
    ("rescoring: near pairs within 8 words", {"index": {"rescore_pair_window": 8}}),
    ("prefixes of 4 letters (first stage and rescoring)", {"index": {"prefix_chars": 4}}),
    ("prefixes of 6 letters (first stage and rescoring)", {"index": {"prefix_chars": 6}}),
    ("Snowball stemmer in the index", {"italian": {"stemmer": "snowball"}}),
    ("no stemming", {"italian": {"stem_min_length": 99}}),
    ("stem_min_length 5", {"italian": {"stem_min_length": 5}}),
    ("no stopwords", {"italian": {"stopwords": []}}),
    ("no elision", {"italian": {"elisions": []}}),
    ("title_boost 0.25", {"index": {"title_boost": 0.25}}),
    ("title_boost 1.0", {"index": {"title_boost": 1.0}}),
    ("title_boost 2.0", {"index": {"title_boost": 2.0}}),
    ("title_boost 3.0", {"index": {"title_boost": 3.0}}),
    ("bm25_b 0.5", {"index": {"bm25_b": 0.5}}),
    ("bm25_b 0.9", {"index": {"bm25_b": 0.9}}),
    ("bm25_k1 0.9", {"index": {"bm25_k1": 0.9}}),
    ("bm25_k1 1.6", {"index": {"bm25_k1": 1.6}}),
    ("no mojibake repair", {"reading": {"fix_mojibake": False}}),
]


# Changes measured outside the package before proposing them (``--prototypes``): an
# in-memory Whoosh index of the same paragraphs as read by searchidx, analysed by
# searchidx's own Italian analyzer, queried with the OR of the question's terms.
PROTOTYPES: list[tuple[str, dict[str, Any]]] = [
    ("as the package: title^0.5 + body, light stemmer", {"split": True}),
    ("title+body in one field, light stemmer", {}),
    ("one field + unstemmed field searched too, x0.5", {"unstemmed": 0.5}),
    ("... + adjacent query words as phrases (slop 1), x0.1", {"unstemmed": 0.5, "pairs": 0.1}),
    ("... + bm25_k1 0.9", {"unstemmed": 0.5, "pairs": 0.1, "k1": 0.9}),
    ("one field, Snowball stemmer instead of light", {"snowball": True}),
    ("Snowball + unstemmed x0.5 + phrases x0.1 + bm25_k1 0.9",
     {"snowball": True, "unstemmed": 0.5, "pairs": 0.1, "k1": 0.9}),
]


class EvalError(Exception):
    """A step that makes the figures meaningless (missing data, searchidx failing)."""


@dataclass
class Scores:
    """MRR@10, Recall@1, Recall@10 over a question set, and the mean query time."""

    mrr: float
    r1: float
    r10: float
    ms_per_query: float | None = None
    questions: int = 0


def score(ranks: Iterable[int | None], k: int = K) -> Scores:
    """Scores from the 1-based rank of each question's answering paragraph (None: not in top k)."""
    ranks = list(ranks)
    if not ranks:
        return Scores(0.0, 0.0, 0.0)
    found = [r for r in ranks if r is not None and r <= k]
    n = len(ranks)
    return Scores(mrr=sum(1 / r for r in found) / n, r1=sum(r == 1 for r in found) / n,
                  r10=len(found) / n, questions=n)


def rank_of(gold: str, ids: list[str]) -> int | None:
    return ids.index(gold) + 1 if gold in ids else None


def one_line(text: str) -> str:
    """A question as one line of a batch file (batch mode reads one query per line)."""
    return " ".join(text.split())


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_data(data: Path, limit: int | None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Paragraphs and (non-empty) questions of SQuAD-it, or an :class:`EvalError` saying where."""
    folder = data / "squad-it"
    paragraphs, questions = folder / "paragraphs.jsonl", folder / "questions-dev.jsonl"
    for path in (paragraphs, questions):
        if not path.is_file():
            raise EvalError(f"{path} not found: give the shared data folder with --data DIR "
                            f"(see ../shared/README.md)")
    docs = [{"id": d["id"], "title": d["title"], "text": d["text"]} for d in load_jsonl(paragraphs)]
    qs = [q for q in load_jsonl(questions) if one_line(q["question"])]
    return docs, qs[:limit] if limit else qs


def searchidx_command() -> list[str]:
    """The installed ``searchidx`` command of this interpreter's environment."""
    script = Path(sys.executable).parent / "searchidx"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "searchidx.cli"]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SEARCHIDX_INDEX"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def unknown_keys(stderr: str) -> list[str]:
    """The configuration keys searchidx warned about as unknown (and so ignored)."""
    return re.findall(r"unknown key '([^']+)'", stderr)


def run_searchidx(work: Path, label: str, corpus: Path, batch: Path,
                  questions: list[dict[str, str]], override: dict[str, Any] | None = None
                  ) -> tuple[Scores, float]:
    """Index ``corpus`` and ask every question in one batch process; (scores, index seconds).

    Raises :class:`EvalError` when a step fails, or when ``override`` names a key
    the package does not know (the row would silently measure the defaults).
    """
    slug = re.sub(r"\W+", "-", label).strip("-")
    index = work / f"index-{slug}"
    shutil.rmtree(index, ignore_errors=True)
    config_args: list[str] = []
    if override:
        config = work / f"config-{slug}.yaml"
        config.write_text(json.dumps(override), encoding="utf-8")  # JSON is YAML
        config_args = ["--config", str(config)]
    cmd = searchidx_command()
    started = time.perf_counter()
    done = run([*cmd, "index", str(corpus), "--index", str(index), "--quiet", *config_args], work)
    index_seconds = time.perf_counter() - started
    if unknown := unknown_keys(done.stderr):
        raise EvalError(f"unknown config key {', '.join(unknown)}")
    if done.returncode != 0:
        raise EvalError(f"'searchidx index' failed ({done.returncode}): {done.stderr.strip()}")
    started = time.perf_counter()
    done = run([*cmd, "query", "--batch", str(batch), "--any", "--limit", str(K),
                "--format", "jsonl", "--index", str(index), *config_args], work)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise EvalError(f"'searchidx query --batch' failed ({done.returncode}): "
                        f"{done.stderr.strip()}")
    records = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(records) != len(questions):
        raise EvalError(f"batch gave {len(records)} answers for {len(questions)} questions")
    ranks = []
    for question, record in zip(questions, records, strict=True):
        if record.get("error"):
            raise EvalError(f"query {record['query']!r}: {record['error']}")
        ranks.append(rank_of(question["paragraph"], [h["id"] for h in record["hits"]]))
    scores = score(ranks)
    scores.ms_per_query = 1000 * seconds / len(questions)
    return scores, index_seconds


def run_peer(peer: Any, docs: list[dict[str, str]], questions: list[dict[str, str]]
             ) -> tuple[Scores, float]:
    """The same figures for one peer engine; (scores, index seconds)."""
    started = time.perf_counter()
    peer.build(docs)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ranks = [rank_of(q["paragraph"], peer.search(q["question"], K)) for q in questions]
    seconds = time.perf_counter() - started
    peer.close()
    scores = score(ranks)
    scores.ms_per_query = 1000 * seconds / len(questions)
    return scores, index_seconds


def prototype(docs: list[tuple[str, str, str]], questions: list[dict[str, str]],
              split: bool = False, snowball: bool = False, unstemmed: float = 0.0,
              pairs: float = 0.0, k1: float = 1.2) -> tuple[Scores, float]:
    """Scores of one candidate change, and its index size in MB (see ``PROTOTYPES``).

    Builds on public pieces only (``italian_analyzer``, Whoosh), so it keeps
    working while the package changes. Whoosh's OR picks, on indexes under
    5,000 documents, a preloading matcher that scores wrongly once nested in
    another query; the OR here is forced to the plain union.
    """
    from whoosh import query, scoring
    from whoosh.analysis import StemFilter
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.filedb.filestore import RamStorage

    from searchidx import load_config
    from searchidx.analysis import italian_analyzer

    config = load_config(search_cwd=False)
    main = (italian_analyzer(config, stem=False) | StemFilter(lang="it") if snowball
            else italian_analyzer(config))
    plain = italian_analyzer(config, stem=False)
    schema = Schema(id=ID(stored=True), all=TEXT(analyzer=main), title=TEXT(analyzer=main),
                    body=TEXT(analyzer=main), plain=TEXT(analyzer=plain))
    storage = RamStorage()
    ix = storage.create_index(schema)
    writer = ix.writer()
    for doc_id, title, body in docs:
        if split:
            writer.add_document(id=doc_id, title=title, body=body)
        else:
            writer.add_document(id=doc_id, all=f"{title}\n{body}",
                                **({"plain": f"{title}\n{body}"} if unstemmed else {}))
    writer.commit()
    size_mb = sum(storage.file_length(name) for name in storage.list()) / 2**20
    searcher = ix.searcher(weighting=scoring.BM25F(B=0.75, K1=k1))
    ranks = []
    for question in questions:
        terms = [t.text for t in main(question["question"])]
        if split:
            subs: list[Any] = [query.Term(f, t, boost=0.5 if f == "title" else 1.0)
                               for t in terms for f in ("title", "body")]
        else:
            subs = [query.Term("all", t) for t in terms]
        if unstemmed:
            subs += [query.Term("plain", t.text, boost=unstemmed)
                     for t in plain(question["question"])]
        if pairs:
            subs += [query.Phrase("all", [a, b], slop=1, boost=pairs)
                     for a, b in dict.fromkeys(zip(terms, terms[1:], strict=False))]
        either = query.Or(subs)
        either.matcher_type = query.Or.DEFAULT_MATCHER
        ids = [hit["id"] for hit in searcher.search(either, limit=K)] if subs else []
        ranks.append(rank_of(question["paragraph"], ids))
    return score(ranks), size_mb


def run_prototypes(corpus: Path, questions: list[dict[str, str]]) -> None:
    from searchidx import extract
    from searchidx.errors import ReadError

    docs = [(a.id, a.title or "", a.body) for a in extract([corpus])
            if not isinstance(a, ReadError)]
    print("\nPrototypes: candidate changes measured outside the package (in-memory Whoosh,\n"
          "searchidx's reader and Italian analyzer, OR of the question's terms)\n")
    header = ["change", "MRR@10", "R@1", "R@10", "index MB"]
    print(fmt_row(header))
    print(fmt_row(["---"] * len(header)))
    for label, options in PROTOTYPES:
        s, size_mb = prototype(docs, questions, **options)
        print(fmt_row([label, *fmt_scores(s), f"{size_mb:.1f}"]), flush=True)


def fmt_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def fmt_scores(s: Scores) -> list[str]:
    return [f"{s.mrr:.3f}", f"{s.r1:.3f}", f"{s.r10:.3f}"]


def delta(value: float, base: float) -> str:
    return f"{value:.3f} ({value - base:+.3f})"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score searchidx on SQuAD-it (MRR@10, R@1, R@10) next to the peer engines, "
                    "with an ablation table of configuration overrides.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="shared data folder holding squad-it/ (default: %(default)s)")
    parser.add_argument("--limit-questions", type=int, metavar="N",
                        help="ask only the first N questions (a quick run)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer engines")
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation table")
    parser.add_argument("--prototypes", action="store_true",
                        help="also measure candidate changes outside the package (~3 min)")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help="comma-separated peers to run (default: %(default)s)")
    parser.add_argument("--workdir", type=Path,
                        help="keep indexes and batch files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    unknown = set(args.peers.split(",")) - set(PEERS)
    if unknown:
        parser.error(f"unknown peer {', '.join(sorted(unknown))}; choose from {', '.join(PEERS)}")
    return args


def evaluate(args: argparse.Namespace, work: Path) -> None:
    docs, questions = load_data(args.data, args.limit_questions)
    corpus, batch = work / "paragraphs.jsonl", work / "questions.txt"
    with corpus.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    batch.write_text("".join(one_line(q["question"]) + "\n" for q in questions), encoding="utf-8")
    print(f"SQuAD-it: {len(docs)} paragraphs, {len(questions)} questions, top {K}; "
          f"natural-language queries (any of the words)\n")

    header = ["engine", "analysis", "MRR@10", "R@1", "R@10", "ms/query", "index s"]
    print(fmt_row(header))
    print(fmt_row(["---"] * len(header)))
    base, seconds = run_searchidx(work, "defaults", corpus, batch, questions)
    print(fmt_row(["**searchidx**",
                   "Italian chain, title+body BM25F, prefix groups, passage rescoring "
                   "(`query --batch --any`)",
                   *fmt_scores(base), f"{base.ms_per_query:.2f}", f"{seconds:.1f}"]), flush=True)
    if not args.no_peers:
        peers, skipped = make_peers(args.peers.split(","), work / "peers")
        for peer in peers:
            scores, seconds = run_peer(peer, docs, questions)
            print(fmt_row([peer.name, peer.analysis, *fmt_scores(scores),
                           f"{scores.ms_per_query:.2f}", f"{seconds:.1f}"]), flush=True)
        for name, why in skipped.items():
            print(fmt_row([name, why, "", "", "", "", ""]))
    print("\nsearchidx ms/query = wall time of the one batch process / questions "
          "(start-up and snippets included); peers: in-process search calls, no snippets.")
    print(f"Targets (issue 4): MRR@10 >= 0.84 ({'met' if base.mrr >= 0.84 else 'NOT met'}), "
          f"R@10 >= 0.95 ({'met' if base.r10 >= 0.95 else 'NOT met'}).")
    if not args.no_ablation:
        run_ablation(work, corpus, batch, questions, base)
    if args.prototypes:
        run_prototypes(corpus, questions)


def run_ablation(work: Path, corpus: Path, batch: Path, questions: list[dict[str, str]],
                 base: Scores) -> None:
    print("\nAblation: searchidx with one override at a time (--config), change vs defaults\n")
    header = ["override", "config", "MRR@10", "R@1", "R@10"]
    print(fmt_row(header))
    print(fmt_row(["---"] * len(header)))
    print(fmt_row(["(defaults)", "", *fmt_scores(base)]))
    for label, override in ABLATIONS:
        shown = f"`{json.dumps(override, ensure_ascii=False)}`"
        try:
            s, _ = run_searchidx(work, label, corpus, batch, questions, override)
        except EvalError as exc:
            print(fmt_row([label, shown, f"not run: {exc}", "", ""]), flush=True)
            continue
        print(fmt_row([label, shown, delta(s.mrr, base.mrr), delta(s.r1, base.r1),
                       delta(s.r10, base.r10)]), flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with work_folder(args.workdir, "searchidx-eval-") as folder:
            evaluate(args, folder)
    except EvalError as exc:
        print(f"eval_retrieval: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
