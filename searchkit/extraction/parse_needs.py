"""Which sentences need the full parse: the union of what each extraction rule family reads.

Stage one (see `stages.py`) gives words, entities and sentence boundaries. Tags, lemmas and
dependencies are read by three rule families, each only in sentences it can act on:

- event types: a sentence where every lexical anchor and entity label of some trigger rule
  occurs (lemmas are guessed from the word form with the lemmatizer's own tables, so the
  guess is a superset of the model's lemma);
- counted amounts ("390 Ukrainians"): a number that may count a word after it
  (`amounts.count_candidates`, the same test the amount rules make before reading the parse);
- entities: the places where `spans`, `entities`, `context` and `untagged` consult the
  parse. The candidates are the span rules' own, run on the stage-one Doc (their parse
  tests see no tags there); a sentence is chosen where a parse test could change a
  candidate's extent (given names before it or a surname after it, a particle's surname, an
  of-phrase, a possessive tag, a country-name split, a lowercased wire name) or its kind (a
  work or group noun before it, a common word that may speak, an unattested place and
  wherever the article names it, a City/County side, a known place other than a country,
  a big city that may be listed with places, a side in brackets, a one-word person after
  "in", a word that may be a capital artifact or part of a job title, the team and
  given-name ORG rules, a list of three that may form), and where an untagged name may
  start (a name after a title, a repeat of a name that may be a person's, a run the alias
  data or the gazetteer knows).

Each test is a cheap over-approximation of the rule it stands for: choosing a sentence
that did not need the parse costs time, missing one would change the output. The tests
mirror the entity rules as they read the parse; when those rules read the parse somewhere
new, this module must learn it (tests/test_extract.py compares two-stage output with a full
parse's on real articles to catch that).
"""
from __future__ import annotations

from functools import lru_cache

import numpy
from spacy.strings import hash_string

from .amounts import count_candidates
from .canonical import key
from .context import GROUP_NOUNS, INSIDE_PREPS, WORK_NOUNS, has_place_head
from .doctext import doc_text
from .entities import LIKELY_CITY, LIST_GAPS, singulars
from .given_names import is_given_name
from .places import looks_like_demonym
from .spans import CONNECTORS, PARTICLES, Cand

