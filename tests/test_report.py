"""Report pages written from a real index: pages, counts, escaping, templates, structure.

The index is built once per module from real files: the repo's seed corpus, a few
Ukraine-war articles and a few undated Wikinews articles from ../shared/data (when present)
and a hostile article whose title, text, source, url and tags carry markup and script.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

import searchkit
from searchkit.facets import hit_facet_keys
from searchkit.models import SearchkitError, SearchRequest
from searchkit import report_views as views
from searchkit.report import CHART_HEIGHT, ENTITY_PAGES_ALL, default_templates_dir, write_report

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UKRAINE = SHARED_DATA / "news" / "ukraine_war.jsonl"
WIKINEWS = SHARED_DATA / "news" / "wikinews_crisis.jsonl"
#: Ukraine-war articles taken into the test corpus (every 15th line: spread over the years),
#: and Wikinews articles, which carry no date.
UKRAINE_EVERY, UKRAINE_COUNT = 15, 14
WIKINEWS_EVERY, WIKINEWS_COUNT = 50, 4
HOSTILE_ID = "hostile-<b>1</b>"
HOSTILE = {
    "id": HOSTILE_ID,
    "title": ("<script>window.__pwned = 1</script> Kyiv talks "
              "<img src=x onerror=\"window.__pwned=2\">"),
    "date": "2024-05-10",
    "source": "<i>Evil</i> Wire</script>",
    "url": "javascript:window.__pwned=3",
    "text": ("Volodymyr Zelenskyy met Emmanuel Macron in Kyiv on Monday. "
             "<script>window.__pwned = 4</script> Read <a href=\"javascript:window.__pwned=5\">"
             "this</a> and <img src=x onerror=\"window.__pwned=6\">.\n\n"
             "Russia and Ukraine agreed a prisoner exchange; the European Union pledged "
             "€2 billion in aid."),
    "tags": ["</script><script>window.__pwned=7</script>", "<!--"],
}
FACETS = ("people", "places", "orgs", "event_types", "amounts", "dates", "sources", "tags")


def build_corpus_index(root: Path) -> Path:
    """Write the test corpus under `root` and index it; return the index folder."""
    root.mkdir(parents=True, exist_ok=True)
    paths = [str(REPO / "seeds")]
    hostile = root / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    paths.append(str(hostile))
    for source, every, count in ((UKRAINE, UKRAINE_EVERY, UKRAINE_COUNT),
                                 (WIKINEWS, WIKINEWS_EVERY, WIKINEWS_COUNT)):
        if source.is_file():
            lines = source.read_text(encoding="utf-8").splitlines()
            chosen = lines[::every][:count]
            (root / source.name).write_text("\n".join(chosen) + "\n", encoding="utf-8")
            paths.append(str(root / source.name))
    index_dir = root / "index"
    summary = searchkit.index_paths(paths, index_dir=str(index_dir))
    assert not summary.skipped, summary.skipped
    return index_dir


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    return searchkit.open_index(build_corpus_index(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def report(ix, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(ix, SearchRequest(""), out)


def need_ukraine():
    if not UKRAINE.is_file():
        pytest.skip(f"needs the Ukraine-war corpus at {UKRAINE} (../shared/data)")


def need_undated():
    if not WIKINEWS.is_file():
        pytest.skip(f"needs the undated Wikinews articles at {WIKINEWS} (../shared/data)")


# ---------------------------------------------------------------- reading pages back


class Page(HTMLParser):
    """A parsed page: elements with attributes and text, checked for HTML5 structure."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.source = text
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.elements: list[dict] = []  # {"tag", "attrs", "text"} in document order
        self._open: list[dict] = []
        self.scripts: list[str] = []
        self._script = None
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed elements at the end: {self.stack}")

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag == "script":
            self._script = element
        if tag not in self.VOID:
            self.stack.append(tag)
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        if tag not in self.VOID:
            self.problems.append(f"self-closing non-void element <{tag}/>")
        self.elements.append({"tag": tag, "attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        if tag in self.VOID:
            self.problems.append(f"end tag for void element </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    self._open.pop()
                self._open.pop()
            return
        self.stack.pop()
        element = self._open.pop()
        if element is self._script:
            self.scripts.append(element["text"])
            self._script = None

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def all(self, tag=None, **attrs) -> list[dict]:
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k.rstrip("_").replace("_", "-")) == v
                        for k, v in attrs.items())]

    def with_class(self, cls: str, tag=None) -> list[dict]:
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and cls in (e["attrs"].get("class") or "").split()]

    def check(self) -> list[str]:
        """Structural HTML5 problems: nesting, duplicate ids, dangling references, no lang."""
        problems = list(self.problems)
        if not self.source.startswith("<!DOCTYPE html>"):
            problems.append("no <!DOCTYPE html>")
        ids = Counter(e["attrs"]["id"] for e in self.elements if "id" in e["attrs"])
        problems += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
        for e in self.elements:
            a = e["attrs"]
            for ref in (a.get("for"), *(a.get("aria-labelledby") or "").split()):
                if ref and ref not in ids:
                    problems.append(f"<{e['tag']}> refers to missing id {ref!r}")
            if e["tag"] == "img" and "alt" not in a:
                problems.append("<img> without alt")
            if e["tag"] == "input" and a.get("type") == "checkbox" and not a.get("id"):
                problems.append("checkbox without id (and so without a label)")
        html_tags = self.all("html")
        if not html_tags or not html_tags[0]["attrs"].get("lang"):
            problems.append("<html> without lang")
        for landmark in ("header", "main", "footer"):
            if not self.all(landmark):
                problems.append(f"no <{landmark}> landmark")
        levels = [int(e["tag"][1]) for e in self.elements if re.fullmatch(r"h[1-6]", e["tag"])]
        problems += [f"heading level {b} follows level {a}"
                     for a, b in zip(levels, levels[1:]) if b > a + 1]
        return problems


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def page_data(page: Page) -> dict:
    block = [e for e in page.all("script", type="application/json", id="report-data")]
    assert len(block) == 1
    return json.loads(block[0]["text"])


