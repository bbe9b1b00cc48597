"""Entity resolution over a corpus: speed (from scratch, incremental, lookups) and the
top values per kind for labelling (issue 10).

    python benchmarks/bench_resolve.py bbc --top 150 --out /work/scratch/resolve/bbc_top.txt
    python benchmarks/bench_resolve.py reuters:3000
    python benchmarks/bench_resolve.py ukraine_war+wikinews_crisis --top-only --top 100

Extraction runs over the corpus's cached parse (benchmarks/doc_cache.py; the first run
parses and caches outside the repo). The parse itself is timed on the first 200 articles
in the same run, so resolution time is stated as a share of indexing time measured under
the same load.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import doc_cache  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", help="bbc, ukraine_war, reuters:3000, ...; several joined by '+' "
                    "are resolved together (ukraine_war+wikinews_crisis)")
    ap.add_argument("--top", type=int, default=150, help="values listed per kind")
    ap.add_argument("--out", help="write the top values with their variants here")
    ap.add_argument("--batch", type=int, default=64, help="articles per incremental update")
    ap.add_argument("--top-only", action="store_true",
                    help="resolve from scratch and write --out; no timings")
    ap.add_argument("--labels", help="score the top values against this label file "
                    "(benchmarks/data/bbc_top150_labels.tsv: kind, value, ok|wrong|split)")
    ap.add_argument("--index", help="list and score the entities of this built index "
                    "(what `searchkit entities` shows: boilerplate left out at index time) "
                    "instead of resolving the cached parse")
    ap.add_argument("--half", choices=("all", "tune", "heldout"), default="all",
                    help="score only this half of the labelled values (sha256 of kind and "
                    "value: first hex digit even = tune, odd = held out)")
    ap.add_argument("--errors", action="store_true",
                    help="also list the wrong and still-split values (tuning half only)")
    args = ap.parse_args(argv)
    if args.errors and args.half != "tune":
        ap.error("--errors lists the tuning half's errors only (--half tune)")
    if args.index:
        from searchkit.search import open_index

        index = open_index(args.index)
        listed = {kind: [(row["value"], row["variants"]) for row in index.entities(kind)]
                  for kind in KINDS}
        if args.out:
            _write_rows(index, args.top, args.out)
        if args.labels:
            _score_top(listed, args.top, args.labels, args.half, args.errors)
        return 0

    from searchkit.extraction import load_nlp
    from searchkit.extraction.canonical import load_aliases
    from searchkit.resolve.entities import EntityTable, Observations

    pairs = [p for corpus in args.corpus.split("+") for p in doc_cache.extractions(corpus)]
    arts = [a for a, _ex in pairs]
    if args.top_only:
        table = EntityTable(aliases=load_aliases().groups())
        whole = Observations()
        for a, ex in pairs:
            whole.add_extraction(ex, text=a.text)
        table.update(whole)
        if args.out:
            _write_top(table, args.top, args.out)
        if args.labels:
            listed = {kind: [(e.value, e.variants) for e in table.list(kind)] for kind in KINDS}
            _score_top(listed, args.top, args.labels, args.half, args.errors)
        return 0
    nlp = load_nlp()
    sample = [a.text for a in arts[:200]]
    t = time.perf_counter()
    list(nlp.pipe(sample, batch_size=32))
    parse_per_article = (time.perf_counter() - t) / len(sample)
    aliases = load_aliases().groups()

    whole = Observations()
    for a, ex in pairs:
        whole.add_extraction(ex, text=a.text)
    t = time.perf_counter()
    table = EntityTable(aliases=aliases)
    table.update(whole)
    scratch = time.perf_counter() - t

    t = time.perf_counter()
    inc = EntityTable(aliases=aliases)
    for i in range(0, len(pairs), args.batch):
        delta = Observations()
        for a, ex in pairs[i:i + args.batch]:
            delta.add_extraction(ex, text=a.text)
        inc.update(delta)
    incremental = time.perf_counter() - t
    same = _partition(inc) == _partition(table)

    values = len(table.counts)
    index_time = parse_per_article * len(arts)
    print(f"{args.corpus}: {len(arts)} articles, {values} distinct values, "
          f"{len(table.entities)} entities, {len(table.junk)} junk values")
    print(f"parse: {parse_per_article * 1000:.1f} ms/article (first 200, same run) -> "
          f"~{index_time:.0f} s to index the corpus")
    print(f"resolve from scratch: {scratch:.2f} s ({100 * scratch / index_time:.2f}% of indexing)")
    print(f"resolve in batches of {args.batch} as articles arrive: {incremental:.2f} s "
          f"({100 * incremental / index_time:.2f}%); same table as from scratch: {same}")
    _time_lookups(table)
    if args.out:
        _write_top(table, args.top, args.out)
    return 0


def _partition(table) -> set:
    return {(e.kind, e.value, tuple(sorted(e.variants.items())))
            for e in table.entities.values()}


def _time_lookups(table) -> None:
    rnd = random.Random(7)
    names = [(e.kind, v) for e in table.entities.values() for v in e.variants]
    queries = [(k, v.lower()) for k, v in rnd.sample(names, min(2000, len(names)))]
    table.match("person", "warm up")  # builds the lookup keys once
    t = time.perf_counter()
    table._lookup = None
    table.match("person", "x")
    build = time.perf_counter() - t
    found = 0
    times = []
    for kind, text in queries:
        t = time.perf_counter()
        found += bool(table.match(kind, text))
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    for kind, text in queries[:200]:
        table.closest(kind, text + "x", n=3)
    closest = (time.perf_counter() - t) / 200
    print(f"lookups: keys built in {build:.2f} s; match() mean {statistics.mean(times) * 1e6:.0f}"
          f" us, max {max(times) * 1e6:.0f} us over {len(queries)} lower-cased variants "
          f"({found} found); closest() {closest * 1000:.1f} ms")


KINDS = ("person", "place", "org")


def half_of(kind: str, value: str) -> str:
    """The labelled value's half, fixed before any error was read: sha256 even = tune."""
    import hashlib

    digit = int(hashlib.sha256(f"{kind}\t{value}".encode()).hexdigest()[0], 16)
    return "tune" if digit % 2 == 0 else "heldout"


