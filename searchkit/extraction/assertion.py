"""Does a trigger report its event as happening? Negation, modality, plans, claims, history.

A trigger is a set of tokens in a parsed sentence. Its *top* is the trigger token highest in
the dependency tree; its *chain* is the top and every token above it up to the sentence
root. Cue words (`data/event_cues.json`, see cues.py) found in set places along the chain
each leave a share (`factor`) of the trigger's evidence; the strongest cue decides:

- negated: a `neg` child of a trigger token or of the verb heading its clause ("did not
  attack"), "no" as a determiner ("no attack"), "without" above it ("without a fight");
- modal / future: a modal or future auxiliary of that verb ("could attack", "will
  impose"), or a future frame above it ("is set to", "is due to");
- conditional: a subordinator such as "if" on any clause of the chain;
- question: the sentence ends with "?";
- unrealised: a verb above it of threat, plan, request, fear or prevention ("threatened to
  invade", "called for a ceasefire"), one that only commits to a to-infinitive ("agreed to
  hold talks"), a noun of the same kind ("the threat of an invasion", "ceasefire talks"),
  or such a modifier ("a possible attack");
- purpose: a to-infinitive of purpose ("sent troops to capture"), not after an implicative
  verb ("used drones to attack", "managed to capture");
- denied / claimed: a verb or noun of denial ("denied shelling") or of unverified claim
  ("alleged that", "allegations of torture", "reportedly");
- historical: a year in its clause at least `years_back` before the article's year, or a
  word of history ("anniversary", "memorial");
- metaphor: for violent types, an object or complement from another contest ("price war",
  "battle for votes", "attack on the budget").

>>> rules = AssertionRules(load_cues())                                  # doctest: +SKIP
>>> rules.judge(doc, sent, {3}, group="Battles").cue                      # doctest: +SKIP
'unrealised'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .cues import Cues

#: Relations through which a governing verb's meaning reaches the trigger (its complements,
#: not its subject: "the attack prevented talks" does not make the attack unrealised).
COMPLEMENTS = frozenset(("dobj", "xcomp", "ccomp", "prep", "pobj", "nsubjpass", "attr", "oprd",
                         "acomp", "dative", "pcomp", "advcl", "conj", "appos", "agent", "relcl",
                         "acl", "npadvmod", "compound", "amod", "nmod", "poss"))
#: Relations that start a new clause (the trigger's own clause ends there).
CLAUSES = frozenset(("ccomp", "xcomp", "advcl", "relcl", "acl", "csubj", "csubjpass", "parataxis"))
#: A clause's own subject: a conjunct that has one shares nothing with the first conjunct.
SUBJECTS = frozenset(("nsubj", "nsubjpass", "csubj", "csubjpass", "expl"))
#: Relations by which a noun takes what it is about ("threat of", "talks on", "invasion plans").
NOUN_LINKS = frozenset(("prep", "compound", "amod", "nmod", "acl", "relcl", "poss", "appos"))
#: Prepositions that tie a topic to a noun ("fears of an attack", "calls for a ceasefire").
TOPIC_PREPS = frozenset(("of", "for", "on", "about", "over", "to", "against", "regarding"))
#: Prepositions that tie a contest to a violence word ("battle for votes", "war on drugs").
CONTEST_PREPS = frozenset(("for", "over", "against", "on", "of", "with", "between"))


@dataclass(frozen=True)
class Assertion:
    """How much of a trigger's evidence stands, and the cue that decided it."""

    factor: float = 1.0
    cue: str | None = None
    word: str | None = None


ASSERTED = Assertion()


