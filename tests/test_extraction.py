"""Extraction: people, speakers and quotes, media, publisher, places, topics, dates.

The seed articles are checked against the gold annotations through the whole
read -> extract pipeline; the other tests use short made-up Italian texts with
people who are not in config/people.yaml, so they test the general rules and
the tagger rather than the gazetteer; a few real sentences check that the
gazetteer's organisations keep the people next to them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from searchidx.config import load_config
from searchidx.extraction import extract_article
from searchidx.extraction.kind import detokenize, read_kind
from searchidx.extraction.resources import resources_for
from searchidx.extraction.tagger import TAGS, Model, case_table, load_model, train
from searchidx.models import Article, DateValue, RawArticle
from searchidx.read import read_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
GOLD = yaml.safe_load((FIXTURES / "seeds_gold.yaml").read_text("utf-8"))["articles"]


@pytest.fixture(scope="module")
def cfg():
    return load_config(search_cwd=False)


@pytest.fixture(scope="module")
def seeds(cfg) -> dict[str, Article]:
    out = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        raw = read_text(path.read_text("utf-8"), doc_id=path.stem, path=str(path), config=cfg)
        out[path.stem] = extract_article(raw, cfg)
    return out


def extract(cfg, body: str, **kw) -> Article:
    return extract_article(RawArticle(id="t", path="t.txt", body=body, **kw), cfg)


def people(article: Article) -> dict[str, list[str]]:
    return {p.name: p.aliases for p in article.people}


# --- seeds against the gold annotations -------------------------------------------------

@pytest.mark.parametrize("doc_id", sorted(GOLD))
def test_seed_people_speakers_media_publisher_date(seeds, doc_id):
    gold, got = GOLD[doc_id], seeds[doc_id]
    assert {p.name for p in got.people} == {p["name"] for p in gold["people"]}
    assert set(got.speakers) == set(gold["speakers"])
    assert set(got.cited_media) == set(gold["cited_media"])
    assert got.publisher == gold["publisher"]
    assert (got.date.value if got.date else None) == gold["date"]
    assert set(gold["places"]) <= set(got.places)


@pytest.mark.parametrize("doc_id", sorted(GOLD))
def test_seed_aliases_are_the_variants_written(seeds, doc_id):
    got = people(seeds[doc_id])
    for person in GOLD[doc_id]["people"]:
        assert set(person["aliases"]) <= set(got[person["name"]]), person["name"]


def test_seed_mentions_point_at_their_text(seeds):
    for article in seeds.values():
        for person in article.people:
            for m in person.mentions:
                source = article.title if m.field == "title" else article.body
                assert source[m.start:m.end] == m.text
        for q in article.quotes:
            source = article.title if q.field == "title" else article.body
            assert source[q.start:q.end] == q.text
            assert q.kind in ("direct", "indirect")


def test_title_variant_merges_with_body_name(seeds):
    kim = next(p for p in seeds["004_de43da4d890992ab"].people if p.name == "Kim Jong-un")
    assert [(m.text, m.field) for m in kim.mentions][:1] == [("Kim-Jong", "title")]


def test_seed_speaker_order_and_direct_quote(seeds):
    article = seeds["001_830db2598d0653a2"]
    assert article.speakers == ["Dmitry Peskov", "Chang Ho-jin", "Matthew Miller"]
    direct = [q for q in article.quotes if q.kind == "direct"]
    assert direct[0].speaker == "Dmitry Peskov"
    assert direct[0].text == "Sarà una visita a tutti gli effetti"
    # the next quote continues Peskov's without naming him again
    assert direct[1].speaker == "Dmitry Peskov" and direct[1].text.startswith("Ci saranno")


def test_seed_roles_and_keyphrases_and_topics(seeds):
    roles = {p.name: p.role for p in seeds["001_830db2598d0653a2"].people}
    assert roles["Chang Ho-jin"] == "vice ministro degli Esteri sudcoreano"
    assert roles["Jo Chun Ryong"].startswith("direttore del Dipartimento")
    assert "cooperazione militare" in seeds["000_9d63219bb1120001"].keyphrases
    for article in seeds.values():
        assert "commercio di armi" in article.topics
    assert "Casa Bianca" in seeds["000_9d63219bb1120001"].organizations
    assert "Casa Bianca" not in seeds["000_9d63219bb1120001"].places


# --- people in unseen text ---------------------------------------------------------------

def test_a_known_persons_role_is_the_one_the_article_writes(seeds, cfg):
    """people.yaml's role only when the article writes none: roles change over time."""
    kirby = next(p for p in seeds["000_9d63219bb1120001"].people if p.name == "John Kirby")
    assert kirby.role == "portavoce del consiglio per la sicurezza nazionale"
    a = extract(cfg, "I leader dei due paesi, Vladimir Putin e Kim Jong-un, si sono visti. "
                     "Putin ha poi parlato ai giornalisti.")
    # a group's title is no one's role: the known role stands
    assert next(p.role for p in a.people if p.name == "Vladimir Putin") \
        == "presidente della Russia"


