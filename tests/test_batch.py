"""Batch searches on a real index: file formats, outputs equal to the library's, validation,
hostile names, a failing search among good ones, and the batch's own index page.

The index is built once per module, without NLP, from a small JSONL corpus whose records
carry their facets; one test runs a batch on the seed corpus indexed with real extraction.
"""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import searchkit
from searchkit.batch import (CSV_COLUMNS, LIST_SEPARATOR, file_stem, iter_batch,
                             load_searches, run_batch)
from searchkit.models import SearchkitError, SearchRequest

from conftest import write_jsonl

RECORDS = [
    {"id": "a1", "title": "Prisoner exchange agreed in Istanbul", "date": "2024-05-10",
     "source": "Wire One", "url": "https://example.org/a1",
     "text": "Russia and Ukraine agreed a prisoner exchange after R&D talks <in Istanbul>.",
     "people": ["Volodymyr Zelenskyy"], "places": ["Istanbul", "Ukraine"],
     "orgs": ["United Nations"], "event_types": ["Prisoner exchange"], "tags": ["war"]},
    {"id": "a2", "title": "Second prisoner exchange", "date": "2024-06-02",
     "source": "Wire Two", "url": "https://example.org/a2",
     "text": "A second prisoner exchange returned 90 soldiers to Ukraine.",
     "people": ["Volodymyr Zelenskyy", "Rustem Umerov"], "places": ["Ukraine"],
     "event_types": ["Prisoner exchange"], "tags": ["war", "diplomacy"]},
    {"id": "a3", "title": "Drone attack on Kyiv", "date": "2024-06-20", "source": "Wire One",
     "text": "Drones struck Kyiv overnight; the mayor said power was cut.",
     "people": ["Vitali Klitschko"], "places": ["Kyiv", "Ukraine"],
     "event_types": ["Drone or missile attack"]},
    {"id": "a4", "title": "Grain deal talks resume", "date": "2023-11-03", "source": "Wire Two",
     "text": "Talks on the grain deal resumed in Istanbul with the United Nations.",
     "places": ["Istanbul"], "orgs": ["United Nations"], "event_types": ["Peace talks"]},
    {"id": "hostile", "title": "<script>alert('t')</script> exchange & more",
     "date": "2024-07-01", "source": "<b>Evil</b> Wire",
     "text": "An exchange of <b>fire</b> & words; \"quoted\" text.",
     "people": ["<img src=x onerror=alert(1)>"], "tags": ["</script>"]},
]
#: The three searches of the main batch, as a JSON list.
SEARCHES = [
    {"name": "Prisoner exchanges", "query": "prisoner exchange",
     "people": ["Volodymyr Zelenskyy"], "from": "2024-01", "sort": "oldest"},
    {"name": "Istanbul", "query": "", "places": ["Istanbul"], "match": "any", "limit": 1},
    {"name": "Exchange <b>any</b>", "query": "exchange", "tags": ["war", "</script>"]},
]
#: The same searches, as the SearchRequests a script would write by hand.
REQUESTS = {
    "Prisoner exchanges": SearchRequest("prisoner exchange",
                                        filters={"people": ("Volodymyr Zelenskyy",)},
                                        date_from="2024-01", sort="oldest", limit=1000),
    "Istanbul": SearchRequest("", filters={"places": ("Istanbul",)}, match="any", limit=1),
    "Exchange <b>any</b>": SearchRequest("exchange", filters={"tags": ("war", "</script>")},
                                         limit=1000),
}
TOML = '''
[[search]]
name = "Prisoner exchanges"
query = "prisoner exchange"
people = ["Volodymyr Zelenskyy"]
from = "2024-01"
sort = "oldest"

[[search]]  # a comment
name = "Istanbul"
query = ""
places = ["Istanbul"]
match = "any"
limit = 1

[[search]]
name = "Exchange <b>any</b>"
query = "exchange"
tags = ["war", "</script>"]
'''


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batch-corpus")
    corpus = write_jsonl(root / "corpus.jsonl", RECORDS)
    summary = searchkit.index_paths([str(corpus)], index_dir=root / "index", extract=False)
    assert summary.indexed == len(RECORDS) and not summary.skipped
    return root / "index"


@pytest.fixture(scope="module")
def ix(index_dir):
    return searchkit.open_index(index_dir)


@pytest.fixture(scope="module")
def batch(index_dir, tmp_path_factory):
    """The main batch, run once: (summary, out_dir)."""
    root = tmp_path_factory.mktemp("batch-run")
    searches = root / "weekly.json"
    searches.write_text(json.dumps(SEARCHES, indent=2), encoding="utf-8")
    summary = run_batch(index_dir, searches, root / "out", max_hits=1000)
    return summary, root / "out"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ input formats