#: Entity labels whose spans become name candidates (spans.LABEL_KIND without the pseudo-labels).
NAME_LABELS = frozenset(("PERSON", "ORG", "GPE", "LOC", "FAC"))
PLACE_LABELS = frozenset(("GPE", "LOC"))
_PREP_HASHES = numpy.array([hash_string(w) for w in sorted(INSIDE_PREPS)], dtype="uint64")


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
        self.rules = entities.rules
        self.dictionary = entities.rules.dictionary

    def __call__(self, doc) -> list[bool]:
        text = doc_text(doc)
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
        """Indexes of sentences where an entity rule reads the parse (see module docstring).

        The candidates are the span rules' own, run on the stage-one Doc: their parse-free
        parts (trimming, lists, datelines, overlaps) are exact there, and every place where
        their parse-reading parts could act is chosen below.
        """
        from spacy.attrs import ENT_IOB, IS_ALPHA, SENT_START, SHAPE

        values = doc.to_array([SENT_START, ENT_IOB, IS_ALPHA, SHAPE])
        sent_of = numpy.cumsum(values[:, 0] == 1) - 1
        cands = self.rules.candidates(doc)
        seen = _Article(doc, cands, self, sent_of)
        reads: list[int] = []
        for c in cands:
            reads += seen.changes[id(c)] + self._candidate_reads(c, seen)
            reads += _cue_reads(doc, c)
        for group in seen.lists:
            reads += [c.start for c in group]  # agree_in_lists: is_word over its members
        wanted = {int(sent_of[i]) for i in reads if 0 <= i < len(doc)}
        # Capitalised words outside the model's entities (by their shape, without making
        # a Token of every word): where an untagged name may start or go on.
        capital = (values[:, 1] == 2) & _capitalised(doc, values[:, 3])
        for i in numpy.flatnonzero(capital & (values[:, 2] == 1)):
            if int(sent_of[i]) not in wanted:
                run = self._untagged_reads(doc, capital, int(i), seen)
                wanted.update(int(sent_of[j]) for j in run if 0 <= j < len(doc))
        return wanted

    def _candidate_reads(self, c: Cand, seen: "_Article") -> list[int]:
        """Tokens whose sentences' parse the rules deciding the kind of candidate `c` read
        (none: the alias data, the gazetteer or the article's words decide without it)."""
        doc = seen.doc
        span = doc[c.start:c.end]
        at = [c.start]
        if c.label == "DATELINE":
            return []
        text, one_word, k = span.text, len(span) == 1, key(span.text)
        if self.aliases.find(text):
            return []  # the alias data decides kind, lists, brackets and settling
        if c.label in ("PERSON", "ORG") and self._may_settle(span):
            return at  # settle_lists: listed with places (the tree)
        if c.label == "PERSON" and doc[c.start - 1].text == "(" and c.start >= 2 \
                and c.end < len(doc) and doc[c.end].text == ")":
            return at  # affiliations: a side in brackets, plural by the lemma
        if one_word and k in seen.sure_people:
            return []  # the article's full names decide (entities._Pass.kind)
        if one_word and c.label in ("PERSON", "ORG") and not text.isupper() and seen.is_common(k):
            return at  # a common word unless it speaks (is_speaker)
        primary = c.label not in PLACE_LABELS
        place = self.gaz.lookup(text, primary=primary)
        if c.label in PLACE_LABELS and place is None and one_word \
                and not looks_like_demonym(text, self.gaz.country_names()):
            return at + seen.place_cands.get(k, [])  # is_nationality reads the tag
        if c.label in ("PERSON", "GPE", "LOC") and len(span) > 1 \
                and span[-1].text[:1].isupper() and span[-1].lower_ in ("city", "county"):
            return at  # names_a_group asks whether the side competes
        if c.label in PLACE_LABELS:
            # unattested_place / a common word: is_word and where else it is used as a place
            return at + seen.place_cands.get(k, []) if place is None else []
        if place is not None and place.kind not in ("country", "continent"):
            return at  # is_place_here: prepositions, lists, speakers, contests
        return at if self._kind_reads_parse(c, span, seen) else []

    def _kind_reads_parse(self, c: Cand, span, seen: "_Article") -> bool:
        """The rest of entities._Pass.kind for a PERSON/ORG/FAC no place name decides:
        whether one of its parse tests could change the answer."""
        one_word, label = len(span) == 1, c.label
        if label == "PERSON" and has_place_head(span):
            return True  # is_described
        if label == "PERSON" and one_word and seen.prep_before(c.start):
            return True  # names_a_site / inside_place: the object of "in"
        if label == "FAC":
            return False
        if one_word:
            return self._may_be_word(span[0]) and (
                self._capital_artifact_reads(span[0], label) or self._in_job_title_reads(span))
        if label == "PERSON":
            return self._team_reads(span)
        return label == "ORG" and self._person_org_reads(span)

    @staticmethod
    def _capital_artifact_reads(tok, label: str) -> bool:
        """spans.is_capital_artifact past its is_word test: a word not all capitals that
        starts a sentence (the recogniser's second look) or a plural person (the tag); else
        the answer is no whatever the speaker test says."""
        return not tok.is_upper and (tok.is_sent_start or (label == "PERSON"
                                                           and tok.lower_.endswith("s")))

    def _in_job_title_reads(self, span) -> bool:
        """entities.in_job_title past its is_word test: a capitalised title after the word,
        or "of" after one before it."""
        doc, i = span.doc, span.start
        after = span.end < len(doc) and doc[span.end].text[:1].isupper() \
            and self.aliases.is_title(doc[span.end].text)
        return after or (i >= 2 and doc[i - 1].lower_ == "of" and doc[i - 2].text[:1].isupper()
                         and self.aliases.is_title(doc[i - 2].text))

    def _team_reads(self, span) -> bool:
        """entities.names_a_team: the last word's lemma matters only when the word is no
        English word as written but a singular of it is ("Sharks")."""
        last, first = span[-1], span[0]
        low = last.lower_
        if not last.text[:1].isupper() or not low.endswith("s") or low.endswith("ies") \
                or low in self.dictionary:
            return False
        if not (first.is_alpha and len(first) > 2) or is_given_name(first.text):
            return False
        return any(w in self.dictionary for w in singulars(low))

    def _person_org_reads(self, span) -> bool:
        """entities.looks_like_a_person past the tests that need no parse."""
        first = span[0]
        return 2 <= len(span) <= 3 and all(t.is_alpha and t.text[:1].isupper() for t in span) \
            and len(first) >= 3 and not first.text.isupper() \
            and first.lower_ not in self.dictionary and is_given_name(first.text)

    def _span_may_change(self, doc, c: Cand) -> list[int]:
        """Tokens read by the span rules' parse tests (spans.SpanRules.candidates) where
        they could change candidate `c`: growth over given names, a particle's surname, a
        surname after a one-word person, an of-phrase, a possessive tag, lowercase names."""
        span = doc[c.start:c.end]
        reads = []
        if c.label == "PERSON":
            if self._given_name_at(doc, c.start - 1):
                reads += [c.start, c.start - 1]
                if self._given_name_at(doc, c.start - 2):
                    reads.append(c.start - 2)
            if span[-1].lower_ in PARTICLES or (len(span) == 1
                                                 and self._given_name_at(doc, c.end)):
                reads += [c.start, c.end]
            if len(span) > 1 and span.text.islower():
                reads.append(c.start)  # is_junk: a lowercased wire name, is_word by the lemma
        if c.label == "ORG" and _may_complete_of_phrase(doc, c):
            reads.append(c.start)  # _complete_of_phrase: proper nouns and their heads
        if _may_be_possessive(span[-1]) or (c.end < len(doc) and doc[c.end].ent_iob_ == "I"
                                            and _may_be_possessive(doc[c.end])):
            reads.append(c.start)  # trim strips a last word tagged POS
        if c.label in ("ORG", "PERSON") and len(span) >= 3 and any(
                self.gaz.lookup(t.text, primary=True) is not None for t in span[:-1]):
            reads.append(c.start)  # split_country_name: is_word of the tail
        return reads

    def _may_settle(self, span) -> bool:
        """settle_lists without the tree: a big known city (by its main name)."""
        place = self.gaz.lookup(span.text, primary=True)
        return place is not None and place.population >= LIKELY_CITY

    def _given_name_at(self, doc, i: int) -> bool:
        """spans.is_given_name without its POS test: could word i be a given name?"""
        if not 0 <= i < len(doc):
            return False
        tok = doc[i]
        return (tok.ent_iob_ == "O" and tok.is_alpha and tok.is_title and len(tok) > 1
                and not self.aliases.is_title(tok.text) and not self.aliases.is_not_name(tok.text)
                and tok.lower_ not in self.dictionary
                and self.gaz.lookup(tok.text, primary=True) is None)

    def _may_be_word(self, tok) -> bool:
        """spans.is_word without the lemma: could the word or one of its lemmas be English?"""
        return any(form in self.dictionary for form in self.lemmas(tok.lower_))

    def _untagged_reads(self, doc, capital: numpy.ndarray, i: int,
                        seen: "_Article") -> list[int]:
        """untagged.UntaggedNames without its POS tests: the tokens whose parse is read if
        a name may start at word i (none when none can)."""
        word = doc[i].text
        if self.aliases.is_title(word) or self.aliases.is_not_name(word):
            return []
        end = i + 1
        while end < len(doc) and end - i < 3 and capital[end]:
            end += 1
        run = list(range(i, end))
        if i > 0 and self._after_title(doc[i - 1].text):
            return [i, i + 1, i + 2]  # _after_title: up to three proper nouns after a title
        if key(word) in seen.maybe_people and word.lower() not in self.dictionary:
            if self._given_name_at(doc, i - 1):  # grown over one or two given names
                run += [i - 1, i - 2] if self._given_name_at(doc, i - 2) else [i - 1]
            return run
        for stop in range(end, i, -1):
            text = doc[i:stop].text
            if self.aliases.find(text) or self.gaz.lookup(text, primary=True) is not None:
                return run
        return []

    def _after_title(self, prev: str) -> bool:
        return prev[:1].isupper() and self.aliases.is_title(prev)


