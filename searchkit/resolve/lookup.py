"""Filter values -> entities: forgiving lookups over precomputed keys, and near names.

A reader's value is tried, in order, as: the folded form of any name of an entity (its
variants, display value, alias names: "nato", "Kiev"); its romanised form, spaces left out
("Zelenskiy", "Co-operation"); for people, a surname ("Zaluzhnyi": every person whose full
name ends with it); for organisations, initials ("icc") and the name without its generic
words ("Wagner PMC"). Each step is one dict lookup.

The keys are kept up to date entity by entity (`add` / `remove`), so a change to the table
costs what it touches, and they are saved with the table (`to_dict`), so the query path
loads them instead of computing them for every name of the index.
"""
from __future__ import annotations

from typing import Any, Iterable

from rapidfuzz import fuzz, process

from .names import fold, initials, org_core, parse_name, romanised, surname_word
from .rules import Rules


class Lookup:
    """Keys of every entity's names, per kind.

    >>> from searchkit.resolve.entities import Entity
    >>> from searchkit.resolve.rules import load_rules
    >>> look = Lookup([Entity("e1", "org", "NATO", {"Nato": 3})], load_rules())
    >>> look.match("org", "nato"), look.match(None, "N.A.T.O.")
    (['e1'], ['e1'])
    """

    def __init__(self, entities: Iterable, rules: Rules, *,
                 keys: dict[str, dict[str, list[str]]] | None = None):
        self.rules = rules
        self.entities: dict[str, Any] = {e.id: e for e in entities}
        self.keys: dict[str, dict[str, list[str]]] = {}  # kind -> key -> ids
        self._choices: dict[str | None, tuple[list[str], list[str]]] = {}
        if keys is not None:
            self.keys = keys  # as loaded (the caller hands them over)
        else:
            for e in self.entities.values():
                self._index(e)

    # -- keeping it current --------------------------------------------------------------
    def add(self, entity) -> None:
        """Index a new or changed entity (remove its old version first)."""
        self.entities[entity.id] = entity
        self._index(entity)
        self._choices.clear()

    def remove(self, entity) -> None:
        """Forget an entity as it was indexed (the same object or an equal one)."""
        table = self.keys.get(entity.kind, {})
        for key in self._keys_of(entity):
            ids = table.get(key)
            if ids is not None and entity.id in ids:
                ids.remove(entity.id)
                if not ids:
                    del table[key]
        self.entities.pop(entity.id, None)
        self._choices.clear()

    def to_dict(self) -> dict[str, dict[str, list[str]]]:
        """The keys, JSON-able: kind -> key -> entity ids."""
        return self.keys

    # -- reading -------------------------------------------------------------------------
    def match(self, kind: str | None, text: str) -> list[str]:
        """Ids of entities `text` names, most articles first; [] when none."""
        folded = fold(text)
        if not folded:
            return []
        tries = [f"f:{folded}", f"p:{self._romanised(folded)}"]
        if len(folded.split()) == 1:
            tries += [f"s:{romanised(folded, self.rules)}", f"i:{folded}"]
        if kind in (None, "org") and org_core(text, self.rules):
            tries.append(f"c:{org_core(text, self.rules)}")  # "Wagner PMC": Wagner Group
        kinds = [kind] if kind else list(self.keys)
        for key in tries:
            found = [i for k in kinds for i in self.keys.get(k, {}).get(key, ())
                     if i in self.entities]
            if found:
                return sorted(dict.fromkeys(found), key=lambda i: (-self._weight(i), i))
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

    # -- internals -----------------------------------------------------------------------
    def _weight(self, entity_id: str) -> int:
        return self.entities[entity_id].articles

    @staticmethod
    def _names(e) -> list[str]:
        return list(dict.fromkeys([e.value, *e.variants, *e.names]))

    def _keys_of(self, e) -> set[str]:
        keys: set[str] = set()
        for name in self._names(e):
            folded = fold(name)
            if not folded:
                continue
            keys |= {f"f:{folded}", f"p:{self._romanised(folded)}"}
            if e.kind == "person":
                parsed = parse_name(name)
                if parsed.full:
                    keys.add(f"s:{romanised(surname_word(parsed), self.rules)}")
            elif e.kind == "org":
                letters = initials(name, self.rules)
                if len(letters) >= self.rules.acronym_min_letters:
                    keys.add(f"i:{letters}")
                core = org_core(name, self.rules)
                if core:
                    keys.add(f"c:{core}")
        return keys

    def _index(self, e) -> None:
        table = self.keys.setdefault(e.kind, {})
        for key in self._keys_of(e):
            ids = table.setdefault(key, [])
            if e.id not in ids:
                ids.append(e.id)

    def _romanised(self, folded: str) -> str:
        # Without spaces: "co operation" (a hyphen folded) is "cooperation".
        return romanised(folded.replace(" ", ""), self.rules)

    def _choice_lists(self, kind: str | None) -> tuple[list[str], list[str]]:
        if kind not in self._choices:
            pairs = [(f, e.id) for e in self.entities.values() if kind in (None, e.kind)
                     for f in map(fold, self._names(e)) if f]
            # Most used first, so that ties go to the entity a reader more likely means.
            pairs.sort(key=lambda p: (-self._weight(p[1]), p[0]))
            self._choices[kind] = ([p[0] for p in pairs], [p[1] for p in pairs])
        return self._choices[kind]
