"""A corpus of N articles for the figures at 100,000 articles (issues 20 and 21), seeded.

Distinct articles first, every one of ``../shared/data``'s news-like texts once: DICE
(10,372), Facta (1,090), Pagella Politica (150), the SQuAD-it paragraphs (2,010, as
articles of the publisher "Wikipedia") and KIND's Wikinews sentences in runs of 8
consecutive ones (publisher "Wikinews"): 15,310 articles. Beyond that the corpus is
REPEATED, and the ids say so: the distinct articles are taken again in turn, round
after round, each time as

- a *collage* (id ``dice-57~2`` for round 2): one sentence of three is the original's
  (in its place), the other two come from two other articles of the same collection,
  so it shares about a third of its shingles with each (Jaccard about 0.2, under the
  story threshold 0.4): a new text of the same kind, people, places and words;
- or, one in ``--versions`` (default 10), an edited *version* of the original (id
  ``dice-57~2v``), made as ``scripts/eval_stories.py`` makes its copies (new title,
  dateline, a passage cut or added, 10-30% of the sentences reworded), which joins the
  original's story: stories keep a share of several versions, as archives have.

Dates: the source's own (Facta, Pagella), else a fixed synthetic day in 2011-2021 from
the id (``scripts/bench.py``'s); a version takes its original's. Written as JSONL files
of 10,000 articles each in ``--out``, and beside it ``OUT.json`` (seed, counts by kind and
collection), outside the folder so that indexing it reads articles only.

    .venv/bin/python scripts/make_corpus.py --articles 100000 --out /tmp/bench100k/corpus

Exit status: 0 written, 2 data missing.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import SHARD, synthetic_date  # noqa: E402
from eval_stories import edited_copy  # noqa: E402

from searchidx.stories import sentences  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
WIKINEWS_RUN = 8  # KIND sentences per Wikinews article


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise SystemExit(f"make_corpus: {path} not found: give the shared data folder "
                         "with --data DIR")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def kind_sentences(path: Path) -> Iterator[str]:
    """The sentences of a KIND file (one token per line, a blank line between sentences),
    re-joined with a space after each token and none before punctuation."""
    tokens: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            token = line.split("\t", 1)[0].strip()
            if token:
                tokens.append(token)
            elif tokens:
                yield join_tokens(tokens)
                tokens = []
    if tokens:
        yield join_tokens(tokens)


def join_tokens(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        if text and token not in ".,;:!?)»" and not text.endswith(("'", "’", "(", "«")):
            text += " "
        text += token
    return text


def distinct_articles(data: Path) -> list[dict[str, Any]]:
    """Every distinct article of the shared data, each with its ``collection``."""
    out: list[dict[str, Any]] = []
    for collection, path in (("dice", "dice/articles.jsonl"), ("facta", "facta/articles.jsonl"),
                             ("pagella", "pagella/dev.jsonl")):
        for r in read_jsonl(data / path):
            out.append({"collection": collection, "id": r["id"], "title": r.get("title"),
                        "date": r.get("date"), "publisher": r.get("publisher"),
                        "text": r["text"]})
    for r in read_jsonl(data / "squad-it" / "paragraphs.jsonl"):
        out.append({"collection": "squad-it", "id": f"squad-{r['id']}", "title": r["title"],
                    "date": None, "publisher": "Wikipedia", "text": r["text"]})
    wikinews = [s for name in ("WN_train.tsv", "WN_dev.tsv")
                for s in kind_sentences(data / "kind" / name)]
    if not wikinews:
        raise SystemExit(f"make_corpus: no KIND Wikinews sentences under {data / 'kind'}")
    for n, at in enumerate(range(0, len(wikinews), WIKINEWS_RUN)):
        run = wikinews[at:at + WIKINEWS_RUN]
        out.append({"collection": "wikinews", "id": f"wikinews-{n}", "title": run[0],
                    "date": None, "publisher": "Wikinews", "text": " ".join(run[1:]) or run[0]})
    return out


def collage(record: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """One sentence of three from ``record`` (in its place), the others from ``others``
    in their order: as long as ``record`` and at least three sentences."""
    own = sentences(record["text"])
    donors = [sentences(o["text"]) or [o["text"]] for o in others]
    parts = []
    for i in range(max(3, len(own))):
        if i % 3 == 0 and i < len(own):
            parts.append(own[i])
        else:
            donor = donors[i % 3 - 1 if i % 3 else 0]
            parts.append(donor[(i // 3) % len(donor)])
    return " ".join(parts)


def build(data: Path, articles: int, seed: int, versions: int) -> Iterator[dict[str, Any]]:
    """The corpus, article by article (see the module's docstring)."""
    rng = random.Random(seed)
    distinct = distinct_articles(data)
    by_collection: dict[str, list[dict[str, Any]]] = {}
    for r in distinct:
        by_collection.setdefault(r["collection"], []).append(r)
    vocabulary = sorted({w for r in rng.sample(distinct, 200) for w in r["text"].split()
                         if w.isalpha() and len(w) > 3})
    for i in range(articles):
        source = distinct[i % len(distinct)]
        round_ = i // len(distinct)
        date = source["date"] or synthetic_date(source["id"])
        if round_ == 0:
            yield {**source, "kind": "distinct", "date": date}
            continue
        pool = by_collection[source["collection"]]
        if rng.randrange(versions) == 0 and sentences(source["text"]):
            copy, _ = edited_copy(source, rng.choice(pool), vocabulary, rng)
            yield {**source, "kind": "version", "id": f"{source['id']}~{round_}v",
                   "title": copy["title"], "date": date, "text": copy["text"]}
        else:
            doc_id = f"{source['id']}~{round_}"
            others = [o for o in rng.sample(pool, 3) if o is not source][:2]
            yield {**source, "kind": "collage", "id": doc_id, "title": None,
                   "date": source["date"] or synthetic_date(doc_id),
                   "text": collage(source, others)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--versions", type=int, default=10,
                        help="one repeated article in N is a version of its original")
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)write")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    kinds: Counter[str] = Counter()
    collections: Counter[str] = Counter()
    raw = 0
    out = None
    for i, doc in enumerate(build(args.data, args.articles, args.seed, args.versions)):
        if i % SHARD == 0:
            if out is not None:
                out.close()
            out = (args.out / f"part-{i // SHARD:04d}.jsonl").open("w", encoding="utf-8")
        kinds[doc.pop("kind")] += 1
        collections[doc.pop("collection")] += 1
        raw += len(doc["text"].encode("utf-8"))
        assert out is not None
        out.write(json.dumps({k: v for k, v in doc.items() if v or k == "text"},
                             ensure_ascii=False) + "\n")
    if out is not None:
        out.close()
    summary = {"articles": args.articles, "seed": args.seed, "versions": args.versions,
               "raw_text_mb": round(raw / 2**20, 1), "kinds": dict(kinds),
               "collections": dict(collections)}
    args.out.with_name(args.out.name + ".json").write_text(json.dumps(summary, indent=2) + "\n",
                                          encoding="utf-8")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
