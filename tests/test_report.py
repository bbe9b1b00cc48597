"""Report pages written from a real index: pages, counts, escaping, templates, structure.

The index is built once per module from real files: the repo's seed corpus, a few
Ukraine-war articles from ../shared/data (when present) and a hostile article whose
title, text, source, url and tags carry markup and script.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

import searchkit
from searchkit.facets import hit_facet_keys
from searchkit.models import SearchkitError, SearchRequest
from searchkit.report import ENTITY_PAGES_ALL, default_templates_dir, write_report

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UKRAINE = SHARED_DATA / "news" / "ukraine_war.jsonl"
#: Ukraine-war articles taken into the test corpus (every 15th line: spread over the years).
UKRAINE_EVERY, UKRAINE_COUNT = 15, 14
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
    if UKRAINE.is_file():
        lines = UKRAINE.read_text(encoding="utf-8").splitlines()
        chosen = lines[::UKRAINE_EVERY][:UKRAINE_COUNT]
        (root / "ukraine.jsonl").write_text("\n".join(chosen) + "\n", encoding="utf-8")
        paths.append(str(root / "ukraine.jsonl"))
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
    result = ix.run(SearchRequest(text=request.text, filters=request.filters, facets=FACETS,
                                  facet_limit=None, limit=0))
    return LibraryCounts({(name, v.value): v.count
                          for name, values in result.facets.items() for v in values})


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


def test_timeline_and_map_cover_the_hits(ix, report):
    need_ukraine()
    out, _ = report
    page = read_page(out / "index.html")
    bars = page.all("rect")
    bars = [b for b in bars if "bar" in (b["attrs"].get("class") or "")]
    dates = ix.facet_values("dates")
    assert sum(int(b["text"].rsplit(": ", 1)[1]) for b in bars) == sum(v.count for v in dates)
    first, last = dates[0].value, dates[-1].value
    assert len(bars) >= len(dates) and bars[0]["text"].startswith(
        ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[int(first[5:7]) - 1]
         if len(first) == 7 else first))
    dots = page.with_class("dot", "circle")
    assert dots
    for dot in dots:
        x, y = float(dot["attrs"]["cx"]), float(dot["attrs"]["cy"])
        assert 0 <= x <= 720 and 0 <= y <= 290 and float(dot["attrs"]["r"]) > 0
    kyiv = [d for d in dots if d["text"].startswith("Kyiv:")]
    if kyiv:  # Kyiv lies at about 50.45 N, 30.52 E
        assert abs(float(kyiv[0]["attrs"]["cx"]) - (30.52 + 180) * 2) < 4
        assert abs(float(kyiv[0]["attrs"]["cy"]) - (85 - 50.45) * 2) < 4
    assert last >= first


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
