"""Event types: lemma and dependency rules, loaded from data files, applied to a parsed Doc.

The taxonomy lives in `extract/data/events*.json` (every built-in file is read, in name
order) and in any extra files a user passes; entries are merged by their `type` label
(rules are appended, other keys override, `"enabled": false` removes a type).
A file is an object `{"types": [...], "lexicon": {...}}` (or a bare list of types). One entry:

    {"type": "Prisoner exchange", "code": "AGREEMENT", "group": "News", "weight": 0.95,
     "patterns": [{"id": "prisoner-swap", "weight": 0.9,
                   "pattern": [{"LEMMA": "prisoner"}, {"LEMMA": {"IN": ["exchange", "swap"]}}]},
                  {"id": "swap-captives", "dep": [...DependencyMatcher pattern...]}],
     "negative": [{"pattern": [{"LEMMA": "exchange"}, {"LEMMA": "rate"}]}],
     "context": [{"pattern": [{"LEMMA": "prisoner"}]}], "context_boost": 0.2}

A rule (in `patterns`, `negative` or `context`) has exactly one of `pattern` (spaCy Matcher
token pattern) or `dep` (DependencyMatcher pattern), plus optional `id`, `weight` (0-1],
`needs_context` (the trigger counts only in a sentence where a context rule matches),
`scope` (negatives only: "overlap", the default, drops triggers that share a token with the
negative match; "sentence" drops the type from the whole sentence) and `note`. A `lexicon`
maps UPPER_CASE names to word lists that any file may use inside IN lists as "$NAME".
LEMMA values match capitalised, upper-case and plural proper-noun forms too, because the
small English model lemmatises proper nouns to their text.

Rules match within one sentence. A trigger is ignored when it is negated ("has not claimed
responsibility", "found no explosives"). Confidence of a type in a sentence is
`weight * (1 - prod(1 - w_i))` over the distinct triggers matched there, raised by
`context_boost` of the remainder when a context rule matches too; a document keeps the best
sentence, nudged up when more sentences agree, and drops types below MIN_CONFIDENCE.

>>> detector = EventDetector(nlp)                        # doctest: +SKIP
>>> [e.type for e in detector(nlp("Russia and Ukraine swapped 390 prisoners."))]  # doctest: +SKIP
['Prisoner exchange']
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..models import Event, SearchkitError

DATA_DIR = Path(__file__).resolve().parent / "data"

FILE_KEYS = {"about", "lexicon", "types"}
TYPE_KEYS = {"type", "code", "group", "description", "weight", "patterns", "negative",
             "context", "context_boost", "enabled"}
RULE_KEYS = {"id", "pattern", "dep", "weight", "needs_context", "scope", "note"}
RULE_LISTS = ("patterns", "negative", "context")
DEFAULTS = {"code": None, "group": "", "description": "", "weight": 0.8,
            "context_boost": 0.2, "enabled": True}
RULE_WEIGHT = 0.7  # a trigger without its own weight
DOC_SUPPORT = 0.1  # share of the remaining doubt removed per further sentence that agrees
MAX_SUPPORT = 3  # further sentences counted at most
MIN_CONFIDENCE = 0.4  # weaker evidence alone is no facet value (it still adds up within a type)


def builtin_files() -> list[Path]:
    """The built-in taxonomy files, in the order they are merged."""
    return sorted(DATA_DIR.glob("events*.json"))


def load_taxonomy(extra: Iterable[str | Path] = ()) -> list[dict]:
    """Read, validate and merge the built-in taxonomy and `extra` files (merged by `type`).

    Word lists under a file's `lexicon` are shared by every file (later files extend them)
    and are referenced inside `IN` / `NOT_IN` lists as "$NAME". Raises SearchkitError naming
    the file and the entry on unreadable or invalid data.

    >>> [t["type"] for t in load_taxonomy()][:2]       # doctest: +SKIP
    ['Armed clash', 'Government regains territory']
    """
    files = [(path, *_read_file(path)) for path in [*builtin_files(), *(Path(p) for p in extra)]]
    lexicon: dict[str, list[str]] = {}
    for path, words, _ in files:
        for name, values in words.items():
            lexicon[name] = lexicon.get(name, []) + [v for v in values if v not in lexicon.get(name, [])]
    merged: dict[str, dict] = {}
    for path, _, entries in files:
        for i, entry in enumerate(entries):
            where = f"{path}: entry {i}" + (
                f" ({entry['type']!r})" if isinstance(entry, dict) and "type" in entry else "")
            _check_entry(entry, where, known=merged, lexicon=lexicon)
            _merge(merged, _expand(entry, lexicon), where)
    types = [t for t in merged.values() if t["enabled"]]
    for t in types:
        if not t["patterns"]:
            raise SearchkitError(f"{t['_origin']}: type {t['type']!r} has no trigger patterns")
        if not t["context"] and any(r["needs_context"] for r in t["patterns"]):
            raise SearchkitError(f"{t['_origin']}: type {t['type']!r} has triggers with "
                                 "'needs_context' but no 'context' rules, so they never count")
    return types


def _read_file(path: Path) -> tuple[dict[str, list[str]], list]:
    """The lexicon and the list of type entries of one taxonomy file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SearchkitError(f"{path}: cannot read event taxonomy: {exc.strerror or exc}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SearchkitError(f"{path}: not valid JSON: {exc}")
    if isinstance(data, list):
        return {}, data
    if not isinstance(data, dict) or not isinstance(data.get("types", []), list):
        raise SearchkitError(f"{path}: expected a list of event types or {{\"types\": [...]}}")
    unknown = set(data) - FILE_KEYS
    if unknown:
        raise SearchkitError(f"{path}: unknown top-level key(s) {sorted(unknown)}; "
                             f"allowed: {sorted(FILE_KEYS)}")
    lexicon = data.get("lexicon", {})
    if not isinstance(lexicon, dict) or not all(
            isinstance(k, str) and k.isupper() and isinstance(v, list)
            and all(isinstance(w, str) and w for w in v) for k, v in lexicon.items()):
        raise SearchkitError(f"{path}: 'lexicon' must map UPPER_CASE names to lists of words")
    return lexicon, data.get("types", [])


def _expand(value: Any, lexicon: dict[str, list[str]]) -> Any:
    """A copy of `value` with every "$NAME" list item replaced by the words of that list."""
    if isinstance(value, dict):
        return {k: _expand(v, lexicon) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str) and item.startswith("$"):
                out.extend(w for w in lexicon[item[1:]] if w not in out)
            else:
                out.append(_expand(item, lexicon))
        return out
    return value


def _references(value: Any) -> set[str]:
    """Every "$NAME" lexicon reference inside `value`."""
    if isinstance(value, dict):
        return set().union(*map(_references, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_references, value)) if value else set()
    return {value[1:]} if isinstance(value, str) and value.startswith("$") else set()


def _fail(where: str, message: str):
    raise SearchkitError(f"{where}: {message}")


def _check_entry(entry: Any, where: str, *, known: dict, lexicon: dict) -> None:
    """Validate one type entry; a new type needs a label and at least one trigger."""
    if not isinstance(entry, dict):
        _fail(where, "an event type must be a JSON object")
    unknown = set(entry) - TYPE_KEYS
    if unknown:
        _fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(TYPE_KEYS)}")
    label = entry.get("type")
    if not isinstance(label, str) or not label.strip():
        _fail(where, "'type' must be a non-empty string (the facet label)")
    code = entry.get("code")
    if code is not None and not (isinstance(code, str) and code.replace("_", "").isalnum()
                                 and code.upper() == code):
        _fail(where, f"'code' must be null or an UPPER_CASE code, not {code!r}")
    for key in ("group", "description"):
        if key in entry and not isinstance(entry[key], str):
            _fail(where, f"{key!r} must be a string")
    if "enabled" in entry and not isinstance(entry["enabled"], bool):
        _fail(where, "'enabled' must be true or false")
    _check_unit(entry, "weight", where, low_open=True)
    _check_unit(entry, "context_boost", where, low_open=False)
    for key in RULE_LISTS:
        rules = entry.get(key, [])
        if not isinstance(rules, list):
            _fail(where, f"{key!r} must be a list of rules")
        for j, rule in enumerate(rules):
            _check_rule(rule, f"{where}: {key}[{j}]", negative=key == "negative",
                        lexicon=lexicon)
    if label not in known and not entry.get("patterns") and entry.get("enabled", True):
        _fail(where, "a new event type needs at least one rule in 'patterns'")


