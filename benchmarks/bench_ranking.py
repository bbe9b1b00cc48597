"""Ranking quality on Cranfield (issue 3): nDCG@10 and MAP for searchkit and its peers.

    python benchmarks/bench_ranking.py [--engines searchkit,fts5,tantivy,bm25s] [--depth 100]
    python benchmarks/bench_ranking.py --tune     # grid over searchkit's analysis and BM25 knobs
    python benchmarks/bench_ranking.py --collection reuters-topics   # the same on news text
    python benchmarks/bench_ranking.py --settings shipped,classic    # searchkit with SETTINGS applied

Every engine gets the same query words (lower-cased alphanumeric runs of the query, so no
engine sees query-language operators) and an OR query ("match any"), and returns its top
`depth` documents. Metrics:
- nDCG@10 with graded linear gain: Cleverdon grade 1 (complete answer) -> gain 4, 2 -> 3,
  3 -> 2, 4 -> 1, unjudged or -1 -> 0; discount log2(rank + 1); ideal from all judged docs.
- MAP: binary (grades 1-4 relevant), average precision over the top `depth`, divided by all
  relevant documents of the query, averaged over the 225 queries.
- nDCG@10 binary is printed as well for readers who compare with binary-gain papers.
`--collection reuters-topics` is a check on news text rather than a test collection: each
Reuters topic with 20+ articles (but earn, acq) is a query, written as its category name
("crude oil", "money supply", "balance of payments", "coffee"), and the articles tagged with
that topic are its relevant set (binary gain; see peers.TOPIC_QUERIES).
Prints a table; asserts nothing about quality beyond the metric self-check.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers  # noqa: E402


# ---------------------------------------------------------------- metrics


def dcg(gains: list[float]) -> float:
    """Discounted cumulative gain of gains in rank order (linear gain, log2(rank+1) discount)."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: list[str], judged: dict[str, float], k: int = 10) -> float:
    """nDCG@k of a ranking against {doc: gain}; 0 when the query has no positive judgement."""
    ideal = dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judged.get(d, 0) for d in ranked[:k]]) / ideal


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    """Average precision of a ranking: mean of precision at each relevant rank, over all relevant."""
    if not relevant:
        return 0.0
    found, total = 0, 0.0
    for i, d in enumerate(ranked, 1):
        if d in relevant:
            found += 1
            total += found / i
    return total / len(relevant)


def self_check() -> None:
    """Check the metrics on toy rankings whose values are worked out by hand."""
    judged = {"a": 3, "b": 2, "c": 1}
    assert abs(ndcg_at(["a", "b", "c"], judged, 10) - 1.0) < 1e-12
    # [c, x, a]: DCG = 1/log2(2) + 3/log2(4) = 2.5; IDCG = 3 + 2/log2(3) + 1/2
    expected = 2.5 / (3 + 2 / math.log2(3) + 0.5)
    assert abs(ndcg_at(["c", "x", "a"], judged, 10) - expected) < 1e-12
    assert ndcg_at(["x", "y"], judged, 10) == 0.0
    assert ndcg_at(["a"], {}, 10) == 0.0
    # Relevant at ranks 1 and 3 of 3 relevant: (1/1 + 2/3) / 3
    assert abs(average_precision(["a", "x", "b"], {"a", "b", "c"}) - (1 + 2 / 3) / 3) < 1e-12
    assert average_precision(["x"], {"a"}) == 0.0


def evaluate(rank, queries, qrels, depth: int) -> dict[str, float]:
    """Mean nDCG@10 (graded and binary), MAP@depth and mean query time of one ranker."""
    nd, ndb, ap, elapsed = [], [], [], 0.0
    for qid, text in queries.items():
        judged = qrels.get(qid, {})
        t0 = time.perf_counter()
        ranked = rank(text, depth)
        elapsed += time.perf_counter() - t0
        nd.append(ndcg_at(ranked, judged))
        ndb.append(ndcg_at(ranked, {d: 1 for d in judged}))
        ap.append(average_precision(ranked, set(judged)))
    n = len(queries)
    return {"ndcg10": sum(nd) / n, "ndcg10_bin": sum(ndb) / n, "map": sum(ap) / n,
            "ms": 1000 * elapsed / n}