def test_unknown_people_are_found_and_surnames_merge(cfg):
    a = extract(cfg, "Il sindaco di Modena Gian Carlo Muzzarelli ha incontrato Roberta Pinotti. "
                     "Muzzarelli ha poi lasciato la sala del Comune.")
    got = people(a)
    assert got["Gian Carlo Muzzarelli"] == ["Gian Carlo Muzzarelli", "Muzzarelli"]
    assert "Roberta Pinotti" in got
    assert "Modena" in a.places and "Modena" not in got
    assert next(p.role for p in a.people if p.name == "Gian Carlo Muzzarelli") \
        == "sindaco di Modena"


@pytest.mark.parametrize(("body", "expected"), [
    # a prefix and a middle name do not keep a shorter mention apart
    ("A don Luciano Benassi il Ministero non ha risposto. A don Benassi nessuno ha scritto.",
     {"don Luciano Benassi": ["don Luciano Benassi", "don Benassi"]}),
    ("Jacob Anthony Chansley ha partecipato all’assalto. Jacob Chansley è stato arrestato.",
     {"Jacob Anthony Chansley": ["Jacob Anthony Chansley", "Jacob Chansley"]}),
])
def test_a_shorter_mention_joins_the_full_name(cfg, body, expected):
    assert people(extract(cfg, body)) == expected


@pytest.mark.parametrize(("body", "expected"), [
    # a caption without its stop runs into the next sentence
    ("Fonte: Agcom I dati riportati da Luigi Di Maio Questo stesso dato era falso.",
     ["Luigi Di Maio"]),
    ("Svaligiata la casa del segretario leghista Mario Bellei Bellei ha anche aggiunto "
     "parole decise.", ["Mario Bellei"]),
    # a salutation is no part of the name; a preposition closing one is ("Dalla")
    ("Carissima Tania, ti scrivo da Roma.", ["Tania"]),
    ("È morto il cantautore bolognese Lucio Dalla.", ["Lucio Dalla"]),
])
def test_words_around_a_name_that_are_not_part_of_it(cfg, body, expected):
    assert [p.name for p in extract(cfg, body).people] == expected


def test_variants_and_transliterations_merge_within_an_article(cfg):
    a = extract(cfg, "Il ministro Aleksandr Novak ha parlato a lungo. "
                     "Più tardi Alexandr Novak ha lasciato Mosca.")
    assert [p.name for p in a.people] == ["Aleksandr Novak"]
    assert people(a)["Aleksandr Novak"] == ["Aleksandr Novak", "Alexandr Novak"]


def test_dateline_place_is_one_facet_value(cfg):
    a = extract(cfg, "MIRANDOLA Erano a bordo della loro auto quando i carabinieri di "
                     "Mirandola li hanno fermati.")
    assert "Mirandola" in a.places
    assert not [p for p in a.places if p != "Mirandola" and "Mirandola" in p.title()]


@pytest.mark.parametrize("opening", ["MIRANDOLA. Si aggira", "SERRAMAZZONI, ieri sera si aggira",
                                     "SASSUOLO - Si aggira"])
def test_a_dateline_in_capitals_is_a_place_not_an_organisation(cfg, opening):
    a = extract(cfg, f"{opening} sui 20mila euro il valore del bottino portato via dai ladri.")
    name = opening.split()[0].strip(".,").title()
    assert name in a.places
    assert name not in a.organizations and name not in [p.name for p in a.people]


def test_roles_organisations_and_headline_words_are_not_people(cfg):
    a = extract(cfg, "Il portavoce ha parlato. La Casa Bianca e il Cremlino tacciono. "
                     "Lunedì il presidente ha firmato.")
    assert a.people == []
    assert {"Casa Bianca", "Cremlino"} <= set(a.organizations)


