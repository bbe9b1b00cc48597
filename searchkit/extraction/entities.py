"""People, places and organisations in a parsed Doc: the model's entities, repaired.

Candidates come from `spans.SpanRules` (trimmed, extended, non-names dropped); this module
decides what each one is, per article, by general rules:
- the alias data decides the kind of any name it lists ("Kiev" is a place, "EU" an org);
- a one-word name that is the surname or given name of a full name in the article is a
  person, and joins that full name ("Zaluzhnyi" -> "Valerii Zaluzhnyi");
- nationalities ("Ukrainian", "Moldovan") are neither places nor people;
- a PERSON/ORG/FAC span naming a known city or country is a place when the evidence holds
  (see `is_place_here`), and cities listed with places are places ("Kharkiv, Sumy and
  Poltava");
- untagged names are added by `untagged.UntaggedNames`; facet values come from
  `canonical.Namer`.
"""
from __future__ import annotations

from ..models import Mention
from .canonical import AliasTable, Namer, join_surnames, key
from .context import (CLUB_WORDS, EVENT_WORDS, after_group_noun, competes, after_location_prep, before_area_word, has_place_head,
                      inside_place, is_described, is_speaker, listed_with, names_a_region,
                      names_a_work)
from .doctext import doc_text, lowercase_words
from .given_names import is_given_name
from .places import Gazetteer, Place, looks_like_demonym
from .spans import COMPANY_WORDS, LABEL_KIND, Cand, Recheck, SpanRules
from .untagged import SURE_CITY, UntaggedNames

#: A city this big turns a one-word PERSON that is no name used in the article into a place.
LIKELY_CITY = 100_000
#: An ORG tagged as a place elsewhere in the article is a place when its city is this big.
ORG_CITY = 200_000
#: A town this big is a place when the article names its country and nobody speaks as it.
SMALL_CITY = 50_000
_PLACE_LABELS = ("GPE", "LOC", "DATELINE")
#: What stands between two names of a list ("A, B and C").
LIST_GAPS = ([","], [";"], ["and"], [",", "and"])


class EntityFinder:
    """Find person/place/org Mentions in a Doc (see the module docstring for the rules).

    >>> finder = EntityFinder(load_aliases(), gazetteer, dictionary)   # doctest: +SKIP
    >>> [m.canonical for m in finder(nlp("Kiev was hit."))]            # doctest: +SKIP
    ['Kyiv']
    """

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer,
                 dictionary: frozenset[str], recheck: Recheck | None = None):
        self.aliases = aliases
        self.gaz = gazetteer
        self.rules = SpanRules(aliases, gazetteer, dictionary, recheck)
        self.untagged = UntaggedNames(aliases, gazetteer, self.rules)
        self.namer = Namer(aliases, gazetteer)

    def __call__(self, doc) -> list[Mention]:
        p = _Pass(self, doc)
        cands = [c for c in p.decide_kinds(self.rules.candidates(doc)) if c.kind is not None]
        p.agree_in_lists(cands)
        cands += self.untagged(doc, cands, p.place_tokens_of(cands))
        p.settle_lists(cands)
        text = doc_text(doc)
        return [self._mention(doc, text, c) for c in self._named(doc, cands)]

    def _named(self, doc, cands: list[Cand]) -> list[Cand]:
        """Fill in canonical names (and places), in text order."""
        texts = {id(c): doc[c.start:c.end].text for c in cands}
        joined = join_surnames(texts[id(c)] for c in cands if c.kind == "person")
        for c in cands:
            text = texts[id(c)]
            if c.place is not None:
                continue  # resolved already (a dateline read within its region)
            if c.kind == "place":
                c.canonical, c.place = self.namer.place(text)
            elif c.kind == "person":
                c.canonical = self.namer.name("person", joined.get(text, text))
            else:
                c.canonical = self.namer.name(c.kind, text)
        return sorted(cands, key=lambda c: c.start)

    @staticmethod
    def _mention(doc, text: str, c: Cand) -> Mention:
        span = doc[c.start:c.end]
        start, end = span.start_char, span.end_char
        p = c.place
        return Mention(c.kind, text[start:end], c.canonical, start, end,
                       p.country if p else None, p.lat if p else None, p.lon if p else None)


