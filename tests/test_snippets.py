"""Snippets: marked words found through the index's own analysis, escaped, trimmed."""

from hypothesis import given, settings, strategies as st

from searchkit.snippets import PASSAGE_CHARS, make_snippet



def test_marks_stemmed_forms_and_escapes():
    text = "Negotiators <b>agreed</b> on exchanges of prisoners & hostages."
    out = make_snippet(text, {"exchang", "prison"})
    assert "<mark>exchanges</mark>" in out and "<mark>prisoners</mark>" in out
    assert "&lt;b&gt;agreed&lt;/b&gt;" in out and "&amp; hostages" in out
    assert "<b>" not in out


def test_long_text_is_cut_around_the_matches():
    text = ("filler words here " * 40) + "the prisoner exchange happened " + ("more filler " * 60)
    out = make_snippet(text, {"prison", "exchang"})
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>prisoner</mark> <mark>exchange</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= PASSAGE_CHARS + 2


def test_two_passages_for_distant_matches():
    text = "Drones hit Kyiv. " + ("x " * 300) + "Later the drones returned."
    out = make_snippet(text, {"drone"})
    assert out.count("<mark>") == 2 and " … " in out


def test_no_match_gives_the_opening():
    text = "Opening words of the article. " * 30
    out = make_snippet(text, {"absent"})
    assert out.startswith("Opening words") and out.endswith("…") and "<mark>" not in out


WORDS = ["exchanged", "exchange", "prisoners", "happy", "happily", "running", "relational",
         "hoping", "hopping", "U.S", "e.g", "Kyiv's", "drones", "drone", "ceasefire", "agreed"]


@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(list(" .,-_*'\n")),
                          st.text(alphabet="abcxyzÉé.1*", max_size=4)), max_size=40).map("".join),
       st.sets(st.sampled_from(WORDS), min_size=1, max_size=4))
@settings(max_examples=300, deadline=None)
def test_marks_found_by_jumping_equal_a_word_by_word_scan(text, words):
    from searchkit.snippets import _marks, normal
    from searchkit.store.analysis import WORD

    terms = {normal(w) for w in words} - {None}
    expected = [(m.start(), m.end()) for m in WORD.finditer(text) if normal(m.group()) in terms]
    assert _marks(text, terms) == expected