class AssertionRules:
    """Judge triggers in parsed sentences with the cue data (see the module docstring)."""

    def __init__(self, cues: Cues):
        self.cues = cues
        w = cues.words
        self.metaphor_groups = w("metaphor", "groups")
        self.two_word_verbs = {}
        for verb in w("unrealised", "verbs"):
            head, _, particle = verb.partition(" ")
            self.two_word_verbs.setdefault(head, set()).add(particle)

    def judge(self, doc, sent, tokens: Iterable[int], *, group: str = "",
              reference_year: int | None = None) -> Assertion:
        """The weakest-leaving cue on the trigger `tokens` (doc indexes) in `sent`."""
        tokens = frozenset(tokens)
        top = _top(doc, tokens)
        chain = [top, *top.ancestors]
        found = [a for a in (
            self._negated(doc, tokens, chain),
            self._auxiliaries(chain),
            self._conditional(chain),
            self._question(sent),
            self._governors(doc, tokens, chain),
            self._modifiers(doc, tokens, chain),
            self._historical(sent, chain, reference_year),
            self._metaphor(doc, tokens, group),
        ) if a is not None]
        return min(found, key=lambda a: a.factor) if found else ASSERTED

    def _cue(self, category: str, word: str) -> Assertion:
        return Assertion(self.cues.factor(category), category, word)

    # -- cues -------------------------------------------------------------------------
    def _negated(self, doc, tokens, chain) -> Assertion | None:
        words = self.cues.words("negated")
        clause = _own_clause(chain)
        for tok in [doc[i] for i in sorted(tokens)] + clause + _linked_verbs(clause[-1]):
            for child in tok.children:
                if child.dep_ == "neg" or (child.dep_ in ("det", "advmod", "preconj")
                                           and child.lower_ in words):
                    return self._cue("negated", child.lower_)
                if child.dep_ in ("nsubj", "nsubjpass") and tok.pos_ in ("VERB", "AUX") and (
                        child.lower_ in words
                        or any(g.dep_ == "det" and g.lower_ in words for g in child.children)):
                    return self._cue("negated", child.lower_)  # "no group has claimed"
        for tok in chain[1:3]:
            if tok.dep_ == "prep" or tok.pos_ == "ADP":
                if tok.lower_ in words:
                    return self._cue("negated", tok.lower_)  # "without a fight"
        return None

    def _auxiliaries(self, chain) -> Assertion | None:
        clause = _own_clause(chain)
        for tok in clause + _linked_verbs(clause[-1]):
            for child in tok.children:
                if child.dep_ in ("aux", "auxpass") and child.tag_ == "MD":
                    word = child.lemma_.lower()
                    if word in self.cues.words("future") or child.lower_ in self.cues.words("future"):
                        return self._cue("future", word)
                    if word in self.cues.words("modal") or child.lower_ in self.cues.words("modal"):
                        return self._cue("modal", word)
        return None

    def _conditional(self, chain) -> Assertion | None:
        words = self.cues.words("conditional")
        for tok in chain:
            for child in tok.children:
                if child.dep_ == "mark" and child.lower_ in words:
                    return self._cue("conditional", child.lower_)
        return None

    def _question(self, sent) -> Assertion | None:
        last = next((t for t in reversed(sent) if not t.is_space), None)
        return self._cue("question", "?") if last is not None and last.text == "?" else None

    def _governors(self, doc, tokens, chain) -> Assertion | None:
        """Verbs and nouns above the trigger: plans, threats, denials, claims, purposes."""
        words = self.cues.words
        for below, above in zip(chain, chain[1:]):
            if above.i in tokens:
                continue
            lemma, rel = above.lemma_.lower(), below.dep_
            infinitive = _is_infinitive(below)
            if infinitive and lemma in words("implicative", "verbs"):
                continue
            if above.pos_ in ("VERB", "AUX", "ADJ") and rel in COMPLEMENTS:
                if lemma in words("denied", "verbs"):
                    return self._cue("denied", lemma)
                if self._unrealising_verb(above, below, infinitive):
                    return self._cue("unrealised", lemma)
                if infinitive and lemma in words("future", "before_to"):
                    return self._cue("future", lemma)
                if lemma in words("claimed", "verbs"):
                    return self._cue("claimed", lemma)
                if infinitive and rel == "advcl":
                    return self._cue("purpose", lemma)
            if above.pos_ in ("NOUN", "PROPN"):
                if rel in NOUN_LINKS | {"pobj"} and (rel != "prep" or below.lower_ in TOPIC_PREPS):
                    if lemma in words("unrealised", "nouns"):
                        return self._cue("unrealised", lemma)
                    if lemma in words("claimed", "nouns"):
                        return self._cue("claimed", lemma)
                if below.i not in tokens and rel in ("prep", "pobj", "compound", "conj", "appos"):
                    return None  # a phrase modifying another noun ("as part of the deal")
        return None

    def _unrealising_verb(self, verb, below, infinitive: bool) -> bool:
        lemma = verb.lemma_.lower()
        if infinitive and lemma in self.cues.words("unrealised", "infinitive_verbs"):
            return True
        particles = self.two_word_verbs.get(lemma)
        if not particles:
            return False
        if "" in particles:
            return True
        linked = {below.lower_} | {c.lower_ for c in verb.children if c.dep_ == "prt"}
        return not particles.isdisjoint(linked)

    def _modifiers(self, doc, tokens, chain) -> Assertion | None:
        """ "a possible attack", "the planned offensive", "allegedly shelled"."""
        unrealised = self.cues.words("unrealised", "modifiers")
        claimed = self.cues.words("claimed", "words")
        for tok in [doc[i] for i in sorted(tokens)] + _own_clause(chain)[-1:]:
            for child in tok.children:
                if child.dep_ not in ("amod", "advmod", "compound", "nmod", "npadvmod"):
                    continue
                word = child.lower_
                if word in unrealised or child.lemma_.lower() in unrealised:
                    return self._cue("unrealised", word)
                if word in claimed:
                    return self._cue("claimed", word)
        return None

    def _historical(self, sent, chain, reference_year: int | None) -> Assertion | None:
        """A word of history or an old year in the trigger's clause; or, when that clause
        names no date of its own, old years and no recent one in the sentence ("After
        Israel encircled the army in the 1973 war, Kissinger pressed for a ceasefire")."""
        words = self.cues.words("historical")
        clause = _clause_tokens(_own_clause(chain)[-1])
        for tok in clause:
            if tok.lemma_.lower() in words:
                return self._cue("historical", tok.lemma_.lower())
        if reference_year is None:
            return None
        old = reference_year - self.cues.years_back
        own = [year_of(t) for t in clause if _dates_event(t)]
        own = [y for y in own if y is not None]
        if own:
            return self._cue("historical", str(min(own))) if max(own) <= old else None
        if any(t.ent_type_ in ("DATE", "TIME") for t in clause):
            return None  # dated in its own words ("on Tuesday", "last week")
        years = [y for y in (year_of(t) for t in sent if _dates_event(t)) if y is not None]
        if years and max(years) <= old:
            return self._cue("historical", str(max(years)))
        return None

    def _metaphor(self, doc, tokens, group: str) -> Assertion | None:
        if group.lower() not in self.metaphor_groups:
            return None
        words = self.cues.words("metaphor")
        for i in sorted(tokens):
            for child in doc[i].children:
                if child.dep_ in ("compound", "amod", "nmod", "dobj", "poss") \
                        and child.lemma_.lower() in words:
                    return self._cue("metaphor", child.lemma_.lower())
                if child.dep_ == "prep" and child.lower_ in CONTEST_PREPS:
                    for obj in child.children:
                        if obj.dep_ == "pobj" and obj.lemma_.lower() in words:
                            return self._cue("metaphor", obj.lemma_.lower())
        return None


