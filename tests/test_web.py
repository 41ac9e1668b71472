"""The web page over HTTP: every view and its JSON twin, the security rules, and a
real ``searchidx serve`` process that sees new commits (browser tests are in
``test_web_browser.py``)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import socket
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner

from searchidx.cli import main

from .web_support import (
    ARTICLES,
    HOSTILE_PERSON,
    PEOPLE,
    build_index,
    build_story_index,
    require_web,
    start_server,
    stop_server,
    web_config,
)

require_web()

from searchidx.web import create_app  # noqa: E402
from searchidx.web.histogram import Histogram, bars, choose  # noqa: E402
from searchidx.web.markup import Span, marked_paragraphs, snippet_html  # noqa: E402
from searchidx.web.views import search as search_view  # noqa: E402

pytest.importorskip("httpx2", reason="Starlette's test client needs httpx2: "
                                     "pip install -e '.[web,browser]'")
from starlette.testclient import TestClient  # noqa: E402

PAGES = ["/", "/?q=munizioni", "/?q=munizioni&speaker=John+Kirby", "/article/a01",
         "/article/xss-1", "/quotes", "/quotes?speaker=Kirby", "/person/John%20Kirby",
         "/person/" + HOSTILE_PERSON.replace(" ", "%20"), "/?q=%3Cscript%3Ealert(1)%3C/script%3E"]


@pytest.fixture(scope="module")
def web_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("web-index"))


def app_client(index):
    """A test client of the page over ``index``, at the address ``serve`` prints."""
    return TestClient(create_app(index), base_url="http://127.0.0.1:8765")


@pytest.fixture(scope="module")
def client(web_index):
    with app_client(web_index) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def story_index(tmp_path_factory):
    return build_story_index(tmp_path_factory.mktemp("story-index"))


@pytest.fixture(scope="module")
def story_client(story_index):
    with app_client(story_index) as test_client:
        yield test_client


def cli_json(web_index, *args):
    result = CliRunner().invoke(main, [*args, "--index", str(web_index.path),
                                       "--config", str(PEOPLE), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags
                if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def links(self, css_class: str | None = None) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "a" and a.get("href")
                and (css_class is None or css_class in (a.get("class") or "").split())]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- the search page ---------------------------------------------------------------

def test_search_page_lists_hits_with_title_date_publisher_speakers_and_marked_snippet(client):
    page = client.get("/?q=munizioni&sort=-date")
    assert page.status_code == 200
    tags = Tags(page.text)
    assert "Munizioni nordcoreane verso la Russia" in page.text
    assert "2023-09-12" in page.text and "Il Quotidiano" in page.text
    assert "/person/John%20Kirby" in tags.links()
    assert re.search(r"<mark>[Mm]unizioni</mark>", page.text)
    dates = re.findall(r'<span class="date">([^<]+)</span>', page.text)
    assert dates == sorted((d for d in dates if d != "undated"), reverse=True) + \
        ["undated"] * dates.count("undated")


def test_search_page_and_api_answer_the_same_as_the_cli(client, web_index):
    api = client.get("/api/search?q=munizioni&speaker=Kirby&facets=people,year&limit=3")
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")
    assert api.json() == cli_json(web_index, "query", "munizioni", "--speaker", "Kirby",
                                  "--facets", "people,year", "--limit", "3")
    api = client.get("/api/search?q=&from=2023-09&to=2023-09&sort=date&page=2&limit=2")
    assert api.json() == cli_json(web_index, "query", "", "--from", "2023-09", "--to", "2023-09",
                                  "--sort", "date", "--page", "2", "--limit", "2")
    assert client.get("/api/facets?field=people&q=munizioni").json() == \
        cli_json(web_index, "facets", "people", "--query", "munizioni")
    assert client.get("/api/article/a02").json() == cli_json(web_index, "show", "a02")
    assert client.get("/api/quotes?speaker=Peskov&from=2023").json() == \
        cli_json(web_index, "quotes", "--speaker", "Peskov", "--from", "2023")


def test_the_page_links_its_json_twin_with_the_same_parameters(client):
    tags = Tags(client.get("/?q=munizioni&speaker=Kirby&sort=-date").text)
    twin = next(link for link in tags.links() if link.startswith("/api/search"))
    assert query_of(twin) == {"q": ["munizioni"], "speaker": ["Kirby"], "sort": ["-date"],
                              "limit": ["20"]}
    assert client.get(twin).json()["total"] == 2


@pytest.mark.parametrize("path", ["/?q=munizioni%20AND", "/?q=NOT", "/?q=year:20x",
                                  "/?q=x&from=31-31-2023", "/?q=x&sort=best", "/?q=x&page=zero",
                                  "/?q=x&speakr=Kirby"])
def test_a_bad_request_shows_one_line_under_the_box_never_a_traceback(client, path):
    page = client.get(path)
    assert page.status_code == 400
    errors = re.findall(r'<p class="error" id="query-error" role="alert">([^<]+)</p>', page.text)
    assert len(errors) == 1 and "\n" not in errors[0].strip()
    assert "Traceback" not in page.text and 'name="q"' in page.text
    api = client.get(path.replace("/?", "/api/search?"))
    assert api.status_code == 400 and set(api.json()) == {"error"}


def test_error_messages_name_the_parameter_at_fault(client, web_index):
    assert "did you mean 'speaker'?" in client.get("/api/search?speakr=Kirby").json()["error"]
    assert client.get("/api/search?page=zero").json()["error"] == \
        "page: 'zero' is not a whole number"
    assert "from" in client.get("/api/search?from=someday").json()["error"]
    cli = CliRunner().invoke(main, ["query", "munizioni AND", "--config", str(PEOPLE),
                                    "--index", str(web_index.path)])
    assert client.get("/api/search?q=munizioni+AND").json()["error"] in cli.output


def test_a_facet_value_adds_its_filter_and_the_chip_removes_it(client):
    tags = Tags(client.get("/?q=munizioni").text)
    add = next(link for link in tags.links() if query_of(link).get("speaker") == ["John Kirby"])
    filtered = client.get(add)
    assert query_of(add) == {"q": ["munizioni"], "speaker": ["John Kirby"]}
    assert re.search(r"<strong>2</strong> articles", filtered.text)
    tags = Tags(filtered.text)
    chip = tags.links("chip-remove")
    assert len(chip) == 1 and query_of(chip[0]) == {"q": ["munizioni"]}
    selected = [a["href"] for a in tags.find("a", class_="selected")]
    assert selected == chip  # the selected value removes the filter too
    assert re.search(r"<strong>5</strong> articles", client.get(chip[0]).text)


def test_more_shows_the_next_values_of_a_facet(client):
    page = client.get("/?show_people=2")
    section = page.text.split('id="facet-people"')[1].split("</section>")[0]
    assert section.count('class="facet-value"') == 2
    more = re.search(r'class="more" href="([^"]+)"', section).group(1).replace("&amp;", "&")
    assert query_of(more) == {"show_people": ["12"]}
    section = client.get(more).text.split('id="facet-people"')[1].split("</section>")[0]
    assert section.count('class="facet-value"') == 6 and 'class="more"' not in section


def test_pages_and_sort_links_keep_the_search(client):
    tags = Tags(client.get("/?q=&limit=5&sort=date").text)
    pages = [link for link in tags.links() if "page=" in link]
    assert {query_of(link)["page"][0] for link in pages} == {"2", "3"}
    second = client.get("/?q=&limit=5&sort=date&page=2").text
    assert re.search(r'<span class="rank">6\.</span>', second)
    sorts = {query_of(a["href"]).get("sort", ["relevance"])[0] for a in
             Tags(client.get("/?q=munizioni").text).find("a") if "sort" in (a["href"] or "")}
    assert sorts == {"date", "-date"}


# -- the date histogram ----------------------------------------------------------

def histogram_periods(html: str) -> tuple[str, list[str], list[str]]:
    unit = re.search(r"Articles by (\w+)", html).group(1)
    periods = re.search(r'data-periods="([^"]*)"', html).group(1).split(",")
    linked = re.findall(r'class="bar" href="[^"]+" data-period="([^"]+)"', html)
    return unit, periods, linked


def test_the_histogram_counts_by_year_month_or_day_as_the_span_asks(client):
    unit, periods, linked = histogram_periods(client.get("/").text)
    assert unit == "year" and periods == [str(y) for y in range(2019, 2025)]
    assert "2020" not in linked and "2023" in linked  # every year a bar; empty ones no link
    unit, periods, _ = histogram_periods(client.get("/?q=munizioni+OR+grano").text)
    assert unit == "month" and periods[0] == "2022-07" and periods[-1] == "2023-09"
    assert len(periods) == 15
    page = client.get("/?from=2023-09&to=2023-09").text
    unit, periods, linked = histogram_periods(page)
    assert unit == "day" and periods[0] == "2023-09-12" and periods[-1] == "2023-09-20"
    assert linked == ["2023-09-12", "2023-09-13", "2023-09-14", "2023-09-20"]
    assert "1 only to the month or year" in page  # a06 is dated 2023-09


def test_a_histogram_bar_filters_to_its_period(client):
    html = client.get("/?q=munizioni+OR+grano").text
    bar = re.search(r'class="bar" href="([^"]+)" data-period="2023-09"', html).group(1)
    bar = bar.replace("&amp;", "&")
    assert query_of(bar) == {"q": ["munizioni OR grano"], "from": ["2023-09"], "to": ["2023-09"]}
    assert re.search(r"<strong>3</strong> articles", client.get(bar).text)


def test_histogram_choice_and_geometry():
    unit, periods = choose({"2019": 1, "2024": 1}, None, None)
    assert unit == "year" and periods == ["2019", "2020", "2021", "2022", "2023", "2024"]
    unit, periods = choose({"2023": 3}, {"2023-01": 1, "2023-03": 2}, None)
    assert (unit, periods) == ("month", ["2023-01", "2023-02", "2023-03"])
    unit, periods = choose({"2023": 3}, {"2023-09": 3}, {"2023-09-29": 1, "2023-10-02": 2})
    assert unit == "day" and periods == ["2023-09-29", "2023-09-30", "2023-10-01", "2023-10-02"]
    drawn = bars({"2023-01": 2, "2023-03": 4}, ["2023-01", "2023-02", "2023-03"])
    assert [b.height for b in drawn] == [50.0, 0.0, 100.0] and drawn[2].x == 400.0
    assert [b.label for b in drawn] == ["Jan 2023", "Feb 2023", "Mar 2023"]
    hist = Histogram("month", drawn, 0, 6)
    assert hist.peak == 4 and hist.ticks == drawn


# -- article, person and quotes pages ----------------------------------------------

def test_the_article_page_marks_quotes_and_people_and_lists_every_field(client, web_index):
    page = client.get("/article/a01")
    assert page.status_code == 200
    tags = Tags(page.text)
    doc = web_index.document("a01")
    quotes = [q for q in tags.find("span") if "data-speaker" in q]
    assert [q["data-speaker"] for q in quotes] == [q["speaker"] for q in doc["quotes"]]
    assert ('<span class="quote quote-direct" data-speaker="John Kirby">'
            'La Corea del Nord fornisce munizioni alla Russia</span>') in page.text
    assert set(tags.links("person")) - {"#people"} == {"/person/John%20Kirby"}
    for value in [doc["publisher"], *doc["places"], *doc["topics"], doc["date"]["value"]]:
        assert value in page.text
    assert client.get("/article/nope").status_code == 404
    assert client.get("/api/article/nope").json() == {
        "error": "no article with id 'nope'; find ids with a search"}


def test_the_article_page_lists_the_other_versions_of_its_story(story_client, story_index):
    page = story_client.get("/article/s2")
    versions = page.text.split('id="versions"')[1].split("</section>")[0]
    assert '<a class="related-title" href="/article/s1" lang="it">Putin e Kim</a>' in versions
    assert "(this one)" in versions and "+1 −0 sentences · new title" in versions
    assert story_client.get("/api/story/s2").json() == cli_json(story_index, "story", "s2")
    alone = story_client.get("/article/s3").text  # a story of one: no versions section
    assert 'id="versions"' not in alone and "/api/story/" not in alone


def test_the_article_page_lists_similar_articles_with_what_they_share(story_client,
                                                                      story_index):
    page = story_client.get("/article/s1")
    similar = page.text.split('id="similar"')[1].split("</section>")[0]
    expected = cli_json(story_index, "similar", "s1", "--limit", "5")["similar"]
    assert re.findall(r'href="/article/([^"]+)"', similar) == [s["id"] for s in expected]
    assert "/article/s2" not in similar  # its own version is not "similar"
    assert "shares " in similar and ", ".join(expected[0]["terms"]) in similar
    for args in ([], ["--limit", "1"], ["--publisher", "Tre"], ["--from", "2023-09-05"]):
        params = {"--limit": "limit", "--publisher": "publisher", "--from": "from"}
        query = "&".join(f"{params[a]}={v}" for a, v in zip(args[::2], args[1::2], strict=True))
        assert story_client.get(f"/api/similar/s1?{query}").json() == \
            cli_json(story_index, "similar", "s1", *args), args


def test_unknown_ids_and_bad_parameters_of_story_and_similar_are_one_line(story_client):
    for path in ("/api/story/nope", "/api/similar/nope", "/article/nope"):
        answer = story_client.get(path)
        assert answer.status_code == 404, path
        assert "no article with id 'nope'" in html.unescape(answer.text), path
        assert "Traceback" not in answer.text
    assert story_client.get("/api/similar/s1?limit=0").json() == {
        "error": "limit: 0 is out of range; give a number between 1 and 1000"}
    assert story_client.get("/api/similar/s1?top=3").status_code == 400


def test_article_ids_with_slashes_and_hashes_have_pages(tmp_path):
    folder = tmp_path / "in" / "sub dir"
    folder.mkdir(parents=True)
    (folder / "one.json").write_text(json.dumps([
        {"title": "Primo", "text": "Testo del primo articolo sulle munizioni."},
        {"title": "Secondo", "text": "Testo del secondo articolo."}]), "utf-8")
    ix = build_corpus_index(tmp_path, folder.parent)
    ids = sorted(d["id"] for d in ix.iter_documents())
    assert any("/" in i and "#" in i for i in ids)
    with TestClient(create_app(ix), base_url="http://127.0.0.1") as test_client:
        page = test_client.get("/?q=munizioni")
        link = next(link for link in Tags(page.text).links() if link.startswith("/article/"))
        article = test_client.get(link)
        assert article.status_code == 200 and "Primo" in article.text


def build_corpus_index(tmp_path, folder):
    from searchidx import Index

    ix = Index(tmp_path / "ix", web_config())
    assert not ix.update([folder]).failed
    return ix


def test_the_person_page_shows_the_profile_of_searchidx_person(client, web_index):
    page = client.get("/person/Kirby")
    assert page.status_code == 200
    profile = cli_json(web_index, "person", "Kirby")
    assert "<h1>John Kirby</h1>" in page.text and profile["known_role"] in page.text
    assert re.search(r"<strong>4</strong> articles naming them", page.text)
    assert re.search(r"<strong>4</strong> quoting them", page.text)
    assert re.search(r"<strong>6</strong> quotes", page.text)
    roles = page.text.split('id="roles"')[1].split("</section>")[0]
    assert [r["role"] for r in profile["roles"]] == re.findall(r"<li>([^<]+?) <span", roles)
    spellings = page.text.split('id="spellings"')[1].split("</section>")[0]
    assert re.findall(r"<strong>([^<]+)</strong>", spellings) == ["John Kirby", "Kirby"]
    assert 'href="/article/a08"' in spellings  # each spelling links its articles
    beside = page.text.split('id="beside"')[1].split("</section>")[0]
    assert 'href="/person/Kim%20Jong-un"' in beside and ">John Kirby<" not in beside
    assert "Mosca" in page.text.split('aria-label="About them"')[1]
    for quote in profile["latest_quotes"]:
        assert quote["text"] in html.unescape(page.text)
    bars = re.findall(r'<a class="bar" href="([^"]+)" data-period="([^"]+)"', page.text)
    mentions, quotes = profile["timeline"]["series"]
    months = [p for p, n in zip(profile["timeline"]["periods"], mentions["counts"], strict=True)
              if n]
    assert [p for _, p in bars[:len(months)]] == months  # then the quotes' months
    assert "person=John+Kirby&amp;from=2023-09&amp;to=2023-09" in bars[len(months) - 1][0]
    assert len(bars) == len(months) + sum(1 for n in quotes["counts"] if n)


def test_the_person_api_answers_what_the_cli_prints(client, web_index):
    for query, args in (("", []), ("?limit=2", ["--limit", "2"]),
                        ("?from=2023-09&limit=0", ["--from", "2023-09", "--limit", "0"]),
                        ("?q=munizioni&place=Mosca", ["--query", "munizioni", "--place", "Mosca"])):
        answer = client.get("/api/person/Kirby" + query)
        assert answer.status_code == 200
        assert answer.json() == cli_json(web_index, "person", "Kirby", *args), query
    narrowed = client.get("/person/Kirby?from=2023-09").text
    assert re.search(r"<strong>3</strong> articles naming them", narrowed)


def test_an_ambiguous_name_lists_the_people_it_could_be(story_client, story_index):
    page = story_client.get("/person/Bianchi")
    assert page.status_code == 300 and "Which one?" in page.text
    assert {link for link in Tags(page.text).links() if link.startswith("/person/")} == {
        "/person/Luca%20Bianchi", "/person/Marco%20Bianchi"}
    answer = story_client.get("/api/person/Bianchi")
    assert answer.status_code == 300
    assert answer.json() == cli_json(story_index, "person", "Bianchi")
    assert story_client.get("/person/Marco%20Bianchi").status_code == 200


def test_an_unknown_person_is_a_404_with_the_nearest_names(client, web_index):
    page = client.get("/person/Kirbi")
    assert page.status_code == 404 and "/person/John%20Kirby" in Tags(page.text).links()
    answer = client.get("/api/person/Kirbi")
    assert answer.status_code == 404
    assert answer.json() == cli_json(web_index, "person", "Kirbi")
    assert client.get("/person/Nessuno%20Mai").status_code == 404
    assert client.get("/person/").status_code == 404
    assert client.get("/api/person/%20").json() == {
        "error": "no person named: give a name, e.g. /person/Kirby"}
    assert client.get("/api/person/Kirby?from=nowhen").status_code == 400
    assert "unknown parameter 'speakr'" in client.get("/api/person/Kirby?speakr=x").text


def test_the_quotes_page_filters_by_speaker_words_and_period(client):
    page = client.get("/quotes?speaker=Kirby&from=2023")
    texts = re.findall(r'<blockquote lang="it">([^<]+)</blockquote>', page.text)
    assert texts and all("Kirby" in block for block in
                         re.findall(r'class="speaker"[^>]*>([^<]+)<', page.text))
    assert "È una violazione delle sanzioni" not in page.text  # 2022
    words = client.get("/quotes?q=sanzioni").text
    assert "È una violazione delle sanzioni" in words and "Sono speculazioni" not in words
    assert client.get("/quotes?from=nowhen").status_code == 400


# -- export ----------------------------------------------------------------------

def cli_export(web_index, *args):
    result = CliRunner().invoke(main, ["query", *args, "--all", "--index", str(web_index.path),
                                       "--config", str(PEOPLE)])
    assert result.exit_code in (0, 1), result.output
    return result.output


@pytest.mark.parametrize("query, args", [
    ("q=&sort=date", ["", "--sort", "date"]),
    ("q=munizioni", ["munizioni"]),
    ("q=munizioni+Kirby&any=1&from=2023-09", ["munizioni Kirby", "--any", "--from", "2023-09"]),
    ("q=&speaker=John+Kirby&fields=id,date,speakers,body",
     ["", "--speaker", "John Kirby", "--fields", "id,date,speakers,body"]),
])
def test_export_streams_what_query_all_prints(client, web_index, monkeypatch, query, args):
    monkeypatch.setattr(search_view, "EXPORT_SEND", 200)  # several sends per export
    for fmt in ("csv", "jsonl"):
        exported = client.get(f"/export.{fmt}?{query}")
        assert exported.status_code == 200
        assert exported.headers["content-disposition"] == \
            f'attachment; filename="searchidx-export.{fmt}"'
        assert exported.text == cli_export(web_index, *args, "--format", fmt), (query, fmt)
    rows = list(csv.reader(io.StringIO(client.get(f"/export.csv?{query}").text)))
    total = client.get(f"/api/search?{query.split('&fields')[0]}").json()["total"]
    assert len(rows) == total + 1 and len({r[0] for r in rows[1:]}) == total


def test_an_export_can_name_each_hits_story(story_client, story_index):
    exported = story_client.get("/export.csv?q=Putin&fields=id,story,versions").text
    assert exported == cli_export(story_index, "Putin", "--fields", "id,story,versions",
                                  "--format", "csv")
    assert "s2,s1," in exported


def test_a_bad_export_is_one_line_before_any_row(client):
    for path, message in (
            ("/export.csv?q=munizioni+AND", "AND has no word after it"),
            ("/export.csv?q=munizioni&limit=2", "limit: an export gives every hit"),
            ("/export.jsonl?fields=id,colour", "--fields: unknown field 'colour'"),
            ("/export.csv?speakr=Kirby", "unknown parameter 'speakr'")):
        answer = client.get(path)
        assert answer.status_code == 400 and message in answer.json()["error"], path


def test_an_export_is_one_result_set_though_the_index_changes_under_it(tmp_path):
    """Pages reopen the index after a commit; an export begun before it goes on
    reading the index it began with, to its last row."""
    from searchidx.web.responses import Archive

    ix = build_index(tmp_path / "ix")
    archive = Archive(ix)
    before = ix.search("").total
    rows = archive.export("", fields=["id"], sort="date")
    first = next(rows)
    more = tmp_path / "more.jsonl"
    more.write_text("".join(json.dumps({"id": f"new-{i}", "title": "Nuovo",
                                        "text": "Un nuovo articolo."}) + "\n"
                            for i in range(3)), "utf-8")
    assert ix.update([ARTICLES, more]).added == 3
    with archive.reading() as shared:
        assert shared.search("").total == before + 3  # the pages see the commit
    ids = [first["id"], *(row["id"] for row in rows)]
    assert len(ids) == before and not any(i.startswith("new-") for i in ids)


# -- security ----------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_pages_hold_no_inline_script_and_no_injected_markup(client, path):
    page = client.get(path)
    assert page.status_code in (200, 404)
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    tags = Tags(page.text)
    for tag, attrs in tags.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag not in ("img", "iframe", "object", "embed"), (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:")
    assert [a.get("src") for t, a in tags.tags if t == "script"] == \
        [a.get("src") for t, a in tags.tags if t == "script" and a.get("src")]
    assert len([t for t, _ in tags.tags if t == "script"]) == 1


def test_hostile_text_is_shown_as_text(client):
    page = client.get("/article/xss-1")
    text = "".join(Tags(page.text).text)
    for shown in ("<script>alert('title')</script> Munizioni per Mosca",
                  "<script>alert('quote')</script> le munizioni arrivano",
                  "\"><img src=x onerror=alert('body')>",
                  "\"><img src=x onerror=alert('publisher')>",
                  "<img src=x onerror=alert('tag')>", "javascript:alert('url')", HOSTILE_PERSON):
        assert shown in text
    assert "original page" not in page.text  # a javascript: address is no link
    search = client.get("/?q=%3Cscript%3Ealert(1)%3C/script%3E+munizioni&any=1")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in search.text
    assert snippet_html("<b>x</b> <em>munizioni</em> <em><i>y</i></em>") == \
        "&lt;b&gt;x&lt;/b&gt; <mark>munizioni</mark> &lt;em&gt;&lt;i&gt;y&lt;/i&gt;&lt;/em&gt;"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/api/search", "/api/facets", "/article/a01",
                                  "/api/article/a01", "/quotes", "/api/quotes",
                                  "/person/Kirby", "/export.csv", "/static/app.css"])
def test_nothing_accepts_a_write(client, method, path):
    assert client.request(method, path).status_code == 405


def test_static_files_come_from_the_package_only(client):
    assert client.get("/static/app.css").status_code == 200
    for path in ("/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/views/search.py",
                 "/static/templates/base.html", "/static//etc/passwd"):
        assert client.get(path).status_code == 404, path


def test_requests_for_another_host_name_are_refused(client):
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765"):
        assert client.get("/api/search", headers={"host": host}).status_code == 200


def test_markup_nests_mentions_in_quotes_and_survives_paragraph_breaks():
    body = "Disse «<b>Kirby</b> qui\n\nancora» e poi Kirby."
    quote = Span(7, 31, marked_open("q"), marked_close())
    inner = Span(10, 15, marked_open("m"), marked_close())
    tail = Span(39, 44, marked_open("m"), marked_close())
    crossing = Span(29, 33, marked_open("x"), marked_close())
    paragraphs = marked_paragraphs(body, [quote], [inner, tail, crossing])
    assert paragraphs == [
        "Disse «<i class=q>&lt;b&gt;<i class=m>Kirby</i>&lt;/b&gt; qui</i>",
        "<i class=q>ancora</i>» e poi <i class=m>Kirby</i>."]


def test_unattributed_and_headline_quotes_are_never_given_a_person():
    from searchidx.web.markup import article_spans

    doc = {"quotes": [
        {"speaker": None, "source": "Istat", "kind": "indirect", "verb": "rileva",
         "text": "la disoccupazione cala", "start": 0, "end": 5, "field": "body"},
        {"speaker": None, "kind": "direct", "text": "Mai detto", "start": 0, "end": 9,
         "field": "title"},
        {"speaker": "Mario Draghi", "kind": "direct", "text": "basta", "start": 6,
         "end": 11}]}
    quotes, _ = article_spans(doc)
    assert [(q.start, q.end) for q in quotes] == [(0, 5), (6, 11)]  # the title's is not the body's
    assert 'data-speaker="Istat (source)"' in quotes[0].open_tag
    assert 'data-speaker="Mario Draghi"' in quotes[1].open_tag


def marked_open(name):
    from markupsafe import Markup

    return Markup(f"<i class={name}>")


def marked_close():
    from markupsafe import Markup

    return Markup("</i>")


# -- the server process ------------------------------------------------------------

def test_a_running_server_shows_new_commits(tmp_path):
    ix = build_index(tmp_path / "ix")
    process, url = start_server(ix.path)
    try:
        assert url.startswith("http://127.0.0.1:")
        first = urlopen(url, timeout=10).read().decode()
        assert re.search(r"<strong>13</strong> articles", first)
        extra = tmp_path / "more.jsonl"
        extra.write_text("".join(json.dumps({"id": f"new-{n}", "title": f"Notizia {n}",
                                             "date": "2024-02-0" + str(n + 1),
                                             "text": "Nuove munizioni per il fronte."}) + "\n"
                                 for n in range(3)), "utf-8")
        ix.update([ARTICLES, extra])
        after = urlopen(url, timeout=10).read().decode()
        assert re.search(r"<strong>16</strong> articles", after)
        api = json.loads(urlopen(url + "api/search?q=munizioni", timeout=10).read())
        assert api["total"] == 8
    finally:
        errors = stop_server(process)
    assert "Traceback" not in errors


def test_serve_warns_when_it_listens_beyond_this_machine(tmp_path):
    ix = build_index(tmp_path / "ix")
    process, url = start_server(ix.path, "--host", "0.0.0.0")
    try:
        assert json.loads(urlopen(url + "api/search?q=", timeout=10).read())["total"] == 13
    finally:
        errors = stop_server(process)
    assert "searchidx: warning: listening on 0.0.0.0" in errors


def test_serve_errors_are_one_line(tmp_path):
    ix = build_index(tmp_path / "ix")
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        for args, expected in (
                (["--index", str(ix.path), "--port", str(taken.getsockname()[1])], "is in use"),
                (["--index", str(tmp_path / "none")], "no index at"),
                (["--index", str(ix.path), "--host", "no.such.host.invalid"], "--host")):
            run = subprocess.run([sys.executable, "-m", "searchidx.cli", "serve", *args],
                                 capture_output=True, text=True, timeout=60)
            assert run.returncode == 2, run.stderr
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("searchidx: error:") \
                and expected in lines[0], run.stderr
    finally:
        taken.close()


def test_a_search_that_finds_nothing_links_the_suggestion(client):
    page = Tags(client.get("/?q=munizzioni&sort=-date").text)
    [link] = page.links("suggestion")
    assert query_of(link) == {"q": ["munizioni"], "sort": ["-date"]}
    assert client.get(link).status_code == 200
    assert not Tags(client.get("/?q=munizioni").text).links("suggestion")


def test_the_export_benchmark_counts_a_whole_export(seeds_index, capsys):
    sys.path.insert(0, str(ARTICLES.parents[3] / "scripts"))
    import bench_web_export

    assert bench_web_export.main(["--index", str(seeds_index.path), "--format", "jsonl"]) == 0
    line = capsys.readouterr().out
    assert re.match(r"export\.jsonl q='': status 200, [\d,]+ bytes in [\d.]+ s, peak RSS", line)
    size = int(line.split("status 200, ")[1].split(" bytes")[0].replace(",", ""))
    assert size == len(cli_export(seeds_index, "", "--format", "jsonl").encode())
