"""Which sentences need the full parse: the union of what each extraction rule family reads.

Stage one (see `stages.py`) gives words, entities and sentence boundaries. Tags, lemmas and
dependencies are read by three rule families, each only in sentences it can act on:

- event types: a sentence where every lexical anchor and entity label of some trigger rule
  occurs (lemmas are guessed from the word form with the lemmatizer's own tables, so the
  guess is a superset of the model's lemma);
- counted amounts ("390 Ukrainians"): a number that may count a word after it
  (`amounts.count_candidates`, the same test the amount rules make before reading the parse);
- entities: the places where `entities`, `spans` and `untagged` consult the parse, i.e. a
  name span whose kind the alias data and the gazetteer leave open (place-or-speaker tests,
  nationality adjectives, capital artifacts, job titles), a capitalised word before a person
  (given names), and a capitalised word outside the model's entities that the alias data,
  the gazetteer or a person's surname could make a name.

Each test is a cheap over-approximation of the rule it stands for: choosing a sentence
that did not need the parse costs time, missing one would change the output. The tests
mirror the entity rules as they read the parse; when those rules read the parse somewhere
new, this module must learn it (tests/test_extract.py compares two-stage output with a full
parse's on real articles to catch that).
"""
from __future__ import annotations

from functools import lru_cache

import numpy

from .amounts import count_candidates
from .canonical import key
from .places import looks_like_demonym
from .spans import PARTICLES

#: Entity labels whose spans become name candidates (spans.LABEL_KIND without the pseudo-labels).
NAME_LABELS = frozenset(("PERSON", "ORG", "GPE", "LOC", "FAC"))
PLACE_LABELS = frozenset(("GPE", "LOC"))


class LemmaGuess:
    """Every lemma the model could give a word form, from the lemmatizer's tables (a superset).

    >>> guess = LemmaGuess(nlp)          # doctest: +SKIP
    >>> {"strike", "striking"} <= guess("striking")     # doctest: +SKIP
    True
    """

    def __init__(self, nlp):
        lookups = nlp.get_pipe("lemmatizer").lookups
        self.rules = [pair for table in lookups.get_table("lemma_rules").values()
                      for pair in table]
        self.exceptions: dict[str, set[str]] = {}
        for table in lookups.get_table("lemma_exc").values():
            for word, lemmas in table.items():
                self.exceptions.setdefault(word, set()).update(lemmas)
        for word, lemma in _ruler_lemmas(nlp):
            self.exceptions.setdefault(word, set()).add(lemma)
        self.guess = lru_cache(maxsize=200_000)(self._guess)

    def __call__(self, lower: str) -> frozenset[str]:
        return self.guess(lower)

    def _guess(self, lower: str) -> frozenset[str]:
        forms = {lower}
        forms.update(self.exceptions.get(lower, ()))
        for old, new in self.rules:
            if lower.endswith(old) and len(lower) > len(old) - len(new):
                form = lower[: len(lower) - len(old)] + new
                if form:
                    forms.add(form)
        return frozenset(forms)


def _ruler_lemmas(nlp) -> list[tuple[str, str]]:
    """(word, lemma) the attribute ruler may set by word form ("'s" -> "be", "n't" -> "not")."""
    out: list[tuple[str, str]] = []
    if "attribute_ruler" not in nlp.component_names:
        return out
    for entry in nlp.get_pipe("attribute_ruler").patterns:
        lemma = entry["attrs"].get("LEMMA")
        for pattern in entry["patterns"]:
            at = pattern[entry.get("index", 0)] if lemma else None
            lower = at.get("LOWER") if at else None
            words = lower.get("IN", []) if isinstance(lower, dict) else [lower] if lower else []
            out.extend((word, lemma.lower()) for word in words if isinstance(word, str))
    return out


