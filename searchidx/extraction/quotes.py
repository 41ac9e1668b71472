"""Who is reported as saying what: direct quotes and indirect speech.

Direct quotes are the text between quotation marks, attributed by the speech
verb next to them (``“…”, ha detto il portavoce del Cremlino Dmitry Peskov``,
``Adrienne Watson … ha affermato: “…”``) or by the quote they continue.
Indirect speech is ``X ha detto/dichiarato/… che …``, ``… sottolineando che``,
``secondo X``. The speaker must be a person named in the article (a role such
as ``la portavoce`` resolves to the person recently named with it); "i
funzionari statunitensi" or an agency is nobody, and nothing is attributed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..analysis import fold
from ..models import Person, Quote
from .entities import Entity
from .resources import Resources
from .text import Token

_QUOTE_CHARS = frozenset("“”«»\"„")
# what may stand between a speech verb and "che": "ha detto ieri ai giornalisti che",
# "ha riferito, citando una fonte ufficiale russa, che"
_CHE = re.compile(r"(?:\s*,[^,.;:!?]{0,60},)?\s*(?:[^\s,.;:!?“”«»\"]+\s+){0,4}?che\b",
                  re.IGNORECASE)
_ROLE_LOOKBACK = 600  # characters: how far back "il portavoce" looks for its person


def _bare(word: str) -> str:
    """``dell’`` -> ``dell``: elided forms compare with their plain spelling."""
    return word.rstrip("'’`")


@dataclass
class _Ctx:
    text: str
    tokens: list[Token]
    starts: list[int]  # token start offsets, for bisect
    entity_at: dict[int, Entity]  # first token index -> entity
    ends: dict[int, list[Entity]]  # last token index -> entities
    person: dict[int, str]  # first token index -> canonical name
    res: Resources
    verbs: list[tuple[int, int, bool]]  # speech verb phrases: start, end, is a gerund
    verb_at: dict[int, tuple[int, int, bool]]  # by the first token's start offset
    verb_starts: list[int]
    sentences: list[tuple[int, int]]  # character range of each sentence, by number
    roles: list[tuple[int, str, frozenset[str]]]  # body mentions of people with a role
    role_starts: list[int]
    max_chars: int

    def token_index(self, pos: int) -> int:
        """Index of the first token starting at or after character ``pos``."""
        return bisect_left(self.starts, pos)

    def in_complement(self, e: Entity) -> bool:
        """Is the entity the object of a preposition ("con il presidente Putin")?"""
        k = e.a - 1
        seen_role = False
        steps = 0
        while k >= 0 and steps < 5 and self.tokens[k].sent == self.tokens[e.a].sent:
            w = _bare(self.tokens[k].lower)
            if w in self.res.prepositions:
                return steps == 0 or seen_role
            if w in self.res.roles:
                seen_role = True
            elif not (w in self.res.articles or (w.isalpha() and not self.tokens[k].upper)):
                return False
            k -= 1
            steps += 1
        return False

    def subject_before(self, pos: int, max_tokens: int) -> str | None:
        """The person who is the subject of a verb at ``pos``: the nearest name before
        it in the sentence that is not a complement; None if something else is."""
        k = self.token_index(pos) - 1
        if k < 0:
            return None
        sent = self.tokens[k].sent
        steps = 0
        while k >= 0 and self.tokens[k].sent == sent and steps < max_tokens:
            if self.tokens[k].lower == "che":
                return None  # a relative clause: "Kim che gli ha mostrato"
            for e in self.ends.get(k, ()):
                if self.in_complement(e):
                    break
                if e.kind == "person":
                    return self.person.get(e.a)
                if steps < 3:
                    return None  # "la Casa Bianca ha dichiarato", "Kyodo ha riferito"
            k -= 1
            steps += 1
        return None

    def speaker_after(self, pos: int, stop: int) -> str | None:
        """The speaker named after a verb ending at ``pos`` ("ha detto il portavoce del
        Cremlino Dmitry Peskov"), skipping complements ("ai giornalisti", "del Cremlino")."""
        k = self.token_index(pos)
        if k >= len(self.tokens):
            return None
        sent = self.tokens[k].sent
        window = self.res.quote_settings.get("speaker_window", 14)
        complement = False
        role: str | None = None
        steps = 0
        while k < len(self.tokens) and steps < window:
            tok = self.tokens[k]
            if tok.sent != sent or tok.start >= stop or tok.lower == "che" \
                    or tok.text in _QUOTE_CHARS:
                break
            e = self.entity_at.get(k)
            if e is not None:
                if not complement:
                    return self.person.get(e.a) if e.kind == "person" else None
                complement = False
                k = e.b
                steps += e.b - e.a
                continue
            w = _bare(tok.lower)
            if w in self.res.prepositions:
                complement = True
            elif w in self.res.articles or tok.text == ",":
                complement = False
            elif w in self.res.roles and not complement and role is None:
                role = w
            elif tok.upper:
                complement = False
            k += 1
            steps += 1
        return self.by_role(role, pos) if role else None

    def by_role(self, role: str, pos: int) -> str | None:
        """The person most recently named before ``pos`` with this role word."""
        k = bisect_left(self.role_starts, pos) - 1
        while k >= 0 and self.roles[k][0] >= pos - _ROLE_LOOKBACK:
            if role in self.roles[k][2]:
                return self.roles[k][1]
            k -= 1
        return None

    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        """Character range of the sentence holding ``pos``."""
        k = min(self.token_index(pos), len(self.tokens) - 1)
        return self.sentences[self.tokens[k].sent]

    def verbs_between(self, a: int, b: int) -> list[tuple[int, int, bool]]:
        """Speech verbs starting in ``[a, b)``."""
        return self.verbs[bisect_left(self.verb_starts, a):bisect_left(self.verb_starts, b)]

    def clip(self, a: int, b: int) -> tuple[int, int]:
        """``[a, b)`` without surrounding blanks, at most ``max_chars`` long."""
        b = min(b, a + self.max_chars)
        piece = self.text[a:b]
        lead = len(piece) - len(piece.lstrip())
        return a + lead, a + len(piece.rstrip())


def _direct_spans(text: str, res: Resources) -> list[tuple[int, int]]:
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


def extract_quotes(text: str, tokens: list[Token], entities: list[Entity],
                   person: dict[int, str], people: list[Person],
                   res: Resources) -> list[Quote]:
    """Direct and indirect quotes of ``text`` with a named speaker, in text order."""
    if not tokens:
        return []
    ends: dict[int, list[Entity]] = {}
    for e in entities:
        ends.setdefault(e.b - 1, []).append(e)
    verbs = _speech_verbs(tokens, res)
    sentences: list[tuple[int, int]] = [(0, 0)] * (tokens[-1].sent + 1)
    for t in tokens:
        first = sentences[t.sent][1] == 0
        sentences[t.sent] = (t.start if first else sentences[t.sent][0], t.end)
    roles = sorted((m.start, p.name, frozenset(fold(p.role).split()))
                   for p in people if p.role for m in p.mentions if m.field == "body")
    ctx = _Ctx(text, tokens, [t.start for t in tokens],
               {e.a: e for e in entities}, ends, person, res, verbs,
               {v[0]: v for v in verbs}, [v[0] for v in verbs], sentences, roles,
               [r[0] for r in roles], int(res.quote_settings.get("max_chars", 2000)))
    min_words = int(res.quote_settings.get("min_words", 3))
    quotes: list[Quote] = []
    spans = _direct_spans(text, res)
    previous: tuple[str, int] | None = None  # speaker and end of its attribution
    for o, c in spans:
        inner_start, inner_end = o + 1, c
        inner = text[inner_start:inner_end]
        if len(inner.split()) < min_words:
            continue
        speaker, attribution_end = _attribute_direct(ctx, o, c)
        if speaker is None and previous is not None:
            between = text[previous[1]:o]
            if not between.strip(" \t\n.,;:–—-"):
                speaker = previous[0]
        if speaker is None:
            previous = None
            continue
        lead = len(inner) - len(inner.lstrip())
        trail = len(inner) - len(inner.rstrip())
        quotes.append(Quote(speaker, inner.strip(), "direct", inner_start + lead,
                            inner_end - trail))
        previous = (speaker, max(attribution_end, c + 1))
    quotes.extend(_indirect(ctx, spans))
    quotes.sort(key=lambda q: (q.start, q.kind))
    return quotes


def _attribute_direct(ctx: _Ctx, o: int, c: int) -> tuple[str | None, int]:
    """Speaker of the quote between marks at ``o`` and ``c``, and where its attribution
    ends (a following quote with nothing else between continues it)."""
    text = ctx.text
    _, sent_end = ctx.sentence_bounds(c)
    k = ctx.token_index(c + 1)
    while k < len(ctx.tokens) and ctx.tokens[k].text in ",.;:–—-":
        k += 1
    verb = ctx.verb_at.get(ctx.tokens[k].start) if k < len(ctx.tokens) else None
    if verb is not None and not verb[2]:
        who = ctx.speaker_after(verb[1], len(text))
        if who is None:
            who = ctx.subject_before(o, 40)
        _, end = ctx.sentence_bounds(verb[1])
        return who, end
    # "«C’era un gruppo – ha spiegato Lodhi a Metro News – e ho deciso …»"
    for v_start, v_end, gerund in ctx.verbs_between(o + 1, c):
        if not gerund and text[max(o, v_start - 5):v_start].rstrip()[-1:] in ("–", "—", ","):
            who = ctx.speaker_after(v_end, c)
            if who is not None:
                return who, c + 1
    before_start = max(ctx.sentence_bounds(o)[0], o - 400)
    before = text[before_start:o].rstrip()
    if before.endswith(":") or before.endswith(","):
        head = before[:-1]
        head_end = before_start + len(head)
        last = max((v for v in ctx.verbs_between(before_start, head_end) if v[1] <= head_end),
                   key=lambda v: v[1], default=None)
        if last is not None and head_end - last[1] < 40:
            who = ctx.subject_before(last[0], 30)
            if who is None:
                who = ctx.speaker_after(last[1], o)
            return who, c + 1
        if before.endswith(":"):
            # "Conte: «…»" — a name alone opening the sentence
            k = ctx.token_index(before_start)
            e = ctx.entity_at.get(k)
            if e is not None and e.kind == "person" and e.end >= len(head.rstrip()) + before_start:
                return ctx.person.get(e.a), c + 1
    return None, sent_end


def _indirect(ctx: _Ctx, direct: list[tuple[int, int]]) -> list[Quote]:
    """``X ha detto che …``, ``…, sottolineando che …``, ``secondo X, …``."""
    text, res = ctx.text, ctx.res
    starts = [o for o, _ in direct]

    def quoted(pos: int) -> bool:
        k = bisect_left(starts, pos + 1) - 1
        return k >= 0 and direct[k][0] < pos < direct[k][1]

    out: list[Quote] = []
    for v_start, v_end, gerund in ctx.verbs:
        if quoted(v_start):
            continue
        s_start, s_end = ctx.sentence_bounds(v_start)
        tail = _CHE.match(text, v_end)
        if tail is None:
            continue
        who = ctx.subject_before(v_start, 30 if gerund else 20)
        if who is None and not gerund:
            before = text[s_start:v_start].rstrip()
            if before.endswith(","):
                who = ctx.speaker_after(v_end, tail.end())
        if who is None:
            continue
        start, end = ctx.clip(tail.end(), s_end)
        while start < end and text[start] in ",;:":
            start, end = ctx.clip(start + 1, end)
        if start < end:
            out.append(Quote(who, text[start:end], "indirect", start, end))
    for a_start, a_end in _according(ctx.tokens, res):
        if quoted(a_start):
            continue
        s_start, s_end = ctx.sentence_bounds(a_start)
        who, name_end = _according_speaker(ctx, a_end, s_end)
        if who is None:
            continue
        start, end = ctx.clip(name_end, s_end)
        while start < end and text[start] == ",":
            start, end = ctx.clip(start + 1, end)
        if start >= end:  # "…, secondo Watson.": the words before are reported
            start, end = ctx.clip(max(s_start, a_start - ctx.max_chars), a_start)
            while start < end and text[end - 1] == ",":
                start, end = ctx.clip(start, end - 1)
        if start < end:
            out.append(Quote(who, text[start:end], "indirect", start, end))
    return out


def _speech_verbs(tokens: list[Token], res: Resources) -> list[tuple[int, int, bool]]:
    """Speech verb phrases as (start, end, is a gerund): "ha detto", "ha anche
    rivelato", "dichiara", "sottolineando"."""
    out = []
    for k, t in enumerate(tokens):
        w = t.lower
        if w in res.finite_verbs:
            out.append((t.start, t.end, False))
        elif w in res.gerunds:
            out.append((t.start, t.end, True))
        elif w in res.participles:
            j = k - 1
            while j >= 0 and k - j <= 3 and tokens[j].lower in res.adverbs:
                j -= 1
            if j >= 0 and tokens[j].lower in res.auxiliaries and tokens[j].sent == t.sent:
                out.append((tokens[j].start, t.end, False))
    return out


def _according(tokens: list[Token], res: Resources) -> list[tuple[int, int]]:
    """(start, end) of each "secondo", "come ha spiegato", "stando a" ..."""
    out = []
    for k, t in enumerate(tokens):
        for phrase in res.according.get(t.lower, ()):
            n = len(phrase)
            if tuple(x.lower for x in tokens[k:k + n]) == phrase:
                out.append((t.start, tokens[k + n - 1].end))
                break
    return out


def _according_speaker(ctx: _Ctx, pos: int, stop: int) -> tuple[str | None, int]:
    """The person right after "secondo": "secondo Watson", "secondo quanto riferito
    dal portavoce del Cremlino Dmitry Peskov"; None before a comma or another word."""
    k = ctx.token_index(pos)
    res = ctx.res
    role: str | None = None
    complement = False
    steps = 0
    while k < len(ctx.tokens) and ctx.tokens[k].start < stop and steps < 12:
        tok = ctx.tokens[k]
        e = ctx.entity_at.get(k)
        if e is not None:
            if e.kind == "person" and not complement:
                return ctx.person.get(e.a), e.end
            if role is None or e.kind == "person":
                return None, 0
            complement = False
            steps += e.b - e.a
            k = e.b
            continue
        w = _bare(tok.lower)
        if role is None and (w in res.according_fillers or w in res.articles):
            pass
        elif w in res.roles and role is None:
            role = w
        elif role is not None and w in res.prepositions:
            complement = True
        elif role is not None and (w.isalpha() and not tok.upper):
            complement = False
        else:
            break
        k += 1
        steps += 1
    if role is not None:
        who = ctx.by_role(role, pos)
        if who is not None:
            return who, ctx.tokens[k - 1].end if k > 0 else pos
    return None, 0