def _check_unit(obj: dict, key: str, where: str, *, low_open: bool) -> None:
    """Check that obj[key], when present, is a number in (0, 1] (or [0, 1])."""
    if key not in obj:
        return
    value = obj[key]
    low_ok = value > 0 if low_open else value >= 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low_ok and value <= 1):
        _fail(where, f"{key!r} must be a number in {'(0' if low_open else '[0'}, 1], not {value!r}")


def _check_rule(rule: Any, where: str, *, negative: bool, lexicon: dict) -> None:
    """Validate one rule, including its spaCy pattern syntax."""
    if not isinstance(rule, dict):
        _fail(where, "a rule must be a JSON object with 'pattern' or 'dep'")
    unknown = set(rule) - RULE_KEYS
    if unknown:
        _fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}")
    if ("pattern" in rule) == ("dep" in rule):
        _fail(where, "a rule needs exactly one of 'pattern' (token pattern) or 'dep'")
    _check_unit(rule, "weight", where, low_open=True)
    if "needs_context" in rule and not isinstance(rule["needs_context"], bool):
        _fail(where, "'needs_context' must be true or false")
    if "scope" in rule and (not negative or rule["scope"] not in ("overlap", "sentence")):
        _fail(where, "'scope' is for negative rules only: \"overlap\" or \"sentence\"")
    if "id" in rule and not isinstance(rule["id"], str):
        _fail(where, "'id' must be a string")
    missing = _references(rule) - set(lexicon)
    if missing:
        _fail(where, f"unknown lexicon list(s) {sorted('$' + m for m in missing)}")
    _check_spacy_syntax(_expand(rule, lexicon), where)


