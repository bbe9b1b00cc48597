"""Faceted query speed on Reuters-21578 (issues 3 and 8): searchkit vs plain whoosh, SQLite FTS5, tantivy.

    python benchmarks/bench_facets.py [--engines searchkit,whoosh,fts5,tantivy] [--reps 30]
                                      [--copies 5] [--work DIR [--reuse]] [--cli-runs 7]

The 19,043 Reuters articles with text are indexed with their gold tags as four multi-valued
facets (people, places, orgs, and topics as `tags`), no NLP; `--copies 5` indexes them five
times over (copies 1-4 with new ids: 95,215 articles). Each engine answers, for every
query of QUERIES: all words must match, the exact total, the top 10 hits (id + title), and
the top 10 values of the four facets. Latency is warm (after two untimed passes), over many
repetitions of the whole query list; per engine the median and p95 of the wall time and the
median CPU time of the process (steadier than wall time on a loaded machine), and the
searchkit/FTS5 ratios. Then counts are compared with FTS5, and `searchkit query "oil prices"`
is timed as a process. Prints figures; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402

#: Realistic newswire queries (words of the corpus), from narrow to very broad.
QUERIES = [
    "oil prices", "bank rate", "coffee", "trade deficit", "merger", "interest rates",
    "crude oil", "gold", "wheat exports", "stock split", "dividend", "takeover bid",
    "federal reserve", "money supply", "sugar", "japan trade", "dollar yen", "opec",
    "grain", "net loss", "acquisition", "bundesbank", "budget deficit", "inflation",
    "shares", "quarterly earnings", "tin council", "soybean", "central bank intervention",
    "debt rescheduling",
]
#: Queries whose totals and facet counts are compared between engines.
AGREEMENT_QUERIES = ["oil prices", "coffee", "trade deficit", "merger", "bundesbank",
                     "money supply", "tin council", "gold"]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def build(name: str, records: list[dict], jsonl: Path, work: Path, reuse: bool):
    """Build (or reopen, with --reuse) one engine's index; returns the engine."""
    path = work / name
    exists = reuse and path.exists()
    if name == "searchkit":
        return peers.SearchkitFacets(jsonl, path, build=not exists)
    if name == "fts5":
        work.joinpath("fts5").mkdir(exist_ok=True)
        return peers.Fts5Facets(records, path / "reuters.db")
    if path.exists():
        shutil.rmtree(path)  # whoosh and tantivy would add to an old index: start afresh
    if name == "whoosh":
        return peers.WhooshFacets(records, path)
    if name == "tantivy":
        return peers.TantivyFacets(records, path)
    raise SystemExit(f"unknown engine {name!r}")


def time_engines(engines: dict, reps: int, whoosh_reps: int) -> dict[str, tuple[list, list]]:
    """Per-query wall and CPU times in ms of every engine, after two untimed passes each.

    The engines take turns, one pass over QUERIES each (the order reversed every pass),
    so that a change in the machine's load touches them alike; the slow whoosh baseline
    takes part in the first `whoosh_reps` passes only."""
    for engine in engines.values():
        for _ in range(2):
            for q in QUERIES:
                engine.query(q)
    samples = {name: ([], []) for name in engines}
    names = list(engines)
    for rep in range(reps):
        for name in (names if rep % 2 == 0 else names[::-1]):
            if name == "whoosh" and rep >= whoosh_reps:
                continue
            walls, cpus = samples[name]
            for q in QUERIES:
                t0, c0 = time.perf_counter(), time.process_time()
                engines[name].query(q)
                walls.append(1000 * (time.perf_counter() - t0))
                cpus.append(1000 * (time.process_time() - c0))
    return samples


def compare(engine, reference, queries) -> list[str]:
    """Differences in total and top-10 facet counts between an engine and the reference."""
    diffs = []
    for q in queries:
        total, _hits, facets = engine.query(q)
        rtotal, _rhits, rfacets = reference.query(q)
        if total != rtotal:
            diffs.append(f"{q!r}: total {total} vs {rtotal}")
        for f in peers.FACETS:
            a, b = dict(facets[f]), dict(rfacets[f])
            bad = {v: (a.get(v), b.get(v)) for v in set(a) & set(b) if a[v] != b[v]}
            if bad or len(a) != len(b):
                diffs.append(f"{q!r} {f}: {dict(list(bad.items())[:3])} "
                             f"(values {len(a)} vs {len(b)})")
    return diffs


