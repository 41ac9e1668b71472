"""Compressed files, zip and tar bundles: read as they come, never unpacked to disk,
each bad member refused with one line next to good ones that are indexed."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import searchidx.read as read_package
from searchidx import Index
from searchidx.backends.whoosh import prepare as prepare_module
from searchidx.cli import main
from searchidx.config import Config, load_config
from searchidx.errors import ReadError
from searchidx.models import RawArticle
from searchidx.read import Skipped, discover, read_source
from searchidx.read.files import kind_of
from searchidx.read.rules import rules_for

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "archives"


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(search_cwd=False)


def config_with(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "searchidx-test.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def read_all(path: Path, cfg: Config) -> tuple[list[RawArticle], list[ReadError], Skipped]:
    sources, errors = discover([path], cfg)
    skipped = sources.skipped
    items = [item for src in sources for item in read_source(src, cfg, skipped=skipped)]
    articles = [i for i in items if isinstance(i, RawArticle)]
    return articles, errors + [i for i in items if isinstance(i, ReadError)], skipped


# -- kinds -----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt", "compression", "inner"), [
    ("articles.jsonl.gz", "jsonl", "gz", "articles.jsonl"),
    ("pagina.HTML.bz2", "html", "bz2", "pagina.HTML"),
    ("nota.txt.xz", "text", "xz", "nota.txt"),
    ("export.csv.zst", "csv", "zst", "export.csv"),
    ("export.tar.gz", "tar", "gz", "export.tar"),
    ("export.tgz", "tar", "gz", "export.tar"),
    ("export.zip", "zip", None, "export.zip"),
    ("crawl.warc.gz", "warc", "gz", "crawl.warc"),
    ("crawl.arc", "warc", None, "crawl.arc"),
])
def test_kinds_by_last_extension(cfg: Config, name: str, fmt: str, compression: str | None,
                                 inner: str) -> None:
    kind = kind_of(name, rules_for(cfg))
    assert kind is not None and (kind.fmt, kind.compression, kind.inner) == (
        fmt, compression, inner)


@pytest.mark.parametrize("name", ["foto.jpg", "dati.gz", "export.zip.gz", "crawl.warc.bz2",
                                  "documento.pdf.gz", "README"])
def test_types_not_read(cfg: Config, name: str) -> None:
    assert kind_of(name, rules_for(cfg)) is None


def test_other_types_are_counted_by_extension(cfg: Config, tmp_path: Path) -> None:
    for name in ("a.pdf", "b.PDF", "c.docx", "d", ".nascosto.pdf", "ok.txt"):
        (tmp_path / name).write_text("Testo.", encoding="utf-8")
    sources, errors = discover([tmp_path], cfg)
    assert [s.rel_id for s in sources] == ["ok"] and errors == []
    assert sources.skipped.lines() == ["4 files of other types skipped (.pdf ×2, .docx, (none))"]
    assert [name for _, name in sources.skipped.names["files of other types"]] == [
        str(tmp_path / n) for n in ("a.pdf", "b.PDF", "c.docx", "d")]


def test_a_file_of_another_type_named_directly_is_an_error(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    _, [error] = discover([tmp_path / "a.pdf"], cfg)
    assert "unsupported file type '.pdf'" in error.reason
    assert ".csv" in error.reason and ".zip" in error.reason and "compressed .gz" in error.reason


# -- compressed files ------------------------------------------------------------------

def test_gzipped_jsonl_reads_as_the_jsonl(cfg: Config) -> None:
    articles, errors, _ = read_all(FIXTURES / "articles.jsonl.gz", cfg)
    assert errors == []
    assert [(a.id, a.title, a.line) for a in articles] == [
        ("gz-1", "Kim arriva a Vladivostok", 1), ("gz-2", "Putin elogia Pyongyang", 2),
        ("gz-3", "Kirby: Mosca cerca munizioni", 3)]
    assert articles[0].path == str(FIXTURES / "articles.jsonl.gz")
    assert articles[0].tags == ["Russia"]


COMPRESSORS = {".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress,
               ".xz": lzma.compress}


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zst"])
def test_every_compression_keeps_the_inner_name(cfg: Config, tmp_path: Path,
                                                suffix: str) -> None:
    text = "Kim arriva in Russia\nIl treno blindato è arrivato a Vladivostok.\n".encode()
    if suffix == ".zst":
        zstandard = pytest.importorskip("zstandard")
        packed = zstandard.ZstdCompressor().compress(text)
    else:
        packed = COMPRESSORS[suffix](text)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / f"nota.txt{suffix}").write_bytes(packed)
    (tmp_path / "sub" / "lista.json.gz").write_bytes(gzip.compress(json.dumps(
        [{"text": "Uno."}, {"text": "Due."}]).encode()))
    articles, errors, _ = read_all(tmp_path, cfg)
    assert errors == []
    assert {(a.id, a.title) for a in articles} == {
        ("sub/nota", "Kim arriva in Russia"), ("sub/lista#1", None), ("sub/lista#2", None)}


def test_a_compressed_web_page(cfg: Config, tmp_path: Path) -> None:
    page = (Path(__file__).parent / "fixtures" / "read" / "pagina.html").read_bytes()
    (tmp_path / "pagina.html.gz").write_bytes(gzip.compress(page))
    [article], errors, _ = read_all(tmp_path / "pagina.html.gz", cfg)
    assert errors == [] and article.id == "pagina"
    assert article.publisher == "Cronache dal Mondo" and "Vostochny" in article.body


def test_a_truncated_gzip_keeps_the_records_before_the_cut(cfg: Config, tmp_path: Path) -> None:
    lines = "".join(json.dumps({"id": f"r{i}", "text": f"Testo {i} " * 50}) + "\n"
                    for i in range(200)).encode()
    packed = gzip.compress(lines)
    (tmp_path / "tronco.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    (tmp_path / "buono.txt").write_text("Un testo buono.", encoding="utf-8")
    articles, errors, _ = read_all(tmp_path, cfg)
    ids = [a.id for a in articles]
    assert "buono" in ids and "r0" in ids and len(ids) > 20
    damage = [e for e in errors if e.line is None]
    assert len(damage) == 1 and damage[0].path == str(tmp_path / "tronco.jsonl.gz")
    assert "damaged compressed data" in damage[0].reason
    assert "what comes before it is read" in damage[0].reason


def test_a_gzip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    cfg = config_with(tmp_path, "reading: {archives: {max_ratio: 20}}\n")
    (tmp_path / "bomba.txt.gz").write_bytes(gzip.compress(b" " * (8 << 20)))
    (tmp_path / "buono.txt").write_text("Un testo buono.", encoding="utf-8")
    articles, [error], _ = read_all(tmp_path, cfg)
    assert [a.id for a in articles] == ["buono"]
    assert error.path == str(tmp_path / "bomba.txt.gz")
    assert "more than 20 times its compressed size" in error.reason
    assert "reading.archives.max_ratio" in error.reason


def test_compressed_content_has_the_file_size_limit(tmp_path: Path) -> None:
    cfg = config_with(tmp_path, "reading: {max_file_mb: 0.01}\n")
    (tmp_path / "grande.txt.gz").write_bytes(gzip.compress(("parola " * 3000).encode()))
    (tmp_path / "buono.txt.gz").write_bytes(gzip.compress(b"Un testo buono."))
    articles, [error], _ = read_all(tmp_path, cfg)
    assert [a.id for a in articles] == ["buono"]
    assert error.reason == "decompresses to more than 0.01 MB (reading.max_file_mb); skipped"


def test_standard_input_may_be_gzipped(cfg: Config) -> None:
    data = gzip.compress(b'{"text": "a"}\n{"text": "b"}\n')
    items = list(read_package.read_stdin_bytes(data, cfg))
    assert [a.body for a in items] == ["a", "b"]  # type: ignore[union-attr]


# -- zip and tar bundles ------------------------------------------------------------------

def test_zip_members_read_as_files(cfg: Config) -> None:
    articles, errors, skipped = read_all(FIXTURES / "export.zip", cfg)
    bundle = str(FIXTURES / "export.zip")
    assert [(a.id, a.path) for a in articles] == [
        ("export.zip!2023/09/a", f"{bundle}!2023/09/a.txt"),
        ("export.zip!2023/10/b", f"{bundle}!2023/10/b.md"),
        ("zip-rec-1", f"{bundle}!dati/record.jsonl"),
        ("export.zip!dati/compresso", f"{bundle}!dati/compresso.txt.gz")]
    assert articles[0].title == "Kim a Vladivostok" and articles[0].date is not None
    assert articles[3].body == "Testo compresso dentro lo zip."
    assert [str(e) for e in errors] == [
        f"{bundle}!../fuori.txt: its path leaves the archive ('../' or absolute); refused",
        f"{bundle}!collegamento.txt: a symbolic or hard link; refused"]
    assert skipped.lines() == ["1 file of another type skipped (.jpg)",
                               "1 archive inside an archive skipped (.zip; unpack it to "
                               "index it)"]


def test_zip_member_size_limit_and_declared_size(tmp_path: Path) -> None:
    cfg = config_with(tmp_path, "reading: {max_file_mb: 0.001}\n")
    with zipfile.ZipFile(tmp_path / "z.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("grande.txt", "x" * 5000)
        bundle.writestr("piccolo.txt", "Un testo.")
    articles, [error], _ = read_all(tmp_path / "z.zip", cfg)
    assert [a.id for a in articles] == ["z.zip!piccolo"]
    assert error.path == f"{tmp_path / 'z.zip'}!grande.txt"
    assert "above the 0.001 MB limit (reading.max_file_mb)" in error.reason


def test_zip_bomb_total_limit_skips_the_rest_with_one_line(tmp_path: Path) -> None:
    cfg = config_with(tmp_path, "reading: {archives: {max_total_mb: 1}}\n")
    with zipfile.ZipFile(tmp_path / "bomba.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("a.txt", "Un testo buono.")
        for i in range(4):
            bundle.writestr(f"b{i}.txt", "parola " * 90_000)
    articles, errors, _ = read_all(tmp_path / "bomba.zip", cfg)
    assert [a.id for a in articles][:1] == ["bomba.zip!a"]
    refused = [e for e in errors if "reading.archives.max_total_mb" in e.reason]
    assert len(refused) == 1 and len(articles) < 5


def test_a_file_that_is_no_zip_is_one_error(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "rotto.zip").write_bytes(b"questo non e uno zip")
    (tmp_path / "buono.txt").write_text("Un testo buono.", encoding="utf-8")
    articles, [error], _ = read_all(tmp_path, cfg)
    assert [a.id for a in articles] == ["buono"]
    assert error.path == str(tmp_path / "rotto.zip")
    assert error.reason.startswith("not a readable zip file")


def make_tar(path: Path, members: dict[str, bytes], mode: str = "w:gz",
             links: dict[str, str] | None = None) -> None:
    with tarfile.open(path, mode) as bundle:
        folder = tarfile.TarInfo("2023")
        folder.type = tarfile.DIRTYPE
        bundle.addfile(folder)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            bundle.addfile(info)


@pytest.mark.parametrize(("name", "mode"), [("e.tar.gz", "w:gz"), ("e.tgz", "w:gz"),
                                            ("e.tar", "w"), ("e.tar.xz", "w:xz")])
def test_tar_members_read_as_files(cfg: Config, tmp_path: Path, name: str, mode: str) -> None:
    make_tar(tmp_path / name, {
        "2023/09/a.txt": b"Titolo uno\nIl testo del primo.",
        "../../etc/fuori.txt": b"Fuori.",
        "dati/r.jsonl": b'{"id": "t1", "text": "Record."}\n',
        "foto.png": b"\x89PNG",
    }, mode, links={"link.txt": "/etc/passwd"})
    articles, errors, skipped = read_all(tmp_path / name, cfg)
    assert [(a.id, a.title) for a in articles] == [(f"{name}!2023/09/a", "Titolo uno"),
                                                   ("t1", None)]
    assert [(e.path.rpartition("!")[2], e.reason) for e in errors] == [
        ("../../etc/fuori.txt", "its path leaves the archive ('../' or absolute); refused"),
        ("link.txt", "a symbolic or hard link; refused")]
    assert skipped.lines() == ["1 file of another type skipped (.png)"]


def test_damaged_tar_keeps_the_members_before(cfg: Config, tmp_path: Path) -> None:
    make_tar(tmp_path / "e.tar.gz", {f"m{i}.txt": f"Testo {i}. ".encode() * 2000
                                     for i in range(20)})
    data = (tmp_path / "e.tar.gz").read_bytes()
    (tmp_path / "e.tar.gz").write_bytes(data[: len(data) // 2])
    articles, errors, _ = read_all(tmp_path / "e.tar.gz", cfg)
    assert 0 < len(articles) < 20 and articles[0].id == "e.tar.gz!m0"
    assert len(errors) == 1 and "the members after it are skipped" in errors[0].reason


# -- incremental indexing of bundles ---------------------------------------------------------

def write_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths read_bytes is called for: what was read, not what was fingerprinted."""
    calls: list[str] = []
    real = read_package.read_bytes

    def spy(data, fmt, path, rel_id, rules):
        calls.append(path)
        return real(data, fmt, path, rel_id, rules)

    monkeypatch.setattr(read_package, "read_bytes", spy)
    return calls


