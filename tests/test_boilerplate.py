"""Boilerplate passages: segmentation, blanking, counting against a plain oracle, real corpora."""
from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import REPO, shared_file
from searchkit.models import SearchkitError
from searchkit.resolve.boilerplate import (BoilerplateModel, BoilerplateRules, blank, normalise,
                                           passage_forms, passages)

texts = st.text(alphabet=st.sampled_from("ab .!?\n\t—Xé1"), max_size=80)


@given(texts)
@settings(max_examples=200, deadline=None)
def test_passages_are_stripped_ordered_spans_without_line_breaks(text):
    spans = passages(text)
    assert spans == sorted(spans)
    for (start, end), nxt in zip(spans, spans[1:] + [(len(text), len(text))]):
        piece = text[start:end]
        assert piece and piece == piece.strip() and "\n" not in piece
        assert end <= nxt[0]
    covered = set().union(*(range(s, e) for s, e in spans)) if spans else set()
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered and "\n" in text)
    # the one-pass normalisation agrees with normalising each passage alone
    assert passage_forms(text) == [(s, e, normalise(text[s:e])) for s, e in spans]


@given(texts, st.lists(st.tuples(st.integers(-5, 90), st.integers(-5, 90)), max_size=5))
@settings(max_examples=200, deadline=None)
def test_blank_keeps_length_line_breaks_and_text_outside_spans(text, spans):
    out = blank(text, spans)
    assert len(out) == len(text)
    inside = {i for s, e in spans for i in range(max(0, s), min(len(text), e))}
    for i, (before, after) in enumerate(zip(text, out)):
        if i not in inside or before == "\n":
            assert after == before
        else:
            assert after == " "


def test_texts_without_line_breaks_are_cut_into_sentences():
    model = BoilerplateModel()
    for i in range(10):
        model.observe("wire", f"Story number {i} happened on day {i}. Subscribe to our daily briefing now!")
    text = "Something else happened. Subscribe to our daily briefing now!"
    assert [text[s:e] for s, e in model.spans("wire", text)] == ["Subscribe to our daily briefing now!"]


# A corpus of articles made of lines from a shared pool (some frequent, some rare) and lines
# unique to one article; the oracle counts distinct article texts per normalised line.
pool = [f"Shared line number {i} of the site" for i in range(6)] + ["Ad", "Share this", "More"]
articles = st.lists(
    st.tuples(st.lists(st.sampled_from(pool), max_size=4), st.integers(0, 3), st.booleans()),
    min_size=1, max_size=60)


@given(articles)
@settings(max_examples=60, deadline=None)
def test_spans_are_exactly_the_passages_the_oracle_counts_as_boilerplate(spec):
    rules = BoilerplateRules(min_articles=3, share_by_length=((3, 0.2), (20, 0.05)))
    model = BoilerplateModel(rules)
    docs = []
    for n, (shared, n_unique, duplicate) in enumerate(spec):
        lines = shared + [f"Unique line {n}-{j} only here" for j in range(n_unique)]
        docs.append("\n".join(lines))
        if duplicate:                        # a verbatim copy: must count once
            docs.append(docs[-1])
    for doc in docs:
        model.observe("src", doc)
    seen_in = defaultdict(set)
    for doc in set(docs):
        for _, _, form in passage_forms(doc):
            seen_in[form].add(doc)
    n_articles = len(set(docs))
    assert model.articles("src") == n_articles
    for doc in docs:
        flagged = set(model.spans("src", doc))
        for start, end, form in passage_forms(doc):
            needed = rules.needed(len(form), n_articles)
            expect = needed is not None and len(seen_in[form]) >= needed
            assert ((start, end) in flagged) == expect, (doc[start:end], len(seen_in[form]), needed)
            if len(seen_in[form]) == 1:
                assert (start, end) not in flagged   # text of a single article is never boilerplate


