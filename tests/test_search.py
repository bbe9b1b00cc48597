"""Search: query language, multi-select facet counts against brute force, ranges, sort, paging."""
from __future__ import annotations

import pickle
import random
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

import searchkit
from searchkit.models import DEFERRED_HIT_FIELDS, SearchkitError, SearchRequest
from searchkit.ranking import weigh_repeats
from searchkit.search import _parser, build_query, parse_day


from conftest import write_jsonl

PEOPLE = ["Volodymyr Zelenskyy", "Vladimir Putin", "Sergei Lavrov", "Olaf Scholz", "Joe Biden"]
PLACES = ["Kyiv", "Moscow", "Berlin", "Kharkiv", "Odesa", "Washington"]
ORGS = ["NATO", "European Union", "Kremlin", "United Nations"]
EVENTS = ["Prisoner exchange", "Peace talks", "Sanctions", "Air strike"]
WORDS = ["prisoner", "exchange", "drone", "missile", "talks", "sanctions", "grain", "border",
         "soldiers", "ceasefire", "energy", "winter"]


def make_corpus(n=60, seed=7):
    rng = random.Random(seed)
    records = []
    for i in range(n):
        words = rng.sample(WORDS, 5)
        records.append({
            "id": f"doc-{i:03d}",
            "title": f"Report {i}: {words[0]} and {words[1]}",
            "date": f"{rng.choice([2021, 2023, 2024])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "source": rng.choice(["Wire A", "Wire B", "Paper C"]),
            "text": " ".join(rng.choice(words) for _ in range(40)) + ".",
            "people": rng.sample(PEOPLE, rng.randint(0, 3)),
            "places": rng.sample(PLACES, rng.randint(0, 3)),
            "orgs": rng.sample(ORGS, rng.randint(0, 2)),
            "event_types": rng.sample(EVENTS, rng.randint(0, 2)),
            "tags": rng.sample(["war", "economy", "diplomacy"], rng.randint(0, 2)),
        })
    return records


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    records = make_corpus()
    write_jsonl(tmp / "corpus.jsonl", records)
    summary = searchkit.index_paths([str(tmp / "corpus.jsonl")], index_dir=tmp / "ix", extract=False)
    assert summary.indexed == len(records)
    return records, searchkit.open_index(tmp / "ix")


def brute_counts(records, ids, filters, facet):
    """Counts of one facet over `ids` under every filter except the facet's own."""
    field = {"sources": "source"}.get(facet, facet)
    counts = Counter()
    for r in records:
        if r["id"] not in ids:
            continue
        if all(set(_values(r, {"sources": "source"}.get(f, f))) & set(v)
               for f, v in filters.items() if f != facet):
            counts.update(_values(r, field))
    return counts


def _values(record, field):
    value = record.get(field) or []
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("text,filters", [
    ("", {"places": ["Kyiv", "Moscow"]}),
    ("exchange", {"people": ["Vladimir Putin"], "places": ["Kyiv", "Berlin"]}),
    ("drone", {"orgs": ["NATO"], "event_types": ["Sanctions", "Air strike"], "sources": ["Wire A"]}),
    ("winter OR grain", {"tags": ["war"], "people": ["Joe Biden", "Olaf Scholz"]}),
])
def test_multi_select_counts_match_brute_force(corpus, text, filters):
    records, ix = corpus
    base = {h.id for h in ix.search(text, limit=1000, facets=()).hits}
    res = ix.search(text, filters=filters, limit=1000, facet_limit=None,
                    facets=("people", "places", "orgs", "event_types", "tags", "sources"))
    expected_hits = {r["id"] for r in records if r["id"] in base and all(
        set(_values(r, {"sources": "source"}.get(f, f))) & set(v) for f, v in filters.items())}
    assert {h.id for h in res.hits} == expected_hits
    assert res.total == len(expected_hits)
    for facet, values in res.facets.items():
        expected = brute_counts(records, base, filters, facet)
        got = {v.value: v.count for v in values if v.count}
        assert got == dict(expected), facet
        for v in values:
            assert v.selected == (v.value in filters.get(facet, ()))


