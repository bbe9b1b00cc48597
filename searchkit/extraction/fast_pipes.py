"""Faster stand-ins for two spaCy pipes whose cost is Python work per token, same output.

- `FastAttributeRuler`: the attribute ruler spends ~90% of its time in its Matcher (179
  patterns over every token), though all but a handful of its patterns look at one token's
  tag, lower-case form, dependency label and whitespace flag. Those are decided once per
  distinct (tag, lower, dep, space) and cached; the few multi-token patterns keep a small
  Matcher, run only from the tokens that can open one of them (their first tokens are
  one-token patterns too, cached the same way) over a window of the longest's length,
  when none has an operator. The matches are applied as the ruler's `set_annotations` applies them (spaCy's
  `set_token_attrs`, later rules over earlier ones), without a Span per match: each
  token's attributes are merged in match order and set once (the attributes a ruler sets
  are independent fields of the token).
- `FastLemmatizer`: the rule lemmatizer already caches by (word, POS, morphology); this
  reads those three as arrays and looks each token up once, calling the real lemmatizer
  only for a combination not seen before.

Either falls back to the original pipe when the model's patterns use something it does not
handle (so another model still gets the right output, just not faster).
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

#: Token-pattern keys the single-token evaluator understands, and the array attribute of each.
_KEYS = ("TAG", "LOWER", "DEP", "IS_SPACE")


class FastAttributeRuler:
    """`nlp.get_pipe("attribute_ruler")` with a cached one-token matcher (see module doc)."""

    def __init__(self, ruler):
        from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.vocab = ruler.vocab
        self._array_attrs = [TAG, LOWER, DEP, IS_SPACE]
        self.single: list[tuple[int, int, dict]] = []  # (attr_id, match key, token pattern)
        self.multi = Matcher(self.vocab)
        self.openers: list[dict] = []  # first tokens of the multi-token patterns
        self.width = 0  # the longest multi-token pattern
        windows = True  # whether windows from the openers find every multi-token match
        self.usable = True
        for attr_id, patterns in enumerate(_patterns_by_entry(ruler)):
            key = self.vocab.strings.add(str(attr_id))
            for pattern in patterns:
                if len(pattern) == 1 and _understood(pattern[0]):
                    self.single.append((attr_id, key, pattern[0]))
                elif len(pattern) == 1:
                    self.usable = False
                else:
                    self.multi.add(key, [pattern])
                    self.openers.append(pattern[0])
                    self.width = max(self.width, len(pattern))
                    windows &= _understood(pattern[0]) and not any("OP" in t for t in pattern)
        if not windows:
            self.width, self.openers = 0, []
        self._cache: dict[tuple, list[tuple[int, int]]] = {}
        self._opens: dict[tuple, bool] = {}
        # Each one-token pattern filed under the words (or else the tags) it accepts, so a
        # new (tag, lower, dep, space) is checked against a few patterns, not all of them.
        self._by_lower: dict[str, list[int]] = {}
        self._by_tag: dict[str, list[int]] = {}
        self._always: list[int] = []
        for n, (_attr_id, _key, token) in enumerate(self.single):
            for name, table in (("LOWER", self._by_lower), ("TAG", self._by_tag)):
                values = _listed(token.get(name))
                if values is not None:
                    for value in values:
                        table.setdefault(value, []).append(n)
                    break
            else:
                self._always.append(n)

    def pipe(self, docs: Iterable, *, batch_size: int = 64) -> Iterator:
        if not self.usable:
            yield from self.ruler.pipe(docs, batch_size=batch_size)
            return
        for doc in docs:
            self.set_annotations(doc, self.match(doc))
            yield doc

    def set_annotations(self, doc, matches: list[tuple[int, int, int, int]]) -> None:
        """The ruler's `set_annotations(doc, matches)`: per token, the attributes of its
        matches merged in their (sorted) order, so a later rule wins as in spaCy."""
        from spacy.tokens._retokenize import set_token_attrs

        attrs, indices = self.ruler.attrs, self.ruler.indices
        merged: dict[int, dict] = {}
        for attr_id, key, start, end in matches:
            index = indices[attr_id]
            at = (start if index >= 0 else end) + index
            if not start <= at < end:  # a pattern's index outside its match: spaCy's error
                self.ruler.set_annotations(doc, [(attr_id, key, start, end)])
            merged.setdefault(at, {}).update(attrs[attr_id])
        for at, values in merged.items():
            set_token_attrs(doc[at], values)

    def match(self, doc) -> list[tuple[int, int, int, int]]:
        """The ruler's `match(doc)`: (attr_id, match key, start, end), sorted."""
        strings = self.vocab.strings
        found = []
        openers = []
        for i, row in enumerate(doc.to_array(self._array_attrs).tolist()):
            row = tuple(row)
            hits = self._cache.get(row)
            if hits is None:
                tag, lower, dep = (strings[v] if v else "" for v in row[:3])
                picks = sorted({*self._by_lower.get(lower, ()), *self._by_tag.get(tag, ()),
                                *self._always})
                hits = [self.single[n][:2] for n in picks
                        if _fits(self.single[n][2], tag, lower, dep, bool(row[3]))]
                self._cache[row] = hits
                self._opens[row] = any(_fits(t, tag, lower, dep, bool(row[3]))
                                       for t in self.openers)
            found.extend((attr_id, key, i, i + 1) for attr_id, key in hits)
            if self._opens[row]:
                openers.append(i)
        for key, start, end in self._multi_matches(doc, openers):
            found.append((int(strings[key]), key, start, end))
        found.sort()
        return found

    def _multi_matches(self, doc, openers: list[int]) -> list[tuple[int, int, int]]:
        """The multi-token patterns' matches: those starting at each opener, found in a
        window as long as the longest pattern (the whole Doc when windows cannot do)."""
        if not self.width:
            return self.multi(doc, allow_missing=True) if len(self.multi) else []
        out = []
        for i in openers:
            window = doc[i:i + self.width]
            out += [(key, i + s, i + e) for key, s, e in self.multi(window, allow_missing=True)
                    if s == 0]
        return out


