"""Extraction end to end with the real English model: the seed article, offsets, the API."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.extraction import extract_articles, extract_text, load_nlp
from searchkit.models import Article, Extraction

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


def test_seed_event_types_when_the_detector_is_present(seed):
    from searchkit.extraction import pipeline

    if pipeline._event_detector(load_nlp()) is None:
        pytest.skip("searchkit/extraction/events.py is not present yet")
    _text, ex = seed
    assert "Prisoner exchange" in ex.facets()["event_types"]


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