def checkbox_counts(page: Page) -> dict[tuple[str, str], tuple[int, bool]]:
    """(facet, value) -> (count shown, checked) for every facet checkbox of index.html."""
    data = page_data(page)
    out = {}
    items = page.with_class("fv", "li")
    for item in items:
        start = page.elements.index(item)
        box = page.elements[start + 1]
        assert box["tag"] == "input"
        f, v = int(box["attrs"]["data-f"]), int(box["attrs"]["data-v"])
        number = [e for e in page.elements[start:start + 8] if e["attrs"].get("class") == "n"]
        facet = data["facets"][f]
        out[(facet["name"], facet["values"][v])] = (int(number[0]["text"]),
                                                   "checked" in box["attrs"])
    return out


class LibraryCounts(dict):
    """(facet, value) -> the library's count; a year's count sums its months.

    The library picks month or year buckets from the span of the filtered articles, the
    page keeps the buckets of all its articles: both count the same articles per year.
    """

    def __missing__(self, key):
        name, value = key
        if name != "dates":
            return 0
        return sum(c for (n, v), c in self.items() if n == "dates" and v.startswith(value))


def library_counts(ix, request: SearchRequest) -> dict[tuple[str, str], int]:
    """The library's facet counts, with the articles without a date as ("dates", UNDATED)."""
    result = ix.run(SearchRequest(text=request.text, filters=request.filters, facets=FACETS,
                                  facet_limit=None, limit=1000))
    counts = LibraryCounts({(name, v.value): v.count
                            for name, values in result.facets.items() for v in values})
    counts[("dates", views.UNDATED)] = sum(not h.date for h in result.hits)
    return counts


def article_links(ix, out: Path) -> dict[str, str]:
    """Article id -> the link of its page, read from the results of an empty-query report."""
    page = read_page(out / "index.html")
    hrefs = [e["attrs"]["href"] for e in page.all("a")
             if e["attrs"].get("href", "").startswith("articles/")]
    hits = ix.run(SearchRequest("", limit=1000)).hits
    assert len(hrefs) == len(hits)
    return {h.id: href for h, href in zip(hits, hrefs)}


def ul_items(page: Page, ul: dict) -> list[dict]:
    """The <li> elements inside one list element (lists here do not nest)."""
    start = page.elements.index(ul)
    end = next((i for i in range(start + 1, len(page.elements))
                if page.elements[i]["tag"] in ("ul", "ol", "section")), len(page.elements))
    return [e for e in page.elements[start:end] if e["tag"] == "li"]


def visible_results(page: Page) -> list[dict]:
    return [e for e in page.with_class("result", "li") if "hidden" not in e["attrs"]]


# ---------------------------------------------------------------- the site


