"""How fast archives are read (issue 25): a gzipped JSONL dump and a web archive,
each beside the same articles as plain files.

``make`` writes the inputs from DICE (``../shared/data/dice/articles.jsonl``):
``dice.jsonl.gz`` of about ``--mb`` MB compressed (DICE repeated as often as it
takes, each copy's ids suffixed ``~2``, ``~3``... so that every record is a
distinct article) and the same records as ``dice.jsonl``; ``pages.warc.gz``
with ``--pages`` HTML captures of DICE articles (one gzip member per record, as
crawlers write them, with a request, a revisit and an image record per ten
pages, as in a real crawl) and the same pages as ``pages/*.html``; and
``bench.yaml``, a configuration whose ``reading.max_file_mb`` admits the large
plain file (the limit holds for the inner size of a compressed file too).

``read PATH`` reads alone (no extraction, no index) and prints one JSON line:
articles, seconds, articles per second.

    .venv/bin/python scripts/bench_read.py make --workdir /tmp/bench-read
    .venv/bin/python scripts/bench_read.py read /tmp/bench-read/dice.jsonl.gz \\
        --config /tmp/bench-read/bench.yaml
    .venv/bin/searchidx index /tmp/bench-read/dice.jsonl.gz --rebuild -q \\
        --index /tmp/bench-read/ix-gz --config /tmp/bench-read/bench.yaml

Exit status: 0 done, 2 data missing.
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DICE = ROOT.parent / "shared" / "data" / "dice" / "articles.jsonl"


def make(workdir: Path, mb: float, pages: int) -> None:
    if not DICE.is_file():
        sys.exit(f"bench_read.py: {DICE} not found (../shared/data is needed)")
    workdir.mkdir(parents=True, exist_ok=True)
    lines = DICE.read_bytes().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    target = mb * 1024 * 1024
    with (workdir / "dice.jsonl").open("wb") as plain, \
            gzip.open(workdir / "dice.jsonl.gz", "wb", compresslevel=6) as packed:
        copy, written = 0, 0
        raw = packed.fileobj  # the compressed bytes written so far
        while raw.tell() < target:  # type: ignore[union-attr]
            copy += 1
            for record in records:
                if copy > 1:
                    record = {**record, "id": f"{record['id']}~{copy}"}
                line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
                plain.write(line)
                packed.write(line)
                written += 1
    print(f"dice.jsonl.gz: {written:,} articles ({copy} copies of DICE), "
          f"{(workdir / 'dice.jsonl.gz').stat().st_size / 1048576:.0f} MB compressed, "
          f"{(workdir / 'dice.jsonl').stat().st_size / 1048576:.0f} MB plain")
    _make_pages(workdir, records[:pages])
    (workdir / "bench.yaml").write_text("reading: {max_file_mb: 4000}\n", encoding="utf-8")


def _page(record: dict, day: int) -> bytes:
    text = record["text"]
    title = text.split(".")[0][:120]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in text.split("\n") if p.strip())
    return (f"<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title>"
            f"<meta property=\"og:site_name\" content=\"{html.escape(record['publisher'])}\">"
            f"<meta property=\"article:published_time\" content=\"2020-01-{day:02d}\">"
            f"</head><body><nav><a href=\"/\">Home</a> <a href=\"/cronaca\">Cronaca</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>\n{paragraphs}</article>"
            f"<footer>Tutti i diritti riservati</footer></body></html>").encode()


def _make_pages(workdir: Path, records: list[dict]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = workdir / "pages"
    folder.mkdir(exist_ok=True)
    with (workdir / "pages.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for number, record in enumerate(records):
            url = f"https://gazzettadimodena.example/cronaca/{record['id']}"
            body = _page(record, 1 + number % 28)
            (folder / f"{record['id']}.html").write_bytes(body)
            when = f"2020-02-{1 + number % 28:02d}T10:00:00Z"
            if number % 10 == 0:
                writer.write_record(writer.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), warc_headers_dict={"WARC-Date": when},
                    http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [],
                                                  is_http_request=True)))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": when}))
            if number % 10 == 5:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")],
                                         protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    url + ".jpg", "response", payload=io.BytesIO(b"\xff\xd8\xff" + bytes(2000)),
                    http_headers=image, warc_headers_dict={"WARC-Date": when}))
                writer.write_record(writer.create_revisit_record(
                    url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", refers_to_uri=url,
                    refers_to_date=when))
    print(f"pages.warc.gz: {len(records):,} pages, "
          f"{(workdir / 'pages.warc.gz').stat().st_size / 1048576:.1f} MB; pages/: the same")


def read(path: Path, config_path: Path | None) -> None:
    sys.path.insert(0, str(ROOT))
    from searchidx.config import load_config
    from searchidx.errors import ReadError
    from searchidx.read import discover, read_source

    config = load_config(config_path, search_cwd=False)
    started = time.perf_counter()
    sources, errors = discover([path], config)
    articles = failed = 0
    for src in sources:
        for item in read_source(src, config, skipped=sources.skipped):
            if isinstance(item, ReadError):
                failed += 1
            else:
                articles += 1
    seconds = time.perf_counter() - started
    print(json.dumps({"path": str(path), "articles": articles, "errors": failed + len(errors),
                      "skipped": sources.skipped.to_dict(), "seconds": round(seconds, 2),
                      "articles_per_s": round(articles / seconds)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    maker = sub.add_parser("make", help="write the inputs")
    maker.add_argument("--workdir", type=Path, required=True)
    maker.add_argument("--mb", type=float, default=100.0,
                       help="compressed size of dice.jsonl.gz (default 100)")
    maker.add_argument("--pages", type=int, default=1000, help="pages in the WARC (1000)")
    reader = sub.add_parser("read", help="read a file or folder alone, print articles/s")
    reader.add_argument("path", type=Path)
    reader.add_argument("--config", type=Path)
    args = parser.parse_args()
    if args.command == "make":
        make(args.workdir, args.mb, args.pages)
    else:
        read(args.path, args.config)


if __name__ == "__main__":
    main()