# ---------------------------------------------------------------- searchkit


def searchkit_ranker(docs: list[dict], work: Path, name: str = "sk", **index_knobs):
    """Index the abstracts with searchkit (extract=False) and rank with match="any".

    `index_knobs` (stoplist=) are index-time settings tried by --tune.
    """
    import searchkit

    jsonl = peers.write_jsonl(docs, work / "cranfield.jsonl")
    with index_settings(**index_knobs):
        searchkit.index_paths([str(jsonl)], index_dir=str(work / name), extract=False,
                              rebuild=True)
    ix = searchkit.open_index(str(work / name))

    def rank(text: str, k: int) -> list[str]:
        res = ix.search(" ".join(peers.words(text)), match="any", limit=k, facets=())
        return [h.id for h in res.hits]

    return rank


# ---------------------------------------------------------------- tuning (monkeypatching only)

#: Stop lists tried at index time. "whoosh" is StemmingAnalyzer's default (34 words).
def stoplists() -> dict[str, frozenset | None]:
    """Named stop lists: whoosh's default, none, whoosh's 127-word English list, bm25s's list."""
    from whoosh.analysis import STOP_WORDS
    from whoosh.lang.stopwords import stoplists as whoosh_lists

    try:
        from bm25s.stopwords import STOPWORDS_EN
    except ImportError:
        STOPWORDS_EN = ()
    return {"whoosh-default-34": STOP_WORDS, "none": None,
            "whoosh-lang-en-127": frozenset(whoosh_lists["en"]),
            "bm25s-en-33": frozenset(STOPWORDS_EN)}


