"""The OpenSearch backend against Whoosh on a real corpus and a real cluster (never a
mock; see tests/opensearch_cluster.py): the same matches and facet counts for well over
a hundred queries, several indexers into one index at once, and a node lost mid-way."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from searchidx import Index
from searchidx.cli import main

from .conftest import ROOT, shared_data
from .opensearch_cluster import cluster_script, cluster_url, drop_index, start_own_cluster

WORDS = ["vaccino", "governo", "foto", "video", "euro", "immigrati", "scuola", "pensione",
         "ospedale", "guerra", "medici", "tasse", "Salvini", "Conte", "Draghi", "Meloni",
         "Ucraina", "Putin", "Bruxelles", "sindaco", "bufala", "virus", "migranti", "Roma",
         "bambini", "mascherine", "elezioni", "Facebook", "clima", "banche"]
PHRASES = ['"green pass"', '"Unione europea"', '"presidente della Repubblica"',
           '"fake news"', '"Movimento 5 stelle"', '"sottomarini nucleari"~3',
           '"vaccino covid"~4', '"reddito di cittadinanza"']
PATTERNS = ["vaccin*", "immigr*", "*zione", "pension*", "mascherin*", "elezion*", "sind*co",
            "vacino~", "goveno~", "Salvni~2", "exact:vaccini", 'exact:"green pass"',
            "title:vaccino", "title:Salvini OR title:Conte", "body:euro -pensione"]
FACETS = ["people", "places", "organizations", "publisher", "year", "month", "topics"]


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


# -- choosing the backend (no cluster needed) ----------------------------------------------
@pytest.mark.parametrize("args, env, message", [
    (["--backend", "solr"], {}, "--backend: unknown backend 'solr'; use one of whoosh, opensearch"),
    ([], {"SEARCHIDX_BACKEND": "Solr"}, "$SEARCHIDX_BACKEND: unknown backend 'solr'"),
    (["--backend", "opensearch"], {"SEARCHIDX_URL": ""}, "needs the cluster's address: give --url"),
    (["--backend", "opensearch", "--url", "http://127.0.0.1:9", "--index", "News"], {},
     "--index 'News': an OpenSearch index name is lowercase"),
    (["--backend", "opensearch", "--url", "ftp://x"], {}, "--url: 'ftp://x' is not an http"),
    (["--backend", "opensearch", "--url", "http://u:p@127.0.0.1:9"], {},
     "put no credentials in the URL"),
])
def test_backend_choice_errors_are_one_line(args, env, message):
    result = _run("stats", *args, env=env)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_an_unreachable_cluster_is_one_line_naming_it():
    result = _run("query", "munizioni", "--backend", "opensearch", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.output.strip() == ("searchidx: error: OpenSearch: no node answers: "
                                     "http://127.0.0.1:9 (NewConnectionError); is the cluster "
                                     "running (--url)?")


def test_the_backend_in_the_config_is_checked(tmp_path):
    settings = tmp_path / "searchidx.yaml"
    settings.write_text("index:\n  backend: elastic\n", "utf-8")
    result = _run("stats", "--config", settings)
    assert result.exit_code == 2 and "index.backend: unknown backend 'elastic'" in result.output
    settings.write_text("index:\n  backend: [opensearch]\n", "utf-8")
    result = _run("stats", "--config", settings)
    assert result.exit_code == 2 and "'index.backend' should be a string" in result.output


def test_whoosh_commands_never_load_the_cluster_client(seeds_index):
    code = ("import sys; from searchidx import Index; "
            f"Index({str(seeds_index.path)!r}).search('munizioni'); "
            "print(sorted(m for m in sys.modules if 'opensearch' in m or m == 'urllib3'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "SEARCHIDX_BACKEND": ""}).stdout
    assert out.strip() == "[]"


# -- on the cluster ---------------------------------------------------------------------------
def test_every_command_answers_on_the_cluster(os_seeds_index):
    common = ["--backend", "opensearch", "--url", cluster_url(), "--index",
              str(os_seeds_index.path)]
    query = _run("query", "munizioni", *common, "--format", "json")
    assert query.exit_code == 0
    assert json.loads(query.output)["total"] == 3
    show = _run("show", "002_3735a5c7a403e3e4", *common, "--format", "json")
    assert json.loads(show.output)["publisher"] == "Globalist.it"
    assert json.loads(_run("stats", *common, "--format", "json").output)["documents"] == 5
    facets = _run("facets", "speakers", *common, "--format", "json")
    assert facets.exit_code == 0 and "John Kirby" in facets.output
    quotes = _run("quotes", "--speaker", "Kirby", *common, "--format", "json")
    assert quotes.exit_code == 0 and "Kirby" in quotes.output
    env = {"SEARCHIDX_BACKEND": "opensearch", "SEARCHIDX_URL": cluster_url(),
           "SEARCHIDX_INDEX": str(os_seeds_index.path)}
    assert _run("query", "munizioni", "--format", "json", env=env).exit_code == 0
    assert _run("show", "no-such-id", *common).exit_code == 2


def test_people_person_and_timeline_are_the_same_on_both(seeds_index, os_seeds_index):
    for ix in (seeds_index, os_seeds_index):
        assert ix.people()  # the seeds name people: an empty answer would prove nothing
    assert os_seeds_index.people() == seeds_index.people()
    assert os_seeds_index.people(sort="speaker") == seeds_index.people(sort="speaker")
    assert os_seeds_index.people("munizioni") == seeds_index.people("munizioni")
    for name in ("Vladimir Putin", "John Kirby", "Kim Jong-un"):
        assert os_seeds_index.person(name) == seeds_index.person(name)
    assert os_seeds_index.timeline() == seeds_index.timeline()
    assert os_seeds_index.timeline(by="day", facet="people") == \
        seeds_index.timeline(by="day", facet="people")
    assert os_seeds_index.timeline("armi", by="year") == seeds_index.timeline("armi", by="year")


def test_did_you_mean_is_the_same_on_both(any_seeds_index):
    suggestion = any_seeds_index.suggest("Bloombrg")
    assert suggestion is not None and suggestion.query == "Bloomberg"
    assert any_seeds_index.suggest("munizioni") is None


def test_did_you_mean_names_on_the_cluster(seeds_index, os_seeds_index):
    for typed in ("Bloombrg", "Putn", "speaker:Kirbi", "munizoni armi"):
        assert os_seeds_index.suggest(typed) == seeds_index.suggest(typed), typed


def test_similar_on_the_cluster_finds_the_same_top_article(seeds_index, os_seeds_index):
    doc_id = "000_9d63219bb1120001"
    found = os_seeds_index.similar(doc_id)
    assert found and doc_id not in {like["id"] for like in found}
    assert found[0]["id"] == seeds_index.similar(doc_id)[0]["id"]
    assert found[0]["terms"] and found[0]["people"]
    kept = os_seeds_index.similar(doc_id, publisher=["Globalist.it"])
    assert [like["id"] for like in kept] == ["002_3735a5c7a403e3e4"]
    assert os_seeds_index.similar("no-such-id") is None


def facta_queries(whoosh: Index) -> list[tuple[str, dict]]:
    """Queries over facta with filters and facets: words, pairs, OR, NOT, phrases,
    wildcards, fuzzy words, fields, and each with the corpus's own filter values."""
    people = [v for v, _ in whoosh.facet_counts("people")[:6]]
    places = [v for v, _ in whoosh.facet_counts("places")[:6]]
    years = sorted(v for v, _ in whoosh.facet_counts("year"))
    queries: list[tuple[str, dict]] = [(w, {}) for w in WORDS]
    pairs = list(itertools.combinations(WORDS[:12], 2))[::3]
    queries += [(f"{a} {b}", {}) for a, b in pairs]
    queries += [(f"{a} OR {b}", {}) for a, b in pairs[:8]]
    queries += [(f"{a} NOT {b}", {}) for a, b in pairs[:8]]
    queries += [(p, {}) for p in PHRASES + PATTERNS]
    for n, word in enumerate(WORDS[:24]):
        options: dict = {"person": [people[n % len(people)]]} if n % 3 == 0 else \
            {"place": [places[n % len(places)]]} if n % 3 == 1 else {}
        if n % 2 == 0 and years:
            options["date_from"] = years[n % len(years)]
            options["date_to"] = f"{years[n % len(years)]}-06"
        queries.append((word, options))
    queries += [("", {"person": [p]}) for p in people] + [("", {"place": [p]}) for p in places]
    queries += [("", {"date_from": y, "date_to": y}) for y in years]
    queries += [("speaker:Salvini", {}), ("person:Conte", {}), ("place:Roma", {}),
                (f"year:{years[-1]}", {}), (f"month:{years[-1]}-*", {})]
    return queries


