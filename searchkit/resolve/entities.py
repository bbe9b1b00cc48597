"""The entities table of an index: one entity per real person, place and organisation.

Input is an inventory of observations: (value, kind) pairs with article counts, where the
value is the canonical name extraction gave and the kind what extraction made of it in
those articles, plus acronym definitions found in the corpus ("International Criminal
Court (ICC)") and how many articles write each word lowercase, use it as a name or name it
as an organisation's product (`wordcase.py`).
With the alias data and the user's edits, the table clusters the values
(see `blocks.py` for the rules), gives each entity a kind by vote (a name that is a person
in most of its articles is a person everywhere; a surname alone the model called something
else, and a place's spelling it called a person, take the kind of the names the index
holds many times as often), a display value (the alias entry, the
user's name, else the most used full form) and a stable id, and flags junk values. A
cluster with too little evidence to list (a one-word "person" no full name backs, that
other articles call something else; a one-word value whose word the corpus mostly writes
lowercase: "Budget", "Digital"; a one-word "organisation" or "place" that articles name as
an organisation's: "Apple's iPod"; a work's title: "the film Vera Drake") is kept out of
the entities, in `unlisted`.

It is incremental: `update(delta)` applies article additions and removals and re-resolves
only the blocks whose values changed, so its cost follows the change, not the index.

    >>> table = EntityTable()
    >>> delta = Observations()
    >>> delta.add_article(people=["Volodymyr Zelenskyy", "Zelensky"], orgs=["ICC"],
    ...                   acronyms=[("ICC", "International Criminal Court")])
    >>> delta.add_article(people=["Volodymyr Zelenskyy"], orgs=["International Criminal Court"])
    >>> delta.add_article(people=["Zełenski"])
    >>> changes = table.update(delta)
    >>> table.entity("Zełenski").value, table.entity("ICC").value
    ('Volodymyr Zelenskyy', 'International Criminal Court')
    >>> [table.get(i).value for i in table.match("person", "zelenskiy")]
    ['Volodymyr Zelenskyy']
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..models import SearchkitError
from .blocks import BlockContext, keys_of, linked_keys, name_orders, resolve_block
from .edits import Edits
from ..extraction.junk import junk_reason
from ..extraction.places import get_gazetteer
from .lookup import Lookup
from .names import (fold, is_acronym, parse_name, person_part, romanised, same_surname,
                    shouted_name, similar_words, skeleton, surname_word)
from ..facetspec import NAME_FACETS
from .rules import Rules, load_rules
from .evidence import WORD_COUNTS, WordEvidence, add_count
from .wordcase import (determined_words, lowercase_words, named_words, owned_words,
                       placed_names, venue_words, work_titles)

#: Entity kinds and facet field -> kind, from the facet table.
KINDS = tuple(spec.entity_kind for spec in NAME_FACETS)
FACET_KINDS = {spec.name: spec.entity_kind for spec in NAME_FACETS}
FORMAT_VERSION = 1
#: Bumped when the resolution logic changes, so that a writer re-resolves saved tables
#: (through the rules digest) while readers keep reading them.
RESOLVER_VERSION = 9
#: Why a "place" that no map holds (a bare compass point, a body in space) is not listed.
OFF_MAP = "no place on a map: a compass point or a body in space (rules: off_map)"
#: (kind, canonical) -> every name the alias data lists for it.
AliasGroups = Mapping[tuple[str, str], Iterable[str]]


@dataclass
class Entity:
    """One real entity: its id, kind, display value, variants with article counts."""

    id: str
    kind: str
    value: str
    variants: dict[str, int]  # observed value -> articles (sorted: most used first)
    names: tuple[str, ...] = ()  # other names from the alias data and edits (lookup only)

    @property
    def articles(self) -> int:
        """Articles naming it, summed over variants (one naming two variants counts twice)."""
        return sum(self.variants.values())

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "value": self.value,
                "articles": self.articles, "variants": dict(self.variants),
                "names": list(self.names)}


@dataclass
class Observations:
    """A change to the inventory: (value, kind), acronym-definition and word-case article
    counts.

    Counts may be negative (articles deleted or re-extracted).
    """

    values: Counter = field(default_factory=Counter)  # (value, kind) -> articles
    acronyms: Counter = field(default_factory=Counter)  # (short, long) -> articles
    lowercase: Counter = field(default_factory=Counter)  # word key -> articles writing it so
    named: Counter = field(default_factory=Counter)  # word key -> articles using it as a name
    owned: Counter = field(default_factory=Counter)  # word key -> articles: "Apple's iPod"
    titles: Counter = field(default_factory=Counter)  # folded title -> articles: "film X"
    determined: Counter = field(default_factory=Counter)  # word key -> articles: "an Oscar."
    venues: Counter = field(default_factory=Counter)  # word key -> articles: "at Murrayfield"
    placed: Counter = field(default_factory=Counter)  # folded name -> articles: "the town of X"

    def add_article(self, *, people: Iterable[str] = (), places: Iterable[str] = (),
                    orgs: Iterable[str] = (), acronyms: Iterable[tuple[str, str]] = (),
                    text: str = "", sign: int = 1) -> None:
        """Count one article's facet values (each once), acronym definitions and how its
        `text` writes its words."""
        for kind, names in (("person", people), ("place", places), ("org", orgs)):
            for name in set(names):
                self.values[name, kind] += sign
        for pair in set(map(tuple, acronyms)):
            self.acronyms[pair] += sign
        if text:
            self.add_text(text, orgs=orgs, sign=sign)

    def add_text(self, text: str, *, orgs: Iterable[str] = (), sign: int = 1) -> None:
        """Count how one article's text writes its words (`orgs`: its organisation values,
        the owners `owned_words` looks for)."""
        for word in lowercase_words(text):
            self.lowercase[word] += sign
        for word in named_words(text):
            self.named[word] += sign
        for word in owned_words(text, set(orgs)):
            self.owned[word] += sign
        for title in work_titles(text):
            self.titles[title] += sign
        for word in determined_words(text):
            self.determined[word] += sign
        for word in venue_words(text):
            self.venues[word] += sign
        for name in placed_names(text):
            self.placed[name] += sign

    def remove_article(self, **facets) -> None:
        """Uncount one article (the same arguments as `add_article`)."""
        self.add_article(**facets, sign=-1)

    def add_extraction(self, extraction, *, text: str = "", sign: int = 1) -> None:
        """Count one `Extraction` (its facet values and acronym definitions) and the
        `text` it was extracted from."""
        facets = extraction.facets()
        self.add_article(**{name: facets[name] for name in FACET_KINDS},
                         acronyms=getattr(extraction, "acronyms", ()), text=text, sign=sign)


@dataclass
class Changes:
    """What an update did: values re-resolved, entities made or changed, entities gone."""

    values: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)  # ids of new or changed entities
    removed: set[str] = field(default_factory=set)  # ids that no longer exist


class EntityTable(WordEvidence):
    """Clusters of values into entities, kept current incrementally (module docstring).

    `aliases` maps (kind, canonical) to the names the alias data lists for it
    (`AliasTable.groups()`); `edits` are the user's merges, splits, renames, not-names.
    """

    rebuilt = False  # re-resolved whole when read (the rules had changed)

    def __init__(self, *, aliases: AliasGroups | None = None, edits: Edits | None = None,
                 rules: Rules | None = None):
        self.rules = rules or load_rules()
        self.counts: dict[str, dict[str, int]] = {}  # value -> kind -> articles
        self.definitions: dict[str, dict[str, int]] = {}  # long value -> short -> articles
        self.entities: dict[str, Entity] = {}
        self.entity_of: dict[str, str] = {}  # value -> entity id
        self.junk: dict[str, str] = {}  # value -> why it is no name
        self.unlisted: dict[str, str] = {}  # value -> why its cluster has too little evidence
        self.lowercase: dict[str, int] = {}  # word key -> articles writing it lowercase
        self.named: dict[str, int] = {}  # word key -> articles using it as a name (wordcase)
        self.owned: dict[str, int] = {}  # word key -> articles naming it an organisation's
        self.titles: dict[str, int] = {}  # folded title -> articles writing "the film X"
        self.determined: dict[str, int] = {}  # word key -> articles writing "an Oscar."
        self.venues: dict[str, int] = {}  # word key -> articles writing "at Murrayfield"
        self.placed: dict[str, int] = {}  # folded name -> articles writing "the town of X"
        #: False for a table saved before word cases were counted (its writer counts them).
        self.case_counted = True
        self.next_id = 1
        self._keys: dict[str, set[str]] | None = None  # value -> blocking keys
        self._holders: dict[str, set[str]] = {}  # key -> values
        self._by_word: dict[str, set[str]] | None = None  # folded form -> values
        self._surnames: dict[str, int] | None = None  # surname -> articles of full names
        self._places: dict[str, dict[str, int]] | None = None  # skeleton -> place -> articles
        self._spellings: dict[str, set[str]] | None = None  # skeleton -> one-word values
        self._indexed_kind: dict[str, str] = {}  # value -> the kind its keys were made for
        self._lookup: Lookup | None = None
        self._set_rules(aliases or {}, edits or Edits())

    # -- reading ------------------------------------------------------------------------
    def get(self, entity_id: str) -> Entity:
        """The entity with this id (KeyError if none)."""
        return self.entities[entity_id]

    def entity(self, value: str) -> Entity | None:
        """The entity an observed value belongs to; None for junk or unknown values."""
        eid = self.entity_of.get(value)
        return self.entities[eid] if eid else None

    def list(self, kind: str | None = None) -> list[Entity]:
        """Entities (of one kind), most articles first."""
        found = [e for e in self.entities.values() if kind is None or e.kind == kind]
        return sorted(found, key=lambda e: (-e.articles, e.value))

    def match(self, kind: str | None, text: str) -> list[str]:
        """Ids of the entities a reader's filter value means, best first (maybe none).

        Case-, diacritic- and spelling-insensitive and alias-aware: "zelensky",
        "Zaluzhnyi" (a surname the index knows one full name for), "Kiev", "nato".
        """
        return self._lookups().match(kind, text)

    def closest(self, kind: str | None, text: str, n: int = 3) -> list[Entity]:
        """The `n` entities whose names are nearest to `text` ("did you mean ...")."""
        return [self.entities[i] for i in self._lookups().closest(kind, text, n)]

    def kind_of(self, value: str) -> str | None:
        """The kind a value has by vote over its articles (alias data decides first)."""
        kind = self._vote(value)
        if kind is None or kind == self._listed_kind(value):
            return kind
        if kind in ("org", "place") and self._lone_surname(value, kind):
            return "person"
        if kind == "person" and self._place_spelling(value):
            return "place"
        if kind != "person" and (person_part(value, loose=True) != value
                                 and not self._common_tail(value) or shouted_name(value)):
            # "Security Council Dmitry Medvedev", "Ms Sandu", "LIZ TRUSS": a person's name
            return "person"
        if kind == "org" and self._venue(value):
            return "place"  # "at Murrayfield", "at Twickenham": a stadium, a place
        if kind in ("person", "org") and self._placed(value):
            return "place"  # "the town of Chasiv Yar": a town the gazetteer lacks
        return kind

    def _vote(self, value: str) -> str | None:
        """The kind most of a value's articles give it (the alias data's, if any of them)."""
        kinds = self.counts.get(value)
        if not kinds:
            return None
        listed = self._listed_kind(value)
        if listed is not None and kinds.get(listed, 0) > 0:
            return listed
        if is_acronym(value, self.rules) and kinds.keys() - {"place"}:
            # "ICCO" tagged a place: acronyms of places are few and the alias data lists
            # them ("US", "UAE"); any other acronym is a person's or an organisation's.
            kinds = {k: n for k, n in kinds.items() if k != "place"}
        return max(KINDS, key=lambda k: (kinds.get(k, 0), -KINDS.index(k)))

    def _lone_surname(self, value: str, kind: str) -> bool:
        """Whether a one-word value the model called an organisation or a place is the
        surname of full names the index holds as a person's, many times as often ("Putin"
        in an article that names no one in full). Not an acronym, nor a place the gazetteer
        knows ("Jordan")."""
        words = fold(value).split()
        if len(words) != 1 or is_acronym(value, self.rules):
            return False
        support = self._surname_counts().get(words[0], 0)
        if support < max(self.rules.surname_kind_min_articles,
                         self.rules.dominance * self._value_articles(value)):
            return False
        return kind != "place" or get_gazetteer().lookup(value) is None

    def _place_spelling(self, value: str) -> bool:
        """Whether a one-word value the model called a person is a spelling of a place the
        index holds many times as often ("Brasil" as a person, Brazil a place in 40
        articles): not an acronym, nor the surname of full names. (Organisations close to a
        place's name are mostly companies: "Europay", "Zayre".)"""
        words = fold(value).split()
        if len(words) != 1 or len(words[0]) < self.rules.surname_min_letters:
            return False  # ("Bat" is no "Bath": short words say too little)
        places = self._place_counts().get(skeleton(words[0], self.rules))
        if not places:
            return False
        need = max(self.rules.surname_kind_min_articles,
                   self.rules.dominance * self._value_articles(value))
        return not is_acronym(value, self.rules) and \
            self._surname_counts().get(words[0], 0) < self.rules.surname_kind_min_articles and \
            any(n >= need and place != value and similar_words(place, value, self.rules)
                and romanised(place, self.rules)[:1] == romanised(value, self.rules)[:1]
                for place, n in places.items())

    def _place_counts(self) -> dict[str, dict[str, int]]:
        """Skeleton of a one-word place value -> {value: articles} (kept current)."""
        if self._places is None:
            self._places = {}
            for value in self.counts:
                self._count_place(value, 1)
        return self._places

    def _place_key(self, value: str) -> str | None:
        if " " in value.strip():  # (cheap tests first: this runs over every value)
            return None
        words = fold(value).split()
        if len(words) != 1 or self._vote(value) != "place":
            return None
        return skeleton(words[0], self.rules)

    def _count_place(self, value: str, sign: int) -> None:
        key = self._place_key(value)
        if key:
            places = self._places.setdefault(key, {})
            add_count(places, value, sign * self._value_articles(value))
            if not places:
                del self._places[key]

    def _one_word_spellings(self, changed: Iterable[str] = ()) -> dict[str, set[str]]:
        """Skeleton -> the one-word values written so (kept current for `changed`)."""
        if self._spellings is None:
            self._spellings, changed = {}, self.counts
        for value in changed:
            words = fold(value).split()
            if len(words) == 1:
                held = self._spellings.setdefault(skeleton(words[0], self.rules), set())
                if value in self.counts:
                    held.add(value)
                else:
                    held.discard(value)
        return self._spellings

    def _surname_counts(self) -> dict[str, int]:
        """Surname word -> articles of the full person names ending in it (kept current)."""
        if self._surnames is None:
            self._surnames = {}
            for value in self.counts:
                self._count_surname(value, 1)
        return self._surnames

    def _surname_of(self, value: str) -> str | None:
        """The surname word of a value that is a person's full name by vote, else None."""
        if value.isalpha() or self._vote(value) != "person":
            return None  # (one plain word is no full name: the cheap test first)
        name = parse_name(value)
        return surname_word(name) if name.full else None

    def _count_surname(self, value: str, sign: int) -> None:
        word = self._surname_of(value)
        if word:
            add_count(self._surnames, word, sign * self._value_articles(value))

    def _listed_kind(self, value: str) -> str | None:
        listed = self._ctx.alias_of.get(fold(value))
        return listed[0] if listed is not None and self.counts.get(value, {}).get(listed[0]) else None

    def _name_form(self, value: str) -> str:
        """The name in a person value (`names.person_part`): loosely cut when the model
        called the whole value something else ("Kremlin Dmitry Pieskov", an organisation)."""
        if self._common_tail(value):
            return value
        return person_part(value, loose=self._vote(value) != "person")

    # -- changing -----------------------------------------------------------------------
    def update(self, delta: Observations) -> Changes:
        """Apply a change to the inventory and re-resolve the blocks it touches."""
        self._ensure_keys()  # before the counts change: old keys find old neighbours
        touched: set[str] = set()
        names = {value for (value, _kind), n in delta.values.items() if n}
        self._surname_counts()
        self._place_counts()
        surnames = {self._surname_of(v) for v in names}
        places = {self._place_key(v) for v in names}
        for value in names:
            self._count_surname(value, -1)
            self._count_place(value, -1)
        for (value, kind), n in delta.values.items():
            if n == 0:
                continue
            if kind not in KINDS:
                raise SearchkitError(f"unknown entity kind {kind!r} for {value!r}")
            kinds = self.counts.setdefault(value, {})
            kinds[kind] = kinds.get(kind, 0) + n
            if kinds[kind] <= 0:
                del kinds[kind]
            if not kinds:
                del self.counts[value]
            touched.add(value)
            self._index_word(value)
        for (short, long), n in delta.acronyms.items():
            if n == 0:
                continue
            shorts = self.definitions.setdefault(long, {})
            shorts[short] = shorts.get(short, 0) + n
            if shorts[short] <= 0:
                del shorts[short]
            if not shorts:
                del self.definitions[long]
            touched.update((short, long))
        for value in names:
            self._count_surname(value, 1)
            self._count_place(value, 1)
        # One-word values whose surname or place evidence moved may change kind ("Putin",
        # "Brasil"): the values of those words, and of those place spellings.
        surnames |= {self._surname_of(v) for v in names}
        places = (places | {self._place_key(v) for v in names}) - {None}
        by_word = self._values_by_word() if surnames - {None} or places else {}
        spellings = self._one_word_spellings(names)
        moved = {v for word in surnames - {None} for v in by_word.get(word, ())}
        moved |= {v for key in places for v in spellings.get(key, ())}
        # only those whose kind the new evidence changes (re-resolving every "Baker" block
        # whenever a Baker arrives made batches of 64 articles 4x slower)
        touched |= {v for v in moved - touched
                    if v in self.counts and self.kind_of(v) != self._indexed_kind.get(v)}
        touched |= self._count_case(delta)
        return self._refresh(touched)

    def set_rules(self, *, aliases: AliasGroups | None = None,
                  edits: Edits | None = None) -> Changes:
        """New alias data or user edits: re-resolve the values either version names."""
        self._ensure_keys()
        before = self._named_by_rules()
        named = {v for v in self.counts if fold(v) in before}
        old_blocks = self._components(named | self._entity_mates(named))
        self._set_rules(aliases if aliases is not None else self._aliases,
                        edits if edits is not None else self.edits)
        self._ensure_keys()
        after = self._named_by_rules()
        touched = {v for v in self.counts if fold(v) in after} | named
        return self._refresh(touched, seeds=old_blocks)

    def rebuild(self) -> Changes:
        """Re-resolve every value (after a rules-file change, say)."""
        self._keys = None
        self._ensure_keys()
        return self._refresh(set(self.counts) | set(self.entity_of))

    # -- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: the inventory, the entities and the junk flags."""
        return {"version": FORMAT_VERSION, "next_id": self.next_id,
                "rules": self._rules_digest(),
                "counts": self.counts,
                "definitions": self.definitions,
                "entities": [e.to_dict() for e in self.list()],
                "junk": self.junk, "unlisted": self.unlisted,
                **{name: getattr(self, name) for name in WORD_COUNTS},
                "lookup": self._lookups().to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, aliases: AliasGroups | None = None,
                  edits: Edits | None = None, stale_ok: bool = False) -> "EntityTable":
        """The table `to_dict` wrote; re-resolved whole if the rules changed since (unless
        `stale_ok`: the query path reads the table as its writer left it). `rebuilt` says
        whether it was re-resolved."""
        if not isinstance(data, Mapping) or data.get("version") != FORMAT_VERSION:
            raise SearchkitError("entities table: unknown format (rebuild the index)")
        table = cls(aliases=aliases, edits=edits)
        # A stale_ok table is read, not changed: it takes the loaded dicts as they are
        # (copying them was most of the query path's load time).
        own = (lambda d: {k: dict(v) for k, v in d.items()}) if not stale_ok else (lambda d: d)
        own_counts = dict if not stale_ok else (lambda d: d)
        table.counts = own(data["counts"])
        # In place: the block context holds this very dict.
        table.definitions.update(own(data["definitions"]))
        table.next_id = int(data["next_id"])
        table.junk = dict(data["junk"])
        table.unlisted = dict(data.get("unlisted", {}))
        for name in WORD_COUNTS:
            setattr(table, name, own_counts(data.get(name, {})))
        table.case_counted = all(name in data for name in WORD_COUNTS)
        entity_of = table.entity_of
        for e in data["entities"]:
            entity = Entity(e["id"], e["kind"], e["value"], e["variants"],
                            tuple(e.get("names", ())))
            table.entities[entity.id] = entity
            entity_of.update(dict.fromkeys(entity.variants, entity.id))
        table.rebuilt = not stale_ok and data.get("rules") != table._rules_digest()
        if table.rebuilt:
            table.rebuild()
        elif "lookup" in data:  # the query path: keys as saved, not made again per name
            table._lookup = Lookup(table.entities.values(), table.rules, keys=data["lookup"])
        return table

    # -- internals ----------------------------------------------------------------------
    def _set_rules(self, aliases: AliasGroups, edits: Edits) -> None:
        self._aliases = {k: tuple(v) for k, v in aliases.items()}
        self.edits = edits
        alias_of: dict[str, tuple[str, str]] = {}
        expansions: dict[str, str] = {}
        for (kind, canonical), names in self._aliases.items():
            for name in (canonical, *names):
                alias_of.setdefault(fold(name), (kind, canonical))
                # "UN", "US" inside an organisation's name stand for their full names.
                if is_acronym(name, self.rules) and not is_acronym(canonical, self.rules):
                    expansions.setdefault(fold(name), fold(canonical))
        self._ctx = BlockContext(
            rules=self.rules, articles={}, alias_of=alias_of, expansions=expansions,
            merge_groups=edits.merge_groups(), splits=edits.split_keys(),
            definitions=self.definitions)
        self._keys = None
        self._surnames = self._places = None  # votes may follow the alias data
        self._lookup = None

    def _named_by_rules(self) -> set[str]:
        names = {fold(n) for (_k, c), ns in self._aliases.items() for n in (c, *ns)}
        return names | self.edits.named()

    def _entity_mates(self, values: set[str]) -> set[str]:
        """Every value sharing an entity with one of `values`."""
        return {m for v in values if v in self.entity_of
                for m in self.entities[self.entity_of[v]].variants}

    def _rules_digest(self) -> str:
        import hashlib
        import json

        payload = json.dumps([sorted((list(k), sorted(v)) for k, v in self._aliases.items()),
                              self.edits.to_dict(), self.rules.canonical(), RESOLVER_VERSION],
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def _value_articles(self, value: str) -> int:
        return sum(self.counts.get(value, {}).values())

    def _live(self, value: str) -> bool:
        return value in self.counts and value not in self.junk

    def _compute_keys(self, value: str) -> set[str]:
        return keys_of(value, self.kind_of(value), self._ctx)

    def _ensure_keys(self) -> None:
        if self._keys is not None:
            return
        self._keys, self._holders, self._indexed_kind = {}, {}, {}
        self.junk = {}
        for value in self.counts:
            self._index(value)

    def _index(self, value: str) -> None:
        """(Re)compute a value's junk flag and blocking keys."""
        for key in self._keys.pop(value, ()):
            holders = self._holders.get(key)
            if holders is not None:
                holders.discard(value)
                if not holders:
                    del self._holders[key]
        self.junk.pop(value, None)
        self._indexed_kind.pop(value, None)
        if value not in self.counts:
            return
        kind = self._indexed_kind[value] = self.kind_of(value)
        reason = self.edits.junk_reason(value) or junk_reason(value, kind)
        if reason:
            self.junk[value] = reason
            return
        keys = keys_of(value, kind, self._ctx)
        self._keys[value] = keys
        for key in keys:
            self._holders.setdefault(key, set()).add(value)

    def _refresh(self, touched: set[str], seeds: set[str] = frozenset()) -> Changes:
        """Re-resolve the blocks holding `touched` values (before and after the change)."""
        self._ensure_keys()
        seeds = set(seeds) | touched | self._entity_mates(touched)
        for v in touched:  # old neighbours: a removed link may split their block
            for key in self._keys.get(v, ()):
                for linked in linked_keys(key):
                    seeds |= self._holders.get(linked, set())
        for v in touched:
            self._index(v)
        block_values = self._components(seeds)
        block_values |= self._components(self._entity_mates(block_values))
        old_ids = {self.entity_of[v] for v in block_values | seeds if v in self.entity_of}
        old = {i: self.entities.pop(i) for i in old_ids}
        for e in old.values():
            for v in e.variants:
                self.entity_of.pop(v, None)
        changes = Changes(values=block_values | touched)
        for v in block_values | touched:
            self.unlisted.pop(v, None)
        self._ctx.articles.clear()  # filled per block
        self._ctx.name_forms.clear()
        self._ctx.common.clear()
        new: list[Entity] = []
        for block, kind in self._blocks(block_values):
            for v in block:
                self._ctx.articles[v] = self._value_articles(v)
                if kind == "org" and self._common_word(v):
                    self._ctx.common.add(v)
                name = self._name_form(v) if kind == "person" else v
                if name != v:
                    self._ctx.name_forms[v] = name
            if kind == "person":
                self._ctx.name_forms.update(name_orders(block, self._ctx))
            surnames = None
            for cluster in resolve_block(block, kind, self._ctx):
                if kind == "person" and surnames is None:
                    surnames = {surname_word(parse_name(self._ctx.name(v))) for v in block
                                if parse_name(self._ctx.name(v)).full}
                reason = (self._too_little_evidence(cluster, kind, surnames or set())
                          or self._word_evidence_reason(cluster, kind, surnames or set()))
                if reason:
                    self.unlisted.update(dict.fromkeys(cluster, reason))
                else:
                    new.append(self._entity(cluster, kind))
        self._assign_ids(new, old, changes)
        if self._lookup is not None:  # kept current: what changed, not the whole table
            for e in old.values():
                self._lookup.remove(e)
            for e in new:
                self._lookup.add(e)
        return changes

    def _too_little_evidence(self, cluster: list[str], kind: str, surnames: set[str]) -> str:
        """Why a cluster is no entity to list, or "" when it is one.

        A "place" that is only a compass point or a body in space ("the West": the bloc;
        "Earth") says where nothing is. A "person" known by one word only, which is neither in the alias data nor the
        user's edits nor the surname of any full name in the index, and which other
        articles call a place or an organisation, is the small model's guess at a
        capitalised word ("Premiership", "Everton", "Yukos", "Welsh"). One always called a
        person stays: a real person known by one name ("Subroto", "Bono").
        """
        if kind == "place" and all(_without_article(fold(v)) in self.rules.off_map for v in cluster):
            return OFF_MAP
        if kind != "person" or any(len(fold(v).split()) > 1 for v in cluster):
            return ""
        if all(set(self.counts.get(v, {})) <= {"person"} for v in cluster):
            return ""
        if self._named(cluster) or self._a_surname(cluster, surnames):
            return ""
        return "one word, no full name in the index"

    def _named(self, cluster: list[str]) -> bool:
        """Whether the alias data or the user's edits name a value of the cluster."""
        named = self.edits.named()
        return any(fold(v) in self._ctx.alias_of or fold(v) in named for v in cluster)

    def _a_surname(self, cluster: list[str], surnames: set[str]) -> bool:
        """Whether a value of the cluster is one of the surnames of full names."""
        words = {surname_word(parse_name(v)) for v in cluster}
        return any(same_surname(w, s, self.rules) for w in words for s in surnames)

    def _components(self, seeds: set[str]) -> set[str]:
        """Every live value connected to a seed through shared keys."""
        seen: set[str] = set()
        stack = [v for v in seeds if self._live(v)]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            for key in self._keys.get(v, ()):
                for linked in linked_keys(key):
                    stack.extend(h for h in self._holders.get(linked, ()) if h not in seen)
        return seen

    def _blocks(self, values: set[str]) -> list[tuple[list[str], str]]:
        """Split values into connected blocks (one kind each), in a fixed order."""
        remaining, out = set(values), []
        for v in sorted(values):
            if v not in remaining:
                continue
            block = self._components({v}) & remaining
            remaining -= block
            out.append((sorted(block), self.kind_of(v)))
        return out

    def _entity(self, cluster: list[str], kind: str) -> Entity:
        variants = {v: self._value_articles(v) for v in cluster}
        value, names = self._display(cluster, kind, variants)
        return Entity("", kind, value, variants, names)

    def _display(self, cluster: list[str], kind: str,
                 variants: dict[str, int]) -> tuple[str, tuple[str, ...]]:
        """The user's name, else the alias entry, else the most used full form."""
        names: list[str] = []
        alias = next((self._ctx.alias_of[fold(v)] for v in cluster
                      if self._ctx.alias_of.get(fold(v), ("",))[0] == kind
                      and fold(v) not in self._ctx.splits), None)
        if alias is not None:
            names = [n for n in (alias[1], *self._aliases.get(alias, ())) if n not in variants]
        renamed = self.edits.display_for(cluster)
        if renamed:
            return renamed, tuple(dict.fromkeys([*names, renamed]))
        if alias is not None:
            return alias[1], tuple(names)
        full = [v for v in cluster if self._is_full_form(v, kind, cluster)] or cluster
        best = min(full, key=lambda v: (-variants[v], -len(v), v))
        name = self._name_form(best) if kind == "person" else best
        if name != best and parse_name(name).full:  # no full name written alone
            return name, tuple(dict.fromkeys([*names, name]))
        return best, tuple(names)

    def _is_full_form(self, value: str, kind: str, cluster: list[str]) -> bool:
        if kind == "person":
            return parse_name(value).full and self._name_form(value) == value
        if kind == "org":
            return not is_acronym(value, self.rules)
        return True

    def _assign_ids(self, new: list[Entity], old: dict[str, Entity], changes: Changes) -> None:
        """Keep an old id for the new cluster that shares most of its articles."""
        old_of = {v: oid for oid, o in old.items() for v in o.variants}
        shared: dict[tuple[str, int], float] = {}
        for n_i, e in enumerate(new):
            for v, count in e.variants.items():
                oid = old_of.get(v)
                if oid is not None:
                    # Articles in common; a value whose count fell to zero still links.
                    shared[oid, n_i] = shared.get((oid, n_i), 0) + \
                        max(min(count, old[oid].variants[v]), 1e-9)
        overlaps = [(-n, oid, n_i) for (oid, n_i), n in shared.items()]
        taken_new, taken_old = set(), set()
        for _s, oid, n_i in sorted(overlaps):
            if n_i in taken_new or oid in taken_old:
                continue
            new[n_i].id = oid
            taken_new.add(n_i)
            taken_old.add(oid)
        for e in sorted(new, key=lambda e: (e.kind, e.value)):
            e.variants = dict(sorted(e.variants.items(), key=lambda kv: (-kv[1], kv[0])))
            if not e.id:
                e.id = f"e{self.next_id}"
                self.next_id += 1
            if e.id not in old or old[e.id].to_dict() != e.to_dict():
                changes.changed.add(e.id)
            self.entities[e.id] = e
            for v in e.variants:
                self.entity_of[v] = e.id
        changes.removed = set(old) - taken_old

    def _lookups(self) -> Lookup:
        if self._lookup is None:
            self._lookup = Lookup(self.entities.values(), self.rules)
        return self._lookup


def _without_article(folded: str) -> str:
    return folded[4:] if folded.startswith("the ") else folded
