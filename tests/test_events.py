"""Event types: the built-in taxonomy on real sentences and the seed article, user taxonomy
files, validation errors, and the fast matcher against spaCy's own matchers."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from searchkit.extraction.events import EventDetector, load_taxonomy
from searchkit.models import SearchkitError

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "kyiv-prisoner-exchange.md"
CASE = Path(__file__).resolve().parents[2] / "shared" / "data" / "events" / "case2021_dev.tsv"


def seed_body() -> str:
    """The seed article's text after its front matter."""
    return SEED.read_text(encoding="utf-8").split("---", 2)[2].strip()


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the taxonomy

NEWS_TYPES = {  # label -> code (None: no ACLED/CASE code fits)
    "Prisoner exchange": "AGREEMENT", "Peace talks": "AGREEMENT",
    "Loan / financing / aid package": None, "Sanctions": "DIPLO",
    "Court sentence / trial": None, "Election": None, "Appointment / dismissal": None,
    "Drone or missile attack": "ART_MISS_ATTACK", "Air strike": "AIR_STRIKE",
    "Armed clash": "ARMED_CLASH", "Peaceful protest": "PEACE_PROTEST", "Arrest": "ARREST",
}


def test_news_types_have_readable_labels_and_their_codes():
    by_label = {t["type"]: t for t in load_taxonomy()}
    for label, code in NEWS_TYPES.items():
        assert by_label[label]["code"] == code, label


def test_every_case2021_code_is_covered():
    if not CASE.exists():
        pytest.skip(f"{CASE} is absent (the CASE-2021 split lives in ../shared/data)")
    with CASE.open(encoding="utf-8", newline="") as handle:
        gold = {row["SubType"] for row in csv.DictReader(handle, delimiter="\t")}
    assert len(gold) == 30
    codes = {t["code"] for t in load_taxonomy()}
    assert gold <= codes, sorted(gold - codes)


def test_every_type_is_well_formed():
    types = load_taxonomy()
    labels = [t["type"] for t in types]
    assert len(labels) == len(set(labels))
    for t in types:
        assert t["group"] and t["patterns"] and 0 < t["weight"] <= 1
        assert re.fullmatch(r"[A-Z][a-z].*", t["type"]), t["type"]  # a label, not a code


# ----------------------------------------------------------------------------- real sentences

SENTENCES = [
    ("Russian warplanes carried out airstrikes on rebel positions in Idlib province, killing "
     "12 people.", "Air strike"),
    ("Russia launched a massive drone and missile attack on Kyiv overnight, officials said.",
     "Drone or missile attack"),
    ("Ukrainian forces shelled the outskirts of Donetsk on Tuesday.", "Shelling / artillery fire"),
    ("Government troops clashed with militants near the border, leaving five soldiers dead.",
     "Armed clash"),
    ("A suicide bomber blew himself up outside a police station in Kabul.", "Suicide bombing"),
    ("A roadside bomb struck a military convoy in southern Afghanistan.", "Remote explosive / IED"),
    ("A grenade attack on a market wounded 20 people.", "Grenade attack"),
    ("Inspectors confirmed that sarin was used in the attack on the town.",
     "Chemical weapon attack"),
    ("Thousands of people took to the streets of Tbilisi to protest against the new law.",
     "Peaceful protest"),
    ("Police fired tear gas and water cannon to disperse the protesters.",
     "Protest with intervention"),
    ("Security forces opened fire on protesters in Yangon, killing at least 18 people.",
     "Excessive force against protesters"),
    ("Rioters threw stones at police and set cars on fire during the protest.",
     "Violent demonstration"),
    ("A mob lynched a man accused of stealing a motorcycle.", "Mob violence"),
    ("Gunmen opened fire on worshippers at a mosque, killing 15 people.", "Attack on civilians"),
    ("Soldiers raped women during the raid on the village, a rights group said.",
     "Sexual violence"),
    ("Gunmen kidnapped 30 students from a school in northern Nigeria.",
     "Abduction / disappearance"),
    ("Police arrested three men suspected of planning the attack.", "Arrest"),
    ("The two sides agreed to a ceasefire that will take effect at midnight.",
     "Agreement / ceasefire"),
    ("Russia and Ukraine swapped 95 prisoners of war on Thursday, the foreign ministry said.",
     "Prisoner exchange"),
    ("Delegations from both countries met in Istanbul for a new round of peace talks.",
     "Peace talks"),
    ("The European Union imposed new sanctions on Russian banks and energy companies.",
     "Sanctions"),
    ("The IMF approved a $15.6 billion loan to Ukraine.", "Loan / financing / aid package"),
    ("A court in Moscow sentenced the journalist to 16 years in prison for espionage.",
     "Court sentence / trial"),
    ("Voters in Moldova go to the polls on Sunday in a presidential election.", "Election"),
    ("President Zelenskyy dismissed the commander of the armed forces and appointed a new one.",
     "Appointment / dismissal"),
    ("Moscow expelled two Norwegian diplomats in retaliation.", "Diplomatic action"),
    ("The Islamic State group claimed responsibility for the bombing.",
     "Claim of responsibility / blame"),
    ("Police seized a large cache of weapons and ammunition in a raid on the farm.",
     "Weapons seized or defused"),
    ("The army has set up a new base near the border.", "Base or headquarters established"),
    ("The army deployed additional troops to the border region.", "Change to group / activity"),
    ("Government forces recaptured the town from rebels after weeks of fighting.",
     "Government regains territory"),
    ("Looters ransacked shops in the city centre overnight.", "Looting / property destruction"),
    ("A magnitude 6.8 earthquake struck central Morocco late on Friday.",
     "Natural disaster / epidemic"),
    ("A fire broke out at a chemical plant, forcing the evacuation of nearby homes.",
     "Man-made disaster"),
    ("Police busted a drug trafficking ring and seized 300 kilograms of cocaine.",
     "Organised crime"),
]


