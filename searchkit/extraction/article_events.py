"""From trigger evidence to the event types an article is tagged with, and its main event.

Evidence is one (type, sentence) pair: its `strength` (the type's weight times the combined
weight of the distinct triggers there, as before) and `asserted` (the same with each
trigger's weight scaled by its assertion factor, so "threatened to invade" or a negated
attack add little). Per type and article, these features summarise the evidence:

- best: the strongest asserted evidence anywhere (title included);
- support: log(1 + the number of further sentences whose asserted evidence reaches
  `support_min`): independent sentences that agree;
- title / lead: the strongest asserted evidence in the title / in the lead sentences;
- share: its part of all the asserted event evidence of the article, times best;
- detail: its strongest asserted evidence times the share of time, place and number its
  sentence names (a concrete report says when, where and how many);
- coverage: the share of the article's sentences of prose that bear on it, times best (a
  short text that is all headline and lead is about what it reports);
- topic: its strongest asserted evidence in a sentence that opens a paragraph (where news
  writing puts what the paragraph reports);
- reported: its strongest asserted evidence told as an occurrence (the verb of a finite
  clause, its subject or object, or tied to it by "in", "by"...: "a car bomb detonated",
  "killed in an attack"; not "despite sanctions" or "combat training") and not inside
  quotation marks (assertion.reports_occurrence, assertion.quoted).

The confidence is a logistic function of these with coefficients from
`data/event_calibration.json`, fitted on labelled articles so that it reads as the
probability that the article reports an event of that type. Every coefficient is >= 0,
so more or better-placed evidence never lowers it. A type is *attached* (tags the
article) at `attach` or above; weaker detections down to `report` are still returned, with
`attached` false, so an index can filter by a lower --min-confidence.

The main event is the attached type the title and lead are about: the highest
max(title * main_title, lead * main_lead), if it reaches `main_min`; else None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..models import Event, SearchkitError
from .datafiles import read_json

CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "event_calibration.json"
FEATURES = ("best", "support", "title", "lead", "share", "detail", "coverage", "topic",
            "reported")
_SCALARS = ("support_min", "attach", "report", "main_title", "main_lead", "main_min")
TITLE, LEAD = "title", "lead"


@dataclass(frozen=True)
class Evidence:
    """One type's evidence in one sentence (of the text, or of the title)."""

    type_index: int
    role: str  # "title" | "lead" | "body" (boilerplate never becomes evidence)
    strength: float  # before assertion
    asserted: float  # after assertion
    start: int  # evidence offsets into the text (0, 0 for the title)
    end: int
    text: str
    cue: str | None = None  # the assertion cue that weakened it most
    detail: float = 0.0  # share of time, place and number the sentence names (0-1)
    opens_paragraph: bool = False  # the first sentence of its paragraph
    tokens: frozenset = frozenset()  # doc indexes of the strongest trigger (empty: title)
    generic: bool = False  # only generic triggers (what a more specific type is too)
    occurrence: bool = False  # told as something that happened (assertion.reports_occurrence)
    quoted: bool = False  # inside quotation marks: what someone said


@dataclass(frozen=True)
class Calibration:
    """The coefficients and thresholds of `data/event_calibration.json`."""

    bias: float
    weights: dict
    support_min: float
    attach: float
    report: float
    main_title: float
    main_lead: float
    main_min: float

    def confidence(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights[f] * features[f] for f in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=4)
