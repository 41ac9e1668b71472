"""Who is reported as saying what: direct quotes, indirect speech, statements referred to.

Direct quotes are the text between quotation marks, attributed by the speech verb
next to them (``“…”, ha detto il portavoce del Cremlino Dmitry Peskov``, ``Adrienne
Watson … ha affermato: “…”``), by a statement noun (``«…», il commento dell’assessora
Roberta Cocco``) or by the quote they continue. Indirect speech is a speech verb and
its subject, with or without ``che`` (``X ha detto che …``, ``X sostiene/replica/accusa
…``, ``…, sottolineando che``, ``secondo X``). A statement referred to names a speaker
without its words (``l’affermazione di Marino``, ``quanto detto da Alemanno``, ``Maroni
non sbaglia``, ``un “Vero” per Letta``).

A speaker is a person named in the article. A role (``il premier``, ``il leader della
Lega``) resolves to the person of the article introduced with it, the nearest before
first; ``quest’ultimo`` to the person named last; a verb without a subject (``Ha poi
aggiunto che …``) to the last speaker. An organisation or a medium that states something
is the quote's ``source``, never a speaker, and a quote whose speaker is not named
(``«…», si legge nel post``) has none: it is never guessed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from ..analysis import fold
from ..models import Quote
from .entities import Entity
from .resources import Resources
from .text import Token

_QUOTE_CHARS = frozenset("“”«»\"„")
_STOPS = frozenset(",;:.!?()[]“”«»\"–—")
# what may stand between a speech verb and "che": "ha detto ieri ai giornalisti che",
# "ha riferito, citando una fonte ufficiale russa, che", "ha dichiarato (min. 1:40) che"
_CHE = re.compile(r"(?:\s*(?:,[^,.;:!?()]{0,60},|\([^()]{0,60}\)))?"
                  r"\s*(?:[^\s,.;:!?“”«»\"]+\s+){0,4}?che\b", re.IGNORECASE)
_DI = frozenset({"di", "del", "della", "dello", "dell", "dei", "degli", "delle"})
# "ha chiesto al governo, tra le altre cose, di rimandare …": the words asked or told
# to someone, an infinitive after the indirect object (and an aside)
_TO_DI_INFINITIVE = re.compile(
    r"\s+(?:a|ad|al|allo|alla|ai|agli|alle|all['’])\s*(?:[^\s,.;:!?“”«»\"]+(?:\s+|(?=,))){0,3}?"
    r"(?:,[^,.;:!?()]{0,60},\s*)?(?P<di>di)\s+"
    r"(?:\w+(?:re|rsi|rlo|rla|rli|rle|rne|rci|rvi|rgli)|aver|esser)\b", re.IGNORECASE)
# "Grillo invitava i furlàn a votare": what an exhortation asks, "a" + an infinitive after
# the one exhorted (a few words, no stop)
_OBJECT_A_INFINITIVE = re.compile(
    r"\s+(?:[^\s,.;:!?“”«»\"]+\s+){0,5}?(?P<a>a|ad)\s+"
    r"\w+(?:re|rsi|rlo|rla|rli|rle|rne|rci|rvi|rgli)\b", re.IGNORECASE)
_DA = frozenset({"da", "dal", "dalla", "dallo", "dall", "dai", "dagli", "dalle"})
_RELATIVES = frozenset({"che", "quale", "quali", "cui"})
_LAST_NAMED = frozenset({"costui", "costei"})
_ULTIMO = frozenset({"ultimo", "ultima"})  # after "quest’": the person named last
_FORMER = frozenset({"ex", "allora", "già"})  # "l’ex sindaco", "l’allora premier"
# what may open a sentence whose verb has no subject: "E ha poi aggiunto che …"
_OPENERS = frozenset({"e", "ed", "ma", "poi", "inoltre", "infine", "anche", "quindi", "però",
                      "infatti", "intanto", "invece", "allora", "successivamente"})
_TIMESTAMP = re.compile(r"\s*\((?:min\.?\s*)?[-–]?\d{1,3}[:.]\d{2}\)\s*\.?\s*$", re.IGNORECASE)
_ESSERE = frozenset({"è", "sono", "era", "erano"})  # with a participle: a passive
_ESSERE_NOW = _ESSERE | {"fu", "furono", "sarà", "saranno"}  # "A dirlo è Rossi"
_STATO = frozenset({"stato", "stata", "stati", "state"})
_DIRSI_FINITE = frozenset({"dice", "dicono", "diceva", "dicevano", "disse", "dissero"})
_DETTO = frozenset({"detto", "detta", "detti", "dette"})
_STARE = frozenset({"sta", "stava", "stanno", "stavano", "stia", "stesse"})
_DETERMINERS = frozenset({"questa", "questo", "quella", "quello", "sua", "suo", "sue", "suoi",
                          "nostra", "nostro", "ogni", "nessuna", "nessun", "alcuna", "una",
                          "un", "un’", "un'", "unica", "prima", "ultima", "nuova"})
# words after which a subject follows its verb: "Lo ha detto Rossi", "come ricorda
# Rossi", "quel che dice Salvini", "di che cosa sta parlando Renzi"
_BEFORE_INVERSION = frozenset({"lo", "l", "ne", "gli", "le", "come", "quanto", "cui", "cosa",
                               "ci", "mi", "ce", "me", "vi"})  # "come ci dice Colombini"
# "commenta a caldo Bonvicini", "sottolinea con forza il maggiore Regni": a preposition
# without an article and one word make an adverb, not a complement of the name after them
_BARE_PREPOSITIONS = frozenset({"a", "ad", "con", "in", "per", "da"})
_NOUN_TO_NAME = 5  # words at most from a common noun after a verb to the name it introduces
_WHAT = frozenset({"quel", "quello", "ciò", "cosa", "quanto"})
_ASIDE_TOKENS = 16  # how long an aside between commas after a subject may be
_LAST_SPEAKER_CHARS = 800  # how far back a sentence without subject finds its speaker


def _plural(word: str) -> bool:
    """Whether a verb is in the third person plural ("sostengono", "hanno detto")."""
    return word.endswith("no") and len(word) > 3


def _bare(word: str) -> str:
    """``dell’`` -> ``dell``: elided forms compare with their plain spelling."""
    return word.rstrip("'’`")


@dataclass(frozen=True)
class Who:
    """The author of a statement: a person of the article, or an organisation or
    medium (``source``); neither when no one is named."""

    person: str | None = None
    source: str | None = None
    source_kind: str | None = None  # "org" | "media"
    partners: tuple[str, ...] = ()  # people joined to ``person``: "X e Y sostengono"

    @property
    def named(self) -> bool:
        return self.person is not None or self.source is not None


NOBODY = Who()


@dataclass(frozen=True)
class Cue:
    """Words that report speech: tokens ``a``-``b`` (exclusive) and how they name
    their author: "verb" (its subject, before or after), "clause" (a gerund or an
    infinitive: the subject of the clause), "agent" ("detto da X"), "impersonal" ("si
    legge") or "judgement" ("X sbaglia")."""

    a: int
    b: int
    kind: str


@dataclass
class RoleMention:
    start: int  # character offset of the person's mention
    person: str
    words: frozenset[str]  # folded words of the role written with the name
    past: bool = False  # an office people.yaml says ended before the article's date


@dataclass
class Speech:
    """What one text reports: its quotes and, in order of first appearance, the
    people and the organisations whose statements it reports or refers to."""

    quotes: list[Quote] = field(default_factory=list)
    speakers: list[tuple[int, str]] = field(default_factory=list)  # (offset, person)
    sources: list[tuple[int, str]] = field(default_factory=list)  # (offset, organisation)
    judged: list[tuple[int, str]] = field(default_factory=list)  # rated or judged people
    rates_nobody: bool = False  # a rating whose person is not named ("per il leader del M5S")
    opening_person: str | None = None  # the first person named in the first sentence

    def add(self, who: Who, at: int) -> None:
        if who.person is not None:
            self.speakers.append((at, who.person))
            # just after: the speakers sort by offset, then by name
            self.speakers.extend((at + 1, partner) for partner in who.partners)
        elif who.source is not None and who.source_kind == "org":
            self.sources.append((at, who.source))


class _Ctx:
    """One text with its tokens, entities and cues, and the lookups attribution needs."""

    def __init__(self, text: str, tokens: list[Token], entities: list[Entity],
                 person: dict[int, str], roles: list[RoleMention], res: Resources,
                 cues: list[Cue]) -> None:
        self.text = text
        self.tokens = tokens
        self.res = res
        self.starts = [t.start for t in tokens]
        self.entity_at = {e.a: e for e in entities}
        self.ends: dict[int, list[Entity]] = {}
        for e in entities:
            self.ends.setdefault(e.b - 1, []).append(e)
        self.person = person
        self.named = sorted((e.start, person[e.a]) for e in entities if e.a in person)
        self.named_starts = [s for s, _ in self.named]
        self.roles = sorted(roles, key=lambda r: r.start)
        self.cues = cues
        self.cue_at = {c.a: c for c in self.cues}
        self.cue_starts = [tokens[c.a].start for c in self.cues]
        self.sentences: list[tuple[int, int]] = [(0, 0)] * (tokens[-1].sent + 1)
        self.first_token: dict[int, int] = {}
        for k, t in enumerate(tokens):
            if t.sent not in self.first_token:
                self.first_token[t.sent] = k
                self.sentences[t.sent] = (t.start, t.end)
            else:
                self.sentences[t.sent] = (self.sentences[t.sent][0], t.end)
        self.max_chars = int(res.quote_settings.get("max_chars", 2000))
        self.last: tuple[int, str] | None = None  # the latest speaker: (offset, person)

    # -- positions ------------------------------------------------------------------

    def token_index(self, pos: int) -> int:
        """Index of the first token starting at or after character ``pos``."""
        return bisect_left(self.starts, pos)

    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        """Character range of the sentence holding ``pos``."""
        k = min(self.token_index(pos), len(self.tokens) - 1)
        return self.sentences[self.tokens[k].sent]

    def cues_between(self, a: int, b: int) -> list[Cue]:
        """Cues whose first token starts in ``[a, b)``."""
        return self.cues[bisect_left(self.cue_starts, a):bisect_left(self.cue_starts, b)]

    def cue_span(self, cue: Cue) -> tuple[int, int]:
        return self.tokens[cue.a].start, self.tokens[cue.b - 1].end

    def cue_text(self, cue: Cue) -> str:
        a, b = self.cue_span(cue)
        return " ".join(self.text[a:b].split())

    def clip(self, a: int, b: int) -> tuple[int, int]:
        """``[a, b)`` without surrounding blanks and commas, at most ``max_chars`` long."""
        b = min(b, a + self.max_chars)
        while a < b and (self.text[a].isspace() or self.text[a] in ",;:"):
            a += 1
        while b > a and (self.text[b - 1].isspace() or self.text[b - 1] in ",;:–—"):
            b -= 1
        return a, b

    # -- who an entity or a role is -----------------------------------------------------

    def who_is(self, e: Entity, institutions: bool = True) -> Who | None:
        """The author an entity names: a person, an organisation or a medium, or an
        institution by its place (see :meth:`institution`)."""
        if e.kind == "person":
            name = self.person.get(e.a)
            return Who(person=name) if name else None
        if e.kind in ("org", "media"):
            return Who(source=e.canonical or " ".join(e.text.split()), source_kind=e.kind)
        return self.institution(e) if institutions else None

    def institution(self, e: Entity) -> Who | None:
        """The institution a place after one of ``institution_nouns`` names as an author:
        "la Regione Emilia-Romagna ha chiarito", "il Comune di Milano ha spiegato"; not in
        a complement ("è nato nel comune di Milano")."""
        if e.kind != "place":
            return None
        k = e.a - 2 if e.a >= 2 and self.tokens[e.a - 1].lower == "di" else e.a - 1
        if k >= 0 and fold(self.tokens[k].lower) in self.res.institution_nouns \
                and self.tokens[k].sent == self.tokens[e.a].sent \
                and not (k > 0 and _bare(self.tokens[k - 1].lower) in self.res.prepositions):
            name = " ".join(self.text[self.tokens[k].start:e.end].split())
            return Who(source=name[:1].upper() + name[1:], source_kind="org")
        return None

    def document_owner_before(self, a: int) -> Who | None:
        """The author of the document an impersonal cue at ``a`` reads from, named before
        it: "Nel rapporto dello Svimez si legge", "Sul sito del Viminale si legge"."""
        tokens, res = self.tokens, self.res
        ends = self.ends.get(a - 1, ())
        for e in ends:
            who = self.who_is(e)
            j = e.a - 1
            while who is not None and j >= max(0, e.a - 3) and tokens[j].sent == tokens[a].sent:
                w = _bare(tokens[j].lower)
                if w in res.document_nouns:
                    return who
                if w not in res.prepositions and w not in res.articles:
                    break
                j -= 1
        return None

    def in_complement(self, e: Entity) -> bool:
        """Is the entity the object of a preposition ("con il presidente Putin", "sulla
        sua pagina Facebook", "via WhatsApp"), or joined to one ("tra Putin e Kim")? Not
        after an article that opens a phrase of its own ("dopo la riunione il ministro
        Rossi"), nor a person after a common noun ("sull’emiciclo inglese Laura Boldrini
        pecca")."""
        k = e.a - 1
        article_at: int | None = None
        steps = 0
        while k >= 0 and steps < 5 and self.tokens[k].sent == self.tokens[e.a].sent:
            w = _bare(self.tokens[k].lower)
            if w in self.res.prepositions or w in self.res.platform_prepositions:
                return article_at is None or article_at == k + 1
            if w in ("e", "ed") and steps == 0 and k > 0:
                joined = [o for o in self.ends.get(k - 1, ()) if o.kind == e.kind]
                return bool(joined) and self.in_complement(joined[0])
            if w in self.res.articles:
                article_at = k if article_at is None else article_at
            elif w in self.res.roles:
                pass
            elif not w.isalpha() or self.tokens[k].upper:
                return False
            elif e.kind == "person" and not any(
                    _bare(self.tokens[j].lower) in self.res.roles for j in range(max(0, k - 2), k)):
                # "sull’emiciclo inglese Laura Boldrini pecca": the subject; but "al
                # senatore democratico Chuck Schumer" is a complement
                return False
            k -= 1
            steps += 1
        return False

    def names_last(self, k: int) -> bool:
        """"quest’ultimo", "costei": token ``k`` points to the person named last."""
        w = self.tokens[k].lower
        return w in _LAST_NAMED or (w in _ULTIMO and k > 0
                                    and self.tokens[k - 1].lower in ("quest’", "quest'"))

    def last_named(self, pos: int) -> Who | None:
        """"quest’ultimo": the person named last before ``pos``."""
        k = bisect_left(self.named_starts, pos) - 1
        return Who(person=self.named[k][1]) if k >= 0 else None

    def role_phrase(self, k: int) -> tuple[str, frozenset[str]]:
        """The role word at token ``k`` (or the office a synonym names: "primo
        ministro" is "premier") and the content words of its complement ("il leader
        della Lega" -> leader, {lega})."""
        res = self.res
        words = [fold(_bare(t.lower)) for t in self.tokens[k:k + 6]]
        for canonical, phrase in res.role_synonyms:
            if tuple(words[:len(phrase)]) == phrase:
                head, j = canonical, k + len(phrase)
                break
        else:
            head, j = fold(_bare(self.tokens[k].lower)), k + 1
        content: set[str] = set()
        sent = self.tokens[k].sent
        while j < len(self.tokens) and j - k < 8 and self.tokens[j].sent == sent:
            t = self.tokens[j]
            w = fold(_bare(t.lower))
            if t.text in _STOPS or j in self.entity_at and self.entity_at[j].kind == "person" \
                    or j in self.cue_at:
                break
            if w not in res.prepositions and w not in res.articles:
                content.add(w)
            j += 1
        return head, frozenset(content)

    def by_role(self, k: int, pos: int) -> Who | None:
        """The person of the text the role at token ``k`` names: one introduced with that
        role (and its complement, when it has one), the nearest before ``pos`` first,
        else the nearest after."""
        head, content = self.role_phrase(k)
        former = k > 0 and _bare(self.tokens[k - 1].lower) in _FORMER
        # an office that ended before the article only for "l’ex sindaco", "l’allora premier"
        matching = [r for r in self.roles if head in r.words and (former or not r.past)]
        if content:
            best = max((len(content & r.words) for r in matching), default=0)
            capitalised = any(self.tokens[j].upper for j in range(k + 1, min(k + 8,
                                                                              len(self.tokens)))
                              if fold(_bare(self.tokens[j].lower)) in content)
            if best == 0 and capitalised:
                return None  # "il leader della Lega": nobody of the text leads the Lega
            matching = [r for r in matching if len(content & r.words) == best]
        before = [r for r in matching if r.start < pos]
        if before:
            return Who(person=before[-1].person)
        return Who(person=matching[0].person) if matching else None

    # -- the speaker of a cue ---------------------------------------------------------

    def subject_before(self, a: int, max_tokens: int) -> Who | None:
        """The author who is the subject of the cue at token ``a``: the nearest person
        (or organisation) before it in the sentence that is not a complement, the
        antecedent of "che"/"il quale" right before it, or the person a role subject
        names; None if there is none."""
        res = self.res
        k = a - 1
        if k < 0:
            return None
        aside = self.subject_past_aside(a)
        if aside is not None:
            return aside
        sent = self.tokens[a].sent
        steps = 0
        role_at: int | None = None
        only_adverbs = True  # nothing but adverbs so far between k and the cue
        cue = self.cue_at.get(a)
        clause = cue is not None and cue.kind == "clause"
        past_relative = False
        while k >= 0 and self.tokens[k].sent == sent and steps < max_tokens:
            t = self.tokens[k]
            if t.text == ")":  # "Bonaccini (Partito democratico) ha dichiarato"
                j = k - 1
                while j >= 0 and self.tokens[j].text != "(" and k - j < 20:
                    j -= 1
                if j >= 0 and self.tokens[j].text == "(":
                    steps += k - j
                    k = j - 1
                    continue
            w = _bare(t.lower)
            main = self.cue_at.get(k)
            if main is not None and main.kind == "verb" and clause:
                # "il report aveva rilevato …, sottolineando che": the gerund's subject is
                # the verb's
                return self.subject_before(k, max_tokens) if role_at is None \
                    else self.by_role(role_at, self.tokens[a].start)
            if self.names_last(k):
                return self.last_named(self.tokens[k - 1].start if w in _ULTIMO else t.start)
            if w in _RELATIVES and w != "che" and k > 0 \
                    and _bare(self.tokens[k - 1].lower) in res.prepositions:
                # "ha pubblicato un video in cui afferma": the clause's subject is the
                # sentence's, not the antecedent (a person: "il post Facebook in cui si
                # denuncia" is nobody's)
                k -= 2
                steps += 2
                only_adverbs = False
                past_relative = True  # then a person, not the post's platform
                for e in self.ends.get(k, ()):
                    # "il curriculum della capitana Carola Rackete in cui si parla": the
                    # name right before is the antecedent's, not the subject
                    steps += k - e.a + 1
                    k = e.a - 1
                    break
                continue
            if w in _RELATIVES:
                if not only_adverbs:
                    return None  # "il treno che Kim ha mostrato": Kim is found first
                return self.antecedent(k)
            hit = None
            for e in self.ends.get(k, ()):
                if self.in_complement(e) and self.institution(e) is None:
                    continue
                who = self.who_is(e)
                if who is not None and (who.person or steps < 4 and not past_relative):
                    hit = self.joined_before(e, who) if _plural(self.tokens[a].lower) else who
                    break
            if hit is not None:
                # "Secondo Letta, la leader di FdI non ha parlato": the role is the subject
                return hit if role_at is None else self.by_role(role_at, self.tokens[a].start)
            if w in res.roles and role_at is None and self.role_opens_phrase(k):
                role_at = k
            if self.article_subject(k, a):
                break  # "e l’azienda ha precisato che": not a person named before it
            if not (w in res.adverbs or t.text in "(),"):
                only_adverbs = False
            k -= 1
            steps += 1
        return self.by_role(role_at, self.tokens[a].start) if role_at is not None else None

    def article_subject(self, k: int, a: int) -> bool:
        """Whether the article at token ``k`` opens the subject of the cue at ``a``: after
        a clause's opener (``subject_openers``) or at the sentence's start, with neither a
        stop, a digit nor a time word between it and the cue, and no person it joins
        ("Rossi e la moglie hanno detto": a plural verb after "e")."""
        tokens, res = self.tokens, self.res
        if _bare(tokens[k].lower) not in res.subject_articles or k + 1 >= a:
            return False
        if any(t.text in _STOPS or t.lower in res.time_nouns or any(c.isdigit() for c in t.text)
               for t in tokens[k + 1:a]):
            return False
        if k == 0 or tokens[k - 1].sent != tokens[k].sent:
            return True
        before = tokens[k - 1].lower
        if before in ("e", "ed") and _plural(tokens[a].lower):
            return False
        return before in res.subject_openers

    def subject_past_aside(self, a: int) -> Who | None:
        """The person before an aside between commas that ends right before the cue at
        token ``a``: "Mario Rossi, ex ministro dell’Economia, ha dichiarato", "Rossi, che
        è stato ministro, ha detto", "Letta, poco prima che facesse la dichiarazione,
        ha parlato di"; an aside with a person, a cue or a stop in it is none, and the
        person must open the clause ("Dopo aver incontrato Renzi, lunedì, ha detto":
        not Renzi)."""
        tokens = self.tokens
        j = a - 1
        while j >= 0 and tokens[j].lower in self.res.adverbs:
            j -= 1
        if j < 1 or tokens[j].text != ",":
            return None
        sent = tokens[a].sent
        for i in range(j - 1, max(-1, j - _ASIDE_TOKENS), -1):
            t = tokens[i]
            if t.sent != sent or i in self.cue_at or t.text != "," and (
                    t.text in _STOPS or t.text in self.res.quote_marks
                    or t.text in self.res.quote_marks.values()):
                return None
            if any(e.kind == "person" for e in self.ends.get(i, ())):
                return None  # a name inside: the usual walk reads it
            if t.text != ",":
                continue
            for e in self.ends.get(i - 1, ()):
                if e.kind == "person" and e.a in self.person \
                        and not self.in_complement(e) and self.opens_clause(e):
                    who = Who(person=self.person[e.a])
                    return self.joined_before(e, who) if _plural(tokens[a].lower) else who
            return None
        return None

    def joined_before(self, e: Entity, who: Who) -> Who:
        """``who`` with the person joined to it by "e" before it: "Carmen Reinhart e
        Kenneth Rogoff riportano" (the verb is plural)."""
        k = e.a - 1
        if who.person is None or k < 1 or self.tokens[k].lower not in ("e", "ed"):
            return who
        for other in self.ends.get(k - 1, ()):
            name = self.person.get(other.a) if other.kind == "person" else None
            if name is not None and name != who.person and not self.in_complement(other):
                return Who(person=name, partners=(who.person,))
        return who

    def joined_after(self, e: Entity, who: Who) -> tuple[Who, int]:
        """``who`` with the person joined to it by "e" after it ("secondo Reinhart e
        Rogoff"), and the end of the last name."""
        k = e.b
        if k + 1 < len(self.tokens) and self.tokens[k].lower in ("e", "ed"):
            other = self.entity_at.get(k + 1)
            name = self.person.get(other.a) if other is not None and other.kind == "person" \
                else None
            if other is not None and name is not None and name != who.person:
                return Who(person=who.person, partners=(name,)), other.end
        return who, e.end

    def opens_clause(self, e: Entity) -> bool:
        """Whether a name stands where a clause's subject does: at the start of the
        sentence, after an article, a role, "che", a conjunction, a punctuation mark or
        a capitalised word ("il segretario del Pd Mario Rossi"); not after a verb or a
        cue ("incontrato Renzi", "Secondo Renzi")."""
        k = e.a - 1
        if k < 0 or self.tokens[k].sent != self.tokens[e.a].sent:
            return True
        t = self.tokens[k]
        w = _bare(t.lower)
        if any(c.a <= k < c.b for c in self.cues):
            return False
        return (t.upper or t.text in ",:;–—(" or w in self.res.articles or w in self.res.roles
                or w in _RELATIVES or w in _OPENERS
                or any(_bare(self.tokens[i].lower) in self.res.roles
                       for i in range(max(0, k - 2), k)))

    def role_opens_phrase(self, k: int) -> bool:
        """A role word that heads a noun phrase, not one inside a complement:
        "il premier", "l’ex ministro", "Il sindaco" at the start of a sentence."""
        j = k - 1
        while j >= 0 and self.tokens[j].lower in ("ex", "neo", "attuale", "nuovo", "nuova"):
            j -= 1
        if j < 0 or self.tokens[j].sent != self.tokens[k].sent:
            return True
        w = _bare(self.tokens[j].lower)
        return w in self.res.articles or self.tokens[j].text in ",–—("

    def antecedent(self, k: int) -> Who | None:
        """The person "che"/"il quale" at token ``k`` refers to: the name just before
        ("Renzi che ricorda", "Saccomanni, il quale ha risposto")."""
        j = k - 1
        while j >= 0 and self.tokens[j].lower in ("il", "la", "i", "le", ","):
            j -= 1
        for e in self.ends.get(j, ()):
            # "la cerimonia di George Floyd, che cita": "che" is the ceremony's
            return None if self.in_complement(e) else self.who_is(e)
        return None

    def speaker_after(self, pos: int, stop: int) -> Who | None:
        """The author named after a verb ending at ``pos`` ("ha detto il portavoce del
        Cremlino Dmitry Peskov"), skipping complements ("ai giornalisti", "del
        Cremlino")."""
        k = self.token_index(pos)
        if k >= len(self.tokens):
            return None
        sent = self.tokens[k].sent
        window = self.res.quote_settings.get("speaker_window", 14)
        complement = False
        role_at: int | None = None
        noun_at: int | None = None  # "spiega il gestore Xiao Feng Yang": a noun, then a name?
        steps = 0
        while k < len(self.tokens) and steps < window:
            tok = self.tokens[k]
            if tok.sent != sent or tok.start >= stop or tok.lower == "che" \
                    or tok.text in _QUOTE_CHARS or (k in self.cue_at and steps > 0) \
                    or tok.lower in self.res.auxiliaries:
                break  # "ha detto il capitano e ha confermato il procuratore Musti"
            if noun_at is not None and (k - noun_at > _NOUN_TO_NAME or not tok.text.isalnum()
                                        and k not in self.entity_at
                                        and not (tok.text == "," and k == noun_at + 1)):
                break  # "«…» - spiega il figlio - i suoi ricordi …": the noun is the subject
            e = self.entity_at.get(k)
            if e is not None:
                if not complement:
                    who = self.who_is(e)
                    if who is not None and (who.person or role_at is None and noun_at is None):
                        return who
                complement = False
                k = e.b
                steps += e.b - e.a
                continue
            w = _bare(tok.lower)
            if w in self.res.prepositions or w in self.res.platform_prepositions:
                complement = True  # "racconta via Facebook Antonietta D'Amato"
            elif w in self.res.articles or tok.text == ",":
                complement = False
                nxt = self.tokens[k + 1] if k + 1 < len(self.tokens) else None
                if w in self.res.articles and role_at is None and noun_at is None \
                        and nxt is not None and nxt.text.isalpha() and not nxt.upper \
                        and _bare(nxt.lower) not in self.res.roles \
                        and nxt.lower not in self.res.adverbs:
                    noun_at = k + 1  # "dicono i numeri", "racconta il cognato, Walter Ciocca"
                    k += 1
                    steps += 1
            elif w in self.res.roles and not complement and role_at is None:
                role_at = k
            elif tok.upper:
                complement = False
            elif noun_at is not None and w in self.res.function_words:
                break  # "dicono i numeri e Salvini riporta": the noun is the subject
            elif complement and noun_at is None and tok.text.isalpha() \
                    and self.tokens[k - 1].lower in _BARE_PREPOSITIONS \
                    and w not in self.res.roles:
                complement = False  # "commenta a caldo Bonvicini": the name is the subject
            k += 1
            steps += 1
        if noun_at is not None:
            return NOBODY  # "dicono i numeri": a common noun is the subject
        return self.by_role(role_at, pos) if role_at is not None else None

    def named_after(self, k: int, stop: int) -> tuple[Who | None, int]:
        """The author named from token ``k`` on after "secondo", "detto da", "le parole
        di", "nel post di": fillers, a role and its complement may come first ("secondo
        quanto riferito dal portavoce del Cremlino Dmitry Peskov"). Returns the author
        and the end of its name; None before another word."""
        res = self.res
        role_at: int | None = None
        complement = False
        steps = 0
        org: tuple[Who, int] | None = None
        platform = ""  # "open" after "su", "passed" after the place the words were written
        while k < len(self.tokens) and self.tokens[k].start < stop and steps < 14:
            tok = self.tokens[k]
            e = self.entity_at.get(k)
            if e is not None:
                who = self.who_is(e, institutions=False)  # not "secondo cui il governo di X"
                if who is None:
                    return None, 0
                if who.person is None and role_at is None and platform == "open":
                    platform = "passed"  # "su Facebook", "sul profilo Facebook di": where
                    steps += e.b - e.a
                    k = e.b
                    continue
                if who.person is not None:
                    if role_at is None or not complement:
                        return self.joined_after(e, who)
                    return None, 0  # "il portavoce del ministro Rossi": not Rossi
                if role_at is None:
                    return who, e.end
                org = org or (who, e.end)  # "il portavoce della Casa Bianca"
                complement = False
                steps += e.b - e.a
                k = e.b
                continue
            w = _bare(tok.lower)
            if role_at is None and self.names_last(k):
                return self.last_named(self.tokens[k - 1].start), tok.end
            if role_at is None and w in res.platform_prepositions and not platform:
                platform = "open"
            elif role_at is None and (w in res.according_fillers or w in res.articles
                                      or w in res.document_nouns or tok.lower in ("quest’",
                                                                                  "quest'")):
                pass
            elif w in res.roles and role_at is None:
                role_at = k
            elif role_at is not None and w in res.prepositions:
                complement = True
            elif role_at is not None and (w.isalpha() and not tok.upper):
                complement = False
            elif role_at is not None and tok.upper:
                pass  # "il ministro degli Affari Esteri"
            else:
                break
            k += 1
            steps += 1
        if role_at is not None:
            who = self.by_role(role_at, self.tokens[role_at].start)
            if who is not None:
                return who, self.tokens[k - 1].end
            if org is not None:
                return org
        return None, 0

    def opens_sentence(self, a: int) -> bool:
        """Whether only connectives and adverbs precede token ``a`` in its sentence."""
        first = self.first_token[self.tokens[a].sent]
        return all(self.tokens[j].lower in _OPENERS or self.tokens[j].lower in self.res.adverbs
                   or self.tokens[j].text in ",–—-" for j in range(first, a))

    def inverted(self, a: int) -> bool:
        """Whether the subject of the verb at token ``a`` may follow it: the verb opens
        the sentence ("Racconta Bonacini."), follows a comma, a dash, a parenthesis, a
        colon or a quote ("…, ha detto il ministro"), a clitic, "come" or "che" ("Lo ha detto
        Rossi", "come ricorda Rossi", "quel che dice Salvini")."""
        if self.opens_sentence(a):
            return True
        prev = self.tokens[a - 1]
        if prev.lower == "che":  # "quel che dice Salvini", not "un titolo che dichiarava"
            return a > 1 and self.tokens[a - 2].lower in _WHAT
        # "«…» aveva spiegato Luzzani, «…»": a closing quote mark, like a comma
        return prev.text in ",–—-(:”»\"" or _bare(prev.lower) in _BEFORE_INVERSION

    def last_speaker(self, pos: int) -> Who | None:
        """"Ha poi aggiunto che …": the latest speaker, if recent enough."""
        if self.last is not None and pos - self.last[0] <= _LAST_SPEAKER_CHARS:
            return Who(person=self.last[1])
        return None

    def author(self, cue: Cue, stop: int) -> Who | None:
        """The author of a verb or clause cue: its subject, the name after it, else
        (a sentence without subject) the latest speaker."""
        a, b = cue.a, cue.b
        # "Trump, si legge nell’immagine, avrebbe …": "si legge" has no subject
        who = self.subject_before(a, 30) if cue.kind != "impersonal" else None
        if who is None and cue.kind in ("verb", "impersonal") and self.inverted(a):
            who = self.speaker_after(self.tokens[b - 1].end, stop)
            if who is NOBODY:
                return None  # "…, spiegano i colleghi di Reuters"
        if who is None and cue.kind == "impersonal":
            who, _ = self.named_after(b, stop)
        if who is None and cue.kind == "impersonal":
            who = self.document_owner_before(a)
        if who is None and cue.kind in ("verb", "clause") and self.opens_sentence(a):
            who = self.last_speaker(self.tokens[a].start)
        return who


def find_cues(tokens: list[Token], res: Resources) -> list[Cue]:
    """Every word or phrase of ``tokens`` that reports speech, in order."""
    out: list[Cue] = []
    k = 0
    n = len(tokens)
    starts = res.cue_words
    while k < n:
        t = tokens[k]
        w = t.lower
        if w not in starts:
            k += 1
            continue
        if w == "si":
            end = _self_description(tokens, k, res)
            if end:
                out.append(Cue(k, end, "verb"))  # "Rossi si è detto convinto che …"
                k = end
                continue
        phrase = _phrase_at(tokens, k, res.impersonal) if w in res.impersonal else 0
        if phrase:
            out.append(Cue(k, k + phrase, "impersonal"))
            k += phrase
            continue
        if w in res.according:
            phrase = _phrase_at(tokens, k, res.according)
        if not phrase and w == "per":
            phrase = _opening_per(tokens, k)
        if phrase:
            out.append(Cue(k, k + phrase, "according"))
            k += phrase
            continue
        if w in res.clitic_infinitives and k > 0 and tokens[k - 1].lower in ("a", "ad") \
                and k + 1 < n and tokens[k + 1].lower in _ESSERE_NOW:
            # "A dirlo è Rossi", "a sostenerlo sono stati i sindacati": named after
            j = k + 2 if k + 2 < n and tokens[k + 2].lower in _STATO else k + 1
            out.append(Cue(k - 1, j + 1, "agent"))
            k = j + 1
            continue
        if w in res.finite_verbs and not _noun_position(tokens, k, res):
            out.append(Cue(k, k + 1, "verb"))  # not "la conferma", "l’accusa": nouns
        elif w in res.statement_nouns and k + 1 < n and _bare(tokens[k + 1].lower) in _DI:
            out.append(Cue(k, k + 1, "statement"))  # "l’affermazione di Marino"
        elif w in res.judgements:
            out.append(Cue(k, k + 1, "judgement"))
        elif w in res.causative_words and k > 0 and tokens[k - 1].lower in res.causative_verbs:
            out.append(_causative(tokens, k, res))  # "ha fatto sapere", "fa notare"
        elif w in res.gerunds:
            progressive = k > 0 and tokens[k - 1].lower in _STARE  # "sta parlando Renzi"
            out.append(Cue(k - 1, k + 1, "verb") if progressive else Cue(k, k + 1, "clause"))
        elif w in res.participles or w in res.judgement_participles:
            j = k - 1
            while j >= 0 and k - j <= 4 and (tokens[j].lower in res.adverbs
                                             or _adverb(tokens[j].lower)):
                j -= 1
            aux = j >= 0 and tokens[j].lower in res.auxiliaries and tokens[j].sent == t.sent
            by = w in res.agent_participles and k + 1 < n and _bare(tokens[k + 1].lower) in _DA
            if aux and tokens[j].lower not in _ESSERE:
                kind = "judgement" if w in res.judgement_participles else "verb"
                out.append(Cue(j, k + 1, kind))
            elif by:  # "quanto detto da Alemanno", "è stato annunciato dal ministro"
                out.append(Cue(k, k + 1, "agent"))
        k += 1
    return out


def _self_description(tokens: list[Token], k: int, res: Resources) -> int:
    """The end of "si è detto convinto", "si dice molto preoccupata" from "si" at ``k``
    (0 if it is not one): "dirsi" and an adjective of ``self_descriptions``, an adverb
    between them."""
    n = len(tokens)
    j = k + 1
    if j < n and tokens[j].lower in _DIRSI_FINITE:
        j += 1
    elif j + 1 < n and tokens[j].lower in _ESSERE_NOW and tokens[j + 1].lower in _DETTO:
        j += 2
    else:
        return 0
    if j < n and (tokens[j].lower in res.adverbs or _adverb(tokens[j].lower)
                  or tokens[j].lower in ("molto", "più", "assai")):
        j += 1
    if j >= n:
        return 0
    w = tokens[j].lower
    described = w in res.self_descriptions or w[:-1] in res.self_descriptions and w[-1] in "oaie"
    return j + 1 if described else 0


def _causative(tokens: list[Token], k: int, res: Resources) -> Cue:
    """"fa sapere" (a verb), "ha fatto notare" (with its auxiliary), "facendo presente"
    (a gerund) ending at token ``k``."""
    j = k - 1
    fare = tokens[j].lower
    if fare == "facendo":
        return Cue(j, k + 1, "clause")
    if fare in ("fatto", "fatta"):
        i = j - 1
        while i >= 0 and j - i <= 4 and (tokens[i].lower in res.adverbs
                                         or _adverb(tokens[i].lower)):
            i -= 1
        if i >= 0 and tokens[i].lower in res.auxiliaries and tokens[i].sent == tokens[k].sent:
            return Cue(i, k + 1, "verb")
    return Cue(j, k + 1, "verb")


def _opening_per(tokens: list[Token], k: int) -> int:
    """"Per Emma Bonino, un quarto della popolazione sarebbe …": "per" opening a
    sentence before a capitalised name and a comma reports that person's view."""
    if tokens[k].lower != "per" or k + 2 >= len(tokens) or not tokens[k + 1].upper:
        return 0
    if k > 0 and tokens[k - 1].sent == tokens[k].sent:
        return 0
    j = k + 1
    while j < len(tokens) and j - k <= 4 and tokens[j].upper:
        j += 1
    return 1 if j < len(tokens) and tokens[j].text == "," else 0


def _noun_position(tokens: list[Token], k: int, res: Resources) -> bool:
    """A verb form after an article, a preposition or a determiner is a noun; not after
    "lo", which before a finite form of speech is a pronoun ("Lo afferma Rossi", "lo
    dice", "Lo scrive Rossi su Facebook": none of them is a masculine noun)."""
    if k == 0 or tokens[k - 1].sent != tokens[k].sent:
        return False
    w = _bare(tokens[k - 1].lower)
    if w == "lo" and tokens[k - 1].end < tokens[k].start:
        return False
    return w in res.articles or w in res.prepositions or w in _DETERMINERS


def _adverb(word: str) -> bool:
    return len(word) >= 7 and word.endswith("mente")


def _phrase_at(tokens: list[Token], k: int, phrases: dict[str, list[tuple[str, ...]]]) -> int:
    """Length of the longest phrase starting at token ``k``, 0 if none."""
    for phrase in phrases.get(tokens[k].lower, ()):
        n = len(phrase)
        if tuple(x.lower for x in tokens[k:k + n]) == phrase:
            return n
    return 0


def direct_spans(text: str, res: Resources) -> list[tuple[int, int]]:
    """(opening mark, closing mark) offsets of each quoted passage."""
    marks = res.quote_marks
    max_chars = int(res.quote_settings.get("max_chars", 2000))
    opener = re.compile("|".join(re.escape(m) for m in marks))
    out: list[tuple[int, int]] = []
    i = 0
    while True:
        m = opener.search(text, i)
        if m is None:
            return out
        o = m.start()
        closers = {marks[m.group()]}
        if m.group() == "“":
            closers.add("“")  # “…“: a closing mark typed as an opening one
        j = min((p for c in closers if (p := text.find(c, o + 1, o + max_chars)) != -1),
                default=-1)
        if j == -1:
            i = o + 1
            continue
        out.append((o, j))
        i = j + 1


def role_mentions(tokens: list[Token], entities: list[Entity], person: dict[int, str],
                  known_roles: dict[str, str], res: Resources,
                  offset: int = 0, date: str | None = None) -> list[RoleMention]:
    """Each mention of a person with the words of the roles written next to it (``l’ex
    presidente del Consiglio e attuale senatore del Pd Matteo Renzi``, ``Rosario
    Crocetta, governatore della Sicilia``) and of the person's role in people.yaml:
    the undated one, and the dated offices held on the article's ``date`` (ISO day);
    one that ended before it is a mention of its own, marked ``past``. Offsets are
    shifted by ``offset`` (the title's mentions come before the body's)."""
    out = []
    in_names = frozenset(k for e in entities if e.a in person for k in range(e.a, e.b))
    for e in entities:
        name = person.get(e.a)
        if name is None:
            continue
        phrase = _role_words_before(tokens, e.a, res, in_names) + \
            _role_words_after(tokens, e.b, res)
        if name in known_roles:
            phrase += fold(known_roles[name]).split()
        past: list[list[str]] = []
        for role, first, last in res.person_dated_roles.get(name, ()) if date else ():
            if first <= date and (last is None or date <= last):
                phrase += fold(role).split()
            elif last is not None and last < date:
                past.append(fold(role).split())
        for words, ended in [(phrase, False)] + [(p, True) for p in past]:
            if any(w in res.roles for w in words):
                out.append(RoleMention(e.start + offset, name, _role_words(words, res), ended))
    return out


def _role_words(phrase: list[str], res: Resources) -> frozenset[str]:
    """The content words of a role phrase, with the office its synonyms name
    ("presidente del consiglio" -> premier)."""
    words = {w for w in phrase if w not in res.prepositions and w not in res.articles}
    joined = f" {' '.join(phrase)} "
    for canonical, synonym in res.role_synonyms:
        if f" {' '.join(synonym)} " in joined:
            words.add(canonical)
    return frozenset(words)


def _role_words_before(tokens: list[Token], a: int, res: Resources,
                       in_names: frozenset[int]) -> list[str]:
    """The folded words of the role phrase right before a name, up to 12 tokens in the
    sentence and never across another name, in order: role words with their complements
    ("ministro dell’Interno"), joined by "e" ("ex presidente del Consiglio e attuale
    senatore del Pd")."""
    k = a - 1
    if k >= 0 and tokens[k].text == ",":
        k -= 1  # "il presidente del Senato, Pietro Grasso"
    sent = tokens[a].sent
    words: list[str] = []
    while k >= 0 and a - k <= 12 and tokens[k].sent == sent:
        t = tokens[k]
        w = fold(_bare(t.lower))
        if t.text in _STOPS or t.lower in res.auxiliaries or t.lower in res.finite_verbs \
                or t.lower in res.participles or w == "che" or k in in_names:
            break
        words.append(w)
        k -= 1
    return list(reversed(words))


def _role_words_after(tokens: list[Token], b: int, res: Resources) -> list[str]:
    """The role in apposition after a name, or said of it: "Rosario Crocetta,
    governatore della Sicilia," "Carla Dini è la portavoce del partito" (up to the next
    stop)."""
    e = b + 1
    if b + 2 < len(tokens) and tokens[b].lower in ("è", "era") \
            and _bare(tokens[b + 1].lower) in res.articles:
        e = b + 2  # "X è la portavoce del partito": what X is
    if e >= len(tokens) or tokens[b].text != "," and e == b + 1 \
            or fold(tokens[e].lower) not in res.roles:
        return []
    words = []
    while e < len(tokens) and e - b < 12 and tokens[e].sent == tokens[b].sent \
            and tokens[e].text not in _STOPS:
        words.append(fold(_bare(tokens[e].lower)))
        e += 1
    return words


def attribute(text: str, tokens: list[Token], entities: list[Entity], person: dict[int, str],
              roles: list[RoleMention], res: Resources, field_name: str = "body") -> Speech:
    """The quotes of ``text`` and the speakers and sources it reports, in text order.

    Quotes without a named speaker are kept only when quoted (a quoted passage next to
    speech words); indirect speech is kept only with a named author."""
    speech = Speech()
    if not tokens:
        return speech
    first = [e for e in entities if e.kind == "person" and tokens[e.a].sent == tokens[0].sent
             and e.a in person]
    speech.opening_person = person[first[0].a] if first else None
    cues = find_cues(tokens, res)
    spans = direct_spans(text, res)
    if not cues and not spans:
        return speech  # most crime news: nothing reported
    ctx = _Ctx(text, tokens, entities, person, roles, res, cues)
    min_words = int(res.quote_settings.get("min_words", 3))
    starts = [o for o, _ in spans]

    def quoted(pos: int) -> bool:
        k = bisect_left(starts, pos + 1) - 1
        return k >= 0 and spans[k][0] < pos < spans[k][1]

    events: list[tuple[int, int, object]] = []  # (offset, order, span or cue)
    for o, c in spans:
        events.append((o, 0, (o, c)))
    for cue in ctx.cues:
        start = tokens[cue.a].start
        if not quoted(start):
            events.append((start, 1, cue))
    events.sort(key=lambda ev: (ev[0], ev[1]))
    # the cues that introduce a direct quote report it: no indirect speech of their own
    used: set[int] = set()
    previous: tuple[Who, int] | None = None  # the last direct quote's author and end
    for o, c in spans:
        if len(text[o + 1:c].split()) >= min_words:
            found = _attribute_direct(ctx, o, c, previous)
            previous = (found[0], c + 1) if found is not None else None
            if found is not None and found[3] is not None:
                used.add(found[3].a)
    previous = None
    verdict_spans: list[tuple[int, int]] = []
    for _, _, item in events:
        if isinstance(item, tuple):
            o, c = item
            inner = text[o + 1:c]
            if fold(inner.strip(" .!,;")) in res.verdicts:
                verdict_spans.append((o, c))
                continue
            if len(inner.split()) < min_words:
                continue
            found = _attribute_direct(ctx, o, c, previous)
            if found is None:
                previous = None
                continue
            who, verb, end, cue = found
            a, b = o + 1 + len(inner) - len(inner.lstrip()), c - (len(inner) - len(inner.rstrip()))
            _record(ctx, speech, Quote(who.person, text[a:b], "direct", a, b, verb,
                                       who.source, field_name), who)
            previous = (who, max(end, c + 1))
            continue
        cue = item
        assert isinstance(cue, Cue)
        if cue.a in used:
            continue
        _indirect(ctx, cue, speech, field_name)
    for o, c in verdict_spans:
        _verdict(ctx, o, c, speech)
    speech.quotes.sort(key=lambda q: (q.start, q.kind))
    return speech


def _record(ctx: _Ctx, speech: Speech, quote: Quote, who: Who) -> None:
    # "Rossi conclude ammettendo che …": two cues, one quote (the first cue's)
    if not any(q.start == quote.start and q.end == quote.end and q.field == quote.field
               for q in speech.quotes):
        speech.quotes.append(quote)
    speech.add(who, quote.start)
    if who.person is not None:
        ctx.last = (quote.end, who.person)


def _refer(ctx: _Ctx, speech: Speech, who: Who | None, at: int, judged: bool = False) -> None:
    """A statement referred to without its words: its author is a speaker."""
    if who is None:
        return
    speech.add(who, at)
    if who.person is not None:
        ctx.last = (at, who.person)
        if judged:
            speech.judged.append((at, who.person))


def _attribute_direct(ctx: _Ctx, o: int, c: int, previous: tuple[Who, int] | None
                      ) -> tuple[Who, str | None, int, Cue | None] | None:
    """The author of the quote between marks at ``o`` and ``c`` (NOBODY when speech
    words say it is speech but name no one), the reporting words, where the attribution
    ends and the cue used; None when nothing says the quote is speech (a title, a scare
    quote)."""
    text, tokens, res = ctx.text, ctx.tokens, ctx.res
    _, sent_end = ctx.sentence_bounds(c)
    # after the quote: "«…», ha detto X", "«…» si legge", "«…», il commento di X"
    k = ctx.token_index(c + 1)
    while k < len(tokens) and tokens[k].text in ",.;:–—-":
        k += 1
    if k + 1 < len(tokens) and _bare(tokens[k].lower) in ("lo", "l") and k + 1 in ctx.cue_at:
        k += 1  # "«…». Lo afferma X", "«…». Lo ha detto X a Repubblica"
    if k < len(tokens) and tokens[k].lower == "così":
        # "«…». Così Mario Rossi su Twitter": the name, then nothing or a complement
        end_of = ctx.sentence_bounds(tokens[k].start)[1]
        who, name_end = ctx.named_after(k + 1, end_of)
        if who is not None and who.named:
            j = ctx.token_index(name_end)
            if j >= len(tokens) or tokens[j].text in ".,;:" or tokens[j].sent != tokens[k].sent \
                    or _bare(tokens[j].lower) in res.prepositions \
                    or _bare(tokens[j].lower) in res.platform_prepositions:
                return who, tokens[k].text, end_of, None
    cue = ctx.cue_at.get(k)
    if cue is not None and cue.kind in ("verb", "impersonal"):
        who = ctx.speaker_after(ctx.cue_span(cue)[1], len(text))
        if who is None and cue.kind == "impersonal":
            who, _ = ctx.named_after(cue.b, sent_end)
        if who is None and cue.kind == "verb":
            who = ctx.subject_before(ctx.token_index(o), 40)
        if who is None and cue.kind == "verb" and cue.b < len(tokens) \
                and tokens[cue.b].text in _STOPS and not _plural(tokens[cue.a].lower) \
                and ctx.opens_sentence(ctx.token_index(o)):
            who = ctx.last_speaker(o)  # "«…», ha aggiunto.": the speaker of before
        _, end = ctx.sentence_bounds(ctx.cue_span(cue)[1])
        return who or NOBODY, ctx.cue_text(cue), end, cue
    if k < len(tokens) and tokens[k].lower in res.after_quote:
        who = ctx.speaker_after(tokens[k].end, len(text))
        if who is not None:
            return who, tokens[k].text, ctx.sentence_bounds(tokens[k].end)[1], None
    noun = _statement_noun(ctx, k)
    if noun is not None:
        who, end = ctx.named_after(noun + 1, sent_end)
        if who is not None:
            return who, tokens[noun].text, max(end, c + 1), None
    # "«C’era un gruppo – ha spiegato Lodhi a Metro News – e ho deciso …»"
    inside: Cue | None = None  # "«… - racconta l’imprenditore - …»": speech, by no one named
    for cue in ctx.cues_between(o + 1, c):
        v_start, v_end = ctx.cue_span(cue)
        if cue.kind == "verb" and text[max(o, v_start - 5):v_start].rstrip()[-1:] in \
                ("–", "—", ",", "-"):
            who = ctx.speaker_after(v_end, c)
            if who is not None:
                return who, ctx.cue_text(cue), c + 1, cue
            inside = inside or cue
    # before the quote: "X ha affermato: «…»", "Racconta Bonacini. «…»", "si legge «…»"
    s_start = ctx.sentence_bounds(o)[0]
    if not text[s_start:o].strip() and ctx.token_index(o) > 0:
        s_start = ctx.sentence_bounds(tokens[ctx.token_index(o) - 1].start)[0]
    before_start = max(s_start, o - 400)
    before = text[before_start:o].rstrip()
    head = before.rstrip(":,.")
    head_end = before_start + len(head)
    last = max((cv for cv in ctx.cues_between(before_start, head_end)
                if ctx.cue_span(cv)[1] <= head_end and cv.kind in ("verb", "impersonal",
                                                                   "clause")),
               key=lambda cv: ctx.cue_span(cv)[1], default=None)
    if last is not None:
        gap = text[ctx.cue_span(last)[1]:head_end]
        between = tokens[last.b:ctx.token_index(head_end)]
        if before[-1:] == "." and before_start < ctx.sentence_bounds(o)[0] or \
                before[-1:] in ":,." and ctx.sentence_bounds(o)[0] > before_start:
            # the sentence before: only "Racconta Bonacini." or "… ha spiegato:"
            close = before[-1:] == ":" or (len(between) <= 5 and not any(
                t.lower == "che" or t.text in _QUOTE_CHARS for t in between))
        elif before[-1:] in ":,.":
            close = head_end - ctx.cue_span(last)[1] < 40
        else:
            close = not gap.strip() or all(t.lower in res.adverbs for t in between)
        if close:
            who = ctx.author(last, o)
            return who or NOBODY, ctx.cue_text(last), c + 1, last
    if before.endswith(":"):
        noun = _statement_noun_before(ctx, head_end)
        if noun is not None:
            who, _ = ctx.named_after(noun + 1, head_end)
            return who or NOBODY, tokens[noun].text, c + 1, None
        who = _colon_subject(ctx, before_start, head_end)
        if who is not None:
            return who, None, c + 1, None
    if previous is not None and not text[previous[1]:o].strip(" \t\n.,;:–—-"):
        return previous[0], None, c + 1, None
    if inside is not None:
        # "«… - spiega - …»" opening its sentence: no subject, the latest speaker's if no
        # one else was named since; "- racconta il titolare -", a role no one of the
        # article holds, or a quote after "un altro vicino:": speech by no one named
        bare = inside.b < len(tokens) and tokens[inside.b].text in ",–—-" \
            and not _plural(tokens[inside.a].lower) and ctx.opens_sentence(ctx.token_index(o))
        who = ctx.last_speaker(o) if bare else None
        named = ctx.last_named(o) if who is not None else None
        if named is not None and named.person != who.person:
            who = None  # "Don Orfeo non vede un legame. «… - risponde - …»": not the speaker
        return who or NOBODY, ctx.cue_text(inside), c + 1, inside
    return None


def _statement_noun(ctx: _Ctx, k: int) -> int | None:
    """Token index of a statement noun at ``k`` (after an optional article): "il
    commento", "le parole"."""
    tokens = ctx.tokens
    if k < len(tokens) and _bare(tokens[k].lower) in ctx.res.articles:
        k += 1
    if k < len(tokens) and tokens[k].lower in ctx.res.statement_nouns:
        return k
    return None


def _statement_noun_before(ctx: _Ctx, end: int) -> int | None:
    """A statement noun within the three words before ``end``: "accompagnata da questo
    commento:"."""
    k = ctx.token_index(end) - 1
    for j in range(k, max(-1, k - 4), -1):
        if ctx.tokens[j].lower in ctx.res.statement_nouns:
            return j
    return None


def _colon_subject(ctx: _Ctx, a: int, b: int) -> Who | None:
    """The author introducing a quote with a colon and no speech verb: the one person
    named in the sentence who is not a complement ("Conte: «…»", "Proprio Luca, che ha
    visto le immagini: «…»")."""
    first = ctx.token_index(ctx.sentence_bounds(b - 1)[0]) if b > 0 else 0
    found: list[Who] = []
    for k in range(max(first, ctx.token_index(a)), ctx.token_index(b)):
        e = ctx.entity_at.get(k)
        if e is not None and e.kind == "person" and not ctx.in_complement(e):
            who = ctx.who_is(e)
            if who is not None and who not in found:
                found.append(who)
    return found[0] if len(found) == 1 else None


def _indirect(ctx: _Ctx, cue: Cue, speech: Speech, field_name: str) -> None:
    """Indirect speech or a statement referred to, from one cue outside quotes."""
    text = ctx.text
    v_start = ctx.cue_span(cue)[0]
    s_start, s_end = ctx.sentence_bounds(v_start)
    if cue.kind == "judgement":
        who = ctx.subject_before(cue.a, 22)
        if who is not None and who.person is not None:
            _refer(ctx, speech, who, v_start, judged=True)
        return
    if cue.kind in ("agent", "statement"):
        who, _ = ctx.named_after(cue.b, s_end)
        _refer(ctx, speech, who, v_start)
        return
    if cue.kind == "according":
        _according(ctx, cue, speech, field_name)
        return
    after = text[ctx.cue_span(cue)[1]:ctx.cue_span(cue)[1] + 4].lstrip(" :")
    if after[:1] in _QUOTE_CHARS:
        return  # "ha affermato: «…»": the direct quote is its content
    who = ctx.author(cue, s_end)
    if who is None or not who.named:
        return
    start, end, clause = _content(ctx, cue, s_start, s_end)
    if not clause and ctx.tokens[cue.b - 1].lower in ctx.res.clause_only:
        if cue.a > 0 and ctx.tokens[cue.a - 1].lower == "quanto":
            _refer(ctx, speech, who, v_start)  # "è quanto sostiene Rossi": what was said
        return  # "per sostenere la sua nazione", "ha parlato in aula": not reported words
    if start >= end:
        _refer(ctx, speech, who, v_start)
        return
    _record(ctx, speech, Quote(who.person, text[start:end], "indirect", start, end,
                               ctx.cue_text(cue), who.source, field_name), who)


def _according(ctx: _Ctx, cue: Cue, speech: Speech, field_name: str) -> None:
    """"secondo X, …", "come ha spiegato X": the words after the name, or before the
    cue when it closes the sentence ("…, secondo Watson.")."""
    text = ctx.text
    v_start = ctx.cue_span(cue)[0]
    s_start, s_end = ctx.sentence_bounds(v_start)
    relative = _relative_end(ctx.tokens, cue.b)
    if relative is not None:  # "la dichiarazione di Bonaccini, secondo cui …"
        who = _relative_author(ctx, cue.a)
        if who is not None and who.named:
            start, end = ctx.clip(ctx.tokens[relative - 1].end, s_end)
            if len(text[start:end].split()) >= 2:
                _record(ctx, speech, Quote(who.person, text[start:end], "indirect", start,
                                           end, ctx.cue_text(cue), who.source, field_name),
                        who)
        return
    who, name_end = ctx.named_after(cue.b, s_end)
    if who is None:
        return
    start, end = ctx.clip(_past_apposition(ctx, name_end, s_end), s_end)
    if len(text[start:end].split()) < 2:  # "…, secondo Watson."
        start, end = ctx.clip(max(s_start, v_start - ctx.max_chars), v_start)
    if len(text[start:end].split()) < 2:
        _refer(ctx, speech, who, v_start)
        return
    _record(ctx, speech, Quote(who.person, text[start:end], "indirect", start, end,
                               ctx.cue_text(cue), who.source, field_name), who)


_RELATIVE_ARTICLES = frozenset({"il", "la", "i", "le"})


def _relative_end(tokens: list[Token], k: int) -> int | None:
    """The token after "cui" or "il quale" (and forms) at ``k``, if one is there:
    "secondo cui", "secondo la quale" refer back to a name before the cue."""
    if k < len(tokens) and tokens[k].lower == "cui":
        return k + 1
    if k + 1 < len(tokens) and tokens[k].lower in _RELATIVE_ARTICLES \
            and tokens[k + 1].lower in ("quale", "quali"):
        return k + 2
    return None


def _relative_author(ctx: _Ctx, a: int) -> Who | None:
    """Who "secondo cui" at token ``a`` refers to: the name just before it ("Rossi,
    secondo cui"), also as the owner of a statement ("la dichiarazione di Bonaccini,
    secondo cui")."""
    who = ctx.antecedent(a)
    if who is not None:
        return who
    j = a - 1
    if j >= 0 and ctx.tokens[j].text == ",":
        j -= 1
    for e in ctx.ends.get(j, ()):
        if e.kind == "person" and e.a >= 2 and _bare(ctx.tokens[e.a - 1].lower) in _DI \
                and ctx.tokens[e.a - 2].lower in ctx.res.statement_nouns:
            return ctx.who_is(e)
    return None


def _past_apposition(ctx: _Ctx, pos: int, stop: int) -> int:
    """After a name, the end of the role in apposition to it, if any: "Secondo Adriano
    Aguzzi, docente di neuropatologia all’università di Zurigo, l’utilizzo …"."""
    k = ctx.token_index(pos)
    tokens = ctx.tokens
    if k + 1 >= len(tokens) or tokens[k].text != "," or tokens[k].start >= stop:
        return pos
    j = k + 1
    if _bare(tokens[j].lower) in ctx.res.articles:
        j += 1
    if j >= len(tokens) or fold(_bare(tokens[j].lower)) not in ctx.res.roles:
        return pos
    while j < len(tokens) and tokens[j].start < stop and tokens[j].text != ",":
        j += 1
    return tokens[j].end if j < len(tokens) and tokens[j].start < stop else stop


def _content(ctx: _Ctx, cue: Cue, s_start: int, s_end: int) -> tuple[int, int, bool]:
    """The reported words of a speech cue, and whether a clause introduces them: the
    "che" clause after it, an infinitive ("ha annunciato di voler …"), a "come" clause,
    a colon; else an object ("ha elogiato le misure"), or the words before the cue when
    it ends the sentence ("Il piano è pronto, ha spiegato Rossi.")."""
    text, tokens = ctx.text, ctx.tokens
    v_end = ctx.cue_span(cue)[1]
    tail = _CHE.match(text, v_end)
    if tail is not None and tail.end() <= s_end:
        return (*ctx.clip(tail.end(), s_end), True)
    tail = _TO_DI_INFINITIVE.match(text, v_end)
    if tail is not None and tail.end() <= s_end:
        return (*ctx.clip(tail.end("di"), s_end), True)
    if tokens[cue.b - 1].lower in ctx.res.exhortations:
        tail = _OBJECT_A_INFINITIVE.match(text, v_end)
        if tail is not None and tail.end() <= s_end:
            return (*ctx.clip(tail.end("a"), s_end), True)
    k = cue.b
    while k < len(tokens) and tokens[k].start < s_end and tokens[k].lower in ctx.res.adverbs:
        k += 1
    opener = tokens[k].lower.rstrip("'’") if k < len(tokens) else ""
    if opener and tokens[k].start < s_end and (opener in ("come", ":") or opener in _DI):
        start, end = ctx.clip(tokens[k].end, s_end)
        if len(text[start:end].split()) >= (1 if opener in _DI else 2):
            return start, end, True  # "ha parlato di tasse", "ha parlato del debito"
    if k < len(tokens) and (tokens[k].lower in ctx.res.auxiliaries
                            or tokens[k].lower in ctx.res.finite_verbs):
        return v_end, v_end, False  # "alla quale Maroni stava rispondendo era …"
    # the author named after the verb is not what is reported: "scrive La Repubblica, …"
    e = ctx.entity_at.get(k) if k < len(tokens) else None
    start, end = ctx.clip(e.end if e is not None else v_end, s_end)
    if len(text[start:end].split()) >= 3:
        return start, end, text[start:start + 1] in _QUOTE_CHARS
    v_start = ctx.cue_span(cue)[0]
    start, end = ctx.clip(max(s_start, v_start - ctx.max_chars), v_start)
    if text[start:end].lower().endswith("come"):
        start, end = ctx.clip(start, end - len("come"))
    if len(text[start:end].split()) >= 3:
        # reported words before the verb only when set off from it: "…, ricorda Rossi."
        return start, end, text[:v_start].rstrip()[-1:] in ",–—-" or text[
            :v_start].rstrip().lower().endswith("come")
    return end, end, False


def _verdict(ctx: _Ctx, o: int, c: int, speech: Speech) -> None:
    """A quoted rating ("Un “Vero” per Letta", "Costa merita un «Pinocchio andante»")
    rates the claim of the first person of its sentence, or of a role there ("al Primo
    Cittadino"); a rating standing alone ("“Vero”!") the one of the sentence before."""
    s_start, s_end = ctx.sentence_bounds(o)
    k = ctx.token_index(s_start)
    if not ctx.text[s_start:o].strip(" .!…") and not ctx.text[c + 1:s_end].strip(" .!…"):
        j = k - 1
        while j > 0 and not ctx.tokens[j].text[0].isalnum():
            j -= 1
        if j >= 0:
            s_start = ctx.sentence_bounds(ctx.tokens[j].start)[0]
            k = ctx.token_index(s_start)
    role_at = None
    while k < len(ctx.tokens) and ctx.tokens[k].start < s_end:
        e = ctx.entity_at.get(k)
        if e is not None and e.kind == "person":
            _refer(ctx, speech, ctx.who_is(e), o, judged=True)
            return
        if role_at is None and fold(_bare(ctx.tokens[k].lower)) in ctx.res.roles:
            role_at = k
        k += 1
    who = ctx.by_role(role_at, o) if role_at is not None else None
    if who is not None:
        _refer(ctx, speech, who, o, judged=True)
    elif role_at is not None:
        speech.rates_nobody = True


# -- the headline ---------------------------------------------------------------------

def is_claim_title(title: str, tokens: list[Token], res: Resources) -> bool:
    """Whether a headline is the checked claim itself rather than a headline about it:
    quoted whole, timed ("(Min. 36:47)"), in the first person ("Ho scoperto…",
    "Cambiamo…") or a sentence ending with a full stop; not one opening with a verdict
    ("Vero:", "No,") or asking a question."""
    text = title.strip()
    if sum(1 for t in tokens if t.text[0].isalpha()) < 4 or text.endswith("?") \
            or _phrase_at(tokens, 0, res.checker_openings):
        return False
    if text[0] in _QUOTE_CHARS and text.rstrip(". ")[-1:] in _QUOTE_CHARS:
        return True
    if _TIMESTAMP.search(text):
        return True
    for t in tokens:
        w = t.lower
        if w in res.checker_words:
            return False  # "… ma non sappiamo quanto funziona": the fact-checker writes
        if w in res.first_person or (len(w) >= 6 and w.endswith(res.first_person_endings)):
            return True
    return text.endswith((".", "!", "…"))


def claim_span(title: str) -> tuple[int, int]:
    """The claim in a claim headline: without a closing timestamp and enclosing marks."""
    end = len(title)
    m = _TIMESTAMP.search(title)
    if m:
        end = m.start()
    start = 0
    while start < end and (title[start].isspace() or title[start] in _QUOTE_CHARS):
        start += 1
    while end > start and (title[end - 1].isspace() or title[end - 1] in _QUOTE_CHARS):
        end -= 1
    return start, end


def title_claim(title: str, title_tokens: list[Token], body: Speech,
                res: Resources) -> Quote | None:
    """The headline as the claim of the person the body rates or judges first, else of
    its first speaker, else of the person its first sentence names; unattributed when
    the body rates someone it does not name ("per il leader del M5S")."""
    if not is_claim_title(title, title_tokens, res):
        return None
    start, end = claim_span(title)
    if end - start < 3:
        return None
    speaker = None
    if body.judged:
        speaker = min(body.judged)[1]
    elif body.rates_nobody:
        speaker = None
    elif body.speakers:
        speaker = min(body.speakers)[1]
    else:
        speaker = body.opening_person
    return Quote(speaker, title[start:end], "direct", start, end, None, None, "title")


def reported_speech(body: str, body_tokens: list[Token], body_entities: list[Entity],
                    body_person: dict[int, str], title: str, title_tokens: list[Token],
                    title_entities: list[Entity], title_person: dict[int, str],
                    res: Resources, date: str | None = None
                    ) -> tuple[list[Quote], list[str], list[str]]:
    """The quotes of an article (the title's first), its speakers and the
    organisations that state something in it, each once in order of appearance;
    ``date`` (ISO day) picks the offices of people.yaml its people held."""
    shift = len(title) + 1  # the title's mentions come before the body's
    body_roles = role_mentions(body_tokens, body_entities, body_person, res.person_roles, res,
                               date=date)
    title_roles = role_mentions(title_tokens, title_entities, title_person, res.person_roles,
                                res, date=date)
    in_body = attribute(body, body_tokens, body_entities, body_person,
                        body_roles + [RoleMention(r.start - shift, r.person, r.words, r.past)
                                      for r in title_roles], res)
    in_title = attribute(title, title_tokens, title_entities, title_person,
                         title_roles + [RoleMention(r.start + shift, r.person, r.words, r.past)
                                        for r in body_roles], res, "title")
    quotes = list(in_title.quotes)
    if not in_title.quotes and not in_title.speakers:
        claim = title_claim(title, title_tokens, in_body, res)
        if claim is not None:
            quotes.append(claim)
            if claim.speaker is not None:
                in_title.speakers.append((claim.start, claim.speaker))
    quotes += in_body.quotes
    speakers = dict.fromkeys(name for _, name in sorted(in_title.speakers) +
                             sorted(in_body.speakers))
    sources = dict.fromkeys(name for _, name in sorted(in_title.sources) +
                            sorted(in_body.sources))
    return quotes, list(speakers), list(sources)