@pytest.mark.parametrize("sentence,label", SENTENCES, ids=[label for _, label in SENTENCES])
def test_sentence_gives_its_event_type_first(nlp, detector, sentence, label):
    events = detector(nlp(sentence))
    assert events, "no event found"
    assert events[0].type == label, [(e.type, e.confidence) for e in events]
    assert events[0].evidence == sentence and (events[0].start, events[0].end) == (0, len(sentence))


@pytest.mark.parametrize("sentence,wrong", [
    ("The exchange rate rose.", "Prisoner exchange"),
    ("The hryvnia's exchange rate against the dollar fell sharply after the central bank "
     "stopped defending it.", "Prisoner exchange"),
    ("Shares rose on the London Stock Exchange as investors traded cautiously.",
     "Prisoner exchange"),
    ("The ministers held a frank exchange of views on energy prices.", "Prisoner exchange"),
    ("Police officers gave first aid to the injured driver.", "Loan / financing / aid package"),
    ("He dismissed the report as fake news.", "Appointment / dismissal"),
    ("The regulator sanctioned the merger of the two banks after a long review.", "Sanctions"),
    ("The rally in oil prices lifted shares of energy companies.", "Peaceful protest"),
    ("Fans rallied behind the team after the defeat.", "Peaceful protest"),
    ("He advised the army to save lives rather than attempting to reclaim territory occupied "
     "by Russia.", "Government regains territory"),
    ("The minister said the talks on the budget would continue.", "Diplomatic action"),
])
def test_lookalike_words_do_not_trigger(nlp, detector, sentence, wrong):
    assert wrong not in [e.type for e in detector(nlp(sentence))]


def test_no_events_in_a_neutral_sentence(nlp, detector):
    assert detector(nlp("The museum opened a new wing dedicated to medieval tapestries.")) == []


# ----------------------------------------------------------------------------- the seed article

SEED_EVENTS = {  # type -> a phrase its evidence sentence must hold
    "Prisoner exchange": "prisoner exchange",
    "Drone or missile attack": "drone and missile assault",
    "Court sentence / trial": "sentenced",
    "Loan / financing / aid package": "loan",
}
# "the Kremlin would present its conditions for a peace agreement once the swap was
# finalized": a peace agreement the article does not report as reached or negotiated.
SEED_UNREPORTED = "Peace talks"


def test_seed_article_events_with_sentence_offsets(nlp, detector):
    text = seed_body()
    doc = nlp(text)
    events = detector(doc)
    by_type = {e.type: e for e in events}
    assert len(by_type) == len(events), "one event per type"
    sentences = {(s.start_char, s.end_char) for s in doc.sents}
    for label, phrase in SEED_EVENTS.items():
        event = by_type[label]
        assert text[event.start:event.end] == event.evidence
        assert phrase in event.evidence, (label, event.evidence)
        assert any(s <= event.start and event.end <= e for s, e in sentences)
        assert event.end == len(text) or text[event.end - 1] in ".!?\""
    unreported = by_type.get(SEED_UNREPORTED)
    assert unreported is None or unreported.confidence < min(
        by_type[label].confidence for label in SEED_EVENTS)
    assert all(0 < e.confidence <= 1 for e in events)
    assert [e.confidence for e in events] == sorted((e.confidence for e in events), reverse=True)
    assert "Prisoner exchange" in [e.type for e in events[:3]]