class _Pass:
    """One article's kind decisions, with what they share: its full names, places, orgs."""

    def __init__(self, finder: EntityFinder, doc):
        self.aliases, self.gaz, self.rules = finder.aliases, finder.gaz, finder.rules
        self.doc = doc
        self.surnames: set[str] = set()  # last words of multi-word person names
        self.given: set[str] = set()  # first words of multi-word person names
        self.org_heads: set[str] = set()  # first words of multi-word organisation names
        self.countries: set[str] = set()  # countries of the places the model tagged
        self.place_words: set[str] = set()  # texts the model tagged as places
        self.place_tokens: set[int] = set()

    def place_tokens_of(self, cands: list[Cand]) -> set[int]:
        return {i for c in cands if c.kind == "place" for i in range(c.start, c.end)}

    def decide_kinds(self, cands: list[Cand]) -> list[Cand]:
        """Set each candidate's kind (None: not a facet value)."""
        doc = self.doc
        texts = [key(doc[c.start:c.end].text) for c in cands]
        full = [c for c in cands if c.label == "PERSON" and c.end - c.start > 1]
        self.surnames = {key(doc[c.end - 1].text) for c in full}
        self.given = {key(doc[c.start].text) for c in full}
        self.org_heads = {key(doc[c.start].text) for c in cands
                          if c.label == "ORG" and c.end - c.start > 1}
        placed = [(c, t) for c, t in zip(cands, texts) if c.label in _PLACE_LABELS]
        self.place_words = {t for _c, t in placed}
        for c, _t in placed:
            place = c.place or self.gaz.lookup(doc[c.start:c.end].text)
            if place is not None and place.country:
                self.countries.add(place.country)
        self.place_tokens = {i for c, _t in placed for i in range(c.start, c.end)}
        self.cued = self.context_cues(cands, texts)
        self.placed = {t for c, t in placed if self.used_as_place(c)}
        # Words the writer also uses in lowercase, outside names ("the budget", "digital").
        self.common = lowercase_words(doc)
        for c in cands:
            c.kind = self.kind(c)
            if c.kind == "place":
                self.place_tokens.update(range(c.start, c.end))
        return cands

    def kind(self, c: Cand) -> str | None:
        span = self.doc[c.start:c.end]
        text, one_word = span.text, len(span) == 1
        if c.label == "DATELINE":
            return "place"
        found = self.aliases.find(text, LABEL_KIND[c.label])
        if found:
            return found[0]
        if one_word and key(text) in self.surnames | self.given:
            return "person"
        if key(text) in self.cued:
            return self.cued[key(text)]  # "the novel Vanity Fair", "indie band Kasabian"
        if one_word and c.label in ("PERSON", "ORG") and not text.isupper() \
                and key(text) in self.common and not is_speaker(span):
            return None  # "Budget" beside "the budget": a common word with a capital
        # Alternate names ("Kiev") resolve places the model tagged, but never turn a person
        # or an organisation into a place.
        place = self.gaz.lookup(text, primary=c.label not in _PLACE_LABELS)
        if place is None and one_word and self.is_nationality(span[0], c.label):
            return None  # "Ukrainian troops", "the Moldovan government": not a place or name
        if c.label in ("PERSON", "GPE", "LOC") and self.names_a_group(span):
            return "org"  # "Manchester United", "Leicester City"
        if c.label in _PLACE_LABELS:
            if place is None and one_word and key(text) in self.common \
                    and not text.isupper() and key(text) not in self.placed:
                return None  # "Broadband" beside "broadband": a word, not a place
            if place is None and self.unattested_place(span):
                return None  # "Sideways", "Breakfast", "the West": no place this article shows
            return "place"
        if place is not None and self.is_place_here(span, c.label, place):
            return "place"
        if self.names_a_site(span, c.label):
            return "place"
        if c.label == "PERSON" and one_word and inside_place(span) \
                and key(text) not in self.surnames | self.given:
            return None  # "inside the Cell", "in the Premiership": no one is in a person
        if c.label == "FAC" or self.in_job_title(span) \
                or self.rules.is_capital_artifact(span, c.label):
            return None
        if c.label in ("ORG", "PERSON", "FAC") and names_an_event_or_group(span):
            return None  # "European Indoor Championships", "MPs": no organisation
        if c.label == "PERSON" and self.names_a_team(span):
            return "org"  # "Sale Sharks", "Scissor Sisters"
        if c.label == "ORG" and self.looks_like_a_person(span):
            return "person"  # "Fabien Pelous", "Bernie Ebbers"
        if c.label == "PERSON" and one_word and text[-2:].isupper() and not text.isupper():
            return "org"  # "BelTA": a camel-case acronym is an agency, not a person
        return LABEL_KIND[c.label]

    def unattested_place(self, span) -> bool:
        """A GPE/LOC that no gazetteer or alias knows, made of English words only, which the
        article never uses as a place ("Sideways", "Breakfast", "Grand Slam", "the West"):
        the small model's guess at a capitalised word. A name holding a known place or a
        feature word, or an area of one, stays ("Eastern Ukraine", "Indian Ocean")."""
        if key(span.text) in self.placed or names_a_region(span) or span.text.isupper():
            return False  # "MO", "LA": abbreviations are not words read as names
        i = span.start
        if i >= 2 and self.doc[i - 1].text == "," and i - 2 in self.place_tokens:
            return False  # "Springfield, Ill.", "Boston, Mass": a place's region
        words = [t for t in span if t.is_alpha]
        if any(t.text[:1].isupper() and self.gaz.lookup(t.text) is not None for t in words):
            return False
        return bool(words) and all(self.rules.is_word(t) for t in words) and len(span) > 1

    def looks_like_a_person(self, span) -> bool:
        """An ORG of two or three capitalised words: a given name that is no English word,
        then words that are no English words (nor their plurals), no place and no company
        word ("Fabien Pelous", "Bernie Ebbers"; not "General Motors", "Salomon Brothers",
        "Sky Movies", "London Critics")."""
        words = [t.text for t in span]
        if not 2 <= len(span) <= 3 or not all(w.isalpha() and w[:1].isupper() for w in words):
            return False
        if self.aliases.find(span.text) or self.gaz.lookup(span.text) is not None:
            return False
        first = span[0]
        if len(first) < 3 or first.text.isupper() or self.rules.is_word(first) \
                or not is_given_name(first.text):
            return False  # "Le Monde", "ING Barings", "Sky Movies", "Red Brigades"
        return not any(self.is_word_or_plural(t) or t.lower_ in COMPANY_WORDS
                       or self.gaz.lookup(t.text, primary=True) is not None for t in span)

    def names_a_team(self, span) -> bool:
        """A "person" of several words ending in a capitalised plural of an English noun,
        whose first word is no given name: a team or a band ("Sale Sharks", "Scissor
        Sisters"), not "Sarah Waters" or "Tom Watts"."""
        last, first = span[-1], span[0]
        if len(span) < 2 or not last.text[:1].isupper() or not last.lower_.endswith("s") \
                or last.lower_.endswith("ies") or self.rules.is_word(last):
            return False  # "Davies" is no plural of "davy"
        if not (first.is_alpha and len(first) > 2) or is_given_name(first.text):
            return False  # "E.B. Michaels", "Sarah Waters"
        return self.is_word_or_plural(last) and not self.aliases.find(span.text) \
            and self.gaz.lookup(span.text) is None  # "Buenos Aires", "St Helens"

    def is_word_or_plural(self, tok) -> bool:
        """An English word, or the plural of one ("Motors", "Airways", "Securities")."""
        if self.rules.is_word(tok):
            return True
        return any(w in self.rules.dictionary for w in singulars(tok.lower_))

    def names_a_group(self, span) -> bool:
        """A name of several words ending in a club word ("Manchester United", "Aston
        Villa", "Leicester City") names a club, unless it is a known place ("Mexico City").
        (Plural last words were tried too: "Sale Sharks", but also "Sarah Waters".)"""
        last = span[-1]
        if len(span) < 2 or not last.text[:1].isupper() or last.lower_ not in CLUB_WORDS:
            return False
        if last.lower_ in ("city", "county") and not competes(span):
            return False  # "Kern County", "Kharkiv City": places, unless a side plays
        # By main names only: geonames lists "Manchester City" as another name of Manchester.
        return self.gaz.lookup(span.text, primary=True) is None

    def used_as_place(self, c: Cand) -> bool:
        """Whether the parse uses a span as a place: "near Robotyne", "Krynky district",
        "Kharkiv and Krynky"."""
        span = self.doc[c.start:c.end]
        return after_location_prep(span) or before_area_word(span) \
            or listed_with(span, self.place_tokens)

    def context_cues(self, cands: list[Cand], texts: list[str]) -> dict[str, str | None]:
        """Names the article itself shows to be a work or award (None) or a group ("org")
        somewhere: every mention of that name in the article is read the same way."""
        cued: dict[str, str | None] = {}
        for c, text in zip(cands, texts):
            span = self.doc[c.start:c.end]
            if c.label in ("PERSON", "ORG", "FAC") and names_a_work(span):
                cued[text] = None  # "the novel Vanity Fair", "Grammy-winning"
            elif c.label in ("PERSON", "ORG", "GPE") and after_group_noun(span):
                cued.setdefault(text, "org")  # "indie band Kasabian"
        return cued

    def names_a_site(self, span, label: str) -> bool:
        """A name ending in a place word ("Tribal Areas", "Government Palace"), or a
        "person" nobody in the article is, named as where something is ("in Khan Younis")."""
        if has_place_head(span) and label in ("ORG", "FAC") or \
                has_place_head(span) and label == "PERSON" and not is_described(span):
            return True  # not "Mike Lake, a spokesman": someone described is someone
        if label != "PERSON" or is_speaker(span):
            return False
        words = {key(t.text) for t in span}
        if words & (self.surnames | self.given) or not inside_place(span):
            return False
        # "in Powys": a place when known or no English word; "in the Cell" / "in the
        # Premiership" is a thing the model took for a person (see `kind`).
        return self.gaz.lookup(span.text) is not None or not (
            len(span) == 1 and (self.rules.is_word(span[0]) or span.text.isupper()))

    def is_nationality(self, tok, label: str) -> bool:
        """A demonym of a country name ("Ukrainian", "Iraqi"), or an adjective tagged a place."""
        return (tok.tag_ == "JJ" and label in _PLACE_LABELS) or \
            looks_like_demonym(tok.text, self.gaz.country_names())

    def in_job_title(self, span) -> bool:
        """ "Secretary of State", "Defense Secretary": a word of a job title, not an org.

        Only English words count ("Defense"): "CME Chairman" is an organisation's chairman.
        """
        doc, i = self.doc, span.start
        if len(span) != 1 or not self.rules.is_word(span[0]):
            return False
        after = span.end < len(doc) and self.aliases.is_title(doc[span.end].text) \
            and doc[span.end].text[:1].isupper()
        return after or (i >= 2 and doc[i - 1].lower_ == "of" and doc[i - 2].text[:1].isupper()
                         and self.aliases.is_title(doc[i - 2].text))

    def is_place_here(self, span, label: str, place: Place) -> bool:
        """Whether a PERSON/ORG/FAC span naming a known place is used as that place here.

        For: a country; a location preposition, a list with places or an area word
        ("Kherson region"); a city of a million. Against: an acronym, the head word of a
        longer organisation name in the article, the subject of "said". Then: a big-enough
        city, or a city of a country the article names ("Mariupol" with "Ukraine").
        """
        if place.kind in ("country", "continent"):
            return True
        text = span.text
        if (text.isupper() and len(text) <= 4) or key(text) in self.org_heads:
            return False  # "IBM"; "Goodyear" short for "Goodyear Tire and Rubber Co"
        if label == "ORG" and competes(span):
            return False  # "Wigan beat Leeds", "Leicester's striker": a club
        if label == "PERSON" and len(span) > 1:
            return False
        if after_location_prep(span) or before_area_word(span) \
                or listed_with(span, self.place_tokens) or place.population >= SURE_CITY:
            return True
        if is_speaker(span):
            return False  # "Rogers said": a person (or an organisation) speaking
        in_country = place.kind == "city" and place.country in self.countries
        if label == "PERSON":
            return place.population >= LIKELY_CITY or (
                in_country and place.population >= SMALL_CITY)
        return (in_country and place.population >= LIKELY_CITY) or (
            key(text) in self.place_words and place.population >= ORG_CITY)

    def agree_in_lists(self, cands: list[Cand]) -> None:
        """In a list of three or more names ("Douglas, McNamara, Balde, Varga, Laursen"),
        a name the model called an organisation among people is a person, and the other way
        round, when at least two thirds of the list agree and the alias data is silent."""
        for group in _lists(self.doc, cands):
            kinds = [c.kind for c in group]
            for kind in ("person", "org"):
                other = "org" if kind == "person" else "person"
                if len(group) >= 3 and kinds.count(kind) * 3 >= 2 * len(group):
                    for c in group:
                        if c.kind == other and c.label in ("PERSON", "ORG") \
                                and not self.aliases.find(self.doc[c.start:c.end].text) \
                                and (kind == "org" or self.could_be_a_name(c)):
                            c.kind = kind
                        elif kind == "person" and c.kind == "place" and self.unknown_word(c):
                            c.kind = "person"  # "Windo, Van Niekerk, Horsman": a line-up
        self.affiliations(cands)

    def unknown_word(self, c: Cand) -> bool:
        """A one-word name that neither the alias data nor the gazetteer (by any name) knows
        and that is no English word: the model's guess of a place from its letters alone."""
        span = self.doc[c.start:c.end]
        return len(span) == 1 and c.label in ("GPE", "LOC") and not self.aliases.find(span.text) \
            and self.gaz.lookup(span.text) is None and not self.rules.is_word(span[0])

    def affiliations(self, cands: list[Cand]) -> None:
        """A "person" in brackets right after a person ("Ben Hinshelwood (Worcester
        Warriors)", "Jon Dunbar (Leeds Tykes)") is the first one's side: the place the
        gazetteer knows it as, or an organisation when it ends in a plural noun or holds a place
        ("Sale Sharks", "Edinburgh Rugby"; a name of names may be a role: it stays a person)."""
        ends = {c.end: c for c in cands if c.kind == "person"}
        doc = self.doc
        for c in cands:
            i = c.start
            if c.kind != "person" or c.label != "PERSON" or i < 2 or c.end >= len(doc) \
                    or doc[i - 1].text != "(" or doc[c.end].text != ")" or (i - 1) not in ends:
                continue
            if self.aliases.find(doc[i:c.end].text):
                continue
            span = doc[i:c.end]
            if self.gaz.lookup(span.text, primary=True) is not None:
                c.kind = "place"
            elif len(span) > 1 and (_plural_word(span[-1], self.rules) or any(
                    self.gaz.lookup(t.text, primary=True) is not None for t in span)):
                c.kind = "org"  # not "Kate Winslet (Rose Dawson)": a role is a person

    def could_be_a_name(self, c: Cand) -> bool:
        """Not an English word ("Athlete", a band) nor a known place said alone."""
        span = self.doc[c.start:c.end]
        return not (len(span) == 1 and self.rules.is_word(span[0])) \
            and self.gaz.lookup(span.text, primary=True) is None

    def settle_lists(self, cands: list[Cand]) -> None:
        """Known cities listed with places ("Kharkiv, Sumy and Poltava") are places too."""
        tokens = self.place_tokens_of(cands)
        changed = True
        while changed:
            changed = False
            for c in cands:
                span = self.doc[c.start:c.end]
                if c.label not in ("PERSON", "ORG") or c.kind == "place" \
                        or key(span.text) in self.surnames or self.aliases.find(span.text):
                    continue
                place = self.gaz.lookup(span.text, primary=True)
                if place is not None and place.population >= LIKELY_CITY \
                        and listed_with(span, tokens):
                    c.kind = "place"
                    tokens.update(range(c.start, c.end))
                    changed = True


