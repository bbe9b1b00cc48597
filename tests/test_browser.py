"""The report site in a real headless Chromium: facet clicks, counts, article pages, safety.

Chromium is driven through chromedriver's WebDriver protocol with urllib (no extra
package). The tests skip only when chromium or chromedriver is missing, and fail instead
when the CI environment variable is set. Screenshots land in tests/artifacts/ (or
$SEARCHKIT_ARTIFACTS) for a person to look at.
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
from pathlib import Path

import pytest

from searchkit.models import SearchRequest
from searchkit.report import write_report

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


def _require_browser() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    reason = "no chromium/chromedriver installed (Debian: apt-get install chromium chromium-driver)"
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


def assert_counts_match(state: dict, ix, filters: dict) -> None:
    total, expected = library_answer(ix, filters)
    assert state["shown"] == total
    assert state["onPage"] == min(total, PAGE_SIZE)
    checked = {(n, v) for n, vs in filters.items() for v in vs}
    for key, (count, is_checked, disabled) in state["counts"].items():
        name, value = key.split("\u0000")
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


def test_phone_layout_folds_the_filters(browser, site):
    browser.resize(390, 844)
    try:
        browser.open((site / "index.html").as_uri())
        folded = browser.js("return document.getElementById('filter-panel').open")
        overflow = browser.js("return document.documentElement.scrollWidth > window.innerWidth")
        browser.screenshot(ARTIFACTS / "index-phone.png", full=False)
    finally:
        browser.resize(1280, 900)
    assert folded is False
    assert overflow is False
