"""The command line, through click's CliRunner: output formats, exit codes, errors."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchidx import __version__
from searchidx.cli import COMMAND_ORDER, main

from .conftest import SEEDS


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-index")
    result = CliRunner().invoke(main, ["index", str(SEEDS), "--index", str(folder)])
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output
    return str(folder)


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_version_and_help_with_examples():
    assert __version__ in run("--version").output
    for command in main.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command


def test_help_lists_commands_in_the_order_a_new_user_needs_them():
    section = run("--help").output.split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in section.splitlines() if not line.startswith("   ")]
    assert names[:len(COMMAND_ORDER)] == list(COMMAND_ORDER)
    assert sorted(names) == sorted(main.commands)  # every command, one line each
    assert "..." not in section  # no one-line help cut short


def test_reindex_is_incremental(index_dir, tmp_path):
    result = run("index", SEEDS, "--index", index_dir)
    assert result.exit_code == 0
    assert "0 added, 0 updated, 5 unchanged, 0 removed, 0 failed" in result.output


def test_index_env_variable(index_dir, monkeypatch):
    monkeypatch.setenv("SEARCHIDX_INDEX", index_dir)
    assert run("query", "munizioni").exit_code == 0


def test_query_text_output(index_dir):
    result = run("query", "munizioni", "--index", index_dir, "--facets", "speakers")
    assert result.exit_code == 0
    assert "3 articles for 'munizioni'" in result.output
    assert "002_3735a5c7a403e3e4" in result.output
    assert "speakers:" in result.output


def test_query_exit_status_one_when_nothing_found(index_dir):
    result = run("query", "zanzibar", "--index", index_dir)
    assert result.exit_code == 1 and "0 articles" in result.output


def test_query_json_shape(index_dir):
    result = run("query", "munizioni", "--index", index_dir, "--format", "json",
                 "--facets", "people,year")
    data = json.loads(result.output)
    assert data["total"] == 3
    hit = data["hits"][0]
    for key in ("id", "score", "title", "date", "publisher", "people", "speakers", "topics",
                "snippet", "path"):
        assert key in hit
    assert all({"value", "count"} == set(v) for v in data["facets"]["people"])


def test_query_jsonl_and_csv(index_dir):
    lines = run("query", "munizioni", "--index", index_dir, "--format", "jsonl").output.splitlines()
    assert [json.loads(line)["id"] for line in lines][:1]
    assert len(lines) == 3
    rows = list(csv.DictReader(io.StringIO(run("query", "munizioni", "--index", index_dir,
                                               "--format", "csv").output)))
    assert len(rows) == 3 and "<em>" not in rows[0]["snippet"]


def test_batch_mode_one_json_line_per_query(index_dir):
    result = run("query", "--batch", "-", "--index", index_dir, "--limit", "2", "--any",
                 "--facets", "speakers", input="munizioni\n\ndroni\nzanzibar\n")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["query"] for r in records] == ["munizioni", "droni", "zanzibar"]
    assert [r["total"] for r in records] == [3, 2, 0]
    assert len(records[0]["hits"]) == 2 and "speakers" in records[0]["facets"]
    assert result.exit_code == 0


def test_batch_mode_reports_bad_lines_and_goes_on(index_dir):
    result = run("query", "--batch", "-", "--index", index_dir, input="year:abc\ndroni\n")
    records = [json.loads(line) for line in result.output.splitlines()]
    assert "is not a year" in records[0]["error"] and records[1]["total"] == 2
    assert result.exit_code == 2


def test_batch_of_questions_with_colons_never_fails(index_dir):
    questions = ('Chi ha detto:"Qui sono qui. Non posso fare altro"?\n'
                 "Quale parola è stata criticata da Lutero per averla aggiunta in Romans3:28?\n"
                 "Quando ha parlato Kirby alle ore 10:30 di munizioni?\n")
    result = run("query", "--batch", "-", "--any", "--index", index_dir, input=questions)
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 3 and not any("error" in r for r in records)
    assert not any("not a field" in r.get("notice", "") for r in records)
    assert records[2]["total"] > 0 and result.exit_code == 0


def test_an_unknown_field_is_words_with_a_note_on_stderr(index_dir):
    result = CliRunner().invoke(main, ["query", "Kirby:munizioni", "--index", index_dir])
    assert result.exit_code == 0
    assert "searchidx: note: 'Kirby:' is not a field" in result.stderr
    assert "not a field" not in result.stdout and "1 article" in result.stdout
    data = json.loads(run("query", "speakr:Kirby", "--index", index_dir, "--format", "json",
                          "--any").output)
    assert data["total"] > 0 and "notice" not in data
    data = json.loads(run("query", "speakr:Kirby", "--index", index_dir, "--format", "json",
                          ).output)
    assert "did you mean 'speaker:'" in data["notice"]


def test_filters_from_the_command_line(index_dir):
    result = run("query", "--speaker", "kirby", "--from", "settembre 2023", "--index", index_dir,
                 "--format", "json")
    data = json.loads(result.output)
    assert [h["id"] for h in data["hits"]] == ["000_9d63219bb1120001"]
    assert data["dropped_undated"] == 1
    text = run("query", "--speaker", "kirby", "--from", "2023-09-01", "--index", index_dir)
    assert "1 undated article left out by the date filter" in text.output


def test_show_stats_facets(index_dir):
    shown = run("show", "004_de43da4d890992ab", "--index", index_dir)
    assert "date: 2023-08-31 (day)" in shown.output and "Allarme USA" in shown.output
    doc = json.loads(run("show", "002_3735a5c7a403e3e4", "--index", index_dir,
                         "--format", "json").output)
    assert doc["publisher"] == "Globalist.it" and "John Kirby" in doc["speakers"]
    stats = json.loads(run("stats", "--index", index_dir, "--format", "json").output)
    assert stats["documents"] == 5 and stats["date_from"] == "2023-08-31"
    facets = json.loads(run("facets", "speakers", "--index", index_dir, "--format", "json").output)
    counts = {v["value"]: v["count"] for v in facets["values"]}
    assert counts["John Kirby"] == 3
    assert "John Kirby" in run("facets", "speaker", "--index", index_dir).output


@pytest.mark.parametrize("args, message", [
    (["query", "x", "--from", "2023-13-45"], "--from '2023-13-45'"),
    (["query", "year:20x"], "'year:20x' is not a year"),
    (["query", "x", "--facets", "peple"], "unknown facet 'peple'"),
    (["show", "nope"], "no article with id 'nope'"),
    (["facets", "colour"], "unknown facet 'colour'"),
])
def test_errors_are_one_line_with_exit_2(index_dir, args, message):
    result = run(*args, "--index", index_dir)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_index_is_a_clear_error(tmp_path):
    result = run("query", "x", "--index", tmp_path / "none")
    assert result.exit_code == 2 and "searchidx index PATH" in result.output


def test_bad_config_is_a_clear_error(tmp_path, index_dir):
    bad = tmp_path / "bad.yaml"
    bad.write_text("index: [\n")
    result = run("query", "x", "--index", index_dir, "--config", bad)
    assert result.exit_code == 2 and "bad.yaml" in result.output and "invalid YAML" in result.output


def test_index_reports_bad_files_and_indexes_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Titolo di prova\nUn testo sulle munizioni.\n", "utf-8")
    (folder / "bad.jsonl").write_text('{"id": "a", "text": "munizioni"}\n{oops\n'
                                      '{"id": "b", "text": "droni"}\n', "utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run("index", folder, "--index", tmp_path / "ix")
    assert result.exit_code == 2
    assert "3 added" in result.output and "2 failed" in result.output
    assert "bad.jsonl:2" in result.output and "image.txt" in result.output


def test_files_removed_from_an_indexed_folder_leave_the_index(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.txt").write_text(f"Notizia {name}\nTesto {name} sui droni.\n", "utf-8")
    ix = tmp_path / "ix"
    assert "2 added" in run("index", folder, "--index", ix).output
    (folder / "b.txt").unlink()
    (folder / "a.txt").write_text("Notizia a\nTesto nuovo sui missili.\n", "utf-8")
    (folder / "c.txt").write_text("Notizia c\nAltro testo.\n", "utf-8")
    result = run("index", folder, "--index", ix)
    assert "1 added, 1 updated, 0 unchanged, 1 removed" in result.output
    again = run("index", "--index", ix)  # no PATH: the folders indexed before
    assert "0 added, 0 updated, 2 unchanged, 0 removed" in again.output
    assert run("query", "missili", "--index", ix).exit_code == 0
    assert run("query", "droni", "--index", ix).exit_code == 1


def test_extract_prints_one_json_object_per_article():
    result = run("extract", SEEDS)
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 5
    assert {"id", "title", "date", "publisher", "people", "speakers", "quotes", "places",
            "organizations", "cited_media", "topics", "keyphrases"} <= set(records[0])
    by_id = {r["id"]: r for r in records}
    assert by_id["000_9d63219bb1120001"]["date"] == {"value": "2023-09", "precision": "month"}


def test_extract_reads_stdin():
    result = run("extract", "-", input="Kirby ha detto che i colloqui proseguono.\n")
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["id"] == "-" or record["id"].startswith("-")
    assert any("Kirby" in speaker for speaker in record["speakers"])


def test_quotes_command(index_dir):
    result = run("quotes", "--speaker", "Kirby", "--index", index_dir, "--format", "json")
    data = json.loads(result.output)
    assert data["total"] >= 1 and {q["speaker"] for q in data["quotes"]} == {"John Kirby"}


def test_index_optimize_merges_segments_and_keeps_every_result(tmp_path):
    from whoosh import index as windex

    config = tmp_path / "small.yaml"
    config.write_text("index:\n  commit_every: 2\n", encoding="utf-8")
    folder = tmp_path / "news"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        (folder / seed.name).write_text(seed.read_text("utf-8"), encoding="utf-8")
    where = ["--index", tmp_path / "ix", "--config", config]
    assert run("index", folder, *where).exit_code == 0
    (folder / "001_830db2598d0653a2.txt").unlink()  # a deletion for the merge to drop
    assert run("index", folder, *where).exit_code == 0
    segments = windex.open_dir(str(tmp_path / "ix"))._segments()
    assert len(segments) > 1
    before = json.loads(run("query", "munizioni OR Kirby", *where, "--format", "json").output)

    result = run("index", "--optimize", *where)
    assert result.exit_code == 0, result.output
    assert f"{len(segments)} segments merged into one" in result.output
    assert len(windex.open_dir(str(tmp_path / "ix"))._segments()) == 1
    after = json.loads(run("query", "munizioni OR Kirby", *where, "--format", "json").output)
    # the same articles; scores move a little, as the merge drops the deleted article's terms
    assert sorted(h["id"] for h in after["hits"]) == sorted(h["id"] for h in before["hits"])
    assert after["total"] == before["total"] == 4
    assert "merged" not in run("index", "--optimize", *where).output  # nothing left to merge

    (folder / "extra.txt").write_text("Nuove munizioni al porto di Odessa.", encoding="utf-8")
    assert "1 added" in run("index", folder, *where).output
    stats = json.loads(run("stats", *where, "--format", "json").output)
    assert stats["documents"] == 5


def test_saved_web_pages_index_with_their_speakers_and_dates(tmp_path):
    pages = tmp_path / "pagine"
    pages.mkdir()
    (pages / "kim.html").write_bytes(
        (Path(__file__).parent / "fixtures" / "read" / "pagina.html").read_bytes())
    (pages / "vuota.htm").write_text("<html><body></body></html>", encoding="utf-8")
    index = tmp_path / "ix"
    result = run("index", pages, "--index", index)
    assert result.exit_code == 2, result.output
    assert "1 added" in result.output and "1 failed" in result.output
    assert "vuota.htm: no article text found in this web page" in result.output
    found = run("query", "munizioni", "--speaker", "Kirby", "--from", "2023-09-01",
                "--index", index, "--format", "json")
    hits = json.loads(found.output)["hits"]
    assert [(h["id"], h["date"], h["publisher"]) for h in hits] == [
        ("kim", "2023-09-12", "Cronache dal Mondo")]
    assert run("query", "Mario88 OR analytics", "--index", index).exit_code == 1