def test_writes_every_page(ix, report):
    out, summary = report
    result = ix.run(SearchRequest("", limit=1000, facets=FACETS))
    assert summary.total == result.total == summary.shown == ix.doc_count()
    assert summary.index_page == out / "index.html" and summary.index_page.is_file()
    assert summary.line().startswith(f"{summary.total} matching articles, all in the report")
    assert (out / "entities.html").is_file()
    assert len(list((out / "articles").glob("*.html"))) == summary.articles == result.total
    named = {(facet, n) for h in result.hits for facet in ("people", "places", "orgs")
             for n in getattr(h, facet)}
    assert len(named) <= ENTITY_PAGES_ALL  # a small report: every name has a page
    assert len(list((out / "entities").glob("*.html"))) == summary.entities == len(named)
    assert {p.name for p in (out / "assets").iterdir()} == {"report.css", "report.js"}
    assert summary.files == 2 + summary.articles + summary.entities + 2


def test_every_page_is_well_formed_html5(report):
    out, _ = report
    pages = [out / "index.html", out / "entities.html", *sorted((out / "articles").glob("*")),
             *sorted((out / "entities").glob("*"))[:40]]
    for path in pages:
        problems = read_page(path).check()
        assert not problems, f"{path.name}: {problems[:5]}"


def test_relative_links_all_resolve(report):
    assert_links_resolve(report[0])


def assert_links_resolve(out: Path) -> None:
    """Every href/src of the pages is relative and names a file of the site."""
    for path in [out / "index.html", out / "entities.html", *(out / "articles").glob("*"),
                 *list((out / "entities").glob("*"))[:40]]:
        page = read_page(path)
        for e in page.elements:
            link = e["attrs"].get("href") or e["attrs"].get("src")
            if not link or link.startswith(("#", "http://", "https://")):
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I), f"{path.name}: {link}"
            target = link.split("#", 1)[0]
            assert (path.parent / target).resolve().is_file(), f"{path.name}: broken {link}"


def test_counts_without_javascript_are_the_librarys(ix, report):
    out, _ = report
    page = read_page(out / "index.html")
    shown = checkbox_counts(page)
    expected = library_counts(ix, SearchRequest(""))
    assert shown, "the sidebar has facet values"
    for key, (count, checked) in shown.items():
        assert count == expected[key], key
        assert not checked
    assert len(visible_results(page)) == ix.doc_count()


def test_a_filter_value_that_matches_nothing_is_named_as_query_names_it(ix, tmp_path):
    top_person = ix.facet_values("people")[0].value
    request = SearchRequest("", filters={"people": (top_person[:-2] + "zz",)})
    summary = write_report(ix, request, tmp_path)
    assert summary.warnings == ix.run(request).warnings
    assert summary.warnings and top_person in summary.warnings[0]
    assert write_report(ix, SearchRequest("", filters={"people": (top_person,)}),
                        tmp_path / "ok").warnings == ()


def test_request_filters_become_the_in_page_selection(ix, tmp_path):
    need_ukraine()
    top_person = ix.facet_values("people")[0].value
    top_place = ix.facet_values("places")[1].value
    request = SearchRequest("", filters={"people": (top_person,), "places": (top_place,)})
    summary = write_report(ix, request, tmp_path)
    page = read_page(tmp_path / "index.html")
    library = ix.run(SearchRequest("", filters=request.filters, limit=1000))
    assert not summary.fixed_filters
    assert summary.total == library.total
    assert summary.shown == ix.doc_count()  # every article is in the page, to widen the search
    assert [e["attrs"]["data-i"] for e in visible_results(page)] == [
        str(i) for i, h in enumerate(ix.run(SearchRequest("", limit=1000)).hits)
        if h.id in {x.id for x in library.hits}]
    shown = checkbox_counts(page)
    expected = library_counts(ix, request)
    for key, (count, checked) in shown.items():
        assert count == expected[key], key  # each facet's counts skip its own filter
        assert checked == (key in {("people", top_person), ("places", top_place)})
    assert page_data(page)["selected"] == {
        "people": [page_data(page)["facets"][0]["values"].index(top_person)],
        "places": [page_data(page)["facets"][1]["values"].index(top_place)]}


def test_filters_stay_fixed_when_the_hits_do_not_fit(ix, tmp_path):
    # The rarest person: the unfiltered search then holds more hits than max_hits.
    person = ix.facet_values("people")[-1].value
    request = SearchRequest("", filters={"people": (person,)})
    library = ix.run(SearchRequest("", filters=request.filters, limit=1000))
    assert library.total < ix.doc_count()
    summary = write_report(ix, request, tmp_path, max_hits=library.total)
    assert summary.fixed_filters and summary.total == library.total
    page = read_page(tmp_path / "index.html")
    titles = [e["text"] for e in page.all("a")
              if e["attrs"].get("href", "").startswith("articles/")]
    assert titles == [h.title for h in library.hits]
    assert any(person in e["text"] for e in page.with_class("conditions"))