def _check_spacy_syntax(rule: dict, where: str) -> None:
    """Let spaCy's own validators judge the pattern (on an empty vocabulary)."""
    from spacy.matcher import DependencyMatcher, Matcher

    body = rule.get("pattern", rule.get("dep"))
    if not isinstance(body, list) or not body or not all(isinstance(t, dict) for t in body):
        _fail(where, "the pattern must be a non-empty list of token objects")
    try:
        if "pattern" in rule:
            Matcher(_empty_vocab(), validate=True).add("check", [body])
        else:
            DependencyMatcher(_empty_vocab(), validate=True).add("check", [body])
    except (ValueError, KeyError, TypeError) as exc:
        _fail(where, f"invalid spaCy pattern: {' '.join(str(exc).split())}")


_VOCAB = None


def _empty_vocab():
    """A shared blank vocabulary for pattern validation (no model needed)."""
    global _VOCAB
    if _VOCAB is None:
        from spacy.vocab import Vocab

        _VOCAB = Vocab()
    return _VOCAB


def _merge(merged: dict[str, dict], entry: dict, where: str) -> None:
    """Add a new type, or extend an existing one: rules append, scalars override."""
    label = entry["type"]
    if label not in merged:
        merged[label] = {**DEFAULTS, "type": label, "_origin": where,
                         **{k: [] for k in RULE_LISTS}}
    target = merged[label]
    for key, value in entry.items():
        if key in RULE_LISTS:
            target[key] = target[key] + [_with_defaults(r, label, len(target[key]) + n, key)
                                         for n, r in enumerate(value)]
        elif key != "type":
            target[key] = value


def _with_defaults(rule: dict, label: str, n: int, key: str) -> dict:
    """A rule with its id and weight filled in."""
    return {"id": f"{label}/{key}/{n}", "weight": RULE_WEIGHT, "needs_context": False,
            "scope": "overlap", **rule}


# --------------------------------------------------------------------------- matching
#
# Running every rule over every token is what makes a large rule set slow (spaCy's Matcher
# pays per pattern per token). So each rule is compiled on its own with its "anchors": the
# word sets (lower-case lemma or text) of which every match must contain one word. A
# sentence is only handed to the rules whose anchors it holds, and dependency rules are
# evaluated there directly (same operators as spaCy's DependencyMatcher) instead of
# re-running a DependencyMatcher over the whole Doc per rule.

_LEXICAL = ("LEMMA", "LOWER", "ORTH", "TEXT")
_REQUIRED_OP = re.compile(r"^(\+|\{[1-9]\d*(,\d*)?\})$")