def _patterns_by_entry(ruler) -> list[list[list[dict]]]:
    """The token patterns of each ruler entry, in the order the ruler added them."""
    return [ruler.matcher.get(ruler.vocab.strings[str(i)])[1]
            for i in range(len(ruler.attrs))]


def _listed(value) -> list | None:
    """The values a pattern value accepts when it is a plain value or an IN list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and set(value) == {"IN"}:
        return list(value["IN"])
    return None


def _understood(token: dict) -> bool:
    """Whether `_fits` can evaluate this token pattern exactly."""
    for name, value in token.items():
        if name not in _KEYS:
            return False
        if isinstance(value, dict) and not set(value) <= {"IN", "NOT_IN", "REGEX"}:
            return False
        if not isinstance(value, (str, bool, dict)):
            return False
    return True


def _fits(token: dict, tag: str, lower: str, dep: str, space: bool) -> bool:
    values = {"TAG": tag, "LOWER": lower, "DEP": dep, "IS_SPACE": space}
    for name, want in token.items():
        have = values[name]
        if isinstance(want, dict):
            if "IN" in want and have not in want["IN"]:
                return False
            if "NOT_IN" in want and have in want["NOT_IN"]:
                return False
            if "REGEX" in want and not re.search(want["REGEX"], str(have)):
                return False
        elif have != want:
            return False
    return True


class FastLemmatizer:
    """`nlp.get_pipe("lemmatizer")` (rule mode) looked up once per (word, POS, morphology)."""

    def __init__(self, lemmatizer):
        from spacy.attrs import LEMMA, MORPH, ORTH, POS

        self.lemmatizer = lemmatizer
        self.usable = getattr(lemmatizer, "mode", None) == "rule" and not lemmatizer.overwrite
        self._attrs = [ORTH, POS, MORPH, LEMMA]
        self._lemma = [LEMMA]
        self._cache: dict[tuple[int, int, int], int] = {}

    def pipe(self, docs: Iterable, *, batch_size: int = 64) -> Iterator:
        if not self.usable:
            yield from self.lemmatizer.pipe(docs, batch_size=batch_size)
            return
        strings = self.lemmatizer.vocab.strings
        for doc in docs:
            values = doc.to_array(self._attrs)
            lemmas = values[:, 3].copy()
            for i, (orth, pos, morph, lemma) in enumerate(values.tolist()):
                if lemma:
                    continue  # set by the attribute ruler; the lemmatizer keeps it too
                key = (orth, pos, morph)
                found = self._cache.get(key)
                if found is None:
                    found = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
                    self._cache[key] = found
                lemmas[i] = found
            doc.from_array(self._lemma, lemmas.reshape(-1, 1))
            yield doc
