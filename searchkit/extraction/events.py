"""Event types: lemma and dependency rules, loaded from data files, applied to a parsed Doc.

The taxonomy lives in `extraction/data/events*.json` (every built-in file is read, in name
order) and in any extra files a user passes; entries are merged by their `type` label
(rules are appended, other keys override, `"enabled": false` removes a type).
A file is an object `{"types": [...], "lexicon": {...}}` (or a bare list of types). One entry:

    {"type": "Prisoner exchange", "code": "AGREEMENT", "group": "News", "weight": 0.95,
     "patterns": [{"id": "prisoner-swap", "weight": 0.9,
                   "pattern": [{"LEMMA": "prisoner"}, {"LEMMA": {"IN": ["exchange", "swap"]}}]},
                  {"id": "swap-captives", "dep": [...DependencyMatcher pattern...]}],
     "negative": [{"pattern": [{"LEMMA": "exchange"}, {"LEMMA": "rate"}]}],
     "context": [{"pattern": [{"LEMMA": "prisoner"}]}], "context_boost": 0.2}

`overrides` lists less specific types this one takes precedence over: in a sentence where
both have triggers in the same clause, on shared words, or one inside the phrase of the
other's event noun, only this one's count ("suicide bomb attack" is a suicide bombing, not
also a remote explosive; "a bomb blast targeting tourists" is remote violence, not also an
attack on civilians). `absorbs` (default: the `overrides` list) does the same across the
article for *generic* triggers (rule flag `"generic": true`: a word that names what the
more specific event also is, such as "bomb", "explosion" or "people were killed"): when
this type tags the article, such triggers of the absorbed types no longer count ("Somali
minister killed in bomb attack ... the suicide bomber was a woman" reports one suicide
bombing, not also a remote explosive).

A rule (in `patterns`, `negative` or `context`) has exactly one of `pattern` (spaCy Matcher
token pattern) or `dep` (DependencyMatcher pattern), plus optional `id`, `weight` (0-1],
`needs_context` (the trigger counts only in a sentence where a context rule matches),
`generic` (see `absorbs` above),
`scope` (negatives only: "overlap", the default, drops triggers that share a token with the
negative match; "sentence" drops the type from the whole sentence) and `note`. A `lexicon`
maps UPPER_CASE names to word lists that any file may use inside IN lists as "$NAME".
LEMMA values match capitalised, upper-case and plural proper-noun forms too, because the
small English model lemmatises proper nouns to their text.

Rules match within one sentence (`event_matching.py`), and not in boilerplate lines
(`passages.py`) nor inside names. The evidence of a type in a sentence is
`weight * (1 - prod(1 - w_i))` over the distinct triggers matched there, raised by
`context_boost` of the remainder when a context rule matches too; it is also weighed by how
far the sentence reports the event as happening (`assertion.py`: negated, threatened,
planned, conditional, historical, metaphorical...). `article_events.py` turns each type's
evidence over the article (title, lead, agreeing sentences) into a calibrated confidence,
decides which types tag the article and picks its main event.

>>> detector = EventDetector(nlp)                        # doctest: +SKIP
>>> [e.type for e in detector(nlp("Russia and Ukraine swapped 390 prisoners."))]  # doctest: +SKIP
['Prisoner exchange']
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..models import Event, SearchkitError
from .article_events import TITLE, Evidence, decide, load_calibration
from .assertion import AssertionRules, clause_head, quoted, reports_occurrence, year_of
from .cues import load_cues
from .datafiles import read_json
from .event_matching import CompiledRule, RuleIndex, Trigger, _any_case  # noqa: F401
from .passages import BOILERPLATE, Passages

DATA_DIR = Path(__file__).resolve().parent / "data"

FILE_KEYS = {"about", "lexicon", "types"}
TYPE_KEYS = {"type", "code", "group", "description", "weight", "patterns", "negative",
             "context", "context_boost", "enabled", "overrides", "absorbs"}
RULE_KEYS = {"id", "pattern", "dep", "weight", "needs_context", "scope", "generic", "note"}
RULE_LISTS = ("patterns", "negative", "context")
DEFAULTS = {"code": None, "group": "", "description": "", "weight": 0.8,
            "context_boost": 0.2, "enabled": True, "overrides": [], "absorbs": None}
RULE_WEIGHT = 0.7  # a trigger without its own weight


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
        if t["absorbs"] is None:
            t["absorbs"] = list(t["overrides"])
        for key in ("overrides", "absorbs"):
            unknown = [o for o in t[key] if o not in merged]
            if unknown:
                raise SearchkitError(f"{t['_origin']}: type {t['type']!r} {key} unknown "
                                     f"type(s) {unknown}")
        if not t["patterns"]:
            raise SearchkitError(f"{t['_origin']}: type {t['type']!r} has no trigger patterns")
        if not t["context"] and any(r["needs_context"] for r in t["patterns"]):
            raise SearchkitError(f"{t['_origin']}: type {t['type']!r} has triggers with "
                                 "'needs_context' but no 'context' rules, so they never count")
    return types


def _read_file(path: Path) -> tuple[dict[str, list[str]], list]:
    """The lexicon and the list of type entries of one taxonomy file."""
    data = read_json(path, "event taxonomy")
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
    for key in ("overrides", "absorbs"):
        labels = entry.get(key, [])
        if not isinstance(labels, list) or not all(isinstance(o, str) and o for o in labels):
            _fail(where, f"{key!r} must be a list of event type labels")
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
    for key in ("needs_context", "generic"):
        if key in rule and not isinstance(rule[key], bool):
            _fail(where, f"{key!r} must be true or false")
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
            "scope": "overlap", "generic": False, **rule}


# --------------------------------------------------------------------------- detection


class EventDetector:
    """Find event types in parsed spaCy Docs with lemma/dependency rules loaded from data files,
    and decide which an article reports (see article_events.py).

    >>> detector = EventDetector(nlp, extra_taxonomy=["my_events.json"])   # doctest: +SKIP
    >>> detector(nlp(text))[0].type                                         # doctest: +SKIP
    'Drone or missile attack'
    """

    def __init__(self, nlp, extra_taxonomy: Iterable[str | Path] = ()):
        self.types = load_taxonomy(extra_taxonomy)
        self._index = RuleIndex([
            CompiledRule(nlp.vocab, kind, ti, rule)
            for ti, etype in enumerate(self.types)
            for kind in RULE_LISTS for rule in etype[kind]])
        index = {t["type"]: i for i, t in enumerate(self.types)}
        self._overrides = [frozenset(index[o] for o in t["overrides"] if o in index)
                           for t in self.types]
        cues = load_cues()
        self.assertion = AssertionRules(cues)
        self.passages = Passages(cues)
        self.calibration = load_calibration()
        self._lowered: dict[int, str] = {}  # string id -> its text in lower case

    def __call__(self, doc) -> list[Event]:
        """Detected events of one text, most confident first, one per type."""
        return self.detect(doc)[0]

    def detect(self, doc, *, title=None, date: str | None = None, text: str | None = None
               ) -> tuple[list[Event], str | None]:
        """Events of an article (its text `doc`, its parsed `title`) and its main event type.

        `date` (ISO) tells which years are history; without it the latest year the text
        names stands in. `text` is `doc.text`, when the caller has read it already.
        """
        evidence, sentences = self.article_evidence(doc, title=title, date=date, text=text)
        return decide(self.types, evidence, self.calibration, sentences)

    def article_evidence(self, doc, *, title=None, date: str | None = None,
                         text: str | None = None) -> tuple[list[Evidence], int]:
        """The evidence of an article's text and title, and its number of prose sentences."""
        text = doc.text if text is None else text  # Doc.text joins every token: read once
        year = _reference_year(date, doc, text, title)
        sents = _sentences(doc)
        roles = self.passages.roles(doc, sents, text)
        evidence = self.evidence(doc, year=year, sents=sents, roles=roles, text=text)
        if title is not None and len(title):
            evidence += self.evidence(title, year=year, in_title=True)
        return evidence, sum(1 for role in roles if role != BOILERPLATE)

    def evidence(self, doc, *, year: int | None = None, in_title: bool = False,
                 sents=None, roles=None, text: str | None = None) -> list[Evidence]:
        """One Evidence per (type, sentence) with a trigger, boilerplate left out."""
        text = doc.text if text is None else text
        sents = sents if sents is not None else _sentences(doc)
        if roles is None:
            roles = [TITLE] * len(sents) if in_title else self.passages.roles(doc, sents, text)
        opens = [False] * len(sents) if in_title else \
            self.passages.opens_paragraph(doc, sents, text)
        found: dict[str, list[Trigger]] = {kind: [] for kind in RULE_LISTS}
        for trigger in self.triggers(doc, sents):
            if roles[trigger.sent_index] != BOILERPLATE and not self._in_name(doc, trigger):
                found[trigger.kind].append(trigger)
        reach = self.assertion.cues.context_reach
        context = {(t.type_index, t.sent_index + k) for t in found["context"]
                   for k in range(reach + 1)}
        counted = [t for t in _drop_vetoed(found["patterns"], found["negative"])
                   if not t.rule["needs_context"] or (t.type_index, t.sent_index) in context]
        kept = self._precedence(doc, counted)
        return self._scored(doc, text, sents, roles, opens, kept, context, year)

    def _in_name(self, doc, trigger: Trigger) -> bool:
        """A trigger wholly inside a name ("Hailstorm" the product) is no event word."""
        labels = self.assertion.cues.not_in_names
        return trigger.kind == "patterns" and all(doc[i].ent_type_ in labels
                                                  for i in trigger.tokens)

    def _precedence(self, doc, triggers: list[Trigger]) -> list[Trigger]:
        """Triggers left when more specific types override others describing the same event:
        in the same clause, on shared words, or inside the other's event noun phrase."""
        overriding = [t for t in triggers if self._overrides[t.type_index]]
        if not overriding:
            return triggers
        heads = {id(t): clause_head(doc, t.tokens) for t in triggers}
        phrases = {id(t): _noun_phrase(doc, t.tokens) for t in triggers}

        def same_event(o: Trigger, t: Trigger) -> bool:
            return bool(o.tokens & t.tokens) or heads[id(o)] == heads[id(t)] \
                or t.tokens <= phrases[id(o)] or o.tokens <= phrases[id(t)]

        return [t for t in triggers if not any(
            o.sent_index == t.sent_index and t.type_index in self._overrides[o.type_index]
            and same_event(o, t) for o in overriding)]

    def anchor_words(self) -> frozenset[str]:
        """The words (lemmas or forms, lower case) some rule needs: `may_fire` ignores others."""
        return self._index.anchor_words()

    def may_fire(self, words: set[str], labels: set[str]) -> bool:
        """Whether a sentence with these words (and guessed lemmas) and entity labels could
        hold a trigger: what two-stage parsing asks before parsing it."""
        return self._index.may_fire(words, labels,
                                    context_here=self.assertion.cues.context_reach == 0)

    def triggers(self, doc, sents=None) -> Iterator[Trigger]:
        """Every rule match (triggers, negatives, context) sentence by sentence, to explain results.

        >>> [(detector.types[t.type_index]["type"], t.rule["id"])          # doctest: +SKIP
        ...  for t in detector.triggers(nlp("They swapped 390 prisoners."))]
        [('Prisoner exchange', 'swap-prisoners')]
        """
        from spacy.attrs import LEMMA, LOWER, TAG

        values = doc.to_array([TAG, LEMMA, LOWER])
        for si, sent in enumerate(sents if sents is not None else _sentences(doc)):
            if not values[sent.start, 0]:
                continue  # not parsed: two-stage parsing found no rule that could fire here
            ids = values[sent.start:sent.end, 1:]
            words = self._words(doc, ids)
            words_at = None
            for rule in self._index.candidates(words):
                if words_at is None and rule.links is None:
                    words_at = self._words_at(doc, ids)
                for tokens in rule.find(doc, sent, words_at):
                    yield Trigger(rule.kind, rule.type_index, rule.rule, si, tokens)

    def _words(self, doc, ids) -> set[str]:
        """The lower-case lemmas and forms of a sentence's tokens (their string ids)."""
        lower = self._lower_of(doc)
        return {lower(string_id) for string_id in set(ids.ravel().tolist())}

    def _words_at(self, doc, ids) -> list[tuple[str, str]]:
        """Per token of a sentence, its lower-case lemma and form (`ids`: LEMMA, LOWER)."""
        lower = self._lower_of(doc)
        return [(lower(lemma), lower(form)) for lemma, form in ids.tolist()]

    def _lower_of(self, doc):
        """string id -> its text in lower case, cached across Docs (one shared vocab)."""
        strings, lowered = doc.vocab.strings, self._lowered

        def lower(string_id: int) -> str:
            word = lowered.get(string_id)
            if word is None:
                word = lowered[string_id] = strings[string_id].lower()
            return word

        return lower

    def _scored(self, doc, text: str, sents, roles, opens, triggers: list[Trigger],
                context: set, year: int | None) -> list[Evidence]:
        """Strength before and after assertion per (type, sentence), with its evidence."""
        places: dict[tuple[int, int], _Place] = {}
        preps = self.assertion.cues.report_preps
        for hit in triggers:
            key = (hit.type_index, hit.sent_index)
            etype = self.types[hit.type_index]
            judged = self.assertion.judge(doc, sents[hit.sent_index], hit.tokens,
                                          group=etype["group"], reference_year=year)
            places.setdefault(key, _Place()).add(hit, judged)
        out = []
        for (ti, si), place in places.items():
            etype = self.types[ti]
            boost = etype["context_boost"] if (ti, si) in context else 0.0
            if roles[si] == TITLE:
                start, end, shown = 0, 0, text.strip()
            else:
                start, end = _evidence(text, sents[si], doc[place.anchor].idx)
                shown = text[start:end]
            strength = etype["weight"] * _combined(place.raw, boost)
            out.append(Evidence(ti, roles[si], strength, strength * place.factor(),
                                start, end, shown, place.cue, _detail(sents[si]), opens[si],
                                place.tokens, place.generic,
                                reports_occurrence(doc, place.tokens, preps),
                                roles[si] != TITLE and quoted(text, doc[place.anchor].idx)))
        return out


