"""The ``searchidx`` command: a thin layer of click over :mod:`searchidx`'s API.

Exit status everywhere: 0 success (``query``: results found), 1 ``query`` or
``quotes`` found nothing (like grep), 2 an error, printed as one line.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__, commands
from .commands import (
    EXIT_ERROR,
    EXIT_NONE,
    EXIT_OK,
    IndexTarget,
    fail,
    filters,
    open_index,
    out,
    run,
)
from .errors import SearchidxError


def _command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Common options (--index, --backend, --url, --config) and one-line errors instead
    of tracebacks (:func:`searchidx.commands.run`)."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="YAML file overriding the default configuration "
                       "(default: ./searchidx.yaml if present).")
    @click.option("--index", "index_path", metavar="DIR|NAME",
                  help="Index folder (default: $SEARCHIDX_INDEX, else ./.searchidx); with "
                       "--backend opensearch, the OpenSearch index (default: searchidx).")
    @click.option("--backend", metavar="ENGINE",
                  help="whoosh (embedded, the default) or opensearch (a cluster at --url); "
                       "else $SEARCHIDX_BACKEND or index.backend.")
    @click.option("--url", metavar="URL",
                  help="The OpenSearch cluster, e.g. http://127.0.0.1:9200 (several: "
                       "comma-separated); else $SEARCHIDX_URL or index.url. Credentials: "
                       "$SEARCHIDX_OPENSEARCH_USER and $SEARCHIDX_OPENSEARCH_PASSWORD.")
    @functools.wraps(func)
    def wrapper(config_path: str | None, index_path: str | None, backend: str | None,
                url: str | None, **kwargs: Any) -> Any:
        return run(func, config_path, index_path, backend, url, **kwargs)

    return wrapper


def _reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--map and --all-captures, for the commands that read articles."""
    func = click.option("--all-captures", is_flag=True,
                        help="Web archives: index every capture of a URL (id URL@WARC-Date), "
                             "not only the latest.")(func)
    return click.option("--map", "field_map", metavar="FIELD=NAME,…",
                        help="CSV columns or JSON keys for fields, looked up first: "
                             "text=corpo,date=data_pubblicazione (fields: id, title, date, "
                             "text, publisher, url, tags; or reading.fields in the "
                             "configuration).")(func)


# the commands in the order a new user needs them; `searchidx --help` lists them so
# (a command not named here comes after these, by name)
COMMAND_ORDER = ("index", "query", "show", "facets", "quotes", "people", "person", "timeline",
                 "story", "similar", "stats", "extract", "serve")