def time_cli(index_dir: Path, runs: int) -> tuple[float, float]:
    """Median wall time (s) of `searchkit query "oil prices"` and of a bare `python -c pass`."""
    cmd = [sys.executable, "-m", "searchkit.cli", "query", "oil prices", "--index", str(index_dir)]
    base = [sys.executable, "-c", "pass"]
    # This tree's searchkit, not whichever one the console script points at.
    env = {**os.environ, "PYTHONPATH": f"{peers.REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = {}
    for key, c in (("cli", cmd), ("python", base)):
        walls = []
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.run(c, capture_output=True, text=True, env=env)
            walls.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                print(f"  {' '.join(c)} exited {proc.returncode}: {proc.stderr.strip()[:300]}",
                      file=sys.stderr)
        out[key] = statistics.median(walls)
    return out["cli"], out["python"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="searchkit,whoosh,fts5,tantivy")
    ap.add_argument("--reps", type=int, default=30, help="passes over the query list per engine")
    ap.add_argument("--whoosh-reps", type=int, default=3, help="passes for the slow whoosh baseline")
    ap.add_argument("--work", help="directory for the indexes (default: a temp dir, removed)")
    ap.add_argument("--reuse", action="store_true", help="reuse the searchkit index already in --work (peers are always rebuilt)")
    ap.add_argument("--cli-runs", type=int, default=7)
    ap.add_argument("--copies", type=int, default=1,
                    help="index the Reuters articles this many times over (5: 95,215 articles)")
    args = ap.parse_args(argv)

    records = peers.copies(peers.reuters_records(), args.copies)
    root = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench_facets_"))
    work = root / f"x{args.copies}" if args.copies > 1 else root  # --reuse finds the same corpus
    work.mkdir(parents=True, exist_ok=True)
    jsonl = peers.write_jsonl(records, work / "reuters_tags.jsonl")
    print(f"Reuters-21578: {len(records)} articles ({args.copies} copies of those with text), "
          f"facets {', '.join(peers.FACETS)}; {len(QUERIES)} queries; load {os.getloadavg()[0]:.1f}",
          flush=True)
    names = args.engines.split(",")
    engines, built = {}, {}
    try:
        for name in names:
            t0 = time.perf_counter()
            engines[name] = build(name, records, jsonl, work, args.reuse)
            built[name] = time.perf_counter() - t0
            print(f"  {name}: built/opened in {built[name]:.1f} s", flush=True)
        load = os.getloadavg()[0]
        samples = time_engines(engines, args.reps, args.whoosh_reps)
        rows = [(name, engines[name].name, built[name], *samples[name]) for name in names]
        print(f"  timed: load {load:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        report(rows, engines, work, args)
    finally:
        for e in engines.values():
            e.close()
        if not args.work:
            shutil.rmtree(root, ignore_errors=True)


def report(rows, engines, work: Path, args) -> None:
    """Print the latency table, the ratio, count agreement and the CLI timing."""
    print()
    print("| engine | index build (s) | median (ms) | p95 (ms) | median CPU (ms) | queries timed |")
    print("|---|---:|---:|---:|---:|---:|")
    med, cpu = {}, {}
    for name, label, build_s, walls, cpus in rows:
        med[name], cpu[name] = statistics.median(walls), statistics.median(cpus)
        print(f"| {label} | {build_s:.1f} | {med[name]:.2f} | {percentile(walls, 95):.2f} "
              f"| {cpu[name]:.2f} | {len(walls)} |")
    if "searchkit" in med and "fts5" in med:
        print(f"\nsearchkit / FTS5 median ratio: wall {med['searchkit'] / med['fts5']:.2f}x, "
              f"CPU {cpu['searchkit'] / cpu['fts5']:.2f}x (issue 8 target: <= 1x; searchkit "
              f"median {med['searchkit']:.2f} ms)")
    if "fts5" in engines:
        print()
        for name in engines:
            if name == "fts5":
                continue
            diffs = compare(engines[name], engines["fts5"], AGREEMENT_QUERIES)
            status = "agree" if not diffs else f"{len(diffs)} differences"
            print(f"counts {name} vs FTS5 on {len(AGREEMENT_QUERIES)} queries: {status}")
            for d in diffs[:8]:
                print(f"    {d}")
    if "searchkit" in engines and args.cli_runs:
        cli, python = time_cli(work / "searchkit", args.cli_runs)
        print(f"\n`searchkit query \"oil prices\" --index DIR` process: median {cli:.3f} s over "
              f"{args.cli_runs} runs (target < 0.5 s; bare `python -c pass`: {python:.3f} s)")


if __name__ == "__main__":
    main()