@contextlib.contextmanager
def patched(obj, **values):
    """Temporarily set attributes of a module (restored on exit)."""
    old = {k: getattr(obj, k) for k in values}
    for k, v in values.items():
        setattr(obj, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(obj, k, v)


@contextlib.contextmanager
def index_settings(stoplist="default"):
    """Index-time knob of searchkit.schema: the text analyzer's stop list."""
    from whoosh.analysis import StemmingAnalyzer
    from searchkit import schema

    values = {}
    if stoplist != "default":
        values["_text_analyzer"] = lambda: StemmingAnalyzer(stoplist=stoplist)
    with patched(schema, **values):
        yield


def tune(docs, queries, qrels, depth: int, work: Path) -> None:
    """Grid over searchkit's knobs; prints every setting's figures, best nDCG@10 first."""
    grid = list(itertools.product((1.2, 2.0, 3.0), (0.6, 0.75, 0.9), (1.0, 2.0, 4.0, 6.0)))
    rows = []
    for n, (sl_name, sl) in enumerate(stoplists().items()):
        rank = searchkit_ranker(docs, work, f"tune{n}", stoplist=sl)
        for k1, b, title in grid:
            with query_settings(K1=k1, B=b, title=title):
                m = evaluate(rank, queries, qrels, depth)
            rows.append((f"stoplist={sl_name} K1={k1} B={b} FIELD_WEIGHTS[title]={title}", m))
            print(f"  {rows[-1][0]}: nDCG@10 {m['ndcg10']:.4f} MAP {m['map']:.4f}",
                  file=sys.stderr, flush=True)
    rows.sort(key=lambda r: -r[1]["ndcg10"])
    print_table(rows[:25])


#: searchkit settings tried with --settings (applied by monkeypatching, never by editing).
#: "shipped" is the code as it is (tuned with --tune; see benchmarks/README.md); "classic"
#: is textbook BM25 K1 and a 2x title, for comparison.
SETTINGS = {
    "shipped": {},
    "classic": {"K1": 1.2, "B": 0.75, "title": 2.0},
}


@contextlib.contextmanager
def query_settings(K1=None, B=None, title=None):
    """Query-time knobs of searchkit.ranking."""
    from searchkit import ranking

    values = {k: v for k, v in (("K1", K1), ("B", B)) if v is not None}
    if title is not None:
        values["FIELD_WEIGHTS"] = {**ranking.FIELD_WEIGHTS, "title": title}
    with patched(ranking, **values):
        yield


def load_collection(name: str):
    """(docs, queries, qrels) of a named collection."""
    if name == "cranfield":
        return peers.cranfield_docs(), peers.cranfield_queries(), peers.cranfield_qrels()
    if name == "reuters-topics":
        return peers.reuters_topic_collection()
    raise SystemExit(f"unknown collection {name!r}: cranfield or reuters-topics")


# ---------------------------------------------------------------- main


def build_rankers(names: list[str], docs: list[dict], work: Path,
                  settings: tuple[str, ...] = ("shipped",)):
    """name -> (label, rank function) for the engines asked for (searchkit once per settings)."""
    out = {}
    for name in names:
        t0 = time.perf_counter()
        if name == "searchkit":
            rank = searchkit_ranker(docs, work)
            for setting in settings:
                out[f"searchkit:{setting}"] = (
                    f"searchkit (match any, {setting} settings)",
                    rank if setting == "shipped" else with_settings(rank, SETTINGS[setting]))
        elif name == "fts5":
            out[name] = ("SQLite FTS5 (porter, bm25)", peers.fts5_ranker(docs, work / "cran.db"))
        elif name == "tantivy":
            out[name] = ("tantivy (en_stem)", peers.tantivy_ranker(docs, work / "tv"))
        elif name == "bm25s":
            rank, label = peers.bm25s_ranker(docs)
            out[name] = (label, rank)
        else:
            raise SystemExit(f"unknown engine {name!r}")
        print(f"  built {name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return out


def with_settings(rank, knobs: dict):
    """A rank function that applies query-time knobs around every call."""
    def ranked(text: str, k: int) -> list[str]:
        with query_settings(**knobs):
            return rank(text, k)
    return ranked


def print_table(rows: list[tuple[str, dict]]) -> None:
    """Print the metrics table in Markdown."""
    print("| engine | nDCG@10 (graded) | nDCG@10 (binary) | MAP@100 | ms/query |")
    print("|---|---:|---:|---:|---:|")
    for label, m in rows:
        print(f"| {label} | {m['ndcg10']:.4f} | {m['ndcg10_bin']:.4f} | {m['map']:.4f} | {m['ms']:.1f} |")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="searchkit,fts5,tantivy,bm25s")
    ap.add_argument("--depth", type=int, default=100, help="documents retrieved per query")
    ap.add_argument("--tune", action="store_true", help="grid over searchkit settings instead")
    ap.add_argument("--collection", default="cranfield", choices=("cranfield", "reuters-topics"))
    ap.add_argument("--settings", default="shipped",
                    help="comma-separated searchkit query-time settings, from: "
                         + ", ".join(SETTINGS) + " (shipped = the code as it is)")
    args = ap.parse_args(argv)
    self_check()
    docs, queries, qrels = load_collection(args.collection)
    print(f"{args.collection}: {len(docs)} docs, {len(queries)} queries, "
          f"{sum(len(v) for v in qrels.values())} positive judgements", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_ranking_") as tmp:
        if args.tune:
            return tune(docs, queries, qrels, args.depth, Path(tmp))
        settings = tuple(args.settings.split(","))
        unknown = [x for x in settings if x not in SETTINGS]
        if unknown:
            raise SystemExit(f"unknown --settings {unknown[0]!r}: choose from {', '.join(SETTINGS)}")
        rankers = build_rankers(args.engines.split(","), docs, Path(tmp), settings)
        rows = [(label, evaluate(rank, queries, qrels, args.depth)) for label, rank in rankers.values()]
    print_table(rows)


if __name__ == "__main__":
    main()