def test_exchange_rate_in_the_seed_context(nlp, detector):
    text = seed_body() + " The exchange rate rose."
    evidence = [e.evidence for e in detector(nlp(text)) if e.type == "Prisoner exchange"]
    assert evidence and "exchange rate" not in evidence[0]
    assert detector(nlp("The exchange rate rose.")) == []


def test_evidence_stops_at_a_paragraph_break(nlp, detector):
    text = "ADVERTISEMENT\n\nRussia launched a massive drone and missile attack on Kyiv overnight."
    [event] = [e for e in detector(nlp(text)) if e.type == "Drone or missile attack"]
    assert event.evidence == text.split("\n\n")[1]
    assert text[event.start:event.end] == event.evidence


@pytest.mark.parametrize("sentence,label", [
    ("Ukraine has not claimed responsibility for the explosions in Crimea.",
     "Claim of responsibility / blame"),
    ("Police said they found no explosives in the hotel.", "Weapons seized or defused"),
])
def test_negated_triggers_do_not_count(nlp, detector, sentence, label):
    assert label not in [e.type for e in detector(nlp(sentence))]


# ----------------------------------------------------------------------------- user files

CYBER = {"types": [{
    "type": "Cyber attack", "code": None, "group": "Cyber", "weight": 0.9,
    "patterns": [
        {"id": "cyberattack", "pattern": [{"LEMMA": {"IN": ["cyberattack", "cyber-attack"]}}]},
        {"id": "hackers-hit", "weight": 0.8, "dep": [
            {"RIGHT_ID": "v", "RIGHT_ATTRS": {"LEMMA": {"IN": ["hit", "attack", "breach"]}}},
            {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "s",
             "RIGHT_ATTRS": {"LEMMA": "hacker", "DEP": "nsubj"}}]}],
    "negative": [{"pattern": [{"LEMMA": "cyberattack"}, {"LEMMA": "drill"}]}]}]}


def test_extra_file_adds_a_type(nlp, tmp_path):
    extra = write_json(tmp_path / "cyber.json", CYBER)
    detector = EventDetector(nlp, extra_taxonomy=[extra])
    assert "Cyber attack" in [t["type"] for t in detector.types]
    events = detector(nlp("Pro-Russian hackers hit the websites of three Ukrainian banks."))
    assert [e.type for e in events] == ["Cyber attack"]
    assert events[0].code is None and 0 < events[0].confidence <= 0.9
    assert detector(nlp("The bank ran a cyberattack drill on Monday.")) == []


def test_extra_file_extends_and_overrides_a_builtin_type(nlp, tmp_path, detector):
    sentence = "Kyiv and Moscow handed over 150 POWs to each other on Sunday."
    assert "Prisoner exchange" not in [e.type for e in detector(nlp(sentence))]
    extra = write_json(tmp_path / "pows.json", [{
        "type": "Prisoner exchange", "code": "PRISONER_SWAP",
        "patterns": [{"id": "hand-over-pows", "weight": 0.9, "pattern": [
            {"LEMMA": "hand"}, {"LOWER": "over"}, {"LIKE_NUM": True, "OP": "?"},
            {"LOWER": {"IN": ["pows", "prisoners"]}}]}]}])
    extended = EventDetector(nlp, extra_taxonomy=[extra])
    found = {e.type: e for e in extended(nlp(sentence))}
    assert found["Prisoner exchange"].code == "PRISONER_SWAP"
    builtin = next(t for t in load_taxonomy() if t["type"] == "Prisoner exchange")
    merged = next(t for t in extended.types if t["type"] == "Prisoner exchange")
    assert len(merged["patterns"]) == len(builtin["patterns"]) + 1


