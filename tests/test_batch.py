"""Batch searches on a real index: file formats, outputs equal to the library's and to
`query --json`, every problem with its line, memory across runs (new / gone, stale outputs
removed, the user's files kept), the CSV formula guard, hostile names, a failing search
among good ones, and the digest page.

Indexes are built without NLP from small JSONL corpora whose records carry their facets;
one test runs a batch on the seed corpus indexed with real extraction.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import searchkit
from searchkit.batch import file_stem, iter_batch, load_searches, run_batch
from searchkit.batch_file import RESERVED_STEMS
from searchkit.batch_memory import STATE_FILE
from searchkit.build import delete_articles
from searchkit.cli import cli
from searchkit.models import SearchkitError, SearchRequest
from searchkit.output import HIT_COLUMNS

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
#: Articles whose cells a spreadsheet would run as formulas.
FORMULA_RECORDS = [
    {"id": "f1", "title": '=HYPERLINK("http://x","y")', "source": "@evil",
     "text": "formula exchange one", "places": ["-Odesa"], "tags": ["+tag"]},
    {"id": "f2", "title": "+SUM(A1:A2)", "text": "formula exchange two", "people": ["@name"]},
    {"id": "f3", "title": "-2+3", "text": "formula exchange three", "orgs": ["=org"]},
    {"id": "f4", "title": "Plain a=b title", "text": "formula exchange four"},
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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def build_index(root: Path, records: list[dict]) -> Path:
    corpus = write_jsonl(root / "corpus.jsonl", records)
    summary = searchkit.index_paths([str(corpus)], index_dir=root / "index", extract=False)
    assert summary.indexed == len(records) and not summary.skipped
    return root / "index"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("batch-corpus"), RECORDS)


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


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def without_new(doc: dict) -> dict:
    """A NAME.json document without the `new` marks batch adds to each hit."""
    return {**doc, "hits": [{k: v for k, v in h.items() if k != "new"} for h in doc["hits"]]}


def new_marks(out: Path, stem: str) -> tuple[dict[str, bool], dict[str, str]]:
    """Each hit's `new` mark in NAME.json and in NAME.csv."""
    doc = read_json(out / f"{stem}.json")
    return ({h["id"]: h["new"] for h in doc["hits"]},
            {r["id"]: r["new"] for r in read_csv(out / f"{stem}.csv")})


def cell(value, *, raw: bool = False) -> str:
    """What a CSV cell reads back as: formulas behind a quote (OWASP), unless raw."""
    text = "" if value is None else str(value)
    return "'" + text if not raw and text.startswith(FORMULA_START) else text


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
        written = read_json(out / outcome.files["json"])
        expected = ix.run(REQUESTS[outcome.name]).to_dict()
        assert without_new(written) == expected
        assert outcome.total == expected["total"]
    # The searches really select: totals differ from the whole corpus and from each other.
    totals = [o.total for o in summary.outcomes]
    assert 0 < min(totals) and max(totals) < len(RECORDS)
    assert summary.outcomes[1].hits == 1 < summary.outcomes[1].total  # its own limit


def test_json_output_is_what_query_json_prints(batch, index_dir):
    _, out = batch
    printed = CliRunner().invoke(cli, [
        "query", "prisoner exchange", "--person", "Volodymyr Zelenskyy", "--from", "2024-01",
        "--sort", "oldest", "--limit", "1000", "--json", "--index", str(index_dir)])
    assert printed.exit_code == 0, printed.output
    written = (out / "Prisoner-exchanges.json").read_text(encoding="utf-8")
    assert written.count('"new": true') == len(read_json(out / "Prisoner-exchanges.json")["hits"])
    assert re.sub(r',\n\s*"new": (true|false)', "", written) == printed.stdout


def test_csv_rows_are_the_hits(batch, ix):
    summary, out = batch
    for outcome in summary.outcomes:
        result = ix.run(REQUESTS[outcome.name])
        with open(out / outcome.files["csv"], encoding="utf-8", newline="") as fh:
            header, *lines = list(csv.reader(fh))
        assert header == [*HIT_COLUMNS, "new"]
        rows = [dict(zip(header, line)) for line in lines]
        assert [r["id"] for r in rows] == [h.id for h in result.hits]
        for rank, (row, hit) in enumerate(zip(rows, result.hits), 1):
            expected = {"rank": str(rank), **{k: cell(v) for k, v in hit.to_row().items()},
                        "new": "true"}  # a first run: every hit is new
            assert row == expected
            assert "<mark" not in row["snippet"] and "&amp;" not in row["snippet"]