@pytest.mark.parametrize(("body", "organisation", "person"), [
    # sentences of DICE articles (dice-6161, dice-3752, dice-4093) where the tagger took
    # the organisation for a person, and Facta's facta-0162: the gazetteer knows them
    ("Eugenia Bergamaschi, presidente Confagricoltura: «Faccio appello alle autorità "
     "competenti: la sicurezza è diventata una questione urgente e serve incrementare la "
     "vigilanza».", "Confagricoltura", "Eugenia Bergamaschi"),
    ("«Va tenuto conto anche delle nuove tecnologie che usano i ladri specializzati in questo "
     "tipo di furti - conclude il presidente di Federconsumatori Modena, Maurizio Guidotto - ci "
     "sono dei macchinari che in pochi secondi decriptano il Pin dalla carta».",
     "Federconsumatori", "Maurizio Guidotto"),
    ("«L'auspicio che i malviventi siano assicurati quanto prima alla giustizia», conclude "
     "Confesercenti.", "Confesercenti", None),
    ("Inoltre, lo stesso Consiglio d’Europa ha comunicato in una nota esplicativa affiancata al "
     "testo della Convenzione che «nessuna disposizione della presente Convenzione può garantire "
     "diritti agli individui tramite la mera ratifica».", "Consiglio d’Europa", None),
])
def test_organisations_of_the_gazetteer_are_not_people(cfg, body, organisation, person):
    a = extract(cfg, body)
    names = [p.name for p in a.people]
    assert organisation in a.organizations
    assert not [n for n in names + a.speakers if organisation.split()[0] in n]
    assert names == ([person] if person else [])
    assert a.speakers == names  # the quote is the person's ...
    if person is None:
        assert a.sources == [organisation]  # ... or the organisation's, stated by it


def test_a_short_form_gives_the_organisation_its_canonical_name(cfg):
    a = extract(cfg, "Il Tar del Lazio ha respinto il ricorso. Secondo il Csm, ha detto Marco "
                     "Rossi, i tempi sono lunghi; i Nas hanno sequestrato la merce.")
    assert {"Tribunale amministrativo regionale", "Consiglio superiore della magistratura",
            "Nas"} <= set(a.organizations)
    assert [p.name for p in a.people] == ["Marco Rossi"]


def test_a_publisher_is_not_a_person(cfg):
    # the tagger reads "la redazione di Facta" as a person; Facta is a publisher (sources.yaml)
    a = extract(cfg, "Il 29 marzo 2021 la redazione di Facta ha ricevuto via WhatsApp la "
                     "richiesta di verificare la notizia. Secondo Mario Rossi è sicuro.")
    assert [p.name for p in a.people] == ["Mario Rossi"]


@pytest.mark.parametrize(("body", "expected"), [
    # a publisher's whole name, the minute of a video, a verb opening a sentence
    ("Lo ha spiegato Pagella Politica. Matteo Renzi parla di tasse. (Min. 36:47)",
     ["Matteo Renzi"]),
    ("I suoi conti tornano? Verifichiamo. Vediamole. Secondo Mario Rossi sì.",
     ["Mario Rossi"]),
    # media after "i colleghi di", a brand written in camel case, a company S.p.A.
    ("Come hanno verificato i colleghi di Newsweek, il profilo su LinkedIn di Mario Rossi "
     "è falso.", ["Mario Rossi"]),
    ("Il software fu sviluppato dalla società Gemma S.p.A. per il Comune.", []),
    ("Lo sviluppano Inovio Pharmaceuticals e Kentucky Bioprocessing, dice Mario Rossi, in "
     "una foto di Getty Images.", ["Mario Rossi"]),
    ("Il sito di fact-checking francese Lci ha scritto che la norma non esiste.", []),
])
def test_media_brands_and_headline_words_are_not_people(cfg, body, expected):
    assert [p.name for p in extract(cfg, body).people] == expected


@pytest.mark.parametrize(("body", "person"), [
    ("Il traffico è bloccato tra Murano e Sant’Elena da ieri, dice Mario Rossi.", None),
    ("Il jet è atterrato all’aeroporto di Filton, ha detto Mario Rossi.", None),
    # one comma is an apposition, and a hometown's "di" a person
    ("Il portavoce dei Talibani in Afghanistan, Dudallah, ha affermato che è vivo.",
     "Dudallah"),
    ("I cittadini di Wadowice, città natale di Wojtyla, sono preoccupati.", "Wojtyla"),
])
def test_a_name_listed_with_places_is_a_place(cfg, body, person):
    names = [p.name for p in extract(cfg, body).people]
    assert names == [person or "Mario Rossi"]