@pytest.fixture(scope="module")
def facta_pair(tmp_path_factory, config, cluster_index):
    corpus = shared_data("facta/articles.jsonl")
    cluster_url()
    whoosh = Index(tmp_path_factory.mktemp("facta-whoosh"), config)
    assert whoosh.update([corpus]).failed == 0
    return whoosh, cluster_index([corpus], config)


def test_facta_queries_match_the_same_articles_and_facets_on_both(facta_pair):
    whoosh, cluster = facta_pair
    queries = facta_queries(whoosh)
    assert len(queries) >= 100
    overlaps, differences = [], []
    for text, options in queries:
        found = [ix.search(text, limit=2000, facets=FACETS, facet_limit=None, snippets=False,
                           **options) for ix in (whoosh, cluster)]
        ids = [{h.id for h in result.hits} for result in found]
        if ids[0] != ids[1] or found[0].total != found[1].total:
            differences.append((text, options, len(ids[0] - ids[1]), len(ids[1] - ids[0])))
            continue
        assert found[0].dropped_undated == found[1].dropped_undated, (text, options)
        for name in FACETS:
            assert dict(found[0].facets[name]) == dict(found[1].facets[name]), (text, name)
        top = [[h.id for h in result.hits[:10]] for result in found]
        if top[0]:
            overlaps.append(len(set(top[0]) & set(top[1])) / len(top[0]))
    assert differences == []
    mean = sum(overlaps) / len(overlaps)
    print(f"\nfacta: {len(queries)} queries, same matches and facet counts on both backends; "
          f"top-10 overlap mean {mean:.2f}, min {min(overlaps):.2f}, "
          f"{sum(o == 1 for o in overlaps)} of {len(overlaps)} identical")
    assert mean >= 0.6