def test_csv_snippet_is_plain_text(batch):
    _, out = batch
    rows = {r["id"]: r for r in read_csv(out / "Exchange-b-any-b.csv")}
    # The hostile article's text as written, and a real hit's marked word without its tags.
    assert "<b>fire</b> & words" in rows["hostile"]["snippet"]
    assert "<script>alert('t')</script>" in rows["hostile"]["title"]
    assert "R&D talks <in Istanbul>" in rows["a1"]["snippet"]


def test_summary_json_lists_every_search(batch):
    summary, out = batch
    data = read_json(out / "summary.json")
    assert [r["name"] for r in data["results"]] == list(REQUESTS)
    assert data["previous_run"] is None
    for entry, outcome in zip(data["results"], summary.outcomes):
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["total"] == outcome.total
        ids = [h["id"] for h in read_json(out / entry["files"]["json"])["hits"]]
        assert (entry["new"], entry["gone"], entry["since"]) == (ids, [], None)
        assert set(entry["files"]) == {"json", "csv", "report"}
        for name in entry["files"].values():
            assert (out / name).is_file()


def test_reports_hold_their_search(batch):
    summary, out = batch
    for outcome in summary.outcomes:
        page = (out / outcome.files["report"]).read_text(encoding="utf-8")
        assert "searchkit report" in page
        assert (out / outcome.stem / "assets" / "report.css").is_file()


# ------------------------------------------------------------------ the CSV formula guard


@pytest.fixture(scope="module")
def formula_index(tmp_path_factory) -> Path:
    return build_index(tmp_path_factory.mktemp("formula-corpus"), FORMULA_RECORDS)


@pytest.mark.parametrize("raw", [False, True])
def test_formula_cells_are_neutralised_unless_raw(formula_index, tmp_path, raw):
    path = write(tmp_path / "s.json", json.dumps([{"name": "f", "query": "formula exchange"}]))
    run_batch(formula_index, path, tmp_path / "out", html=False, raw_csv=raw)
    hits = {h.id: h for h in searchkit.open_index(formula_index).iter_hits("formula exchange")}
    rows = read_csv(tmp_path / "out" / "f.csv")
    assert sorted(r["id"] for r in rows) == sorted(hits)
    for row in rows:
        expected = {k: cell(v, raw=raw) for k, v in hits[row["id"]].to_row().items()}
        assert {k: row[k] for k in expected} == expected
    guarded = {v[1] for r in rows for v in r.values() if v.startswith("'")}
    assert guarded == (set() if raw else {"=", "+", "-", "@"})
    assert rows[[r["id"] for r in rows].index("f1")]["title"] == \
        ('=HYPERLINK("http://x","y")' if raw else '\'=HYPERLINK("http://x","y")')
    # JSON keeps the text as it is: the guard is for spreadsheets.
    titles = {h["id"]: h["title"] for h in read_json(tmp_path / "out" / "f.json")["hits"]}
    assert titles["f2"] == "+SUM(A1:A2)"


def test_cli_batch_passes_raw_csv(formula_index, tmp_path):
    path = write(tmp_path / "s.json", json.dumps([{"name": "f", "query": "formula"}]))
    for flags, title in (([], "'-2+3"), (["--raw-csv"], "-2+3")):
        out = tmp_path / f"out{len(flags)}"
        result = CliRunner().invoke(cli, ["batch", str(path), "-o", str(out), "--no-html",
                                          "--index", str(formula_index), *flags])
        assert result.exit_code == 0, result.output
        assert {r["id"]: r["title"] for r in read_csv(out / "f.csv")}["f3"] == title


# ------------------------------------------------------------------ memory across runs


