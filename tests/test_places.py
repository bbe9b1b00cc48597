"""Places: the geonames gazetteer, and place mentions the model mislabels or misses."""
from __future__ import annotations

import pytest

from searchkit.extraction import extract_text
from searchkit.extraction.places import find_dateline, get_gazetteer, looks_like_demonym


@pytest.fixture(scope="module")
def gaz():
    return get_gazetteer()


def places(text: str) -> dict[str, str | None]:
    return {m.canonical: m.country for m in extract_text(text).mentions if m.kind == "place"}


@pytest.mark.parametrize("name, expected, country", [
    ("Kiev", "Kyiv", "UA"),            # an alternate name of a city
    ("Lipetsk", "Lipetsk", "RU"),
    ("Georgia", "Georgia", "GE"),      # the country before the US state
    ("London", "London", "GB"),        # the biggest London
    ("Netherlands", "Netherlands", "NL"),
    ("California", "California", "US"),
    ("Europe", "Europe", None),
])
def test_gazetteer_prefers_countries_and_big_cities(gaz, name, expected, country):
    place = gaz.lookup(name)
    assert (place.name, place.country) == (expected, country)
    assert place.lat is not None and place.lon is not None


def test_gazetteer_short_names_must_match_case(gaz):
    assert gaz.lookup("Of") is not None and gaz.lookup("of") is None
    assert gaz.lookup("Debris") is None


def test_a_city_the_model_calls_a_person_or_an_organisation_is_a_place():
    text = ("Overnight into Saturday, Kyiv was subjected to a drone assault. Ukraine struck "
            "a weapons plant located in Lipetsk.")
    assert places(text) == {"Kyiv": "UA", "Ukraine": "UA", "Lipetsk": "RU"}


def test_cities_listed_with_a_place_are_places():
    # The model tags "Sumy" PERSON and "Poltava" ORG here.
    assert places("Shelling hit Kharkiv, Sumy and Poltava.") == {
        "Kharkiv": "UA", "Sumy": "UA", "Poltava": "UA"}


def test_untagged_place_names_are_found_with_evidence():
    # The model leaves "Donetsk" untagged; it is listed with "Crimea".
    assert places("Kyiv was hit. Donetsk and Crimea too.") == {
        "Kyiv": "UA", "Donetsk": "UA", "Crimea": "UA"}


def test_companies_and_people_named_like_towns_stay_what_they_are():
    ex = extract_text("Toyota said its profits rose. Jesse Jackson spoke in Chicago. "
                      "Jackson said he would run.")
    f = ex.facets()
    assert f["orgs"] == ["Toyota"] and f["people"] == ["Jesse Jackson"]
    assert f["places"] == ["Chicago"]


def test_nationalities_are_not_places():
    ex = extract_text("Ukrainian troops advanced. The Ukrainian army said Russian soldiers "
                      "left Iraqi and Chinese positions near Bakhmut.")
    assert ex.facets()["places"] == ["Bakhmut"]


def test_demonyms_are_recognised_from_country_names():
    countries = get_gazetteer().country_names()
    for word in ("Ukrainian", "Iraqi", "Moldovan", "Chinese", "German", "Israelis"):
        assert looks_like_demonym(word, countries), word
    # Names that merely start like a country are not demonyms.
    for word in ("Lipetsk", "Denman", "Francis", "Jordan", "Indiana"):
        assert not looks_like_demonym(word, countries), word


def test_dateline_is_a_place_read_within_its_region():
    ex = extract_text("CAMBRIDGE, Mass., March 11 - Oper shr loss six cts vs profit seven cts")
    first = ex.mentions[0]
    assert (first.text, first.canonical, first.country) == ("CAMBRIDGE", "Cambridge", "US")
    assert 42 < first.lat < 43  # Cambridge, Massachusetts, not England
    assert places("LONDON, April 3 - Prices fell.") == {"London": "GB"}


def test_find_dateline_needs_a_leading_all_caps_place():
    assert find_dateline("KYIV, May 23 (Reuters) - Shelling.") == (0, 4)
    assert find_dateline("The US said on Monday.") is None


def test_lowercase_country_names_still_count():
    # Lowercase words are dropped as junk, except a country the model tagged as a place.
    assert places("Exports to jamaica and Kenya rose.") == {"Jamaica": "JM", "Kenya": "KE"}
