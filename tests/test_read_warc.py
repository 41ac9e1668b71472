"""Web archives: each HTML capture a page (id its URL, the latest capture wins),
revisits and non-HTML records counted as skipped; built with warcio at test time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main
from searchidx.config import Config, load_config
from searchidx.errors import ReadError
from searchidx.models import RawArticle
from searchidx.read import discover, read_source, set_reading_options

from .archive_fixtures import KIM_URL, VERTICE_URL, write_warc

pytest.importorskip("warcio", reason="warcio (the warc extra) is not installed")


@pytest.fixture()
def cfg() -> Config:
    return load_config(search_cwd=False)


def read_all(path: Path, cfg: Config):
    sources, errors = discover([path], cfg)
    assert errors == []
    skipped = sources.skipped
    items = [item for src in sources for item in read_source(src, cfg, skipped=skipped)]
    return ([i for i in items if isinstance(i, RawArticle)],
            [i for i in items if isinstance(i, ReadError)], skipped)


@pytest.mark.parametrize("gzipped", [True, False])
def test_html_captures_are_pages_the_latest_wins(cfg: Config, tmp_path: Path,
                                                 gzipped: bool) -> None:
    name = "crawl.warc.gz" if gzipped else "crawl.warc"
    pages, errors, skipped = read_all(write_warc(tmp_path / name, gzip=gzipped), cfg)
    assert errors == []
    assert [p.id for p in pages] == [KIM_URL, VERTICE_URL]
    kim, vertice = pages
    # the capture of 12 September, though the one of the 11th comes after it in the file
    assert kim.title == "Kim Jong Un in Russia, Kirby: «Mosca cerca munizioni»"
    assert kim.date is not None and kim.date.value == "2023-09-12"  # from the markup
    assert kim.publisher == "Cronache dal Mondo" and kim.url == KIM_URL
    assert kim.extra["captured"] == "2023-09-12T20:00:00Z"
    assert kim.path == str(tmp_path / name)
    # no date in its markup: the capture's day
    assert vertice.date is not None and (vertice.date.value, vertice.date.precision) == (
        "2023-09-14", "day")
    assert vertice.url == VERTICE_URL and "Vostochny" in vertice.body
    assert skipped.lines() == [
        "1 earlier capture skipped (a later capture of the same address is read)",
        "3 web-archive records skipped (revisit, image/png, HTTP 404)"]


def test_all_captures_keeps_each(cfg: Config, tmp_path: Path) -> None:
    set_reading_options(cfg, all_captures=True)
    pages, _, skipped = read_all(write_warc(tmp_path / "crawl.warc.gz"), cfg)
    assert sorted(p.id for p in pages) == sorted([
        f"{KIM_URL}@2023-09-12T20:00:00Z", f"{KIM_URL}@2023-09-11T07:00:00Z",
        f"{VERTICE_URL}@2023-09-14T08:00:00Z"])
    earlier = next(p for p in pages if p.id.endswith("09-11T07:00:00Z"))
    assert earlier.title == "Kim in viaggio verso la Russia"
    assert earlier.date is not None and earlier.date.value == "2023-09-12"  # the URL's
    assert "earlier captures" not in skipped.counts


def test_a_truncated_archive_keeps_the_pages_before(cfg: Config, tmp_path: Path) -> None:
    path = write_warc(tmp_path / "crawl.warc.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])
    pages, errors, _ = read_all(path, cfg)
    assert len(errors) == 1 and errors[0].path == str(path)
    assert "a truncated file?" in errors[0].reason
    assert KIM_URL in [p.id for p in pages]


def test_a_file_that_is_no_web_archive(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "finto.warc").write_text("questo non è un archivio\n", encoding="utf-8")
    pages, [error], _ = read_all(tmp_path / "finto.warc", cfg)
    assert pages == [] and error.reason == (
        "not a web archive (a WARC file starts with 'WARC/', an ARC file with 'filedesc://'); "
        "skipped")


def test_index_a_crawl_beside_a_text_and_again(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_warc(folder / "crawl.warc.gz")
    (folder / "nota.txt").write_text("Una nota\nIl testo della nota.", encoding="utf-8")
    index = tmp_path / "ix"
    runner = CliRunner()
    result = runner.invoke(main, ["index", str(folder), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "1 earlier capture skipped (a later capture of the same address is read); "
        "--verbose names them",
        "3 web-archive records skipped (revisit, image/png, HTTP 404); --verbose names them"]
    result = runner.invoke(main, ["show", KIM_URL, "--index", str(index), "--format", "json"])
    assert json.loads(result.stdout)["date"] == {"value": "2023-09-12", "precision": "day"}
    result = runner.invoke(main, ["index", str(folder), "--index", str(index), "--format",
                                  "json"])
    assert json.loads(result.stdout)["unchanged"] == 3
    result = runner.invoke(main, ["index", str(folder), "--index", str(index), "--all-captures",
                                  "--verbose"])
    assert result.exit_code == 0
    # a changed reading option reads every file again: the text is re-extracted too
    assert result.stdout.startswith("3 added, 1 updated, 0 unchanged, 2 removed, 0 failed")
    assert (f"searchidx: skipped {folder / 'crawl.warc.gz'} https://www.cronachedalmondo.example"
            "/img/kim.png (web-archive record: image/png)") in result.stderr
    with Index(index, load_config(search_cwd=False)) as ix:
        assert ix.document(f"{KIM_URL}@2023-09-11T07:00:00Z") is not None


def test_an_arc_file_reads_as_a_warc(cfg: Config, tmp_path: Path) -> None:
    """ARC, the Internet Archive's format before WARC: one header line per record."""
    import gzip

    page = (Path(__file__).parent / "fixtures" / "archives" / "vertice.html").read_bytes()

    def record(url: str, content_type: str, body: bytes) -> bytes:
        return f"{url} 192.0.2.1 20230914080000 {content_type} {len(body)}\n".encode() + body

    info = b"1 0 searchidx-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    (tmp_path / "crawl.arc.gz").write_bytes(
        gzip.compress(record("filedesc://crawl.arc", "text/plain", info) + b"\n")
        + gzip.compress(record(VERTICE_URL, "text/html", http) + b"\n"))
    [page_read], errors, _ = read_all(tmp_path / "crawl.arc.gz", cfg)
    assert errors == []
    assert (page_read.id, page_read.title) == (
        VERTICE_URL, "Il vertice di Vostochny tra Putin e Kim")
    assert page_read.date is not None and page_read.date.value == "2023-09-14"
