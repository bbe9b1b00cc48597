"""Query limits (issue 13): hostile queries and options, each answered or refused at once.

    python benchmarks/bench_query_limits.py --examples 3000               # the test's small index
    python benchmarks/bench_query_limits.py --examples 3000 --index DIR   # any index, e.g. Reuters

Draws query text and options from the strategies of tests/test_query_limits.py (random
unicode, query syntax, deep parentheses, long words, thousands of terms, odd options) and
runs each through `Index.search`. Prints how many were answered and refused, anything
else raised (there should be nothing), the slowest queries (CPU and wall seconds) and the
peak memory of the process over its warmed-up baseline. Exits 1 when a query raised
something other than SearchkitError, or took more than a second of CPU to return a page
of hits (`limit=None` returns every hit, and building hits is paid per hit).
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, settings  # noqa: E402

import searchkit  # noqa: E402
from searchkit.models import SearchkitError  # noqa: E402
from test_query_limits import OPTIONS, QUERIES, QUERY_SECONDS, corpus  # noqa: E402

from conftest import index_records  # noqa: E402


#: Hits a page returns at the most, for the time limit: building hits is paid per hit.
PAGE = 100


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def run(ix, examples: int) -> tuple[Counter, list, list, list]:
    """Outcomes, (CPU s, wall s, hits returned, text) per query slowest first, what escaped, and how much
    each query raised the peak memory (bytes, text), largest first. The peak also grows
    while hypothesis builds examples; only what happens inside a query is charged to it."""
    outcomes: Counter = Counter()
    timings: list[tuple[float, float, int, str]] = []
    escaped: list[tuple[str, str]] = []
    raised: list[tuple[int, str]] = []

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text=QUERIES, options=OPTIONS)
    def one(text, options):
        peak, cpu, wall = peak_bytes(), time.process_time(), time.perf_counter()
        hits = 0
        try:
            result = ix.search(text, **options)
            hits = len(result.hits)
            outcomes["answered with hits" if result.total else "answered, no hits"] += 1
        except SearchkitError:
            outcomes["refused (SearchkitError)"] += 1
        except Exception as exc:  # noqa: BLE001 - counted: what the limits must never let out
            outcomes[f"escaped: {type(exc).__name__}"] += 1
            escaped.append((repr(text[:80]), f"{type(exc).__name__}: {exc}"))
        timings.append((time.process_time() - cpu, time.perf_counter() - wall, hits, repr(text[:60])))
        raised.append((peak_bytes() - peak, repr(text[:60])))

    one()
    return outcomes, sorted(timings, reverse=True), escaped, sorted(raised, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3000)
    parser.add_argument("--index", help="index folder (default: the test's small index, built now)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index or index_records(Path(tmp), corpus())
        ix = searchkit.open_index(index_dir)
        ix.search("drone~1 *ile date:2024 \"oil oil\""), ix.search("qqqqzzzz")  # warm the caches
        baseline = peak_bytes()
        outcomes, timings, escaped, raised = run(ix, args.examples)
        growth = peak_bytes() - baseline
        articles = ix.doc_count()
    total = sum(outcomes.values())
    print(f"index: {args.index or 'the small index of tests/test_query_limits.py'} ({articles:,} articles)")
    print(f"inputs: {total:,}")
    for outcome, count in outcomes.most_common():
        print(f"  {outcome}: {count:,}")
    cpu = sorted(t[0] for t in timings)
    print(f"CPU seconds per query: median {cpu[len(cpu) // 2]:.4f}, "
          f"99th percentile {cpu[int(len(cpu) * 0.99)]:.3f}, max {cpu[-1]:.3f}")
    print("slowest (CPU s, wall s, hits returned, query):")
    for cpu_s, wall_s, hits, text in timings[:5]:
        print(f"  {cpu_s:.3f}  {wall_s:.3f}  {hits:>6,}  {text}")
    paged = [t for t in timings if t[2] <= PAGE]
    print(f"slowest returning at most {PAGE} hits (a page; limit=None or a huge limit builds "
          f"every hit): {paged[0][0]:.3f} CPU s, {paged[0][1]:.3f} wall s, {paged[0][3]}")
    print(f"peak RSS {(baseline + growth) / 2 ** 20:.0f} MB, "
          f"{growth / 2 ** 20:.1f} MB above the warmed-up baseline, of which "
          f"{sum(r[0] for r in raised) / 2 ** 20:.1f} MB reached inside queries "
          f"(the most by one query: {raised[0][0] / 2 ** 20:.1f} MB, {raised[0][1]})")
    for text, error in escaped[:10]:
        print(f"ESCAPED {text}: {error}")
    return 1 if escaped or paged[0][0] > QUERY_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