def test_copies_and_groups_count_once_and_sources_are_separate():
    model = BoilerplateModel()
    text = "Breaking story text here.\nSign up for the morning newsletter"
    assert model.observe("a", text) is True
    assert all(model.observe("a", text) is False for _ in range(20))
    for i in range(5):    # near-copies sharing a duplicate-cluster id count once too
        model.observe("a", f"Breaking story text here, version {i}.\nSign up for the morning newsletter",
                      group="cluster-1")
    assert model.articles("a") == 2 and model.spans("a", text) == []
    for i in range(5):
        model.observe("b", f"Another story {i}.\nSign up for the morning newsletter")
    assert model.spans("b", text) == [(text.index("Sign"), len(text))]
    assert model.spans("a", text) == []


def test_state_is_bounded_and_keeps_frequent_passages(tmp_path):
    rules = BoilerplateRules(max_entries=1000, max_seen=1000)
    model = BoilerplateModel(rules)
    for i in range(600):
        lines = [f"Unique sentence {i}-{j} of a news story" for j in range(20)]
        model.observe(f"site{i % 3}", "\n".join(lines + ["Click here to get the app"]))
    model._flush()
    assert len(model._keys) <= rules.max_entries and len(model._seen) <= rules.max_seen
    probe = "Fresh story text\nClick here to get the app"
    app_line = [(probe.index("Click"), len(probe))]
    assert model.spans("site1", probe) == app_line

    np.savez(tmp_path / "bp.npz", **model.to_arrays())
    with np.load(tmp_path / "bp.npz") as stored:
        loaded = BoilerplateModel.from_arrays(stored, rules)
    assert loaded.spans("site1", probe) == app_line and loaded.articles("site2") == 200
    assert loaded.observe("site1", "A story never seen before") is True


def test_rules_file_is_validated(tmp_path):
    assert BoilerplateRules.load().min_articles >= 2       # the shipped file loads
    bad = tmp_path / "bp.json"
    bad.write_text(json.dumps({"min_articles": 1, "share_by_length": [{"min_chars": 4, "min_share": 2}]}))
    with pytest.raises(SearchkitError, match="bp.json"):
        BoilerplateRules.load(bad)
    bad.write_text(json.dumps({"min_artcles": 3}))
    with pytest.raises(SearchkitError, match="unknown"):
        BoilerplateRules.load(bad)


def read_jsonl(relative: str) -> list[dict]:
    with open(shared_file(relative), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def prescan(records: list[dict]) -> tuple[BoilerplateModel, list[list[tuple[int, int]]]]:
    model = BoilerplateModel()
    for rec in records:
        model.observe(rec.get("source") or "", rec.get("text") or "")
    return model, [model.spans(rec.get("source") or "", rec.get("text") or "") for rec in records]


def test_real_news_text_is_not_flagged_on_corpora_never_tuned_on():
    for corpus in ("news/bbc.jsonl", "news/wikinews_crisis.jsonl"):
        records = read_jsonl(corpus)
        _, spans = prescan(records)
        flagged = sum(e - s for sp in spans for s, e in sp)
        total = sum(len(r.get("text") or "") for r in records)
        assert flagged / total < 0.001, corpus


def test_labelled_passages_of_the_war_corpus():
    """Blind labels: flagged passages are boilerplate; boilerplate repeated widely is flagged."""
    records = read_jsonl("news/ukraine_war.jsonl")
    model, spans = prescan(records)
    labels = [json.loads(x) for x in (REPO / "benchmarks" / "data" / "boilerplate_labels.jsonl")
              .read_text(encoding="utf-8").splitlines()[1:]]
    flagged_labels = []
    for lab in labels:
        corpus, line = lab["ref"].split(":")
        if corpus == "ukraine_war":
            flagged = (lab["start"], lab["end"]) in set(spans[int(line) - 1])
            flagged_labels.append((flagged, lab["label"] == "boilerplate"))
    hits = [is_bp for flagged, is_bp in flagged_labels if flagged]
    assert len(hits) >= 30 and sum(hits) / len(hits) >= 0.95
    share = sum(e - s for sp in spans for s, e in sp) / sum(len(r["text"]) for r in records)
    assert 0.005 < share < 0.05
