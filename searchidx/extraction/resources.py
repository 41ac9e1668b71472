"""Everything extraction needs from the configuration, compiled once per Config.

Gazetteers become token-sequence dictionaries and word lists become sets and
regexes here, so ``extract_article`` only does lookups. The result is cached
per :class:`~searchidx.config.Config` object (weakly: a discarded config frees
its resources).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..analysis import analyze, fold, name_key
from ..config import Config
from ..errors import ConfigError
from .tagger import Lexicon, load_case_table, load_place_names, load_place_words
from .text import tokenize

_CLITICS = ("lo", "la", "li", "le", "ne")  # "dirlo", "sostenerla", "parlarne"


@dataclass
class Entry:
    """One gazetteer name: what it is and its canonical form."""

    kind: str  # "person" | "place" | "org" | "media"
    canonical: str


@dataclass
class Gazetteer:
    """Token-sequence lookup: first token text -> [(token texts, entry)], longest first."""

    by_first: dict[str, list[tuple[tuple[str, ...], bool, Entry]]] = field(default_factory=dict)

    def add(self, name: str, entry: Entry, ignore_case: bool = False) -> None:
        toks = tuple(t.lower if ignore_case else t.text for t in tokenize(name))
        if not toks:
            return
        bucket = self.by_first.setdefault(toks[0], [])
        if any(existing == toks and ic == ignore_case for existing, ic, _ in bucket):
            return  # the first definition wins (canonical names are added first)
        bucket.append((toks, ignore_case, entry))
        bucket.sort(key=lambda item: -len(item[0]))

    def match(self, texts: list[str], lowers: list[str], i: int) -> tuple[int, Entry] | None:
        """Longest entry starting at token ``i``: (number of tokens, entry)."""
        cands = self.by_first.get(texts[i])
        low = self.by_first.get(lowers[i]) if lowers[i] != texts[i] else None
        best: tuple[int, Entry] | None = None
        for bucket in (cands, low):
            if not bucket:
                continue
            for toks, ignore_case, entry in bucket:
                n = len(toks)
                if best is not None and n <= best[0]:
                    break
                seq = lowers if ignore_case else texts
                if tuple(seq[i:i + n]) == toks:
                    best = (n, entry)
                    break
        return best


@dataclass
class Resources:
    """Compiled extraction knowledge for one configuration."""

    lexicon: Lexicon
    gazetteer: Gazetteer
    not_names: frozenset[str]
    roles: frozenset[str]
    translit: list[tuple[str, str]]
    person_keys: dict[str, str]  # name_key / translit key of an alias -> canonical
    person_roles: dict[str, str]
    # dated offices of people.yaml: (role, first day, last day or None), ISO dates
    person_dated_roles: dict[str, tuple[tuple[str, str, str | None], ...]]
    role_synonyms: list[tuple[str, tuple[str, ...]]]  # canonical role word, folded phrase
    organization_words: frozenset[str]  # a word that makes a name an organisation
    street_words: frozenset[str]  # a first word that makes a name a street: "Rue du Colisée"
    place_names: frozenset[str]  # shipped place names of several words: "bosco marengo"
    organisation_articles: frozenset[str]  # "dell’Inps": before a one-word name
    # words between a name and another name of the same person, as word tuples:
    # "(conosciuto come Y)" after the real name, "(al secolo X)" before it
    alias_before: frozenset[tuple[str, ...]]
    alias_after: frozenset[tuple[str, ...]]
    alias_fillers: frozenset[str]
    auxiliaries: frozenset[str]
    adverbs: frozenset[str]
    subject_openers: frozenset[str]  # "e il Tribunale ha detto": before an article subject
    subject_articles: frozenset[str]  # the definite articles that open such a subject
    time_nouns: frozenset[str]  # "la settimana scorsa ha detto": when, not who
    institution_nouns: frozenset[str]  # "il Comune di Milano ha spiegato": an institution
    participles: frozenset[str]  # every gender and number
    agent_participles: frozenset[str]  # those that name the speaker after "da"
    finite_verbs: frozenset[str]
    clause_only: frozenset[str]  # speech only before "che", "come", "di", ":" or a quote
    exhortations: frozenset[str]  # ... or "a" + infinitive: "invitava i furlàn a votare"
    platform_prepositions: frozenset[str]  # "come ha scritto su Facebook Carlo Calenda"
    after_quote: frozenset[str]
    gerunds: frozenset[str]  # and infinitives: the speaker is the clause's subject
    # infinitives with a clitic, "dirlo", "sostenerlo": "A dirlo è Rossi" names the speaker
    clitic_infinitives: frozenset[str]
    self_descriptions: frozenset[str]  # "si è detta preoccupata": stems of the adjectives
    according: dict[str, list[tuple[str, ...]]]  # first word -> phrases, longest first
    according_fillers: frozenset[str]
    impersonal: dict[str, list[tuple[str, ...]]]  # first word -> phrases, longest first
    statement_nouns: frozenset[str]
    document_nouns: frozenset[str]
    judgements: frozenset[str]
    judgement_participles: frozenset[str]
    verdicts: frozenset[str]  # folded rating labels
    first_person: frozenset[str]
    first_person_endings: tuple[str, ...]
    checker_openings: dict[str, list[tuple[str, ...]]]  # first word -> phrases
    checker_words: frozenset[str]
    cue_words: frozenset[str]  # every word that may open a speech cue, for a quick skip
    causative_verbs: frozenset[str]  # "fa sapere", "ha fatto notare": the form of "fare"
    causative_words: frozenset[str]  # ... and the word after it
    prepositions: frozenset[str]
    articles: frozenset[str]
    quote_marks: dict[str, str]
    quote_settings: dict[str, Any]
    publisher_keys: dict[str, str]
    domains: dict[str, str]
    cue_nouns: dict[str, str]  # common noun -> the kind of the name after it
    list_nouns: dict[str, str]  # plural noun -> the kind of the names listed after it
    list_openers: frozenset[tuple[str, ...]]  # "marchi ... come Chanel, Gucci"
    business_nouns: frozenset[str]  # "il bar Paolo": cue nouns a full name overrides
    media_nouns_of: frozenset[str]  # "i colleghi di Newsweek": a medium after "di"
    media_nouns_at: frozenset[str]  # "ospite a Omnibus": a programme after "a"/"ad"
    place_nouns_of: frozenset[str]  # "l’aeroporto di Filton": a place after "di"
    verb_endings: tuple[str, ...]  # "Verifichiamo": a capitalised verb, not a name
    english_words: frozenset[str]  # "Education Cannot Wait": a title, not a person
    function_words: frozenset[str]
    topic_terms: list[tuple[str, tuple[str, ...], float]]  # topic, term sequence, weight
    # first term of a sequence -> the indices of topic_terms that start with it
    topic_starts: dict[str, list[int]]
    topic_settings: dict[str, Any]
    keyphrase_settings: dict[str, Any]
    keyphrase_stop: frozenset[str]
    keyphrase_links: frozenset[str]
    keyphrase_stop_endings: tuple[str, ...]
    months: dict[str, int]
    year_cues: frozenset[str]
    year_range: tuple[int, int]
    date_pattern: re.Pattern[str]
    # word -> whether key phrases may use it: a cache filled by topics.keyphrases,
    # since an archive repeats the same few thousand words
    keyphrase_words: dict[str, bool] = field(default_factory=dict)


def _first_terms(topic_terms: list[tuple[str, tuple[str, ...], float]]) -> dict[str, list[int]]:
    starts: dict[str, list[int]] = {}
    for k, (_, seq, _) in enumerate(topic_terms):
        starts.setdefault(seq[0], []).append(k)
    return starts


def _words(items: Iterable[Any]) -> frozenset[str]:
    return frozenset(fold(str(x)) for x in items)


def _lower(items: Iterable[Any]) -> frozenset[str]:
    """Lowercased, not folded: compared with token text, where "è" is not "e"."""
    return frozenset(str(x).lower() for x in items)


def _alternation(phrases: Iterable[str]) -> str:
    """Regex alternation of phrases, longest first, spaces matching any whitespace."""
    parts = sorted({str(p).strip() for p in phrases if str(p).strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)


_PLACES: tuple[frozenset[str], frozenset[str]] | None = None


def _iso_day(value: Any, first: bool) -> str:
    """A people.yaml date (``2014-02-22``, ``2014-02``, ``2014``; YAML may read it as a
    date or a number) as an ISO day: the first or the last day it can mean."""
    text = str(value or "")
    parts = text.split("-")
    if len(parts) == 1:
        return f"{text}-01-01" if first else f"{text}-12-31"
    if len(parts) == 2:
        return f"{text}-01" if first else f"{text}-31"
    return text


def _places() -> tuple[frozenset[str], frozenset[str]]:
    """The shipped place list's words, and its names of two words or more lowercased."""
    global _PLACES
    if _PLACES is None:
        names = load_place_names()
        _PLACES = (load_place_words(names),
                   frozenset(n.lower() for n in names if len(n.split()) > 1))
    return _PLACES