def reports_occurrence(doc, tokens, preps: frozenset[str]) -> bool:
    """Whether a trigger is told as something that happened: the verb of a finite clause
    ("Russia shelled"), a subject or object of one ("a car bomb detonated", "launched an
    attack"), or tied to one by a preposition of `preps` ("killed in a bomb attack", "hit by
    a missile"); not a word that only modifies another noun ("combat training"), nor an
    event named inside a phrase ("despite sanctions", "involvement in the bombings").

    >>> reports_occurrence(nlp("Peace activists staged a march."), {4}, PREPS)   # doctest: +SKIP
    True
    """
    top = _top(doc, frozenset(tokens))
    clause = _own_clause([top, *top.ancestors])[-1]
    if not _finite(clause):
        return False
    if top.i == clause.i:
        return True
    phrase = top
    while phrase.dep_ in ("compound", "amod", "nmod") and phrase.head.i != phrase.i:
        if phrase.head.i not in tokens:
            return False  # "[combat] training", "[fighting] force"
        phrase = phrase.head
    while phrase.dep_ == "conj" and phrase.head.i != clause.i:
        phrase = phrase.head  # "killed in [air strikes and] shelling"
    if phrase.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "oprd", "dative", "conj"):
        return phrase.head.i == clause.i and not _generic(phrase, clause)
    if phrase.dep_ == "pobj":
        prep = phrase.head
        return prep.lower_ in preps and prep.head.i == clause.i
    return False