def test_json_list_json_object_and_toml_read_alike(tmp_path):
    as_object = {s["name"]: {k: v for k, v in s.items() if k != "name"} for s in SEARCHES}
    files = [write(tmp_path / "list.json", json.dumps(SEARCHES)),
             write(tmp_path / "object.json", json.dumps(as_object)),
             write(tmp_path / "wrapped.json", json.dumps({"searches": SEARCHES})),
             write(tmp_path / "list.toml", TOML),
             write(tmp_path / "searches.txt", TOML)]  # no telling suffix: JSON, then TOML
    for path in files:
        searches = load_searches(path)
        assert [s.name for s in searches] == list(REQUESTS), path.name
        for s in searches:
            assert s.request_for(1000) == REQUESTS[s.name], (path.name, s.name)


def test_toml_tables_are_named_searches_with_their_lines(tmp_path):
    path = write(tmp_path / "tables.toml", '# weekly digest\n\n["Kyiv strikes"]\n'
                 'query = "drone"\nplaces = ["Kyiv"]\nto = 2024-06-30\n\n[grain]\n'
                 'query = "grain deal"\namount_min = 5\ncurrency = "eur"\n')
    kyiv, grain = load_searches(path)
    assert (kyiv.name, kyiv.origin) == ("Kyiv strikes", f"{path}:3")
    assert kyiv.request.date_to == "2024-06-30"  # a bare TOML date is taken as its text
    assert (grain.name, grain.origin) == ("grain", f"{path}:8")
    assert (grain.request.amount_min, grain.request.currency) == (5.0, "EUR")


def test_json_searches_know_their_lines_in_every_form(tmp_path):
    wrapped = write(tmp_path / "w.json", '{\n "searches": [\n  {"name": "a"},\n\n'
                    '  {"name": "b"}\n ]\n}\n')
    assert [s.origin for s in load_searches(wrapped)] == [f"{wrapped}:3", f"{wrapped}:5"]
    named = write(tmp_path / "n.json", '{\n "x y": {"query": "q"},\n "z":\n'
                  '   {"people": ["A"]}\n}\n')
    assert [(s.name, s.origin) for s in load_searches(named)] == \
        [("x y", f"{named}:2"), ("z", f"{named}:3")]


# ------------------------------------------------------------------ outputs


def test_json_output_is_the_librarys_result(batch, ix):
    summary, out = batch
    assert not summary.failed
    for outcome in summary.outcomes:
        written = json.loads((out / outcome.files["json"]).read_text(encoding="utf-8"))
        expected = ix.run(REQUESTS[outcome.name]).to_dict()
        assert written == expected
        assert outcome.total == expected["total"]
    # The searches really select: totals differ from the whole corpus and from each other.
    totals = [o.total for o in summary.outcomes]
    assert 0 < min(totals) and max(totals) < len(RECORDS)
    assert summary.outcomes[1].hits == 1 < summary.outcomes[1].total  # its own limit


def test_csv_rows_are_the_hits(batch, ix):
    summary, out = batch
    for outcome in summary.outcomes:
        result = ix.run(REQUESTS[outcome.name])
        with open(out / outcome.files["csv"], encoding="utf-8", newline="") as fh:
            header, *lines = list(csv.reader(fh))
        assert header == list(CSV_COLUMNS)
        rows = [dict(zip(header, line)) for line in lines]
        assert [r["id"] for r in rows] == [h.id for h in result.hits]
        for rank, (row, hit) in enumerate(zip(rows, result.hits), 1):
            assert row["rank"] == str(rank)
            assert (row["title"], row["date"], row["source"], row["url"]) == \
                (hit.title, hit.date, hit.source, hit.url)
            assert float(row["score"]) == hit.score
            for key in ("people", "places", "orgs", "event_types", "tags"):
                assert row[key] == LIST_SEPARATOR.join(getattr(hit, key)), key
            assert "<mark" not in row["snippet"] and "&amp;" not in row["snippet"]
            assert re.sub(r"\W+", "", row["snippet"]) == \
                re.sub(r"\W+", "", re.sub(r"<[^>]+>|&#?\w+;", "", hit.snippet))


def test_csv_snippet_is_plain_text(batch):
    _, out = batch
    with open(out / "Exchange-b-any-b.csv", encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    # The hostile article's text as written, and a real hit's marked word without its tags.
    assert "<b>fire</b> & words" in rows["hostile"]["snippet"]
    assert "<script>alert('t')</script>" in rows["hostile"]["title"]
    assert "R&D talks <in Istanbul>" in rows["a1"]["snippet"]


def test_summary_json_lists_every_search(batch):
    summary, out = batch
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in data["results"]] == list(REQUESTS)
    for entry, outcome in zip(data["results"], summary.outcomes):
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["total"] == outcome.total
        assert set(entry["files"]) == {"json", "csv", "report"}
        for name in entry["files"].values():
            assert (out / name).is_file()