def test_extra_file_can_disable_a_type(nlp, tmp_path):
    extra = write_json(tmp_path / "off.json", {"types": [{"type": "Election", "enabled": False}]})
    detector = EventDetector(nlp, extra_taxonomy=[str(extra)])
    assert "Election" not in [t["type"] for t in detector.types]
    assert "Election" not in [e.type for e in detector(nlp("Voters elected a new parliament."))]


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"types": [{"code": "X", "patterns": []}]}), "'type' must be a non-empty string"),
    (json.dumps({"types": [{"type": "Drone strike", "patterns": [
        {"pattern": [{"LEMMMA": "drone"}]}]}]}), "invalid spaCy pattern"),
    (json.dumps({"types": [{"type": "Drone strike", "weight": 3, "patterns": [
        {"pattern": [{"LEMMA": "drone"}]}]}]}), "'weight' must be a number"),
    (json.dumps({"types": [{"type": "Drone strike", "code": "drone strike", "patterns": [
        {"pattern": [{"LEMMA": "drone"}]}]}]}), "UPPER_CASE code"),
    (json.dumps({"types": [{"type": "Drone strike", "patterns": []}]}),
     "needs at least one rule in 'patterns'"),
    (json.dumps({"types": [{"type": "Drone strike", "patterns": [
        {"pattern": [{"LEMMA": {"IN": ["$NOPE"]}}]}]}]}), "unknown lexicon list"),
    (json.dumps({"types": [{"type": "Drone strike", "triggers": []}]}), "unknown key(s)"),
    (json.dumps({"types": [{"type": "Drone strike", "patterns": [
        {"pattern": [{"LEMMA": "drone"}], "needs_context": True}]}]}), "no 'context' rules"),
    (json.dumps({"types": [{"type": "Drone strike", "patterns": [
        {"dep": [{"RIGHT_ID": "v", "RIGHT_ATTRS": {"LEMMA": "strike"}},
                 {"LEFT_ID": "v", "REL_OP": "~>", "RIGHT_ID": "o",
                  "RIGHT_ATTRS": {"LEMMA": "drone"}}]}]}]}), "invalid spaCy pattern"),
])
def test_bad_taxonomy_file_names_file_and_entry(tmp_path, content, message):
    bad = tmp_path / "my_events.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SearchkitError) as info:
        load_taxonomy([bad])
    text = str(info.value)
    assert str(bad) in text and message in text
    if "entry" in text:
        assert "entry 0" in text


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(SearchkitError, match="cannot read event taxonomy"):
        load_taxonomy([tmp_path / "absent.json"])


def test_bad_file_fails_the_detector_too(nlp, tmp_path):
    bad = write_json(tmp_path / "bad.json", [{"type": "X", "patterns": [{"weight": 0.5}]}])
    with pytest.raises(SearchkitError, match=re.escape(str(bad))):
        EventDetector(nlp, extra_taxonomy=[bad])


# ----------------------------------------------------------------------------- the matcher

def test_fast_matching_equals_spacy_matchers(nlp, detector):
    """Anchored, per-sentence matching finds exactly what spaCy's matchers find in a sentence."""
    from spacy.matcher import DependencyMatcher, Matcher

    from searchkit.extraction.events import _any_case

    matcher, dep_matcher, rule_of = Matcher(nlp.vocab), DependencyMatcher(nlp.vocab), {}
    for rule in detector._index.rules:
        key = f"{rule.kind}:{rule.type_index}:{rule.rule['id']}"
        rule_of[nlp.vocab.strings.add(key)] = key
        if "pattern" in rule.rule:
            matcher.add(key, [[_any_case(t) for t in rule.rule["pattern"]]])
        else:
            dep_matcher.add(key, [[{**n, "RIGHT_ATTRS": _any_case(n.get("RIGHT_ATTRS", {}))}
                                   for n in rule.rule["dep"]]])
    texts = [seed_body()] + [s for s, _ in SENTENCES]
    for doc in nlp.pipe(texts):
        sent_of = {t.i: si for si, s in enumerate(doc.sents) for t in s}
        expected = {(rule_of[k], frozenset(range(s, e))) for k, s, e in matcher(doc)
                    if sent_of[s] == sent_of[e - 1]}
        expected |= {(rule_of[k], frozenset(ids)) for k, ids in dep_matcher(doc)
                     if len(set(ids)) == len(ids) and len({sent_of[i] for i in ids}) == 1}
        found = {(f"{t.kind}:{t.type_index}:{t.rule['id']}", t.tokens)
                 for t in detector.triggers(doc)}
        assert found == expected


def test_triggers_explain_an_event(nlp, detector):
    doc = nlp("Russia and Ukraine swapped 95 prisoners of war.")
    fired = {(detector.types[t.type_index]["type"], t.rule["id"])
             for t in detector.triggers(doc) if t.kind == "patterns"}
    assert ("Prisoner exchange", "swap-prisoners") in fired


# ----------------------------------------------------------------------------- quality

def test_case2021_weighted_f1_meets_target(nlp, detector):
    """The issue's target on the CASE-2021 dev split: weighted F1 of the top code >= 0.60."""
    if not CASE.exists():
        pytest.skip(f"{CASE} is absent (the CASE-2021 split lives in ../shared/data)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_events",
                                                  REPO / "benchmarks" / "bench_events.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.read_case(CASE)
    pairs = [(r["gold"], bench.predict(detector(doc)))
             for r, doc in zip(rows, nlp.pipe([r["text"] for r in rows], batch_size=64))]
    assert bench.scores(pairs)["weighted_f1"] >= 0.60