def test_snippets_mark_the_same_words_on_both(facta_pair):
    """The same article's snippet for the same query, whatever its rank on each backend
    (wildcards and fuzzy words: the terms they met)."""
    whoosh, cluster = facta_pair
    for text in ("vaccino", "mascherin*", '"Unione europea"', "Salvni~2", "Salvini immigr*",
                 "*zione"):
        for hit in whoosh.search(text, limit=4).hits:
            assert "<em>" in hit.snippet, (text, hit.id)
            (same,) = cluster.search(f"{text} id:{hit.id}", limit=1).hits
            assert same.snippet == hit.snippet, (text, hit.id)


def test_show_stats_and_quotes_agree(facta_pair):
    whoosh, cluster = facta_pair
    stats = [ix.stats() for ix in (whoosh, cluster)]
    for key in ("documents", "files", "undated", "date_from", "date_to", "fields", "facets"):
        assert stats[0][key] == stats[1][key], key
    first = next(whoosh.iter_documents())
    assert cluster.document(first["id"]) == first
    for speaker in ("Salvini", "Conte"):
        quotes = [ix.quotes("", speaker=[speaker], limit=None) for ix in (whoosh, cluster)]
        assert sorted(map(json.dumps, quotes[0])) == sorted(map(json.dumps, quotes[1]))


def _split_corpus(tmp_path, parts: int, take: int | None = None) -> list:
    lines = shared_data("facta/articles.jsonl").read_text("utf-8").splitlines()[:take]
    folders = []
    for k in range(parts):
        folder = tmp_path / f"part-{k}"
        folder.mkdir()
        (folder / "articles.jsonl").write_text("\n".join(lines[k::parts]) + "\n", "utf-8")
        folders.append(folder)
    return folders