def test_reports_hold_their_search(batch):
    summary, out = batch
    for outcome in summary.outcomes:
        page = (out / outcome.files["report"]).read_text(encoding="utf-8")
        assert "searchkit report" in page
        assert (out / outcome.stem / "assets" / "report.css").is_file()


# ------------------------------------------------------------------ the batch's index page


class _Page(HTMLParser):
    """Links, script elements and text of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.scripts, self.text = [], 0, []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]

    def handle_data(self, data):
        self.text.append(data)


def parse_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def assert_links_resolve(out: Path, page: _Page) -> None:
    for href in page.hrefs:
        parts = urlsplit(href)
        assert not parts.scheme and not parts.netloc, href
        if not parts.path:  # "#main": a place in the page itself
            continue
        target = (out / unquote(parts.path)).resolve()
        assert target.is_file(), href
        assert target.is_relative_to(out.resolve()), href


def test_index_page_links_every_file_and_escapes_names(batch):
    summary, out = batch
    page = parse_page(out / "index.html")
    assert page.scripts == 0  # '<b>any</b>' and '</script>' stayed text
    text = "".join(page.text)
    assert "Exchange <b>any</b>" in text and "</script>" in text
    assert_links_resolve(out, page)
    for outcome in summary.outcomes:
        for name in outcome.files.values():
            assert any(unquote(h) == name for h in page.hrefs), name


def test_hostile_names_write_inside_the_folder(index_dir, tmp_path):
    names = ["../x", "<script>alert(1)</script>", "a/../../b", "..\\evil", "/etc/passwd",
             "summary", "Київ: звіт?", "assets"]
    path = write(tmp_path / "hostile.json",
                 json.dumps([{"name": n, "query": "exchange"} for n in names]))
    out = tmp_path / "deep" / "out"
    summary = run_batch(index_dir, path, out)
    assert [o.name for o in summary.outcomes] == names and not summary.failed
    assert {p.name for p in tmp_path.iterdir()} == {"hostile.json", "deep"}
    assert {p.name for p in (tmp_path / "deep").iterdir()} == {"out"}
    stems = [o.stem for o in summary.outcomes]
    assert len(set(stems)) == len(stems)
    for stem in stems:
        assert "/" not in stem and "\\" not in stem and not stem.startswith(".")
        assert stem not in ("summary", "assets")
    page = parse_page(out / "index.html")
    assert page.scripts == 0
    assert "<script>alert(1)</script>" in "".join(page.text)
    assert_links_resolve(out, page)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["failed"] == 0


def test_file_stem():
    assert file_stem("../Kyiv / Odesa <strikes>") == "Kyiv-Odesa-strikes"
    assert file_stem("..") == "" and file_stem("<>") == ""
    assert file_stem("Summary") == "Summary-search"
    assert file_stem("x" * 500) == "x" * 80
    assert file_stem("Київ звіт") == "Київ-звіт"


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("searches, line, search, words", [
    ([{"name": "ok", "query": "a"}, {"name": "wordy", "query": "a", "person": ["X"]}],
     3, "wordy", "unknown key 'person' (did you mean 'people'?)"),
    ([{"name": "ok"}, {"name": "dates", "from": "2024-13-01"}], 3, "dates", "invalid date"),
    ([{"name": "types", "people": "Volodymyr Zelenskyy"}], 2, "types", "must be a list"),
    ([{"name": "types", "limit": "10"}], 2, "types", "limit"),
    ([{"name": "range", "from": "2024-06", "to": "2024-01"}], 2, "range", "after"),
    ([{"name": "facet", "dates": ["May 2024"]}], 2, "facet", "YYYY-MM"),
    ([{"name": "facet", "amounts": ["EUR:lots"]}], 2, "facet", "range key"),
    ([{"name": "twice"}, {"name": "twice", "query": "b"}], 3, "twice", "used before"),
    ([{"name": "Kyiv news"}, {"name": "kyiv/news"}], 3, "kyiv/news", "overwrite"),
    ([{"query": "nameless"}], 2, "#1", "has no name"),
    ([{"name": "sort", "sort": "best"}], 2, "sort", "relevance, newest, oldest"),
])
def test_validation_names_file_line_and_search(index_dir, tmp_path, searches, line, search,
                                               words):
    path = write(tmp_path / "searches.json", "[\n" + ",\n".join(map(json.dumps, searches))
                 + "\n]\n")
    out = tmp_path / "out"
    with pytest.raises(SearchkitError) as err:
        list(iter_batch(index_dir, path, out))
    message = str(err.value)
    assert f"{path}:{line}:" in message and search in message and words in message, message
    assert not out.exists()  # nothing ran


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path / "s.toml", '[[search]]\nname = "a"\nlimit = 0\n\n'
                 '[[search]]\nname = "b"\nplaces = "Kyiv"\nsort = "best"\n')
    with pytest.raises(SearchkitError) as err:
        load_searches(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"3 problems in {path}:"
    assert lines[1].startswith(f"{path}:1: search 'a': limit")
    assert all(line.startswith(f"{path}:5: search 'b':") for line in lines[2:])


def test_broken_files_say_where(tmp_path):
    broken = write(tmp_path / "broken.json", '[\n  {"name": "a",}\n]\n')
    with pytest.raises(SearchkitError, match=r"broken\.json:2:\d+: not valid JSON"):
        load_searches(broken)
    with pytest.raises(SearchkitError, match="not valid TOML"):
        load_searches(write(tmp_path / "broken.toml", "[[search]\nname = 1\n"))
    with pytest.raises(SearchkitError, match="no searches"):
        load_searches(write(tmp_path / "empty.json", "[]"))
    with pytest.raises(SearchkitError, match="does not exist"):
        load_searches(tmp_path / "missing.toml")


def test_unknown_like_id_stops_the_batch(index_dir, tmp_path):
    path = write(tmp_path / "s.json", json.dumps([{"name": "fine", "like": "a1"},
                                                  {"name": "gone", "like": "no-such-id"}]))
    with pytest.raises(SearchkitError, match=r"s\.json:1: search 'gone': like: no article"):
        run_batch(index_dir, path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ running


def test_a_failing_search_does_not_stop_the_others(index_dir, ix, tmp_path):
    path = write(tmp_path / "s.json", json.dumps(SEARCHES))
    out = tmp_path / "out"
    out.mkdir()
    (out / "Istanbul").write_text("a file where the report folder must go", encoding="utf-8")
    steps = list(iter_batch(index_dir, path, out))
    summary = steps[-1].summary
    assert [s.done for s in steps] == [0, 1, 2, 3, 3]
    failed = summary.failed
    assert [o.name for o in failed] == ["Istanbul"] and "not a folder" in failed[0].error
    ok = [o for o in summary.outcomes if o.ok]
    assert [o.name for o in ok] == ["Prisoner exchanges", "Exchange <b>any</b>"]
    for outcome in ok:
        assert (out / outcome.files["report"]).is_file()
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entry = data["results"][1]
    assert (entry["status"], data["failed"]) == ("failed", 1)
    assert entry["error"] == failed[0].error and "report" not in entry["files"]
    page = parse_page(out / "index.html")
    assert failed[0].error in "".join(page.text)
    assert_links_resolve(out, page)


def test_no_html_writes_data_only(index_dir, ix, tmp_path):
    path = write(tmp_path / "s.toml", TOML)
    summary = run_batch(ix, path, tmp_path / "out", html=False, max_hits=2)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"summary.json"} | {f"{o.stem}.{x}" for o in summary.outcomes
                                         for x in ("json", "csv")}
    assert summary.index_page is None
    first = json.loads((tmp_path / "out" / "Prisoner-exchanges.json").read_text("utf-8"))
    assert len(first["hits"]) == min(2, first["total"])


def test_filter_values_no_article_carries_are_warned(index_dir, tmp_path):
    path = write(tmp_path / "s.json", json.dumps(
        [{"name": "typo", "people": ["Volodymyr Zelensky"], "places": ["Ukraine"]}]))
    outcome = run_batch(index_dir, path, tmp_path / "out", html=False).outcomes[0]
    assert outcome.total == 0 and len(outcome.warnings) == 1
    assert "Volodymyr Zelensky'" in outcome.warnings[0]
    assert "Volodymyr Zelenskyy" in outcome.warnings[0]  # the name the index knows


def test_seed_corpus_with_extraction(seed_index, tmp_path):
    """The demo corpus indexed with real extraction, searched by the names it found."""
    ix = searchkit.open_index(seed_index)
    person = ix.facet_values("people", limit=1)[0].value
    path = write(tmp_path / "seed.toml", f'[exchange]\nquery = "prisoner exchange"\n'
                 f'people = [{json.dumps(person)}]\n')
    summary = run_batch(seed_index, path, tmp_path / "out")
    (outcome,) = summary.outcomes
    request = SearchRequest("prisoner exchange", filters={"people": (person,)}, limit=1000)
    expected = ix.run(request)
    assert outcome.ok and outcome.total == expected.total > 0
    assert json.loads((tmp_path / "out" / "exchange.json").read_text("utf-8")) == \
        expected.to_dict()
    assert_links_resolve(tmp_path / "out", parse_page(tmp_path / "out" / "index.html"))