class _Place:
    """The triggers of one type in one sentence: best weight per rule, the assertion factor
    of each, the first token of the strongest, and the cue that weakened it."""

    def __init__(self):
        self.raw: dict[str, float] = {}
        self.factors: dict[str, float] = {}
        self._best = (-1.0, 0)
        self.anchor = 0
        self.tokens: frozenset[int] = frozenset()
        self.cue: str | None = None
        self.generic = True  # every trigger here names only what a more specific type is too

    def factor(self) -> float:
        """The share of the sentence's evidence that stands: the rules' factors averaged by
        weight. (Overlapping triggers of one phrase share its cue; combining their weakened
        weights as if independent would raise the evidence back up.)"""
        total = sum(self.raw.values())
        return sum(self.raw[r] * self.factors[r] for r in self.raw) / total if total else 0.0

    def add(self, hit: Trigger, judged) -> None:
        rule, weight = hit.rule["id"], hit.rule["weight"]
        self.generic = self.generic and hit.rule["generic"]
        if weight >= self.raw.get(rule, 0.0):
            self.factors[rule] = max(judged.factor, self.factors.get(rule, 0.0)) \
                if weight == self.raw.get(rule) else judged.factor
        self.raw[rule] = max(self.raw.get(rule, 0.0), weight)
        if (weight, -min(hit.tokens)) > self._best:
            self._best = (weight, -min(hit.tokens))
            self.anchor = min(hit.tokens)
            self.tokens = hit.tokens
            self.cue = judged.cue