def _cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "searchidx", *args], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_index_processes_over_two_folders_into_one_index(tmp_path, os_client):
    url = cluster_url()
    folders = _split_corpus(tmp_path, 2, take=400)
    name = "test-two-" + tmp_path.name[-8:].lower().replace("_", "-")
    common = ["--backend", "opensearch", "--url", url, "--index", name]
    try:
        runs = [_cli("index", str(folder), *common, "--format", "json") for folder in folders]
        outs = [run.communicate(timeout=600) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], [err for _, err in outs]
        reports = [json.loads(out) for out, _ in outs]
        assert sum(r["added"] for r in reports) == 400
        ix = Index(name, backend="opensearch", url=url)
        stats = ix.stats()
        assert stats["documents"] == 400 and stats["files"] == 2
        assert stats["sources"] == sorted(str(f) for f in folders)
        again = _cli("index", *common, "--format", "json")  # every root, from either machine
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
        assert json.loads(out)["unchanged"] == 400 and json.loads(out)["added"] == 0
    finally:
        drop_index(os_client, name)


# -- a cluster of its own: 2 nodes, 2 shards, 1 replica, one node stopped ----------------
@pytest.fixture
def own_cluster(tmp_path):
    """A 2-node cluster of this test's own, whose nodes it may stop; stopped afterwards."""
    cluster_url()  # where the backend tests run (CI, or a developer who opted in)
    folder = tmp_path / "cluster"
    try:
        _, urls = start_own_cluster(folder)
        yield folder, urls
    finally:
        cluster_script("stop", "--dir", str(folder))


def _not_manager(urls: list[str]) -> str:
    """The node that is not the cluster manager (stopping that one would leave the
    other without a quorum, which is how a two-node cluster is meant to behave)."""
    from searchidx.backends.opensearch.client import Client

    client = Client(urls)
    manager = client.get("/_cat/cluster_manager", params={"format": "json"}).body[0]["node"]
    client.close()
    return "node-2" if manager == "node-1" else "node-1"


def test_a_node_stopped_during_queries_and_during_an_index_run(own_cluster, tmp_path,
                                                               config):
    from searchidx.backends.opensearch.client import Client

    folder, urls = own_cluster
    url = ",".join(urls)
    env = {"SEARCHIDX_URL": url, "SEARCHIDX_BACKEND": "opensearch"}
    settings = tmp_path / "cluster.yaml"
    settings.write_text("index:\n  opensearch_shards: 2\n  opensearch_replicas: 1\n"
                        "  commit_every: 100\n", "utf-8")
    parts = _split_corpus(tmp_path, 2, take=600)
    first = _cli("index", str(parts[0]), "--index", "survive", "--config", str(settings),
                 env=env)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    client = Client(urls)
    client.health("survive", wait_for="green")
    ix = Index("survive", config, backend="opensearch", url=url)
    expected = ix.search("governo", limit=500).total
    assert expected > 0
    victim = _not_manager(urls)

    # queries go on while a node stops
    answers, stop_queries = [], threading.Event()

    def ask() -> None:
        reader = Index("survive", config, backend="opensearch", url=url)
        while not stop_queries.is_set():
            answers.append(reader.search("governo", limit=500, facets=["people"]).total)

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(1.0)
    assert cluster_script("stop", "--dir", str(folder), "--node", victim).returncode == 0
    time.sleep(3.0)
    stop_queries.set()
    asker.join(timeout=120)
    assert answers and set(answers) == {expected}

    # an index run that loses a node mid-way: what it could not write, the next run writes
    assert cluster_script("start", "--dir", str(folder)).returncode == 0
    client.health("survive", wait_for="green", timeout_s=120)
    run = _cli("index", str(parts[1]), "--index", "survive", "--config", str(settings),
               env=env)
    time.sleep(8.0)
    stopped = cluster_script("stop", "--dir", str(folder), "--node", _not_manager(urls))
    assert stopped.returncode == 0
    run.wait(timeout=600)
    assert cluster_script("start", "--dir", str(folder)).returncode == 0
    client.health("survive", wait_for="green", timeout_s=120)
    again = _cli("index", str(parts[0]), str(parts[1]), "--index", "survive", "--config",
                 str(settings), "--format", "json", env=env)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert ix.stats()["documents"] == 600
    assert json.loads(out)["failed"] == 0
    client.close()
