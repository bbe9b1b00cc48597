"""People, places and organisations in a parsed Doc: the model's entities, repaired.

Candidate spans come from `spans.SpanRules` (trimmed, extended, non-names dropped). Then,
per article, each by a general rule:
- the alias data decides the kind of any name it lists ("Kiev" is a place, "EU" an org);
- a one-word PERSON/ORG/GPE that is the surname of a full name in the article is a person,
  and joins that full name ("Zaluzhnyi" -> "Valerii Zaluzhnyi");
- a PERSON/ORG/FAC span naming a known city or country (gazetteer) is a place when the
  evidence is strong: a country, a very big city, a location preposition ("in Lipetsk"), a
  list with other places ("Kharkiv, Sumy and Poltava"); nationalities are never places;
- untagged repeats of a full name's surname become people, and untagged proper nouns that
  are countries or well-evidenced cities become places;
- canonical names come from the alias data, then the gazetteer (places), then the text.
"""
from __future__ import annotations

from ..models import Mention
from .canonical import AliasTable, join_surnames, key
from .places import Gazetteer, Place, looks_like_demonym, without_state_prefix
from .spans import LABEL_KIND, Cand, Recheck, SpanRules, is_speaker, span_texts

#: Prepositions whose object is usually a place ("in Lipetsk", "near Kyiv").
LOCATION_PREPS = frozenset("""in at near from to into outside around across toward towards
through throughout inside within via beyond off""".split())
#: Words after a place name that make it a larger area ("Lipetsk region").
AREA_WORDS = frozenset("""region oblast province city state county district area krai
republic governorate prefecture""".split())
#: A city at least this big is a place even without other evidence.
SURE_CITY = 1_000_000
#: A city at least this big turns a one-word PERSON (not a name used in the article) into
#: a place, and an ORG used as a place elsewhere in the article into a place.
LIKELY_CITY = 100_000
ORG_CITY = 200_000
#: A town this big is a place when the article names its country and nobody speaks as it.
SMALL_CITY = 50_000

_PLACE_LABELS = ("GPE", "LOC", "DATELINE")
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


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
        self.spans = SpanRules(aliases, gazetteer, dictionary, recheck)

    def __call__(self, doc) -> list[Mention]:
        return _Pass(self, doc).run()