def test_truncated_report_says_so(ix, tmp_path):
    held = ix.doc_count() - 1
    summary = write_report(ix, SearchRequest(""), tmp_path, max_hits=held)
    assert summary.shown == held and summary.total == ix.doc_count()
    page = read_page(tmp_path / "index.html")
    assert len(page.with_class("result", "li")) == held
    notices = " ".join(e["text"] for e in page.with_class("notice"))
    assert f"matched {ix.doc_count()} articles" in notices


def test_embedded_data_matches_hit_facet_keys(ix, report):
    out, _ = report
    page = read_page(out / "index.html")
    raw = page.scripts[[i for i, e in enumerate(page.all("script")) if e["attrs"].get("id")
                        == "report-data"][0]]
    assert "</" not in raw and "<!--" not in raw and "<" not in raw
    data = page_data(page)
    result = ix.run(SearchRequest("", limit=1000, facets=FACETS, facet_limit=None))
    names = [f["name"] for f in data["facets"]]
    assert len(data["hits"]) == len(result.hits)
    for hit, row in zip(result.hits, data["hits"]):
        keys = hit_facet_keys(hit, result)
        keys["dates"] = keys["dates"] or [views.UNDATED]  # "No date" is a dates value here
        for name, ordinals in zip(names, row):
            assert sorted(data["facets"][names.index(name)]["values"][o] for o in ordinals) \
                == sorted(set(keys[name]))


def test_hostile_article_renders_as_text(ix, report):
    out, _ = report
    article = ix.get(HOSTILE_ID)
    assert article is not None
    article_path = out / article_links(ix, out)[HOSTILE_ID]
    listing_it = [p for p in (out / "entities").glob("*.html") if "__pwned" in p.read_text()]
    assert listing_it, "entity pages list the hostile article too"
    for path in [out / "index.html", out / "entities.html", article_path, *listing_it]:
        page = read_page(path)
        for script in page.all("script"):  # only our file and the inert JSON block
            assert script["attrs"].get("src", "").endswith("assets/report.js") or (
                script["attrs"].get("type") == "application/json"
                and "<" not in script["text"]), path.name
        assert not page.all("img"), path.name
        assert not [e for e in page.elements if any(
            str(v).strip().lower().startswith("javascript:") for v in e["attrs"].values())]
        assert not [e for e in page.elements if any(k.startswith("on") for k in e["attrs"])]
    data = page_data(read_page(out / "index.html"))
    tags = next(f["values"] for f in data["facets"] if f["name"] == "tags")
    assert set(HOSTILE["tags"]) <= set(tags)  # the JSON block round-trips the markup exactly
    article_page = read_page(article_path)
    h1 = article_page.all("h1")[0]["text"]
    assert "<script>window.__pwned = 1</script>" in h1 and "<img src=x" in h1
    body = " ".join(e["text"] for e in article_page.all("p"))
    assert "<script>window.__pwned = 4</script>" in body
    codes = " ".join(e["text"] for e in article_page.all("code"))
    assert "javascript:window.__pwned=3" in codes  # the url shown as text, not as a link
    assert not article_page.with_class("original", "a")  # the javascript: url is no link


def test_article_page_marks_what_extraction_found(ix, report):
    out, _ = report
    result = ix.run(SearchRequest("prisoner exchange", limit=5))
    assert result.hits
    article = ix.get(result.hits[0].id)
    page = read_page(out / article_links(ix, out)[article["id"]])
    marks = [e for e in page.all("mark") if (e["attrs"].get("class") or "").startswith("k-")
             and e["attrs"].get("title")]
    by_kind = Counter(e["attrs"]["class"][2:] for e in marks)
    mentions = Counter(m["kind"] for m in article["mentions"])
    for kind in ("person", "place", "org"):
        assert 0 < by_kind[kind] <= mentions[kind], kind
    assert by_kind["amount"] == len(article["amounts"]) > 0
    texts = {article["text"][m["start"]:m["end"]] for m in article["mentions"]}
    assert {e["text"] for e in marks if e["attrs"]["class"] != "k-amount"} <= texts
    legend = page.with_class("legend", "ul")
    assert legend and "Person" in legend[0]["text"] and "Amount" in legend[0]["text"]
    events = page.with_class("events", "section")[0]["text"]
    for event in article["events"]:
        assert event["type"] in events
        assert " ".join(event["evidence"].split())[:40] in " ".join(events.split())
    links = [e["attrs"]["href"] for e in page.all("a") if "entities/" in e["attrs"].get("href", "")]
    assert links and all((out / "articles" / link).resolve().is_file() for link in links)


