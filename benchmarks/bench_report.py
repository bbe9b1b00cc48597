"""How long `searchkit report` takes to write a site of up to 1,000 hits (issue 5: under 3 s).

The Ukraine-war corpus holds 447 records (439 unique ids), fewer than 1,000, so the script
times three reports:
  1. every Ukraine-war article (empty query, the largest report that corpus allows);
  2. a query that matches many of them ("Russia");
  3. 1,000 hits from the Ukraine-war corpus indexed together with BBC News (newest first,
     so all 439 dated war articles come first and BBC fills the rest).
Indexes are built once (with extraction) under --work and reused on later runs.

    python benchmarks/bench_report.py [--work /tmp/searchkit-bench-report] [--repeat 3] [--browser]

Prints wall-clock seconds per report (best and median of --repeat runs) split into the
library's search (Index.run), reading stored articles (Index.get) and the report's own work
(views, rendering, writing), the time this disk takes to create as many empty files, the
files written and their size. The machine's load average is printed first: on a shared
machine wall time follows the neighbours, CPU time (all threads) much less. Asserts
nothing about time.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import searchkit
from searchkit.models import SearchRequest
from searchkit.report import write_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"


def build(index_dir: Path, paths: list[Path]) -> searchkit.search.Index:
    """Index `paths` into `index_dir` unless done already; open it."""
    if not (index_dir / "_done").exists():
        started = time.perf_counter()
        summary = searchkit.index_paths([str(p) for p in paths], index_dir=str(index_dir),
                                        workers=2)
        (index_dir / "_done").write_text(summary.line())
        print(f"indexed {index_dir.name}: {summary.line()} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return searchkit.open_index(str(index_dir))


class TimedIndex:
    """An Index whose run() and get() add their wall time up, to split the figures."""

    def __init__(self, ix):
        self.ix, self.seconds = ix, {"run": 0.0, "get": 0.0}

    def __getattr__(self, name):  # doc_count(), dir: what the report's header names
        return getattr(self.ix, name)

    def _timed(self, method: str, arg):
        started = time.perf_counter()
        try:
            return getattr(self.ix, method)(arg)
        finally:
            self.seconds[method] += time.perf_counter() - started

    def run(self, request):
        return self._timed("run", request)

    def get(self, article_id):
        return self._timed("get", article_id)


def file_probe(folder: Path, count: int) -> float:
    """Seconds to create `count` empty files in a fresh folder: the disk's share of a report."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for n in range(count):
        (folder / f"{n}.html").touch()
    seconds = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    return seconds


def page_speed(site: Path) -> None:
    """Open index.html in headless Chromium; time the load and a facet click (median of 5).

    A click is timed twice: until the script returns (counts, list, timeline, map and its
    labels redrawn; measuring the labels forces a layout) and until the next frame is
    painted (style, layout and paint of the whole change)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_browser import WebDriver  # the tests' small chromedriver client

    profile = tempfile.mkdtemp(prefix="searchkit-bench-chromium-")
    driver = WebDriver(profile)
    try:
        loads, clicks, frames = [], [], []
        for _ in range(5):
            driver.open((site / "index.html").as_uri())
            loads.append(driver.js("const n = performance.getEntriesByType('navigation')[0];"
                                   "return n.domContentLoadedEventEnd - n.startTime;"))
            clicks.append(driver.js("""
                const box = document.querySelector('input[data-f]');
                const t = performance.now(); box.click(); const a = performance.now() - t;
                const u = performance.now(); box.click();
                return (a + performance.now() - u) / 2;"""))
            frames.append(driver.js("""
                const box = document.querySelector('input[data-f]');
                const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r)));
                return frame().then(() => {
                  const t = performance.now(); box.click();
                  return frame().then(() => performance.now() - t); });"""))
        print(f"    in Chromium: index.html ready (DOMContentLoaded) in "
              f"{statistics.median(loads):.0f} ms; a facet click recounts and redraws in "
              f"{statistics.median(clicks):.1f} ms ({statistics.median(frames):.1f} ms to the "
              f"next painted frame)", flush=True)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def time_report(ix, request: SearchRequest, label: str, repeat: int, work: Path,
                browser: bool = False) -> None:
    """Write the report `repeat` times into fresh folders; print the figures."""
    runs = []
    for n in range(repeat):
        out = work / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        timed = TimedIndex(ix)
        started, cpu = time.perf_counter(), time.process_time()
        summary = write_report(timed, request, out)
        runs.append((time.perf_counter() - started, timed.seconds["run"], timed.seconds["get"],
                     time.process_time() - cpu))
    total, search, get, cpu = sorted(runs)[len(runs) // 2]  # the median run
    probe = file_probe(work / "probe", summary.files)
    index_kb = summary.index_page.stat().st_size / 1024
    print(f"{label}: {summary.shown} hits of {summary.total}\n"
          f"    best {min(r[0] for r in runs):.2f} s, median {total:.2f} s = search "
          f"{search:.2f} + get {get:.2f} + views/render/write {total - search - get:.2f} "
          f"(CPU {cpu:.2f} s); creating {summary.files} empty files here takes {probe:.2f} s\n"
          f"    {summary.files} files ({summary.articles} articles, {summary.entities} "
          f"entities), {size_of(out) / 2**20:.1f} MiB, index.html {index_kb:.0f} KiB",
          flush=True)
    if browser:
        page_speed(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "searchkit-bench-report")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action="store_true",
                        help="also time the largest page in headless Chromium (chromedriver)")
    args = parser.parse_args(argv)
    ukraine, bbc = DATA / "ukraine_war.jsonl", DATA / "bbc.jsonl"
    if not ukraine.is_file():
        print(f"needs {ukraine} (../shared/data)", file=sys.stderr)
        return 1
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
          if Path("/proc/loadavg").exists() else "")
    ua = build(args.work / "index-ukraine", [ukraine])
    print(f"Ukraine-war index: {ua.doc_count()} articles (fewer than 1,000 exist)")
    time_report(ua, SearchRequest(""), "ukraine, all articles (empty query)", args.repeat,
                args.work)
    time_report(ua, SearchRequest("Russia"), 'ukraine, "Russia"', args.repeat, args.work)
    if bbc.is_file():
        both = build(args.work / "index-ukraine-bbc", [ukraine, bbc])
        print(f"Ukraine-war + BBC index: {both.doc_count()} articles")
        time_report(both, SearchRequest("", sort="newest"), "ukraine+bbc, 1,000 newest",
                    args.repeat, args.work, browser=args.browser)
        time_report(both, SearchRequest("government OR Russia", sort="relevance"),
                    'ukraine+bbc, "government OR Russia"', args.repeat, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
