"""The cue-word data of event assertion and passage rules (`data/event_cues.json`), validated.

The file has three sections: `assertion` (cue categories, each with a `factor` in [0, 1]
and word lists), `passages` (caption, boilerplate and link-list cues, and a few numbers)
and `triggers` (entity labels inside which a word is a name, not an event trigger; the
prepositions that tie an event noun to a clause that tells it happened).
Loading checks every key, list and number and raises SearchkitError naming the file and
the key, so a bad edit fails at start-up rather than quietly changing results.

    >>> cues = load_cues()
    >>> cues.factor("negated"), "threaten" in cues.words("unrealised", "verbs")
    (0.0, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ..models import SearchkitError
from .datafiles import read_json

CUES_FILE = Path(__file__).resolve().parent / "data" / "event_cues.json"

#: Assertion categories: the word lists each may (and must, when listed second) hold.
ASSERTION = {
    "negated": ({"words"}, {"words"}),
    "modal": ({"words"}, {"words"}),
    "future": ({"words", "before_to"}, {"words", "before_to"}),
    "conditional": ({"words"}, {"words"}),
    "question": (set(), set()),
    "purpose": (set(), set()),
    "unrealised": ({"verbs", "infinitive_verbs", "nouns", "modifiers"},
                   {"verbs", "infinitive_verbs", "nouns", "modifiers"}),
    "implicative": ({"verbs"}, {"verbs"}),
    "denied": ({"verbs"}, {"verbs"}),
    "claimed": ({"verbs", "nouns", "words"}, {"verbs", "nouns", "words"}),
    "historical": ({"words"}, {"words"}),
    "metaphor": ({"words", "groups"}, {"words", "groups"}),
}
#: Categories without a factor (they only qualify others).
NO_FACTOR = {"implicative"}
PASSAGE_LISTS = ("caption_starts", "caption_contains", "boilerplate_contains", "link_list_heads")
PASSAGE_NUMBERS = {"link_list_max_words": (1, 200), "teaser_min_words": (1, 50),
                   "teaser_upper_share": (0.0, 1.0), "lead_sentences": (1, 20),
                   "short_line_words": (1, 200), "furniture_words": (1, 200)}


@dataclass(frozen=True)
class Cues:
    """Validated cue data: factors and word sets per assertion category, passage cues."""

    factors: Mapping[str, float]
    lists: Mapping[tuple[str, str], frozenset[str]]
    passage_lists: Mapping[str, tuple[str, ...]]
    passage_numbers: Mapping[str, float]
    years_back: int
    not_in_names: frozenset[str]  # entity labels whose words are names, not triggers
    context_reach: int  # a context rule also serves this many following sentences
    report_preps: frozenset[str]  # prepositions that tie an event noun to a told occurrence

    def factor(self, category: str) -> float:
        return self.factors[category]

    def words(self, category: str, name: str = "words") -> frozenset[str]:
        return self.lists[(category, name)]


@lru_cache(maxsize=4)
def load_cues(path: str | Path = CUES_FILE) -> Cues:
    """Read and validate a cue file (the built-in one by default)."""
    path = Path(path)
    data = read_json(path, "cue words")
    where = str(path)
    _keys(data, {"about", "assertion", "passages", "triggers"}, where,
          required={"assertion", "passages", "triggers"})
    factors, lists, years_back = _assertion(data["assertion"], f"{where}: assertion")
    passage_lists, numbers = _passages(data["passages"], f"{where}: passages")
    triggers = data["triggers"]
    _keys(triggers, {"not_in_names", "context_reach", "report_preps", "note"},
          f"{where}: triggers", required={"not_in_names", "context_reach", "report_preps"})
    names = _word_list(triggers["not_in_names"], f"{where}: triggers.not_in_names")
    reach = int(_number(triggers["context_reach"], f"{where}: triggers.context_reach", 0, 5))
    preps = _word_list(triggers["report_preps"], f"{where}: triggers.report_preps")
    return Cues(factors, lists, passage_lists, numbers, years_back,
                frozenset(n.upper() for n in names), reach, frozenset(preps))


def _assertion(section: Any, where: str):
    _keys(section, set(ASSERTION), where, required=set(ASSERTION))
    factors: dict[str, float] = {}
    lists: dict[tuple[str, str], frozenset[str]] = {}
    years_back = 0
    for category, (allowed, required) in ASSERTION.items():
        entry, at = section[category], f"{where}.{category}"
        extra = {"factor", "note"} if category not in NO_FACTOR else {"note"}
        if category == "historical":
            extra.add("years_back")
        _keys(entry, allowed | extra, at, required=required | (extra - {"note"}))
        if category not in NO_FACTOR:
            factors[category] = _number(entry["factor"], f"{at}.factor", 0.0, 1.0)
        if category == "historical":
            years_back = int(_number(entry["years_back"], f"{at}.years_back", 1, 100))
        for name in allowed:
            lists[(category, name)] = frozenset(_word_list(entry[name], f"{at}.{name}"))
    return factors, lists, years_back


def _passages(section: Any, where: str):
    _keys(section, set(PASSAGE_LISTS) | set(PASSAGE_NUMBERS), where,
          required=set(PASSAGE_LISTS) | set(PASSAGE_NUMBERS))
    lists = {name: tuple(_word_list(section[name], f"{where}.{name}")) for name in PASSAGE_LISTS}
    numbers = {name: _number(section[name], f"{where}.{name}", low, high)
               for name, (low, high) in PASSAGE_NUMBERS.items()}
    return lists, numbers


def _keys(value: Any, allowed: set[str], where: str, *, required: set[str]) -> None:
    if not isinstance(value, dict):
        raise SearchkitError(f"{where}: expected a JSON object")
    unknown, missing = set(value) - allowed, required - set(value)
    if unknown:
        raise SearchkitError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    if missing:
        raise SearchkitError(f"{where}: missing key(s) {sorted(missing)}")


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise SearchkitError(f"{where}: expected a number in [{low}, {high}], not {value!r}")
    return float(value)


def _word_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise SearchkitError(f"{where}: expected a list of non-empty strings")
    return [w.lower() for w in value]