def test_entity_pages_count_cooccurrence(ix, report):
    out, _ = report
    result = ix.run(SearchRequest("", limit=1000))
    person = ix.facet_values("people")[0].value
    with_person = [h for h in result.hits if person in h.people]
    expected = Counter(p for h in with_person for p in set(h.places))
    entities = read_page(out / "entities.html")
    link = next(e["attrs"]["href"] for e in entities.all("a") if e["text"] == person)
    page = read_page(out / link)
    assert page.all("h1")[0]["text"].strip() == person
    listed = [e for e in page.with_class("compact", "li")]
    assert len(listed) == len(with_person)
    places = page.all("section", **{"aria_labelledby": "g-place"})[0]
    start = page.elements.index(places)
    shown = {}
    for e in page.elements[start:]:
        if e["tag"] == "section" and e is not places:
            break
        if e["tag"] == "li":
            name, _, count = e["text"].strip().rpartition(" ")
            shown[name.strip()] = int(count)
    assert shown and all(expected[name] == count for name, count in shown.items())
    assert sorted(shown.values(), reverse=True) == list(shown.values())


def test_timeline_counts_every_dated_article_and_names_the_undated(ix, report):
    need_ukraine()
    need_undated()
    out, _ = report
    page = read_page(out / "index.html")
    hits = ix.run(SearchRequest("", limit=1000)).hits
    undated = [h for h in hits if not h.date]
    assert undated, "the test corpus holds undated articles"
    bars = page.with_class("bar", "rect")
    assert sum(int(b["text"].rsplit(": ", 1)[1]) for b in bars) == len(hits) - len(undated)
    # The count axis: 0, half and the top, the top at least the tallest bar.
    peak = max(int(b["text"].rsplit(": ", 1)[1]) for b in bars)
    ticks = {e["attrs"]["class"].split()[1]: int(e["text"]) for e in page.with_class("tick", "g")}
    assert ticks["low"] == 0 and ticks["high"] >= peak and ticks["mid"] == ticks["high"] // 2
    assert ticks["high"] < 2 * peak or peak <= 2  # round, not wasteful
    tallest = max(float(b["attrs"]["height"]) for b in bars)
    assert abs(tallest - CHART_HEIGHT * peak / ticks["high"]) < 0.01
    note = page.all("p", id="tl-undated")[0]
    assert "hidden" not in note["attrs"]
    assert " ".join(note["text"].split()).startswith(
        f"{len(undated)} undated article{'s are' if len(undated) > 1 else ' is'} not shown")
    link = page.all("a", id="undated-link")[0]["attrs"]["href"]
    assert link == f"#dates={views.UNDATED}&page=1"
    # "No date" is a dates value of the sidebar, counted like the others.
    counts = checkbox_counts(page)
    assert counts[("dates", views.UNDATED)] == (len(undated), False)


def test_timeline_names_months_when_the_span_allows(ix, tmp_path):
    need_ukraine()
    request = SearchRequest("", date_from="2022-01-01", date_to="2022-12-31")
    write_report(ix, request, tmp_path)
    page = read_page(tmp_path / "index.html")
    assert "per month" in page.all("figcaption", id="tl-caption")[0]["text"]
    labels = [(e["attrs"]["class"].split()[0], e["text"].strip()) for e in page.elements
              if e["tag"] == "g" and (e["attrs"].get("class") or "").startswith("row")]
    months = [t for row, t in labels if row == "row1"]
    years = [t for row, t in labels if row == "row2"]
    assert years and set(years) <= {"2022"}
    assert len(months) >= 2 and set(months) <= set(views.MONTHS)
    bars = page.with_class("bar", "rect")
    assert bars[0]["text"].split(":")[0].split()[0] in views.MONTHS