class ParseNeeds:
    """Doc (stage one) -> one bool per sentence: does any rule need its parse?

    >>> needs = ParseNeeds(nlp, extractor)      # doctest: +SKIP
    >>> needs(stage_one_doc)                    # doctest: +SKIP
    [True, False, False, True]
    """

    def __init__(self, nlp, extractor):
        self.lemmas = LemmaGuess(nlp)
        self.vocab = nlp.vocab
        self.events = extractor.events
        self.anchor_words = self.events.anchor_words() if self.events is not None \
            else frozenset()
        self._token_anchors: dict[tuple[int, bool], frozenset[str]] = {}
        entities = extractor.entities
        self.aliases, self.gaz = entities.aliases, entities.gaz
        self.dictionary = entities.rules.dictionary

    def __call__(self, doc) -> list[bool]:
        text = doc.text  # Doc.text joins every token anew: read it once
        sents = list(doc.sents)
        wanted = self._entity_sentences(doc)
        events = self._event_sentences(doc, sents)
        return [si in wanted or events[si] or any(count_candidates(doc, sent.start, sent.end,
                                                                   text))
                for si, sent in enumerate(sents)]

    def event_sentences(self, doc) -> list[bool]:
        """Per sentence, whether an event trigger may fire there (what titles need)."""
        return self._event_sentences(doc, list(doc.sents))

    # -- event types ------------------------------------------------------------------
    def _event_sentences(self, doc, sents: list) -> list[bool]:
        """Per sentence, whether some trigger rule may fire there (its anchor words, as
        guessed lemmas or forms, and its entity labels occur)."""
        from spacy.attrs import ENT_TYPE, LOWER, NORM

        if self.events is None or not len(doc):
            return [False] * len(sents)
        # Per distinct word form (numpy does the per-token work): most forms need no rule.
        values = doc.to_array([LOWER, NORM, ENT_TYPE])
        forms, form_of = numpy.unique(values[:, 0], return_inverse=True)
        anchors = [self._anchors_of(int(form)) for form in forms.tolist()]
        useful = numpy.array([bool(a) for a in anchors])[form_of]
        sent_of = (numpy.searchsorted([sent.start for sent in sents], numpy.arange(len(doc)),
                                      side="right") - 1).tolist()
        form_of = form_of.tolist()
        words: list[set[str]] = [set() for _ in sents]
        labels: list[set[str]] = [set() for _ in sents]
        for i in numpy.flatnonzero(useful).tolist():
            words[sent_of[i]] |= anchors[form_of[i]]
        for i in numpy.flatnonzero(values[:, 1] != values[:, 0]).tolist():
            words[sent_of[i]] |= self._anchors_of(int(values[i, 1]), norm=True)
        for i in numpy.flatnonzero(values[:, 2]).tolist():
            labels[sent_of[i]].add(doc.vocab.strings[int(values[i, 2])])
        return [self.events.may_fire(w, l) for w, l in zip(words, labels)]

    def _anchors_of(self, form: int, *, norm: bool = False) -> frozenset[str]:
        """The anchor words a word form may stand for: the form and its guessed lemmas (a
        norm: itself only) that some rule needs; cached, as most forms need none."""
        found = self._token_anchors.get((form, norm))
        if found is None:
            text = self.vocab.strings[form]
            forms = {text} if norm else self.lemmas(text) | {text}
            found = self._token_anchors[(form, norm)] = frozenset(forms & self.anchor_words)
        return found

    # -- entities -------------------------------------------------------------------
    def _entity_sentences(self, doc) -> set[int]:
        """Indexes of sentences where an entity rule reads the parse (see module docstring)."""
        from spacy.attrs import ENT_IOB, IS_ALPHA, SENT_START

        values = doc.to_array([SENT_START, ENT_IOB, IS_ALPHA])
        sent_of = numpy.cumsum(values[:, 0] == 1) - 1
        ents = [e for e in doc.ents if e.label_ in NAME_LABELS]
        spans = [(e.label_, s) for e, s in zip(ents, (_trimmed(e, self.aliases) for e in ents))
                 if s is not None]
        people = [s for label, s in spans if label == "PERSON"]
        full = {key(s[-1].text) for s in people if len(s) > 1}
        given = {key(s[0].text) for s in people if len(s) > 1}
        singles = {key(s.text) for s in people if len(s) == 1}
        wanted = {int(sent_of[span.start]) for label, span in spans
                  if self._span_reads_parse(label, span, full | given)}
        words = [t.text_with_ws for t in doc]
        outside = values[:, 1] == 2  # IOB "O": no entity of any label
        for i in numpy.flatnonzero(outside & (values[:, 2] == 1)):
            if words[i][0].isupper() and int(sent_of[i]) not in wanted \
                    and self._may_be_untagged_name(words, outside, i, full | singles):
                wanted.add(int(sent_of[i]))
        return wanted

    def _span_reads_parse(self, label: str, span, person_words: set[str]) -> bool:
        """Whether deciding this candidate's extent or kind reads tags, lemmas or the tree."""
        if label == "PERSON" and (self._given_name_before(span)
                                  or span[-1].lower_ in PARTICLES):
            return True  # spans.extend_given_names / _complete_particle read the POS
        text, one_word = span.text, len(span) == 1
        if self.aliases.find(text) or (one_word and key(text) in person_words):
            return False  # the alias data or the article's full names decide
        if label in PLACE_LABELS:  # entities.is_nationality reads the tag
            return one_word and self.gaz.lookup(text) is None \
                and not looks_like_demonym(text, self.gaz.country_names())
        place = self.gaz.lookup(text, primary=True)
        if place is not None and place.kind not in ("country", "continent"):
            return True  # is_place_here / settle_lists: prepositions, lists, speakers
        if label == "FAC" or not one_word:
            return False
        # in_job_title and is_capital_artifact read the lemma, the tag and the speaker
        return not span[0].is_upper and self._may_be_word(span[0])

    def _given_name_before(self, span) -> bool:
        """spans.is_given_name without its POS test: could the previous word be a given name?"""
        if span.start == 0:
            return False
        tok = span.doc[span.start - 1]
        return (tok.ent_iob_ == "O" and tok.is_alpha and tok.is_title and len(tok) > 1
                and not self.aliases.is_title(tok.text) and not self.aliases.is_not_name(tok.text)
                and tok.lower_ not in self.dictionary
                and self.gaz.lookup(tok.text, primary=True) is None)

    def _may_be_word(self, tok) -> bool:
        """spans.is_word without the lemma: could the word or one of its lemmas be English?"""
        return any(form in self.dictionary for form in self.lemmas(tok.lower_))

    def _may_be_untagged_name(self, words: list[str], outside, i: int,
                              person_keys: set[str]) -> bool:
        """untagged.UntaggedNames without its POS test: could a name start at word i?"""
        word = words[i].rstrip()
        if self.aliases.is_title(word) or self.aliases.is_not_name(word):
            return False
        if key(word) in person_keys:
            return True
        end = i + 1
        while end < len(words) and end - i < 3 and outside[end] and words[end][:1].isupper():
            end += 1
        for stop in range(end, i, -1):
            text = "".join(words[i:stop]).rstrip()
            if self.aliases.find(text) or self.gaz.lookup(text, primary=True) is not None:
                return True
        return False


def _trimmed(ent, aliases):
    """The entity as spans.SpanRules.trim leaves it (front articles, titles, punctuation)."""
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (doc[start].lower_ in ("the", "a", "an") or doc[start].is_quote
                           or (doc[start].is_punct and doc[start].text != ".")
                           or (ent.label_ == "PERSON" and end - start > 1
                               and aliases.is_title(doc[start].text))):
        start += 1
    while end > start and (doc[end - 1].text in ("'s", "\u2019s", "'", "\u2019")
                           or doc[end - 1].is_quote
                           or (doc[end - 1].is_punct and doc[end - 1].text not in (".", ")"))):
        end -= 1
    return doc[start:end] if end > start else None
