"""Canonical names: aliases (built-in and user files), titles, possessives, surnames, non-names."""
from __future__ import annotations

import json

import pytest
from spacy.tokens import Span

from searchkit.extraction import extract_text, load_nlp
from searchkit.extraction.canonical import join_surnames, load_aliases
from searchkit.models import SearchkitError
from conftest import shared_file


def people(text: str, **kw) -> list[str]:
    return extract_text(text, **kw).facets()["people"]


def test_variants_of_one_person_give_one_value():
    text = ("President Zelenskyy met reporters. Zelensky's aides said Zelenskyy would travel. "
            "Volodymyr Zelenskiy later spoke.")
    assert people(text) == ["Volodymyr Zelenskyy"]


def test_variants_of_one_country_give_one_value():
    ex = extract_text("The U.S. and the US agreed. United States officials said the "
                      "United States of America would pay.")
    assert ex.facets()["places"] == ["United States"]
    assert {m.country for m in ex.mentions} == {"US"}


def test_old_spellings_of_places_join_the_current_one():
    ex = extract_text("Kiev and Kharkov were shelled, while Odessa was quiet.")
    assert ex.facets()["places"] == ["Kyiv", "Kharkiv", "Odesa"]


def test_names_in_the_alias_data_are_found_even_when_the_model_misses_them():
    # The model tags neither "Lavrov" here nor anything as an org in "Kiev was hit".
    ex = extract_text("Kiev was hit. Lavrov spoke in Moscow.")
    assert ex.facets()["people"] == ["Sergei Lavrov"]
    assert ex.facets()["places"] == ["Kyiv", "Moscow"]


def test_titles_and_possessives_are_stripped():
    ex = extract_text("Donald Trump's presidency ended. Russia's foreign minister "
                      "Sergei Lavrov spoke, and Foreign Minister Lavrov left.")
    assert ex.facets()["people"] == ["Donald Trump", "Sergei Lavrov"]
    trump = next(m for m in ex.mentions if m.canonical == "Donald Trump")
    assert trump.text == "Donald Trump"  # the span itself lost its "'s"


def test_surname_only_mentions_join_the_full_name_in_the_article():
    text = ("Treasury Secretary James Baker said the dollar was stable. "
            "Baker told reporters he was confident.")
    ex = extract_text(text)
    bakers = [m for m in ex.mentions if m.kind == "person"]
    assert [m.text for m in bakers] == ["James Baker", "Baker"]
    assert {m.canonical for m in bakers} == {"James Baker"}


def test_an_untagged_given_name_joins_the_person():
    ex = extract_text("Valerii Zaluzhnyi, former head of Ukraine's armed forces, spoke. "
                      "Zaluzhnyi emphasized the limited capacity of Ukraine.")
    assert ex.facets()["people"] == ["Valerii Zaluzhnyi"]
    first = next(m for m in ex.mentions if m.kind == "person")
    assert (first.text, first.start) == ("Valerii Zaluzhnyi", 0)


def test_non_names_never_become_facet_values():
    """Pronouns, dates and lowercase words the model might tag are dropped."""
    nlp = load_nlp()
    from searchkit.extraction.pipeline import get_extractor

    doc = nlp("He said on Monday that the treasury and Ruslan Sidiki would pay.")
    he, monday, treasury = doc[0:1], doc[3:4], doc[6:7]
    assert (he.text, monday.text, treasury.text) == ("He", "Monday", "treasury")
    sidiki = next(e for e in doc.ents if e.text == "Ruslan Sidiki")
    doc.ents = [Span(doc, he.start, he.end, "PERSON"),
                Span(doc, monday.start, monday.end, "PERSON"),
                Span(doc, treasury.start, treasury.end, "ORG"),
                Span(doc, sidiki.start, sidiki.end, "PERSON")]
    mentions = get_extractor().entities(doc)
    assert [m.canonical for m in mentions] == ["Ruslan Sidiki"]


def test_a_capitalised_common_word_at_sentence_start_is_not_a_person():
    ex = extract_text("Debris was scattered across at least four districts.")
    assert ex.facets()["people"] == []


def test_capitalised_words_inside_sentences_keep_their_names():
    assert people("Patriot missiles were sent, Rice said.") == ["Rice"]
    assert people("He compared the invasion to Hitler and his generals.") == ["Hitler"]