def test_time_labels_never_collide():
    """Every span up to 40 years by month and 200 by year, from every first month: the labels
    of a row keep their room apart on a desktop, and those kept on a phone the phone's room."""
    for monthly in (True, False):
        for n in range(1, 481 if monthly else 201):
            for first in (range(1, 13) if monthly else (1,)):
                start = 1990 * 12 + first - 1
                buckets = ([f"{(start + k) // 12}-{(start + k) % 12 + 1:02d}" for k in range(n)]
                           if monthly else [str(1900 + y) for y in range(n)])
                step = min(800.0 / n, 56.0)
                labels, rows = views._time_labels(buckets, step, monthly)
                assert labels or (monthly and n < 12), (monthly, n, first)
                for row in range(1, rows + 1):
                    room = views.MONTH_ROOM if rows == 2 and row == 1 else views.YEAR_ROOM
                    for size, kept in ((0, labels), (1, [l for l in labels if not l["dense"]])):
                        xs = [l["x"] for l in kept if l["row"] == row]
                        assert all(b - a >= room[size] - 1e-6 for a, b in zip(xs, xs[1:])), \
                            (monthly, n, first, row, size)


def test_axis_top_is_a_round_number_just_above_the_peak():
    previous = 0
    for peak in range(0, 5001):
        top = views.axis_top(peak)
        assert top >= max(peak, 1) and top >= previous
        assert top == 1 or top % 2 == 0  # its half is a whole number of articles
        assert peak <= 2 or top < 1.5 * peak  # at most half empty
        previous = top


def test_map_window_holds_every_dot():
    import random

    rng = random.Random(14)
    for _ in range(500):
        n = rng.randint(1, 12)
        lat0, lon0 = rng.uniform(-55, 80), rng.uniform(-175, 175)
        spread = rng.choice([1, 5, 20, 60, 180])
        points = [views.map_xy(min(85, max(-60, lat0 + rng.uniform(-spread, spread) / 2)),
                               min(180, max(-180, lon0 + rng.uniform(-spread, spread))))
                  for _ in range(n)]
        x, y, w, h = views.map_window(points)
        assert 0 <= x and 0 <= y and x + w <= views.MAP_WIDTH + 1e-6 \
            and y + h <= views.MAP_HEIGHT + 1e-6
        assert all(x <= px <= x + w and y <= py <= y + h for px, py in points)
        assert 1.2 <= w / h <= 2.6  # landscape, also on a phone


def test_map_labels_of_the_top_places_do_not_overlap():
    import random

    rng = random.Random(7)
    for _ in range(200):
        dots = [{"name": "".join(rng.choice("abcdefgh") for _ in range(rng.randint(3, 18))),
                 "x": rng.uniform(0, 720), "y": rng.uniform(0, 290), "r": rng.uniform(2, 15),
                 "count": rng.randint(1, 50)} for _ in range(rng.randint(1, 40))]
        dots.sort(key=lambda d: -d["count"])
        views._place_labels(dots, (0.0, 0.0, 720.0, 290.0), views.MAP_FONT)
        boxes = []
        for d in dots:
            if not d["top"]:
                continue
            size = views.MAP_FONT * views.PHONE_FONT
            width = 0.58 * size * len(d["name"])
            left = d["label"]["x"] - (width if d["label"]["anchor"] == "end" else 0)
            box = (left, d["y"] - size / 2, width, size)
            assert 0 <= box[0] and box[0] + box[2] <= 720 + 1e-6
            assert not any(views._overlap(box, b) for b in boxes)
            boxes.append(box)
        assert len(boxes) <= views.MAP_LABELS
        assert dots[0]["top"] or not any(d["top"] for d in dots[:1])


def test_map_dots_labels_legend_and_top_places(ix, report):
    need_ukraine()
    out, _ = report
    page = read_page(out / "index.html")
    svg = page.all("svg", id="map")[0]
    assert svg["attrs"]["role"] == "group"  # it holds links: no role=img around them
    vx, vy, vw, vh = map(float, svg["attrs"]["viewbox"].split())
    places = [e for e in page.with_class("place") if e["tag"] in ("a", "g")]
    dots = page.with_class("dot", "circle")[:len(places)]
    assert places and len(dots) == len(places)
    for dot in dots:
        x, y = float(dot["attrs"]["cx"]), float(dot["attrs"]["cy"])
        assert vx <= x <= vx + vw and vy <= y <= vy + vh and float(dot["attrs"]["r"]) > 0
    # Dots in order of their counts, one tab stop among the links, every link named.
    library = {v.value: v.count for v in ix.run(SearchRequest(
        "", facets=("places",), facet_limit=None, limit=0)).facets["places"]}
    named = [re.match(r"(.*): (\d+) articles?$", a["attrs"]["aria-label"]).groups()
             for a in places if a["tag"] == "a"]
    assert all(library[name] == int(n) for name, n in named)
    counts = [int(n) for _, n in named]
    assert counts == sorted(counts, reverse=True)
    assert [a["attrs"]["tabindex"] for a in places if a["tag"] == "a"].count("0") == 1
    kyiv = [a for a in places if a["attrs"].get("aria-label", "").startswith("Kyiv:")]
    if kyiv:  # Kyiv lies at about 50.45 N, 30.52 E
        circle = page.elements[page.elements.index(kyiv[0]) + 1]
        assert abs(float(circle["attrs"]["cx"]) - (30.52 + 180) * 2) < 4
        assert abs(float(circle["attrs"]["cy"]) - (85 - 50.45) * 2) < 4
    # Labels: the most named places that fit, at least the first one.
    labelled = [e["text"] for e in page.all("text") if "top" in (e["attrs"].get("class") or "")]
    assert named[0][0] in labelled and 0 < len(labelled) <= views.MAP_LABELS
    # The legend names the peak; the list beside the map holds the top places in order.
    keys = [e["text"].strip() for e in page.with_class("key", "g")]
    assert str(counts[0]) in keys and "1" in keys
    top = page.all("ol", id="top-places")[0]
    items = [" ".join(li["text"].split()) for li in ul_items(page, top)]
    assert items == [f"{name} {n}" for name, n in
                     sorted(((d["attrs"]["aria-label"].split(": ")[0], library[
                         d["attrs"]["aria-label"].split(": ")[0]]) for d in places
                         if d["tag"] == "a"), key=lambda p: (-p[1], p[0]))][:views.TOP_PLACES]