@dataclass(frozen=True)
class Trigger:
    """One rule match: the rule list it came from, its type and rule, sentence and tokens."""

    kind: str  # "patterns" | "negative" | "context"
    type_index: int
    rule: dict
    sent_index: int
    tokens: frozenset[int]


class _CompiledRule:
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

    def find(self, doc, sent) -> list[frozenset[int]]:
        """The token sets (doc indexes) of every match of this rule inside `sent`."""
        if self.links is None:
            return [frozenset(range(sent.start + s, sent.start + e))
                    for _, s, e in self.matcher(sent)]
        fits: list[set[int]] = [set() for _ in range(len(self.links) + 1)]
        for key, s, _ in self.matcher(sent):
            fits[self._node_of[key]].add(sent.start + s)
        if not all(fits):
            return []
        found: list[frozenset[int]] = []
        for first in sorted(fits[0]):
            self._extend(doc, sent, [first], fits, found)
        return found

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


class _RuleIndex:
    """All compiled rules, indexed by one anchor set each, to pick the ones a sentence can fire."""

    def __init__(self, rules: list[_CompiledRule]):
        self.rules = rules
        self.always: list[int] = []  # rules without a lexical anchor run on every sentence
        self.by_word: dict[str, list[int]] = {}
        for ri, rule in enumerate(rules):
            if not rule.anchors:
                self.always.append(ri)
                continue
            for word in min(rule.anchors, key=len):
                self.by_word.setdefault(word, []).append(ri)

    def candidates(self, words: set[str]) -> list[_CompiledRule]:
        """Rules every anchor set of which meets `words`, in taxonomy order."""
        picked = set(self.always)
        for word in words:
            picked.update(self.by_word.get(word, ()))
        return [self.rules[ri] for ri in sorted(picked)
                if all(not anchor.isdisjoint(words) for anchor in self.rules[ri].anchors)]

    def may_fire(self, words: set[str], labels: set[str]) -> bool:
        """Whether some trigger rule has every anchor word and entity label it needs here."""
        return any(rule.kind == "patterns"
                   and all(not anchor.isdisjoint(labels) for anchor in rule.labels)
                   for rule in self.candidates(words))


# --------------------------------------------------------------------------- detection