def test_a_changed_bundle_reads_only_its_changed_members(cfg: Config, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bundle = folder / "export.zip"
    members = {f"2023/{i:02d}/a.txt": f"Articolo {i}\nIl testo numero {i}." for i in range(1, 6)}
    write_zip(bundle, members)
    ix = Index(tmp_path / "ix", cfg)
    report = ix.update([folder])
    assert (report.added, report.failed) == (5, 0)
    reads = count_reads(monkeypatch)
    report = ix.update([folder])
    assert (report.added, report.unchanged, reads) == (0, 5, [])  # an unchanged bundle

    members["2023/02/a.txt"] = "Articolo 2\nIl testo cambiato."
    members["2023/06/a.txt"] = "Articolo 6\nUn membro nuovo."
    del members["2023/05/a.txt"]
    write_zip(bundle, members)
    report = ix.update([folder])
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 1, 3, 1)
    assert sorted(p.rpartition("!")[2] for p in reads) == ["2023/02/a.txt", "2023/06/a.txt"]
    assert ix.document("export.zip!2023/05/a") is None
    assert ix.document("export.zip!2023/02/a")["body"] == "Il testo cambiato."
    assert ix.stats()["documents"] == 5

    reads.clear()
    report = ix.update([folder])
    assert (report.unchanged, report.added, reads) == (5, 0, [])
    bundle.unlink()
    report = ix.update([folder])
    assert report.removed == 5 and ix.stats()["documents"] == 0