@pytest.mark.parametrize(("body", "expected"), [
    # a noun with an accent names the kind of the name after it ("università", "città")
    ("Secondo lo studio dell’Università Carlo Cattaneo, ha detto Mario Rossi, è così.",
     ["Mario Rossi"]),
    # ... unless it completes a role: the name is then the role's holder
    ("Alla presenza del presidente dell’università Mario Monti è stato firmato.",
     ["Mario Monti"]),
    ("Ha parlato il presidente del comitato regionale lombardo Massimo Bugada.",
     ["Massimo Bugada"]),
    # a programme after "ospite a", a building, a gallery, a street abroad
    ("Il 23 luglio, ospite a Coffee Break su La7, il senatore Ettore Licheri ha parlato.",
     ["Ettore Licheri"]),
    ("L’edificio Konrad Adenauer e la galleria Don Guanella costano, dice Mario Rossi.",
     ["Mario Rossi"]),
    ("La banca è all’angolo tra Rue du Colisée e Avenue Franklin Roosevelt, a Parigi.", []),
    # Italian names of countries and capitals are places, in a list or alone
    ("Il paese è quinto, dopo Lettonia, Lituania, Polonia e Croazia, dice Mario Rossi.",
     ["Mario Rossi"]),
    ("È il lago di Basilea, che Grillo confonde con Berna.", ["Grillo"]),
    # a speech verb opening a sentence is not the first word of the name after it
    ("Abbiamo trovato la porta aperta. Racconta Bonacini che erano due.", ["Bonacini"]),
    # a shop, a bar, a school named after someone; a full name there is a person
    ("I ladri sono entrati nel bar Paolo e nella pasticceria Dondi in stradello Riva, "
     "dice Mario Rossi.", ["Mario Rossi"]),
    ("Il titolare del bar Moka è esasperato. Al bar Mario Rossi ha detto che erano due.",
     ["Mario Rossi"]),
    # a vehicle or a part by its make
    ("Nella notte è sparito anche il mezzo pesante (un autoarticolato Scania) e i ricambi "
     "Maserati dell'autofficina Mazzuchelli, dice Mario Rossi.", ["Mario Rossi"]),
    # a vaccine, an enzyme: things, in no facet
    ("Secondo il post, il vaccino Fluenz Tertra si somministrebbe tramite tamponi nasali.", []),
    ("Avrebbe scoperto che «la proteina dell’enzima Nagalase veniva aggiunta ai vaccini».", []),
    ("No, il cane Willy non cerca casa, dice Mario Rossi.", ["Mario Rossi"]),
    ("Il dato è falso e compare nel documentario negazionista Plandemic . A dispetto "
     "dell’inganno, il video è stato visto milioni di volte.", []),
    # a list of names after a plural noun: streets, brands; an opener may come first
    ("Ha rubato una borsa dall'auto di una donna, giovedì mattina, tra le vie Aldo Moro e "
     "Carlo Marx.", []),
    ("Il quadrilatero è circoscritto dalle vie: Buon Pastore, Sigonio, Peretti e strada "
     "Morane.", []),
    ("Hanno rubato pelletteria firmata da marchi di fama internazionale come Chanel, Louis "
     "Vuitton e Gucci.", []),
    ("Noi teniamo firme quali Manila Grace e Guess, spiega Elisa Ferrari.", ["Elisa Ferrari"]),
    # ... but not the people a longer phrase without an opener leads to
    ("Nel mirino sono finite le aziende guidate da Andrea Manfredini e Paolo Morselli.",
     ["Andrea Manfredini", "Paolo Morselli"]),
])
def test_what_a_noun_before_a_name_says_it_is(cfg, body, expected):
    assert [p.name for p in extract(cfg, body).people] == expected


