"""Clustering one block of values of one kind: which values name the same entity.

A block is every value that shares a blocking key with another (see `keys_of`); nothing
outside a block can join it, so a block is resolved alone and re-resolved only when one of
its values changes. Inside a block, in order of strength:

1. the alias data and the user's merges join the names they list;
2. spellings that fold to the same form join ("al-Qaeda", "Al Qaeda"), and for
   organisations also forms whose acronyms the alias data expands ("UN Security Council",
   "United Nations Security Council");
3. strict spellings join: same number of words, each word a spelling of the other
   ("Wołodymyr Zełenski", "Volodymyr Zelenskyy"; "al Qaida", "al-Qaeda");
4. looser forms join ONE entity when the block makes it unambiguous: a surname alone, a
   name without its middle name or with a short given name, an organisation without its
   generic words ("Wagner" -> "Wagner Group"), an acronym defined in the corpus or matching
   the initials of a single organisation ("ICC" -> "International Criminal Court").
   "Unambiguous": the candidates have at least `min_support` articles and the best has
   `dominance` times the articles of the next.

Two clusters never join when they hold different alias entries, a value the user split
off, or two full names whose given or middle names disagree ("Boris Johnson", "Lyndon
Johnson"). A cluster the user merged holds names the user vouches for however they are
spelled ("Alaxandr Lukashenko" with "Alexander Lukashenko"): another name joins it when it
agrees with one of them, not with all, so a merge never pushes out a spelling that had
joined before it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .names import (Name, alike, compatible_given, fold, initials, inverted, is_acronym,
                    org_core, parse_name, romanised, same_surname, similar_words, skeleton,
                    surname_word)
from .nations import national_form
from .rules import Rules


@dataclass
class BlockContext:
    """What resolving a block needs besides its values: counts, aliases, edits, definitions."""

    rules: Rules
    articles: Mapping[str, int]  # value -> article count (all kinds)
    alias_of: Mapping[str, tuple[str, str]]  # fold(name) -> (kind, canonical)
    expansions: Mapping[str, str]  # fold(acronym) -> fold(expansion), from the alias data
    merge_groups: Mapping[str, frozenset[int]]  # fold(value) -> ids of user merges naming it
    splits: frozenset[str]  # fold(value) of values the user split off
    definitions: Mapping[str, Mapping[str, int]]  # value -> {short form: articles}
    # A person value -> the name in it, where the model glued something before the name
    # ("Security Council Dmitry Medvedev" -> "Dmitry Medvedev"; `names.person_part`).
    name_forms: dict[str, str] = field(default_factory=dict)
    # Values the corpus mostly writes as a common word ("State", "Customs"): no body's
    # name written alone (filled per block, like `articles`).
    common: set[str] = field(default_factory=set)

    def name(self, value: str) -> str:
        return self.name_forms.get(value, value)


def keys_of(value: str, kind: str, ctx: BlockContext) -> set[str]:
    """The blocking keys of a value: values that share none are never compared."""
    r = ctx.rules
    folded = fold(value)
    keys = {f"f:{folded}"}
    alias = ctx.alias_of.get(folded)
    if alias is not None:
        keys.add(f"g:{alias[1]}")
    keys.update(f"m:{i}" for i in ctx.merge_groups.get(folded, ()))
    if kind == "person":
        last = surname_word(parse_name(value))
        if last:
            keys.add(f"s:{skeleton(last, r)}")
        words = folded.split()
        if len(words) == 2:  # "Kishida Fumio" meets "Fumio Kishida" (`name_orders`)
            keys.add(f"f:{words[1]} {words[0]}")
    else:
        keys.add("w:" + " ".join(skeleton(w, r) for w in folded.split()))
    if kind == "org":
        keys.add(f"f:{_expanded(folded, ctx)}")
        keys.add(f"f:{inverted(folded)}")  # "Department of State": "State Department"
        core = org_core(value, r)
        if core:
            keys.add(f"f:{core}")
        if len(folded.split()) == 1:
            keys.add(f"a:{folded}")  # a short form another value may define or expand
        # Initials as written only: the shorter initials without generic words ("gm" of
        # "General Motors Corp") would chain thousands of companies into one block. An
        # "n:" key meets only the "a:" key of the same letters (`linked_keys`): names
        # with the same initials do not meet one another through them.
        letters = initials(value, r)
        if len(letters) >= r.acronym_min_letters:
            keys.add(f"n:{letters}")
        keys.update(f"a:{fold(s)}" for s in ctx.definitions.get(value, ()))
        national = national_form(value, ctx.alias_of)
        if national:  # "US Congress" meets "Congress" and "American Congress"
            keys.add(f"f:{national.rest}")
        elif len(value.split()) > 1 and is_acronym(value.split()[0], r):
            # "UN Security Council" meets "Security Council of Russia": the name alone is
            # not only Russia's
            keys.add("f:" + " ".join(folded.split()[1:]))
    return {f"{kind}|{k}" for k in keys}


def linked_keys(key: str) -> tuple[str, ...]:
    """The keys whose holders a value holding `key` is compared with: the key itself, except
    that a name's initials ("org|n:cc") meet only the short forms written so ("org|a:cc")
    and a short form meets both. (Initials shared by names chained 6,113 of Reuters'
    organisations into one block, re-resolved whole whenever one of them changed.)"""
    kind, _, rest = key.partition("|")
    if rest.startswith("n:"):
        return (f"{kind}|a:{rest[2:]}",)
    if rest.startswith("a:"):
        return (key, f"{kind}|n:{rest[2:]}")
    return (key,)


def _acronyms_of(value: str, rules: Rules) -> set[str]:
    """The acronyms a long name may go by: its initials, with and without its generic words
    ("General Motors Corp": "gmc" and "gm")."""
    found = {initials(value, rules)}
    core = org_core(value, rules)
    if core and core != fold(value):
        found.add(initials(core, rules))
    return {a for a in found if len(a) >= rules.acronym_min_letters}


def _expanded(folded: str, ctx: BlockContext) -> str:
    """A folded org name with its acronym words written out ("un security council")."""
    return " ".join(ctx.expansions.get(w, w) for w in folded.split())


@dataclass
class _Cluster:
    values: list[str]
    alias: str | None = None  # the alias entry's canonical name
    split: bool = False
    merged_by_user: bool = False


@dataclass
class _Block:
    kind: str
    ctx: BlockContext
    parent: dict[str, str] = field(default_factory=dict)
    info: dict[str, _Cluster] = field(default_factory=dict)

    def find(self, v: str) -> str:
        while self.parent[v] != v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def union(self, a: str, b: str, *, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and not self.can_join(self.info[ra], self.info[rb]):
            return False
        big, small = (ra, rb) if self._weight(ra) >= self._weight(rb) else (rb, ra)
        self.parent[small] = big
        merged = self.info.pop(small)
        keep = self.info[big]
        keep.values += merged.values
        keep.alias = keep.alias or merged.alias
        keep.split = keep.split or merged.split
        keep.merged_by_user = keep.merged_by_user or merged.merged_by_user
        return True

    def _weight(self, root: str) -> tuple:
        vals = self.info[root].values
        return (sum(self.ctx.articles.get(v, 0) for v in vals), min(vals))

    def can_join(self, a: _Cluster, b: _Cluster) -> bool:
        if a.alias and b.alias and a.alias != b.alias:
            return False
        if a.split or b.split:
            return False
        agree = any if a.merged_by_user or b.merged_by_user else all
        if self.kind == "org":
            long_a, long_b = _long_forms(a.values, self.ctx.rules), _long_forms(b.values, self.ctx.rules)
            return not (long_a and long_b) or agree(
                _same_org(x, y, self.ctx) for x in long_a for y in long_b)
        if self.kind != "person":
            return True
        name = self.ctx.name
        full_a = [parse_name(name(v)) for v in a.values if parse_name(name(v)).full]
        full_b = [parse_name(name(v)) for v in b.values if parse_name(name(v)).full]
        return not (full_a and full_b) or agree(
            _same_person(x, y, self.ctx.rules) for x in full_a for y in full_b)


def name_orders(values: Iterable[str], ctx: BlockContext) -> dict[str, str]:
    """Two-word person names a block writes in both orders ("Kishida Fumio" and "Fumio
    Kishida": East Asian names put the family name first, and news writes both): the
    less used order -> the name in the more used one, which the block then compares."""
    values = list(values)
    by_form = {fold(ctx.name(v)): v for v in values}
    out = {}
    for v in values:
        words = fold(ctx.name(v)).split()
        other = by_form.get(" ".join(reversed(words))) if len(words) == 2 else None
        if other is not None and other != v and \
                (ctx.articles.get(other, 0), v) > (ctx.articles.get(v, 0), other):
            out[v] = ctx.name(other)
    return out


def _long_forms(values: list[str], rules: Rules) -> list[str]:
    return [v for v in values if not is_acronym(v, rules) and len(fold(v).split()) > 1]


def _same_org(x: str, y: str, ctx: BlockContext) -> bool:
    """Two written-out organisation names of one cluster: one holds the other's words, with
    acronyms the alias data expands written out ("UK Independence Party", "Independence
    Party"; "US Geological Survey", "United States Geological Survey"), or they are
    spellings of each other. "London Stock Exchange" and "London School of Economics" are
    not, whatever "LSE" says."""
    wx = set(_expanded(fold(x), ctx).split())
    wy = set(_expanded(fold(y), ctx).split())
    if wx <= wy or wy <= wx or _spelled_alike(x, y, ctx.rules) or _same_nation(x, y, ctx):
        return True
    # spellings of one name with a generic word more ("Al Jazera", "al-Jazeera TV")
    cx, cy = org_core(x, ctx.rules), org_core(y, ctx.rules)
    return bool(cx and cy) and (cx, cy) != (fold(x), fold(y)) and _spelled_alike(cx, cy, ctx.rules)


def _same_person(x: Name, y: Name, rules: Rules) -> bool:
    """Full names that may be one person: compatible given names and middle names."""
    if not compatible_given(x.given, y.given, rules):
        return False
    if x.middle and y.middle:
        if len(x.middle) != len(y.middle):
            return False
        return all(compatible_given(a, b, rules) for a, b in zip(x.middle, y.middle))
    return True


def resolve_block(values: Iterable[str], kind: str, ctx: BlockContext) -> list[list[str]]:
    """Partition one block's values into entities (each list ordered by articles, value)."""
    order = sorted(set(values), key=lambda v: (-ctx.articles.get(v, 0), v))
    block = _Block(kind, ctx)
    for v in order:
        folded = fold(v)
        alias = ctx.alias_of.get(folded)
        block.parent[v] = v
        block.info[v] = _Cluster([v], alias[1] if alias and alias[0] == kind else None,
                                 folded in ctx.splits)
    _join_listed(block, order)
    _join_equal_forms(block, order)
    _join_spellings(block, order)
    if kind == "org":
        _join_national_forms(block, order)
    _attach_loose_forms(block, order)
    clusters = {}
    for v in order:
        clusters.setdefault(block.find(v), []).append(v)
    return sorted(clusters.values(), key=lambda c: c[0])


def _join_listed(block: _Block, order: list[str]) -> None:
    """Alias entries and the user's merges (these override every guard; the user's split
    of a value overrides the alias data that lists it)."""
    first: dict[tuple, str] = {}
    for v in order:
        folded = fold(v)
        alias = block.ctx.alias_of.get(folded)
        listed = alias and alias[0] == block.kind and folded not in block.ctx.splits
        tags = [("alias", alias[1])] if listed else []
        tags += [("merge", i) for i in block.ctx.merge_groups.get(folded, ())]
        for tag in tags:
            if tag in first:
                block.union(first[tag], v, force=True)
                if tag[0] == "merge":
                    block.info[block.find(v)].merged_by_user = True
            else:
                first[tag] = v


def _join_equal_forms(block: _Block, order: list[str]) -> None:
    seen: dict[str, str] = {}
    for v in order:
        folded = fold(v)
        forms = {folded}
        if block.kind == "org":
            forms |= {_expanded(folded, block.ctx), inverted(folded)}
        if block.kind == "person":  # "Defense Lloyd Austin" is Lloyd Austin
            forms.add(fold(block.ctx.name(v)))
        for form in forms:
            if form in seen:
                # A split value still takes its own case and hyphen forms.
                root = block.find(seen[form])
                if block.info[root].split or block.info[block.find(v)].split:
                    block.union(seen[form], v, force=True)
                else:
                    block.union(seen[form], v)
            else:
                seen[form] = v


def _join_spellings(block: _Block, order: list[str]) -> None:
    """Strict spellings: same number of words, each word a spelling of the other."""
    r = block.ctx.rules
    by_shape: dict[tuple, list[str]] = {}
    name_of = block.ctx.name if block.kind == "person" else (lambda v: v)
    for v in order:
        words = fold(name_of(v)).split()
        if block.kind == "person" and len(words) < 2:
            continue  # a surname alone is a loose form
        shape = tuple(skeleton(w, r) for w in words)
        if block.kind == "person":
            shape = (len(words), shape[-1])
        by_shape.setdefault(shape, []).append(v)
    for group in by_shape.values():
        for i, a in enumerate(group):
            for b in group[:i]:
                if _spelled_alike(name_of(a), name_of(b), r):
                    block.union(b, a)


def _spelled_alike(a: str, b: str, rules: Rules) -> bool:
    """Same number of words, each a spelling of the other, and alike as a whole."""
    wa, wb = fold(a).split(), fold(b).split()
    if len(wa) != len(wb) or not alike(a, b, rules):
        return False
    raw_a, raw_b = a.split(), b.split()
    if len(raw_a) == len(raw_b) and any(  # "PP" is no spelling of "PPP"
            is_acronym(x, rules) or is_acronym(y, rules) and fold(x) != fold(y)
            for x, y in zip(raw_a, raw_b)):
        return False
    return all(
        similar_words(x, y, rules) and skeleton(x, rules) == skeleton(y, rules)
        or (len(x) == 1 or len(y) == 1) and x[0] == y[0] and i < len(wa) - 1
        for i, (x, y) in enumerate(zip(wa, wb)))


def _join_national_forms(block: _Block, order: list[str]) -> None:
    """One country's body under its names ("US Congress", "American Congress"), and the
    body's name written alone when the block writes it with that one country only
    ("Congress"; not "Ministry of Defense", written with Latvia's and Ukraine's)."""
    ctx = block.ctx
    by_rest: dict[str, dict[str, list[str]]] = {}
    alone: dict[str, list[str]] = {}
    plain: set[str] = set()  # forms of values that name no country's body
    for v in order:
        national = national_form(v, ctx.alias_of)
        if national:
            by_rest.setdefault(national.rest, {}).setdefault(national.country, []).append(v)
        else:
            plain.add(inverted(fold(v)))
        alone.setdefault(inverted(fold(v)), []).append(v)
    # "UN Security Council": a rest that ends a name of no country is not only a country's
    # (each form's word tails looked up: comparing every rest with every form was
    # quadratic, most of the time of a big block)
    others = {tail for f in plain for tail in _word_tails(f) if tail in by_rest}
    for rest, countries in by_rest.items():
        for names in countries.values():
            for v in names[1:]:
                block.union(names[0], v)
        if len(countries) == 1 and rest not in others:
            names = next(iter(countries.values()))
            standing = [v for v in names if national_form(v, ctx.alias_of).stands_alone]
            for v in alone.get(rest, ()) if standing else ():
                if v not in ctx.common:
                    block.union(standing[0], v)


def _word_tails(form: str) -> list[str]:
    """The proper word tails of a form ("a b c" -> "b c", "c")."""
    words = form.split()
    return [" ".join(words[i:]) for i in range(1, len(words))]


def _same_nation(x: str, y: str, ctx: BlockContext) -> bool:
    """Names of one country's body ("Israel Defense Forces", "Israeli Defense Forces"), or
    one of them the other without its country ("US Congress", "Congress")."""
    nx, ny = national_form(x, ctx.alias_of), national_form(y, ctx.alias_of)
    if nx and ny:
        return nx[:2] == ny[:2]
    return bool(nx and nx.rest == inverted(fold(y)) or ny and ny.rest == inverted(fold(x)))


def _attach_loose_forms(block: _Block, order: list[str]) -> None:
    """Surnames alone, shortened names, acronyms: join one entity when unambiguous."""
    index = _LooseIndex(block, order)
    for v in order:
        candidates, defined = index.candidates(v)
        if candidates:
            target = _unambiguous(block, candidates, min_support=1 if defined else None)
            if target is not None:
                block.union(target, v)


class _LooseIndex:
    """Which values a loose form could belong to, by dict lookups (a block of thousands of
    company names must not compare every pair)."""

    def __init__(self, block: _Block, values: list[str]):
        self.block = block
        r, defs = block.ctx.rules, block.ctx.definitions
        self.by_fold: dict[str, list[str]] = {}
        self.definers: dict[str, list[str]] = {}  # folded short form -> values defining it
        self.by_core: dict[str, list[str]] = {}
        self.by_acronym: dict[str, list[str]] = {}
        self.by_surname: dict[str, list[str]] = {}  # skeleton of the last surname word
        for w in values:
            self.by_fold.setdefault(fold(w), []).append(w)
            for short in defs.get(w, ()):
                self.definers.setdefault(fold(short), []).append(w)
            if block.kind == "org":
                self.by_core.setdefault(org_core(w, r), []).append(w)
                for letters in _acronyms_of(w, r):
                    self.by_acronym.setdefault(letters, []).append(w)
            elif block.kind == "person" and parse_name(block.ctx.name(w)).full:
                last = surname_word(parse_name(block.ctx.name(w)))
                self.by_surname.setdefault(skeleton(last, r), []).append(w)

    def candidates(self, v: str) -> tuple[list[str], bool]:
        """Roots of clusters a loose form `v` could belong to (its own excluded), and
        whether the corpus defines them as acronym and name (then one article is support
        enough)."""
        block, r = self.block, self.block.ctx.rules
        own = block.find(v)
        if block.kind == "person":
            name = parse_name(block.ctx.name(v))
            last = surname_word(name)
            found = [w for w in self.by_surname.get(skeleton(last, r), ())
                     if _person_extends(name, parse_name(block.ctx.name(w)), r)] if last else []
            return self._roots(found, own), False
        if block.kind != "org":
            return [], False
        # An acronym defined in the corpus ("International Criminal Court (ICC)") beats one
        # read from initials or a name without its generic words.
        defs = block.ctx.definitions
        mine = block.info[own].values
        found = [w for ov in mine for short in defs.get(ov, ())
                 for w in self.by_fold.get(fold(short), ())]
        found += [w for ov in mine for w in self.definers.get(fold(ov), ())]
        defined = self._roots(found, own)
        if defined:
            return defined, True
        folded = fold(v)
        same_core = [w for w in self.by_core.get(folded, ()) if fold(w) != folded]
        if not is_acronym(v, r):  # "Wagner" and "Wagner Group": the same name
            return self._roots(same_core, own), True
        # an acronym's initials, or a short name in capitals ("FOX" of "Fox News")
        return self._roots([*self.by_acronym.get(folded, ()), *same_core], own), False

    def _roots(self, values, own: str) -> list[str]:
        return sorted({self.block.find(w) for w in values} - {own})


def _person_extends(short: Name, full: Name, rules: Rules) -> bool:
    """Whether `full` is a fuller form of `short` ("Trump" of "Donald Trump")."""
    if not full.full or short.words == full.words:
        return False
    if len(short.surname.split()) > len(full.surname.split()):
        return False
    # spellings of one surname start alike: "Sullivan" is no "O'Sullivan" (folded "osullivan")
    surnames_alike = all(similar_words(a, b, rules) and skeleton(a, rules) == skeleton(b, rules)
                         and romanised(a, rules)[:1] == romanised(b, rules)[:1]
                         for a, b in zip(reversed(short.surname.split()),
                                         reversed(full.surname.split())))
    if not surnames_alike:
        return False
    if not short.full:
        return same_surname(short.surname.split()[-1], full.surname.split()[-1], rules)
    if len(short.surname.split()) != len(full.surname.split()):
        return False  # "Ed Sullivan" is no shorter "Eddie O'Sullivan"
    return _same_person(short, full, rules) and (
        len(short.middle) < len(full.middle) or short.given != full.given)


def _unambiguous(block: _Block, roots: list[str], *, min_support: int | None = None
                 ) -> str | None:
    """The one candidate with enough support that dominates the others, if any."""
    ctx = block.ctx
    weights = sorted(((sum(ctx.articles.get(v, 0) for v in block.info[r].values), r)
                      for r in roots), reverse=True)
    best, root = weights[0]
    if best < (ctx.rules.min_support if min_support is None else min_support):
        return None
    if len(weights) > 1 and best < ctx.rules.dominance * weights[1][0]:
        return None
    return root