class _Article:
    """What the entity rules share across an article, as far as stage one can tell."""

    def __init__(self, doc, cands: list[Cand], needs: ParseNeeds, sent_of: numpy.ndarray):
        self.doc = doc
        #: Tokens read where the span rules' parse tests could change a candidate's extent.
        self.changes = {id(c): needs._span_may_change(doc, c) for c in cands}
        self.lists = _lists(doc, cands)
        people = [c for c in cands if c.label == "PERSON" and c.end - c.start > 1]
        # Full names whose words the span rules cannot change: their words decide kinds
        # (a grown name's first word is only known after the parse).
        fixed = [c for c in people if not self.changes[id(c)]]
        people_may_grow = [c for c in cands if c.label == "PERSON" and self.changes[id(c)]]
        self.sure_people = {key(doc[c.end - 1].text) for c in fixed} | \
            {key(doc[c.start].text) for c in fixed}
        # Words of candidates that may end up people (untagged.UntaggedNames takes them
        # again): PERSON, what the alias data calls a person, an ORG that may be a person's
        # name, any member of a list; the first words of full names (a one-word mention of
        # one is a person).
        listed = {id(c) for group in self.lists for c in group}
        maybe = [c for c in cands if c.label == "PERSON" or id(c) in listed
                 or (needs.aliases.find(doc[c.start:c.end].text, "person") or ("",))[0] == "person"
                 or (c.label == "ORG" and needs._person_org_reads(doc[c.start:c.end]))]
        self.maybe_people = {key(doc[c.end - 1].text) for c in maybe} | \
            {key(doc[c.start].text) for c in people}
        for c in people_may_grow:  # "Jaime" + untagged "Ongpin": a surname after the parse
            self.maybe_people.update(key(doc[i].text) for i in range(c.start, c.end + 1)
                                     if i < len(doc))
        self.place_cands: dict[str, list[int]] = {}
        for c in cands:
            if c.label in PLACE_LABELS or c.label == "DATELINE":
                self.place_cands.setdefault(key(doc[c.start:c.end].text), []).append(c.start)
        # Words written in lowercase outside names (entities._Pass.common), as hashes.
        from spacy.attrs import ENT_IOB, IS_ALPHA, IS_LOWER, LOWER

        values = doc.to_array([IS_LOWER, IS_ALPHA, ENT_IOB, LOWER])
        plain = (values[:, 0] == 1) & (values[:, 1] == 1) & (values[:, 2] == 2)
        lowers = values[:, 3]
        self.common = set(lowers[plain].tolist())
        self._preps = numpy.flatnonzero(plain & numpy.isin(lowers, _PREP_HASHES))
        self.sent_of = sent_of

    def is_common(self, word: str) -> bool:
        """Whether the article also writes `word` (a key) in lowercase outside names."""
        return hash_string(word) in self.common

    def prep_before(self, i: int) -> bool:
        """Whether "in", "near", ... stands earlier in the sentence of word i."""
        at = int(numpy.searchsorted(self._preps, i))
        return at > 0 and self.sent_of[self._preps[at - 1]] == self.sent_of[i]