def test_second_run_marks_new_and_gone_and_replaces_outputs(tmp_path):
    index = build_index(tmp_path, RECORDS)
    out = tmp_path / "out"
    first_searches = [SEARCHES[0], {"name": "Istanbul", "places": ["Istanbul"]},
                      {"name": "Old", "query": "grain"}]
    first = run_batch(index, write(tmp_path / "s.json", json.dumps(first_searches)), out)
    assert not first.failed
    write(out / "notes.txt", "the reader's own file")
    write(out / "Old" / "mine.txt", "a file the reader put in a report folder")
    ix = searchkit.open_index(index)
    before = {s["name"]: [h.id for h in ix.iter_hits(**_options(s))] for s in first_searches}

    # The corpus changes (one article goes, one comes) and so do the searches.
    delete_articles(["a2"], index_dir=index)
    extra = {"id": "a6", "title": "Third prisoner exchange", "date": "2024-08-01",
             "text": "A third prisoner exchange brought soldiers home.",
             "people": ["Volodymyr Zelenskyy"], "places": ["Ukraine"]}
    searchkit.index_paths([str(write_jsonl(tmp_path / "more.jsonl", [extra]))],
                          index_dir=index, extract=False)
    second_searches = [SEARCHES[0], {"name": "Istanbul", "places": ["Istanbul"]},
                       {"name": "Kyiv", "places": ["Kyiv"]}]
    second = run_batch(index, write(tmp_path / "s.json", json.dumps(second_searches)), out)
    after = {s["name"]: [h.id for h in ix.iter_hits(**_options(s))] for s in second_searches}

    data = read_json(out / "summary.json")
    assert data["previous_run"] == first.run
    entries = {e["name"]: e for e in data["results"]}
    for name, ids in after.items():
        earlier = before.get(name)
        new = ids if earlier is None else [i for i in ids if i not in earlier]
        gone = [] if earlier is None else [i for i in earlier if i not in ids]
        entry = entries[name]
        assert (entry["new"], entry["gone"]) == (new, gone), name
        assert entry["since"] == (None if earlier is None else first.run)
        json_marks, csv_marks = new_marks(out, file_stem(name))
        assert json_marks == {i: i in new for i in ids}
        assert csv_marks == {i: str(i in new).lower() for i in ids}
    assert (entries["Prisoner exchanges"]["new"], entries["Prisoner exchanges"]["gone"]) == \
        (["a6"], ["a2"])  # the oracle above did see the change
    assert entries["Istanbul"]["new"] == [] and entries["Kyiv"]["since"] is None

    # The search no longer in the file left nothing of its own; the reader's files stay.
    assert not (out / "Old.json").exists() and not (out / "Old.csv").exists()
    assert {p.name for p in (out / "Old").iterdir()} == {"mine.txt"}
    assert (out / "notes.txt").is_file()
    page = parse_page(out / "index.html")
    text = " ".join("".join(page.text).split())
    assert "Prisoner exchanges 1 new" in text and "new Third prisoner exchange" in text
    assert "Istanbul new" not in text and "Old" not in text
    assert_links_resolve(out, page)

    # Without HTML, the pages and reports of the earlier runs go too.
    run_batch(index, tmp_path / "s.json", out, html=False)
    assert {p.name for p in out.iterdir()} == {
        STATE_FILE, "summary.json", "notes.txt", "Old",
        *(f"{file_stem(s['name'])}.{x}" for s in second_searches for x in ("json", "csv"))}
    assert [e["new"] for e in read_json(out / "summary.json")["results"]] == [[], [], []]


def _options(search: dict) -> dict:
    """A batch search as keyword options of `Index.iter_hits`."""
    facets = {k: v for k, v in search.items() if k in ("people", "places", "tags")}
    return {"text": search.get("query", ""), "filters": facets,
            **{k: v for k, v in search.items() if k in ("sort", "match")},
            **({"date_from": search["from"]} if "from" in search else {})}


def test_a_failed_search_keeps_its_last_good_memory(index_dir, tmp_path):
    path = write(tmp_path / "s.json", json.dumps(SEARCHES))
    out = tmp_path / "out"
    first = run_batch(index_dir, path, out, html=False)
    shutil.rmtree(out / "Istanbul", ignore_errors=True)
    write(out / "Istanbul", "a file where the report folder must go")
    second = run_batch(index_dir, path, out)
    entry = read_json(out / "summary.json")["results"][1]
    assert entry["status"] == "failed" and (entry["new"], entry["gone"]) == (None, None)
    (out / "Istanbul").unlink()
    run_batch(index_dir, path, out)
    entry = read_json(out / "summary.json")["results"][1]
    assert (entry["status"], entry["since"], entry["new"]) == ("ok", first.run, [])
    assert second.run != "" and entry["gone"] == []


