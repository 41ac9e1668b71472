"""Stories and "similar" on DICE: what they group, what they find, what they cost (issue 20).

1. Indexes DICE (``../shared/data/dice/articles.jsonl``) and counts its stories.
2. Makes edited copies of ``--copies`` sampled articles (seeded): a new title, the
   dateline changed or added, a passage of 2-3 sentences added (from another
   article) or cut, and 10-30% of the sentences rewritten (every third word
   replaced, two words swapped: no 5-shingle of a rewritten sentence survives).
   Adds them to the same index (an incremental run) and reports the recall: the
   share of copies that joined their original's story; and the false merges: copies
   whose story took in DICE articles other than their original's story.
3. A threshold sweep from the signatures alone (LSH candidates, links at or above
   each threshold, components), which at the configured threshold must give the
   index's own stories; and the linked pairs whose exact shingle Jaccard is far
   below the threshold (estimation errors).
4. A sample to check by hand (seeded): ``--groups`` stories of two or more DICE
   articles and ``--similar`` "similar" lists, written to ``--sample FILE``.
5. Cost: signature time per article, the manifest's story tables, and ``--collapse``
   query latency (p50/p95, plain and collapsed interleaved in one process) on this
   index and, with ``--scaled-index DIR``, on a larger one (see docs/stories.md).

    .venv/bin/python scripts/eval_stories.py                 # ~5-10 min on 2 cores
    .venv/bin/python scripts/eval_stories.py --scaled-index /tmp/k100

Exit status: 0 done, 2 data missing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import make_queries, percentile  # noqa: E402

from searchidx import Index  # noqa: E402
from searchidx.config import load_config, story_settings  # noqa: E402
from searchidx.stories import band_keys, sentences, signature, similarity  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
_DATELINE = re.compile(r"^([A-ZÀ-Ý' ]{3,})\.\s*")
_WORDS = re.compile(r"\w+")
CITIES = ("ROMA", "MILANO", "TORINO", "NAPOLI", "BOLOGNA", "FIRENZE", "MODENA", "PADOVA")


def read_dice(data: Path) -> list[dict[str, Any]]:
    source = data / "dice" / "articles.jsonl"
    if not source.is_file():
        raise SystemExit(f"eval_stories: {source} not found: give the shared data folder "
                         "with --data DIR")
    with source.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# -- synthetic copies -------------------------------------------------------------

def rewritten(sentence: str, vocabulary: list[str], rng: random.Random) -> str:
    """The sentence reworded: every third word another, two neighbours swapped."""
    words = sentence.split()
    for i in range(rng.randrange(3), len(words), 3):
        words[i] = rng.choice(vocabulary)
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def edited_copy(record: dict[str, Any], donor: dict[str, Any], vocabulary: list[str],
                rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A second version of ``record`` and what was done to it."""
    text = record["text"]
    match = _DATELINE.match(text)
    city = rng.choice([c for c in CITIES if not match or c != match.group(1)])
    text = f"{city}. " + (text[match.end():] if match else text)
    parts = sentences(text)
    share = rng.uniform(0.10, 0.30)
    chosen = rng.sample(range(len(parts)), max(1, round(share * len(parts))))
    for i in chosen:
        parts[i] = rewritten(parts[i], vocabulary, rng)
    passage = rng.randint(2, 3)
    if len(parts) >= 2 * passage + 2 and rng.random() < 0.5:
        at = rng.randrange(1, len(parts) - passage)
        del parts[at:at + passage]
        change = "cut"
    else:
        extra = sentences(donor["text"])[:passage]
        at = rng.randrange(1, len(parts) + 1)
        parts[at:at] = extra
        change = "added"
    copy = {"id": f"copy-{record['id']}", "publisher": record.get("publisher"),
            "title": "Aggiornamento: " + " ".join(parts[0].split()[:8]),
            "text": " ".join(parts)}
    return copy, {"rewritten": round(len(chosen) / len(sentences(record["text"]) or [""]), 2),
                  "passage": change, "words": len(record["text"].split())}


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


