"""Event types: lemma and dependency rules, loaded from data files, applied to a parsed Doc.

The taxonomy lives in `extract/data/events*.json` (every built-in file is read, in name
order) and in any extra files a user passes; entries are merged by their `type` label.
A file is an object `{"types": [...]}` (or a bare list). One entry:

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
negative match; "sentence" drops the type from the whole sentence) and `note`.

Confidence of a type in a sentence is `weight * (1 - prod(1 - w_i))` over the distinct
triggers matched there, raised by `context_boost` of the remainder when a context rule
matches too; a document keeps the best sentence, nudged up when more sentences agree.

>>> detector = EventDetector(nlp)                        # doctest: +SKIP
>>> [e.type for e in detector(nlp("Russia and Ukraine swapped 390 prisoners."))]  # doctest: +SKIP
['Prisoner exchange']
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

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


# --------------------------------------------------------------------------- detection


@dataclass
class _Hit:
    """One accepted trigger match: which type and rule, which sentence, which tokens."""

    type_index: int
    rule: dict
    sent_index: int
    tokens: frozenset[int]


class EventDetector:
    """Find event types in a parsed spaCy Doc with lemma/dependency rules loaded from data files.

    >>> detector = EventDetector(nlp, extra_taxonomy=["my_events.json"])   # doctest: +SKIP
    >>> detector(nlp(text))[0].type                                         # doctest: +SKIP
    'Drone or missile attack'
    """

    def __init__(self, nlp, extra_taxonomy: Iterable[str | Path] = ()):
        from spacy.matcher import DependencyMatcher, Matcher

        self.types = load_taxonomy(extra_taxonomy)
        self._rules: dict[int, tuple[str, int, dict]] = {}  # match key -> (list, type, rule)
        self._matcher = Matcher(nlp.vocab)
        self._dep_matcher = DependencyMatcher(nlp.vocab)
        for ti, etype in enumerate(self.types):
            for kind in RULE_LISTS:
                for ri, rule in enumerate(etype[kind]):
                    self._add(nlp.vocab, f"{kind}:{ti}:{ri}", kind, ti, rule)

    def _add(self, vocab, key: str, kind: str, ti: int, rule: dict) -> None:
        """Register one rule with the token or the dependency matcher."""
        self._rules[vocab.strings.add(key)] = (kind, ti, rule)
        if "pattern" in rule:
            self._matcher.add(key, [[_any_case(t) for t in rule["pattern"]]])
        else:
            self._dep_matcher.add(key, [[_dep_any_case(t) for t in rule["dep"]]])

    def __call__(self, doc) -> list[Event]:
        """Detected events, most confident first, one per type (its best sentence)."""
        sents = _sentences(doc)
        sent_of = _sentence_index(doc, sents)
        found = {kind: [] for kind in RULE_LISTS}
        for key, tokens in self._matches(doc):
            kind, ti, rule = self._rules[key]
            found[kind].append(_Hit(ti, rule, sent_of[min(tokens)], tokens))
        triggers = _drop_negated(found["patterns"], found["negative"])
        context = {(h.type_index, h.sent_index) for h in found["context"]}
        scores = self._score(triggers, context)
        return self._events(doc, sents, scores)

    def _matches(self, doc) -> Iterable[tuple[int, frozenset[int]]]:
        """Every (rule key, token indexes) match of both matchers."""
        for key, start, end in self._matcher(doc):
            yield key, frozenset(range(start, end))
        if len(self._dep_matcher):  # an empty DependencyMatcher still walks the doc
            for key, token_ids in self._dep_matcher(doc):
                yield key, frozenset(token_ids)

    def _score(self, triggers: list[_Hit], context: set) -> dict[int, dict[int, float]]:
        """Confidence per type per sentence from the triggers found there."""
        by_place: dict[tuple[int, int], dict[str, float]] = {}
        for hit in triggers:
            place = (hit.type_index, hit.sent_index)
            if hit.rule["needs_context"] and place not in context:
                continue
            rules = by_place.setdefault(place, {})
            rules[hit.rule["id"]] = max(rules.get(hit.rule["id"], 0.0), hit.rule["weight"])
        scores: dict[int, dict[int, float]] = {}
        for (ti, si), rules in by_place.items():
            etype = self.types[ti]
            strength = 1.0 - math.prod(1.0 - w for w in rules.values())
            if (ti, si) in context:
                strength += (1.0 - strength) * etype["context_boost"]
            scores.setdefault(ti, {})[si] = etype["weight"] * strength
        return scores

    def _events(self, doc, sents, scores: dict[int, dict[int, float]]) -> list[Event]:
        """One Event per type: its best sentence, confidence raised by agreeing sentences."""
        events = []
        for ti, per_sent in scores.items():
            best = max(per_sent, key=lambda si: (per_sent[si], -si))
            conf = per_sent[best]
            conf += (1.0 - conf) * DOC_SUPPORT * min(len(per_sent) - 1, MAX_SUPPORT)
            start, end = _trimmed(doc.text, sents[best].start_char, sents[best].end_char)
            etype = self.types[ti]
            events.append((ti, Event(type=etype["type"], code=etype["code"],
                                     confidence=round(min(conf, 1.0), 3),
                                     evidence=doc.text[start:end], start=start, end=end)))
        events.sort(key=lambda pair: (-pair[1].confidence, pair[0]))
        return [event for _, event in events]


def _drop_negated(triggers: list[_Hit], negatives: list[_Hit]) -> list[_Hit]:
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


def _sentence_index(doc, sents) -> list[int]:
    """For each token, the index of its sentence."""
    index = [0] * len(doc)
    for si, sent in enumerate(sents):
        for i in range(sent.start, sent.end):
            index[i] = si
    return index


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets narrowed to exclude leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _any_case(token: dict) -> dict:
    """A token pattern whose LEMMA values also match Capitalised and UPPER forms.

    The small English model keeps capitals in the lemmas of sentence-initial and proper-noun
    tokens ("Police", "Grenade"), so a lower-case lemma in the data would miss them.
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


def _dep_any_case(node: dict) -> dict:
    """A DependencyMatcher node with case-tolerant LEMMA values (see `_any_case`)."""
    if "RIGHT_ATTRS" not in node:
        return node
    return {**node, "RIGHT_ATTRS": _any_case(node["RIGHT_ATTRS"])}


def _variants(values: list[str]) -> list[str]:
    """Each value as written, Capitalised and UPPER, without duplicates."""
    out: list[str] = []
    for v in values:
        for form in (v, v[:1].upper() + v[1:], v.upper()):
            if form not in out:
                out.append(form)
    return out