@pytest.mark.parametrize("title, body, expected", [
    # what a noun says of a name holds in the whole article (DICE, Facta, Pagella)
    ("", "Chiasso e tutto il Canton Ticino non hanno registrato decessi. Vale anche nel Canton "
     "Ticino, al quale appartiene il comune di Chiasso.", []),
    ("", "L'operazione Mare Nostrum è stata sostituita dall'operazione europea Triton "
     "(condotta dall'agenzia Frontex). È stata criticata perchè molto meno ampia ( Triton "
     "aveva un budget di 3 milioni al mese contro i 9 milioni di Mare Nostrum ).", []),
    ("", "I ladri hanno colpito tra via Villavara e via Bosco. Il colpo di Villavara, stando a "
     "quanto hanno raccontato le vittime, è avvenuto tra l'una di notte e le 6.30 di ieri.",
     []),
    ("", "Nuovo colpo alle scuole Marconi. Un ladro si è intrufolato all'interno della "
     "struttura. Proprio alla scuola media Marconi di largo Pucci un ladro era entrato "
     "nottetempo all'inizio di marzo.", []),
    ("No, il cane Willy non cerca casa. È stato adottato nel 2017",
     "L’immagine è accompagnata da questo testo: «Lui è Willy, tre anni.", []),
    ("", "La Lega chiede chiarezza sui rapporti tra la Neri e l'ente di formazione Memo. «È "
     "nota la collaborazione - continua Bargi - tra Memo e la Neri».", ["Bargi"]),
    ("", "La notizia è stata pubblicata l’11 aprile 2020 dal sito di notizie argentino "
     "Contexto de Tucumán , e si rifà a fatti reali. Nonostante tragga spunto da fatti "
     "reali, la notizia diffusa da Contexto è però riportata in modo scorretto.", []),
    # ... but a shop is named after someone, who may be in the article too
    ("", "Furto nella notte al bar Lili di via della Pace. Lili, la titolare, ha commentato: "
     "«Non è la prima volta».", ["Lili"]),
    # a short form in brackets after its long form
    ("", "Lo studio ha misurato la saturazione dell’ossigeno in 15 veterani affetti da grave "
     "broncopneumopatia cronica ostruttiva (Bpco). La Bpco è una malattia infiammatoria "
     "cronica dei polmoni.", []),
    # a known medium or person and the next person, read by the tagger as one name
    ("", "«Lo abbiamo saputo domenica» ha spiegato il 9 novembre ad Axios Albert Bourla, "
     "amministratore delegato di Pfizer.", ["Albert Bourla"]),
    ("Questa foto dell’oppositore di Putin Alexei Navalny è falsa", "La foto circola sui "
     "social.", ["Vladimir Putin", "Alexei Navalny"]),
    # a virus is no one (Facta)
    ("", "Non si parla di un generico coronavirus, ma del Sars-Cov-2. Hcov-NL63?  Hcov-HKU1?  "
     "Sars-Cov?  Mers-Cov?  Sars-Cov-2.", []),
    # a local business by its trade (DICE)
    ("", "Il complesso ospita il bar Free Birds, Casa Graziella e lo showroom di Ceramiche "
     "Ricchetti, dice Mario Rossi.", ["Mario Rossi"]),
    # a name of common English words only (Facta, Pagella)
    ("", "La dichiarazione è stata ripresa da istituzioni e organizzazioni umanitarie, tra "
     "cui Amnesty International , Education Cannot Wait e l’ Unione europea.", []),
    ("", "Il post è stato pubblicato il 26 luglio su Facebook dalla pagina Cani Gatti & Co: "
     "Luxury Pets.", []),
    ("", "Hanno trovato l’accordo per una nuova linea di credito per il Mes – chiamata "
     "Pandemic Crisis Support – che potrà erogare prestiti agli Stati.", []),
    # a place of the shipped list with a name of two words
    ("", "Colpi in Veneto (Bassano del Grappa, Roncade, Vicenza, Arquà Polesine, Castagnaro, "
     "Caldogno, Verona).", []),
    ("", "E intanto anche San Marino si organizza contro le razzie.", []),
    # vehicles and parts by their make
    ("", "Hanno caricato la refurtiva su un furgone Mercedes Sprinter, dice Mario Rossi.",
     ["Mario Rossi"]),
])
def test_a_name_is_what_the_article_says_it_is(cfg, title, body, expected):
    assert [p.name for p in extract(cfg, body, title=title or None).people] == expected


def test_a_common_given_name_opens_a_full_name(cfg):
    # DICE: "Antonina" was no given name of names.yaml, so the full name was not joined
    a = extract(cfg, "Il ladro solitario ha preso di mira la boutique Antiba di Antonina "
                     "Ragusa. Ad accorgersi di cosa accadeva è stato il fornaio di fronte. "
                     "«L'unica volta che abbiamo lasciato i soldi in negozio - commenta "
                     "Antonina amareggiata - saranno stati 1.500 euro. Non era mai accaduto».")
    assert [p.name for p in a.people] == ["Antonina Ragusa"]
    assert a.speakers == ["Antonina Ragusa"]


def test_media_and_platforms_fact_checks_cite_are_no_people(cfg):
    a = extract(cfg, "Si tratta di un articolo pubblicato il 31 gennaio 2021 da Dagospia. "
                     "L’articolo di Dagospia cita due diversi finanzieri. Il video è circolato "
                     "sui social media cinesi e in particolare su Weibo grazie ad un post.")
    assert a.people == []
    assert "Dagospia" in a.cited_media and "Weibo" in a.organizations


def test_a_short_form_before_its_long_form_in_brackets_is_an_organisation(cfg):
    a = extract(cfg, "Il ricercatore lavora per Crif (Centrale rischi finanziari) da dieci "
                     "anni e conosce bene Crif.")
    assert a.people == [] and a.organizations == ["Crif"]


def test_a_short_form_in_brackets_is_an_organisation_also_after_a_role(cfg):
    # Facta: "(Airc)" after its long form, then "ricercatore Airc"
    a = extract(cfg, "La redazione ha richiesto il parere degli esperti dell’ Associazione "
                     "Italia per la Ricerca contro il Cancro (Airc) , per la quale si è espresso "
                     "il professor Francesco Perrone , nonché ricercatore Airc .")
    assert [p.name for p in a.people] == ["Francesco Perrone"]
    assert "Airc" in a.organizations and "Airc" not in a.places


def test_a_one_word_name_in_a_list_of_known_organisations_is_one(cfg):
    a = extract(cfg, "Ci sono i Rayban, i Dolce & Gabbana, gli Armani e Liu Jo, Versace, "
                     "Safilo e Luxottica.")
    assert "Safilo" not in [p.name for p in a.people]
    assert {"Safilo", "Luxottica"} <= set(a.organizations)


