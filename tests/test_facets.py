"""Facet kinds: amount buckets and ranges from real extraction, date buckets, key helpers."""
from __future__ import annotations

import pytest

import searchkit
from searchkit.facets import amount_key, amount_label, hit_facet_keys

from conftest import write_jsonl

ARTICLES = [
    {"id": "loan", "date": "2024-03-02", "title": "EU loan",
     "text": "The European Union approved a €150 billion loan programme for defence."},
    {"id": "aid", "date": "2024-03-20", "title": "US aid",
     "text": "Washington announced $300 million in military aid to Ukraine."},
    {"id": "fine", "date": "2024-04-11", "title": "Court fine",
     "text": "The court fined the company $50,000 for breaking sanctions."},
    {"id": "pounds", "date": "2024-05-05", "title": "UK package",
     "text": "Britain pledged £2.5 billion to the fund, and another £40 million for demining."},
    {"id": "nomoney", "date": "2024-05-06", "title": "Talks", "text": "Diplomats met in Geneva."},
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("facets")
    write_jsonl(tmp / "a.jsonl", ARTICLES)
    searchkit.index_paths([str(tmp / "a.jsonl")], index_dir=tmp / "ix", extract=True)
    return searchkit.open_index(tmp / "ix")


def test_amount_buckets_per_currency(ix):
    res = ix.search("", facets=("amounts",), facet_limit=None, limit=10)
    counts = {v.value: v.count for v in res.facets["amounts"]}
    assert counts == {"EUR:1B+": 1, "USD:1M-1B": 1, "USD:<1M": 1, "GBP:1B+": 1, "GBP:1M-1B": 1}
    labels = {v.value: v.label for v in res.facets["amounts"]}
    assert labels["EUR:1B+"] == "EUR 1 billion and over"
    picked = ix.search("", filters={"amounts": ["USD:1M-1B", "GBP:1M-1B"]}, limit=10)
    assert {h.id for h in picked.hits} == {"aid", "pounds"}


def test_amount_range_and_currency_filters(ix):
    def ids(**kw):
        return {h.id for h in ix.search("", limit=10, **kw).hits}
    assert ids(amount_min=1e9) == {"loan", "pounds"}
    assert ids(amount_min=1e6, amount_max=1e9) == {"aid", "pounds"}
    assert ids(currency="usd") == {"aid", "fine"}
    assert ids(currency="GBP", amount_max=1e8) == {"pounds"}


def test_hits_carry_their_facet_keys(ix):
    res = ix.search("", facets=("amounts", "dates", "sources"), limit=10)
    keys = {h.id: hit_facet_keys(h, res) for h in res.hits}
    assert keys["pounds"]["amounts"] == ["GBP:1B+", "GBP:1M-1B"]
    month = {v.value for v in res.facets["dates"]}
    assert month == {"2024-03", "2024-04", "2024-05"}
    assert keys["aid"]["dates"] == ["2024-03"] and keys["nomoney"]["amounts"] == []


@pytest.mark.parametrize("currency,value,key", [
    ("EUR", 999_999, "EUR:<1M"), ("EUR", 1e6, "EUR:1M-1B"), ("USD", 1e9, "USD:1B+")])
def test_amount_key_bounds(currency, value, key):
    assert amount_key(currency, value) == key
    assert amount_label(key).startswith(currency + " ")
