"""Build the tagger's word clusters and usage table: searchidx/extraction/data/clusters.json.gz.

Usage: .venv/bin/python scripts/build_clusters.py [--data DIR] [--corpora LIST] [--out FILE]
       (needs the training extra: pip install -e '.[train]')

Words are grouped by the company they keep in unlabelled Italian text: each word
seen at least --min-count times (as written, so "Rossi" and "rossi" differ) is
described by which frequent words stand one and two places left and right of it,
weighted by positive pointwise mutual information; a truncated SVD makes that a
dense vector, and spherical k-means groups the vectors into --fine clusters,
whose centres are grouped again into 256 and then 64. The tagger uses the three
levels as features. The same file holds the usage table of
searchidx.extraction.tagger.usage_table (what stands next to each capitalised
word: a first name, a role, "a"/"in", an article), which reads the first names
and roles of the default configuration.

Corpora, by default: DICE, facta, SQuAD-it paragraphs and KIND's ADG and FIC
train splits. Not Wikinews: the tagger's settings are chosen by cross-validation
on WN_train, and features computed on the held-out fold's own text would flatter
them (they did: +1.3 F1 that held-out text does not give). Deterministic for a
given input.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from searchidx.analysis import fold
from searchidx.config import default_config
from searchidx.extraction.kind import read_kind
from searchidx.extraction.tagger import CLUSTER_FILE, usage_table
from searchidx.extraction.text import tokenize

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "dice": "dice/articles.jsonl",
    "facta": "facta/articles.jsonl",
    "squad-it": "squad-it/paragraphs.jsonl",
    "kind-adg-fic": "kind/ADG_train.tsv kind/FIC_train.tsv",
}
OFFSETS = (-2, -1, 1, 2)


def find_data(given: str | None) -> Path | None:
    for cand in ([Path(given)] if given else
                 [ROOT.parent / "shared" / "data", Path("/work/shared/data")]):
        if cand.is_dir():
            return cand
    return None


def texts(data: Path, corpora: list[str]) -> Iterator[str]:
    for name in corpora:
        for rel in CORPORA[name].split():
            path = data / rel
            if path.suffix == ".tsv":
                yield from (s.text for s in read_kind(path))
            else:
                yield from (json.loads(line)["text"] for line in path.open(encoding="utf-8"))


def sentences(docs: Iterator[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for text in docs:
        current: list[str] = []
        last = 0
        for tok in tokenize(text):
            if tok.sent != last and current:
                out.append(current)
                current = []
            last = tok.sent
            current.append(tok.text)
        if current:
            out.append(current)
    return out


def vectors(sents: list[list[str]], min_count: int, contexts: int, dim: int):
    """The kept words, and one unit-length vector per word (PPMI of neighbours, SVD)."""
    import numpy as np
    import scipy.sparse as sp

    counts = Counter(w for s in sents for w in s)
    vocab = sorted((w for w, c in counts.items() if c >= min_count),
                   key=lambda w: (-counts[w], w))
    word_id = {w: k for k, w in enumerate(vocab)}
    lower: Counter[str] = Counter()
    for w, c in counts.items():
        lower[w.lower()] += c
    context_id = {w: k for k, (w, _) in enumerate(
        sorted(lower.items(), key=lambda item: (-item[1], item[0]))[:contexts - 1])}
    edge = contexts - 1  # the column of "no word here" (sentence edge)
    rows: list[int] = []
    cols: list[int] = []
    for s in sents:
        ids = [word_id.get(w, -1) for w in s]
        ctx = [context_id.get(w.lower(), -1) for w in s]
        n = len(s)
        for i, wid in enumerate(ids):
            if wid < 0:
                continue
            for slot, off in enumerate(OFFSETS):
                j = i + off
                c = ctx[j] if 0 <= j < n else edge
                if c >= 0:
                    rows.append(wid)
                    cols.append(slot * contexts + c)
    m = sp.coo_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)),
                      shape=(len(vocab), len(OFFSETS) * contexts)).tocsr()
    m.sum_duplicates()
    m = m.tocoo()
    total = m.data.sum()
    row_sum = np.bincount(m.row, weights=m.data, minlength=m.shape[0])
    col_sum = np.bincount(m.col, weights=m.data, minlength=m.shape[1]) ** 0.75
    col_sum *= total / col_sum.sum()
    pmi = np.log(m.data * total / (row_sum[m.row] * col_sum[m.col]))
    keep = pmi > 0
    a = sp.csr_matrix((pmi[keep], (m.row[keep], m.col[keep])), shape=m.shape)
    # randomised SVD (Halko et al. 2011), two power iterations
    rng = np.random.default_rng(0)
    y = a @ rng.standard_normal((a.shape[1], dim + 20))
    for _ in range(2):
        y, _ = np.linalg.qr(a @ (a.T @ y))
    u, s, _ = np.linalg.svd((a.T @ y).T, full_matrices=False)
    vec = (y @ u)[:, :dim] * np.sqrt(s[:dim])
    vec /= np.linalg.norm(vec, axis=1, keepdims=True) + 1e-12
    return vocab, vec


def kmeans(points, k: int, seed: int, rounds: int = 25):
    """Spherical k-means: labels of ``points`` (unit rows), and the unit centres."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = points[rng.choice(len(points), k, replace=False)].copy()
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(rounds):
        for a in range(0, len(points), 20000):
            labels[a:a + 20000] = np.argmax(points[a:a + 20000] @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, points)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        filled = norms[:, 0] > 0
        centres[filled] = sums[filled] / norms[filled]
    return labels, centres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--corpora", default=",".join(CORPORA),
                        help=f"comma-separated, of: {', '.join(CORPORA)}")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--contexts", type=int, default=4000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--fine", type=int, default=1024)
    parser.add_argument("--out", default=str(ROOT / "searchidx/extraction/data" / CLUSTER_FILE))
    args = parser.parse_args()
    data = find_data(args.data)
    corpora = [c for c in args.corpora.split(",") if c]
    unknown = [c for c in corpora if c not in CORPORA]
    if unknown:
        print(f"--corpora: unknown {', '.join(unknown)}; choose from {', '.join(CORPORA)}",
              file=sys.stderr)
        return 2
    if data is None:
        print("shared data not found (expected ../shared/data); pass --data DIR",
              file=sys.stderr)
        return 2
    try:
        import numpy as np
    except ImportError:
        print("numpy and scipy are needed: pip install -e '.[train]'", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    sents = sentences(texts(data, corpora))
    vocab, vec = vectors(sents, args.min_count, args.contexts, args.dim)
    fine, centres = kmeans(vec, args.fine, seed=1)
    middle, middle_centres = kmeans(centres, 256, seed=2)
    coarse, _ = kmeans(middle_centres, 64, seed=3)
    words: list[list[str]] = [[] for _ in range(args.fine)]
    for w, label in zip(vocab, fine.tolist(), strict=True):
        words[label].append(w)
    names = default_config()["names"]
    usage = usage_table(sents, frozenset(fold(str(w)) for w in names["first_names"]),
                        frozenset(fold(str(w)) for w in names["roles"]))
    table = {"words": words, "middle": middle.tolist(), "coarse": coarse.tolist(),
             "usage": usage}
    blob = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
    Path(args.out).write_bytes(gzip.compress(blob.encode("utf-8"), mtime=0))
    print(f"{len(vocab)} words of {sum(map(len, sents))} tokens in {args.fine}/256/64 "
          f"clusters -> {args.out} ({Path(args.out).stat().st_size // 1024} KiB, "
          f"{time.perf_counter() - t0:.0f}s; {int(np.count_nonzero(np.bincount(fine)))} "
          f"fine clusters used; usage of {len(usage)} capitalised words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