def _score_top(listed: dict, top: int, labels: str, half: str = "all", errors: bool = False) -> None:
    """Share of the top values per kind labelled real entities of that kind, and splits.

    `listed`: kind -> [(value, variants)], most articles first. A value labelled `split`
    names the other values of its entity in its note ("Putin (org); Vladamir Putin"): it
    counts as split until all of them are variants of its entity.
    """
    import csv

    with open(labels, encoding="utf-8") as fh:
        marks = {(r["kind"], r["value"]): (r["label"], r["note"])
                 for r in csv.DictReader(fh, delimiter="\t")}
    for kind in KINDS:
        rows = [(v, variants) for v, variants in listed[kind][:top]
                if half == "all" or half_of(kind, v) == half]
        got = [marks.get((kind, v), ("unlabelled", ""))[0] for v, _ in rows]
        right = sum(g in ("ok", "split") for g in got)
        split = sum(g == "split" and not _joined(marks[kind, v][1], variants)
                    for (v, variants), g in zip(rows, got))
        print(f"{kind:6s} right kind {right}/{len(rows)} = {100 * right / max(1, len(rows)):.1f}%;"
              f" split {split}/{right} = {100 * split / max(1, right):.1f}%;"
              f" unlabelled {got.count('unlabelled')}: "
              + ", ".join(v for (v, _), g in zip(rows, got) if g == "unlabelled"))
        for (v, variants), g in zip(rows, got) if errors else ():
            if g == "wrong" or (g == "split" and not _joined(marks[kind, v][1], variants)):
                print(f"    {g}: {v} ({marks[kind, v][1]}) variants: {'; '.join(variants)}")


def _joined(note: str, variants) -> bool:
    """Whether every value a split label's note names is now a variant of the entity."""
    import re

    others = [re.sub(r"\s*\([^)]*\)$", "", part.strip()) for part in note.split(";")]
    others = [o for o in others if o]
    return bool(others) and all(o in variants for o in others)


def _write_rows(index, top: int, out: str) -> None:
    with open(out, "w", encoding="utf-8") as fh:
        for kind in KINDS:
            fh.write(f"== {kind}\n")
            for rank, row in enumerate(index.entities(kind)[:top], 1):
                variants = "; ".join(f"{v} {n}" for v, n in row["variants"].items())
                fh.write(f"{rank}\t{row['value']}\t{row['articles']}\t{variants}\n")
    print(f"top {top} per kind written to {out}")


def _write_top(table, top: int, out: str) -> None:
    with open(out, "w", encoding="utf-8") as fh:
        for kind in ("person", "place", "org"):
            fh.write(f"== {kind}\n")
            for rank, e in enumerate(table.list(kind)[:top], 1):
                variants = "; ".join(f"{v} {n}" for v, n in e.variants.items())
                fh.write(f"{rank}\t{e.value}\t{e.articles}\t{variants}\n")
    print(f"top {top} per kind written to {out}")


if __name__ == "__main__":
    sys.exit(main())