def test_a_cabinet_named_after_its_premier_names_the_premier(cfg):
    # the tagger reads "governo Conte II" as an organisation; the people facet wants Conte
    a = extract(cfg, "L’app è stata scelta dal governo Conte II per tracciare i contatti.")
    assert [p.name for p in a.people] == ["Giuseppe Conte"]
    assert "Conte II" not in a.organizations


def test_user_people_file_merges_known_variants(tmp_path):
    user = tmp_path / "searchidx.yaml"
    user.write_text("people:\n  people:\n    Giovanni Toti:\n      aliases: [G. Toti, Toti]\n"
                    "      role: governatore della Liguria\n", encoding="utf-8")
    cfg = load_config(user)
    a = extract_article(RawArticle(id="t", path="t", body="Toti ha parlato a Genova."), cfg)
    assert [(p.name, p.role) for p in a.people] == [("Giovanni Toti", "governatore della Liguria")]
    assert "Vladimir Putin" in cfg["people"]["people"]  # defaults are kept


# --- speakers and quotes -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "speaker", "kind"), [
    ("«Non ci fermeremo mai», ha detto il ministro Marta Cartabia ai giornalisti.",
     "Marta Cartabia", "direct"),
    ("Il questore Luigi Rinella ha spiegato: “Le indagini proseguono senza sosta”.",
     "Luigi Rinella", "direct"),
    ("Paolo Gentiloni, commissario europeo, ha dichiarato che il piano è pronto.",
     "Paolo Gentiloni", "indirect"),
    ("Secondo Elena Cattaneo, la ricerca va finanziata di più.", "Elena Cattaneo", "indirect"),
    ("Il piano va rivisto, come ha spiegato Carlo Cottarelli ieri sera.",
     "Carlo Cottarelli", "indirect"),
    ("Giorgio Parisi ha espresso dubbi sul progetto, sottolineando che i dati mancano.",
     "Giorgio Parisi", "indirect"),
])
def test_speaker_patterns(cfg, text, speaker, kind):
    a = extract(cfg, text)
    assert a.speakers == [speaker]
    assert a.quotes[0].kind == kind
    assert a.body[a.quotes[0].start:a.quotes[0].end] == a.quotes[0].text


def test_unnamed_or_institutional_speakers_are_nobody(cfg):
    a = extract(cfg, "I funzionari statunitensi hanno detto che i colloqui procedono. "
                     "La Casa Bianca ha dichiarato che Kim Jong-un sarà in Russia. "
                     "L’agenzia Reuters ha riferito che il treno è arrivato.")
    assert a.speakers == []
    assert "Kim Jong-un" in people(a)
    # organisations and media stating something are sources of their quotes, never speakers
    assert [(q.speaker, q.source, q.verb) for q in a.quotes] == [
        (None, "Casa Bianca", "ha dichiarato"), (None, "Reuters", "ha riferito")]
    assert a.sources == ["Casa Bianca"]  # a medium is a cited medium, not a source


def test_speaker_via_role_and_addressee_is_not_speaker(cfg):
    a = extract(cfg, "La portavoce del governo, Chiara Braga, ha parlato ieri. "
                     "Secondo quanto riferito dalla portavoce, il decreto arriverà lunedì. "
                     "Il sindaco ha detto al ministro Mario Rossi che serve altro tempo.")
    assert a.speakers == ["Chiara Braga"]


def test_scare_quotes_and_titles_are_not_speech(cfg):
    a = extract(cfg, "Mario Rossi ha letto «Scena 1» e il libro “Il nome della rosa” a Roma.")
    assert a.quotes == []


# --- media, publisher ------------------------------------------------------------------------

def test_cited_media_aliases_and_introduced_names(cfg):
    a = extract(cfg, "Come riporta reuters, e secondo l’Agence France-Presse e l’AFP, "
                     "il quotidiano sudcoreano Chosun Ilbo conferma.")
    assert a.cited_media == ["Reuters", "Agence France-Presse", "Chosun Ilbo"]
    assert "Chosun Ilbo" not in people(a)


@pytest.mark.parametrize(("publisher", "url", "expected"), [
    ("globalist", None, "Globalist.it"),
    ("Il Giornale di Vicenza", None, "Il Giornale di Vicenza"),
    (None, "https://www.facta.news/notizia-falsa/2021/x", "Facta"),
    (None, "https://esempio.example/x", None),
    (None, None, None),
])
def test_publisher_is_normalised_never_invented(cfg, publisher, url, expected):
    assert extract(cfg, "Testo breve.", publisher=publisher, url=url).publisher == expected


# --- dates, topics, key phrases ------------------------------------------------------------