def _capitalised(doc, shapes: numpy.ndarray) -> numpy.ndarray:
    """Per token: does its text start with a capital? (Its shape starts with "X".)"""
    unique, inverse = numpy.unique(shapes, return_inverse=True)
    strings = doc.vocab.strings
    upper = numpy.array([strings[int(h)][:1] == "X" for h in unique], dtype=bool)
    return upper[inverse]


def _lists(doc, cands: list[Cand]) -> list[list[Cand]]:
    """entities._lists over stage-one candidates, which the span rules may still grow
    into the gap (given names, a particle's surname): runs of 3 or more that may be lists."""
    runs: list[list[Cand]] = []
    for c in sorted(cands, key=lambda c: c.start):
        prev = runs[-1][-1] if runs else None
        if prev is not None and _may_join(doc[prev.end:c.start]):
            runs[-1].append(c)
        else:
            runs.append([c])
    return [r for r in runs if len(r) >= 3]


def _may_join(gap) -> bool:
    """A gap of ",", ";", "and" or ", and", once the names on its sides have taken a
    capitalised word of it (at most one after the first name, two before the second)."""
    if len(gap) > 5:
        return False
    words = [t.lower_ for t in gap]
    names = [t.is_alpha and t.text[:1].isupper() for t in gap]
    for lo in (0, 1):
        for hi in (len(gap), len(gap) - 1, len(gap) - 2):
            if lo <= hi and all(names[:lo]) and all(names[hi:]) and words[lo:hi] in LIST_GAPS:
                return True
    return False


def _may_complete_of_phrase(doc, c: Cand) -> bool:
    """spans._complete_of_phrase without the POS test, on the name before stage one cut
    its lowercase tail ("Ministry of Foreign Affairs of" + "Ukraine": without the parse
    nothing follows "of", so the tail rule cut it)."""
    end = c.end
    while end < len(doc) and doc[end].ent_iob_ == "I" and doc[end].is_lower and doc[end].is_alpha:
        end += 1
    return end - c.start >= 2 and doc[end - 1].lower_ in CONNECTORS and end < len(doc) \
        and doc[end].text[:1].isupper()


def _cue_reads(doc, c: Cand) -> list[int]:
    """context.names_a_work / after_group_noun without the POS test: the word before the
    name (or before its comma, for a work named in apposition) is a work or group noun
    ("the novel X", "band X", "her single, X,")."""
    out = []
    i = c.start - 1
    if c.label in ("PERSON", "ORG", "FAC") and i > 0 and doc[i].text == "," \
            and c.end < len(doc) and doc[c.end].text == ",":
        if doc[i - 1].is_lower and doc[i - 1].lower_ in WORK_NOUNS:
            out.append(i - 1)
    if i >= 0 and doc[i].is_lower and (
            (c.label in ("PERSON", "ORG", "FAC") and doc[i].lower_ in WORK_NOUNS)
            or (c.label in ("PERSON", "ORG", "GPE") and doc[i].lower_ in GROUP_NOUNS)):
        out.append(i)
    return out


def _may_be_possessive(tok) -> bool:
    """A token the tagger may call a possessive ending (trim strips those by the tag too):
    a short one holding an apostrophe, or a lone "s"."""
    text = tok.text
    return len(text) <= 2 and (tok.lower_ == "s" or any(ch in text for ch in "'\u2019\u2018`"))