def test_tar_members_are_incremental_too(cfg: Config, tmp_path: Path) -> None:
    bundle = tmp_path / "e.tar.gz"
    make_tar(bundle, {"a.txt": b"Uno.", "b.txt": b"Due."})
    ix = Index(tmp_path / "ix", cfg)
    assert ix.update([bundle]).added == 2
    make_tar(bundle, {"a.txt": b"Uno.", "b.txt": b"Due, cambiato.", "c.txt": b"Tre."})
    report = ix.update([bundle])
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)


def failing_for(doc_id: str):
    """prepare's extract_one, raising for the article ``doc_id`` (a bug's stand-in)."""
    real = prepare_module.extract_one

    def extract_one(raw, config):
        if raw.id == doc_id:
            raise ValueError("an extraction bug")
        return real(raw, config)

    return extract_one


def test_a_member_whose_article_fails_is_read_again(cfg: Config, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "export.zip"
    write_zip(bundle, {"a.txt": "Uno.", "b.txt": "Due."})
    with monkeypatch.context() as patch:  # member b's extraction fails, this run only
        patch.setattr(prepare_module, "extract_one", failing_for("export.zip!b"))
        ix = Index(tmp_path / "ix", cfg)
        report = ix.update([bundle])
    assert (report.added, report.failed) == (1, 1)
    assert "export.zip!b.txt: article 'export.zip!b' could not be indexed" in str(
        report.errors[0])
    report = ix.update([bundle])
    assert (report.added, report.unchanged, report.failed) == (1, 1, 0)
    assert ix.document("export.zip!b")["body"] == "Due."


def test_cli_summary_names_what_was_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4")
    (folder / "c.docx").write_bytes(b"PK")
    (folder / "facta.jsonl.gz").write_bytes((FIXTURES / "articles.jsonl.gz").read_bytes())
    (folder / "export.csv").write_text("id,title,date,text\ncsv-1,Titolo,2023-09-12,Testo.\n",
                                       encoding="utf-8")
    index = tmp_path / "ix"
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("4 added, 0 updated, 0 unchanged, 0 removed, 0 failed")
    assert lines[1] == "3 files of other types skipped (.pdf ×2, .docx); --verbose names them"
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index), "-v",
                                       "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["skipped"] == {"files of other types": {".pdf": 2,
                                                                             ".docx": 1}}
    assert f"searchidx: skipped {folder / 'a.pdf'} (.pdf: a type not read)" in result.stderr