class EventDetector:
    """Find event types in a parsed spaCy Doc with lemma/dependency rules loaded from data files.

    >>> detector = EventDetector(nlp, extra_taxonomy=["my_events.json"])   # doctest: +SKIP
    >>> detector(nlp(text))[0].type                                         # doctest: +SKIP
    'Drone or missile attack'
    """

    min_confidence = MIN_CONFIDENCE  # events below this are not reported

    def __init__(self, nlp, extra_taxonomy: Iterable[str | Path] = ()):
        self.types = load_taxonomy(extra_taxonomy)
        self._index = _RuleIndex([
            _CompiledRule(nlp.vocab, kind, ti, rule)
            for ti, etype in enumerate(self.types)
            for kind in RULE_LISTS for rule in etype[kind]])

    def __call__(self, doc) -> list[Event]:
        """Detected events, most confident first, one per type (its best sentence)."""
        sents = _sentences(doc)
        found: dict[str, list[Trigger]] = {kind: [] for kind in RULE_LISTS}
        for trigger in self.triggers(doc, sents):
            found[trigger.kind].append(trigger)
        asserted = [t for t in found["patterns"] if not _denied(doc, t.tokens)]
        kept = _drop_vetoed(asserted, found["negative"])
        context = {(t.type_index, t.sent_index) for t in found["context"]}
        return self._events(doc, sents, *self._score(kept, context))

    def may_fire(self, words: set[str], labels: set[str]) -> bool:
        """Whether a sentence with these words (and guessed lemmas) and entity labels could
        hold a trigger: what two-stage parsing asks before parsing it."""
        return self._index.may_fire(words, labels)

    def triggers(self, doc, sents=None) -> Iterator[Trigger]:
        """Every rule match (triggers, negatives, context) sentence by sentence, to explain results.

        >>> [(detector.types[t.type_index]["type"], t.rule["id"])          # doctest: +SKIP
        ...  for t in detector.triggers(nlp("They swapped 390 prisoners."))]
        [('Prisoner exchange', 'swap-prisoners')]
        """
        for si, sent in enumerate(sents if sents is not None else _sentences(doc)):
            if not sent[0].tag:
                continue  # not parsed: two-stage parsing found no rule that could fire here
            words = {t.lemma_.lower() for t in sent} | {t.lower_ for t in sent}
            for rule in self._index.candidates(words):
                for tokens in rule.find(doc, sent):
                    yield Trigger(rule.kind, rule.type_index, rule.rule, si, tokens)

    def _score(self, triggers: list[Trigger], context: set
               ) -> tuple[dict[int, dict[int, float]], dict[tuple[int, int], int]]:
        """Confidence per type per sentence, and the first token of the strongest trigger there."""
        by_place: dict[tuple[int, int], dict[str, float]] = {}
        anchor: dict[tuple[int, int], tuple[float, int]] = {}
        for hit in triggers:
            place = (hit.type_index, hit.sent_index)
            if hit.rule["needs_context"] and place not in context:
                continue
            rules = by_place.setdefault(place, {})
            rules[hit.rule["id"]] = max(rules.get(hit.rule["id"], 0.0), hit.rule["weight"])
            anchor[place] = max(anchor.get(place, (0.0, 0)), (hit.rule["weight"], -min(hit.tokens)))
        scores: dict[int, dict[int, float]] = {}
        for (ti, si), rules in by_place.items():
            etype = self.types[ti]
            strength = 1.0 - math.prod(1.0 - w for w in rules.values())
            if (ti, si) in context:
                strength += (1.0 - strength) * etype["context_boost"]
            scores.setdefault(ti, {})[si] = etype["weight"] * strength
        return scores, {place: -token for place, (_, token) in anchor.items()}

    def _events(self, doc, sents, scores: dict[int, dict[int, float]],
                anchors: dict[tuple[int, int], int]) -> list[Event]:
        """One Event per type: its best sentence, confidence raised by agreeing sentences."""
        events = []
        for ti, per_sent in scores.items():
            best = max(per_sent, key=lambda si: (per_sent[si], -si))
            conf = per_sent[best]
            conf += (1.0 - conf) * DOC_SUPPORT * min(len(per_sent) - 1, MAX_SUPPORT)
            if conf < self.min_confidence:
                continue
            start, end = _evidence(doc, sents[best], anchors[(ti, best)])
            etype = self.types[ti]
            events.append((ti, Event(type=etype["type"], code=etype["code"],
                                     confidence=round(min(conf, 1.0), 3),
                                     evidence=doc.text[start:end], start=start, end=end)))
        events.sort(key=lambda pair: (-pair[1].confidence, pair[0]))
        return [event for _, event in events]


def _denied(doc, tokens: frozenset[int]) -> bool:
    """Whether a trigger is negated: "has not claimed responsibility", "found no explosives"."""
    return any(child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no")
               for i in tokens for child in doc[i].children)


def _drop_vetoed(triggers: list[Trigger], negatives: list[Trigger]) -> list[Trigger]:
    """Triggers that no negative rule of the same type vetoes."""
    if not negatives:
        return triggers
    kept = []
    for hit in triggers:
        vetoed = any(
            neg.type_index == hit.type_index and neg.sent_index == hit.sent_index
            and (neg.rule["scope"] == "sentence" or neg.tokens & hit.tokens)
            for neg in negatives)
        if not vetoed:
            kept.append(hit)
    return kept


def _sentences(doc) -> list:
    """The doc's sentences, or the whole doc as one when it has no sentence boundaries."""
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return list(doc.sents)
    return [doc[:]]


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _evidence(doc, sent, token: int) -> tuple[int, int]:
    """Offsets of the evidence: the sentence, cut at blank lines around the trigger token.

    A parse sometimes runs a sentence over a paragraph break ("ADVERTISEMENT\n\nRussia
    launched..."); the paragraph that holds the trigger is the sentence a reader expects.
    """
    text, start, end = doc.text, sent.start_char, sent.end_char
    at = doc[token].idx
    for gap in _BLANK_LINE.finditer(text, start, end):
        if gap.end() <= at:
            start = gap.end()
        elif gap.start() >= at:
            end = gap.start()
            break
    return _trimmed(text, start, end)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets narrowed to exclude leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


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
