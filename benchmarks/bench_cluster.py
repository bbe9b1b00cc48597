"""Extraction spread over a dask.distributed cluster vs one local process.

    python benchmarks/bench_cluster.py [--articles 200] [--workers 2]

Indexes the first N Ukraine-war articles three ways into fresh indexes: extraction in this
process (`workers=1`), in spaCy worker processes (`workers=N`), and on a LocalCluster of N
single-threaded worker processes reached through its scheduler address (`dask=...`), and
prints wall times and speed-ups. Asserts only that the three indexes carry the same facets.
"""
from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import searchkit

UKRAINE = Path(__file__).resolve().parents[2] / "shared" / "data" / "news" / "ukraine_war.jsonl"


def timed_index(src: Path, index_dir: Path, **options) -> float:
    started = time.perf_counter()
    searchkit.index_paths([str(src)], index_dir=index_dir, **options)
    return time.perf_counter() - started


def facets(index_dir: Path) -> dict:
    res = searchkit.open_index(index_dir).search("", facet_limit=None, limit=0)
    return {k: [(v.value, v.count) for v in vs] for k, vs in res.facets.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    src = work / "articles.jsonl"
    with open(UKRAINE, encoding="utf-8") as fh:
        src.write_text("".join(itertools.islice(fh, args.articles)), encoding="utf-8")
    searchkit.extract("Warm-up: load the model once in this process.")

    local = timed_index(src, work / "local", workers=1)
    spacy_procs = timed_index(src, work / "procs", workers=args.workers)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        cluster_time = timed_index(src, work / "dask", dask=cluster.scheduler_address)
    assert facets(work / "local") == facets(work / "dask") == facets(work / "procs")

    print(f"{args.articles} Ukraine-war articles, {args.workers} workers")
    print("| extraction | wall (s) | speed-up |")
    print("|---|---:|---:|")
    for label, seconds in (("this process", local),
                           (f"spaCy n_process={args.workers}", spacy_procs),
                           (f"dask LocalCluster, {args.workers} worker processes", cluster_time)):
        print(f"| {label} | {seconds:.1f} | {local / seconds:.2f}x |")


if __name__ == "__main__":
    main()