#: Entity labels that make a report concrete: when, where, how many.
DETAIL_LABELS = ({"DATE", "TIME"}, {"GPE", "LOC", "FAC"}, {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})


def _detail(sent) -> float:
    """Share of the kinds of detail a concrete report gives that the sentence names: a time,
    a place, a number ("on Tuesday", "in Kharkiv", "at least 12")."""
    labels = {t.ent_type_ for t in sent if t.ent_type_}
    return sum(1 for kind in DETAIL_LABELS if labels & kind) / len(DETAIL_LABELS)


def _combined(weights: dict[str, float], boost: float) -> float:
    """Strength of distinct triggers together: 1 - prod(1 - w), raised by a context boost."""
    strength = 1.0 - math.prod(1.0 - w for w in weights.values())
    return strength + (1.0 - strength) * boost if strength > 0 else 0.0


def _reference_year(date: str | None, doc, text: str, title) -> int | None:
    """The article's year: from its date, else the latest year its text names."""
    if date and date[:4].isdigit():
        return int(date[:4])
    years = [year_of(tok) for tok in _year_tokens(doc, text)]
    if title is not None:
        years += [year_of(tok) for tok in _year_tokens(title, title.text)]
    years = [y for y in years if y]
    return max(years) if years else None


_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")


def _year_tokens(doc, text: str) -> list:
    """The tokens of four digits, found in the text (`year_of` reads no other token)."""
    out = []
    for match in _FOUR_DIGITS.finditer(text):
        span = doc.char_span(match.start(), match.end())
        if span is not None and len(span) == 1:
            out.append(span[0])
    return out


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


def _noun_phrase(doc, tokens: frozenset[int]) -> frozenset[int]:
    """The tokens of the phrase a trigger's event noun heads ("a bomb blast [targeting
    tourists]"), or none when its top word is no noun (a verb's subtree is its clause)."""
    top = doc[min(tokens, key=lambda i: (sum(1 for _ in doc[i].ancestors), i))]
    if top.pos_ not in ("NOUN", "PROPN"):
        return frozenset()
    return frozenset(t.i for t in top.subtree)


def _sentences(doc) -> list:
    """The doc's sentences, or the whole doc as one when it has no sentence boundaries."""
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return list(doc.sents)
    return [doc[:]]


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _evidence(text: str, sent, at: int) -> tuple[int, int]:
    """Offsets of the evidence: the sentence, cut at blank lines around the trigger (at
    character `at` of `text`).

    A parse sometimes runs a sentence over a paragraph break ("ADVERTISEMENT\n\nRussia
    launched..."); the paragraph that holds the trigger is the sentence a reader expects.
    """
    start, end = sent.start_char, sent.end_char
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
