"""Amounts: money with currencies and scales, counts with their noun, durations, percentages."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchkit.extraction import extract_text
from searchkit.extraction.amounts import find_money, find_percents, parse_number


@pytest.mark.parametrize("text, value, code", [
    ("a €150 billion loan", 150e9, "EUR"),
    ("the $1.13bn deal", 1.13e9, "USD"),
    ("a £600m fund", 600e6, "GBP"),
    ("profit of 5 mln dlrs", 5e6, "USD"),
    ("US$2 million in aid", 2e6, "USD"),
    ("between 5 and 6 billion dollars", 5e9, "USD"),   # a range keeps its lower bound
    ("$5-6 million", 5e6, "USD"),
    ("about 200 mln stg", 200e6, "GBP"),
    ("1.5 billion yen", 1.5e9, "JPY"),
    ("EUR 150bn", 150e9, "EUR"),
    ("150 billion euros", 150e9, "EUR"),
    ("12 cts a share", 0.12, "USD"),
    ("2.50 Canadian dlrs", 2.5, "CAD"),
    ("1.8 billion marks", 1.8e9, "DEM"),
    ("two billion dollars", 2e9, "USD"),
    ("C$50 million", 50e6, "CAD"),
    ("1,250,000 dlrs", 1.25e6, "USD"),
])
def test_money_values_and_currencies(text, value, code):
    found = list(find_money(text))
    assert len(found) == 1
    _start, _end, got_value, got_code = found[0]
    assert got_value == pytest.approx(value) and got_code == code


@pytest.mark.parametrize("text", [
    "try 5 times", "2023 marks the anniversary", "5 pounds of sugar", "5 crowns", "they won 3",
])
def test_things_that_are_not_money(text):
    assert list(find_money(text)) == []


def test_percentages():
    assert [v for _s, _e, v in find_percents("rose 76% after 5.5 pct and 3 to 4 percent")] == \
        [76.0, 5.5, 3.0]


def test_parse_number_digits_and_words():
    assert parse_number("1,250.5") == 1250.5
    assert parse_number("eight") == 8.0 and parse_number("twenty-five") == 25.0
    assert parse_number("many") is None


def test_counts_take_their_noun_and_people_nouns_become_people():
    ex = extract_text("Ukraine received 390 Ukrainians and 1,200 Russian soldiers were "
                      "exchanged, while six people and 155,221 bags of cocoa arrived.")
    got = {(a.text, a.value, a.unit) for a in ex.amounts if a.kind == "count"}
    assert ("390 Ukrainians", 390.0, "people") in got
    assert ("six people", 6.0, "people") in got
    assert ("1,200 Russian soldiers", 1200.0, "soldier") in got
    assert ("155,221 bags", 155221.0, "bag") in got


def test_durations_but_not_ages():
    text = ("A court sentenced a 29-year-old man to 29 years in prison and a two-year ban.")
    ex = extract_text(text)
    got = [(a.text, a.value, a.unit, a.kind) for a in ex.amounts]
    # The age ("29-year-old") is not a duration.
    assert got == [("29 years", 29.0, "years", "duration"), ("two-year", 2.0, "years", "duration")]


def test_amounts_keep_offsets_and_their_sentence():
    text = "Prices fell. A €150 billion loan was agreed, and shares rose 76%. Talks ended."
    ex = extract_text(text)
    assert [(a.kind, a.unit) for a in ex.amounts] == [("money", "EUR"), ("percent", "percent")]
    for a in ex.amounts:
        assert text[a.start:a.end] == a.text
        assert a.sentence == "A €150 billion loan was agreed, and shares rose 76%."


def test_wire_tables_give_no_counts_and_abbreviated_months_are_durations():
    text = ("Shr 1.20 dlrs vs 1.05 dlrs\n    Net 55,000 vs 40,000\n    Revs 2,188,933\n"
            "    Six mths\n    Shr 2.10 dlrs. Sales rose a seven pct increase in six mths.")
    ex = extract_text(text)
    assert not [a for a in ex.amounts if a.kind == "count"]
    assert ("six mths", 6.0, "months") in [(a.text, a.value, a.unit) for a in ex.amounts
                                           if a.kind == "duration"]
    assert 7.0 in [a.value for a in ex.amounts if a.kind == "percent"]


def _counts_everywhere(doc) -> set:
    """Oracle: the parse read at every number (what the finder did before it learnt which
    numbers may count a word)."""
    from searchkit.extraction.amounts import (NOT_COUNT_LABELS, SCALES, AmountFinder,
                                              parse_number)

    finder, text, found = AmountFinder(), doc.text, set()
    for tok in doc:
        if not tok.like_num or tok.ent_type_ in NOT_COUNT_LABELS \
                or tok.lower_ in ("one", "a", "an") or parse_number(tok.text) is None:
            continue
        stop = tok.i + 1
        while stop < len(doc) and doc[stop].lower_ in SCALES and len(doc[stop]) > 1:
            stop += 1
        amount = finder._count(doc, text, tok.i, stop)
        if amount is not None:
            found.add(amount)
    return found


def _real_texts(n: int) -> list[str]:
    import json
    from itertools import islice

    from conftest import shared_file

    out = []
    for corpus in ("bbc", "ukraine_war", "reuters21578"):
        with shared_file(f"news/{corpus}.jsonl").open(encoding="utf-8") as handle:
            out += [t for t in (json.loads(line).get("text") for line in islice(handle, n)) if t]
    return out


def test_reading_the_parse_only_at_count_candidates_finds_every_count():
    """Counts read the parse only where `count_candidates` says a number may count a word:
    on real articles that finds exactly the counts of reading it at every number."""
    from searchkit.extraction.amounts import AmountFinder
    from searchkit.extraction.pipeline import load_nlp

    finder = AmountFinder()
    for doc in load_nlp().pipe(_real_texts(15)):
        ours = {a for a in finder(doc) if a.kind in ("count", "duration")}
        assert ours == {a for a in _counts_everywhere(doc) if not _in_money(doc, a)}


NUMBERS = ["390", "1,200", "six", "29", "2004", "3.5", "twenty-five", "12", "1986"]
WORDS = ["people", "prisoners", "years", "year-old", "old", "Ukrainians", "of", "the", "bags",
         "per", "cent", "mln", "dlrs", "times", "in", "March", "soldiers", "-", "\n   ",
         "killed", "more", "than", "months", "Russian", "were"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NUMBERS), st.sampled_from(WORDS)),
                min_size=2, max_size=12))
@example(["390", "2004", "dlrs", "people"])  # a count reaching over money (found by this test)
def test_count_candidates_never_miss_a_count(words):
    """Property: whatever the words, the finder (parse read at candidates only) gives the
    oracle's counts (parse read at every number)."""
    from searchkit.extraction.amounts import AmountFinder
    from searchkit.extraction.pipeline import load_nlp

    doc = load_nlp()("They said " + " ".join(words) + ".")
    ours = {a for a in AmountFinder()(doc) if a.kind in ("count", "duration")}
    assert ours == {a for a in _counts_everywhere(doc) if not _in_money(doc, a)}


def _in_money(doc, amount) -> bool:
    """Whether a count lies on money or a percentage (the finder takes those first)."""
    from searchkit.extraction.amounts import find_money, find_percents

    text = doc.text
    spans = [(s, e) for s, e, *_ in find_money(text)] + [(s, e) for s, e, _ in find_percents(text)]
    return any(s < amount.end and amount.start < e for s, e in spans)