def test_header_names_the_index_the_date_and_the_version(ix, tmp_path):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    write_report(ix, SearchRequest("prisoner exchange", sort="newest"), tmp_path)
    after = dt.datetime.now(dt.timezone.utc)
    page = read_page(tmp_path / "index.html")
    line = " ".join(page.with_class("provenance", "p")[0]["text"].split())
    assert f"Index {Path(ix.dir).resolve().name} ({ix.doc_count()} articles)" in line
    assert f"searchkit {searchkit.__version__}" in line
    when = dt.datetime.fromisoformat(page.with_class("provenance", "p") and [
        e for e in page.all("time") if e["attrs"].get("datetime", "").endswith("+00:00")][0][
        "attrs"]["datetime"])
    assert before <= when <= after
    assert page.all("p", id="selection-words")[0]["text"] == views.NO_FILTERS
    conditions = " ".join(page.with_class("conditions", "dl")[0]["text"].split())
    assert "all words" in conditions and "newest first" in conditions
    # A given time is written as given, in UTC; and on every page, in the footer.
    fixed = dt.datetime(2024, 3, 5, 14, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    write_report(ix, SearchRequest(""), tmp_path / "fixed", generated=fixed)
    for path in (tmp_path / "fixed" / "index.html", tmp_path / "fixed" / "entities.html",
                 next((tmp_path / "fixed" / "articles").glob("*.html"))):
        footer = " ".join(read_page(path).all("footer")[0]["text"].split())
        assert "5 Mar 2024, 12:07 UTC" in footer and searchkit.__version__ in footer, path.name


def test_index_name_is_escaped(ix, tmp_path):
    hostile = tmp_path / "<i onmouseover=alert(1)>news"  # a folder name holds no "/"
    hostile.symlink_to(Path(ix.dir).resolve(), target_is_directory=True)
    write_report(searchkit.open_index(hostile), SearchRequest(""), tmp_path / "out")
    page = read_page(tmp_path / "out" / "index.html")
    line = page.with_class("provenance", "p")[0]
    assert f"Index {hostile.name} (" in " ".join(line["text"].split())
    assert not page.all("i") and "&lt;i onmouseover=alert(1)&gt;news" in page.source


def test_selection_in_words_names_every_filter(ix, tmp_path):
    need_ukraine()
    person = ix.facet_values("people")[0].value
    places = [v.value for v in ix.facet_values("places")[:2]]
    write_report(ix, SearchRequest("", filters={"places": tuple(places), "people": (person,)}),
                 tmp_path)
    words = read_page(tmp_path / "index.html").all("p", id="selection-words")[0]["text"]
    assert words.startswith("Filtered to ")
    assert f"People: {person}" in words
    assert " or ".join(sorted(places, key=[v.value for v in ix.run(SearchRequest(
        "", facets=("places",), facet_limit=None, limit=0)).facets["places"]].index)) in words


def test_user_templates_override_single_files(ix, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "_results.html").write_text(
        '<section class="mine" aria-label="Mine">{% for r in results %}<p class="my-hit">'
        '{{ r.title }}</p>{% endfor %}</section>', encoding="utf-8")
    (mine / "report.css").write_text("body { color: #111; }", encoding="utf-8")
    out = tmp_path / "out"
    write_report(ix, SearchRequest(""), out, templates_dir=mine)
    page = read_page(out / "index.html")
    mine_hits = page.with_class("my-hit")
    assert len(mine_hits) == ix.doc_count()
    hits_html = re.findall(r'<p class="my-hit">(.*?)</p>', page.source)
    assert any("&lt;script&gt;" in h for h in hits_html)
    assert page.with_class("facets")  # the other templates are still the shipped ones
    assert (out / "assets" / "report.css").read_text() == "body { color: #111; }"
    with pytest.raises(SearchkitError):
        write_report(ix, SearchRequest(""), out, templates_dir=tmp_path / "nope")


def test_names_in_one_article_get_no_page_when_asked(ix, tmp_path):
    summary = write_report(ix, SearchRequest(""), tmp_path, entity_min_articles=2)
    result = ix.run(SearchRequest("", limit=1000))
    named = Counter((facet, n) for h in result.hits for facet in ("people", "places", "orgs")
                    for n in set(getattr(h, facet)))
    pages = [key for key, count in named.items() if count >= 2]
    assert len(list((tmp_path / "entities").glob("*.html"))) == summary.entities == len(pages)
    listing = read_page(tmp_path / "entities.html")
    assert sum(len(ul_items(listing, ul)) for ul in listing.with_class("names", "ul")) == len(named)
    linked = [e for e in listing.all("a") if e["attrs"]["href"].startswith("entities/")]
    assert len(linked) == len(pages)
    assert "single article have no page" in listing.with_class("meta", "p")[0]["text"]
    assert_links_resolve(tmp_path)  # no link to a page that was not written


def test_rerun_replaces_old_pages_and_keeps_other_files(ix, tmp_path):
    write_report(ix, SearchRequest(""), tmp_path)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    narrow = write_report(ix, SearchRequest("Zelenskyy"), tmp_path)
    assert len(list((tmp_path / "articles").glob("*.html"))) == narrow.articles
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_no_match_writes_a_page(ix, tmp_path):
    summary = write_report(ix, SearchRequest("qwertyuiopzzz"), tmp_path)
    assert summary.total == 0 and summary.articles == 0
    page = read_page(tmp_path / "index.html")
    assert page.with_class("empty") and not page.check()


def test_shipped_templates_live_in_the_package():
    found = default_templates_dir()
    assert found == (REPO / "searchkit" / "templates").resolve() or \
        found.resolve() == (REPO / "templates").resolve()
    assert (REPO / "searchkit" / "templates" / "base.html").is_file()
    for name in ("base.html", "index.html", "article.html", "entity.html", "entities.html",
                 "report.css", "report.js"):
        assert (found / name).is_file(), name


def test_folded_copies_spellings_and_the_main_event_are_shown(tmp_path):
    story = ("Ukraine and Russia exchanged ninety prisoners of war on Tuesday after talks "
             "brokered by the United Arab Emirates, officials in Kyiv said, the latest in a "
             "series of swaps that also returned the bodies of soldiers killed near Bakhmut.")
    records = [
        {"id": "a", "source": "Wire A", "title": "Swap", "text": story,
         "people": ["Volodymyr Zelenskyy"], "event_types": ["Prisoner exchange"]},
        {"id": "b", "source": "Wire B", "title": "Swap again", "text": story + " More later.",
         "people": ["Zelenskyy"]},
        {"id": "c", "source": "Paper C", "title": "Talks", "text": "Talks resumed in Geneva.",
         "people": ["Wołodymyr Zełenski"]},
    ]
    src = tmp_path / "r.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    searchkit.index_paths([str(src)], index_dir=tmp_path / "ix", extract=False)
    ix = searchkit.open_index(tmp_path / "ix")
    write_report(ix, SearchRequest(""), tmp_path / "out")
    page = read_page(tmp_path / "out" / "index.html")
    dups = page.with_class("dups", "p")
    assert len(dups) == 1 and "+1 near-identical" in dups[0]["text"]
    entity = next((tmp_path / "out" / "entities").glob("*.html"))
    text = entity.read_text(encoding="utf-8")
    assert "Also written as" in text and "Zełenski" in text and "Zelenskyy" in text
    article = read_page(next(p for p in (tmp_path / "out" / "articles").glob("*.html")
                             if "Swap</h1>" in p.read_text(encoding="utf-8") or "Swap" in p.name))
    assert "Main event:" in " ".join(e["text"] for e in article.with_class("main-event", "span"))