class _Commands(click.Group):
    """A group that lists its commands in :data:`COMMAND_ORDER`, not by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        def place(name: str) -> tuple[int, str]:
            return (COMMAND_ORDER.index(name) if name in COMMAND_ORDER
                    else len(COMMAND_ORDER), name)

        return sorted(super().list_commands(ctx), key=place)


@click.group(cls=_Commands,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="searchidx")
def main() -> None:
    """Full-text search with faceted filters for Italian news articles.

    \b
    Start with the five sample articles in seeds/:
      searchidx index seeds/
      searchidx query munizioni --speaker Kirby
      searchidx serve                    # then open http://127.0.0.1:8765

    Every command's --help has examples. Exit status: 0 found, 1 nothing
    found (query, quotes), 2 an error.
    """


@main.command("index", short_help="Build or update the index from files and folders.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rebuild", is_flag=True, help="Start the index over instead of updating it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Summary format.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS", show_default=True,
              help="If another process is writing the index, wait this long for it.")
@click.option("--optimize", is_flag=True,
              help="Then merge the index into one segment: smaller and faster to search, "
                   "but the merge rewrites the whole index (minutes at 100,000 articles).")
@_reading_options
@click.option("--verbose", "-v", is_flag=True,
              help="Name every file, member and web-archive record skipped, and why.")
@_command
def index_cmd(config: Any, where: IndexTarget, paths: tuple[str, ...], rebuild: bool,
              fmt: str, quiet: bool, wait: float, optimize: bool, field_map: str | None,
              all_captures: bool, verbose: bool) -> None:
    """Index articles from files and folders (recursive).

    Reads .txt/.md plain text, .json (an object or a list), .jsonl, .csv/.tsv
    (a header row), saved web pages (.html/.htm: the article's text, without
    menus or footers), any of them compressed (.gz, .bz2, .xz, .zst), .zip and
    .tar bundles (members as files: export.zip!2023/a.txt) and web archives
    (.warc/.arc, gzipped or not: each HTML capture, its id the URL). Re-running
    updates the index: new articles are added, changed ones (by content hash)
    re-indexed, unchanged ones skipped, and articles whose files disappeared from
    an indexed folder removed. A file that cannot be read is reported and skipped;
    the exit status is then 2, but everything else is indexed. With no PATH, the
    files and folders indexed before are updated (or, with --rebuild, re-read).

    \b
    Examples:
      searchidx index seeds/
      searchidx index                    # update what was indexed before
      searchidx index ../shared/data/facta/articles.jsonl --index /tmp/facta
      searchidx index export.csv --map text=corpo,date=data_pubblicazione
      searchidx index crawl.warc.gz --all-captures
      searchidx index seeds/ --rebuild
      searchidx index --optimize         # update, then merge into one segment
    """
    commands.index(config=config, where=where, paths=paths, rebuild=rebuild, fmt=fmt,
                   quiet=quiet, wait=wait, optimize=optimize, field_map=field_map,
                   all_captures=all_captures, verbose=verbose)


_FILTER_HELP = "(repeatable; case- and accent-insensitive; a full name, an alias or a surname)"


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--person", multiple=True,
                     help=f"Articles naming this person {_FILTER_HELP}."),
        click.option("--speaker", multiple=True,
                     help=f"Articles quoting this person {_FILTER_HELP}."),
        click.option("--place", multiple=True, help="Articles naming this place (repeatable)."),
        click.option("--org", multiple=True,
                     help="Articles naming this organisation (repeatable)."),
        click.option("--topic", multiple=True, help="Articles on this topic (repeatable)."),
        click.option("--publisher", "--source", "publisher", multiple=True,
                     help="Articles from this publisher (repeatable)."),
        click.option("--media", multiple=True, help="Articles citing this outlet (repeatable)."),
        click.option("--tag", multiple=True, help="Articles with this tag (repeatable)."),
        click.option("--from", "date_from", metavar="DATE",
                     help="Articles dated on or after DATE: 2023-09-01, 2023-09, "
                          "'1 settembre 2023', 'settembre 2023'. Undated articles drop out."),
        click.option("--to", "date_to", metavar="DATE", help="Articles dated on or before DATE."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("query", short_help="Search: words, phrases, fields, filters, facets.")
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--any", "any_words", is_flag=True,
              help="Match articles with ANY of the words (OR), ranked by relevance. Default: "
                   "ALL words must match; a long question that matches nothing then falls "
                   "back to ANY, with a note.")
@click.option("--facets", metavar="LIST",
              help="Count values over the whole result set: people,speakers,places,"
                   "organizations,media,publisher,topics,keyphrases,tags,year,month.")
@click.option("--facet-limit", default=10, show_default=True, help="Values shown per facet.")
@click.option("--facet-by", type=click.Choice(["article", "story"]), default="article",
              show_default=True,
              help="Count facet values once per article, or once per story (near-duplicates "
                   "grouped: see 'searchidx story').")
@click.option("--collapse", is_flag=True,
              help="One hit per story (its best-ranked article), with the ids of its other "
                   "matching versions; the header counts articles and stories.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="Order (an empty query lists newest first).")
@click.option("--limit", "-n", default=10, show_default=True, help="Results per page.")
@click.option("--page", default=1, show_default=True, help="Page number.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv"]),
              default="text", show_default=True, help="Output format.")
@click.option("--no-snippets", is_flag=True, help="Skip highlighted snippets (faster).")
@click.option("--batch", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Run one query per line of FILE ('-' = stdin); one JSON line per query.")
@click.option("--all", "export_all", is_flag=True,
              help="Every hit of the result set, not a page, streamed (with --format csv "
                   "or jsonl).")
@click.option("--fields", metavar="LIST",
              help="With --all: the fields of each hit, in order: id,score,title,date,"
                   "publisher,url,path,line,people,speakers,places,organizations,media,"
                   "topics,keyphrases,tags,snippet,first_line,body,story,versions "
                   "(default: a page's CSV columns).")
@_command
def query_cmd(config: Any, where: IndexTarget, query: str, any_words: bool,
              facets: str | None, facet_limit: int, facet_by: str, collapse: bool, sort: str,
              limit: int, page: int, fmt: str, no_snippets: bool, batch: Any,
              export_all: bool, fields: str | None,
              **kwargs: Any) -> None:
    """Search the index.

    \b
    Query language:
      munizioni sottomarini     all words (stemmed: munizione finds munizioni)
      "cooperazione militare"   a phrase;  "putin kim"~3  words within 3 positions
      droni OR missili          either;  NOT Kim / -Kim  exclude
      title:Putin               one field: title, body, exact, quote, person,
                                speaker, place, org, topic, publisher, tag, year, month
      year:2023  month:2023-09  a year (YYYY) or a month (YYYY-MM) of the article's date
      exact:"Kim Jong Un"       unstemmed, accent-folded match
      muniz*   *zioni           wildcard (* anywhere; accents folded)
      munizoni~                 fuzzy (edit distance 1, or ~2)

    \b
    Ranking: BM25. A query of 3+ plain words (a question) also counts its
    words by their first 5 letters (fondata ~ fondazione; index.prefix_*; it
    ranks, never decides what matches), then has its first 30 hits re-ranked
    by passage: the articles where its words meet in one sentence, as written,
    in the title, or by a number for "quando"/"quanti" questions come first
    (index.rescore_* in the configuration).

    \b
    Examples:
      searchidx query munizioni
      searchidx query "" --speaker Kirby --from 2023-09-01
      searchidx query "era sovietica" --facets people,speakers --format json
      printf 'munizioni\\ndroni\\n' | searchidx query --batch - --any --limit 3
      searchidx query munizioni --all --format csv --fields id,date,title,speakers
      searchidx query munizioni --collapse --facets publisher --facet-by story
    """
    if export_all or fields is not None:
        _check_export(export_all, fmt, facets, batch)
    commands.query(config=config, where=where, query=query, any_words=any_words,
                   facets=facets, facet_limit=facet_limit, facet_by=facet_by,
                   collapse=collapse, sort=sort, limit=limit, page=page, fmt=fmt,
                   no_snippets=no_snippets, batch=batch, export_all=export_all,
                   fields=fields, **kwargs)


def _check_export(export_all: bool, fmt: str, facets: str | None, batch: Any) -> None:
    """--all and --fields against the options they cannot go with: one line, exit 2."""
    if not export_all:
        fail("--fields goes with --all (a page has its columns); add --all")
    if fmt not in ("csv", "jsonl"):
        fail(f"--all streams every hit: use --format csv or --format jsonl, not {fmt} "
              "(JSON as a stream is jsonl, one object per line)")
    context = click.get_current_context()
    for name in ("limit", "page"):
        if context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
            fail(f"--all gives every hit: drop --{name}")
    if facets is not None or batch is not None:
        fail(f"--all does not go with --{'facets' if facets is not None else 'batch'}")


_NO_SUCH_ID = "no article with id '{}'; find ids with 'searchidx query'"


@main.command("show", short_help="One article with every field.")
@click.argument("doc_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_command
def show_cmd(config: Any, where: IndexTarget, doc_id: str, fmt: str) -> None:
    """Show one article with every field.

    \b
    Example:
      searchidx show 002_3735a5c7a403e3e4
    """
    from .render import document_text, to_json

    doc = open_index(config, where).document(doc_id)
    if doc is None:
        raise SearchidxError(_NO_SUCH_ID.format(doc_id))
    out(to_json(doc) if fmt == "json" else document_text(doc))


@main.command("story", short_help="Every version of an article's story, and what changed.")
@click.argument("doc_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv"]),
              default="text", show_default=True, help="Output format.")
@_command
def story_cmd(config: Any, where: IndexTarget, doc_id: str, fmt: str) -> None:
    """Every version of an article's story, oldest first, with what changed.

    A story groups the articles whose text is nearly the same (the update of a
    report, a wire reprinted, an article re-published with a new title): they
    share most of their word 5-shingles (index.stories.threshold). Each version
    after the first says which sentences it added and removed.

    \b
    Examples:
      searchidx story 002_3735a5c7a403e3e4
      searchidx story 004_de43da4d890992ab --format json
    """
    from .render import story_csv, story_text, to_json

    story = open_index(config, where).story(doc_id)
    if story is None:
        raise SearchidxError(_NO_SUCH_ID.format(doc_id))
    if fmt == "json":
        out(to_json(story))
    elif fmt == "jsonl":
        out("\n".join(to_json({"story": story["story"], **v}) for v in story["versions"]))
    elif fmt == "csv":
        out(story_csv(story))
    else:
        out(story_text(story))


@main.command("similar", short_help="Articles like one article that are not its copies.")
@click.argument("doc_id")
@_filter_options
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1),
              help="Articles to show.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv"]),
              default="text", show_default=True, help="Output format.")
@_command
def similar_cmd(config: Any, where: IndexTarget, doc_id: str, limit: int, fmt: str,
                **kwargs: Any) -> None:
    """Articles most like this one that are not versions of its story.

    More like this: the article's key terms (frequent in it, rare in the index,
    after the Italian analysis) rank the others; each comes with the key terms
    and the people it shares. The filters narrow the articles considered.

    \b
    Examples:
      searchidx similar 002_3735a5c7a403e3e4
      searchidx similar 004_de43da4d890992ab --limit 2 --format json
    """
    from .render import similar_csv, similar_text, to_json

    similar = open_index(config, where).similar(doc_id, limit, **filters(kwargs))
    if similar is None:
        raise SearchidxError(_NO_SUCH_ID.format(doc_id))
    if fmt == "json":
        out(to_json({"id": doc_id, "similar": similar}))
    elif fmt == "jsonl":
        out("\n".join(to_json(s) for s in similar))
    elif fmt == "csv":
        out(similar_csv(doc_id, similar))
    else:
        out(similar_text(doc_id, similar))
    sys.exit(EXIT_OK if similar else EXIT_NONE)


@main.command("stats", short_help="What the index holds: documents, dates, size, fields.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_command
def stats_cmd(config: Any, where: IndexTarget, fmt: str) -> None:
    """Documents, date range, size, fields and last update of the index.

    \b
    Examples:
      searchidx stats
      searchidx stats --format json --index /tmp/facta
    """
    commands.stats(config=config, where=where, fmt=fmt)


@main.command("facets", short_help="Every value of a facet, with its count.")
@click.argument("field")
@click.option("--query", "-q", "query", default="", help="Count only over articles matching this.")
@_filter_options
@click.option("--any", "any_words", is_flag=True, help="OR the words of --query.")
@click.option("--limit", "-n", type=int, default=None, help="Show only the N most frequent.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_command
def facets_cmd(config: Any, where: IndexTarget, field: str, query: str, any_words: bool,
               limit: int | None, fmt: str, **kwargs: Any) -> None:
    """All values of a facet with their counts.

    FIELD: people, speakers, places, organizations, media, publisher, topics,
    keyphrases, tags, year, month.

    \b
    Examples:
      searchidx facets speakers
      searchidx facets people --query munizioni --format json
    """
    from .render import facet_values_text, to_json

    values = open_index(config, where).facet_counts(field, query, any=any_words,
                                                     **filters(kwargs))
    if limit is not None:
        values = values[:limit]
    if fmt == "json":
        out(to_json({"field": field, "values": [{"value": v, "count": c} for v, c in values]}))
    else:
        out(facet_values_text(values))


@main.command("quotes", short_help="Who said what: quotes, searchable by their words.")
@click.argument("query", required=False, default="")
@click.option("--speaker", multiple=True, help=f"Quotes by this person {_FILTER_HELP}.")
@click.option("--from", "date_from", metavar="DATE", help="Articles dated on or after DATE.")
@click.option("--to", "date_to", metavar="DATE", help="Articles dated on or before DATE.")
@click.option("--limit", "-n", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text",
              show_default=True)
@_command
def quotes_cmd(config: Any, where: IndexTarget, query: str, speaker: tuple[str, ...],
               date_from: str | None, date_to: str | None, limit: int, fmt: str) -> None:
    """Who said what: quotes, searchable by their words.

    \b
    Examples:
      searchidx quotes --speaker Kirby
      searchidx quotes "negoziati" --from 2023-09
    """
    from .render import quotes_text, to_json

    quotes = open_index(config, where).quotes(query, speaker=list(speaker),
                                               date_from=date_from, date_to=date_to, limit=limit)
    if fmt == "json":
        out(to_json({"query": query, "total": len(quotes), "quotes": quotes}))
    elif fmt == "jsonl":
        out("\n".join(to_json(q) for q in quotes))
    else:
        out(quotes_text(quotes))
    sys.exit(EXIT_OK if quotes else EXIT_NONE)


_PEOPLE_FORMAT = click.option("--format", "fmt", default="text", show_default=True,
                              type=click.Choice(["text", "json", "jsonl", "csv"]),
                              help="Output format.")


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


@main.command("people", short_help="Who is in the matching articles, aliases merged.")
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--role", metavar="WORDS",
              help="Only people with a role containing these words: portavoce, 'ministro "
                   "della Difesa' (case- and accent-insensitive).")
@click.option("--sort", type=click.Choice(["mentions", "speaker", "name", "recent"]),
              default="mentions", show_default=True,
              help="mentions: articles naming them; speaker: articles quoting them; name; "
                   "recent: latest date first.")
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
              help="Show only the first N people.")
@_PEOPLE_FORMAT
@_command
def people_cmd(config: Any, where: IndexTarget, query: str, role: str | None, sort: str,
               limit: int | None, fmt: str, **kwargs: Any) -> None:
    """Every person in the matching articles, aliases merged: the articles naming
    them, those quoting them, first and last date, roles, other spellings.

    \b
    Examples:
      searchidx people
      searchidx people munizioni --sort speaker --limit 20
      searchidx people --role portavoce --from 2023-09 --format csv
    """
    from .render_people import render_people

    people = open_index(config, where).people(query, role=role, sort=sort, **filters(kwargs))
    out(render_people(people, fmt, color=fmt == "text" and sys.stdout.isatty(), limit=limit))
    sys.exit(EXIT_OK if people else EXIT_NONE)


@main.command("person", short_help="One person's profile: spellings, roles, timeline, quotes.")
@click.argument("name")
@click.option("--query", "-q", "query", default="",
              help="Only the articles matching this query.")
@_filter_options
@click.option("--limit", "-n", type=click.IntRange(min=0), default=10, show_default=True,
              help="Quotes, articles and neighbours listed (0: all).")
@_PEOPLE_FORMAT
@_command
def person_cmd(config: Any, where: IndexTarget, name: str, query: str, limit: int,
               fmt: str, **kwargs: Any) -> None:
    """One person's profile: the spellings merged into the name (and where each
    appears), roles over time, a monthly timeline of mentions and quotes, the people,
    organisations and places around them, their latest quotes and articles. CSV and
    JSON lines give the articles naming them, one a row.

    A surname (Kirby) is enough when it is one person's; an ambiguous one (Kim) lists
    the candidates, an unknown one the nearest names (exit status 1 for both).

    \b
    Examples:
      searchidx person Kirby
      searchidx person Kirby --from 2023-09 --format json
      searchidx person "Kim Jong-un" --format csv --limit 0
    """
    from .directory import UnknownPerson
    from .render import to_json
    from .render_people import render_profile

    ix = open_index(config, where)
    try:
        profile = ix.person(name, query, listed=limit or None, **filters(kwargs))
    except UnknownPerson as missing:
        if fmt in ("json", "jsonl"):
            out(to_json(missing.to_dict()))
        else:
            click.echo(f"searchidx: {missing}", err=True)
        sys.exit(EXIT_NONE)
    out(render_profile(profile, fmt, _width(), color=fmt == "text" and sys.stdout.isatty()))


@main.command("timeline", short_help="Matching articles over time, or a facet's top values.")
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--by", default="month", show_default=True, metavar="UNIT",
              help="Period: day, week (ISO weeks, 2023-W35), month or year.")
@click.option("--facet", metavar="FACET",
              help="One series for each of the top values of this facet: people, speakers, "
                   "places, organizations, media, publisher, topics, keyphrases, tags.")
@click.option("--top", type=int, default=5, show_default=True,
              help="With --facet: how many of its values, the most frequent first.")
@click.option("--plot", "plot_path", metavar="FILE",
              help="Also draw it into FILE.png or FILE.svg (needs the plot extra: "
                   "pip install 'searchidx[plot]').")
@_PEOPLE_FORMAT
@_command
def timeline_cmd(config: Any, where: IndexTarget, query: str, by: str, facet: str | None,
                 top: int, plot_path: str | None, fmt: str, **kwargs: Any) -> None:
    """How many matching articles each day, week, month or year, or how many name
    each of the top values of a facet: bars on a terminal, a table in CSV and JSON.
    Every period of the span is shown, empty ones as zero; undated articles (and, by
    day or week, those dated only to a month) are counted apart.

    \b
    Examples:
      searchidx timeline munizioni
      searchidx timeline --facet people --top 3 --by week --from 2023-08
      searchidx timeline "" --speaker Kirby --format csv
      searchidx timeline droni --by year --plot droni.svg
    """
    from .render_people import render_timeline

    if plot_path is not None:
        from .plot import checked_plot_path

        checked_plot_path(plot_path)
    timeline = open_index(config, where).timeline(query, by=by, facet=facet, top=top,
                                                   **filters(kwargs))
    if plot_path is not None:
        from .plot import plot_timeline

        title = f"{query}: " if query else ""
        plot_timeline(timeline, plot_path, title + (f"top {facet} by {by}" if facet
                                                    else f"articles by {by}"))
    out(render_timeline(timeline, fmt, _width(), color=fmt == "text" and sys.stdout.isatty()))
    sys.exit(EXIT_OK if timeline.articles else EXIT_NONE)


@main.command("extract",
              short_help="Extraction only: one JSON line per article, nothing indexed.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--no-body", is_flag=True, help="Leave the article body out of the output.")
@_reading_options
@_command
def extract_cmd(config: Any, where: IndexTarget, paths: tuple[str, ...],
                no_body: bool, field_map: str | None, all_captures: bool) -> None:
    """Extract fields without indexing: one JSON object per article, per line.

    Reads what 'index' reads ('-' for standard input), so you can check what
    will be indexed: title, date, publisher, people with mentions, speakers,
    quotes, places, organizations, cited media, topics, key phrases.

    \b
    Examples:
      searchidx extract seeds/
      searchidx extract - < seeds/004_de43da4d890992ab.txt --no-body
    """
    from .errors import ReadError
    from .pipeline import extract
    from .read import set_reading_options
    from .render import to_json

    set_reading_options(config, field_map, all_captures)
    failed = False
    for item in extract(paths, config):
        if isinstance(item, ReadError):
            click.echo(f"searchidx: skipped {item}", err=True)
            failed = True
            continue
        record = item.to_dict()
        if no_body:
            record.pop("body")
        click.echo(to_json(record))
    sys.exit(EXIT_ERROR if failed else EXIT_OK)


@main.command("serve", short_help="A local web page over the index.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address lets every "
                   "machine that can reach this one read the index (a warning says so).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@_command
def serve_cmd(config: Any, where: IndexTarget, host: str, port: int,
              open_browser: bool) -> None:
    """A local web page over the index: search, facets, date histogram, articles,
    quotes, people. Read-only; it sees what a running 'index' commits.

    Needs the web extra: pip install 'searchidx[web]'.

    \b
    Examples:
      searchidx serve                    # then open http://127.0.0.1:8765
      searchidx serve --index /tmp/facta --port 9000 --open
    """
    from .web import serve

    serve(open_index(config, where), host=host, port=port, open_browser=open_browser,
          echo=click.echo, warn=lambda text: click.echo(f"searchidx: warning: {text}", err=True))


if __name__ == "__main__":
    main()