def test_titles_and_lowercased_wires_keep_real_names():
    assert people("Hu said President Suharto has agreed in principle.") == ["Hu", "Suharto"]
    assert people("The debt will be met, prime minister edward seaga said today.") == \
        ["Edward Seaga"]
    assert people('Summing up the senate bill, Denman said "it would help."') == ["Denman"]
    # A plural-looking name is kept when it speaks (the model tags it PERSON here).
    assert people("The company expects lower taxes.\n    Flowers said losses suffered in "
                  "its West Texas operations rose.") == ["Flowers"]


def test_join_surnames_prefers_the_most_frequent_full_name():
    names = ["Howard Baker", "James Baker", "James Baker", "Baker", "Trump"]
    assert join_surnames(names) == {"Baker": "James Baker"}


def test_builtin_aliases_validate_and_resolve():
    table = load_aliases()
    assert table.find("Zelensky") == ("person", "Volodymyr Zelenskyy")
    assert table.find("U.S.") == ("place", "United States")
    assert table.find("us") is None  # short names match case exactly
    assert table.find("EU") == ("org", "European Union")
    assert table.is_title("President") and table.is_not_name("She")


def test_user_alias_file_merges_over_the_builtin_one(tmp_path):
    path = tmp_path / "aliases.json"
    path.write_text(json.dumps({
        "orgs": {"Energiya Plant": ["Energiya"]},
        "people": {"Ruslan Sidiki": ["R. Sidiki", "Sidiki"]},
        "places": {"Bakhmut": {"aliases": ["Artyomovsk"], "country": "UA"}},
    }), encoding="utf-8")
    text = ("Ukraine struck the Energiya plant in Lipetsk. Sidiki was sentenced in Moscow. "
            "Zelensky visited Artyomovsk.")
    ex = extract_text(text, aliases=path)
    facets = ex.facets()
    assert "Energiya Plant" in facets["orgs"]
    assert facets["people"] == ["Ruslan Sidiki", "Volodymyr Zelenskyy"]  # built-ins still apply
    assert "Bakhmut" in facets["places"]
    # Without the user file the built-in table is unchanged.
    assert "Energiya Plant" not in extract_text(text).facets()["orgs"]


