"""Named entities of one text: the tagger's spans reconciled with the gazetteers.

The gazetteer knows names for sure (``Casa Bianca`` is an organisation,
``Kyodo`` a news agency, ``Kim-Jong`` a person); the tagger finds the names
nobody listed. Where both speak about the same words the longer span wins and,
on a tie, the gazetteer.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from ..analysis import fold, name_key
from .resources import Resources
from .tagger import load_model, tag
from .text import Token

_KINDS = {"PER": "person", "ORG": "org", "LOC": "place"}
_DATELINE_ENDS = frozenset({".", ",", "-", "–", "—"})
_SUFFIXES = frozenset({"jr", "sr"})  # "Jr." after a name, like an initial
_VOWELS = frozenset("aeiouyàèéìíòóùúäëïöüâêîôûæøå")
_ORDINALS = frozenset({"ii", "iii", "iv", "bis", "ter"})
_GOVERNMENT = frozenset({"governo", "esecutivo", "gabinetto"})
_COMPANY_TAIL = re.compile(r"\.\s?p\.\s?a\b", re.IGNORECASE)  # "S" + ".p.A.": a company


@dataclass
class Entity:
    kind: str  # "person" | "place" | "org" | "media" | "thing" (in no facet: "il vaccino X")
    a: int  # first token
    b: int  # end token (exclusive)
    canonical: str | None  # from a gazetteer, else None
    start: int  # character offsets
    end: int
    text: str


def _trim_person(tokens: list[Token], a: int, b: int, res: Resources) -> tuple[int, int]:
    """Drop role words, weekdays and other non-name words at the edges of a name, and a
    leading common word capitalised by habit ("ministra dell’Istruzione Lucia Azzolina");
    keep a capitalised particle that opens a surname ("Di Maio", "La Russa") and the
    period of a closing initial ("Antonio G.", "Floyd Mayweather Jr."); a speech verb
    opening a sentence before the name is no part of it ("Racconta Bonacini"). A publisher's
    whole name ("Pagella Politica") is no one: nothing is left of it."""
    if name_key(" ".join(t.text for t in tokens[a:b])) in res.publisher_keys:
        return a, a
    while a < b and (tokens[a].lower in res.roles or tokens[a].lower in res.not_names
                     or not tokens[a].text[0].isalpha()
                     or b - a > 1 and (name_key(tokens[a].text) in res.publisher_keys
                                       or tokens[a].lower in res.finite_verbs)):
        if b - a > 1 and tokens[a].upper and tokens[a].lower in res.lexicon.particles:
            break
        a += 1  # "a Facta Graziano Onder": the publisher is not part of the name
    if b - a >= 3 and res.lexicon.case.get(tokens[a].lower) in ("L", "l") \
            and tokens[a + 1].lower in res.lexicon.first_names:
        a += 1
    government = a > 0 and tokens[a - 1].lower in _GOVERNMENT
    while b > a and (not tokens[b - 1].text[0].isalnum()
                     or tokens[b - 1].lower in res.lexicon.particles
                     or government and b - a > 1 and tokens[b - 1].lower in _ORDINALS
                     or b - a > 1 and _opens_next_sentence(tokens[b - 1], res)):
        b -= 1  # "il governo Conte II" is Conte's second; "Giovanni Paolo II" is a name
    for k in range(a + 1, b):
        if tokens[k].text == tokens[k - 1].text:
            b = k  # "il segretario leghista Bellei Bellei ha": a caption ran into the text
            break
    if b - a > 1 and b < len(tokens) and tokens[b].text == "." \
            and tokens[b].start == tokens[b - 1].end \
            and (len(tokens[b - 1].text) == 1 or tokens[b - 1].lower in _SUFFIXES):
        b += 1
    return a, b


def _opens_next_sentence(tok: Token, res: Resources) -> bool:
    """Whether a capitalised word closing a name is rather the first word of a sentence
    whose stop is missing (a caption: "riportati da Luigi Di Maio Questo stesso dato"):
    a function word or a verb in the first person plural; not a preposition or an
    article, which end surnames ("Lucio Dalla"), nor a month ("l’onorevole Finocchiaro
    Aprile")."""
    word = tok.lower
    if not tok.upper or len(word) <= 2 or word in res.prepositions or word in res.articles:
        return False
    return word in res.function_words or word.endswith(res.verb_endings)


_ACCENTED = str.maketrans({"a": "[aàá]", "e": "[eèé]", "i": "[iìí]", "o": "[oòó]",
                           "u": "[uùú]"})


def _rated_sentences(text: str, tokens: list[Token],
                     res: Resources) -> dict[int, list[tuple[int, int]]]:
    """The sentences holding a fact-checker's quoted rating ("un “C’eri quasi”"), by
    sentence number, with the character spans of the ratings."""
    out: dict[int, list[tuple[int, int]]] = {}
    if not tokens:
        return out
    starts = [t.start for t in tokens]
    for m in _verdict_pattern(res).finditer(text):
        k = max(0, bisect_right(starts, m.start()) - 1)
        out.setdefault(tokens[k].sent, []).append((m.start(), m.end()))
    return out


def _verdict_pattern(res: Resources) -> re.Pattern[str]:
    """A rating of ``speech.yaml``'s verdicts (folded: "nì" is "ni") between quote
    marks."""
    opening = "".join(re.escape(c) for c in res.quote_marks)
    closing = "".join(re.escape(c) for c in res.quote_marks.values())
    words = "|".join(re.escape(v).translate(_ACCENTED)
                     for v in sorted(res.verdicts, key=len, reverse=True))
    return re.compile(rf"[{opening}]\s*(?:{words})\s*[!.]*\s*[{closing}]", re.IGNORECASE)


def _named_after_role(tokens: list[Token], a: int, b: int, res: Resources) -> bool:
    """Whether tokens ``a``-``b`` are a first name and a surname in apposition to a role
    a few words before: "il governatore della Sicilia, Rosario Crocetta," (the tagger
    may read such a name as an organisation)."""
    return (2 <= b - a <= 3 and tokens[a].lower in res.lexicon.first_names
            and all(t.upper and t.text.isalpha() for t in tokens[a:b])
            and a >= 2 and tokens[a - 1].text == ","
            and any(tokens[j].lower in res.roles and tokens[j].sent == tokens[a].sent
                    for j in range(max(0, a - 6), a - 1)))


def _company_tail(text: str, tokens: list[Token], b: int) -> bool:
    """Whether a name ending at token ``b`` is followed by ".p.A." after its last
    "S" ("Gemma S.p.A."), the period of the "S" counted in the name or not."""
    last = b - 2 if b >= 2 and tokens[b - 1].text == "." else b - 1
    return tokens[last].text == "S" and bool(_COMPANY_TAIL.match(text, tokens[last].end))


def _cut_at_case_change(tokens: list[Token], a: int, b: int) -> int:
    """End a name where an upper-case dateline meets the sentence: "MIRANDOLA Erano"."""
    for k in range(a, b - 1):
        t, nxt = tokens[k].text, tokens[k + 1].text
        if len(t) > 2 and t.isupper() and t.isalpha() and not nxt.isupper():
            return k + 1
    return b


def _plausible_person(tokens: list[Token], a: int, b: int) -> bool:
    """A name has a capitalised word with a vowel that is not a bare acronym or a single
    letter ("Cdc", "Bmj", "USA" are not people), and no digit ("Lega-M5s")."""
    if any(c.isdigit() for t in tokens[a:b] for c in t.text):
        return False
    return any(t.upper and len(t.text) > 1 and not (t.text.isupper() and "." not in t.text)
               and any(c in _VOWELS for c in t.lower) for t in tokens[a:b])


def find_entities(text: str, tokens: list[Token], res: Resources) -> list[Entity]:
    """All entities of ``text`` in order, without overlaps."""
    texts = [t.text for t in tokens]
    lowers = [t.lower for t in tokens]
    gaz: list[tuple[int, int, str, str]] = []
    i = 0
    n = len(tokens)
    first = res.gazetteer.by_first
    while i < n:
        hit = (res.gazetteer.match(texts, lowers, i)
               if texts[i] in first or lowers[i] in first else None)
        if hit is None:
            i += 1
            continue
        length, entry = hit
        gaz.append((i, i + length, entry.kind, entry.canonical))
        i += length
    found: list[tuple[int, int, str, str | None]] = list(gaz)
    model = load_model()
    floor = {label: 0.0 for label in model.thresholds}
    rated: dict[int, list[tuple[int, int]]] | None = None
    for a, b, label, margin in tag(tokens, res.lexicon, model, floor):
        if margin < model.thresholds.get(label, 0.0) \
                and not (a > 0 and tokens[a - 1].lower in res.roles):
            if label != "PER":
                continue
            rated = _rated_sentences(text, tokens, res) if rated is None else rated
            spans = rated.get(tokens[a].sent)
            if not spans or any(x <= tokens[a].start < y for x, y in spans):
                continue  # unsure, unless a role introduces it ("la senatrice
                # Lanzillotta") or its sentence rates a claim ("Ambrosoli porta a casa
                # un “Vero”"), the name outside the rating's quotes
        kind = _KINDS[label]
        if kind == "org" and a > 0 and tokens[a - 1].lower in _GOVERNMENT and b - a <= 2:
            kind = "person"  # "il governo Conte II": the tagger reads a cabinet's name
        elif kind == "org" and _named_after_role(tokens, a, b, res):
            kind = "person"  # "il governatore della Sicilia, Rosario Crocetta, osserva"
        b = _cut_at_case_change(tokens, a, b)
        if kind != "person" and all(len(t.text.rstrip(".")) <= 2 for t in tokens[a:b]):
            continue  # "F. S": initials, not an organisation
        if kind == "person":
            a, b = _trim_person(tokens, a, b, res)
            if a >= b:
                continue
            if tokens[a].lower in res.street_words:
                kind = "place"  # "Rue du Colisée", "Avenue Franklin Roosevelt"
            elif b - a > 1 and tokens[a].lower not in res.lexicon.first_names \
                    and tokens[a].lower not in res.lexicon.particles \
                    and " ".join(text[tokens[a].start:tokens[b - 1].end].lower().split()) \
                    in res.place_names:
                kind = "place"  # "Bosco Marengo", "Arquà Polesine": a listed place
            elif any(fold(t.lower) in res.organization_words for t in tokens[a:b]) \
                    or _company_tail(text, tokens, b):
                kind = "org"  # "Paul Ehrlich Institut", "Index Mundi", "Gemma S.p.A."
            elif not _plausible_person(tokens, a, b) \
                    or b - a == 1 and tokens[a].lower.endswith(res.verb_endings):
                continue  # "Verifichiamo.": a verb opening a sentence
            elif b - a > 1 and tokens[a].lower not in res.lexicon.first_names \
                    and all(t.lower in res.english_words for t in tokens[a:b] if t.upper):
                kind = "org"  # "Education Cannot Wait", "Luxury Pets": English words only
            elif b - a == 1 and (_camel_case(tokens[a].text) or _acronym(tokens, a)):
                kind = "org"  # "LinkedIn", "ImolaOggi", "GcMAF": brands; "(Bpco)"
            elif a > 0 and tokens[a - 1].lower in res.lexicon.prefixes \
                    and tokens[a - 1].sent == tokens[a].sent:
                a -= 1  # "suor Rosanna", "don Milani": the prefix is part of the name
        clash = [g for g in gaz if g[0] < b and a < g[1]]
        if kind == "person" and b - a >= 3 and tokens[a + 1].lower in res.lexicon.first_names \
                and tokens[a].lower not in res.lexicon.first_names:
            # "ad Axios Albert Bourla", "l’oppositore di Putin Alexei Navalny": a known
            # medium or person and the next person, read by the tagger as one name
            known = any(g[0] == a and g[1] == a + 1 for g in clash)
            if known or name_key(tokens[a].text) in res.person_keys:
                if not known:
                    found.append((a, a + 1, "person", None))
                a += 1
                clash = [g for g in gaz if g[0] < b and a < g[1]]
        if any(g[1] - g[0] >= b - a for g in clash):
            continue  # a gazetteer name as long or longer covers it
        if clash and kind != "person":
            # an unknown organisation around a known name: keep the known one, and a
            # person right after it ("la Lega Ivo Serra": the tagger read one name)
            rest = max(g[1] for g in clash)
            if b - rest >= 2 and tokens[rest].lower in res.lexicon.first_names:
                a, b = _trim_person(tokens, rest, b, res)
                if a < b and _plausible_person(tokens, a, b):
                    found = [f for f in found if not (f[0] < b and a < f[1])]
                    found.append((a, b, "person", None))
            continue
        if kind != "person" and all(res.lexicon.case.get(t.lower) in ("L", "l")
                                    for t in tokens[a:b] if t.upper):
            continue  # "Esteri", "Dipartimento": common words capitalised, not a name
        found = [f for f in found if not (f[0] < b and a < f[1])]
        found.append((a, b, kind, None))
    found.sort()
    out = []
    for a, b, kind, canonical in found:
        if canonical is None:
            cue = _cue(tokens, a, b, res)
            kind = cue[0] if cue else ("place" if _dateline(tokens, a, b) else kind)
            if kind == "place" and b - a == 1 and _acronym(tokens, a):
                kind = "org"  # "per la Ricerca contro il Cancro (Airc)": no place
        out.append(Entity(kind, a, b, canonical, tokens[a].start, tokens[b - 1].end,
                          text[tokens[a].start:tokens[b - 1].end]))
    return _places_in_lists(tokens, _listed_after_nouns(tokens, out, res), res)


_AND_OR = frozenset({"e", "o"})
_LIST_LINKS = frozenset({",", "e", "ed", "o"})
_LIST_LEAD = 6  # words at most between a plural noun and the opener of its list


def _noun_before_list(tokens: list[Token], a: int, res: Resources) -> str | None:
    """The kind of the plural noun of ``gazetteer.list_nouns`` opening a list whose first
    name starts at token ``a``: right before it ("le vie Zannini, Cavo Cerca"), or before a
    few lowercase words ending with an opener ("marchi di fama internazionale come
    Chanel")."""
    sent = tokens[a].sent
    for j in range(a - 1, max(-1, a - _LIST_LEAD - 3), -1):
        t = tokens[j]
        if t.sent != sent:
            return None
        kind = res.list_nouns.get(t.lower)
        if kind is not None:
            words = tuple(x.lower for x in tokens[j + 1:a])
            return kind if not words or any(words[-len(o):] == o
                                            for o in res.list_openers) else None
        if t.upper or not (t.text.isalpha() or t.text == ":"):
            return None
    return None


def _listed_after_nouns(tokens: list[Token], entities: list[Entity],
                        res: Resources) -> list[Entity]:
    """Unknown people listed after a plural noun of ``gazetteer.list_nouns`` take its
    kind: "tra le vie Aldo Moro e Carlo Marx" (streets), "marchi di fama internazionale
    come Chanel, Louis Vuitton e Gucci" (brands). Each person's list is walked back to
    its first name, and the noun looked for before it."""
    ending = {e.b: k for k, e in enumerate(entities)}  # the token after each entity
    out = list(entities)
    for k, e in enumerate(entities):
        if e.kind != "person" or e.canonical is not None:
            continue
        head = e
        while head.a >= 2 and tokens[head.a - 1].lower in _LIST_LINKS \
                and tokens[head.a - 1].sent == tokens[head.a].sent \
                and (prev := ending.get(head.a - 1)) is not None:
            head = entities[prev]
        kind = _noun_before_list(tokens, head.a, res) if head.a > 0 else None
        if kind is not None:
            out[k] = Entity(kind, e.a, e.b, None, e.start, e.end, e.text)
    return out


def _places_in_lists(tokens: list[Token], entities: list[Entity],
                     res: Resources) -> list[Entity]:
    """A one-word "person" in a list of places is a place too: "dopo Lettonia, Lituania
    e Polonia", "tra Murano e Sant’Elena"; in a list of organisations known as such (by
    the gazetteer or an organisation word) an organisation: "Versace, Safilo e
    Luxottica". Joined by "e"/"o" to one, or by commas to ones on both sides or to one
    that continues the list; not after one comma only ("in Afghanistan, Dudallah, ha
    affermato"), nor a first name ("Carlo e Roma")."""
    def link(x: Entity, y: Entity) -> str | None:
        """The word between two entities one token apart, if it joins a list."""
        if x.b + 1 != y.a:
            return None
        word = tokens[x.b].lower
        return word if word in _AND_OR or word == "," else None

    def sure(e: Entity, kind: str) -> bool:
        if e.kind != kind:
            return False
        return kind == "place" or e.canonical is not None or any(
            fold(t.lower) in res.organization_words for t in tokens[e.a:e.b])

    def neighbour(k: int, kind: str) -> Entity | None:
        return entities[k] if 0 <= k < len(entities) and sure(entities[k], kind) else None

    changed = True
    while changed:
        changed = False
        for k, e in enumerate(entities):
            if e.kind != "person" or e.canonical is not None or e.b - e.a != 1 \
                    or tokens[e.a].lower in res.lexicon.first_names:
                continue
            for kind in ("place", "org"):
                before, after = neighbour(k - 1, kind), neighbour(k + 1, kind)
                left = link(before, e) if before else None
                right = link(e, after) if after else None
                onward = (after is not None and (further := neighbour(k + 2, kind))
                          and link(after, further)
                          or before is not None and (earlier := neighbour(k - 2, kind))
                          and link(earlier, before))
                if left in _AND_OR or right in _AND_OR or left and right \
                        or (left or right) and onward:
                    entities[k] = Entity(kind, e.a, e.b, None, e.start, e.end, e.text)
                    changed = True
                    break
    return entities


_NAME_CAPITALS = re.compile(r"^(?:Mc|Mac|O[’']|D[’']|De|Di|Da|Del|Della|La|Le|Lo|Van|Von)[A-Z]")


def _camel_case(word: str) -> bool:
    """A capital after a lowercase letter inside one word, not in a surname that has one
    ("McCain", "DiCaprio", "LaTorre"): how brands and sites are written."""
    if _NAME_CAPITALS.match(word):
        return False
    return any(x.islower() and y.isupper() for x, y in zip(word, word[1:], strict=False))


def _dateline(tokens: list[Token], a: int, b: int) -> bool:
    """Whether tokens ``a``-``b`` open the text in capitals before a stop, a comma or a
    dash: a dateline ("MIRANDOLA. Si aggira …", "MODENA, 12 marzo"), which names a
    place; the tagger reads a word in capitals as an acronym, an organisation."""
    return (a == 0 and b < len(tokens) and tokens[b].text in _DATELINE_ENDS
            and all(t.text.isupper() for t in tokens[a:b] if t.text.isalpha()))


def _role_of(tokens: list[Token], k: int, res: Resources) -> bool:
    """Whether the noun at ``k`` completes a role ("il presidente dell’università Mario
    Monti", "il Ministro per l’Università Fabio Mussi"): the name after it is the role's
    holder, not the noun's name."""
    for j in range(k - 1, max(-1, k - 4), -1):
        w = tokens[j].lower.rstrip("'’")
        if w in res.roles:
            return True
        if w not in res.prepositions and w not in res.articles:
            return False
    return False


_ACRONYM_LETTERS = (2, 6)  # letters of a short form in brackets: "(Bpco)", "(Airc)"


def _spells(short: str, words: list[str]) -> bool:
    """Whether ``short``'s letters stand in order in ``words``, the first one opening a
    word, and over two words at least (Schwartz and Hearst's match of an abbreviation
    to its long form): "Bpco" in "broncopneumopatia cronica ostruttiva"."""
    letters = [c for c in short.lower() if c.isalnum()]
    long = " ".join(words).lower()
    i = len(long) - 1
    for n in range(len(letters) - 1, -1, -1):
        while i >= 0 and (long[i] != letters[n] or n == 0 and i > 0 and long[i - 1].isalnum()):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return " " in long[i + 1:].strip()


def _acronym(tokens: list[Token], a: int) -> bool:
    """Whether the one word at ``a`` is a short form in brackets after its long form
    ("broncopneumopatia cronica ostruttiva (Bpco)") or before it in brackets ("Airc
    (Associazione italiana per la ricerca sul cancro)"): an organisation's or a thing's
    name, not a person's."""
    word = tokens[a].text
    if not _ACRONYM_LETTERS[0] <= len(word) <= _ACRONYM_LETTERS[1]:
        return False
    sent = tokens[a].sent
    if 0 < a < len(tokens) - 1 and tokens[a - 1].text == "(" and tokens[a + 1].text == ")":
        room = min(len(word) + 5, 2 * len(word))
        before = [t.text for t in tokens[max(0, a - 1 - room):a - 1] if t.sent == sent]
        return _spells(word, before)
    if a + 2 < len(tokens) and tokens[a + 1].text == "(":
        inside = []
        for t in tokens[a + 2:]:
            if t.text == ")" or t.sent != sent:
                break
            inside.append(t.text)
        return 0 < len(inside) <= 2 * len(word) + 3 and _spells(word, inside)
    return False


def _cue(tokens: list[Token], a: int, b: int, res: Resources) -> tuple[str, str] | None:
    """The kind a common noun before a name gives it: "l’agenzia di stampa giapponese
    Kyodo" is a medium, "la società Urban Screen" an organisation, "la stazione
    Serenella" a place. Up to two adjectives and a complement of an organisation's or a
    medium's noun ("l’ente di formazione Memo") may stand between noun and name; after
    "di", only a noun of ``media_nouns_of`` ("i colleghi di Newsweek") or
    ``place_nouns_of`` ("l’aeroporto di Filton") names it; after "a", a noun of
    ``media_nouns_at`` names a programme ("ospite a Omnibus"). A first name and a surname
    after a shop's noun are a person there ("al bar Mario Rossi"). With the kind, the
    noun (folded) that gives it."""
    if a >= 2 and tokens[a - 1].lower in ("a", "ad") \
            and tokens[a - 2].lower in res.media_nouns_at:
        return "media", tokens[a - 2].lower  # "ospite a Omnibus": a programme
    k = a - 1
    skipped = 0
    after_di = False  # "i colleghi (croati) di Faktograf": only the *_nouns_of name it
    while k >= 0 and skipped <= 2:
        w = tokens[k].lower
        if after_di:
            if fold(w) in res.media_nouns_of:
                return "media", fold(w)
            if fold(w) in res.place_nouns_of and k == a - 2:
                return "place", fold(w)  # "l’aeroporto di Filton", not "città natale di Wojtyla"
        else:
            kind = res.cue_nouns.get(fold(w))  # keys are folded: "università", "città"
            if kind is not None:
                if fold(w) in res.business_nouns:
                    # "il titolare del bar Moka", but "al bar Mario Rossi ha detto"
                    full_name = b - a >= 2 and tokens[a].lower in res.lexicon.first_names
                    return None if full_name else (kind, fold(w))
                return None if _role_of(tokens, k, res) else (kind, fold(w))
        if k >= 2 and tokens[k - 1].lower == "di" and not tokens[k].upper \
                and res.cue_nouns.get(fold(tokens[k - 2].lower)) in ("org", "media") \
                and fold(tokens[k - 2].lower) not in res.business_nouns:
            k -= 2  # "l’agenzia di stampa Kyodo", "il sito di tecnologia Gizmondo"
            continue
        if w == "di" and k == a - 1:
            after_di = True
            k -= 1
            continue
        if tokens[k].upper or not tokens[k].text.isalpha() or w in res.function_words:
            return None
        k -= 1
        skipped += 1
    return None


def display_name(text: str) -> str:
    """A name as a facet shows it: spaces normalised, an all-capitals name title-cased."""
    name = " ".join(text.split())
    return name.title() if name.isupper() and len(name) > 4 else name


def surnames(entities: list[Entity], tokens: list[Token]) -> set[str]:
    """Last words of the multiword person names found: what a text calls them later."""
    return {tokens[e.b - 1].text for e in entities
            if e.kind == "person" and e.b - e.a > 1 and len(tokens[e.b - 1].text) > 2}


def add_repeated_names(text: str, tokens: list[Token], entities: list[Entity],
                       names: set[str], res: Resources) -> list[Entity]:
    """Mark a surname standing alone (``Shojgu, in quell’occasione ...``) as the person
    it names elsewhere in the article, where the tagger left it untagged or took it for
    an organisation."""
    if not names:
        return entities
    # "dice Maga" after "Giovanni Maga": the tagger's one-word organisation is the person
    entities = [Entity("person", e.a, e.b, None, e.start, e.end, e.text)
                if e.kind in ("org", "media") and e.canonical is None and e.b - e.a == 1
                and e.text in names else e for e in entities]
    taken = {k for e in entities for k in range(e.a, e.b)}
    added = [Entity("person", k, k + 1, None, t.start, t.end, t.text)
             for k, t in enumerate(tokens)
             if t.text in names and k not in taken and t.lower not in res.not_names]
    if not added:
        return entities
    return sorted(entities + added, key=lambda e: e.a)


def organisations_by_article(tokens: list[Token], entities: list[Entity],
                             names: set[str], res: Resources) -> list[Entity]:
    """A one-word "person" after an elided article ("dell’Inps", "l’Anf") or "lo"
    ("lo Svimez") is an organisation: no one writes "l’Alfano". Not a surname of a
    person named in full in the article, nor one config/people.yaml knows."""
    out = []
    for e in entities:
        if e.kind == "person" and e.canonical is None and e.b - e.a == 1 and e.a > 0:
            before = tokens[e.a - 1]
            if before.sent == tokens[e.a].sent \
                    and before.lower.rstrip("'’") in res.organisation_articles \
                    and e.text not in names and name_key(e.text) not in res.person_keys:
                e = Entity("org", e.a, e.b, None, e.start, e.end, e.text)
        out.append(e)
    return out


def one_sense_per_article(title: tuple[list[Token], list[Entity]],
                          body: tuple[list[Token], list[Entity]], names: set[str],
                          res: Resources) -> tuple[list[Entity], list[Entity]]:
    """A name an article calls an organisation, a medium, a place or a thing once is that
    everywhere in it: "il quotidiano tedesco Welt" … "l’articolo di Welt", "nel comune di
    Chiasso" … "A Chiasso non ci sono vittime". The evidence is a one-word name after a
    noun that gives its kind (not a shop's: "il bar Lili" … "Lili, la titolare"), after
    an organisation's article ("dell’Airc") or a short form in brackets ("(Bpco)"), and
    the first word of a longer name the gazetteer knows or a noun names ("il sito di
    notizie argentino Contexto de Tucumán" … "diffusa da Contexto"). The
    names it relabels are no surname of a person named in full in the article nor of
    config/people.yaml and open with no first name; after a role ("il ministro Alfano",
    but "palazzo Marino") only the article or the brackets relabel it ("dell’Airc" …
    "ricercatore Airc")."""
    # name -> its kind, and whether the evidence is an article or brackets (then a role
    # before a mention does not keep it a person)
    other: dict[str, tuple[str, bool]] = {}
    for tokens, entities in (title, body):
        for e in entities:
            if e.kind != "person" and e.b - e.a > 1 and tokens[e.a].upper \
                    and tokens[e.a].lower not in res.lexicon.first_names \
                    and (e.canonical is not None or _cue(tokens, e.a, e.b, res) is not None):
                # "il sito di notizie argentino Contexto de Tucumán" … "diffusa da Contexto"
                other.setdefault(tokens[e.a].text, (e.kind, False))
            if e.kind == "person" or e.canonical is not None or e.b - e.a != 1:
                continue
            if _acronym(tokens, e.a) or e.a > 0 \
                    and tokens[e.a - 1].lower.rstrip("'’") in res.organisation_articles:
                other[e.text] = ("org", True)  # "(Airc)", "dell’Airc": whatever the tagger read
            elif e.text not in other and (cue := _cue(tokens, e.a, e.b, res)) is not None \
                    and cue[1] not in res.business_nouns:
                other[e.text] = (e.kind, False)
    if not other:
        return title[1], body[1]

    def relabel(tokens: list[Token], entities: list[Entity]) -> list[Entity]:
        out = []
        for e in entities:
            kind, strong = other.get(e.text, (None, False)) \
                if e.kind == "person" and e.canonical is None else (None, False)
            if kind is not None and e.text not in names \
                    and name_key(e.text) not in res.person_keys \
                    and tokens[e.a].lower not in res.lexicon.first_names \
                    and (strong or not (e.a > 0 and tokens[e.a - 1].lower in res.roles)):
                e = Entity(kind, e.a, e.b, None, e.start, e.end, e.text)
            out.append(e)
        return out

    return relabel(*title), relabel(*body)
