"""Filter values -> entities: forgiving lookups over precomputed keys, and near names.

A reader's value is tried, in order, as: the folded form of any name of an entity (its
variants, display value, alias names: "nato", "Kiev"); its romanised form ("Zelenskiy");
for people, a surname ("Zaluzhnyi": every person whose full name ends with it); for
organisations, initials ("icc"). Each step is one dict lookup.
"""
from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz, process

from .names import fold, initials, parse_name, romanised, surname_word
from .rules import Rules


class Lookup:
    """Keys of every entity's names, per kind (built once per table version)."""

    def __init__(self, entities: Iterable, rules: Rules):
        self.rules = rules
        self.keys: dict[str, dict[str, list[str]]] = {}  # kind -> key -> ids
        self.weight: dict[str, int] = {}
        self.kind: dict[str, str] = {}
        self._choices: dict[str | None, tuple[list[str], list[str]]] = {}
        self.names: dict[str, list[tuple[str, str]]] = {}  # kind -> (folded name, id)
        for e in entities:
            self.weight[e.id] = e.articles
            self.kind[e.id] = e.kind
            for name in dict.fromkeys([e.value, *e.variants, *e.names]):
                self._add(e, name)

    def _add(self, e, name: str) -> None:
        folded = fold(name)
        if not folded:
            return
        keys = {f"f:{folded}", f"p:{self._romanised(folded)}"}
        if e.kind == "person":
            parsed = parse_name(name)
            if parsed.full:
                keys.add(f"s:{romanised(surname_word(parsed), self.rules)}")
        elif e.kind == "org":
            letters = initials(name, self.rules)
            if len(letters) >= self.rules.acronym_min_letters:
                keys.add(f"i:{letters}")
        table = self.keys.setdefault(e.kind, {})
        for key in keys:
            ids = table.setdefault(key, [])
            if e.id not in ids:
                ids.append(e.id)
        self.names.setdefault(e.kind, []).append((folded, e.id))

    def _romanised(self, folded: str) -> str:
        return " ".join(romanised(w, self.rules) for w in folded.split())

    def match(self, kind: str | None, text: str) -> list[str]:
        """Ids of entities `text` names, most articles first; [] when none."""
        folded = fold(text)
        if not folded:
            return []
        tries = [f"f:{folded}", f"p:{self._romanised(folded)}"]
        if len(folded.split()) == 1:
            tries += [f"s:{romanised(folded, self.rules)}", f"i:{folded}"]
        kinds = [kind] if kind else list(self.keys)
        for key in tries:
            found = [i for k in kinds for i in self.keys.get(k, {}).get(key, ())]
            if found:
                return sorted(dict.fromkeys(found), key=lambda i: (-self.weight[i], i))
        return []

    def closest(self, kind: str | None, text: str, n: int = 3) -> list[str]:
        """Ids of the `n` entities whose names look most like `text`."""
        folded = fold(text)
        if not folded or n <= 0:
            return []
        names, ids = self._choice_lists(kind)
        out: list[str] = []
        for _name, _score, index in process.extract(folded, names, scorer=fuzz.WRatio,
                                                    limit=max(4 * n, 10)):
            if ids[index] not in out:
                out.append(ids[index])
            if len(out) == n:
                break
        return out

    def _choice_lists(self, kind: str | None) -> tuple[list[str], list[str]]:
        if kind not in self._choices:
            pairs = [p for k, ps in self.names.items() if kind in (None, k) for p in ps]
            # Most used first, so that ties go to the entity a reader more likely means.
            pairs.sort(key=lambda p: (-self.weight[p[1]], p[0]))
            self._choices[kind] = ([p[0] for p in pairs], [p[1] for p in pairs])
        return self._choices[kind]
