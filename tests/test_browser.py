"""The report site in a real headless Chromium: facet clicks, counts, article pages, safety,
accessibility (axe-core), the timeline and the map, the keyboard, copying a link.

Chromium is driven through chromedriver's WebDriver protocol with urllib (no extra
package). The tests skip only when chromium or chromedriver is missing, and fail instead
when the CI environment variable is set; the accessibility tests likewise need axe-core
(`npm ci --prefix tests`, pinned in tests/package.json). Screenshots of every page kind at
desktop and phone size land in tests/artifacts/ (or $SEARCHKIT_ARTIFACTS) for a person to
look at.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from searchkit import report_views as views
from searchkit.batch import run_batch
from searchkit.models import SearchRequest
from searchkit.report import CHART_HEIGHT, write_report

from test_report import build_corpus_index

ARTIFACTS = Path(os.environ.get("SEARCHKIT_ARTIFACTS",
                                Path(__file__).resolve().parent / "artifacts"))
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--window-size=1280,900",
]


def _find(name: str, *fallbacks: str) -> str | None:
    for candidate in (shutil.which(name), *fallbacks):
        if candidate and Path(candidate).exists():
            return candidate
    return None


CHROMIUM = _find("chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = _find("chromedriver", "/usr/bin/chromedriver")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: Screen sizes every page kind is checked and photographed at: (name, width, height).
SIZES = (("desktop", 1280, 900), ("phone", 390, 844))


def _require_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    _missing("no chromium/chromedriver installed "
             "(Debian: apt-get install chromium chromium-driver)")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


class WebDriver:
    """A minimal W3C WebDriver client for chromedriver over plain HTTP."""

    def __init__(self, profile_dir: str):
        self.port = _free_port()
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait_ready()
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"performance": "ALL"},
                "goog:chromeOptions": {"binary": CHROMIUM,
                                       "args": [*CHROMIUM_ARGS, f"--user-data-dir={profile_dir}"]}}
        value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
        self.session = f"/session/{value['sessionId']}"

    def _wait_ready(self, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError("chromedriver did not start")

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{method} {path}: {exc.read().decode(errors='replace')}") from None

    def cmd(self, method: str, path: str = "", body: dict | None = None):
        return self._call(method, self.session + path, body)

    def open(self, url: str) -> None:
        self.cmd("POST", "/url", {"url": url})

    def js(self, script: str, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        found = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))  # {web element identifier: id}

    def click(self, css: str) -> None:
        self.cmd("POST", f"/element/{self.find(css)}/click", {})

    def resize(self, width: int, height: int) -> None:
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def viewport(self, width: int, height: int) -> None:
        """Make the page's viewport exactly width x height CSS pixels (a phone below 600)."""
        self.cdp("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def keys(self, *keys: str, held: str | None = None) -> None:
        """Press and release each key in turn, as a person at the keyboard would (with the
        modifier `held` down meanwhile, such as SHIFT)."""
        actions = [{"type": "keyDown", "value": held}] if held else []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        if held:
            actions.append({"type": "keyUp", "value": held})
        self.cmd("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard",
                                                   "actions": actions}]})

    def screenshot(self, path: Path, full: bool = True) -> Path:
        """A PNG of the page (the whole scroll height when `full`)."""
        params: dict = {"format": "png"}
        if full:
            size = self.cdp("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000),
                "scale": 1})
        png = self.cdp("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(png))
        return path

    def cdp(self, command: str, params: dict | None = None):
        return self.cmd("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def requested_urls(self) -> list[str]:
        """Every URL the browser asked for since the last call (from the performance log)."""
        urls = []
        for entry in self.cmd("POST", "/se/log", {"type": "performance"}):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def quit(self) -> None:
        try:
            self.cmd("DELETE")
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    _require_browser()
    import searchkit

    return searchkit.open_index(build_corpus_index(tmp_path_factory.mktemp("corpus")))


@pytest.fixture(scope="module")
def site(ix, tmp_path_factory):
    """A report of every article, paged by 4 so the pager shows."""
    out = tmp_path_factory.mktemp("site")
    write_report(ix, SearchRequest(""), out, page_size=PAGE_SIZE)
    return out


@pytest.fixture(scope="module")
def browser(ix):
    profile = tempfile.mkdtemp(prefix="searchkit-chromium-")
    driver = WebDriver(profile)
    driver.open("about:blank")
    driver.requested_urls()  # drop whatever the browser itself loaded at start
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(autouse=True)
def fresh_request_log(browser):
    """Each test checks the requests of its own pages only."""
    browser.requested_urls()


PAGE_SIZE = 4
FACETS = ("people", "places", "orgs", "event_types", "amounts", "dates", "sources", "tags")


def page_state(browser) -> dict:
    """What a reader sees: visible results, results on the page, and every facet count."""
    return browser.js("""
        const items = [...document.querySelectorAll('#results > li.result')];
        const shown = items.filter(li => !li.hidden);
        const onPage = shown.filter(li => getComputedStyle(li).display !== 'none');
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const counts = {};
        for (const box of document.querySelectorAll('input[data-f]')) {
          const f = data.facets[+box.dataset.f];
          counts[f.name + '\\u0000' + f.values[+box.dataset.v]] =
            [+box.parentNode.querySelector('.n').textContent, box.checked, box.disabled];
        }
        return {shown: shown.length, onPage: onPage.length, counts,
                line: document.getElementById('result-count').textContent,
                hash: location.hash, pwned: window.__pwned === undefined ? null : window.__pwned};
    """)


def library_answer(ix, filters: dict) -> tuple[int, dict]:
    result = ix.run(SearchRequest("", filters={k: tuple(v) for k, v in filters.items()},
                                  facets=FACETS, facet_limit=None, limit=0))
    counts = {(name, v.value): v.count for name, values in result.facets.items() for v in values}
    return result.total, counts


def assert_counts_match(state: dict, ix, filters: dict, undated: bool = False) -> None:
    """The page's counts are the library's for `filters` (and, with `undated`, for the
    articles without a date, which the library cannot filter on)."""
    total, expected = library_answer(ix, filters)
    hits = ix.run(SearchRequest("", filters={k: tuple(v) for k, v in filters.items()},
                                limit=1000)).hits
    expected[("dates", views.UNDATED)] = sum(not h.date for h in hits)
    if undated:
        total = expected[("dates", views.UNDATED)]
        expected = {key: count for key, count in expected.items() if key[0] == "dates"}
    assert state["shown"] == total
    assert state["onPage"] == min(total, PAGE_SIZE)
    checked = {(n, v) for n, vs in filters.items() for v in vs}
    if undated:
        checked.add(("dates", views.UNDATED))
    for key, (count, is_checked, disabled) in state["counts"].items():
        name, value = key.split("\u0000")
        if undated and name != "dates":
            continue  # counted among the undated: the library has no filter for that
        if name == "dates" and (name, value) not in expected:  # the library chose months
            want = sum(c for (n, v), c in expected.items() if n == "dates" and v.startswith(value))
        else:
            want = expected.get((name, value), 0)
        assert count == want, (name, value, filters)
        assert is_checked == ((name, value) in checked)
        assert not disabled


def click_value(browser, facet: str, value: str) -> None:
    """Click the label of a facet value (opening its "More" fold when needed)."""
    box_id = browser.js("""
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const f = data.facets.findIndex(x => x.name === arguments[0]);
        const v = data.facets[f].values.indexOf(arguments[1]);
        const box = document.querySelector(`input[data-f="${f}"][data-v="${v}"]`);
        const fold = box.closest('details:not(.filter-panel)');
        if (fold) fold.open = true;
        box.scrollIntoView({block: 'center'});
        return box.id;
    """, facet, value)
    browser.click(f'label[for="{box_id}"]')


def assert_offline(browser, site: Path) -> None:
    """No request left the folder: every URL asked for is a file inside it (or data:)."""
    root = site.resolve().as_uri()
    for url in browser.requested_urls():
        if url.startswith(("chrome:", "chrome-untrusted:", "devtools:", "about:")):
            continue  # the browser's own UI, not the page
        assert url.startswith(root) or url.startswith("data:"), f"network request: {url}"


# ---------------------------------------------------------------- tests


def test_facet_clicks_match_the_library(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    state = page_state(browser)
    assert_counts_match(state, ix, {})
    assert state["counts"], "facet checkboxes are rendered"
    person = ix.facet_values("people")[0].value
    click_value(browser, "people", person)
    state = page_state(browser)
    assert_counts_match(state, ix, {"people": [person]})
    assert "people=" in state["hash"]
    # A second value of the same facet widens (OR); a value of another facet narrows (AND).
    second = ix.facet_values("people")[1].value
    click_value(browser, "people", second)
    assert_counts_match(page_state(browser), ix, {"people": [person, second]})
    place = next(key.split("\u0000")[1] for key, (count, _, _) in page_state(browser)["counts"]
                 .items() if key.startswith("places\u0000") and count)
    click_value(browser, "places", place)
    filters = {"people": [person, second], "places": [place]}
    state = page_state(browser)
    assert_counts_match(state, ix, filters)
    browser.screenshot(ARTIFACTS / "index-filtered.png")
    # The fragment is the state: reopening the bookmarked address shows the same view.
    bookmarked = browser.js("return location.href")
    browser.open("about:blank")
    browser.open(bookmarked)
    assert_counts_match(page_state(browser), ix, filters)
    browser.click("#clear-filters")
    assert_counts_match(page_state(browser), ix, {})
    assert_offline(browser, site)


def test_request_filters_start_ticked_and_can_be_widened(browser, ix, tmp_path):
    person = ix.facet_values("people")[0].value
    write_report(ix, SearchRequest("", filters={"people": (person,)}), tmp_path,
                 page_size=PAGE_SIZE)
    browser.open((tmp_path / "index.html").as_uri())
    assert_counts_match(page_state(browser), ix, {"people": [person]})
    click_value(browser, "people", person)  # untick: every article of the search again
    assert_counts_match(page_state(browser), ix, {})
    assert_offline(browser, tmp_path)


def test_pager_walks_through_the_results(browser, ix, site):
    browser.open((site / "index.html").as_uri() + "#page=1")
    total = ix.doc_count()
    pages = -(-total // PAGE_SIZE)
    seen = []
    for page in range(1, pages + 1):
        ids = browser.js("""return [...document.querySelectorAll('#results > li.result')]
            .filter(li => getComputedStyle(li).display !== 'none').map(li => li.dataset.i)""")
        assert len(ids) == min(PAGE_SIZE, total - len(seen))
        seen += ids
        if page < pages:
            browser.click('#pager button[aria-label="Next page"]')
            assert f"page={page + 1}" in browser.js("return location.hash")
    assert seen == [str(i) for i in range(total)]
    assert_offline(browser, site)


def test_article_page_opens_with_marked_text(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    browser.resize(1280, 900)
    browser.screenshot(ARTIFACTS / "index.png")
    hit = ix.run(SearchRequest("prisoner exchange", limit=1)).hits[0]
    href = browser.js("""
        const a = [...document.querySelectorAll('#results h3 a')]
            .find(a => a.textContent === arguments[0]);
        a.scrollIntoView(); return a.getAttribute('href');""", hit.title)
    browser.click(f'#results h3 a[href="{href}"]')
    assert browser.js("return location.pathname").endswith(href)
    assert browser.js("return document.querySelector('h1').textContent") == hit.title
    kinds = browser.js("""return [...document.querySelectorAll('.doc-text mark[title]')]
        .map(m => m.className)""")
    assert {"k-person", "k-place", "k-amount"} <= set(kinds)
    browser.screenshot(ARTIFACTS / "article.png")
    # Linked names differ from the text by more than colour: an underline (WCAG 1.4.1).
    styles = browser.js("""return [...document.querySelectorAll('.doc-text mark a')]
        .map(a => getComputedStyle(a).textDecorationLine)""")
    assert styles and set(styles) == {"underline"}
    entity = browser.js("return document.querySelector('.doc-text mark.k-person a').href")
    browser.open(entity)
    assert browser.js("return document.querySelectorAll('.result.compact').length") >= 1
    browser.screenshot(ARTIFACTS / "entity.png")
    browser.click("a.filter-link")  # "Show these N articles on the results page"
    state = page_state(browser)
    person = browser.js("return decodeURIComponent(location.hash)")
    assert "people=" in person and state["shown"] >= 1
    assert_offline(browser, site)


def test_hostile_article_never_runs(browser, ix, site):
    pages = [site / "index.html", site / "entities.html"]
    browser.open((site / "index.html").as_uri())
    href = browser.js("""return [...document.querySelectorAll('#results h3 a')]
        .find(a => a.textContent.includes('<script>')).getAttribute('href')""")
    pages.append(site / href)
    pages += [site / "entities" / p for p in
              browser.js("""return [...document.querySelectorAll('.chip a')].map(a =>
                  a.getAttribute('href').replace('entities/', ''))""")[:3]]
    for path in pages:
        browser.open(path.as_uri())
        found = browser.js("""return {
            pwned: window.__pwned === undefined ? null : window.__pwned,
            imgs: document.querySelectorAll('img').length,
            js: [...document.querySelectorAll('[href]')].filter(
                a => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')).length,
            text: document.body.textContent}""")
        assert found["pwned"] is None, path.name
        assert found["imgs"] == 0 and found["js"] == 0, path.name
    browser.open((site / href).as_uri())
    title = browser.js("return document.querySelector('h1').textContent")
    assert "<script>window.__pwned = 1</script>" in title
    browser.screenshot(ARTIFACTS / "hostile-article.png")
    assert_offline(browser, site)


def test_without_javascript_every_result_and_count_shows(browser, ix, site):
    browser.cdp("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.open((site / "index.html").as_uri())
        # The page's scripts are off; the driver's own still run.
        shown = browser.js("""return [...document.querySelectorAll('#results > li.result')]
            .filter(li => getComputedStyle(li).display !== 'none').length""")
    finally:
        browser.cdp("Emulation.setScriptExecutionDisabled", {"value": False})
    assert shown == ix.doc_count()
    assert_offline(browser, site)


def test_phone_layout_folds_the_filters(browser, site):
    browser.viewport(390, 844)
    try:
        browser.open((site / "index.html").as_uri())
        folded = browser.js("return document.getElementById('filter-panel').open")
        overflow = browser.js("return document.documentElement.scrollWidth > window.innerWidth")
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride")
    assert folded is False
    assert overflow is False
    assert_offline(browser, site)


# ---------------------------------------------------------------- accessibility and screenshots

#: The WebDriver key codes of the keys the map answers to.
TAB, ENTER, SHIFT = "\ue004", "\ue007", "\ue008"
LEFT, RIGHT, HOME, END = "\ue012", "\ue014", "\ue011", "\ue010"


@pytest.fixture(scope="module")
def axe():
    """axe-core's source, to inject into pages; skips (fails in CI) when not installed."""
    if not AXE.is_file():
        _missing(f"axe-core is not installed at {AXE}: run `npm ci --prefix tests`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def digest(ix, tmp_path_factory):
    """The folder `searchkit batch` writes for two named searches."""
    root = tmp_path_factory.mktemp("batch")
    place = ix.facet_values("places")[0].value
    (root / "searches.toml").write_text(
        '[[search]]\nname = "Prisoner exchanges"\nquery = "prisoner exchange"\n\n'
        f'[[search]]\nname = "In {place}"\nquery = ""\nplaces = [{json.dumps(place)}]\n',
        encoding="utf-8")
    run_batch(ix, root / "searches.toml", root / "digest")
    return root / "digest"


def page_kinds(browser, ix, site: Path, digest: Path) -> dict[str, Path]:
    """One page of each kind: results, an article, an entity, the names, a batch digest."""
    browser.open((site / "index.html").as_uri())
    hit = ix.run(SearchRequest("prisoner exchange", limit=1)).hits[0]
    article = browser.js("""return [...document.querySelectorAll('#results h3 a')]
        .find(a => a.textContent === arguments[0]).getAttribute('href')""", hit.title)
    browser.open((site / "entities.html").as_uri())
    entity = browser.js("""return [...document.querySelectorAll('.names a')]
        .find(a => a.textContent === arguments[0]).getAttribute('href')""",
                        ix.facet_values("people")[0].value)
    return {"results": site / "index.html", "article": site / article, "entity": site / entity,
            "entities": site / "entities.html", "batch": digest / "index.html"}


def run_axe(browser, axe: str) -> list[dict]:
    """axe-core's violations on the open page: rule, impact, how many nodes, the first ones."""
    browser.js(axe + "\nreturn true;")
    return browser.js("""return axe.run(document, {resultTypes: ['violations']}).then(r =>
        r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))""")


@pytest.mark.parametrize("size", SIZES, ids=[name for name, _, _ in SIZES])
def test_every_page_kind_passes_axe_and_is_photographed(browser, ix, site, digest, axe, size):
    name, width, height = size
    kinds = page_kinds(browser, ix, site, digest)
    browser.viewport(width, height)
    serious = []
    try:
        for kind, path in kinds.items():
            browser.open(path.as_uri())
            browser.screenshot(ARTIFACTS / f"{kind}-{name}.png", full=False)
            if kind == "results":
                browser.screenshot(ARTIFACTS / f"{kind}-{name}-full.png")
            for v in run_axe(browser, axe):
                line = f"{kind} at {width}x{height}: {v['impact']} {v['rule']} ({v['help']}) " \
                       f"on {v['count']} nodes, e.g. {v['nodes']}"
                print(line)  # moderate and minor ones are reported, not failed
                if v["impact"] in ("serious", "critical"):
                    serious.append(line)
            assert_offline(browser, digest if kind == "batch" else site)
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride")
    assert not serious, "\n".join(serious)


def test_svg_text_has_enough_contrast(browser, site):
    """axe leaves SVG text to people ("incomplete"): check it against its real background.

    Timeline text sits on the overview panel; map labels carry a halo of the page colour.
    """
    browser.open((site / "index.html").as_uri())
    pairs = browser.js("""
        const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const panel = getComputedStyle(document.querySelector('.overview')).backgroundColor;
        return [...document.querySelectorAll('#timeline text, #map text')].map(t => {
          const style = getComputedStyle(t);
          const halo = t.closest('.labels') ? style.stroke : panel;
          return [t.textContent, rgb(style.fill), rgb(t.closest('.legend') ?
            getComputedStyle(t.closest('.legend').querySelector('rect')).fill : halo)];
        });""")
    assert pairs

    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for text, fill, background in pairs:
        a, b = sorted((luminance(fill), luminance(background)), reverse=True)
        assert (a + 0.05) / (b + 0.05) >= 4.5, (text, fill, background)
    assert_offline(browser, site)


# ---------------------------------------------------------------- the overview band


def test_timeline_and_map_start_on_the_first_screen(browser, ix, tmp_path):
    """Even under the tallest header: query, fixed filters and the truncation notice."""
    person = ix.facet_values("people")[0].value
    request = SearchRequest("Russia Ukraine", match="any", filters={"people": (person,)},
                            date_from="2020-01-01")
    library = ix.run(replace(request, limit=1000))
    assert library.total >= 2
    summary = write_report(ix, request, tmp_path, max_hits=library.total - 1)
    assert summary.fixed_filters
    browser.viewport(1280, 900)
    try:
        browser.open((tmp_path / "index.html").as_uri())
        tops = browser.js("""return ['#timeline', '#map', '#overview'].map(s => {
            const e = document.querySelector(s); return e && e.getBoundingClientRect().top; })""")
        browser.screenshot(ARTIFACTS / "results-tall-header-desktop.png", full=False)
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride")
    assert all(t is not None and 0 < t < 900 for t in tops), tops
    assert browser.js("return document.querySelector('.notice') !== null")
    assert_offline(browser, tmp_path)


def overview_state(browser) -> dict:
    """The timeline and the map as drawn now."""
    return browser.js("""
        const data = JSON.parse(document.getElementById('report-data').textContent);
        const tick = s => +document.querySelector('#timeline .tick.' + s + ' text').textContent;
        const places = data.facets.find(f => f.name === 'places').values;
        const labels = [...document.querySelectorAll('#map .lbl.top')];
        return {
          bars: [...document.querySelectorAll('#timeline rect.bar')].map(b =>
                 [+b.getAttribute('height'), +b.querySelector('title').textContent.split(': ')[1]]),
          top: tick('high'), mid: tick('mid'),
          // no line at all when the report has no undated article (the corpus without ../shared)
          undated: (u => !u || u.hidden ? 0 : parseInt(
                   document.getElementById('undated-text').textContent.replace(',', '')))(
                   document.getElementById('tl-undated')),
          dots: [...document.querySelectorAll('#map .dots .place')].map(p =>
                 [places[+p.dataset.v], +p.querySelector('circle').getAttribute('r')]),
          list: [...document.querySelectorAll('#top-places li')].map(li =>
                 [li.firstChild.textContent, +li.querySelector('.n').textContent]),
          labels: labels.map(t => t.textContent),
          boxes: labels.map(t => { const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; }),
          words: document.getElementById('selection-words').textContent,
        };""")


def undated_in_view(ix, filters: dict) -> int:
    result = ix.run(SearchRequest("", filters={k: tuple(v) for k, v in filters.items()},
                                  limit=1000))
    return sum(not h.date for h in result.hits)


def test_overview_redraws_with_the_filters(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    first = overview_state(browser)
    person = ix.facet_values("people")[0].value
    click_value(browser, "people", person)
    state = overview_state(browser)
    _, expected = library_answer(ix, {"people": [person]})
    # Timeline: bars count the filtered articles against a round axis top.
    peak = max(n for _, n in state["bars"])
    assert state["top"] == views.axis_top(peak) and state["mid"] == state["top"] // 2
    for height, n in state["bars"]:
        assert abs(height - CHART_HEIGHT * n / state["top"]) < 0.01
    assert state["undated"] == undated_in_view(ix, {"people": [person]})
    # Map: a dot per place, sized by its count in view; the list holds the top ones.
    counts = {name: expected.get(("places", name), 0) for name, _ in state["dots"]}
    assert all((r > 0) == (counts[name] > 0) for name, r in state["dots"])
    ranked = sorted((n for n in counts.values() if n), reverse=True)[:views.TOP_PLACES]
    assert [n for _, n in state["list"]] == ranked
    assert all(counts[name] == n for name, n in state["list"])
    assert set(state["labels"]) <= {name for name, n in counts.items() if n}
    assert 0 < len(state["labels"]) <= views.MAP_LABELS
    for i, a in enumerate(state["boxes"]):  # labels as drawn never overlap
        for b in state["boxes"][:i]:
            assert not views._overlap(a, b), state["labels"]
    assert state["words"] == f"Filtered to People: {person}."
    assert first["words"] == views.NO_FILTERS
    assert_offline(browser, site)


def test_undated_link_lists_the_undated_articles(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    undated = undated_in_view(ix, {})
    if not undated:
        pytest.skip("the test corpus has no undated article (needs ../shared/data)")
    assert overview_state(browser)["undated"] == undated
    browser.click("#undated-link")
    hits = ix.run(SearchRequest("", limit=1000)).hits
    expected = [i for i, h in enumerate(hits) if not h.date]
    visible = """return [...document.querySelectorAll('#results > li.result')]
        .filter(li => !li.hidden).map(li => +li.dataset.i)"""
    # The link changes the page's hash; its handler runs on the next hashchange event.
    wait_for(browser, visible.replace("return ", "return (") + f").length === {len(expected)}")
    assert sorted(browser.js(visible)) == expected
    assert "No date" in browser.js("return document.getElementById('active-list').textContent")
    assert_counts_match(page_state(browser), ix, {}, undated=True)
    browser.click("#clear-filters")
    assert page_state(browser)["shown"] == len(hits)
    assert_offline(browser, site)


def test_map_is_usable_by_keyboard(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    # Tab from whatever comes just before the map in the page lands on its one tab stop.
    browser.js("""const links = [...document.querySelectorAll('a[href], button, input')]
        .filter(e => e.offsetParent !== null || e.closest('svg'));
      const map = document.querySelector('#map a.place[tabindex="0"]');
      const before = links.filter(e => e.compareDocumentPosition(map) &
                                  Node.DOCUMENT_POSITION_FOLLOWING && !e.closest('#map'));
      before[before.length - 1].focus(); return true;""")
    browser.keys(TAB)
    focused = browser.js("return document.activeElement.getAttribute('aria-label')")
    order = browser.js("""return [...document.querySelectorAll('#map a.place')]
        .map(a => a.getAttribute('aria-label'))""")
    assert focused == order[0]
    style = browser.js("""const c = document.activeElement.querySelector('circle');
        return getComputedStyle(c).strokeWidth""")
    assert style == "3px"  # a visible focus ring
    browser.keys(RIGHT)
    assert browser.js("return document.activeElement.getAttribute('aria-label')") == order[1]
    label = browser.js("""const v = document.activeElement.dataset.v;
        const t = document.querySelector('#map .lbl[data-v="' + v + '"]');
        return [t.textContent, getComputedStyle(t).visibility]""")
    assert label == [order[1].split(": ")[0], "visible"]
    browser.keys(END)
    assert browser.js("return document.activeElement.getAttribute('aria-label')") == order[-1]
    browser.keys(HOME, RIGHT, LEFT)
    assert browser.js("return document.activeElement.getAttribute('aria-label')") == order[0]
    # One tab stop: Tab leaves the map rather than walking every dot.
    browser.keys(RIGHT, TAB)
    assert browser.js("return document.activeElement.closest('#map') === null")
    browser.keys(TAB, held=SHIFT)  # back to the place last visited
    href = browser.js("return document.activeElement.getAttribute('href')")
    assert browser.js("return document.activeElement.getAttribute('aria-label')") == order[1]
    browser.keys(ENTER)
    assert browser.js("return location.pathname").endswith(href)
    assert_offline(browser, site)


def test_copy_link_to_this_view(browser, ix, site):
    browser.open((site / "index.html").as_uri())
    click_value(browser, "people", ix.facet_values("people")[0].value)
    url = browser.js("return location.href")
    assert "#people=" in url
    browser.cdp("Browser.grantPermissions", {"permissions": ["clipboardReadWrite",
                                                             "clipboardSanitizedWrite"]})
    browser.click("#copy-link")
    assert wait_for(browser, "return document.getElementById('copy-status').textContent") \
        == "Link copied."
    assert browser.js("return navigator.clipboard.readText()") == url
    # Without the Clipboard API (an older browser): the link is selected in a read-only box.
    browser.open("about:blank")
    browser.open(url)
    browser.js("""window.__clip = navigator.clipboard;
        Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});
        return true;""")
    browser.click("#copy-link")
    box = browser.js("""const i = document.getElementById('view-link');
        return {value: i.value, hidden: i.hidden, readOnly: i.readOnly,
                focused: document.activeElement === i,
                selected: i.value.slice(i.selectionStart, i.selectionEnd),
                status: document.getElementById('copy-status').textContent}""")
    assert box["value"] == url and not box["hidden"] and box["readOnly"] and box["focused"]
    assert box["selected"] == url and box["status"]
    if box["status"] == "Link copied.":  # the old execCommand("copy") worked as well
        assert browser.js("return window.__clip.readText()") == url
    assert_offline(browser, site)


def wait_for(browser, script: str, timeout: float = 5.0):
    """The script's value once it is truthy (or the last one after `timeout` seconds)."""
    end = time.monotonic() + timeout
    while True:
        value = browser.js(script)
        if value or time.monotonic() > end:
            return value
        time.sleep(0.05)
