"""Matching taxonomy rules in parsed sentences, fast: anchors, compiled rules, relations.

Running every rule over every token is what makes a large rule set slow (spaCy's Matcher
pays per pattern per token). So each rule is compiled on its own with its "anchors": the
word sets (lower-case lemma or text) of which every match must contain one word, and the
entity labels it needs. A sentence is only handed to the rules whose anchors it holds, and
dependency rules are evaluated there directly (same operators as spaCy's
DependencyMatcher) instead of re-running a DependencyMatcher over the whole Doc per rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_LEXICAL = ("LEMMA", "LOWER", "ORTH", "TEXT")
#: Token-pattern operators under which a pattern token reads one token at most.
_ONE_AT_MOST = (None, "?", "!", "1")
_REQUIRED_OP = re.compile(r"^(\+|\{[1-9]\d*(,\d*)?\})$")


@dataclass(frozen=True)
class Trigger:
    """One rule match: the rule list it came from, its type and rule, sentence and tokens."""

    kind: str  # "patterns" | "negative" | "context"
    type_index: int
    rule: dict
    sent_index: int
    tokens: frozenset[int]


class CompiledRule:
    """One taxonomy rule ready to run on a sentence: its own spaCy Matcher and anchors."""

    def __init__(self, vocab, kind: str, type_index: int, rule: dict):
        from spacy.matcher import Matcher

        self.kind, self.type_index, self.rule = kind, type_index, rule
        self.matcher = Matcher(vocab)
        if "pattern" in rule:
            tokens = [_any_case(t) for t in rule["pattern"]]
            self.matcher.add("rule", [tokens])
            self.links = None
            self.anchors = _anchor_sets(t for t in tokens if _required(t))
            self.labels = _label_sets(t for t in tokens if _required(t))
            #: How many tokens a match spans at most (each pattern token reads one at most),
            #: or None when an operator repeats a token (then the whole sentence is read).
            self.reach = len(tokens) if all(t.get("OP") in _ONE_AT_MOST for t in tokens) \
                else None
        else:
            nodes = [{**n, "RIGHT_ATTRS": _any_case(n.get("RIGHT_ATTRS", {}))} for n in rule["dep"]]
            names = [n["RIGHT_ID"] for n in nodes]
            self._node_of = {}
            for i, node in enumerate(nodes):
                self._node_of[vocab.strings.add(f"node{i}")] = i
                self.matcher.add(f"node{i}", [[node["RIGHT_ATTRS"]]])
            # (index of the node it hangs from, operator) for every node after the first
            self.links = [(names.index(n["LEFT_ID"]), n["REL_OP"]) for n in nodes[1:]]
            self.anchors = _anchor_sets(n["RIGHT_ATTRS"] for n in nodes)
            self.labels = _label_sets(n["RIGHT_ATTRS"] for n in nodes)

    def find(self, doc, sent, words_at: list | None = None) -> list[frozenset[int]]:
        """The token sets (doc indexes) of every match of this rule inside `sent`.

        `words_at` (the lower-case lemma and form of each token of `sent`) lets a token
        pattern be matched only around the tokens holding one of its anchor words: spaCy's
        Matcher makes a Token object per word it passes, and most of a sentence is far from
        any match. Every match holds such a token and spans at most `reach` tokens, so the
        windows within `reach` of them find every match, in the order the whole sentence
        gives (windows are disjoint and in text order).
        """
        if self.links is None:
            return [frozenset(range(start + s, start + e))
                    for start, end in self._windows(sent, words_at)
                    for _, s, e in self.matcher(doc[start:end])]
        fits: list[set[int]] = [set() for _ in range(len(self.links) + 1)]
        for key, s, _ in self.matcher(sent):
            fits[self._node_of[key]].add(sent.start + s)
        if not all(fits):
            return []
        found: list[frozenset[int]] = []
        for first in sorted(fits[0]):
            self._extend(doc, sent, [first], fits, found)
        return found

    def _windows(self, sent, words_at: list | None) -> list[tuple[int, int]]:
        """Disjoint stretches of `sent` (doc indexes, in order) that hold every match."""
        if words_at is None or self.reach is None or not self.anchors:
            return [(sent.start, sent.end)]
        anchor, reach = min(self.anchors, key=len), self.reach
        windows: list[list[int]] = []
        for k, words in enumerate(words_at):
            if anchor.isdisjoint(words):
                continue
            at = sent.start + k
            start, end = max(sent.start, at - reach + 1), min(sent.end, at + reach)
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
            else:
                windows.append([start, end])
        return [(start, end) for start, end in windows]

    def _extend(self, doc, sent, chosen: list[int], fits, found) -> None:
        """Depth-first assignment of the remaining nodes (distinct tokens)."""
        n = len(chosen)
        if n == len(fits):
            found.append(frozenset(chosen))
            return
        parent, op = self.links[n - 1]
        for i in _related(doc, sent, chosen[parent], op):
            if i in fits[n] and i not in chosen:
                self._extend(doc, sent, chosen + [i], fits, found)


def _required(token: dict) -> bool:
    """Whether a token pattern must match at least once (so its words anchor the rule)."""
    op = token.get("OP")
    return op is None or bool(_REQUIRED_OP.match(op))


def _anchor_sets(tokens: Iterable[dict]) -> tuple[frozenset[str], ...]:
    """For each token with a lexical constraint, the lower-case words it accepts."""
    sets = []
    for token in tokens:
        options = []
        for key in _LEXICAL:
            value = token.get(key)
            if isinstance(value, str):
                options.append(frozenset([value.lower()]))
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                options.append(frozenset(str(v).lower() for v in value["IN"]))
        if options:
            sets.append(min(options, key=len))
    return tuple(sets)


def _label_sets(tokens: Iterable[dict]) -> tuple[frozenset[str], ...]:
    """For each token constrained to entity labels, the labels it accepts."""
    sets = []
    for token in tokens:
        value = token.get("ENT_TYPE")
        if isinstance(value, str) and value:
            sets.append(frozenset([value]))
        elif isinstance(value, dict) and isinstance(value.get("IN"), list):
            sets.append(frozenset(value["IN"]))
    return tuple(sets)


def _related(doc, sent, i: int, op: str) -> Iterable[int]:
    """Indexes of the tokens standing in relation `op` to token i (DependencyMatcher semantics)."""
    token = doc[i]
    head = token.head
    if op == ">":
        return [c.i for c in token.children]
    if op == "<":
        return [] if head.i == i else [head.i]
    if op == ">>":
        return [t.i for t in token.subtree if t.i != i]
    if op == "<<":
        return [t.i for t in token.ancestors]
    if op == ".":
        return [i + 1] if i + 1 < sent.end else []
    if op == ".*":
        return range(i + 1, sent.end)
    if op == ";":
        return [i - 1] if i - 1 >= sent.start else []
    if op == ";*":
        return range(sent.start, i)
    if op.startswith("$"):
        siblings = [c.i for c in head.children]
        return {"$+": [s for s in siblings if s == i + 1], "$-": [s for s in siblings if s == i - 1],
                "$++": [s for s in siblings if s > i], "$--": [s for s in siblings if s < i]}[op]
    if op.startswith(">"):
        rights, lefts = [c.i for c in token.rights], [c.i for c in token.lefts]
        return {">+": [r for r in rights if r == i + 1], ">-": [l for l in lefts if l == i - 1],
                ">++": rights, ">--": lefts}[op]
    return {"<+": head.i == i + 1, "<-": head.i == i - 1, "<++": head.i > i,
            "<--": head.i < i}[op] and [head.i] or []


class RuleIndex:
    """All compiled rules, indexed by one anchor set each, to pick the ones a sentence can fire."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = rules
        self.always: list[int] = []  # rules without a lexical anchor run on every sentence
        self.by_word: dict[str, list[int]] = {}
        for ri, rule in enumerate(rules):
            if not rule.anchors:
                self.always.append(ri)
                continue
            for word in min(rule.anchors, key=len):
                self.by_word.setdefault(word, []).append(ri)

    def anchor_words(self) -> frozenset[str]:
        """Every word some rule's anchors hold: the only words `candidates` looks at."""
        return frozenset(word for rule in self.rules for anchor in rule.anchors
                         for word in anchor)

    def candidates(self, words: set[str]) -> list[CompiledRule]:
        """Rules every anchor set of which meets `words`, in taxonomy order."""
        picked = set(self.always)
        for word in words:
            picked.update(self.by_word.get(word, ()))
        return [self.rules[ri] for ri in sorted(picked)
                if all(not anchor.isdisjoint(words) for anchor in self.rules[ri].anchors)]

    def may_fire(self, words: set[str], labels: set[str], *, context_here: bool = True) -> bool:
        """Whether some trigger rule has every anchor word and entity label it needs here.

        A trigger that needs context counts only if a context rule of its type may match
        too; with `context_here` false (context may come from another sentence) it always
        may.
        """
        fitting = [rule for rule in self.candidates(words)
                   if all(not anchor.isdisjoint(labels) for anchor in rule.labels)]
        context = {rule.type_index for rule in fitting if rule.kind == "context"}
        return any(rule.kind == "patterns" and (
            not rule.rule["needs_context"] or not context_here or rule.type_index in context)
            for rule in fitting)


def _any_case(token: dict) -> dict:
    """A token pattern whose LEMMA values also match Capitalised, UPPER and plural proper forms.

    The small English model lemmatises proper nouns to their text, capitals and plural
    included ("Police", "Grenade", "Armed Forces"), so a lower-case singular lemma in the
    data would miss them.
    """
    lemma = token.get("LEMMA")
    if lemma is None:
        return token
    if isinstance(lemma, str):
        return {**token, "LEMMA": {"IN": _variants([lemma])}}
    if isinstance(lemma, dict):
        return {**token, "LEMMA": {op: _variants(v) if op in ("IN", "NOT_IN") else v
                                   for op, v in lemma.items()}}
    return token


def _variants(values: list[str]) -> list[str]:
    """Each value as written, Capitalised and UPPER, each capitalised one also plural."""
    out: list[str] = []
    for v in values:
        title = v[:1].upper() + v[1:]
        plural = title[:-1] + "ies" if title.endswith("y") else title + "s"
        for form in (v, title, v.upper(), plural, plural.upper()):
            if form not in out:
                out.append(form)
    return out
