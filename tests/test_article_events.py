"""The article-level decision: calibrated confidence (monotone in the evidence), attach and
report thresholds, what facets carry, and the calibration file's validation."""
from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.extraction.article_events import (CALIBRATION_FILE, FEATURES, Evidence,
                                                 decide, load_calibration)
from searchkit.extraction.events import load_taxonomy
from searchkit.models import Event, Extraction

from conftest import assert_edited_data_file_is_rejected

unit = st.floats(min_value=0.0, max_value=1.0)


@lru_cache(maxsize=1)
def taxonomy() -> list[dict]:
    return load_taxonomy()

feature_values = st.fixed_dictionaries({f: unit for f in FEATURES})


@settings(max_examples=200)
@given(base=feature_values, feature=st.sampled_from(FEATURES), more=unit)
def test_more_evidence_never_lowers_confidence(base, feature, more):
    calibration = load_calibration()
    raised = {**base, feature: min(base[feature] + more, 5.0)}
    assert calibration.confidence(raised) >= calibration.confidence(base)


def evidence(ti: int, role: str, asserted: float, text: str, detail: float = 0.5) -> Evidence:
    return Evidence(ti, role, asserted, asserted, 0, len(text), text, None, detail)


@settings(max_examples=60, deadline=None)
@given(strengths=st.lists(st.floats(min_value=0.05, max_value=1.0), min_size=1, max_size=6),
       extra=st.floats(min_value=0.05, max_value=1.0), role=st.sampled_from(["lead", "body"]))
def test_an_agreeing_sentence_never_lowers_a_type_s_confidence(strengths, extra, role):
    """Adding one more sentence of evidence for a type (the article one sentence longer)
    leaves it at least as confident."""
    types = taxonomy()
    calibration = load_calibration()
    items = [evidence(0, "body", s, f"sentence {i}") for i, s in enumerate(strengths)]
    before, _ = decide(types, items, calibration, sentences=len(items) + 3)
    after, _ = decide(types, items + [evidence(0, role, extra, "one more")], calibration,
                      sentences=len(items) + 4)
    def confidence(events):  # a detection under the report floor is dropped: 0
        return {e.type: e.confidence for e in events}.get(types[0]["type"], 0.0)

    assert confidence(after) >= confidence(before)


def test_attach_report_and_facets():
    """Below `attach` a detection is returned but tags nothing; below `report`, dropped."""
    types = taxonomy()
    calibration = load_calibration()
    items = [evidence(0, "lead", 0.95, "strong", 1.0), evidence(0, "body", 0.9, "again", 1.0),
             evidence(1, "body", 0.3, "weak", 0.0), evidence(2, "body", 0.01, "faint", 0.0)]
    events, main = decide(types, items, calibration, sentences=20)
    by_type = {e.type: e for e in events}
    strong, weak = by_type[types[0]["type"]], by_type.get(types[1]["type"])
    assert strong.attached and strong.confidence >= calibration.attach
    assert weak is not None and not weak.attached and calibration.report <= weak.confidence
    assert types[2]["type"] not in by_type
    assert main == types[0]["type"]
    facets = Extraction(events=tuple(events), main_event=main).facets()["event_types"]
    assert facets == [types[0]["type"]]


def test_main_event_needs_title_or_lead_evidence():
    types = taxonomy()
    items = [evidence(0, "body", 0.95, f"s{i}", 1.0) for i in range(6)]
    events, main = decide(types, items, load_calibration(), sentences=8)
    assert events[0].attached and main is None


def test_facets_put_the_main_event_first():
    ex = Extraction(events=(Event("A", None, 0.9, "", 0, 0), Event("B", None, 0.6, "", 0, 0),
                            Event("C", None, 0.3, "", 0, 0, attached=False)), main_event="B")
    assert ex.facets()["event_types"] == ["B", "A"]
    assert ex.to_dict()["main_event"] == "B"


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["weights"].update(best=-1.0), "number >= 0"),
    (lambda d: d["weights"].pop("lead"), "number >= 0"),
    (lambda d: d.update(attach=1.5), "'attach' must be a number"),
    (lambda d: d.update(report=0.9, attach=0.5), "'report' must not exceed 'attach'"),
    (lambda d: d.update(threshold=0.5), "exactly the keys"),
])
def test_bad_calibration_file_is_rejected_naming_it(tmp_path, edit, message):
    assert_edited_data_file_is_rejected(CALIBRATION_FILE, edit, load_calibration, tmp_path, message)
