"""Extraction end to end with the real English model: the seed article, offsets, the API."""
from __future__ import annotations

import json
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest

from searchkit.extraction import extract_articles, extract_text, load_nlp
from searchkit.models import Article, Extraction
from conftest import shared_file

SEED = Path(__file__).resolve().parents[1] / "seeds" / "kyiv-prisoner-exchange.md"


def seed_text() -> str:
    """The seed article's body (the part after its front matter)."""
    raw = SEED.read_text(encoding="utf-8")
    return raw.split("---\n", 2)[2] if raw.startswith("---\n") else raw


@pytest.fixture(scope="module")
def seed() -> tuple[str, Extraction]:
    text = seed_text()
    return text, extract_text(text, title="Escalating Tensions: Kyiv Faces Heavy Attacks")


def test_seed_people(seed):
    _text, ex = seed
    people = ex.facets()["people"]
    for name in ("Volodymyr Zelenskyy", "Valerii Zaluzhnyi", "Sergei Lavrov", "Ruslan Sidiki",
                 "Donald Trump"):
        assert name in people
    # "Debris was scattered..." is tagged PERSON by the model: a capital, not a name.
    assert "Debris" not in people
    assert "Zaluzhnyi" not in people  # the surname-only mention joined the full name


def test_seed_places_resolve_with_country_and_coordinates(seed):
    _text, ex = seed
    places = {m.canonical: m for m in ex.mentions if m.kind == "place"}
    for name in ("Kyiv", "Ukraine", "Russia", "Lipetsk", "United Kingdom", "Europe",
                 "United States"):
        assert name in places, name
    assert (places["Kyiv"].country, places["Lipetsk"].country) == ("UA", "RU")
    assert places["Ukraine"].country == "UA" and places["United Kingdom"].country == "GB"
    assert 50 < places["Kyiv"].lat < 51 and 30 < places["Kyiv"].lon < 31
    assert 52 < places["Lipetsk"].lat < 53 and 39 < places["Lipetsk"].lon < 40
    # Nationalities are not places.
    assert not {"Russian", "Ukrainian", "Ukrainians"} & set(places)


def test_seed_orgs(seed):
    _text, ex = seed
    orgs = ex.facets()["orgs"]
    assert "European Union" in orgs and "Kremlin" in orgs
    assert orgs.count("Kremlin") == 1  # facet values are unique per article


def test_seed_amounts(seed):
    _text, ex = seed
    got = {(a.text, a.value, a.unit, a.kind) for a in ex.amounts}
    assert ("€150 billion", 150e9, "EUR", "money") in got
    assert ("€800 billion", 800e9, "EUR", "money") in got
    assert ("390 Ukrainians", 390.0, "people", "count") in got
    assert ("29 years", 29.0, "years", "duration") in got
    money = next(a for a in ex.amounts if a.value == 150e9)
    assert money.sentence.startswith("Meanwhile, a substantial €150 billion loan program")


def test_seed_offsets_slice_back_to_the_text(seed):
    text, ex = seed
    assert ex.mentions and ex.amounts
    for item in (*ex.mentions, *ex.amounts):
        assert text[item.start:item.end] == item.text
    for e in ex.events:
        assert 0 <= e.start < e.end <= len(text)
    kyiv = next(m for m in ex.mentions if m.canonical == "Kyiv")
    assert text[kyiv.start:kyiv.end] == "Kyiv"


def test_seed_event_types_are_detected_and_facets_hold_the_attached_ones(seed):
    _text, ex = seed
    by_type = {e.type: e for e in ex.events}
    assert "Prisoner exchange" in by_type
    assert "prisoner exchange" in by_type["Prisoner exchange"].evidence
    attached = [e.type for e in ex.events if e.attached]
    expected = ([ex.main_event] if ex.main_event else []) + \
        [t for t in attached if t != ex.main_event]
    assert ex.facets()["event_types"] == expected
    assert ex.to_dict()["main_event"] == ex.main_event


def test_extract_articles_streams_in_order_with_offsets_into_the_text():
    articles = [
        Article(id="a", title="Putin speaks", text="Sergei Lavrov met reporters in Moscow."),
        Article(id="b", title="", text="Kiev was hit overnight, officials said."),
        Article(id="c", title="Zelenskyy in Kyiv", text="No names here at all."),
    ]
    stream = extract_articles(iter(articles), batch_size=2)
    assert iter(stream) is stream  # a generator, not a list
    out = list(stream)
    assert [a.id for a, _ex in out] == ["a", "b", "c"]
    lavrov = out[0][1].mentions[0]
    assert (lavrov.canonical, lavrov.start) == ("Sergei Lavrov", 0)
    assert out[1][1].facets()["places"] == ["Kyiv"]
    # Names only in the title are not mentions.
    assert out[0][1].facets()["people"] == ["Sergei Lavrov"]
    assert out[2][1].mentions == ()


def test_empty_text_gives_an_empty_extraction():
    ex = extract_text("")
    assert ex.mentions == () and ex.amounts == ()


def test_model_is_loaded_once_with_the_pipes_extraction_needs():
    nlp = load_nlp()
    assert load_nlp() is nlp
    assert {"ner", "parser", "lemmatizer"} <= set(nlp.pipe_names)