# -- stories from signatures alone -----------------------------------------------

def components(ids: list[str], sigs: dict[str, bytes], threshold: float) -> dict[str, str]:
    """Id -> its component's first id (in ``ids`` order), links at ``threshold``."""
    order = {doc_id: i for i, doc_id in enumerate(ids)}
    parent = {doc_id: doc_id for doc_id in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, sim in candidate_pairs(ids, sigs):
        if sim >= threshold:
            ra, rb = root(a), root(b)
            if ra != rb:
                first, second = sorted((ra, rb), key=order.__getitem__)
                parent[second] = first
    return {doc_id: root(doc_id) for doc_id in ids}


_PAIRS: dict[int, list[tuple[str, str, float]]] = {}


def candidate_pairs(ids: list[str], sigs: dict[str, bytes]) -> list[tuple[str, str, float]]:
    """Every pair sharing an LSH band, with its estimated Jaccard (computed once)."""
    key = id(sigs)
    if key not in _PAIRS:
        buckets: dict[int, list[str]] = defaultdict(list)
        for doc_id in ids:
            if doc_id in sigs:
                for band in band_keys(sigs[doc_id]):
                    buckets[band].append(doc_id)
        pairs = {tuple(sorted((a, b))) for members in buckets.values()
                 for i, a in enumerate(members) for b in members[i + 1:]}
        _PAIRS[key] = [(a, b, similarity(sigs[a], sigs[b])) for a, b in sorted(pairs)]
    return _PAIRS[key]


def shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return set(zip(*(words[i:] for i in range(5)), strict=False))


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


# -- the run --------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--similar", type=int, default=50)
    parser.add_argument("--queries", type=int, default=15, help="queries per kind (latency)")
    parser.add_argument("--sample", type=Path, help="write the hand-check sample here")
    parser.add_argument("--work", type=Path, help="keep the index here (default: temporary)")
    parser.add_argument("--scaled-index", type=Path,
                        help="also time --collapse on this (larger) index")
    args = parser.parse_args(argv)
    config = load_config(search_cwd=False)
    settings = story_settings(config)
    dice = read_dice(args.data)
    by_id = {r["id"]: r for r in dice}
    work = args.work or Path(tempfile.mkdtemp(prefix="eval-stories-"))
    shutil.rmtree(work, ignore_errors=True)
    (work / "dice").mkdir(parents=True)
    (work / "copies").mkdir()
    write_jsonl(work / "dice" / "articles.jsonl", dice)
    print(f"# Stories on DICE ({len(dice)} articles), threshold {settings.threshold}, "
          f"min_words {settings.min_words}, seed {args.seed}")

    started = time.perf_counter()
    sigs = {}
    for r in dice:
        packed = signature(r["text"], settings.min_words)
        if packed is not None:
            sigs[r["id"]] = packed
    spent = time.perf_counter() - started
    print(f"signature: {spent / len(dice) * 1000:.2f} ms per article "
          f"({len(dice) - len(sigs)} articles too short for one)")

    ix = Index(work / "index", config)
    started = time.perf_counter()
    ix.update([work / "dice"])
    print(f"indexed DICE in {time.perf_counter() - started:.0f}s")
    manifest = ix.backend().manifest()
    groups = manifest.story_groups()
    stories, members = manifest.story_counts()
    manifest.close()
    print(f"stories: {len(dice) - members + stories} for {len(dice)} articles; "
          f"{stories} of two or more articles, holding {members} articles "
          f"({members / len(dice):.1%})")
    sizes = Counter(Counter(groups.values()).values())
    print("story sizes (articles: stories): "
          + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))

    # -- synthetic copies, added incrementally
    rng = random.Random(args.seed)
    vocabulary = sorted({w for r in rng.sample(dice, 200) for w in r["text"].split()
                         if w.isalpha() and len(w) > 3})
    sampled = rng.sample([r for r in dice if r["id"] in sigs], args.copies)
    copies, edits = [], {}
    for record in sampled:
        copy, what = edited_copy(record, rng.choice(dice), vocabulary, rng)
        copies.append(copy)
        edits[copy["id"]] = (record["id"], what)
    write_jsonl(work / "copies" / "copies.jsonl", copies)
    before = {doc_id: groups.get(doc_id, doc_id) for doc_id in by_id}
    ix.update([work / "copies"])
    manifest = ix.backend().manifest()
    after = manifest.story_groups()
    manifest.close()
    joined = 0
    merged_beyond = 0
    by_share: dict[str, list[int]] = defaultdict(list)
    for copy_id, (original, what) in edits.items():
        hit = after.get(copy_id, copy_id) == after.get(original, original)
        joined += hit
        bucket = "10-20%" if what["rewritten"] < 0.2 else "20-30%"
        by_share[f"rewritten {bucket}"].append(hit)
        by_share[f"passage {what['passage']}"].append(hit)
        by_share["under 150 words" if what["words"] < 150 else "150 words or more"].append(hit)
        story = after.get(copy_id)
        if story is not None:
            old = {d for d in by_id if before[d] == before[original]}
            now = {d for d, s in after.items() if s == story and d in by_id}
            merged_beyond += bool(now - old)
    print(f"\n## Recall of {len(copies)} edited copies (an incremental run)")
    print(f"joined their original's story: {joined}/{len(copies)} ({joined / len(copies):.1%})")
    for name, hits in sorted(by_share.items()):
        print(f"  {name}: {sum(hits)}/{len(hits)}")
    print(f"copies whose story took in other DICE articles (false merges): {merged_beyond}")

    # -- the sweep, from signatures alone
    copy_sigs = {c["id"]: signature(c["text"], settings.min_words) for c in copies}
    all_sigs = {**sigs, **{k: v for k, v in copy_sigs.items() if v is not None}}
    ids = [r["id"] for r in dice] + [c["id"] for c in copies]
    print("\n## Threshold sweep (signatures alone; the index uses "
          f"{settings.threshold})")
    print("| threshold | DICE stories of 2+ | DICE articles in them | copies joined |")
    print("|---|---|---|---|")
    index_view = {d: after.get(d, d) for d in ids}
    for threshold in THRESHOLDS:
        comp = components(ids, all_sigs, threshold)
        dice_sizes = Counter(comp[d] for d in by_id)
        multi = {s: n for s, n in dice_sizes.items() if n > 1}
        recall = sum(comp[c] == comp[o] for c, (o, _) in edits.items())
        print(f"| {threshold} | {len(multi)} | {sum(multi.values())} | "
              f"{recall}/{len(copies)} |")
        if threshold == settings.threshold:
            same = sum(index_view[d] == comp[d] for d in ids)
            print(f"(the index's stories agree with this row for {same}/{len(ids)} articles)")
    texts = {**{r["id"]: r["text"] for r in dice}, **{c["id"]: c["text"] for c in copies}}
    linked = [(a, b, s) for a, b, s in candidate_pairs(ids, all_sigs) if s >= settings.threshold
              and a in by_id and b in by_id]
    exact = [(a, b, s, exact_jaccard(texts[a], texts[b])) for a, b, s in linked]
    low = [e for e in exact if e[3] < settings.threshold - 0.1]
    print(f"DICE pairs linked: {len(linked)}; of them with exact Jaccard below "
          f"{settings.threshold - 0.1:.1f}: {len(low)}")
    if exact:
        values = sorted(e[3] for e in exact)
        print(f"exact Jaccard of linked pairs: min {values[0]:.2f}, "
              f"p10 {percentile(values, 0.1):.2f}, median {percentile(values, 0.5):.2f}")

    # -- the hand-check sample
    if args.sample:
        write_sample(args.sample, ix, by_id, groups, args, rng)
        print(f"\nsample for the hand check: {args.sample} (seed {args.seed})")

    # -- cost
    print("\n## Cost")
    db = work / "index" / "manifest.sqlite3"
    print(f"index folder: {folder_mb(work / 'index'):.1f} MB; story tables "
          f"{story_tables_mb(db):.2f} MB (manifest {db.stat().st_size / 1e6:.1f} MB)")
    latency(ix, dice, args.queries, config, "DICE + copies")
    if args.scaled_index:
        big = Index(args.scaled_index, config)
        latency(big, dice, args.queries, config, f"{args.scaled_index} "
                f"({big.stats()['documents']} articles)")
    return 0