def test_dates_mentioned_resolve_against_the_article_date(cfg):
    body = ("Il vertice del 10 settembre 2023 è stato rinviato al 5 ottobre; "
            "nel 2019 andò diversamente, a marzo 2020 pure. Lunedì si vedrà, "
            "la visita è attesa a novembre. "
            "Il 31 febbraio 2023 non esiste, ma 2000 persone sì.")
    got = extract(cfg, body, date=DateValue.of(2023, 9, 1)).dates_mentioned
    assert [(d["text"], d["value"], d["precision"]) for d in got] == [
        ("10 settembre 2023", "2023-09-10", "day"),
        ("5 ottobre", "2023-10-05", "day"),
        ("2019", "2019", "year"),
        ("marzo 2020", "2020-03", "month"),
        ("novembre", "2023-11", "month"),
    ]
    assert all(body[d["start"]:d["end"]] == d["text"] for d in got)
    undated = [d["text"] for d in extract(cfg, body).dates_mentioned]
    assert undated == ["10 settembre 2023", "2019", "marzo 2020"]


DATE_TEXT = st.lists(st.sampled_from(
    ["10", "5", "31", "2023", "1999", "٣", "05/09/2023", "settembre", "Dicembre", "sett.", "mar",
     "nel mese di", "entro", "a", "in", "dal", "marzo", "l'8", "x2023", "°", " ", "\n", ",",
     "Ottobre", "ad", "Gennaio"]), max_size=12).map(" ".join)


@settings(max_examples=300)
@given(text=DATE_TEXT)
def test_the_date_pattern_finds_what_its_branches_find(cfg, text):
    """The first-character test in front of the date branches only saves time."""
    pattern = resources_for(cfg).date_pattern
    prefix = pattern.pattern.index("(?:") + len("(?:")
    branches = re.compile(pattern.pattern[prefix:-1], pattern.flags)
    assert ([m.groupdict() | {"at": m.span()} for m in pattern.finditer(text)]
            == [m.groupdict() | {"at": m.span()} for m in branches.finditer(text)])


@settings(max_examples=300)
@given(text=DATE_TEXT.map(lambda t: t.replace("mar", "İMar")))
def test_the_lowercase_date_scan_finds_what_ignoring_case_finds(cfg, text):
    """The date pattern runs over the lowercased text (it is faster than
    re.IGNORECASE): the same dates at the same offsets, even where a character
    lowercases into two."""
    from searchidx.extraction.mentioned_dates import same_length_lower

    pattern = resources_for(cfg).date_pattern
    ignoring_case = re.compile(pattern.pattern, re.IGNORECASE)

    def found(matches):
        return [({k: v and v.lower() for k, v in m.groupdict().items()}, m.span())
                for m in matches]

    assert (found(pattern.finditer(same_length_lower(text)))
            == found(ignoring_case.finditer(text)))


# the tokenizer's pattern as first written: its faster form must cut text the same way
_PLAIN_TOKEN = re.compile(r"[^\W\d_]+['’`](?=[^\W\d_])|[^\W\d_](?:\.[^\W\d_])*\.(?=\s+[^\W\d_])"
                          r"|\w+(?:[-‐‑]\w+)*|\S")


@settings(max_examples=500)
@given(text=st.text(alphabet="aBèLxy9_'’`-‐‑. \n,İ", max_size=40))
def test_the_token_pattern_cuts_as_the_plain_one(text):
    from searchidx.extraction.text import _TOKEN

    assert ([m.span() for m in _TOKEN.finditer(text)]
            == [m.span() for m in _PLAIN_TOKEN.finditer(text)])


def test_day_month_near_new_year_takes_the_nearest_year(cfg):
    got = extract(cfg, "L’arresto risale al 28 dicembre.", date=DateValue.of(2021, 1, 3))
    assert [d["value"] for d in got.dates_mentioned] == ["2020-12-28"]


def test_topics_and_keyphrases_on_crime_and_covid_news(cfg):
    crime = extract(cfg, "I carabinieri hanno arrestato due ladri dopo il furto in un negozio. "
                         "La refurtiva è stata restituita; i ladri sono stati denunciati "
                         "per furto aggravato.")
    assert "criminalità" in crime.topics and "cronaca" in crime.topics
    covid = extract(cfg, "Il Covid-19 continua a correre: la pandemia ha fatto salire i "
                         "contagi, e il vaccino anti-Covid resta la via d’uscita dalla pandemia.")
    assert "covid-19" in covid.topics and "criminalità" not in covid.topics
    assert extract(cfg, "Una giornata qualunque.").topics == []


# --- the tagger ------------------------------------------------------------------------------