def test_selected_value_listed_even_below_cut_off(corpus):
    _, ix = corpus
    everything = ix.search("", facets=("places",), facet_limit=None).facets["places"]
    rarest = everything[-1].value
    res = ix.search("", filters={"places": [rarest]}, facets=("places",), facet_limit=1)
    values = [v.value for v in res.facets["places"]]
    assert rarest in values and len(values) <= 2
    assert [v for v in res.facets["places"] if v.value == rarest][0].selected


def test_date_histogram_and_range(corpus):
    records, ix = corpus
    res = ix.search("", facets=("dates",), facet_limit=None, limit=0)
    # 2021-2024 spans more than 36 months: a histogram by year
    assert [v.value for v in res.facets["dates"]] == ["2021", "2023", "2024"]
    assert {v.value: v.count for v in res.facets["dates"]} == Counter(r["date"][:4] for r in records)
    ranged = ix.search("", date_from="2023-03", date_to="2023-06", limit=1000)
    expected = {r["id"] for r in records if "2023-03-01" <= r["date"] <= "2023-06-30"}
    assert {h.id for h in ranged.hits} == expected
    months = ix.search("", date_from="2023", date_to="2023", facets=("dates",), limit=0)
    assert all(v.value.startswith("2023-") for v in months.facets["dates"])
    picked = ix.search("", filters={"dates": ["2024"]}, limit=1000)
    assert picked.total == sum(r["date"].startswith("2024") for r in records)


def test_sort_and_stable_paging(corpus):
    records, ix = corpus
    newest = ix.search("", sort="newest", limit=1000).hits
    assert [h.date for h in newest] == sorted((h.date for h in newest), reverse=True)
    oldest = ix.search("", sort="oldest", limit=5).hits
    assert oldest[0].date == min(r["date"] for r in records)
    pages = [h.id for p in (1, 2, 3) for h in ix.search("missile", limit=4, page=p).hits]
    whole = [h.id for h in ix.search("missile", limit=12).hits]
    assert pages == whole
    assert ix.search("missile", limit=4, page=2).total == ix.search("missile").total


def test_query_language(corpus):
    records, ix = corpus
    def ids(q, **kw):
        return {h.id for h in ix.search(q, limit=1000, **kw).hits}
    def has(r, w):
        return w in (r["title"] + " " + r["text"]).lower().split() or w in r["title"].lower()
    assert ids("drone missile") == {r["id"] for r in records if has(r, "drone") and has(r, "missile")}
    assert ids("drone missile", match="any") == {r["id"] for r in records if has(r, "drone") or has(r, "missile")}
    assert ids("drone -missile") == {r["id"] for r in records if has(r, "drone") and not has(r, "missile")}
    assert ids("person:putin") == {r["id"] for r in records if "Vladimir Putin" in r["people"]}
    assert ids('event:"air strike"') == {r["id"] for r in records if "Air strike" in r["event_types"]}
    assert ids("place:kyiv drone") == {r["id"] for r in records if "Kyiv" in r["places"] and has(r, "drone")}
    assert ids("misile~") == ids("missile")
    assert "prison" in str(build_query(SearchRequest('"prisoner exchange"')))


def test_snippet_highlights_and_escapes(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "title": "<b>t</b>",
                                        "text": "A <script>alert(1)</script> drone hit the depot."}])
    searchkit.index_paths([str(tmp_path / "a.jsonl")], index_dir=tmp_path / "ix", extract=False)
    hit = searchkit.open_index(tmp_path / "ix").search("drone").hits[0]
    assert "<mark" in hit.snippet and ">drone</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_did_you_mean(corpus):
    _, ix = corpus
    res = ix.search("misile ceasfire")
    assert res.total == 0
    assert res.suggestion == "missile ceasefire"
    assert ix.search("missile").suggestion is None


def test_more_like_this_excludes_itself(corpus):
    records, ix = corpus
    res = ix.search(like="doc-005", limit=5)
    assert res.total > 0 and "doc-005" not in {h.id for h in res.hits}
    with pytest.raises(SearchkitError):
        ix.search(like="no-such-id")