# -- the shared corpus, gzipped and as CSV ----------------------------------------------------

DATA = next((p for p in (Path(__file__).resolve().parents[2] / "shared" / "data",
                         Path("/work/shared/data")) if p.is_dir()), None)


@pytest.mark.skipif(DATA is None, reason="shared corpora (../shared/data) not available")
def test_facta_gzipped_and_as_csv_indexes_to_the_same_documents(cfg: Config,
                                                               tmp_path: Path) -> None:
    import csv

    assert DATA is not None
    plain = DATA / "facta" / "articles.jsonl"
    data = plain.read_bytes()
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "articles.jsonl.gz").write_bytes(gzip.compress(data))
    records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    columns = sorted({key for record in records for key in record})
    (tmp_path / "csv").mkdir()
    with (tmp_path / "csv" / "articles.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for record in records:
            writer.writerow(["; ".join(v) if isinstance(v, list) else v
                             for v in (record.get(c, "") for c in columns)])

    def documents(source: Path) -> dict[str, dict]:
        ix = Index(tmp_path / f"ix-{source.name}", cfg)
        report = ix.update([source])
        assert (report.added, report.failed) == (len(records), 0), report.errors[:3]
        # the same but where each came from: the file, and the line a record starts on
        return {d["id"]: {k: v for k, v in d.items() if k not in ("path", "line")}
                for d in ix.iter_documents()}

    expected = documents(plain)
    assert documents(tmp_path / "gz") == expected
    assert documents(tmp_path / "csv") == expected


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("reading: {archives: {bundles: [.zip, .rar]}}",
     r"reading.archives.bundles: cannot read '.rar' files; use some of .zip, .tar"),
    ("reading: {archives: {compressed: [.gz, .7z]}}",
     r"reading.archives.compressed: unknown compression '.7z'"),
])
def test_an_archive_type_that_cannot_be_read_is_a_config_error(tmp_path: Path, yaml_text: str,
                                                               message: str) -> None:
    from searchidx.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        discover([tmp_path], config_with(tmp_path, yaml_text + "\n"))