def test_an_alias_written_in_capitals_is_found_as_written(tmp_path):
    # The audit: a user's "JQP" became the person "Jqp" (case was changed before the look-up).
    path = tmp_path / "aliases.json"
    path.write_text(json.dumps({"people": {"Jane Q. Public": ["JQP", "Jane Public"]}}))
    assert extract_text("Officials said JQP would resign.", aliases=path).facets()["people"] == [
        "Jane Q. Public"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "invalid JSON"),
    ('["a list"]', "expected a JSON object"),
    ('{"people": {"X": "not a list"}}', "people['X']"),
    ('{"places": {"Y": {"country": "Ukraine"}}}', "ISO 3166 alpha-2"),
    ('{"places": {"Y": {"lat": 123}}}', "lat must be a number"),
    ('{"gods": {}}', "unknown section"),
    ('{"titles": ["ok", ""]}', "non-empty strings"),
])
def test_bad_alias_files_raise_an_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad-aliases.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SearchkitError) as err:
        load_aliases(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_missing_alias_file_is_a_clear_error(tmp_path):
    with pytest.raises(SearchkitError, match="cannot read alias file"):
        extract_text("Kyiv.", aliases=tmp_path / "nope.json")


@pytest.mark.parametrize("text, expected", [
    # A lowercase word glued on by a hyphen is part of the name, not a tail to cut.
    ("United Nations Secretary-General Ban Ki-moon condemned the attack.",
     ("person", "Ban Ki-moon")),
    ("Chairman Chung Mong-koo said in the statement that sales rose.",
     ("person", "Chung Mong-koo")),
    # A name the model cut before a hyphenated link takes the rest.
    ("Baitullah Mehsud, the leader of Tehrik-i-Taliban, said the group would fight.",
     ("org", "Tehrik-i-Taliban")),
    # An organisation's name the model cut after "of the" takes the capitalised rest.
    ("Prices fell 0.7% in December, according to figures from the Office of the Deputy "
     "Prime Minister.", ("org", "Office of the Deputy Prime Minister")),
    # A person described by an apposition stays a person whatever the surname means.
    ("The filing was attacked. Mike Lake, a spokesman for the lawyers, said the case was weak.",
     ("person", "Mike Lake")),
])
def test_span_repairs_keep_whole_names(text, expected):
    assert expected in [(m.kind, m.text) for m in extract_text(text).mentions]


def test_a_thing_the_model_calls_a_person_inside_a_place_phrase_is_dropped():
    ex = extract_text("I think he will have an impact in the Premiership because he manages "
                      "his team well.")
    assert "Premiership" not in [m.text for m in ex.mentions]


def test_context_words_tell_works_and_groups_from_people():
    text = ("Aguilera burst onto the pop scene in 1999. Her hits include the track Dirrty, "
            "which reached number one. Indie dance band Kasabian built up a cult following "
            "throughout 2004. Budget airline Ryanair has placed an order for 70 planes. "
            "The Oscar-winning actress arrived.")
    found = {m.text: m.kind for m in extract_text(text).mentions}
    assert "Dirrty" not in found and "Oscar" not in found  # a song title; an award
    assert found["Kasabian"] == "org" and found["Ryanair"] == "org"
    assert found["Aguilera"] == "person"


def test_role_words_and_nationality_nouns_are_not_names():
    found = [(m.kind, m.text) for m in extract_text(
        "Striker Nacho Novo scored twice. The Frenchman told reporters he was happy.").mentions]
    assert ("person", "Nacho Novo") in found
    assert all(text != "Frenchman" for _k, text in found)


def _bbc_article(article_id: str) -> str:
    with shared_file("news/bbc.jsonl").open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record["id"] == article_id:
                return record["text"]
    raise AssertionError(f"{article_id} not in bbc.jsonl")


def test_a_title_of_english_words_no_gazetteer_knows_is_no_place():
    # The model tags the song "Jailhouse Rock" a place; nothing in the article uses it as one.
    places = [m.text for m in extract_text(_bbc_article("bbc-entertainment-112")).mentions
              if m.kind == "place"]
    assert "Jailhouse Rock" not in places and "UK" in places


def test_regions_no_gazetteer_knows_stay_places():
    found = [(m.kind, m.text) for m in extract_text(
        "Floods hit Eastern Ukraine and Central Asia, and storms crossed the Indian Ocean. "
        "He lives in Springfield, Ill., and works in Chicago.").mentions]
    for name in ("Eastern Ukraine", "Central Asia", "Indian Ocean", "Ill."):
        assert ("place", name) in found


def test_squad_lists_read_sides_in_brackets_and_names_in_line_ups():
    # "Jon Dunbar (Leeds Tykes)": the bracket after a player is his club, not a person.
    squad = {(m.kind, m.text) for m in extract_text(_bbc_article("bbc-sport-295")).mentions}
    assert ("org", "Leeds Tykes") in squad and ("person", "Leeds Tykes") not in squad
    assert ("person", "Jon Dunbar") in squad
    # A line-up of surnames: an unknown word the model took for a place is a player.
    line_up = {(m.kind, m.text) for m in extract_text(_bbc_article("bbc-sport-325")).mentions}
    assert ("person", "Windo") in line_up and ("place", "Windo") not in line_up


def test_a_role_in_brackets_after_an_actor_stays_a_person():
    found = {(m.kind, m.text) for m in extract_text(
        "The film starred Kate Winslet (Clementine Kruczynski) and Jim Carrey (Joel Barrish).").mentions}
    assert ("org", "Clementine Kruczynski") not in found


def test_an_org_that_starts_with_a_given_name_is_a_person_but_firms_stay_firms():
    text = "Fabien Galthie praised Serge Betsen and Imanol Harinordoquy after the win."
    assert ("Imanol Harinordoquy", "ORG") in [(e.text, e.label_) for e in load_nlp()(text).ents]
    assert ("person", "Imanol Harinordoquy") in {(m.kind, m.text)
                                                for m in extract_text(text).mentions}
    firms = "Shares of General Motors and Salomon Brothers fell, Dean Witter Reynolds said."
    assert not {"General Motors", "Salomon Brothers"} & {
        m.text for m in extract_text(firms).mentions if m.kind == "person"}


@pytest.mark.parametrize("word, known", [("Fabien", True), ("Olena", True),
                                         ("Gazprom", False), ("budget", False)])
def test_given_names(word, known):
    from searchkit.extraction.given_names import is_given_name
    assert is_given_name(word) is known


def test_a_person_ending_in_a_plural_noun_is_a_team_unless_a_given_name_starts_it():
    text = "The hosts were beaten by Sale Sharks at Edgeley Park on Sunday."
    assert ("Sale Sharks", "PERSON") in [(e.text, e.label_) for e in load_nlp()(text).ents]
    assert ("org", "Sale Sharks") in {(m.kind, m.text) for m in extract_text(text).mentions}
    found = {(m.kind, m.text) for m in extract_text(
        "Sarah Waters was shortlisted for the Booker prize.").mentions}
    assert ("person", "Sarah Waters") in found