def test_invalid_requests_are_usage_errors(corpus):
    _, ix = corpus
    for kwargs in ({"date_from": "yesterday"}, {"sort": "random"}, {"filters": {"colour": ["red"]}}):
        with pytest.raises(SearchkitError) as err:
            ix.search("drone", **kwargs)
        assert err.value.exit_code == 2
    assert parse_day("2024-02", end=True) - parse_day("2024-02") == 28


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(SearchkitError, match="searchkit index"):
        searchkit.open_index(tmp_path / "nothing")


WIRE = ("Ukraine and Russia exchanged ninety prisoners of war on Tuesday after talks brokered by "
        "the United Arab Emirates, officials in Kyiv said, the latest in a series of swaps this year "
        "that also returned the bodies of soldiers killed near Bakhmut and Avdiivka.")
SIGNUP = "Sign up for our morning newsletter and get the day's top stories in your inbox."


def test_near_identical_articles_fold_under_the_best_ranked(tmp_path):
    records = [
        {"id": "wire-a", "source": "Wire A", "title": "Prisoner swap", "text": WIRE},
        {"id": "wire-b", "source": "Wire B", "title": "Ukraine, Russia swap prisoners",
         "text": WIRE + " Reporting by staff."},
        {"id": "wire-c", "source": "Paper C", "title": "Prisoners exchanged", "text": "KYIV - " + WIRE},
        {"id": "other", "source": "Paper C", "title": "Prisoner exchange talks stall",
         "text": "Talks on a new prisoner exchange stalled in Istanbul, negotiators said."},
    ]
    write_jsonl(tmp_path / "w.jsonl", records)
    searchkit.index_paths([str(tmp_path / "w.jsonl")], index_dir=tmp_path / "ix", extract=False)
    ix = searchkit.open_index(tmp_path / "ix")
    folded = ix.search("prisoners", limit=10, facets=("sources",))
    assert folded.total == 4  # totals count articles
    assert len(folded.hits) == 2
    top = next(h for h in folded.hits if h.id.startswith("wire"))
    assert sorted([top.id, *top.duplicates]) == ["wire-a", "wire-b", "wire-c"]
    assert {v.value: v.count for v in folded.facets["sources"]} == {"Paper C": 2, "Wire A": 1, "Wire B": 1}
    every = ix.search("prisoners", limit=10, collapse=False)
    assert len(every.hits) == 4 and not any(h.duplicates for h in every.hits)
    assert [h.id for h in ix.iter_hits("prisoners")] == [h.id for h in folded.hits]


def test_more_like_this_ignores_boilerplate(tmp_path):
    topics = ["drone strike on a power plant in Kharkiv", "grain exports through Odesa port",
              "prisoner exchange brokered in Istanbul", "sanctions on Russian oil exports"]
    records = []
    for i in range(12):
        topic = topics[i % 4]
        records.append({"id": f"a{i}", "source": "Site", "url": f"https://news.example/{i}",
                        "title": topic.capitalize(),
                        "text": f"Officials reported a {topic}. The {topic} was the {i}th such event.\n"
                                f"{SIGNUP}\nAdvertisement"})
    write_jsonl(tmp_path / "b.jsonl", records)
    searchkit.index_paths([str(tmp_path / "b.jsonl")], index_dir=tmp_path / "ix", extract=False)
    ix = searchkit.open_index(tmp_path / "ix")
    like = ix.search(like="a0", limit=20, collapse=False)
    assert {h.id for h in like.hits[:2]} == {"a4", "a8"}, [h.id for h in like.hits]  # same topic
    assert "newslett" not in like.query and "advertis" not in like.query  # boilerplate left out
    assert "newsletter" not in ix.search("power plant").hits[0].snippet


def test_an_untitled_article_is_named_by_its_text_after_the_boilerplate(tmp_path):
    # A source that opens every text with the same line (a listen-to-this or sign-up
    # banner): the title an untitled hit is given must start at the article's own words.
    topics = ["drone strike on a power plant in Kharkiv", "grain exports through Odesa port",
              "prisoner exchange brokered in Istanbul", "sanctions on Russian oil exports"]
    records = [{"id": f"u{i}", "source": "Site", "url": f"https://news.example/{i}", "title": "",
                "text": f"{SIGNUP}\nOfficials reported a {topics[i % 4]}, the {i}th of the year."}
               for i in range(12)]
    write_jsonl(tmp_path / "u.jsonl", records)
    searchkit.index_paths([str(tmp_path / "u.jsonl")], index_dir=tmp_path / "ix", extract=False)
    hits = searchkit.open_index(tmp_path / "ix").search("officials", limit=None, collapse=False).hits
    assert len(hits) == 12
    assert all(h.title.startswith("Officials reported a ") for h in hits), [h.title for h in hits]


