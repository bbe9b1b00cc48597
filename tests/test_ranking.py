"""Ranking: BM25 on the numpy postings agrees with the definition, ties are stable."""
from __future__ import annotations

import math

import numpy as np
import pytest

import searchkit
from searchkit.ranking import B, K1, top_documents
from searchkit.store.analysis import analyse

from conftest import write_jsonl


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rank")
    write_jsonl(tmp / "d.jsonl", DOCS)
    searchkit.index_paths([str(tmp / "d.jsonl")], index_dir=tmp / "ix", extract=False)
    return searchkit.open_index(tmp / "ix")


DOCS = [
    {"id": "short", "text": "drone strike"},
    {"id": "long", "text": "drone " + "word " * 60},
    {"id": "twice", "text": "drone drone report of the day"},
    {"id": "title", "title": "Drone report", "text": "report of the day"},
    {"id": "plain", "text": "drone report of the day"},
    {"id": "none", "text": "grain deal signed"},
]


def test_bm25_orders_by_frequency_length_and_title(ix):
    ranked = [h.id for h in ix.search("drone", limit=10).hits]
    assert set(ranked) == {"short", "long", "twice", "title", "plain"}
    assert ranked.index("short") < ranked.index("long")  # same tf, shorter document
    assert ranked.index("twice") < ranked.index("long")
    assert ranked.index("title") < ranked.index("plain")  # a title match weighs more


def test_score_matches_the_bm25_formula(ix):
    hit = {h.id: h for h in ix.search("grain", limit=10).hits}["none"]
    n, df, tf = 6, 1, 1.0
    lengths = np.array([len(analyse(d["text"])) for d in DOCS])  # terms, stop words dropped
    length = len(analyse("grain deal signed"))
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    pseudo = tf / (1 - B + B * length / lengths.mean())
    expected = idf * (K1 + 1) * pseudo / (pseudo + K1)
    assert hit.score == pytest.approx(expected, rel=1e-3)


def test_top_documents_breaks_ties_by_the_tiebreak_order():
    keys = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    mask = np.array([True, True, True, True, False])
    by_docnum = np.arange(5)
    assert top_documents(mask, keys, 2, by_docnum).tolist() == [1, 2]
    assert top_documents(mask, keys, 10, by_docnum).tolist() == [1, 2, 3, 0]
    assert top_documents(mask, keys, None, by_docnum).tolist() == [1, 2, 3, 0]
    assert top_documents(mask, keys, 2, by_docnum, descending=False).tolist() == [0, 3]
    assert top_documents(mask, keys, 1, by_docnum[::-1]).tolist() == [2]  # ids order 2 first
    assert top_documents(~mask & False, keys, 3, by_docnum).tolist() == []
