"""Two-stage parsing parts on real articles: the fast attribute ruler and lemmatizer give
spaCy's own output, lemma guesses cover the model's lemmas, sentence boundaries end at
blank lines, and a sentence where a trigger fires in a full parse is always chosen."""
from __future__ import annotations

import json
from itertools import islice

import numpy
import pytest

from conftest import shared_file
from searchkit.extraction.pipeline import get_extractor, load_nlp


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = []
    for corpus in ("bbc", "ukraine_war"):
        with shared_file(f"news/{corpus}.jsonl").open(encoding="utf-8") as handle:
            out += [json.loads(line)["text"] for line in islice(handle, 10)]
    return out


def test_fast_attribute_ruler_and_lemmatizer_equal_spacy(texts):
    from spacy.attrs import DEP, ENT_IOB, LEMMA, MORPH, POS, TAG

    from searchkit.extraction.fast_pipes import FastAttributeRuler, FastLemmatizer

    nlp = load_nlp()
    ruler, lemmatizer = nlp.get_pipe("attribute_ruler"), nlp.get_pipe("lemmatizer")
    fast_ruler, fast_lemmatizer = FastAttributeRuler(ruler), FastLemmatizer(lemmatizer)
    assert fast_ruler.usable and fast_lemmatizer.usable
    tagged = list(nlp.pipe(texts, disable=["attribute_ruler", "lemmatizer", "ner"]))
    for doc in tagged:
        ours, theirs = doc.copy(), doc.copy()
        assert fast_ruler.match(ours) == ruler.match(theirs)
        ours = next(fast_lemmatizer.pipe(fast_ruler.pipe([ours])))
        theirs = lemmatizer(ruler(theirs))
        attrs = [TAG, POS, MORPH, LEMMA, DEP, ENT_IOB]
        assert numpy.array_equal(ours.to_array(attrs), theirs.to_array(attrs))


def test_lemma_guesses_cover_the_model_s_lemmas(texts):
    extractor = get_extractor()
    guess = extractor.two_stage.needs.lemmas
    missed = [(t.text, t.lemma_) for doc in extractor.parse(texts, full=True) for t in doc
              if t.lemma_ and t.lemma_.lower() not in guess(t.lower_)
              and t.lemma_.lower() != t.norm_]
    assert missed == []


def test_every_sentence_a_trigger_fires_in_is_chosen(texts):
    """The prefilter may choose too much, never too little: parse everything, and every
    sentence where a trigger counts (its context, if it needs one, matched too) was among
    those the stage-one Doc chose."""
    extractor = get_extractor()
    detector = extractor.events
    for full, two in zip(extractor.parse(texts, full=True), extractor.parse(texts)):
        chosen = {(s.start_char, s.end_char) for s, want in
                  zip(two.sents, extractor.two_stage.needs(two)) if want}
        chosen_chars = [range(a, b) for a, b in chosen]
        triggers = list(detector.triggers(full))
        context = {(t.type_index, t.sent_index) for t in triggers if t.kind == "context"}
        for trigger in triggers:
            counts = not trigger.rule["needs_context"] or \
                (trigger.type_index, trigger.sent_index) in context
            if trigger.kind == "patterns" and counts:
                at = full[min(trigger.tokens)].idx
                assert any(at in r for r in chosen_chars), full[min(trigger.tokens)].sent.text


def test_stage_one_sentences_end_at_blank_lines():
    extractor = get_extractor()
    doc = next(extractor.parse(["Heavy shelling near Bakhmut\n\nUkrainian troops held the "
                                "line on Monday, the army said."]))
    starts = [s.text.strip() for s in doc.sents]
    assert starts[0] == "Heavy shelling near Bakhmut"
    assert not any(t.is_space for s in doc.sents for t in s[:1]) or len(doc) == 0


def test_titles_parsed_two_stage_give_the_events_of_a_full_parse():
    """Titles serve event types only, so stage two parses just the title sentences where a
    trigger may fire: the article's events and main event equal those from a fully parsed
    title, on real headlines (wikinews crisis reports are dense in triggers)."""
    titles = []
    for corpus in ("wikinews_crisis", "bbc"):
        with shared_file(f"news/{corpus}.jsonl").open(encoding="utf-8") as handle:
            titles += [json.loads(line).get("title") or "" for line in islice(handle, 60)]
    extractor = get_extractor()
    body = next(extractor.parse(["Officials gave no further details on Monday."]))
    two = extractor.parse_titles(titles)
    full = extractor.parse_titles(titles, full=True)
    fired = 0
    for title, ours, theirs in zip(titles, two, full):
        got, want = extractor(body, title=ours), extractor(body, title=theirs)
        assert (got.events, got.main_event) == (want.events, want.main_event), title
        fired += bool(want.events)
    assert fired >= 20  # the sample does exercise title triggers


def test_text_and_word_sets_read_from_arrays_equal_the_token_reads(texts):
    """`doctext`'s array reads give what reading every Token gives, on two-stage and on
    full parses, and the kept text is the Doc's own."""
    from searchkit.extraction.doctext import doc_text, in_entities, lowercase_words

    extractor = get_extractor()
    for full in (False, True):
        for doc in extractor.parse(texts, full=full):
            assert doc_text(doc) == doc.text
            assert lowercase_words(doc) == {
                t.lower_ for t in doc if t.is_lower and t.is_alpha and t.ent_iob_ == "O"}
            assert in_entities(doc) == {t.i for t in doc if t.ent_iob_ != "O"}
            assert in_entities(doc) and lowercase_words(doc)  # the texts have both


def test_token_rules_matched_in_windows_find_what_the_whole_sentence_gives(texts):
    """Event token patterns matched only around their anchor words give the same matches,
    in the same order, as the Matcher over the whole sentence, for every rule the sentence
    is a candidate for (real articles)."""
    from spacy.attrs import LEMMA, LOWER

    extractor = get_extractor()
    events = extractor.events
    windowed = matched = 0
    for doc in extractor.parse(texts, full=True):
        ids_all = doc.to_array([LEMMA, LOWER])
        for sent in doc.sents:
            ids = ids_all[sent.start:sent.end]
            words_at = events._words_at(doc, ids)
            for rule in events._index.candidates(events._words(doc, ids)):
                if rule.links is None and rule.reach is not None:
                    got = rule.find(doc, sent, words_at)
                    assert got == rule.find(doc, sent), (rule.rule.get("id"), sent.text)
                    windowed += 1
                    matched += bool(got)
    assert windowed > 100 and matched > 10  # the sample exercises the windows
