"""How long `searchkit report` takes to write a site of up to 1,000 hits (issue 5: under 3 s).

The Ukraine-war corpus holds 447 records (439 unique ids), fewer than 1,000, so the script
times three reports:
  1. every Ukraine-war article (empty query, the largest report that corpus allows);
  2. a query that matches many of them ("Russia");
  3. 1,000 hits from the Ukraine-war corpus indexed together with BBC News (newest first,
     so all 439 dated war articles come first and BBC fills the rest).
Indexes are built once (with extraction) under --work and reused on later runs.

    python benchmarks/bench_report.py [--work /tmp/searchkit-bench-report] [--repeat 3]

Prints wall-clock seconds per report (best and median of --repeat runs), files written,
their size, and the index.html size. Asserts nothing about time.
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


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def time_report(ix, request: SearchRequest, label: str, repeat: int, work: Path) -> None:
    """Write the report `repeat` times into fresh folders; print the figures."""
    times = []
    for n in range(repeat):
        out = work / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        summary = write_report(ix, request, out)
        times.append(time.perf_counter() - started)
    index_kb = summary.index_page.stat().st_size / 1024
    print(f"{label:<44} hits {summary.shown:>5} of {summary.total:>5}  "
          f"best {min(times):5.2f} s  median {statistics.median(times):5.2f} s  "
          f"files {summary.files:>5} ({summary.articles} articles, {summary.entities} entities)  "
          f"site {size_of(out) / 2**20:5.1f} MiB  index.html {index_kb:6.0f} KiB", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "searchkit-bench-report")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    ukraine, bbc = DATA / "ukraine_war.jsonl", DATA / "bbc.jsonl"
    if not ukraine.is_file():
        print(f"needs {ukraine} (../shared/data)", file=sys.stderr)
        return 1
    args.work.mkdir(parents=True, exist_ok=True)
    ua = build(args.work / "index-ukraine", [ukraine])
    print(f"Ukraine-war index: {ua.doc_count()} articles (fewer than 1,000 exist)")
    time_report(ua, SearchRequest(""), "ukraine, all articles (empty query)", args.repeat,
                args.work)
    time_report(ua, SearchRequest("Russia"), 'ukraine, "Russia"', args.repeat, args.work)
    if bbc.is_file():
        both = build(args.work / "index-ukraine-bbc", [ukraine, bbc])
        print(f"Ukraine-war + BBC index: {both.doc_count()} articles")
        time_report(both, SearchRequest("", sort="newest"), "ukraine+bbc, 1,000 newest",
                    args.repeat, args.work)
        time_report(both, SearchRequest("government OR Russia", sort="relevance"),
                    'ukraine+bbc, "government OR Russia"', args.repeat, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
