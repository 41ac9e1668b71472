"""Stories: near-duplicate articles grouped at index time, kept up to date as articles
come, change and go; searches collapsed to one hit per story."""

import json
import random
import re

import pytest

from searchidx import Index
from searchidx.config import load_config, story_settings
from searchidx.errors import ConfigError
from searchidx.stories import signature, similarity

from .conftest import SEEDS


def seed_text(name: str) -> str:
    """A seed's text without its header line: a real Italian article."""
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return path.read_text("utf-8").split("\n", 1)[1].strip()


def edited(text: str, seed: int) -> str:
    """``text`` as a second version: one sentence in ten rewritten, one added at the end."""
    rng = random.Random(seed)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    for i in rng.sample(range(len(sentences)), max(1, len(sentences) // 10)):
        sentences[i] = "Secondo fonti vicine al dossier la vicenda resta tutta da chiarire."
    return " ".join(sentences) + " Aggiornamento delle ore 18: nessuna conferma ufficiale."


def write(folder, name, records):
    path = folder / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path):
    putin, kirby, other = seed_text("000"), seed_text("002"), seed_text("004")
    records = [
        {"id": "a1", "title": "Putin e Kim", "date": "2023-09-04", "publisher": "Uno",
         "text": putin},
        {"id": "a2", "title": "Putin e Kim, l'aggiornamento", "date": "2023-09-05",
         "publisher": "Due", "text": edited(putin, 1)},
        {"id": "a3", "title": "Armi dalla Corea", "date": "2023-09-06", "publisher": "Tre",
         "text": edited(putin, 2)},
        {"id": "b1", "title": "Kirby", "date": "2023-09-04", "publisher": "Uno", "text": kirby},
        {"id": "c1", "title": "Altro", "date": "2023-09-04", "publisher": "Uno", "text": other},
        {"id": "empty", "title": "Vuoto", "text": ""},
        {"id": "word", "title": "Una parola", "text": "Putin"},
        {"id": "word2", "title": "Una parola", "text": "Putin"},
    ]
    data = tmp_path / "data"
    data.mkdir()
    write(data, "news.jsonl", records)
    ix = Index(tmp_path / "index", load_config(search_cwd=False))
    report = ix.update([data])
    assert report.added == len(records) and not report.errors
    return ix, data, records


def story(ix, doc_id):
    manifest = ix.backend().manifest()
    try:
        return manifest.story_of(doc_id), manifest.story_members(manifest.story_of(doc_id))
    finally:
        manifest.close()


def test_signature_estimates_shared_shingles():
    text = seed_text("000")
    assert similarity(signature(text, 20), signature(text, 20)) == 1.0
    assert similarity(signature(text, 20), signature(edited(text, 1), 20)) > 0.6
    assert similarity(signature(text, 20), signature(seed_text("001"), 20)) < 0.1


def test_short_texts_get_no_signature():
    assert signature("", 20) is None
    assert signature("Putin", 20) is None
    assert signature(" ".join(["parola"] * 19), 20) is None


def test_near_duplicates_share_a_story_named_after_the_first(corpus):
    ix, _, _ = corpus
    assert story(ix, "a2") == ("a1", ["a1", "a2", "a3"])
    assert story(ix, "b1") == ("b1", ["b1"])
    # an empty or one-word article joins no story, not even its identical twin
    assert story(ix, "word") == ("word", ["word"])
    assert story(ix, "word2") == ("word2", ["word2"])
    assert story(ix, "empty") == ("empty", ["empty"])


def test_stories_follow_changes_and_removals(corpus):
    ix, data, records = corpus
    # a3 rewritten as another story: it leaves; a new copy of b1 joins b1's story
    records[2]["text"] = seed_text("003")
    records.append({"id": "b2", "title": "Kirby bis", "text": edited(records[3]["text"], 3)})
    write(data, "news.jsonl", records)
    ix.update([data])
    assert story(ix, "a3") == ("a3", ["a3"])
    assert story(ix, "a1") == ("a1", ["a1", "a2"])
    assert story(ix, "b2") == ("b1", ["b1", "b2"])
    # the first version leaves: the story keeps going under the next one's id
    write(data, "news.jsonl", [r for r in records if r["id"] != "a1"])
    ix.update([data])
    assert story(ix, "a2") == ("a2", ["a2"])


def test_removal_splits_a_story_held_together_by_one_article(tmp_path):
    words = seed_text("000").split()
    half = len(words) // 2
    left, right = " ".join(words[:half]), " ".join(words[half:])
    records = [{"id": "left", "text": left}, {"id": "both", "text": left + " " + right},
               {"id": "right", "text": right}]
    data = tmp_path / "data"
    data.mkdir()
    write(data, "x.jsonl", records)
    config = load_config(search_cwd=False)
    config["index"]["stories"]["threshold"] = 0.3  # each half shares ~0.5 with the whole
    ix = Index(tmp_path / "index", config)
    ix.update([data])
    assert story(ix, "right")[1] == ["left", "both", "right"]
    write(data, "x.jsonl", [records[0], records[2]])
    ix.update([data])
    assert story(ix, "left") == ("left", ["left"])
    assert story(ix, "right") == ("right", ["right"])


def test_a_new_threshold_regroups_every_story(corpus):
    ix, data, _ = corpus
    strict = load_config(search_cwd=False)
    strict["index"]["stories"]["threshold"] = 1.0
    again = Index(ix.path, strict)
    report = again.update([data])
    assert report.unchanged == 8
    assert any("regrouped" in w for w in report.warnings)
    assert story(again, "a2") == ("a2", ["a2"])
    report = ix.update([data])  # back to the default: together again
    assert story(ix, "a2") == ("a1", ["a1", "a2", "a3"])
    assert not any("regrouped" in w for w in ix.update([data]).warnings)


def test_collapse_gives_one_hit_per_story_with_its_versions(corpus):
    ix, _, _ = corpus
    plain = ix.search("Putin Kim")
    collapsed = ix.search("Putin Kim", collapse=True)
    assert collapsed.total == plain.total
    assert collapsed.stories == plain.total - 2
    heads = {h.id: h for h in collapsed.hits}
    putin = next(h for h in collapsed.hits if h.story == "a1")
    assert sorted([putin.id, *putin.versions]) == ["a1", "a2", "a3"]
    assert len(heads) == collapsed.stories
    assert putin.to_dict()["versions"] == putin.versions
    assert "story" not in plain.hits[0].to_dict()


def test_collapse_combines_with_filters_sort_and_pages(corpus):
    ix, _, _ = corpus
    filtered = ix.search("Putin", collapse=True, publisher=["Due"])
    assert [h.id for h in filtered.hits] == ["a2"] and filtered.hits[0].versions == []
    by_date = ix.search("", collapse=True, sort="date", limit=1, page=1)
    assert by_date.hits[0].id in {"a1", "b1", "c1"}
    pages = [ix.search("Putin", collapse=True, limit=1, page=p).hits for p in range(1, 8)]
    ids = [h[0].story for h in pages if h]
    assert len(ids) == len(set(ids)) == ix.search("Putin", collapse=True).stories


def test_a_collapsed_export_gives_the_pages_stories(corpus):
    ix, _, _ = corpus
    collapsed = ix.search("Putin", collapse=True, limit=100)
    rows = list(ix.export("Putin", fields=["id", "story", "versions"], collapse=True))
    assert [r["id"] for r in rows] == [h.id for h in collapsed.hits]
    assert [(r["story"], sorted(r["versions"])) for r in rows] == [
        (h.story, sorted(h.versions)) for h in collapsed.hits]
    plain = list(ix.export("Putin", fields=["id", "story", "versions"]))
    assert len(plain) == ix.search("Putin").total == len(rows) + 2
    putin = {r["id"]: r for r in plain if r["story"] == "a1"}
    assert sorted(putin) == ["a1", "a2", "a3"]
    assert sorted(putin["a2"]["versions"]) == ["a1", "a3"]
    filtered = list(ix.export("Putin", fields=["id", "versions"], collapse=True,
                              publisher=["Due"]))
    assert filtered == [{"id": "a2", "versions": []}]  # versions among the matches only


def test_facets_per_story_count_a_story_once(corpus):
    ix, _, _ = corpus
    per_article = dict(ix.search("Putin Kim", facets=["publisher"]).facets["publisher"])
    per_story = dict(ix.search("Putin Kim", facets=["publisher"],
                               facet_by="story").facets["publisher"])
    assert per_article == {"Uno": 3, "Due": 1, "Tre": 1}  # a1, b1, c1; a2; a3
    assert per_story == per_article  # a1, a2 and a3 are one story, under three publishers
    years = dict(ix.facet_counts("year", "", facet_by="story"))
    assert years == {"2023": 3}  # stories a1, b1, c1
    assert dict(ix.facet_counts("year", ""))["2023"] == 5


def test_threshold_is_checked():
    config = load_config(search_cwd=False)
    config["index"]["stories"]["threshold"] = 1.5
    with pytest.raises(ConfigError, match="index.stories.threshold"):
        story_settings(config)
    config["index"]["stories"] = {"threshold": 0.5, "min_words": 2}
    with pytest.raises(ConfigError, match="index.stories.min_words"):
        story_settings(config)


def run_cli(ix, *args):
    from click.testing import CliRunner

    from searchidx.cli import main

    return CliRunner().invoke(main, [*args, "--index", str(ix.path)])


def test_query_collapse_on_the_command_line(corpus):
    ix, _, _ = corpus
    text = run_cli(ix, "query", "Putin Kim", "--collapse")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("5 articles in 3 stories")
    assert re.search(r"\+2 more versions: a[23], a[23]", text.output)
    data = json.loads(run_cli(ix, "query", "Putin Kim", "--collapse", "--format", "json").output)
    assert data["total"] == 5 and data["stories"] == 3
    assert {h["story"] for h in data["hits"]} == {"a1", "b1", "c1"}
    csv = run_cli(ix, "query", "Putin Kim", "--collapse", "--format", "csv").output
    assert csv.splitlines()[0].endswith(",story,versions")
    facets = run_cli(ix, "query", "", "--facets", "year", "--facet-by", "story",
                     "--format", "json")
    assert json.loads(facets.output)["facets"]["year"] == [{"value": "2023", "count": 3}]
    export = run_cli(ix, "query", "Putin Kim", "--collapse", "--all", "--format", "csv",
                     "--fields", "id,story,versions").output.splitlines()
    assert export[0] == "id,story,versions" and len(export) == 1 + 3
    assert any(re.fullmatch(r"a1,a1,a[23]; a[23]|a[23],a1,a[123]; a[123]", line)
               for line in export[1:])
    bad = run_cli(ix, "query", "Putin", "--facet-by", "storia")
    assert bad.exit_code == 2 and "--facet-by" in bad.output


def test_story_lists_versions_in_date_order_with_changes(corpus):
    ix, _, _ = corpus
    story = ix.story("a3")
    assert story["story"] == "a1"
    assert [v["id"] for v in story["versions"]] == ["a1", "a2", "a3"]  # by date
    first, second, _ = story["versions"]
    assert first["added"] == first["removed"] == [] and not first["title_changed"]
    assert second["title_changed"]
    assert "Aggiornamento delle ore 18: nessuna conferma ufficiale." in second["added"]
    assert second["removed"] and all(s in seed_text("000") for s in second["removed"])
    assert ix.story("b1")["versions"][0]["id"] == "b1"
    assert ix.story("nope") is None


def test_similar_leaves_out_the_story_and_says_why(corpus):
    ix, _, _ = corpus
    similar = ix.similar("a1", limit=5)
    ids = [s["id"] for s in similar]
    assert ids and not {"a1", "a2", "a3"} & set(ids)
    assert ids[0] == "c1"  # seed 004: the same Putin-Kim arms story, told otherwise
    assert {"putin", "kim"} <= set(similar[0]["terms"])
    assert "Vladimir Putin" in similar[0]["people"]
    assert [s["id"] for s in ix.similar("a1", limit=5, publisher=["Uno"])] == \
        [i for i in ids if i in {"b1", "c1"}]
    assert len(ix.similar("a1", limit=1)) == 1
    assert ix.similar("nope") is None


def test_story_and_similar_on_the_command_line(corpus):
    ix, _, _ = corpus
    text = run_cli(ix, "story", "a2")
    assert text.exit_code == 0, text.output
    assert text.output.startswith("story a1: 3 versions")
    assert "changed: +" in text.output and "new title" in text.output
    data = json.loads(run_cli(ix, "story", "a2", "--format", "json").output)
    assert [v["id"] for v in data["versions"]] == ["a1", "a2", "a3"]
    assert len(run_cli(ix, "story", "a2", "--format", "jsonl").output.splitlines()) == 3
    assert run_cli(ix, "story", "a2", "--format", "csv").output.startswith("story,id,")
    like = run_cli(ix, "similar", "a1", "--limit", "2")
    assert like.exit_code == 0 and "shares terms:" in like.output
    data = json.loads(run_cli(ix, "similar", "a1", "--format", "json").output)
    assert data["id"] == "a1" and data["similar"][0]["id"] == "c1"
    assert run_cli(ix, "similar", "a1", "--format", "csv").output.startswith("like,id,")
    for command in ("story", "similar"):
        missing = run_cli(ix, command, "nope")
        assert missing.exit_code == 2
        assert missing.output.strip().splitlines() == [
            "searchidx: error: no article with id 'nope'; find ids with 'searchidx query'"]