def test_tagger_on_a_kind_slice(cfg):
    """Person mentions on 300 KIND dev sentences: a regression guard, not the benchmark
    (scripts/eval_extraction.py measures the whole corpus)."""
    tp = fp = fn = 0
    for k, sentence in enumerate(read_kind(FIXTURES / "extraction" / "kind_dev_slice.tsv")):
        a = extract_article(RawArticle(id=str(k), path="kind", body=sentence.text), cfg)
        pred = {(m.start, m.end) for p in a.people for m in p.mentions}
        gold = {(s, e) for s, e, label in sentence.spans if label == "PER"}
        tp, fp, fn = tp + len(pred & gold), fp + len(pred - gold), fn + len(gold - pred)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.82 and recall >= 0.78, (precision, recall)


def test_tagger_remembers_word_scores_per_lexicon(cfg):
    """Scores of a word's own features are cached on the model; another lexicon (other
    first names) must not reuse them, and cached and fresh models tag alike."""
    import dataclasses

    from searchidx.extraction.tagger import tag
    from searchidx.extraction.text import tokenize

    tokens = tokenize("Ieri Mario Draghi ha incontrato a Roma il ministro Giorgetti e "
                      "Mario Rossi della Banca d'Italia.")
    lex = resources_for(cfg).lexicon
    bare = dataclasses.replace(lex, first_names=frozenset())
    model = Model.from_json(load_model().to_json())
    with_names = tag(tokens, lex, model)
    without = tag(tokens, bare, model)  # the same model, the cache filled for `lex`
    assert with_names != without  # "Mario" as a first name is a feature
    assert without == tag(tokens, bare, Model.from_json(load_model().to_json()))
    assert with_names == tag(tokens, lex, model) == tag(tokens, lex, Model.from_json(
        load_model().to_json()))


def test_kind_sentences_become_text_with_entity_spans():
    s = detokenize(["«", "Lo", "dice", "Massimo", "D'", "Alema", "(", "Pd", ")", "»", "."],
                   ["O", "O", "O", "B-PER", "I-PER", "I-PER", "O", "B-ORG", "O", "O", "O"])
    assert s.text == "«Lo dice Massimo D'Alema (Pd)»."
    assert [(s.text[a:b], label) for a, b, label in s.spans] == [
        ("Massimo D'Alema", "PER"), ("Pd", "ORG")]


def test_case_table_buckets_words_by_how_they_are_written():
    table = case_table(["Oggi a Roma piove. Il sindaco di Roma parla.",
                        "Ieri a Roma e poi oggi di nuovo a Roma.", "Un sindaco parla oggi."])
    assert "roma" in table["U"] and "sindaco" in table["L"]
    assert "oggi" in table["L"]  # "Oggi" opening a sentence does not count


def test_perceptron_learns_and_round_trips():
    per, o = TAGS.index("B-PER"), TAGS.index("O")
    examples = [([["w=rossi", "b"]], [per]), ([["w=roma", "b"]], [o])] * 5
    model = train(examples, epochs=3)
    assert model.viterbi([model.emissions(["w=rossi", "b"])])[0] == [per]
    again = Model.from_json(model.to_json())
    assert again.viterbi([again.emissions(["w=roma", "b"])])[0] == [o]


def test_viterbi_never_starts_or_continues_an_entity_wrongly():
    model = load_model()
    i_org = TAGS.index("I-ORG")
    em = [[0.0] * len(TAGS) for _ in range(3)]
    for row in em:
        row[i_org] = 100.0
    path, _ = model.viterbi(em)
    assert TAGS[path[0]] != "I-ORG"
    for prev, cur in zip(path, path[1:], strict=False):
        assert not (TAGS[cur].startswith("I-") and TAGS[prev][2:] != TAGS[cur][2:])


def test_resources_are_compiled_once_per_config(cfg):
    assert resources_for(cfg) is resources_for(cfg)


# --- robustness ------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(body=st.text(max_size=300), title=st.one_of(st.none(), st.text(max_size=60)),
       publisher=st.one_of(st.none(), st.text(max_size=20)),
       url=st.one_of(st.none(), st.text(max_size=40)))
def test_never_raises_on_any_text(cfg, body, title, publisher, url):
    raw = RawArticle(id="h", path="h", body=body, title=title, publisher=publisher, url=url,
                     date=DateValue.of(2020, 5))
    a = extract_article(raw, cfg)
    for p in a.people:
        for m in p.mentions:
            source = (a.title or "") if m.field == "title" else a.body
            assert source[m.start:m.end] == m.text
    for q in a.quotes:
        assert ((a.title or "") if q.field == "title" else a.body)[q.start:q.end] == q.text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Mario", "Rossi", "«", "»", "“", "”", '"', "ha", "detto",
                                 "che", "secondo", ",", ".", "Casa", "Bianca", "il",
                                 "portavoce", "10", "settembre", "2023", "’", "l’", "\n"]),
                max_size=40))
def test_never_raises_on_name_and_quote_soup(cfg, words):
    body = " ".join(words)
    a = extract(cfg, body)
    for q in a.quotes:
        assert a.body[q.start:q.end] == q.text
