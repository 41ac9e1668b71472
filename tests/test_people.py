"""People and time: the people directory, a person's profile and timelines, through the
API and the command line, on the seeds and on small indexes made here."""

import csv
import io
import json
import sys

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.analysis import fold
from searchidx.cli import main
from searchidx.directory import UnknownPerson
from searchidx.errors import QueryError, SearchidxError
from searchidx.timeline import period_of, periods_between, timeline


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def seeds_dir(seeds_index):
    return str(seeds_index.path)


@pytest.fixture(scope="module")
def two_kims(tmp_path_factory, config):
    """Two people called Kim, each named in an article of their own."""
    folder = tmp_path_factory.mktemp("kims")
    (folder / "a.txt").write_text(
        "Kim Jong-un visita una fabbrica\n\nIl leader nordcoreano Kim Jong-un ha visitato "
        "una fabbrica di munizioni a Pyongyang.\n", "utf-8")
    (folder / "b.txt").write_text(
        "Kim Yo-jong attacca Seul\n\nLa sorella del leader, Kim Yo-jong, ha criticato il "
        "governo di Seul in una nota.\n", "utf-8")
    ix = Index(tmp_path_factory.mktemp("kims-index"), config)
    assert ix.update([folder]).added == 2
    return ix


# -- a person's profile -------------------------------------------------------------------

def test_kirby_profile_merges_spellings_with_role_articles_and_quotes(seeds_index):
    profile = seeds_index.person("Kirby")
    assert profile.name == "John Kirby"
    assert {"John F. Kirby", "John Kirby"} <= set(profile.spellings)
    assert profile.spellings["John F. Kirby"] == ["000_9d63219bb1120001"]
    assert fold("portavoce del Consiglio per la sicurezza nazionale") in {
        fold(r["role"]) for r in profile.roles}
    assert profile.articles == 3 and profile.quoted == 3
    texts = [q["text"] for q in profile.latest_quotes]
    assert "Non siamo preoccupati per il viaggio [di Putin]" in texts
    assert profile.quotes == len(texts)
    assert profile.latest_articles[0]["id"] == "000_9d63219bb1120001"  # 2023-09, newest


def test_shoigu_profile_merges_transliterations(seeds_index):
    profile = seeds_index.person("Shoigu")
    assert profile.name == "Sergei Shoigu"
    assert {"Sergej Shojgu", "Sergei K. Shoigu"} <= set(profile.spellings)
    assert profile.articles == 2
    # an alias of people.yaml finds the same person
    assert seeds_index.person("Sergey Shoygu").name == "Sergei Shoigu"


def test_profile_timeline_counts_mentions_and_quotes_by_month(seeds_index):
    line = seeds_index.person("John Kirby").timeline
    assert line.periods == ["2023-08", "2023-09"]
    mentions, quotes = line.series
    assert mentions.counts == [1, 1] and mentions.undated == 1
    assert sum(quotes.counts) + quotes.undated == seeds_index.person("Kirby").quotes


def test_profile_neighbours_leave_the_person_out(seeds_index):
    profile = seeds_index.person("Kirby")
    names = [n for n, _ in profile.people]
    assert "John Kirby" not in names and "Vladimir Putin" in names
    assert ("Casa Bianca", 3) in profile.organizations


def test_ambiguous_name_lists_the_candidates(two_kims):
    with pytest.raises(UnknownPerson) as caught:
        two_kims.person("Kim")
    assert caught.value.ambiguous
    assert set(caught.value.candidates) == {"Kim Jong-un", "Kim Yo-jong"}
    assert two_kims.person("Kim Yo-jong").articles == 1
    result = run("person", "Kim", "--index", two_kims.path)
    assert result.exit_code == 1
    assert "Kim Jong-un" in result.output and "Kim Yo-jong" in result.output