def test_an_edited_memory_file_removes_nothing_else(index_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("victim.txt", "outside.json"):
        write(tmp_path / name, "keep me")
    write(out / "victim.txt", "keep me")
    (out / "sub").mkdir()
    write(out / "sub" / "x.json", "keep me")
    write(out / STATE_FILE, json.dumps({
        "run": "2024-01-01T00:00:00+00:00", "searches": {"Istanbul": {"ids": [], "run": "x"}},
        "files": ["../outside.json", str(tmp_path / "victim.txt"), "victim.txt", "sub/x.json",
                  "../", "./", "..", 7]}))
    path = write(tmp_path / "s.json", json.dumps(SEARCHES[1:2]))
    run_batch(index_dir, path, out)
    assert "Since the run of x: 1 new" in "".join(parse_page(out / "index.html").text)
    for kept in (tmp_path / "victim.txt", tmp_path / "outside.json", out / "victim.txt",
                 out / "sub" / "x.json"):
        assert kept.read_text(encoding="utf-8") == "keep me"
    entry = read_json(out / "summary.json")["results"][0]
    assert entry["since"] == "x" and entry["new"] == ["a1"]  # the edited memory still counts
    write(out / STATE_FILE, "{not json")
    run_batch(index_dir, path, out, html=False)  # an unreadable memory: a first run
    assert read_json(out / "summary.json")["results"][0]["since"] is None


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
    assert "<script>alert('t')</script> exchange & more" in text  # a new hit's title, as text
    assert "First run into this folder" in text
    assert_links_resolve(out, page)
    for outcome in summary.outcomes:
        for name in outcome.files.values():
            assert any(unquote(h) == name for h in page.hrefs), name


def test_hostile_names_write_inside_the_folder(index_dir, tmp_path):
    names = ["../x", "<script>alert(1)</script>", "a/../../b", "..\\evil", "/etc/passwd",
             "summary", "Київ: звіт?", "assets", ".searchkit-batch", "index.html"]
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
    assert read_json(out / "summary.json")["failed"] == 0
    run_batch(index_dir, path, out, html=False)  # again: the reports and pages go
    assert read_json(out / "summary.json")["results"][0]["new"] == []
    assert {p.name for p in out.iterdir()} == {"summary.json", STATE_FILE} | {
        f"{stem}.{x}" for stem in stems for x in ("json", "csv")}


def test_file_stem():
    assert file_stem("../Kyiv / Odesa <strikes>") == "Kyiv-Odesa-strikes"
    assert file_stem("..") == "" and file_stem("<>") == ""
    assert file_stem("Summary") == "Summary-search"
    assert file_stem("con.txt") == "con-search.txt"
    assert file_stem("Index.html") == "Index-search.html" and file_stem("index") == "index"
    assert file_stem("x" * 500) == "x" * 80
    assert file_stem("Київ звіт") == "Київ-звіт"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_file_stem_is_a_safe_plain_name(name):
    stem = file_stem(name)
    assert file_stem(stem) == stem  # memory files are checked against this
    if stem:
        assert len(stem) <= 80 and not stem.startswith((".", "-")) and stem not in (".", "..")
        assert not re.search(r"[/\\:*?\"<>|\s\x00-\x1f]", stem), stem
        assert stem.split(".")[0].casefold() not in RESERVED_STEMS
        assert stem.casefold() not in ("index.html", "summary.json", "assets")


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("searches, line, search, words", [
    ([{"name": "ok", "query": "a"}, {"name": "wordy", "query": "a", "person": ["X"]}],
     3, "'wordy'", "person: unknown key; did you mean 'people'?"),
    ([{"name": "ok"}, {"name": "dates", "from": "2024-13-01"}], 3, "'dates'", "invalid date"),
    ([{"name": "types", "people": 5}], 2, "'types'", "must be a string or a list of strings"),
    ([{"name": "types", "limit": "ten"}], 2, "'types'", "limit: must be a whole number"),
    ([{"name": "none", "limit": 0}], 2, "'none'", "limit: must be 1 or more"),
    ([{"name": "range", "from": "2024-06", "to": "2024-01"}], 2, "'range'", "after"),
    ([{"name": "facet", "dates": ["May 2024"]}], 2, "'facet'", "YYYY-MM"),
    ([{"name": "facet", "amounts": ["EUR:lots"]}], 2, "'facet'", "invalid amount range"),
    ([{"name": "twice"}, {"name": "twice", "query": "b"}], 3, "'twice'", "used before"),
    ([{"name": "Kyiv news"}, {"name": "kyiv/news"}], 3, "'kyiv/news'", "overwrite"),
    ([{"name": "a"}, {"name": "a.json"}], 3, "'a.json'", "overwrite"),
    ([{"query": "nameless"}], 2, "#1", "name: missing"),
    ([{"name": "<>"}], 2, "'<>'", "no letter or digit"),
    ([{"name": "sort", "sort": "best"}], 2, "'sort'", "relevance, newest, oldest"),
    (["just text"], 2, "#1", "must be an object"),
])
def test_validation_names_file_line_and_search(index_dir, tmp_path, searches, line, search,
                                               words):
    path = write(tmp_path / "searches.json", "[\n" + ",\n".join(map(json.dumps, searches))
                 + "\n]\n")
    out = tmp_path / "out"
    with pytest.raises(SearchkitError) as err:
        list(iter_batch(index_dir, path, out))
    message = str(err.value)
    assert err.value.exit_code == 2
    assert f"{path}:{line}: search {search}" in message and words in message, message
    assert not out.exists()  # nothing ran


def test_every_problem_is_reported_at_once_with_its_line(tmp_path):
    path = write(tmp_path / "s.toml", '[[search]]\nname = "a"\nlimit = 0\n\n'
                 '[[search]]\nname = "b"\nplaces = 7\nsort = "best"\ncolour = "red"\n')
    with pytest.raises(SearchkitError) as err:
        load_searches(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"4 problems in {path}:"
    assert [line.split(": ")[:3] for line in lines[1:]] == [
        [f"{path}:3", "search 'a'", "limit"], [f"{path}:7", "search 'b'", "places"],
        [f"{path}:8", "search 'b'", "sort"], [f"{path}:9", "search 'b'", "colour"]]


def test_json_problems_point_at_their_key(tmp_path):
    path = write(tmp_path / "s.json", '[\n  {\n    "name": "a",\n    "query": "x",\n'
                 '    "sort": "best",\n    "query": "y"\n  }\n]\n')
    with pytest.raises(SearchkitError) as err:
        load_searches(path)
    lines = str(err.value).splitlines()
    assert lines[1].startswith(f"{path}:5: search 'a': sort: must be one of")
    assert lines[2] == f"{path}:6: search 'a': query: given twice (only the last would count)"


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
    write(out / "Istanbul", "a file where the report folder must go")
    steps = list(iter_batch(index_dir, path, out))
    summary = steps[-1].summary
    assert [s.done for s in steps] == [0, 1, 2, 3, 3]
    failed = summary.failed
    assert [o.name for o in failed] == ["Istanbul"] and "not a folder" in failed[0].error
    ok = [o for o in summary.outcomes if o.ok]
    assert [o.name for o in ok] == ["Prisoner exchanges", "Exchange <b>any</b>"]
    for outcome in ok:
        assert (out / outcome.files["report"]).is_file()
        assert without_new(read_json(out / outcome.files["json"])) == \
            ix.run(REQUESTS[outcome.name]).to_dict()
    data = read_json(out / "summary.json")
    entry = data["results"][1]
    assert (entry["status"], data["failed"]) == ("failed", 1)
    assert entry["error"] == failed[0].error and "report" not in entry["files"]
    page = parse_page(out / "index.html")
    assert failed[0].error in "".join(page.text)
    assert_links_resolve(out, page)
    assert (out / "Istanbul").read_text(encoding="utf-8").startswith("a file")  # not batch's


def test_no_html_writes_data_only(index_dir, ix, tmp_path):
    path = write(tmp_path / "s.toml", TOML)
    summary = run_batch(ix, path, tmp_path / "out", html=False, max_hits=2)
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert names == {"summary.json", STATE_FILE} | {f"{o.stem}.{x}" for o in summary.outcomes
                                                    for x in ("json", "csv")}
    assert summary.index_page is None
    first = read_json(tmp_path / "out" / "Prisoner-exchanges.json")
    assert len(first["hits"]) == min(2, first["total"])


def test_filter_values_are_forgiving_and_unknown_ones_warned(index_dir, tmp_path):
    path = write(tmp_path / "s.json", json.dumps(
        [{"name": "spelling", "people": ["volodymyr zelensky"], "places": ["Ukraine"]},
         {"name": "typo", "people": ["Volodymir Zelenkyy Xq"], "places": ["Ukraine"]}]))
    spelling, typo = run_batch(index_dir, path, tmp_path / "out", html=False).outcomes
    assert spelling.total > 0 and not spelling.warnings  # another spelling of a known name
    assert typo.total == 0 and len(typo.warnings) == 1
    assert "Volodymir Zelenkyy Xq'" in typo.warnings[0]
    assert "Volodymyr Zelenskyy" in typo.warnings[0]  # the name the index knows


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
    assert without_new(read_json(tmp_path / "out" / "exchange.json")) == expected.to_dict()
    assert_links_resolve(tmp_path / "out", parse_page(tmp_path / "out" / "index.html"))