def test_importing_searchkit_and_the_extract_package_does_not_import_spacy():
    code = ("import sys, searchkit, searchkit.extraction, searchkit.extraction.pipeline; "
            "print('spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_searchkit_extract_stays_the_function_on_every_call_and_old_imports_work():
    """The package was renamed so that the README's `searchkit.extract(...)` works twice."""
    code = (
        "import searchkit\n"
        "from searchkit.extract import extract_text\n"
        "from searchkit.extract.pipeline import load_nlp\n"
        "import searchkit.extract\n"
        "import searchkit.extraction.pipeline as new\n"
        "assert new.load_nlp is load_nlp and new.__spec__.name == 'searchkit.extraction.pipeline'\n"
        "first = searchkit.extract('Kyiv was hit.').facets()['places']\n"
        "second = searchkit.extract('Kyiv was hit.').facets()['places']\n"
        "print(first, second, extract_text('Kyiv was hit.').facets()['places'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "['Kyiv'] ['Kyiv'] ['Kyiv']"


# ----------------------------------------------------------------------------- main event

def test_the_headline_event_is_the_main_event_and_comes_first():
    text = ("Police arrested 12 people in Minsk on Sunday, the interior ministry said. "
            "Earlier, a car bomb exploded near a market in the south of the city on Saturday, "
            "killing two people, and a second car bomb was defused by police nearby.")
    ex = extract_text(text, title="Car bomb kills two at market in Minsk")
    assert ex.main_event == "Remote explosive / IED"
    assert ex.facets()["event_types"][0] == "Remote explosive / IED"


def test_no_main_event_when_title_and_lead_report_none():
    text = ("The museum opened a new wing dedicated to medieval tapestries on Friday. "
            "Visitors queued for hours. The curator said the collection took years to build. "
            "Separately, police arrested two men in the city centre on Friday night after a "
            "fight outside a bar, and both were charged with assault.")
    ex = extract_text(text, title="Museum opens tapestry wing")
    assert ex.main_event is None


def test_short_texts_report_their_event():
    """The README example: a one-sentence text is all headline and lead."""
    ex = extract_text("Kyiv was hit by drones.")
    assert ex.facets()["event_types"] == ["Drone or missile attack"]
    assert ex.main_event == "Drone or missile attack"


# ----------------------------------------------------------------------------- two stages

def real_articles(n_bbc: int = 12, n_war: int = 12) -> list[Article]:
    rows = []
    for corpus, n in (("bbc", n_bbc), ("ukraine_war", n_war)):
        with shared_file(f"news/{corpus}.jsonl").open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in islice(handle, n)]
    return [Article(id=r["id"], text=r["text"], title=r.get("title") or "", date=r.get("date"))
            for r in rows]


def more_real_articles(n: int = 10) -> list[Article]:
    """The first `n` of wikinews_crisis and Reuters, and two articles where an entity rule
    once read the parse of a sentence stage two had left out (an of-phrase)."""
    wanted = {"reuters-262", "gdelt-ua-3860117595"}
    rows = []
    for corpus in ("wikinews_crisis", "reuters21578", "ukraine_war"):
        with shared_file(f"news/{corpus}.jsonl").open(encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                record = json.loads(line)
                if (i < n and corpus != "ukraine_war") or record["id"] in wanted:
                    rows.append(record)
    return [Article(id=r["id"], text=r.get("text") or "", title=r.get("title") or "",
                    date=r.get("date")) for r in rows]


def test_two_stage_output_equals_parsing_every_sentence_on_real_articles():
    """Choosing sentences for the parse changes nothing a rule reads: the Extractions equal
    those of the same pipeline with every sentence parsed (same sentence boundaries)."""
    from searchkit.extraction.pipeline import get_extractor
    from searchkit.extraction.stages import TwoStageParser

    articles = real_articles() + more_real_articles()
    extractor = get_extractor()
    everything = TwoStageParser(extractor.nlp, lambda doc: [True] * len(list(doc.sents)))
    chosen = [sum(extractor.two_stage.needs(d)) for d in extractor.parse(
        [a.text for a in articles])]
    assert 0 < sum(chosen)
    for article, doc_all, doc_two in zip(articles, everything.pipe([a.text for a in articles]),
                                         extractor.parse([a.text for a in articles])):
        assert extractor(doc_two, date=article.date) == extractor(doc_all, date=article.date), \
            article.id


def test_parsed_sentences_match_a_full_parse_where_boundaries_agree():
    """Tags, lemmas and trees of the sentences stage two parses equal the full pipeline's
    wherever both put the same sentence boundaries (the 4 tokens of context suffice)."""
    from searchkit.extraction.pipeline import get_extractor

    extractor = get_extractor()
    texts = [a.text for a in real_articles(8, 8)]
    compared = 0
    for two, full in zip(extractor.parse(texts), extractor.parse(texts, full=True)):
        spans = {(s.start, s.end) for s in full.sents}
        for sent, wanted in zip(two.sents, extractor.two_stage.needs(two)):
            if wanted and (sent.start, sent.end) in spans:
                for tok in sent:
                    other = full[tok.i]
                    assert (tok.tag_, tok.pos_, tok.lemma_, tok.dep_, tok.head.i) == \
                        (other.tag_, other.pos_, other.lemma_, other.dep_, other.head.i)
                    compared += 1
    assert compared > 500


def test_worker_processes_give_the_same_extractions_in_order():
    articles = real_articles(4, 4)
    here = list(extract_articles(articles, batch_size=3))
    there = list(extract_articles(articles, batch_size=3, n_process=2))
    assert [a.id for a, _ in there] == [a.id for a in articles]
    assert [ex for _, ex in there] == [ex for _, ex in here]


def test_resolve_workers():
    import os

    from searchkit.extraction.workers import resolve_workers
    from searchkit.models import SearchkitError

    assert resolve_workers("auto") == (os.cpu_count() or 1)
    assert resolve_workers(3) == 3 and resolve_workers("2") == 2
    for bad in (0, "-1", "many", 1.5):
        with pytest.raises(SearchkitError, match="workers"):
            resolve_workers(bad)