def test_unknown_person_exits_1_with_the_nearest_names(seeds_dir):
    result = run("person", "Kirbi", "--index", seeds_dir)
    assert result.exit_code == 1
    assert "John Kirby" in result.output
    result = run("person", "Kirbi", "--index", seeds_dir, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["nearest"] == ["John Kirby"]


def test_person_cli_text_json_and_csv(seeds_dir):
    result = run("person", "Kirby", "--index", seeds_dir)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("John Kirby")
    assert "John F. Kirby (1): 000_9d63219bb1120001" in result.output
    assert "portavoce del consiglio per la sicurezza nazionale" in result.output
    data = json.loads(run("person", "Kirby", "--index", seeds_dir, "--format", "json").output)
    assert data["articles"] == 3 and data["timeline"]["periods"] == ["2023-08", "2023-09"]
    rows = list(csv.DictReader(io.StringIO(
        run("person", "Kirby", "--index", seeds_dir, "--format", "csv").output)))
    assert [r["id"] for r in rows] == ["000_9d63219bb1120001", "004_de43da4d890992ab",
                                       "002_3735a5c7a403e3e4"]
    assert rows[0]["spellings"] == "John F. Kirby"


# -- the directory ---------------------------------------------------------------------------

def test_directory_merges_aliases_counts_and_dates(seeds_index):
    people = {p.name: p for p in seeds_index.people()}
    kirby = people["John Kirby"]
    assert (kirby.articles, kirby.quoted) == (3, 3)
    assert set(kirby.aliases) == {"John F. Kirby", "Kirby"}
    assert (kirby.first, kirby.last) == ("2023-08-31", "2023-09")
    assert {"Sergej Shojgu", "Sergei K. Shoigu"} <= set(people["Sergei Shoigu"].aliases)
    assert people["Sergei Shoigu"].first is None  # both articles undated
    # the articles naming each person agree with the people facet
    assert {n: c for n, c in seeds_index.facet_counts("people")} == {
        n: p.articles for n, p in people.items()}


def test_directory_query_filters_role_and_sorts(seeds_index):
    assert {p.name for p in seeds_index.people("Shojgu")} >= {"Sergei Shoigu"}
    assert "Sergei Shoigu" not in {p.name for p in seeds_index.people(speaker=["Kirby"])}
    spokespeople = {p.name for p in seeds_index.people(role="portavoce")}
    assert {"John Kirby", "Dmitry Peskov"} <= spokespeople
    assert "Vladimir Putin" not in spokespeople
    by_name = [p.name for p in seeds_index.people(sort="name")]
    assert by_name == sorted(by_name, key=fold)
    by_speaker = seeds_index.people(sort="speaker")
    assert by_speaker[0].quoted == max(p.quoted for p in by_speaker)
    recent = seeds_index.people(sort="recent")
    assert recent[0].last == "2023-09" and recent[-1].last is None
    with pytest.raises(QueryError, match="--sort"):
        seeds_index.people(sort="loudest")


def test_people_cli_formats(seeds_dir):
    result = run("people", "--index", seeds_dir, "--limit", "3")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("16 people, showing 3") and len(lines) == 4
    assert "Vladimir Putin" in lines[1]
    rows = list(csv.DictReader(io.StringIO(
        run("people", "--index", seeds_dir, "--format", "csv").output)))
    kirby = next(r for r in rows if r["name"] == "John Kirby")
    assert kirby["articles"] == "3" and "John F. Kirby" in kirby["aliases"].split("; ")
    lines = run("people", "--index", seeds_dir, "--format", "jsonl").output.splitlines()
    assert len(lines) == 16 and json.loads(lines[0])["name"] == "Vladimir Putin"
    assert run("people", "nessunaparolacosì", "--index", seeds_dir).exit_code == 1


def test_table_matches_the_stored_articles(seeds_index):
    """The columns the directory and timelines read say what the stored articles say."""
    table = seeds_index.table(("people", "speakers", "roles", "spellings"))
    docs = list(seeds_index.iter_documents())
    assert table.dates == [d["date"] for d in docs]
    assert table.columns["people"] == [tuple(p["name"] for p in d["people"]) for d in docs]
    assert table.columns["speakers"] == [tuple(d["speakers"]) for d in docs]
    assert table.columns["roles"] == [tuple((p["name"], p["role"]) for p in d["people"]
                                            if p["role"]) for d in docs]
    assert [set(s) for s in table.columns["spellings"]] == [
        {(p["name"], m["text"]) for p in d["people"] for m in p["mentions"]} for d in docs]


# -- timelines --------------------------------------------------------------------------------

def test_timeline_of_the_seeds_by_month_and_day(seeds_index):
    line = seeds_index.timeline()
    assert line.periods == ["2023-08", "2023-09"]
    (articles,) = line.series
    assert articles.counts == [1, 1] and articles.undated == 3 and articles.total == 5
    by_day = seeds_index.timeline(by="day").series[0]
    assert by_day.counts == [1] and by_day.coarser == 1  # 2023-09 has no day


def test_timeline_of_a_facet_follows_its_top_values(seeds_index):
    line = seeds_index.timeline(facet="speakers", top=2)
    assert [s.name for s in line.series] == ["John Kirby", "Adrienne Watson"]
    assert line.series[0].total == 3


def test_empty_periods_are_zero_and_weeks_cross_years():
    day = {"value": "2023-01-15", "precision": "day"}
    march = {"value": "2023-03", "precision": "month"}
    line = timeline([day, march, None, {"value": "2023", "precision": "year"}])
    assert line.periods == ["2023-01", "2023-02", "2023-03"]
    assert line.series[0].counts == [1, 0, 1]
    assert (line.series[0].undated, line.series[0].coarser) == (1, 1)
    assert period_of({"value": "2021-01-03", "precision": "day"}, "week") == "2020-W53"
    assert periods_between("2020-W52", "2021-W02", "week") == [
        "2020-W52", "2020-W53", "2021-W01", "2021-W02"]
    assert periods_between("2023-12-30", "2024-01-02", "day")[-1] == "2024-01-02"


def test_timeline_cli_bars_csv_and_jsonl(seeds_dir):
    result = run("timeline", "--index", seeds_dir)
    assert result.exit_code == 0
    assert "2023-08  1 █" in result.output and "3 undated" in result.output
    rows = list(csv.reader(io.StringIO(
        run("timeline", "--index", seeds_dir, "--facet", "people", "--top", "2",
            "--format", "csv").output)))
    assert rows[0] == ["period", "Kim Jong-un", "Vladimir Putin"]
    assert rows[1:] == [["2023-08", "1", "1"], ["2023-09", "1", "1"], ["undated", "3", "3"],
                        ["coarser", "0", "0"]]
    lines = run("timeline", "--index", seeds_dir, "--format", "jsonl").output.splitlines()
    assert json.loads(lines[0]) == {"period": "2023-08", "counts": {"articles": 1}}


@pytest.mark.parametrize("args, message", [
    (("timeline", "--by", "fortnight"), "--by 'fortnight': use one of day, week, month, year"),
    (("timeline", "--top", "0"), "--top 0"),
    (("timeline", "--facet", "month"), "--facet month"),
    (("timeline", "--from", "2024", "--to", "2023"), "--from 2024 is after --to 2023"),
    (("people", "--from", "2024-02", "--to", "2024-01"), "is after"),
    (("person", "Kirby", "--from", "2023-13"), "--from '2023-13': not a date"),
    (("timeline", "--plot", "out.pdf"), "give a .png or .svg file"),
])
def test_bad_input_is_one_line_and_exit_2(seeds_dir, args, message):
    result = run(*args, "--index", seeds_dir)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_an_empty_index_is_one_line_and_exit_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("index", empty, "--index", tmp_path / "ix").exit_code == 0
    for command in (("people",), ("person", "Kirby"), ("timeline",)):
        result = run(*command, "--index", tmp_path / "ix")
        assert result.exit_code == 2, command
        assert "has no articles" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_plot_draws_an_svg(seeds_dir, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "line.svg"
    result = run("timeline", "--index", seeds_dir, "--facet", "people", "--plot", target)
    assert result.exit_code == 0, result.output
    assert "<svg" in target.read_text("utf-8")[:2000]


def test_plot_without_matplotlib_says_how_to_install(seeds_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import now fails
    result = run("timeline", "--index", seeds_dir, "--plot", tmp_path / "x.png")
    assert result.exit_code == 2
    assert "pip install 'searchidx[plot]'" in result.output
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(SearchidxError):
        from searchidx.plot import checked_plot_path

        checked_plot_path(str(tmp_path / "x.svg"))


def test_help_has_examples():
    for command in ("people", "person", "timeline"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command