#: Words of plain queries: stop words, operators in and out of capitals, digits, repeats.
PLAIN_WORDS = st.sampled_from(["oil", "Oil", "prices", "the", "of", "a", "I", "and", "AND", "OR",
                               "or", "NOT", "not", "ANDNOT", "TO", "2024", "1", "x9", "wars",
                               "war", "Zelenskyy", "running", "runs", "date", "day", "title"])


@settings(max_examples=300, deadline=None)
@given(words=st.lists(PLAIN_WORDS, min_size=1, max_size=8),
       gaps=st.lists(st.sampled_from([" ", "  "]), min_size=8, max_size=8),
       match=st.sampled_from(["all", "any"]))
def test_plain_words_parse_as_whooshs_parser_does(words, gaps, match):
    """Plain words skip whoosh's parser: the query must be the one the parser makes."""
    text = "".join(w + g for w, g in zip(words, gaps)).strip()
    try:
        by_whoosh = weigh_repeats(_parser(match).parse(text, normalize=False)).normalize()
    except Exception:  # noqa: BLE001 - whoosh cannot read some runs of operators
        with pytest.raises(SearchkitError):
            build_query(SearchRequest(text, match=match))
        return
    assert repr(build_query(SearchRequest(text, match=match))) == repr(by_whoosh)


def test_a_row_keeps_each_amount_on_one_line():
    # The audit: an amount written across a line break ("4,790,000\nunits") broke CSV cells.
    from searchkit.models import Hit

    hit = Hit("a", "T", None, "", "", 1.0, "", amounts=(
        {"text": "4,790,000\nunits", "value": 4790000.0, "unit": "units", "kind": "count"},
        {"text": "EUR 5  mln", "value": 5e6, "unit": "EUR", "kind": "money"}))
    assert hit.to_row()["amounts"] == "4,790,000 units; EUR 5 mln"
    assert hit.to_dict()["amounts"][0]["text"] == "4,790,000\nunits"  # JSON keeps the article's text


def _hit_values(hit) -> dict:
    return {name: getattr(hit, name) for name in DEFERRED_HIT_FIELDS}


def test_deferred_hit_fields_hold_their_values_through_close_commits_and_pickling(tmp_path):
    """A hit's snippet and facet lists are computed when first read; read after the index
    was closed, after a commit changed the article, or after pickling, they are the values
    the search found (compared with a hit whose fields were read at once)."""
    records = make_corpus(12, seed=3)
    write_jsonl(tmp_path / "a.jsonl", records)
    searchkit.index_paths([str(tmp_path / "a.jsonl")], index_dir=tmp_path / "ix", extract=False)
    ix = searchkit.open_index(tmp_path / "ix")
    read_at_once = [_hit_values(h) for h in ix.search("prisoner OR drone", match="any", limit=None).hits]
    assert any(v["people"] for v in read_at_once) and all(v["snippet"] for v in read_at_once)

    ix.close()
    ix = searchkit.open_index(tmp_path / "ix")  # a reader that has not read these fields yet
    later = ix.search("prisoner OR drone", match="any", limit=None).hits
    shipped = pickle.loads(pickle.dumps(ix.search("prisoner OR drone", match="any", limit=None).hits))
    changed = [{**r, "people": ["Someone Else"], "title": "Note", "text": "nothing here at all"}
               for r in records]
    write_jsonl(tmp_path / "a.jsonl", changed)
    # --rebuild: a new store replaces the one the hits were found in, which is removed
    searchkit.index_paths([str(tmp_path / "a.jsonl")], index_dir=tmp_path / "ix", extract=False,
                          rebuild=True)
    assert ix.search("prisoner OR drone", match="any").total == 0  # the reader saw the commit
    ix.close()
    assert [_hit_values(h) for h in later] == read_at_once
    assert [_hit_values(h) for h in shipped] == read_at_once
