"""CSV and TSV exports: header row, field mapping (config and --map), sniffed
delimiter, decoded encoding, bad rows named by the line they start on."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.cli import main
from searchidx.config import Config, load_config
from searchidx.errors import ReadError, SearchidxError
from searchidx.models import RawArticle
from searchidx.read import discover, read_source, set_reading_options

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "archives"


def fresh_config(field_map: str | None = None, path: Path | None = None) -> Config:
    config = load_config(path, search_cwd=False)
    set_reading_options(config, field_map)
    return config


def read_all(path: Path, config: Config) -> list[RawArticle | ReadError]:
    sources, errors = discover([path], config)
    assert errors == []
    return [item for src in sources for item in read_source(src, config)]


def test_semicolons_quoted_newlines_and_a_bad_row() -> None:
    good1, bad, good2 = read_all(FIXTURES / "semicolon.csv",
                                 fresh_config("text=corpo,date=data_pubblicazione"))
    assert isinstance(good1, RawArticle) and isinstance(good2, RawArticle)
    assert (good1.id, good1.title, good1.line) == ("csv-1", "Kim arriva in Russia", 2)
    assert good1.date is not None and good1.date.value == "2023-09-12"
    assert good1.body == ("Il treno blindato è arrivato.\n\nSecondo paragrafo, con "
                          "\"virgolette\" e; punti e virgola.")
    assert good1.tags == ["Russia", "Corea del Nord"]
    assert good1.extra == {"sezione": "Esteri"}
    assert isinstance(bad, ReadError)
    assert str(bad) == (f"{FIXTURES / 'semicolon.csv'}:5: row has 8 cells, the header 6; "
                        "skipped (a stray delimiter or quote?)")
    assert (good2.id, good2.line) == ("csv-3", 6)  # the row starts on line 6, ends on 8
    assert good2.body == "Putin e Kim\nsi sono incontrati\na Vostochny."


def test_without_a_text_column_the_header_says_which_names_are_looked_for() -> None:
    items = read_all(FIXTURES / "semicolon.csv", fresh_config())
    errors = [i for i in items if isinstance(i, ReadError)]
    assert [e.line for e in errors] == [1, 5]
    assert errors[0].reason == (
        "no column is read as the text (looked for: text, body, content, testo, articlebody); "
        "name it with --map text=COLUMN or reading.fields.body")
    titles = [i.title for i in items if isinstance(i, RawArticle)]
    assert titles == ["Kim arriva in Russia", "Il vertice"]  # the rest is still read


def test_the_mapping_from_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("reading:\n  fields:\n    body: [corpo]\n    date: [data_pubblicazione]\n",
                    encoding="utf-8")
    items = read_all(FIXTURES / "semicolon.csv", fresh_config(path=path))
    assert [i.id for i in items if isinstance(i, RawArticle)] == ["csv-1", "csv-3"]


def test_cp1252_csv_is_decoded_with_a_note() -> None:
    first, second = read_all(FIXTURES / "cp1252.csv", fresh_config())
    assert isinstance(first, RawArticle) and isinstance(second, RawArticle)
    assert first.title == "Perché la città è ferma"
    assert first.body == "L’ultima notizia: «è così» – ha detto il sindaco."
    assert first.warnings == ["decoded as cp1252"]
    assert second.title == "Un’altra notizia"


def test_tsv_from_a_spreadsheet_in_utf16(tmp_path: Path) -> None:
    text = "id\ttitle\ttext\nt-1\tTitolo\tUn testo, con virgole; e punti.\n"
    (tmp_path / "foglio.tsv").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    [article] = read_all(tmp_path / "foglio.tsv", fresh_config())
    assert isinstance(article, RawArticle)
    assert (article.id, article.title, article.body) == (
        "t-1", "Titolo", "Un testo, con virgole; e punti.")


def test_a_whole_article_in_one_cell(tmp_path: Path) -> None:
    body = ("Un paragrafo lungo, con virgole. " * 40 + "\n\n") * 200  # ~260 KB
    with (tmp_path / "lungo.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["lungo-1", body], ["lungo-2", "Breve."]])
    first, second = read_all(tmp_path / "lungo.csv", fresh_config())
    assert isinstance(first, RawArticle) and len(first.body) > 250_000
    assert isinstance(second, RawArticle) and second.line == 3 + body.count("\n")


def test_rows_short_of_cells_are_kept_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "corto.csv").write_text("id,text,fonte\nc-1,Testo uno.\nc-2,Testo due.,ANSA\n",
                                        encoding="utf-8")
    first, second = read_all(tmp_path / "corto.csv", fresh_config())
    assert isinstance(first, RawArticle) and first.body == "Testo uno."
    assert first.warnings == ["line 2: 2 of 3 cells; the missing ones are empty"]
    assert isinstance(second, RawArticle) and second.publisher == "ANSA"


def test_one_column_and_ids_from_the_row_number(tmp_path: Path) -> None:
    (tmp_path / "solo.csv").write_text("text\n\nPrimo testo.\nSecondo testo.\n",
                                       encoding="utf-8")
    items = read_all(tmp_path / "solo.csv", fresh_config())
    assert [(i.id, i.line) for i in items if isinstance(i, RawArticle)] == [
        ("solo#1", 3), ("solo#2", 4)]


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty file"),
    ("id,title,text\n", "a header row and no articles"),
    ("\x89PNG\r\n\x1a\n\x00\x00", "looks like a binary file"),
])
def test_csv_without_articles_is_one_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "x.csv").write_bytes(content.encode("latin-1"))
    [error] = read_all(tmp_path / "x.csv", fresh_config())
    assert isinstance(error, ReadError) and message in error.reason


@pytest.mark.parametrize(("option", "message"), [
    ("corpo", "--map: 'corpo' should be FIELD=NAME"),
    ("testo=corpo", "--map: unknown field 'testo'; use one of id, title, date, text,"),
    ("text=", "--map: 'text=' should be FIELD=NAME"),
])
def test_bad_map_option_names_itself(option: str, message: str) -> None:
    with pytest.raises(SearchidxError, match=message):
        fresh_config(option)


def test_map_on_the_command_line(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    runner = CliRunner()
    result = runner.invoke(main, ["index", str(FIXTURES / "semicolon.csv"), "--index",
                                  str(index), "--map", "text=corpo,date=data_pubblicazione"])
    assert result.exit_code == 2  # the bad row
    assert result.stdout.startswith("2 added, 0 updated, 0 unchanged, 0 removed, 1 failed")
    assert f"{FIXTURES / 'semicolon.csv'}:5: row has 8 cells" in result.stderr
    result = runner.invoke(main, ["extract", str(FIXTURES / "semicolon.csv"), "--map", "x"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("searchidx: error: --map: 'x' should be FIELD=NAME, "
                                     "e.g. --map text=corpo,date=data_pubblicazione")


def test_a_changed_map_reads_an_unchanged_file_again(tmp_path: Path) -> None:
    from searchidx import Index

    ix_path = tmp_path / "ix"
    report = Index(ix_path, fresh_config()).update([FIXTURES / "semicolon.csv"])
    assert (report.added, report.failed) == (2, 2)  # titles only: no text column
    mapped = fresh_config("text=corpo,date=data_pubblicazione")
    with Index(ix_path, mapped) as ix:
        report = ix.update([FIXTURES / "semicolon.csv"])
        assert (report.updated, report.unchanged, report.failed) == (2, 0, 1)
        assert ix.document("csv-3")["body"] == "Putin e Kim\nsi sono incontrati\na Vostochny."


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    ["\n", "\r", '"', ";", ",", "\t"]), min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=6),
       st.sampled_from([",", ";", "\t"]))
def test_any_cells_written_by_a_csv_writer_read_back(tmp_path_factory: pytest.TempPathFactory,
                                                     rows: list[tuple[str, str]],
                                                     delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    writer.writerow(["title", "text"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("prop") / ("p.tsv" if delimiter == "\t" else "p.csv")
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    items = read_all(path, fresh_config())
    assert len(items) == len(rows)
    assert all(isinstance(i, RawArticle) for i in items), items
    lines = [i.line for i in items]  # type: ignore[union-attr]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
