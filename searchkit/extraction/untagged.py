"""Names the model left untagged: repeats of people's names, and place names with evidence.

- two or three capitalised proper nouns after a capitalised title ("Secretary Jaime Ongpin")
  are a person when none is an English word, a title or a known place;
- a proper noun equal to the surname of a full name in the article is that person again
  ("Valerii Zaluzhnyi" untagged, "Zaluzhnyi" tagged elsewhere), grown over a given name;
  one seen elsewhere only on its own needs that given name as corroboration, and English
  words ("Long", "Smart") are not taken from surnames at all;
- a run of up to three capitalised proper nouns that the alias data lists is a name of
  that kind ("Lavrov", "NATO");
- such a run that the gazetteer knows by its main name as a country, or as a city with
  evidence (a place preposition, a list with other places, a million people), is a place.
"""
from __future__ import annotations

from .canonical import AliasTable, key
from .context import after_location_prep, listed_with
from .doctext import in_entities
from .places import Gazetteer
from .spans import Cand, SpanRules

#: A city this big is a place even without other evidence.
SURE_CITY = 1_000_000


class UntaggedNames:
    """Find untagged person and place names in a Doc, given the article's candidates."""

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer, rules: SpanRules):
        self.aliases, self.gaz, self.rules = aliases, gazetteer, rules

    def __call__(self, doc, cands: list[Cand], place_tokens: set[int]) -> list[Cand]:
        taken = {i for c in cands for i in range(c.start, c.end)}
        taken |= in_entities(doc)
        people = [c for c in cands if c.kind == "person"]
        full = {key(doc[c.end - 1].text) for c in people if c.end - c.start > 1}
        single = {key(doc[c.start].text) for c in people if c.end - c.start == 1}
        out: list[Cand] = []
        i = 0
        while i < len(doc):
            c = self._at(doc, i, taken, full, single, place_tokens)
            if c is None:
                i += 1
                continue
            out.append(c)
            taken.update(range(c.start, c.end))
            i = c.end
        return out

    def _at(self, doc, i: int, taken: set[int], full: set[str], single: set[str],
            place_tokens: set[int]) -> Cand | None:
        tok = doc[i]
        if i in taken or tok.pos_ != "PROPN" or not tok.text[:1].isupper() or not tok.is_alpha \
                or self.aliases.is_title(tok.text) or self.aliases.is_not_name(tok.text):
            return None
        titled = self._after_title(doc, i, taken)
        if titled is not None:
            return titled
        if key(tok.text) in full | single and not self.rules.is_word(tok):
            c = Cand(i, i + 1, "NAME", "person")
            self.rules.extend_given_names(doc, c, taken)
            if key(tok.text) in full or c.end - c.start > 1:
                return c
        end = i + 1
        while end < len(doc) and end - i < 3 and end not in taken \
                and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper():
            end += 1
        for stop in range(end, i, -1):
            kind = self._listed_kind(doc[i:stop], place_tokens)
            if kind is not None:
                return Cand(i, stop, "NAME", kind)
        return None

    def _after_title(self, doc, i: int, taken: set[int]) -> Cand | None:
        """ "Finance Secretary Jaime Ongpin" untagged: two or three capitalised proper
        nouns after a capitalised title are a person, when neither is an English word, a
        known place or a title."""
        if i == 0 or not doc[i - 1].text[:1].isupper() or not self.aliases.is_title(doc[i - 1].text):
            return None
        end = i
        while end < len(doc) and end - i < 3 and end not in taken and self._name_word(doc[end]):
            end += 1
        if end - i < 2 or self.gaz.lookup(doc[i:end].text, primary=True) is not None:
            return None
        return Cand(i, end, "NAME", "person")

    def _name_word(self, tok) -> bool:
        return tok.pos_ == "PROPN" and tok.is_alpha and tok.is_title and len(tok) > 1 \
            and not self.aliases.is_title(tok.text) and not self.aliases.is_not_name(tok.text) \
            and not self.rules.is_word(tok) and self.gaz.lookup(tok.text, primary=True) is None

    def _listed_kind(self, span, place_tokens: set[int]) -> str | None:
        """The kind the alias data gives the span, else "place" if the gazetteer says so."""
        found = self.aliases.find(span.text)
        if found:
            return found[0]  # "Lavrov" untagged is still Sergei Lavrov
        return "place" if self._is_place(span, place_tokens) else None

    def _is_place(self, span, place_tokens: set[int]) -> bool:
        text = span.text
        place = self.gaz.lookup(text, primary=True)
        if place is None or (len(text) < 4 and not text.isupper()):
            return False
        return place.kind == "country" or (
            place.kind in ("city", "state")
            and (after_location_prep(span) or place.population >= SURE_CITY
                 or listed_with(span, place_tokens)))