def _generic(noun, verb) -> bool:
    """A bare plural in a present-tense clause says what such events are like, not that one
    happened ("Landmines are also a risk", "sanctions hurt trade")."""
    return verb.tag_ in ("VBZ", "VBP") and noun.tag_ in ("NNS", "NNPS") and not any(
        c.dep_ in ("det", "nummod", "poss", "quantmod") for c in noun.children)


def _finite(verb) -> bool:
    """A verb with tense of its own ("attacked", "has attacked", "attacks")."""
    return verb.tag_ in ("VBD", "VBZ", "VBP") or any(
        c.dep_ in ("aux", "auxpass") and c.lower_ != "to" for c in verb.children)


def quoted(text: str, at: int) -> bool:
    """Whether character `at` of `text` lies inside quotation marks opened earlier in its
    paragraph (what someone said, not what the article reports)."""
    start = text.rfind("\n", 0, at) + 1
    before = text[start:at]
    return before.count("\u201c") > before.count("\u201d") or before.count('"') % 2 == 1


def clause_head(doc, tokens) -> int:
    """Index of the head of the clause a trigger stands in."""
    top = _top(doc, frozenset(tokens))
    return _own_clause([top, *top.ancestors])[-1].i


def _top(doc, tokens: frozenset[int]):
    """The trigger token highest in the tree (the first, among equals)."""
    def depth(i: int) -> int:
        return sum(1 for _ in doc[i].ancestors)
    return doc[min(tokens, key=lambda i: (depth(i), i))]


def _own_clause(chain: list) -> list:
    """The chain up to and including the head of the trigger's own clause."""
    out = []
    for tok in chain:
        out.append(tok)
        if tok.pos_ in ("VERB", "AUX") or tok.dep_ in CLAUSES or tok.dep_ == "ROOT":
            break
    return out


def _linked_verbs(head) -> list:
    """Verbs whose auxiliaries and negation a clause head shares: the first conjunct of a
    coordination ("could reverse course and impose sanctions") and the verb an implicative
    or aspectual infinitive hangs from ("may attempt to destroy")."""
    out, tok = [], head
    while tok.dep_ in ("conj", "xcomp") and tok.head.i != tok.i and len(out) < 4:
        if tok.dep_ == "conj" and any(c.dep_ in SUBJECTS for c in tok.children):
            break  # a conjunct with its own subject is a clause of its own ("X did not
            # condemn it, and Y blamed Z")
        tok = tok.head
        if tok.pos_ not in ("VERB", "AUX", "ADJ"):
            break
        out.append(tok)
    return out


def _dates_event(tok) -> bool:
    """A year that says when something happened ("in 2014", "the 2007 bombing"), not one that
    bounds a period ("since 2012", "until 2025")."""
    head = tok.head
    return (tok.dep_ == "pobj" and head.lower_ in ("in", "during", "of")) or \
        tok.dep_ in ("compound", "nummod", "amod", "npadvmod") or \
        (tok.i > 0 and tok.doc[tok.i - 1].lower_ in ("in", "during"))


def _clause_tokens(head) -> list:
    """Tokens of the clause headed by `head`, without the clauses nested in it."""
    out, todo = [], [head]
    while todo:
        tok = todo.pop()
        out.append(tok)
        todo.extend(c for c in tok.children if c.dep_ not in CLAUSES)
    return out


def _is_infinitive(tok) -> bool:
    """A verb with its own "to" ("to attack"): the complement of "want to", "agree to"."""
    return tok.pos_ in ("VERB", "AUX") and any(
        c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def year_of(tok) -> int | None:
    """The year a token names, when it is a four-digit year in a date ("in 2014", "since 1991")."""
    text = tok.text
    if len(text) != 4 or not text.isdigit():
        return None
    year = int(text)
    if not 1800 <= year <= 2100:
        return None
    if tok.ent_type_ == "DATE" or (tok.i > 0 and tok.doc[tok.i - 1].lower_ in (
            "in", "since", "during", "until", "till", "from", "of", "by", "before", "after")):
        return year
    return None
