"""Smoke tests of the 100,000-article corpus and of completing an index without extraction
(scripts/make_corpus.py, scripts/fill_index.py)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import fill_index  # noqa: E402
import make_corpus  # noqa: E402

from searchidx import Index  # noqa: E402

from .conftest import shared_data  # noqa: E402

OWN = "Prima frase del pezzo. Seconda frase del pezzo. Terza frase del pezzo. Quarta frase."


def test_a_collage_keeps_one_sentence_in_three_of_its_original_in_place():
    donors = [{"text": "Altra uno. Altra due. Altra tre."}, {"text": "Terzo uno. Terzo due."}]
    parts = make_corpus.collage({"text": OWN}, donors).split(". ")
    assert parts[0] == "Prima frase del pezzo" and parts[3].startswith("Quarta frase")
    assert "pezzo" not in parts[1] and "pezzo" not in parts[2]


def test_the_corpus_is_distinct_first_then_repeated_with_distinct_ids():
    data = shared_data("dice/articles.jsonl").parent.parent
    made = list(make_corpus.build(data, 16_000, seed=3, versions=10))
    assert made == list(make_corpus.build(data, 16_000, seed=3, versions=10))
    distinct = [d for d in made if d["kind"] == "distinct"]
    assert len(distinct) == 15_311 and all("~" not in d["id"] for d in distinct)
    assert len({d["id"] for d in made}) == len(made)
    assert {d["kind"] for d in made[15_311:]} == {"collage", "version"}
    assert all(d["id"].endswith(("~1", "~1v")) for d in made[15_311:])


def test_fill_index_writes_the_rest_with_their_own_text_and_stories(tmp_path, config):
    words = " ".join(f"parola{i}" for i in range(40))
    first = [{"id": "a", "date": "2020-01-02", "text": f"Mario Rossi ha parlato. {words}."},
             {"id": "b", "date": "2020-01-03", "text": "Un articolo breve su Modena."}]
    rest = [{"id": "a~1v", "date": "2020-01-02", "text": f"Mario Rossi ha parlato. {words} ieri."},
            {"id": "b~1", "date": "2021-05-06", "text": "Un testo nuovo su Carpi."}]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, records in (("part-0000.jsonl", first), ("part-0001.jsonl", rest)):
        (corpus / name).write_text("".join(json.dumps(r) + "\n" for r in records),
                                   encoding="utf-8")
    (tmp_path / "later").mkdir()
    (corpus / "part-0001.jsonl").rename(tmp_path / "later" / "part-0001.jsonl")
    ix = Index(tmp_path / "index", config)
    assert ix.update([corpus]).added == 2
    ix.close()
    (tmp_path / "later" / "part-0001.jsonl").rename(corpus / "part-0001.jsonl")
    assert fill_index.main(["--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 0
    ix = Index(tmp_path / "index", config)
    assert ix.stats()["documents"] == 4
    assert [h.id for h in ix.search("Carpi").hits] == ["b~1"]
    assert ix.document("b~1")["date"]["value"] == "2021-05-06"
    assert [v["id"] for v in ix.story("a~1v")["versions"]] in (["a", "a~1v"], ["a~1v", "a"])


def test_fill_index_needs_each_source_in_the_index(tmp_path, config, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "part-0000.jsonl").write_text(
        json.dumps({"id": "x~1", "date": "2020-01-02", "text": "Un testo."}) + "\n",
        encoding="utf-8")
    seed = tmp_path / "seed.txt"
    seed.write_text("Un articolo per creare l'indice.\n", encoding="utf-8")
    Index(tmp_path / "index", config).update([seed])
    assert fill_index.main(["--corpus", str(corpus), "--index", str(tmp_path / "index")]) == 2
    assert "x~1's source is not in" in capsys.readouterr().err