def singulars(low: str) -> tuple[str, ...]:
    """The singulars a lowercase plural may have ("sharks" -> "shark"; "securities" ->
    "security"; "boxes" -> "boxe", "box")."""
    out = (low[:-3] + "y",) if low.endswith("ies") else ()
    if low.endswith("s"):
        out += (low[:-1], low[:-2]) if low.endswith("es") else (low[:-1],)
    return out


def _plural_word(tok, rules) -> bool:
    """A capitalised plural of an English noun ("Sharks", "Warriors", "Harriers")."""
    return tok.lemma_.lower() != tok.lower_ and rules.is_word(tok)


def _lists(doc, cands: list[Cand]) -> list[list[Cand]]:
    """Runs of candidates separated only by a comma, a semicolon or "and"."""
    runs: list[list[Cand]] = []
    ordered = sorted(cands, key=lambda c: c.start)
    for c in ordered:
        prev = runs[-1][-1] if runs else None
        gap = [t.lower_ for t in doc[prev.end:c.start]] if prev is not None else None
        if gap is not None and gap in LIST_GAPS:
            runs[-1].append(c)
        else:
            runs.append([c])
    return [r for r in runs if len(r) >= 3]


def names_an_event_or_group(span) -> bool:
    """An event ("Consumer Electronics Show", "Academy Awards": a capitalised event word
    ends a name of several words) or a plural of an acronym ("MPs", "GPs": people, not a
    body)."""
    last = span[-1].text
    if len(span) > 1 and last[:1].isupper() and last.lower() in EVENT_WORDS:
        return True
    return len(span) == 1 and len(last) > 2 and last.endswith("s") and last[:-1].isupper()
