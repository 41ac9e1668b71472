"""Hostile and broken input: each gets a clear message, and no work is lost.

Files and metadata go through a real ``index`` run next to a good article that
must always end up indexed; queries go through the CLI, which must answer
with a sensible search or one line and exit 2, never a traceback.
"""

import json
import os
import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchidx import Index
from searchidx.cli import main
from searchidx.config import load_config
from searchidx.errors import SearchidxError

GOOD = "Notizia di controllo\nUn articolo valido sulle munizioni per la Russia.\n"


def index_folder(tmp_path, files, config_text=None):
    """Index a folder holding ``files`` plus one good article; return the report."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(GOOD, "utf-8")
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    config = load_config(search_cwd=False)
    if config_text:
        (tmp_path / "cfg.yaml").write_text(config_text, "utf-8")
        config = load_config(tmp_path / "cfg.yaml")
    ix = Index(tmp_path / "ix", config)
    report = ix.update([folder])
    assert ix.document("good") is not None, "the good article must always be indexed"
    return ix, report


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
    ("list.json", "[1, 2, 3]", "should be a JSON object"),
    ("scalar.json", '"just a string"', "should hold an object or a list of objects"),
    ("broken.json", '{"id": "x", "text": ', "invalid JSON"),
])
def test_unreadable_files_are_reported_and_skipped(tmp_path, name, content, reason):
    _, report = index_folder(tmp_path, {name: content})
    assert report.failed >= 1
    messages = " ".join(str(e) for e in report.errors)
    assert name in messages and reason.lower() in messages.lower()


@pytest.mark.parametrize("name, content, expect", [
    ("latin.txt", "Notizia\nLa città è perché così.\n".encode("cp1252"), "città"),
    ("utf16.txt", "\ufeffNotizia\nLa città di Mosca.\n".encode("utf-16"), "città"),
    ("mixed.txt", b"Notizia\nUn testo \xff\xfe con byte non validi e citt\xe0.\n", "testo"),
    ("nfd.txt", "Notizia\nLa citta\u0300 di Mosca.\n".encode(), "città"),
])
def test_odd_encodings_are_decoded(tmp_path, name, content, expect):
    ix, report = index_folder(tmp_path, {name: content})
    assert report.failed == 0
    doc = ix.document(name.rsplit(".", 1)[0])
    assert expect in doc["body"]


def test_jsonl_bad_line_in_the_middle(tmp_path):
    lines = ['{"id": "a", "text": "Primo articolo sui droni."}', "{not json",
             '["a list"]', '{"id": "b", "text": "Terzo articolo sui droni."}']
    ix, report = index_folder(tmp_path, {"feed.jsonl": "\n".join(lines) + "\n"})
    assert report.added == 3 and report.failed == 2
    assert {e.line for e in report.errors} == {2, 3}
    assert ix.search("droni").total == 2


def test_duplicate_ids_across_files_first_file_keeps_it(tmp_path):
    files = {"a.jsonl": '{"id": "same", "text": "Prima versione sui droni."}\n',
             "b.jsonl": '{"id": "same", "text": "Seconda versione sui missili."}\n'}
    ix, report = index_folder(tmp_path, files)
    assert report.failed == 1 and "duplicate id 'same'" in str(report.errors[0])
    assert ix.search("droni").total == 1 and ix.search("missili").total == 0


def test_huge_single_line_and_size_limit(tmp_path):
    line = ("parola " * 7_500_000)[:50_000_000]
    files = {"long.txt": "Titolo lungo\n" + line + " munizioni\n",
             "big.txt": "x" * 3_000_000}
    ix, report = index_folder(tmp_path, files, "reading:\n  max_file_mb: 60\n")
    assert ix.document("long") is not None
    assert ix.search("munizioni").total == 2  # the word at the very end is indexed
    assert any("extract_max_chars" in w for w in report.warnings)
    _, report = index_folder(tmp_path / "limited", {"big.txt": "x" * 3_000_000},
                             "reading:\n  max_file_mb: 1\n")
    assert report.failed == 1 and "max_file_mb" in str(report.errors[0])


def test_symlink_loop_and_strange_names(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    names = {"with space.txt": GOOD, "new\nline.txt": GOOD, "accentè.txt": GOOD}
    ix, report = index_folder(tmp_path, names)
    raw_name = os.fsencode(str(tmp_path / "in")) + b"/bytes\xff.txt"
    with open(raw_name, "wb") as handle:
        handle.write(GOOD.encode())
    report = ix.update([tmp_path / "in"])
    assert report.failed == 0
    assert ix.stats()["documents"] == 5


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_permissions(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text(GOOD)
    secret.chmod(0)
    _, report = index_folder(tmp_path, {})
    assert report.failed == 1 and "secret.txt" in str(report.errors[0])


@pytest.mark.parametrize("record, check", [
    ({"id": "d1", "date": "2023-13-45", "text": "testo"}, lambda d: d["date"] is None),
    ({"id": "d2", "date": "2999-01-01", "text": "testo"},
     lambda d: d["date"]["value"] == "2999-01-01"),
    ({"id": "d3", "date": 20230905, "text": "testo"}, lambda d: d["date"]["value"] == "2023-09-05"),
    ({"id": "d4", "date": 3.5, "text": "testo"}, lambda d: d["date"] is None),
    ({"id": "d5", "title": ["a", "list"], "text": "testo"}, lambda d: d["body"] == "testo"),
    ({"id": "d6", "tags": "solo", "text": "testo"}, lambda d: d["tags"] == ["solo"]),
    ({"id": "d7", "title": "T" * 100_000, "text": "testo"}, lambda d: len(d["title"]) <= 1000),
    ({"id": 42, "text": "testo"}, lambda d: d["id"] == "42"),
])
def test_odd_metadata_is_tolerated(tmp_path, record, check):
    ix, report = index_folder(tmp_path, {"rec.jsonl": json.dumps(record) + "\n"})
    doc = ix.document(str(record["id"]))
    assert doc is not None, report.errors
    assert check(doc)


def test_record_without_text_is_reported(tmp_path):
    record = {"id": "d9", "text": None, "body": {"nested": 1}}
    ix, report = index_folder(tmp_path, {"rec.jsonl": json.dumps(record) + "\n"})
    assert ix.document("d9") is None
    assert report.failed == 1 and "rec.jsonl:1: record has no text" in str(report.errors[0])


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "in").mkdir()
    (folder / "in" / "a.txt").write_text(GOOD, "utf-8")
    Index(folder / "ix", load_config(search_cwd=False)).update([folder / "in"])
    return str(folder / "ix")


@pytest.mark.parametrize("query", [
    '"unbalanced', "(unbalanced", "unbalanced)", "NOT", "NOT NOT", "*", "?", "AND", "OR",
    "-", "--", "~", "munizioni~9", '""', "()", "title:", "title:*", "speaker:",
    "nope:field", "x" * 10_000, "munizioni " * 2_000, "\x00\x01\x1b[31m", "della il la",
    "🙂", "\u202e", "a:b:c", "[a TO b]", "{", "^2", "munizioni^", "\\", "'", "’",
])
def test_odd_queries_never_crash(small_index, query):
    result = CliRunner().invoke(main, ["query", "--index", small_index, "--", query])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    if result.exit_code == 2:
        assert len(result.output.strip().splitlines()) == 1


def test_overlong_query_is_refused_clearly(small_index):
    result = CliRunner().invoke(main, ["query", "x" * 10_001, "--index", small_index])
    assert result.exit_code == 2 and "10,000 characters" in result.output


QUERY_CHARS = (st.characters(codec="utf-8")
               | st.sampled_from(list('"()*~:-^ ' + string.ascii_letters)))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=QUERY_CHARS, max_size=60))
def test_query_layer_fuzzed(small_index, query):
    ix = Index(small_index, load_config(search_cwd=False))
    try:
        first = ix.search(query, limit=3, facets=["people"])
        again = ix.search(query, limit=3, facets=["people"])
        assert [h.id for h in first.hits] == [h.id for h in again.hits]
    except SearchidxError as exc:
        assert "\n" not in str(exc)


def test_invalid_config_via_cli_names_file_and_line(tmp_path, small_index):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("index:\n  commit_every: [1, 2]\n")
    result = CliRunner().invoke(main, ["query", "x", "--index", small_index, "--config", cfg])
    assert result.exit_code == 2 and "c.yaml:2" in result.output


def test_index_folder_is_not_world_writable(tmp_path):
    ix, _ = index_folder(tmp_path, {})
    for path in [ix.path, *ix.path.iterdir()]:
        assert not path.stat().st_mode & 0o002, path


def test_ids_never_escape_the_index_folder(tmp_path):
    record = {"id": "../../etc/passwd", "text": "testo sui droni"}
    ix, _ = index_folder(tmp_path, {"evil.jsonl": json.dumps(record) + "\n"})
    assert ix.document("../../etc/passwd")["body"] == "testo sui droni"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "ix"]