def write_sample(path: Path, ix: Index, by_id: dict[str, Any], groups: dict[str, str],
                 args: argparse.Namespace, rng: random.Random) -> None:
    """Stories and similar lists, shortened for reading."""
    def line(doc_id: str, width: int = 170) -> str:
        doc = ix.document(doc_id) or {}
        text = " ".join((doc.get("body") or "").split())
        return f"{doc_id} [{doc.get('publisher') or '-'}] {text[:width]}"

    stories: dict[str, list[str]] = defaultdict(list)
    for doc_id, story in groups.items():
        if doc_id in by_id:
            stories[story].append(doc_id)
    multi = sorted(s for s, m in stories.items() if len(m) > 1)
    chosen = rng.sample(multi, min(args.groups, len(multi)))
    out = [f"# Hand-check sample (seed {args.seed})", "", "## Stories"]
    for n, story in enumerate(chosen, 1):
        members = stories[story]
        out.append(f"\nG{n} story {story} ({len(members)} articles)")
        out.extend(f"  {line(m)}" for m in members[:4])
    out += ["", "## Similar"]
    for n, doc_id in enumerate(rng.sample(sorted(by_id), args.similar), 1):
        out.append(f"\nS{n} {line(doc_id, 200)}")
        for like in ix.similar(doc_id, limit=3) or []:
            why = ", ".join(like["terms"][:6])
            out.append(f"  -> {line(like['id'], 140)}  (terms: {why})")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6