def _phrases(items: Iterable[Any]) -> dict[str, list[tuple[str, ...]]]:
    """Lowercased word sequences by first word, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for phrase in items:
        words = tuple(str(phrase).lower().split())
        if words:
            out.setdefault(words[0], []).append(words)
    for phrases in out.values():
        phrases.sort(key=len, reverse=True)
    return out


def participle_forms(items: Iterable[Any]) -> frozenset[str]:
    """Every gender and number of past participles given in the masculine singular:
    "detto" -> detto, detta, detti, dette."""
    out = set()
    for word in items:
        w = str(word).lower()
        out.add(w)
        if w.endswith("o"):
            out.update(w[:-1] + end for end in "aie")
    return frozenset(out)


_LIST_KINDS = ("place", "org", "media", "thing")


def _list_nouns(section: dict[str, Any]) -> dict[str, str]:
    """``gazetteer.list_nouns``: plural noun -> kind, or a ConfigError naming the noun."""
    out = {}
    for noun, kind in section.items():
        if kind not in _LIST_KINDS:
            raise ConfigError(f"gazetteer.list_nouns.{noun} is {kind!r}: use one of "
                              f"{', '.join(_LIST_KINDS)}")
        out[str(noun).lower()] = str(kind)
    return out


def cue_words(phrase: str) -> tuple[str, ...]:
    """A phrase's words as the tokenizer cuts them, lowercase, one apostrophe: what the
    words of a text are compared with ("all’anagrafe" is "all'" + "anagrafe")."""
    return tuple(t.lower.replace("’", "'") for t in tokenize(phrase))


def translit_key(name: str, pairs: list[tuple[str, str]]) -> str:
    """Spelling-insensitive key: ``Sergej Shojgu`` and ``Sergei Shoigu`` agree."""
    key = name_key(name)
    for a, b in pairs:
        key = key.replace(a, b)
    return key


def _build(config: Config) -> Resources:
    names = config["names"]
    particles = _words(names["particles"])
    roles = _words(names["roles"])
    translit = sorted(((fold(str(a)), fold(str(b))) for a, b in names["transliteration"].items()),
                      key=lambda p: -len(p[0]))
    gaz = Gazetteer()
    person_keys: dict[str, str] = {}
    person_roles: dict[str, str] = {}
    person_dated_roles: dict[str, tuple[tuple[str, str, str | None], ...]] = {}
    for canonical, info in (config["people"].get("people") or {}).items():
        info = info or {}
        aliases = [canonical, *(info.get("aliases") or [])]
        for alias in aliases:
            # a lone surname ("Austin") may be a place: it only names a person the
            # tagger found; longer or hyphenated aliases are recognised as they are
            if len(str(alias).split()) > 1 or "-" in str(alias):
                gaz.add(str(alias), Entry("person", canonical))
            person_keys.setdefault(name_key(str(alias)), canonical)
            person_keys.setdefault(translit_key(str(alias), translit), canonical)
        if info.get("role"):
            person_roles[canonical] = str(info["role"])
        dated = tuple((str(x["role"]), _iso_day(x.get("from"), first=True),
                       _iso_day(x["to"], first=False) if x.get("to") else None)
                      for x in info.get("roles") or [] if x.get("role"))
        if dated:
            person_dated_roles[canonical] = dated
    sources = config["sources"]
    ignore_case = {str(x) for x in sources.get("media_ignore_case") or []}
    for canonical, aliases in (sources.get("media") or {}).items():
        for alias in [canonical, *(aliases or [])]:
            gaz.add(str(alias), Entry("media", canonical), ignore_case=canonical in ignore_case)
    place_words: set[str] = set()
    org_words: set[str] = set()
    gazetteer = config["gazetteer"]
    for kind, section, words in (("place", "places", place_words),
                                 ("org", "organizations", org_words)):
        for canonical, aliases in (gazetteer.get(section) or {}).items():
            for alias in [canonical, *(aliases or [])]:
                gaz.add(str(alias), Entry(kind, canonical))
                words.update(t.lower for t in tokenize(str(alias)) if t.upper)
    cue_nouns = {fold(str(w)): "media" for w in sources.get("media_nouns") or []}
    for kind, key in (("org", "organization_nouns"), ("place", "place_nouns"),
                      ("org", "business_nouns"), ("org", "make_nouns"),
                      ("thing", "thing_nouns")):
        for w in gazetteer.get(key) or []:
            cue_nouns.setdefault(fold(str(w)), kind)
    lexicon = Lexicon(particles=particles, prefixes=_words(names["prefixes"]),
                      first_names=_words(names["first_names"]), world_places=_places()[0],
                      roles=roles, place_words=frozenset(place_words),
                      org_words=frozenset(org_words), case=load_case_table())

    speech = config["speech"]
    participles = participle_forms(speech["participles"])
    claims = speech["title_claims"]

    publisher_keys: dict[str, str] = {}
    for canonical, aliases in (sources.get("publishers") or {}).items():
        for alias in [canonical, *(aliases or [])]:
            publisher_keys.setdefault(name_key(str(alias)), canonical)

    topics = config["topics"]
    topic_terms: list[tuple[str, tuple[str, ...], float]] = []
    for label, keywords in (topics.get("topics") or {}).items():
        for word, weight in (keywords or {}).items():
            terms = tuple(analyze(str(word), config))
            if terms:
                topic_terms.append((str(label), terms, float(weight)))

    dates = config["mentioned_dates"]
    months = {fold(str(k)): int(v) for k, v in dates["months"].items()}
    month_alt = _alternation(months)
    full_months = _alternation(k for k in months if len(k) > 4)
    cues = [str(c).strip().lower() for c in dates["month_cues"] if str(c).strip()]
    # Every branch starts a word with a digit, a month or a cue: testing that
    # first character before the branches halves the time of the search.
    first = "".join(re.escape(c) for c in sorted({p[0] for p in [*months, *cues] if p}))
    # lowercase, searched in lowercased text (mentioned_dates.same_length_lower):
    # twice as fast as the same pattern with re.IGNORECASE
    date_pattern = re.compile(
        rf"\b(?=[\d{first}])(?:"
        rf"\b(?P<day>[0-3]?\d)(?:°|º)?\s+(?P<month>{month_alt})\.?(?:\s+(?P<year>\d{{4}}))?\b"
        rf"|\b(?P<month2>{month_alt})\s+(?P<year2>\d{{4}})\b"
        r"|\b(?P<nd>[0-3]?\d)[/.-](?P<nm>[01]?\d)[/.-](?P<ny>\d{4})\b"
        r"|\b(?P<year3>\d{4})\b"
        rf"|\b(?:{_alternation(cues)})\s+(?P<month3>{full_months})\b(?!\s+\d))")
    lo, hi = (list(dates["year_range"]) + [1900, 2100])[:2]
    kp = topics.get("keyphrases") or {}
    return Resources(
        lexicon=lexicon, gazetteer=gaz, not_names=_words(names["not_names"]), roles=roles,
        translit=translit, person_keys=person_keys, person_roles=person_roles,
        person_dated_roles=person_dated_roles,
        role_synonyms=[(fold(str(canonical)), tuple(fold(str(p)).split()))
                       for canonical, phrases in (names.get("role_synonyms") or {}).items()
                       for p in phrases or []],
        organization_words=_words(gazetteer.get("organization_words") or []),
        street_words=_words(gazetteer.get("street_words") or []),
        place_names=_places()[1],
        organisation_articles=_lower(names["organisation_articles"]),
        alias_before=frozenset(cue_words(str(p)) for p in names["aliases"]["before"]),
        alias_after=frozenset(cue_words(str(p)) for p in names["aliases"]["after"]),
        alias_fillers=frozenset(w for p in names["aliases"]["fillers"] for w in cue_words(str(p))),
        auxiliaries=_lower(speech["auxiliaries"]), adverbs=_lower(speech["adverbs"]),
        subject_openers=_lower(speech["subject_openers"]),
        subject_articles=_lower(speech["subject_articles"]),
        time_nouns=_lower(speech["time_nouns"]),
        institution_nouns=_words(speech["institution_nouns"]),
        participles=participles,
        agent_participles=participles - participle_forms(speech["not_agent_participles"]),
        finite_verbs=_lower(speech["finite"]), after_quote=_lower(speech["after_quote"]),
        clause_only=participle_forms(speech["clause_only"]),
        exhortations=participle_forms(speech["exhortations"]),
        platform_prepositions=_words(speech["platform_prepositions"]),
        gerunds=_lower(speech["gerunds"]) | _lower(speech["infinitives"]),
        self_descriptions=_lower(speech.get("self_descriptions") or []),
        clitic_infinitives=frozenset(f"{w[:-1]}{clitic}" for w in _lower(speech["infinitives"])
                                     for clitic in _CLITICS),
        according=_phrases(speech["according_to"]),
        according_fillers=_words(speech["according_to_fillers"]),
        impersonal=_phrases(speech["impersonal"]),
        statement_nouns=_lower(speech["statement_nouns"]),
        document_nouns=_lower(speech["document_nouns"]),
        judgements=_lower(speech["judgements"]),
        judgement_participles=_lower(speech["judgement_participles"]),
        verdicts=_words(speech["verdicts"]),
        first_person=_lower(claims["first_person"]),
        first_person_endings=tuple(str(e).lower() for e in claims["first_person_endings"]),
        checker_openings=_phrases(claims["checker_openings"]),
        checker_words=_lower(claims["checker_words"]),
        cue_words=frozenset().union(
            participles, _lower(speech["finite"]),
            _lower(speech["judgements"]), _lower(speech["judgement_participles"]),
            _lower(speech["gerunds"]), _lower(speech["infinitives"]),
            (f"{w[:-1]}{clitic}" for w in _lower(speech["infinitives"]) for clitic in _CLITICS),
            _lower(speech["statement_nouns"]), _phrases(speech["impersonal"]),
            _phrases(speech["according_to"]), {"per"},
            _lower(speech.get("causative_words") or [])),
        causative_verbs=_words(speech.get("causative_verbs") or []),
        causative_words=_words(speech.get("causative_words") or []),
        prepositions=_words(speech["prepositions"]), articles=_words(speech["articles"]),
        quote_marks={str(k): str(v) for k, v in speech["quote_marks"].items()},
        quote_settings=dict(speech["quotes"]), publisher_keys=publisher_keys,
        domains={str(k).lower(): str(v) for k, v in (sources.get("domains") or {}).items()},
        cue_nouns=cue_nouns,
        list_nouns=_list_nouns(gazetteer.get("list_nouns") or {}),
        list_openers=frozenset(cue_words(str(p)) for p in gazetteer.get("list_openers") or []),
        business_nouns=frozenset(fold(str(w)) for w in gazetteer.get("business_nouns") or []),
        media_nouns_of=_words(sources.get("media_nouns_of") or []),
        media_nouns_at=_words(sources.get("media_nouns_at") or []),
        place_nouns_of=_words(gazetteer.get("place_nouns_of") or []),
        verb_endings=tuple(str(e).lower() for e in names.get("verb_endings") or []),
        english_words=_lower(names.get("english_words") or []),
        function_words=_words(config["italian"]["stopwords"]),
        topic_terms=topic_terms, topic_starts=_first_terms(topic_terms),
        topic_settings=dict(topics.get("settings") or {}), keyphrase_settings=dict(kp),
        keyphrase_stop=_words(kp.get("stop") or []),
        keyphrase_links=frozenset(str(w).lower() for w in kp.get("links") or []),
        keyphrase_stop_endings=tuple(str(w).lower() for w in kp.get("stop_endings") or []),
        months=months,
        year_cues=_words(dates["year_cues"]), year_range=(int(lo), int(hi)),
        date_pattern=date_pattern)


_CACHE: weakref.WeakKeyDictionary[Config, Resources] = weakref.WeakKeyDictionary()


def resources_for(config: Config) -> Resources:
    """The compiled resources of ``config`` (built on first use)."""
    res = _CACHE.get(config)
    if res is None:
        res = _CACHE[config] = _build(config)
    return res