class _Pass:
    """One article's pass: the state shared by its rules (surnames, place tokens)."""

    def __init__(self, finder: EntityFinder, doc):
        self.aliases, self.gaz, self.rules = finder.aliases, finder.gaz, finder.spans
        self.doc = doc
        self.surnames: set[str] = set()  # last words of multi-word person names
        self.given: set[str] = set()  # first words of multi-word person names
        self.org_heads: set[str] = set()  # first words of multi-word organisation names
        self.countries: set[str] = set()  # countries of the places the model tagged
        self.place_tokens: set[int] = set()

    def run(self) -> list[Mention]:
        cands = self.rules.candidates(self.doc)
        self.decide_kinds(cands)
        cands = [c for c in cands if c.kind is not None]
        cands += self.untagged(cands)
        self.settle_lists(cands)
        self.canonicalise(cands)
        return [self.mention(c) for c in sorted(cands, key=lambda c: c.start)]

    # -- kinds ----------------------------------------------------------------------
    def decide_kinds(self, cands: list[Cand]) -> None:
        doc = self.doc
        full = [c for c in cands if c.label == "PERSON" and c.end - c.start > 1]
        self.surnames = {key(doc[c.end - 1].text) for c in full}
        self.given = {key(doc[c.start].text) for c in full}
        self.org_heads = {key(doc[c.start].text) for c in cands
                          if c.label == "ORG" and c.end - c.start > 1}
        for c in cands:
            if c.label in _PLACE_LABELS:
                place = c.place or self.gaz.lookup(doc[c.start:c.end].text)
                if place is not None and place.country:
                    self.countries.add(place.country)
        self.place_tokens = {i for c in cands if c.label in _PLACE_LABELS
                             for i in range(c.start, c.end)}
        place_words = {key(doc[c.start:c.end].text) for c in cands if c.label in _PLACE_LABELS}
        for c in cands:
            c.kind = self.kind(c, place_words)
            if c.kind == "place":
                self.place_tokens.update(range(c.start, c.end))

    def kind(self, c: Cand, place_words: set[str]) -> str | None:
        span = self.doc[c.start:c.end]
        text, one_word = span.text, len(span) == 1
        if c.label == "DATELINE":
            return "place"
        found = self.aliases.find(text, LABEL_KIND[c.label])
        if found:
            return found[0]
        if one_word and key(text) in self.surnames | self.given:
            return "person"
        # Alternate names ("Kiev") resolve places the model tagged, but never turn a person
        # or an organisation into a place.
        place = self.gaz.lookup(text, primary=c.label not in _PLACE_LABELS)
        if place is None and one_word and self.is_nationality(span[0], c.label):
            return None  # "Ukrainian troops", "the Moldovan government": not a place or name
        if c.label in _PLACE_LABELS:
            return "place"
        if place is not None and self.is_place_here(span, c.label, place, place_words):
            return "place"
        if c.label == "FAC" or self.rules.is_capital_artifact(span, c.label) or self.in_job_title(span):
            return None
        if c.label == "PERSON" and one_word and text[-2:].isupper() and not text.isupper():
            return "org"  # "BelTA": a camel-case acronym is an agency, not a person
        return LABEL_KIND[c.label]

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
        return after or (i >= 2 and doc[i - 1].lower_ == "of"
                         and self.aliases.is_title(doc[i - 2].text))

    def is_place_here(self, span, label: str, place: Place, place_words: set[str]) -> bool:
        """Whether a PERSON/ORG/FAC span naming a known place is used as that place here.

        Evidence, strongest first: a country; a location preposition, a list with places or
        an area word ("Kherson region"); a city of a million. Against: an acronym, the head
        word of a longer organisation name in the article, the subject of "said". Then a
        big-enough city, or a city of a country the article names ("Mariupol", "Ukraine").
        """
        if place.kind in ("country", "continent"):
            return True
        text = span.text
        if (text.isupper() and len(text) <= 4) or key(text) in self.org_heads:
            return False  # "IBM"; "Goodyear" short for "Goodyear Tire and Rubber Co"
        if label == "PERSON" and len(span) > 1:
            return False
        if after_location_prep(span) or self.listed_with_place(span) or before_area_word(span):
            return True
        if place.population >= SURE_CITY:
            return True
        if is_speaker(span):
            return False  # "Rogers said": a person (or an organisation) speaking
        in_country = place.kind == "city" and place.country in self.countries
        if label == "PERSON":
            return place.population >= LIKELY_CITY or (in_country and
                                                       place.population >= SMALL_CITY)
        return (in_country and place.population >= LIKELY_CITY) or (
            key(text) in place_words and place.population >= ORG_CITY)

    def listed_with_place(self, span) -> bool:
        """ "Donetsk and Crimea": a name joined by a conjunction to a known place."""
        root = span.root
        linked = [root.head] if root.dep_ == "conj" else []
        linked += [t for t in root.children if t.dep_ == "conj"]
        return any(t.i in self.place_tokens for t in linked)

    def settle_lists(self, cands: list[Cand]) -> None:
        """Known cities listed with places ("Kharkiv, Sumy and Poltava") are places too."""
        self.place_tokens = {i for c in cands if c.kind == "place" for i in range(c.start, c.end)}
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
                        and self.listed_with_place(span):
                    c.kind = "place"
                    self.place_tokens.update(range(c.start, c.end))
                    changed = True

    # -- untagged names -------------------------------------------------------------
    def untagged(self, cands: list[Cand]) -> list[Cand]:
        """Untagged repeats of people's names, and untagged place names with evidence."""
        doc = self.doc
        taken = {i for c in cands for i in range(c.start, c.end)}
        taken |= {t.i for t in doc if t.ent_iob_ != "O"}
        full = self.surnames | {key(doc[c.end - 1].text) for c in cands
                                if c.kind == "person" and c.end - c.start > 1}
        single = {key(doc[c.start].text) for c in cands
                  if c.kind == "person" and c.end - c.start == 1}
        out: list[Cand] = []
        i = 0
        while i < len(doc):
            c = self.untagged_at(i, taken, full, single)
            if c is None:
                i += 1
                continue
            out.append(c)
            taken.update(range(c.start, c.end))
            i = c.end
        return out

    def untagged_at(self, i: int, taken: set[int], full: set[str],
                    single: set[str]) -> Cand | None:
        doc = self.doc
        tok = doc[i]
        if i in taken or tok.pos_ != "PROPN" or not tok.text[:1].isupper() or not tok.is_alpha \
                or self.aliases.is_title(tok.text) or self.aliases.is_not_name(tok.text):
            return None
        if key(tok.text) in full | single and not self.rules.is_word(tok):
            c = Cand(i, i + 1, "NAME", "person")
            self.rules.extend_given_names(doc, c, taken)
            # A lone surname seen only alone elsewhere needs a given name as corroboration.
            if key(tok.text) in full or c.end - c.start > 1:
                return c
        end = i + 1
        while end < len(doc) and end - i < 3 and end not in taken \
                and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper():
            end += 1
        for stop in range(end, i, -1):
            if self.is_untagged_place(doc[i:stop]):
                return Cand(i, stop, "NAME", "place")
        return None

    def is_untagged_place(self, span) -> bool:
        text = span.text
        found = self.aliases.find(text, "place")
        if found:
            return found[0] == "place"
        place = self.gaz.lookup(text, primary=True)
        if place is None or (len(text) < 4 and not text.isupper()):
            return False
        return place.kind == "country" or (
            place.kind in ("city", "state")
            and (after_location_prep(span) or place.population >= SURE_CITY
                 or self.listed_with_place(span)))

    # -- canonical names ------------------------------------------------------------
    def canonicalise(self, cands: list[Cand]) -> None:
        texts = span_texts(self.doc, cands)
        joined = join_surnames(texts[id(c)] for c in cands if c.kind == "person")
        for c in cands:
            text = texts[id(c)]
            if c.place is not None:
                continue  # resolved already (a dateline read within its region)
            if c.kind == "place":
                c.canonical, c.place = self.resolve_place(text)
            else:
                c.canonical = self.canonical(c.kind, joined.get(text, text)
                                             if c.kind == "person" else text)

    def canonical(self, kind: str, text: str) -> str:
        text = " ".join(text.split()).strip(_QUOTES)
        if kind == "person" and text.isupper() and len(text) > 1:
            text = text.title()  # "XI" -> "Xi" (then the alias data may say "Xi Jinping")
        found = self.aliases.find(text, kind)
        return found[1] if found and found[0] == kind else text

    def resolve_place(self, text: str) -> tuple[str, Place | None]:
        """(canonical name, Place or None): alias data, then the gazetteer, then forms of it."""
        name = self.canonical("place", text)
        place = self.gaz.lookup(name)
        if place is None:
            bare = without_state_prefix(name)  # "Republic of Poland" -> "Poland"
            place = self.gaz.lookup(bare) if bare else None
        if place is not None:
            # The alias data names the value even when geonames spells it otherwise.
            return self.canonical("place", place.name), place
        # "Lipetsk region": keep the area as the value, take country and position from the city.
        words = name.split()
        if len(words) > 1 and words[-1].lower() in AREA_WORDS:
            base = self.gaz.lookup(" ".join(words[:-1]))
            if base is not None:
                return name, base
        return name, None

    def mention(self, c: Cand) -> Mention:
        span = self.doc[c.start:c.end]
        start, end = span.start_char, span.end_char
        p = c.place
        return Mention(c.kind, self.doc.text[start:end], c.canonical, start, end,
                       p.country if p else None, p.lat if p else None, p.lon if p else None)


def before_area_word(span) -> bool:
    """True when the span names an area: "Kherson region", "Kherson and Zaporizhia regions"."""
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return nxt is not None and nxt.lower_.rstrip("s") in AREA_WORDS


def after_location_prep(span) -> bool:
    """True when the span is the object of a place preposition ("in Lipetsk")."""
    root = span.root
    return root.dep_ == "pobj" and root.head.lower_ in LOCATION_PREPS
