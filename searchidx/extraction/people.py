"""People of one article: mentions grouped under one canonical name each.

Variants merge when they agree once case, accents, hyphens, initials and
transliteration are ignored (``Kim Jong-Un`` / ``Kim Jong Un``, ``John F.
Kirby`` / ``John Kirby``, ``Sergej Shojgu`` / ``Sergei Shoigu``); a part of a
name (``Kirby``, ``Kim``, ``Kim-Jong``) joins the full name it belongs to in
the same article, else a known person of ``config/people.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..analysis import name_key
from ..models import Mention, Person
from .entities import Entity, display_name
from .resources import Resources, translit_key
from .text import Token

_STOPS = frozenset(",;:.()[]“”«»\"–—")
_ASIDE_MARKS = frozenset(",()[]“”«»\"'‘’–—")  # skipped between a name and its other name
_ALIAS_GAP = 10  # tokens at most between a name and its other name
_PLURAL_ARTICLES = frozenset({"i", "gli"})


@dataclass
class PersonMention:
    entity: Entity
    field: str  # "body" | "title"
    words: tuple[str, ...]  # transliteration keys of the name's words, initials dropped
    canonical: str | None = None


@dataclass
class Cluster:
    name: str
    words: tuple[str, ...]
    mentions: list[PersonMention] = field(default_factory=list)
    known: bool = False  # canonical name from people.yaml


def _words(text: str, res: Resources) -> tuple[str, ...]:
    parts = translit_key(text, res.translit).split()
    return tuple(p for p in parts if len(p) > 1)


def _known(text: str, res: Resources) -> str | None:
    """Canonical name of a people.yaml alias, ignoring case, hyphens, initials, spelling."""
    for key in (translit_key(text, res.translit), " ".join(_words(text, res))):
        hit = res.person_keys.get(key)
        if hit is not None:
            return hit
    return None


def _contiguous(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    n = len(part)
    return 0 < n < len(whole) and any(whole[k:k + n] == part for k in range(len(whole) - n + 1))


def _without_prefix(words: tuple[str, ...], res: Resources) -> tuple[str, ...]:
    """A name's words without the prefix opening it: "don Benassi" is a part of "don
    Luciano Benassi" as "Benassi" is."""
    return words[1:] if len(words) > 1 and words[0] in res.lexicon.prefixes else words