def load_calibration(path: str | Path = CALIBRATION_FILE) -> Calibration:
    """Read and validate a calibration file (the built-in one by default)."""
    path = Path(path)
    data = read_json(path, "event calibration")
    allowed = {"about", "bias", "weights", *_SCALARS}
    if not isinstance(data, dict) or set(data) - allowed or not set(allowed) - {"about"} <= set(data):
        raise SearchkitError(f"{path}: expected an object with exactly the keys "
                             f"{sorted(allowed - {'about'})} (and 'about')")
    weights = data["weights"]
    if not isinstance(weights, dict) or set(weights) != set(FEATURES) or not all(
            _is_number(w) and w >= 0 for w in weights.values()):
        raise SearchkitError(f"{path}: 'weights' must give a number >= 0 for each of "
                             f"{list(FEATURES)} (so more evidence never lowers confidence)")
    if not _is_number(data["bias"]):
        raise SearchkitError(f"{path}: 'bias' must be a number")
    for key in _SCALARS:
        high = 10 if key in ("main_title", "main_lead") else 1
        if not _is_number(data[key]) or not 0 <= data[key] <= high:
            raise SearchkitError(f"{path}: {key!r} must be a number in [0, {high}]")
    if data["report"] > data["attach"]:
        raise SearchkitError(f"{path}: 'report' must not exceed 'attach'")
    return Calibration(float(data["bias"]), {k: float(v) for k, v in weights.items()},
                       *(float(data[k]) for k in _SCALARS))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def features(items: list[Evidence], support_min: float, total: float = 0.0,
             sentences: int = 0) -> dict[str, float]:
    """The features of one type's evidence (see the module docstring); `total` is the
    asserted evidence of every type in the article, for `share`, and `sentences` the number
    of sentences of prose in it, for `coverage`."""
    best = max((e.asserted for e in items), default=0.0)
    # A sentence repeated in an article (a pull quote, a duplicated paragraph) agrees once.
    agreeing = len({e.text for e in items if e.asserted >= support_min})
    mass = sum(e.asserted for e in items)
    return {
        "best": best,
        "support": math.log1p(max(agreeing - 1, 0)),
        "title": max((e.asserted for e in items if e.role == TITLE), default=0.0),
        "lead": max((e.asserted for e in items if e.role == LEAD), default=0.0),
        # share and coverage scale with `best`: being all a short text is about says little
        # when what it says is weak ("Britain would impose sanctions")
        "share": best * mass / total if total > 0 else 0.0,
        "detail": max((e.asserted * e.detail for e in items), default=0.0),
        "topic": max((e.asserted for e in items if e.opens_paragraph and e.role != TITLE),
                     default=0.0),
        "reported": max((e.asserted for e in items if e.occurrence and not e.quoted),
                        default=0.0),
        # every sentence that bears on it counts (a threshold here would let one more weak
        # sentence, longer text but no more agreeing, lower the confidence)
        "coverage": best * min(len({e.text for e in items if e.asserted > 0}) / sentences, 1.0)
        if sentences else 0.0,
    }


def decide(types: list[dict], evidence: Iterable[Evidence], calibration: Calibration,
           sentences: int = 0) -> tuple[list[Event], str | None]:
    """Events (most confident first, each with `attached`) and the main event type;
    `sentences` is the number of sentences of prose in the article (see `features`)."""
    scored = []
    for ti, feats in typed_features(types, evidence, calibration, sentences).items():
        items = feats.pop("_items")
        confidence = calibration.confidence(feats)
        if confidence < calibration.report:
            continue
        shown = _shown(items)
        etype = types[ti]
        event = Event(type=etype["type"], code=etype["code"], confidence=round(confidence, 3),
                      evidence=shown.text, start=shown.start, end=shown.end,
                      attached=confidence >= calibration.attach)
        scored.append((ti, event, feats))
    scored.sort(key=lambda s: (-s[1].confidence, s[0]))
    return [event for _, event, _ in scored], _main(scored, calibration)


def typed_features(types: list[dict], evidence: Iterable[Evidence], calibration: Calibration,
                   sentences: int = 0) -> dict[int, dict]:
    """Per type index, its features (see `features`) after absorption (see `_absorb`), with
    its evidence under the key "_items"."""
    by_type: dict[int, list[Evidence]] = {}
    for item in evidence:
        by_type.setdefault(item.type_index, []).append(item)
    total = sum(e.asserted for items in by_type.values() for e in items)

    def featured(items):
        return features(items, calibration.support_min, total, sentences)

    attached = {ti for ti, items in by_type.items()
                if calibration.confidence(featured(items)) >= calibration.attach}
    _absorb(types, by_type, attached)
    return {ti: {**featured(items), "_items": items} for ti, items in by_type.items()}


def _absorb(types: list[dict], by_type: dict[int, list[Evidence]], attached: set[int]) -> None:
    """Drop the generic evidence of every type an attached type absorbs (taxonomy `absorbs`):
    the article's bomb is its suicide bombing's bomb. A type left without evidence goes."""
    index = {t["type"]: i for i, t in enumerate(types)}
    absorbed = {index[name] for ti in attached if ti < len(types)
                for name in types[ti].get("absorbs") or () if index.get(name) != ti}
    for ti in absorbed & set(by_type):
        kept = [e for e in by_type[ti] if not e.generic]
        if kept:
            by_type[ti] = kept
        else:
            del by_type[ti]


def _shown(items: list[Evidence]) -> Evidence:
    """The evidence to show: the strongest asserted sentence of the text, else the title."""
    text = [e for e in items if e.role != TITLE and e.asserted > 0]
    pool = text or items
    return max(pool, key=lambda e: (e.asserted, e.strength, -e.start))


def _main(scored: list, calibration: Calibration) -> str | None:
    """The attached type best supported by the title and the lead, if any is enough."""
    best, best_key = None, (calibration.main_min, -1.0)
    for _ti, event, feats in scored:
        if not event.attached:
            continue
        score = max(feats["title"] * calibration.main_title, feats["lead"] * calibration.main_lead)
        key = (score, event.confidence)
        if score >= calibration.main_min and key > best_key:
            best, best_key = event.type, key
    return best
