"""How an article writes its words (searchkit.resolve.wordcase): the corpus-level evidence
the entities table counts. Examples from real prose, and a property: the lowercase words
found are exactly the plain lowercase words of a text, whatever web addresses, handles,
hashtags and hyphenated words surround them; and the rules file they read is checked."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.resolve.names import fold
from searchkit.resolve.rules import RULES_FILE, load_rules
from searchkit.resolve.wordcase import (determined_words, lowercase_words, named_words,
                                        owned_words, venue_words, work_titles)

from conftest import assert_edited_data_file_is_rejected


def test_lowercase_words_skip_addresses_handles_tags_and_hyphen_tails():
    text = "The budget rose; see www.digital.gov, @house, #commission and e-budget. Ça déçoit."
    assert lowercase_words(text) == {"budget", "rose", "see", "and", "decoit"}


def test_names_titles_speakers_and_owners():
    assert named_words("He told The Times on Monday.") == {"times"}
    assert named_words("Says The Budget Plan") == set()  # a title-case headline
    assert named_words("Shell said profits rose. The budget said nothing. He said so.") == {
        "shell"}
    assert named_words("a unit of Total's, unlike the Budget's aims") == {"total"}


def test_owners_must_be_the_articles_organisations():
    text = "Apple's iPod and Microsoft's Windows XP; Russia's Interfax said so."
    assert owned_words(text, ["Apple", "Microsoft", "Interfax"]) == {"ipod"}
    assert owned_words(text, []) == set()


def test_work_titles_and_determined_words():
    assert work_titles("the film Vera Drake, the hit film The Aviator and the novel") == {
        "vera drake", "aviator"}
    assert determined_words("an Oscar for it, the Beatles and A Foley; the Blair plan") == {
        "oscar", "beatles"}


def test_venue_words_are_alone_after_a_preposition_of_place():
    assert venue_words("at Murrayfield, in the Stadium, at New York, in Gleneagles' bar, "
                       "at Twickenham.") == {"murrayfield", "twickenham"}


PLAIN = st.sampled_from(["budget", "house", "rose", "été", "digital", "and"])
OTHER = st.sampled_from(["Budget", "House", "www.budget.com", "@house", "#digital",
                         "e-budget", "iPod", "NATO", "2024"])
SEPARATORS = st.sampled_from([" ", ", ", ". ", "; ", " (", ") ", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(PLAIN, OTHER), SEPARATORS), max_size=30))
def test_lowercase_words_are_the_plain_lowercase_words(tokens):
    text = "".join(word + sep for word, sep in tokens)
    plain = {word for word, _sep in tokens if word.islower() and word.isalpha()}
    assert lowercase_words(text) == {fold(w) for w in plain}


@pytest.mark.parametrize("edit,message", [
    (lambda d: d.pop("agent_words"), "agent_words: expected a list of non-empty strings"),
    (lambda d: d["thresholds"].pop("owned_share"), "thresholds: expected exactly"),
    (lambda d: d["thresholds"].update(common_word_share=1.5), "a share is at most 1"),
    (lambda d: d["thresholds"].update(work_min_articles=-1), "expected a non-negative number"),
])
def test_an_edited_rules_file_is_rejected_naming_it(tmp_path, edit, message):
    assert_edited_data_file_is_rejected(RULES_FILE, edit, load_rules, tmp_path, message)