def _part_of(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether a shorter name is a part of a longer one: contiguous words ("Renzi",
    "Di Maio"), or a given name and the surname of a name with a middle name ("Jacob
    Chansley" of "Jacob Anthony Chansley")."""
    if _contiguous(part, whole):
        return True
    if not 2 <= len(part) < len(whole) or part[-1] != whole[-1] or part[0] != whole[0]:
        return False
    rest = iter(whole)
    return all(w in rest for w in part)


def role_near(tokens: list[Token], entity: Entity, res: Resources,
              other_people: frozenset[int] = frozenset()) -> str | None:
    """The role written next to a name: "il portavoce del Cremlino Dmitry Peskov",
    "la portavoce della Casa Bianca, Karine Jean-Pierre", "John F. Kirby, portavoce
    del consiglio per la sicurezza nazionale, ..."; never one across another person's
    name (``other_people``: their token indices): "con il premier Fillon, Monti"."""
    a, b = entity.a, entity.b
    sent = tokens[a].sent
    k = a - 1
    if k >= 0 and tokens[k].text == ",":
        k -= 1
    end = k + 1
    role_at = None
    while k >= 0 and end - k <= 12 and tokens[k].sent == sent:
        if tokens[k].text in _STOPS or k in other_people:
            break
        if tokens[k].lower in res.roles:
            role_at = k
        elif role_at is not None:
            break
        k -= 1
    if role_at is not None:
        # "i leader dei due paesi, Putin e Kim": a group's title, not one person's
        plural = role_at > 0 and tokens[role_at - 1].lower in _PLURAL_ARTICLES
        return None if plural else _span_text(tokens, role_at, end)
    if b + 1 < len(tokens) and tokens[b].text == "," and tokens[b + 1].lower in res.roles:
        e = b + 2
        while (e < len(tokens) and e - b < 12 and tokens[e].sent == sent
               and tokens[e].text not in _STOPS):
            e += 1
        return _span_text(tokens, b + 1, e)
    return None


def _span_text(tokens: list[Token], a: int, b: int) -> str:
    out = []
    for k in range(a, b):
        if k > a and tokens[k].start > tokens[k - 1].end:
            out.append(" ")
        out.append(tokens[k].text)
    return "".join(out)


def _reading_order(m: PersonMention) -> tuple[bool, int]:
    """The order a reader meets a person's mentions in: the title first, then the body."""
    return m.field != "title", m.entity.start


def cluster_people(mentions: list[PersonMention], res: Resources) -> list[Cluster]:
    """Group mentions of one person; full names first so parts can join them."""
    clusters: list[Cluster] = []
    by_words: dict[tuple[str, ...], Cluster] = {}
    by_name: dict[str, Cluster] = {}
    by_word: dict[str, list[Cluster]] = {}  # each word of a cluster's name -> clusters
    order = sorted(range(len(mentions)), key=lambda k: (-len(mentions[k].words), k))
    for k in order:
        m = mentions[k]
        if not m.words:
            continue
        target = by_words.get(m.words)
        if target is None and m.canonical is not None:
            target = by_name.get(m.canonical)
        if target is None and m.canonical is None:
            # a part of a longer name already seen in this article
            words = _without_prefix(m.words, res)
            parts = [c for c in by_word.get(words[0], ()) if _part_of(words, c.words)]
            if parts:
                ends = [c for c in parts if c.words[-len(words):] == words]
                target = (ends or parts)[0]
        if target is None:
            if m.canonical is not None:
                target = Cluster(m.canonical, _words(m.canonical, res), known=True)
            else:
                target = Cluster(display_name(m.entity.text), m.words)
            clusters.append(target)
            by_name.setdefault(target.name, target)
            by_words.setdefault(target.words, target)
            for w in set(target.words):
                by_word.setdefault(w, []).append(target)
        by_words.setdefault(m.words, target)
        target.mentions.append(m)
    for c in clusters:
        c.mentions.sort(key=_reading_order)
    clusters.sort(key=lambda c: min(map(_reading_order, c.mentions)))
    return clusters


def _one_letter_apart(a: str, b: str) -> bool:
    """Whether two words differ by one substituted, inserted or dropped letter."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1 or a == b:
        return a == b
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _spelling_slip(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Two full names of one person but for a slip: the surname the same and the given
    names one letter apart or spaced differently ("Nicolò"/"Nicola Fratoianni",
    "Pierferdinando"/"Pier Ferdinando Casini"), or the given names the same and a long
    surname one letter apart ("Matteo Salvini"/"Matteo Slavini" is not: two letters)."""
    if len(x) < 2 or len(y) < 2:
        return False
    given_x, given_y = "".join(x[:-1]), "".join(y[:-1])
    if x[-1] == y[-1]:
        return given_x[:1] == given_y[:1] and len(given_x) >= 4 \
            and _one_letter_apart(given_x, given_y)
    return x[:-1] == y[:-1] and min(len(x[-1]), len(y[-1])) >= 6 \
        and _one_letter_apart(x[-1], y[-1])


def _lone_slip(lone: Cluster, full_name: tuple[str, ...], res: Resources) -> bool:
    """A one-word name written once that is a long surname or given name of a full name
    of the article but for one letter ("Kullis" after "Kary Mullis", "Dejwan" after
    "Dejywan Floyd"); not a given name of names.yaml ("Marina" and "Ignazio Marino")."""
    if len(lone.words) != 1 or len(full_name) < 2 or len(lone.mentions) != 1 or lone.known:
        return False
    written = lone.mentions[0].entity.text.lower()
    if len(written) < 6 or written in res.lexicon.first_names:
        return False
    return any(_one_letter_apart(lone.words[0], w) for w in (full_name[0], full_name[-1]))


def merge_spelling_slips(clusters: list[Cluster], tokens: list[Token],
                         res: Resources) -> list[Cluster]:
    """One person written two ways in one article is one person, named as written most
    often (the first on a tie). Two people of config/people.yaml stay apart, and so do
    two names of one sentence ("Mario Rossi e Maria Rossi") or written more than once
    each: a slip is written once."""
    def sentences(c: Cluster) -> set[int]:
        return {tokens[m.entity.a].sent if m.field == "body" else -1 for m in c.mentions}

    def full(c: Cluster) -> int:
        return sum(1 for m in c.mentions if len(m.words) > 1)

    def slip(o: Cluster, c: Cluster) -> bool:
        if _lone_slip(c, o.words, res) or _lone_slip(o, c.words, res):
            return True
        return _spelling_slip(o.words, c.words) and min(full(o), full(c)) == 1

    kept: list[Cluster] = []
    for c in clusters:
        twin = next((o for o in kept if not (o.known and c.known) and slip(o, c)
                     and not sentences(o) & sentences(c)), None)
        if twin is None:
            kept.append(c)
            continue
        if len(twin.words) == 1 < len(c.words) or len(c.words) > 1 \
                and (len(c.mentions) > len(twin.mentions) or c.known):
            twin.name, twin.words, twin.known = c.name, c.words, c.known
        twin.mentions = sorted(twin.mentions + c.mentions, key=_reading_order)
    return kept


def _alias_side(words: tuple[str, ...], res: Resources) -> str | None:
    """Which of two names is the real one, given the words between them: "before" for
    "X (conosciuto anche con il nome di Y)", "after" for "Y, al secolo X", else None."""
    for side, cues in (("before", res.alias_before), ("after", res.alias_after)):
        for cue in cues:
            if words[:len(cue)] == cue and all(w in res.alias_fillers for w in words[len(cue):]):
                return side
    return None


def merge_aliases(clusters: list[Cluster], tokens: list[Token], res: Resources
                  ) -> list[Cluster]:
    """Two names of one person written one after the other with a cue between them
    ("Jacob Anthony Chansley (conosciuto anche con il nome di “Jake Angeli”)", "Isha
    Babaji (al secolo Francesco Ricciardi)") are one person, named by the real name
    (by the one config/people.yaml knows, if it knows one). Two people of people.yaml
    stay apart."""
    spans = sorted((m.entity.a, m.entity.b, k) for k, c in enumerate(clusters)
                   for m in c.mentions if m.field == "body")
    into: dict[int, int] = {}  # cluster index -> the index of the cluster it joined

    def root(k: int) -> int:
        while k in into:
            k = into[k]
        return k

    for (a1, b1, k1), (a2, _, k2) in zip(spans, spans[1:], strict=False):
        k1, k2 = root(k1), root(k2)
        if k1 == k2 or a2 - b1 > _ALIAS_GAP or tokens[a1].sent != tokens[a2].sent \
                or clusters[k1].known and clusters[k2].known:
            continue
        words = tuple(t.lower.replace("’", "'") for t in tokens[b1:a2]
                      if t.text not in _ASIDE_MARKS)
        side = _alias_side(words, res) if words else None
        if side is None:
            continue
        real, other = (k1, k2) if side == "before" else (k2, k1)
        if clusters[other].known:
            real, other = other, real
        into[other] = real
        target = clusters[real]
        target.mentions = sorted(target.mentions + clusters[other].mentions, key=_reading_order)
    return [c for k, c in enumerate(clusters) if k not in into]


def build_people(body_tokens: list[Token], body_entities: list[Entity],
                 title_entities: list[Entity], res: Resources
                 ) -> tuple[list[Person], dict[int, str], dict[int, str]]:
    """Persons of an article, and the canonical name of each person entity of the body
    and of the title (keyed by its first token index) for speaker attribution."""
    mentions: list[PersonMention] = []
    for field_name, entities in (("body", body_entities), ("title", title_entities)):
        for e in entities:
            # "la redazione di Facta": the tagger calls a publisher's name a person
            if e.kind == "person" and (e.canonical or name_key(e.text) not in res.publisher_keys):
                mentions.append(PersonMention(e, field_name, _words(e.text, res),
                                              e.canonical or _known(e.text, res)))
    # a one-word alias of a known person ("Kim") defers to a full name in the article
    longer: dict[str, set[str | None]] = {}  # word -> canonical names of longer mentions
    for o in mentions:
        if len(o.words) > 1:
            for w in o.words:
                longer.setdefault(w, set()).add(o.canonical)
    for m in mentions:
        if m.canonical is not None and len(m.words) == 1 \
                and longer.get(m.words[0], set()) - {m.canonical}:
            m.canonical = None
    clusters = merge_spelling_slips(cluster_people(mentions, res), body_tokens, res)
    clusters = merge_aliases(clusters, body_tokens, res)
    in_names = frozenset(k for m in mentions if m.field == "body"
                         for k in range(m.entity.a, m.entity.b))
    people: list[Person] = []
    by_token: dict[str, dict[int, str]] = {"body": {}, "title": {}}
    for c in clusters:
        # the role the article writes with the name (what they were then: roles change),
        # else the one people.yaml knows
        role = next((found for m in c.mentions if m.field == "body"
                     if (found := role_near(body_tokens, m.entity, res, in_names))), None)
        if role is None and c.known:
            role = res.person_roles.get(c.name)
        people.append(Person(
            name=c.name, role=role,
            mentions=[Mention(m.entity.text, m.entity.start, m.entity.end, m.field)
                      for m in c.mentions]))
        for m in c.mentions:
            by_token[m.field][m.entity.a] = c.name
    return people, by_token["body"], by_token["title"]
