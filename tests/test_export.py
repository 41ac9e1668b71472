"""Full exports: every hit of a result set, streamed as CSV or JSON lines (--all)."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from searchidx.backends import SearchPlan
from searchidx.cli import main
from searchidx.errors import QueryError
from searchidx.search import DEFAULT_EXPORT_FIELDS, EXPORT_FIELDS

QUESTION = "quali armi la Corea del Nord fornisce alla Russia"


def run(seeds_index, *args):
    return CliRunner().invoke(main, [*map(str, args), "--index", str(seeds_index.path)])


@pytest.mark.parametrize("query, options", [
    ("munizioni", {}),
    ("", {"sort": "date"}),
    ("", {"speaker": ["Kirby"]}),
    (QUESTION, {"any": True}),  # rescored by passage: the pages' order, not BM25's
])
def test_an_export_is_every_hit_in_the_order_of_the_pages(seeds_index, query, options):
    pages = seeds_index.search(query, limit=50, **options)
    rows = list(seeds_index.export(query, fields=["id", "score"], **options))
    assert [(r["id"], r["score"]) for r in rows] == [(h.id, h.score) for h in pages.hits]
    assert len(rows) == pages.total > 0


def test_the_fields_asked_for_in_their_order(seeds_index):
    row = next(seeds_index.export("munizioni", fields=["date", "id", "media", "people", "body"]))
    assert list(row) == ["date", "id", "media", "people", "body"]
    assert isinstance(row["people"], list) and isinstance(row["media"], list)
    assert row["body"] == seeds_index.document(row["id"])["body"]
    default = next(seeds_index.export("munizioni"))
    assert tuple(default) == DEFAULT_EXPORT_FIELDS and "<em>" in default["snippet"]


def test_unknown_fields_and_bad_options_fail_before_any_row(seeds_index):
    with pytest.raises(QueryError, match="unknown field 'colour'; use some of id,score"):
        seeds_index.export("munizioni", fields=["id", "colour"])
    with pytest.raises(QueryError, match="--from"):
        seeds_index.export("munizioni", date_from="2023-13-45")
    assert list(seeds_index.export("zanzibar")) == []


def test_a_search_of_every_match_makes_its_hits_when_read(seeds_index):
    backend = seeds_index.backend()
    hits = backend.search(SearchPlan(query=None, limit=None)).hits
    assert not isinstance(hits, list) and len(hits) == 5
    assert [h.key for h in hits] == [h.key for h in hits[0:5]]
    assert hits[-1].key == hits[4].key
    with pytest.raises(IndexError):
        hits[5]


def test_the_command_line_streams_csv_and_jsonl(seeds_index):
    result = run(seeds_index, "query", "munizioni", "--all", "--format", "csv",
                 "--fields", "id,date,title,speakers")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 3 and list(rows[0]) == ["id", "date", "title", "speakers"]
    kirby = next(r for r in rows if "John Kirby" in r["speakers"])
    assert "; " in kirby["speakers"]
    result = run(seeds_index, "query", "", "--all", "--format", "jsonl", "--speaker", "Kirby")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 3 and tuple(lines[0]) == DEFAULT_EXPORT_FIELDS


def test_an_export_that_finds_nothing_is_a_header_and_exit_one(seeds_index):
    result = run(seeds_index, "query", "zanzibar", "--all", "--format", "csv", "--fields", "id")
    assert result.exit_code == 1 and result.output == "id\n"


@pytest.mark.parametrize("args, message", [
    (["--all", "--format", "csv", "--fields", "id,colour"],
     f"unknown field 'colour'; use some of {','.join(EXPORT_FIELDS)}"),
    (["--all"], "use --format csv or --format jsonl, not text"),
    (["--all", "--format", "json"], "JSON as a stream is jsonl"),
    (["--fields", "id"], "--fields goes with --all"),
    (["--all", "--format", "csv", "--limit", "5"], "drop --limit"),
    (["--all", "--format", "csv", "--page", "2"], "drop --page"),
    (["--all", "--format", "csv", "--facets", "people"], "--all does not go with --facets"),
])
def test_bad_export_options_are_one_line_and_exit_two(seeds_index, args, message):
    result = run(seeds_index, "query", "munizioni", *args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_the_help_names_every_field():
    text = " ".join(CliRunner().invoke(main, ["query", "--help"]).output.split())
    listed = text.split("--fields LIST")[1].split("(default")[0].replace(" ", "")
    assert listed.rstrip(".").endswith(",".join(EXPORT_FIELDS))