def story_tables_mb(db: Path) -> float:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'story%' "
                          "OR name LIKE 'sqlite_autoindex_story%'").fetchone()
        return (row[0] or 0) / 1e6
    except sqlite3.OperationalError:  # an SQLite without dbstat
        return float("nan")
    finally:
        con.close()


def latency(ix: Index, dice: list[dict[str, Any]], per_kind: int, config: Any,
            label: str) -> None:
    """p50/p95 of plain and --collapse queries, asked in turn (one untimed pass first)."""
    stop = frozenset(config["italian"]["stopwords"])
    queries = [q for q in make_queries([r["text"] for r in dice], per_kind, stop)
               if q.kind in ("word", "and", "filter", "facets")]
    publisher = Counter(r.get("publisher") for r in dice).most_common(1)[0][0]
    times: dict[tuple[bool, str], list[float]] = defaultdict(list)
    for timed in (False, True, True, True):
        for q in queries:
            text, options = q.searchidx_args(publisher)
            for collapse in (False, True):
                wall, cpu = time.perf_counter(), time.process_time()
                ix.search(text, collapse=collapse, **options)
                if timed:
                    times[collapse, "wall"].append((time.perf_counter() - wall) * 1000)
                    times[collapse, "cpu"].append((time.process_time() - cpu) * 1000)
    print(f"query latency on {label}, {len(queries)} queries x3, warm, in one process "
          "(p50 / p95 ms; CPU time beside wall time: the machine is shared):")
    for collapse, name in ((False, "plain     "), (True, "--collapse")):
        print(f"  {name} wall {percentile(times[collapse, 'wall'], 0.5):.1f} / "
              f"{percentile(times[collapse, 'wall'], 0.95):.1f}, cpu "
              f"{percentile(times[collapse, 'cpu'], 0.5):.1f} / "
              f"{percentile(times[collapse, 'cpu'], 0.95):.1f}")


if __name__ == "__main__":
    sys.exit(main())
