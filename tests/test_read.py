"""The read stage: files, records and plain text -> RawArticle, errors never raised."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.config import Config, load_config
from searchidx.errors import ConfigError, ReadError
from searchidx.models import RawArticle
from searchidx.read import (
    READER_VERSION,
    SourceFile,
    discover,
    read_record,
    read_source,
    read_stdin_bytes,
    read_text,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "read"


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(search_cwd=False)


def read_path(path: Path, cfg: Config) -> list[RawArticle | ReadError]:
    sources, errors = discover([path], cfg)
    assert not errors
    return [item for src in sources for item in read_source(src, cfg)]


def one(path: Path, cfg: Config) -> RawArticle:
    items = read_path(path, cfg)
    assert len(items) == 1 and isinstance(items[0], RawArticle), items
    return items[0]


def text_of(text: str, cfg: Config) -> RawArticle:
    return read_text(text, doc_id="t", path="t.txt", config=cfg)


# -- the five seeds, as the gold annotations read them --------------------------

# title, date (with precision) and publisher exactly as the reference annotations
GOLD = yaml.safe_load((Path(__file__).resolve().parent / "fixtures" / "seeds_gold.yaml")
                      .read_text("utf-8"))["articles"]


@pytest.fixture(scope="module")
def seeds(cfg: Config) -> dict[str, RawArticle]:
    items = read_path(SEEDS, cfg)
    assert all(isinstance(a, RawArticle) for a in items)
    return {a.id: a for a in items}  # type: ignore[union-attr]


@pytest.mark.parametrize("seed_id", sorted(GOLD))
def test_seed_metadata_matches_gold(seeds: dict[str, RawArticle], seed_id: str) -> None:
    gold = GOLD[seed_id]
    article = seeds[seed_id]
    assert article.title == gold["title"]
    assert (article.date.value if article.date else None) == gold["date"]
    assert article.publisher == gold["publisher"]
    assert article.warnings == []
    assert article.path == str(SEEDS / f"{seed_id}.txt")


def test_seed_date_precisions(seeds: dict[str, RawArticle]) -> None:
    dated = {k: a.date.precision for k, a in seeds.items() if a.date}
    assert dated == {"000_9d63219bb1120001": "month", "004_de43da4d890992ab": "day"}


def test_seed_000_inline_date_prefix_leaves_the_body(seeds: dict[str, RawArticle]) -> None:
    body = seeds["000_9d63219bb1120001"].body
    assert body.startswith("Si da sempre più certa la notizia")
    assert "date 2023-09" not in body
    assert "\n\nKim Jong-un dovrebbe lasciare" in body  # paragraph breaks kept


def test_seed_001_newsletter_line_removed(seeds: dict[str, RawArticle]) -> None:
    body = seeds["001_830db2598d0653a2"].body
    assert "Subscribe" not in body
    assert body.endswith("un’esercitazione navale congiunta, assieme alla Cina.")
    assert "\nKim ha lasciato domenica" in body  # single line breaks kept


def test_seed_002_title_and_footer_leave_the_body(seeds: dict[str, RawArticle]) -> None:
    body = seeds["002_3735a5c7a403e3e4"].body
    assert body.startswith("Vladimir Putin ha elogiato la Corea del Nord")
    assert "proviene da" not in body and "Globalist" not in body
    assert body.endswith("in materia di difesa tra i due paesi.")
    assert "L’arrivo di Putin" in body  # typographic apostrophe kept


def test_seed_003_closing_fine_removed(seeds: dict[str, RawArticle]) -> None:
    article = seeds["003_f20a1f5d3ef70c67"]
    assert article.body.startswith("Mosca vuole che la Corea del Nord")  # not a title: a sentence
    assert not article.body.rstrip().endswith("Fine")
    assert article.body.endswith("nella regione di Kaluga”.")


def test_seed_004_dateline_removed_place_kept(seeds: dict[str, RawArticle]) -> None:
    article = seeds["004_de43da4d890992ab"]
    assert article.body.startswith("Emergono nuove preoccupazioni")
    assert "31 Ago 2023" not in article.body
    assert article.extra == {"dateline_place": "Russia"}


# -- plain-text conventions ----------------------------------------------------------

def test_front_matter(cfg: Config) -> None:
    article = text_of(
        "---\ntitle: Vertice a Vladivostok\ndate: 2023-09-13\nfonte: ANSA\n"
        "tags: [russia, corea]\nautore: Mario Rossi\nrubrica: Esteri\n---\nIl testo.\n", cfg)
    assert article.title == "Vertice a Vladivostok"
    assert article.date is not None and article.date.value == "2023-09-13"
    assert article.publisher == "ANSA"
    assert article.tags == ["russia", "corea"]
    assert article.extra == {"author": "Mario Rossi", "rubrica": "Esteri"}
    assert article.body == "Il testo."


def test_front_matter_invalid_yaml_is_a_warning(cfg: Config) -> None:
    article = text_of("---\ntitle: [unclosed\n---\nTesto qui.\n", cfg)
    assert "front matter is not valid YAML; read as text" in article.warnings
    assert article.title is None


def test_key_value_header(cfg: Config) -> None:
    article = text_of(
        "Titolo: Kim arriva in Russia\nData: 12 settembre 2023\nFonte: Il Post\n"
        "Tags: Russia, Corea del Nord\n\nKim Jong-un è arrivato.\n", cfg)
    assert article.title == "Kim arriva in Russia"
    assert article.date is not None and article.date.value == "2023-09-12"
    assert article.publisher == "Il Post"
    assert article.tags == ["Russia", "Corea del Nord"]
    assert article.body == "Kim Jong-un è arrivato."


def test_header_id_overrides_file_id(cfg: Config) -> None:
    assert text_of("id: art-7\n\nTesto.", cfg).id == "art-7"


def test_markdown_heading_is_the_title(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "nota.md").write_text("# Il vertice di Vladivostok\n\nPrimo paragrafo.\n",
                                      encoding="utf-8")
    article = one(tmp_path / "nota.md", cfg)
    assert (article.id, article.title, article.body) == (
        "nota", "Il vertice di Vladivostok", "Primo paragrafo.")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Allarme USA: Putin e Kim\nIl testo segue.", "Allarme USA: Putin e Kim"),
        ("Chi è Kim Jong-un?\nIl testo segue.", None),  # sentence-final punctuation
        ("Ecco le novità:\nIl testo segue.", None),
        ("Il leader è arrivato.\nIl testo segue.", None),
        ("continua dalla pagina precedente\nIl testo segue.", None),  # lowercase start
        ("Solo una riga senza altro testo", None),  # nothing follows
        (" ".join(["parola"] * 31).capitalize() + "\nIl testo segue.", None),  # too many words
        ("Il “trattato” firmato a Pyongyang\nIl testo segue.", "Il “trattato” firmato a Pyongyang"),
    ],
)
def test_title_line_heuristic(cfg: Config, text: str, title: str | None) -> None:
    assert text_of(text, cfg).title == title


def test_dateline_without_title(cfg: Config) -> None:
    article = text_of("Roma, 5 settembre 2023\nIl governo ha deciso.", cfg)
    assert article.title is None
    assert article.date is not None and article.date.value == "2023-09-05"
    assert article.extra == {"dateline_place": "Roma"}
    assert article.body == "Il governo ha deciso."


def test_publisher_footer_fonte_and_boilerplate(cfg: Config) -> None:
    article = text_of(
        "Primo paragrafo.\nLeggi anche: altro articolo\nSecondo paragrafo.\n"
        "Fonte: Il Fatto Quotidiano\n© Riproduzione riservata\n", cfg)
    assert article.publisher == "Il Fatto Quotidiano"
    assert article.body == "Primo paragrafo.\nSecondo paragrafo."


def test_sentence_that_looks_like_a_footer_is_kept(cfg: Config) -> None:
    text = "Testo.\nL'articolo 18 dello Statuto proviene da una legge del 1970."
    article = text_of(text, cfg)
    assert (article.publisher, article.body) == (None, text)


def test_agency_prefix_gives_publisher(cfg: Config) -> None:
    article = text_of("(ANSA) - ROMA, 5 SET - Il presidente ha parlato.", cfg)
    assert article.publisher == "ANSA"
    assert article.body == "ROMA, 5 SET - Il presidente ha parlato."


def test_json_publisher_wins_over_footer_but_footer_is_removed(cfg: Config) -> None:
    article = read_record(
        {"title": "T", "text": "Corpo.\nL'articolo T proviene da Globalist.it.",
         "publisher": "Altro"}, default_id="x", path="x.json", line=None, config=cfg)
    assert (article.publisher, article.body) == ("Altro", "Corpo.")


def test_text_normalisation(cfg: Config) -> None:
    article = text_of("Riga uno.\r\nRiga\x00 due\x07\r\n\r\n\r\n\r\nRiga tre e\u0301 fine\t!", cfg)
    assert article.body == "Riga uno.\nRiga due\n\nRiga tre é fine\t!"


def test_mojibake_repaired_quotes_kept(cfg: Config) -> None:
    article = text_of("Perch\u00c3\u00a9 la citt\u00c3\u00a0 \u00c3\u00a8 lâ€™ultima.\n"
                      "Amazà´nica e cosà¬, sanità\xa0Silvio, «libertà» e “verità”.", cfg)
    assert article.body == ("Perché la città è l’ultima.\n"
                            "Amazônica e così, sanità\xa0Silvio, «libertà» e “verità”.")


# -- files, encodings, errors ----------------------------------------------------------

def test_cp1252_file_decoded_with_warning(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "vecchio.txt").write_bytes("Città “ok” – perché è così.\n".encode("cp1252"))
    article = one(tmp_path / "vecchio.txt", cfg)
    assert article.body == "Città “ok” – perché è così."
    assert article.warnings == ["decoded as cp1252"]


def test_latin1_fallback(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "l1.txt").write_bytes(b"Citt\xe0 \x81 fine riga.")  # 0x81: not cp1252
    article = one(tmp_path / "l1.txt", cfg)
    assert article.body == "Città  fine riga."
    assert article.warnings == ["decoded as latin-1"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(cfg: Config, tmp_path: Path, codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    (tmp_path / "u16.txt").write_bytes(bom + "L’arrivo di Putin è previsto.".encode(codec))
    article = one(tmp_path / "u16.txt", cfg)
    assert article.body == "L’arrivo di Putin è previsto."
    assert article.warnings == []


def test_utf8_bom_on_cp1252_text_is_dropped(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "misto.txt").write_bytes(codecs.BOM_UTF8 + "Città.".encode("cp1252"))
    article = one(tmp_path / "misto.txt", cfg)
    assert (article.body, article.warnings) == ("Città.", ["decoded as cp1252"])


def test_utf8_bom_stripped(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_bytes(codecs.BOM_UTF8 + "Testo è qui.".encode())
    assert one(tmp_path / "b.txt", cfg).body == "Testo è qui."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("vuoto.txt", b"", "empty file"),
        ("spazi.txt", b"  \n\n\t ", "empty file"),
        ("vuoto.jsonl", b"\n\n", "empty file"),
        ("foto.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20 + b"IHDR", "looks like a binary file"),
        ("nul.txt", b"testo\x00\x01\x02binario", "looks like a binary file"),
        ("foto.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00", "looks like a binary file"),
        ("foto.html", b"\x89PNG\r\n\x1a\n\x00\x00", "looks like a binary file"),
        ("rotto.json", b'{"text": "a"', "invalid JSON"),
        ("numero.json", b"42", "should hold an object or a list of objects, not a number"),
        ("u16.txt", codecs.BOM_UTF16_LE + b"a", "not valid UTF-16 text"),
    ],
)
def test_unreadable_files_give_one_error(cfg: Config, tmp_path: Path, name: str, data: bytes,
                                         message: str) -> None:
    (tmp_path / name).write_bytes(data)
    items = read_path(tmp_path / name, cfg)
    assert len(items) == 1 and isinstance(items[0], ReadError)
    assert items[0].path == str(tmp_path / name)
    assert message in items[0].reason


def test_read_source_reads_the_file_when_no_data_given(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Testo.", encoding="utf-8")
    src = SourceFile(path, path, "a", 6, 0)
    assert [a.body for a in read_source(src, cfg)] == ["Testo."]  # type: ignore[union-attr]
    assert [a.body for a in read_source(src, cfg, b"Altro.")] == ["Altro."]  # type: ignore
    path.unlink()
    [error] = read_source(src, cfg)
    assert isinstance(error, ReadError) and error.reason.startswith("cannot read")


# -- web pages ----------------------------------------------------------------------

def test_web_page_gives_the_article_and_its_metadata(cfg: Config) -> None:
    page = one(FIXTURES / "pagina.html", cfg)
    assert page.id == "pagina"
    assert page.title == "Kim Jong Un in Russia, Kirby: «Mosca cerca munizioni»"
    assert page.date is not None and (page.date.value, page.date.precision) == (
        "2023-09-12", "day")
    assert page.publisher == "Cronache dal Mondo"
    assert page.url == "https://www.cronachedalmondo.example/esteri/2023/09/12/kim-russia"
    assert page.tags == ["Russia", "Corea del Nord", "armi"]
    assert page.extra == {"author": "Giulia Bianchi"}
    assert page.body.startswith("Il leader nordcoreano Kim Jong Un è arrivato in Russia")
    assert "ha detto John Kirby" in page.body and "Dmitry Peskov" in page.body


@pytest.mark.parametrize("furniture", [
    "Esteri", "cookie", "Leggi anche", "campionato", "Mario88", "Tutti i diritti riservati",
    "newsletter", "analytics", "dataLayer", "di Giulia Bianchi",
])
def test_web_page_leaves_out_menus_comments_footers_and_scripts(cfg: Config,
                                                                furniture: str) -> None:
    assert furniture not in one(FIXTURES / "pagina.html", cfg).body


def test_web_page_date_comes_from_the_markup_not_the_text(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "senza-data.html"
    path.write_text("<html><head><title>Vertice</title></head><body><article><p>Il vertice "
                    "si è tenuto il 13 settembre 2023 a Vostochny, come previsto dai due "
                    "governi dopo settimane di trattative.</p></article></body></html>",
                    encoding="utf-8")
    page = one(path, cfg)
    assert page.title == "Vertice" and page.date is None
    assert page.body.startswith("Il vertice si è tenuto")


def test_web_page_in_a_declared_legacy_charset(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "latin.htm"
    path.write_bytes('<html><head><meta charset="iso-8859-1"><title>Città</title></head>'
                     "<body><article><p>La città di Pyongyang è stata al centro della "
                     "settimana di incontri perché il vertice è atteso.</p></article></body>"
                     "</html>".encode("latin-1"))
    page = one(path, cfg)
    assert page.title == "Città" and "città di Pyongyang" in page.body
    assert not page.warnings


def test_web_page_without_a_site_name_leaves_the_publisher_to_its_address(
        cfg: Config, tmp_path: Path) -> None:
    from searchidx import extract

    path = tmp_path / "post.html"
    path.write_text('<html><head><title>Vertice</title><link rel="canonical" '
                    'href="https://www.ilpost.it/2023/09/10/vertice/"></head><body><article>'
                    "<p>Il vertice si è tenuto a Vostochny, come previsto dai due governi "
                    "dopo settimane di trattative.</p></article></body></html>",
                    encoding="utf-8")
    page = one(path, cfg)  # trafilatura's stand-in site name, the host, is not a name
    assert (page.publisher, page.url) == (None, "https://www.ilpost.it/2023/09/10/vertice/")
    assert page.date is not None and page.date.value == "2023-09-10"
    [article] = extract([path], cfg)
    assert article.publisher == "Il Post"  # config/sources.yaml, by the domain


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><head><title>Solo titolo</title></head><body></body></html>",
    b"<html><body><script>var testo = 'munizioni';</script></body></html>",
])
def test_web_page_without_article_text_is_an_error(cfg: Config, tmp_path: Path,
                                                   data: bytes) -> None:
    (tmp_path / "vuota.html").write_bytes(data)
    [error] = read_path(tmp_path / "vuota.html", cfg)
    assert isinstance(error, ReadError) and error.path == str(tmp_path / "vuota.html")
    assert error.reason == "no article text found in this web page"


def test_web_page_on_standard_input(cfg: Config) -> None:
    data = (FIXTURES / "pagina.html").read_bytes()
    [page] = read_stdin_bytes(b"\n  " + data, cfg)
    assert isinstance(page, RawArticle) and page.id == "-"
    assert page.publisher == "Cronache dal Mondo" and "Vostochny" in page.body
    [text] = read_stdin_bytes(b"<htmlx> non e una pagina", cfg)  # only <html or <!doctype
    assert isinstance(text, RawArticle) and text.body == "<htmlx> non e una pagina"


# -- JSON and JSONL ----------------------------------------------------------------

def test_json_object_file(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "art.json").write_text(json.dumps({
        "guid": 17, "headline": "Titolo", "pubDate": "2023-09-05", "content": "Corpo.",
        "source": "Il Post", "link": "https://example.org/a", "keywords": ["a", "b", "a"],
        "category": "Esteri", "views": {"n": 3}}), encoding="utf-8")
    article = one(tmp_path / "art.json", cfg)
    assert article.id == "17"
    assert (article.title, article.body, article.publisher) == ("Titolo", "Corpo.", "Il Post")
    assert article.date is not None and article.date.value == "2023-09-05"
    assert (article.url, article.tags) == ("https://example.org/a", ["a", "b"])
    assert article.extra == {"category": "Esteri", "views": {"n": 3}}
    assert article.line is None


def test_json_list_file_ids_and_bad_items(cfg: Config, tmp_path: Path) -> None:
    records = [{"title": "Uno", "text": "A."}, "non un oggetto", {"id": "z", "text": "C."}]
    (tmp_path / "lista.json").write_text(json.dumps(records), encoding="utf-8")
    items = read_path(tmp_path / "lista.json", cfg)
    assert isinstance(items[0], RawArticle) and (items[0].id, items[0].line) == ("lista#1", 1)
    assert isinstance(items[1], ReadError) and items[1].line == 2
    assert "should be a JSON object, not text" in items[1].reason
    assert isinstance(items[2], RawArticle) and items[2].id == "z"


def test_jsonl_bad_middle_line(cfg: Config) -> None:
    items = read_path(FIXTURES / "mixed.jsonl", cfg)
    assert [type(i).__name__ for i in items] == ["RawArticle", "ReadError", "RawArticle"]
    good1, bad, good2 = items
    assert isinstance(good1, RawArticle) and isinstance(good2, RawArticle)
    assert isinstance(bad, ReadError)
    assert (good1.id, good1.line) == ("a1", 1)
    assert bad.line == 3 and bad.reason.startswith("invalid JSON: ")
    assert str(bad).startswith(f"{FIXTURES / 'mixed.jsonl'}:3: invalid JSON")
    assert (good2.id, good2.line) == ("mixed#3", 5)  # third record; blank line 2 not counted


def test_jsonl_record_without_text_is_an_error_record_without_body_is_not(
        cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text('{"id": 1, "views": 3}\n{"id": 2, "title": "Solo"}\n',
                                      encoding="utf-8")
    no_text, title_only = read_path(tmp_path / "r.jsonl", cfg)
    assert isinstance(no_text, ReadError) and "record has no text" in no_text.reason
    assert isinstance(title_only, RawArticle)
    assert (title_only.title, title_only.body) == ("Solo", "")


def test_jsonl_cp1252_line_decoded_alone(cfg: Config, tmp_path: Path) -> None:
    (tmp_path / "m.jsonl").write_bytes(b'{"text": "citt\xc3\xa0"}\n{"text": "citt\xe0"}\n')
    first, second = read_path(tmp_path / "m.jsonl", cfg)
    assert isinstance(first, RawArticle) and isinstance(second, RawArticle)
    assert (first.body, first.warnings) == ("città", [])
    assert (second.body, second.warnings) == ("città", ["decoded as cp1252"])


def test_json_body_gets_body_cleaning_but_not_title_detection(cfg: Config) -> None:
    article = read_record(
        {"title": "Titolo", "text": "31 agosto 2023 - Mosca\nBreve riga\nCorpo.\nFine"},
        default_id="d", path="p", line=4, config=cfg)
    assert article.title == "Titolo"
    assert article.date is not None and article.date.value == "2023-08-31"
    assert article.body == "Breve riga\nCorpo."
    assert article.line == 4


@pytest.mark.parametrize("title", [None, "", "  "])
def test_json_without_title_gets_title_detection(cfg: Config, title: str | None) -> None:
    article = read_record({"title": title, "text": "Un titolo breve\nIl corpo dell'articolo."},
                          default_id="d", path="p", line=None, config=cfg)
    assert (article.title, article.body) == ("Un titolo breve", "Il corpo dell'articolo.")
    assert article.extra == {}


@pytest.mark.parametrize(
    ("record", "field", "expected", "warning"),
    [
        ({"text": "x", "title": ["Due", "parti"]}, "title", "Due parti", None),
        ({"text": "x", "title": {"it": "T"}}, "title", None, "title: expected text, got a mapping"),
        ({"text": "x", "tags": "guerra"}, "tags", ["guerra"], None),
        ({"text": "x", "tags": ["a", 3, None, "  b  "]}, "tags", ["a", "3", "b"], "tags: expected"),
        ({"text": "x", "date": 20230905}, "date", "2023-09-05", None),
        ({"text": "x", "date": 2023}, "date", "2023", None),
        ({"text": "x", "date": 1693526400}, "date", None, "neither a year nor yyyymmdd"),
        ({"text": "x", "date": 3.5}, "date", None, "neither a year nor yyyymmdd"),
        ({"text": "x", "date": True}, "date", None, "date: expected text, got true/false"),
        ({"text": "x", "date": ["2023"]}, "date", None, "date: expected text, got a list"),
        ({"text": "x", "date": "2023-13-45"}, "date", None,
         "date '2023-13-45' is not a valid date; ignored"),
        ({"text": "x", "date": "lunedì"}, "date", None, "date 'lunedì' is not a valid date"),
        ({"text": "x", "date": "2999-01-01"}, "date", "2999-01-01", "in the future; kept"),
        ({"text": ["Primo.", "Secondo."]}, "body", "Primo.\n\nSecondo.", None),
        ({"text": "x", "id": 42}, "id", "42", None),
        ({"text": "x", "id": ["a"]}, "id", "def", "id: expected text or a number, got a list"),
        ({"text": "x", "id": ""}, "id", "def", None),
        ({"text": "x", "publisher": 7}, "publisher", "7", None),
    ],
)
def test_wrong_types_are_handled(cfg: Config, record: dict, field: str, expected: object,
                                 warning: str | None) -> None:
    article = read_record(record, default_id="def", path="p.json", line=None, config=cfg)
    value = getattr(article, field)
    if field == "date":
        value = value.value if value else None
    assert value == expected
    if warning is None:
        assert article.warnings == []
    else:
        assert any(warning in w for w in article.warnings), article.warnings


def test_read_record_rejects_non_mappings(cfg: Config) -> None:
    with pytest.raises(ReadError) as err:
        read_record(["a"], default_id="d", path="p.jsonl", line=7, config=cfg)
    assert (err.value.path, err.value.line) == ("p.jsonl", 7)
    assert "not a list" in err.value.reason


def test_long_title_truncated(cfg: Config) -> None:
    article = read_record({"title": "parola " * 300, "text": "x"}, default_id="d", path="p",
                          line=None, config=cfg)
    assert article.title is not None and len(article.title) <= 1000
    assert article.title.endswith("parola")
    assert article.warnings == [
        "title longer than 1000 characters (reading.max_title_chars); truncated"]


# -- ids and hashes ------------------------------------------------------------------

def test_content_hash_is_salted_stable_and_sensitive(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_bytes(b"Testo uno.")
    first = one(path, cfg).content_hash
    assert first == one(path, cfg).content_hash
    assert first != hashlib.sha1(b"Testo uno.").hexdigest()  # READER_VERSION is mixed in
    assert READER_VERSION
    path.write_bytes(b"Testo due.")
    assert one(path, cfg).content_hash != first


def test_jsonl_hash_is_per_record(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n', encoding="utf-8")
    before = {a.id: a.content_hash for a in read_path(path, cfg)}  # type: ignore[union-attr]
    path.write_text('{"id": 1, "text": "a"}\n{"id": 2, "text": "B"}\n', encoding="utf-8")
    after = {a.id: a.content_hash for a in read_path(path, cfg)}  # type: ignore[union-attr]
    assert before["1"] == after["1"] and before["2"] != after["2"]


def test_stdin_sniffing(cfg: Config) -> None:
    [obj] = read_stdin_bytes(b'  {"title": "T", "text": "Corpo."}', cfg)
    assert isinstance(obj, RawArticle) and (obj.id, obj.title, obj.path) == ("-#1", "T", "-")
    lines = list(read_stdin_bytes(b'{"text": "a"}\n{"text": "b"}\n', cfg))
    assert [a.id for a in lines] == ["-#1", "-#2"]  # type: ignore[union-attr]
    lst = list(read_stdin_bytes(b'[{"text": "a"}, {"text": "b"}]', cfg, name="pipe.json"))
    assert [a.id for a in lst] == ["pipe#1", "pipe#2"]  # type: ignore[union-attr]
    [text] = read_stdin_bytes(b"[Foto] Un titolo\nIl corpo.", cfg)
    assert isinstance(text, RawArticle) and (text.id, text.title) == ("-", "[Foto] Un titolo")
    [empty] = read_stdin_bytes(b"", cfg)
    assert isinstance(empty, ReadError) and empty.reason == "empty file"


# -- discovery ------------------------------------------------------------------------

def make_tree(root: Path) -> None:
    for rel, content in {
        "b.txt": "B", "a/z.md": "Z", "a/y.json": '{"text": "Y"}', "a/deep/x.jsonl": "",
        ".git/HEAD.txt": "no", "a/.searchidx/idx.txt": "no", ".nascosto.txt": "no",
        "a/foto.png": "no", "README": "no",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def test_discover_nested_sorted_skips_hidden(cfg: Config, tmp_path: Path) -> None:
    make_tree(tmp_path)
    sources, errors = discover([tmp_path], cfg)
    assert errors == []
    assert [s.rel_id for s in sources] == ["a/deep/x", "a/y", "a/z", "b"]
    first = sources[0]
    assert first.root == tmp_path and first.path == tmp_path / "a" / "deep" / "x.jsonl"
    assert first.size == 0 and first.mtime_ns == (tmp_path / "a/deep/x.jsonl").stat().st_mtime_ns


def test_discover_file_given_directly(cfg: Config, tmp_path: Path) -> None:
    make_tree(tmp_path)
    sources, errors = discover([tmp_path / "a" / "z.md", tmp_path / "README"], cfg)
    assert [(s.rel_id, s.root) for s in sources] == [("z", tmp_path / "a" / "z.md")]
    assert len(errors) == 1 and "unsupported file type '(none)'" in errors[0].reason


def test_discover_same_file_once(cfg: Config, tmp_path: Path) -> None:
    make_tree(tmp_path)
    sources, _ = discover([tmp_path / "a", tmp_path / "a" / "z.md"], cfg)
    assert [s.rel_id for s in sources] == ["deep/x", "y", "z"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_discover_symlink_loop_is_safe(cfg: Config, tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "a" / "deep" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "rotto.txt").symlink_to(tmp_path / "manca.txt")
    sources, errors = discover([tmp_path], cfg)
    assert [s.rel_id for s in sources] == ["a/deep/x", "a/y", "a/z", "b"]
    assert [(e.path, e.reason) for e in errors] == [
        (str(tmp_path / "a" / "rotto.txt"), "broken symbolic link")]


def test_discover_missing_path(cfg: Config, tmp_path: Path) -> None:
    sources, errors = discover([tmp_path / "manca"], cfg)
    assert sources == []
    assert [str(e) for e in errors] == [f"{tmp_path / 'manca'}: no such file or directory"]


def test_discover_unreadable_folder(cfg: Config, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "chiuso"
    locked.mkdir()
    (tmp_path / "ok.txt").write_text("Testo.", encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]):  # chmod 0 does not stop root: fake it
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("searchidx.read.files.os.scandir", scandir)
    sources, errors = discover([tmp_path], cfg)
    assert [s.rel_id for s in sources] == ["ok"]
    assert [(e.path, e.reason) for e in errors] == [
        (str(locked), "cannot list folder (Permission denied)")]


def test_discover_size_limit(tmp_path: Path) -> None:
    conf = tmp_path / "piccolo.yaml"
    conf.write_text("reading: {max_file_mb: 0.001}\n", encoding="utf-8")
    small = load_config(conf)
    (tmp_path / "grande.txt").write_text("x" * 2100, encoding="utf-8")
    (tmp_path / "ok.txt").write_text("x" * 100, encoding="utf-8")
    sources, errors = discover([tmp_path], small)
    assert [s.rel_id for s in sources] == ["ok"]
    assert [e.reason for e in errors] == [
        "skipped: 0.002 MB is above the 0.001 MB limit (reading.max_file_mb)"]


def test_size_message_in_whole_megabytes(tmp_path: Path) -> None:
    conf = tmp_path / "c.yaml"
    conf.write_text("reading: {max_file_mb: 100}\n", encoding="utf-8")
    big = tmp_path / "enorme.jsonl"
    with big.open("wb") as fh:  # sparse: no real disk use
        fh.truncate(1024 * 1024 * 1024)
    _, errors = discover([big], load_config(conf))
    assert [e.reason for e in errors] == [
        "skipped: 1024 MB is above the 100 MB limit (reading.max_file_mb)"]


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("reading: {boilerplate: {lines: ['(unclosed']}}",
     r"reading.boilerplate.lines: invalid pattern '\(unclosed'"),
    ("reading: {publisher_patterns: {footer: ['Fonte: (.+)']}}",
     r"reading.publisher_patterns.footer: pattern 'Fonte: \(.\+\)' needs a group"),
])
def test_bad_pattern_in_config_is_a_config_error(tmp_path: Path, yaml_text: str,
                                                 message: str) -> None:
    conf = tmp_path / "c.yaml"
    conf.write_text(yaml_text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        discover([tmp_path], load_config(conf))


def test_extensions_without_dot_and_extra_types(tmp_path: Path) -> None:
    conf = tmp_path / "c.yaml"
    conf.write_text("reading: {extensions: [txt, .TEXT]}\n", encoding="utf-8")
    for name in ("a.txt", "b.text", "c.md"):
        (tmp_path / name).write_text("Testo.", encoding="utf-8")
    sources, _ = discover([tmp_path], load_config(conf))
    assert [s.rel_id for s in sources] == ["a", "b"]


# -- robustness -------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_read_text_never_raises_and_is_deterministic(cfg: Config, text: str) -> None:
    first = read_text(text, doc_id="h", path="h.txt", config=cfg)
    second = read_text(text, doc_id="h", path="h.txt", config=cfg)
    assert first == second
    assert "\r" not in first.body and "\x00" not in first.body


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["title: X", "date 2023-09 ", "# T", "---", "Fine", "\n",
                                 "31 Ago 2023 - Roma", "Fonte: Y", "testo.", "Ã¨", "à´"]))
       .map("\n".join))
def test_read_text_on_convention_soup(cfg: Config, text: str) -> None:
    assert read_text(text, doc_id="s", path="s.txt", config=cfg) == read_text(
        text, doc_id="s", path="s.txt", config=cfg)


# -- the shared corpora (skipped when ../shared/data is absent) ---------------------------

DATA = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
             if p.is_dir()), None)


@pytest.mark.skipif(DATA is None, reason="shared corpora not available")
@pytest.mark.parametrize(("name", "count", "first_id"), [
    ("facta/articles.jsonl", 1090, "facta-0000"),
    ("dice/articles.jsonl", 10372, "dice-57"),
    ("squad-it/paragraphs.jsonl", 2010, "Crisi energetica (1973)#0"),
])
def test_shared_corpora_read_without_failures(cfg: Config, name: str, count: int,
                                              first_id: str) -> None:
    assert DATA is not None
    items = read_path(DATA / name, cfg)
    articles = [i for i in items if isinstance(i, RawArticle)]
    assert len(articles) == len(items) == count
    assert articles[0].id == first_id
    assert all(a.body or a.title for a in articles)
    assert not any("Ã" in a.body or "à´" in a.body for a in articles)
