"""Ranking quality on Cranfield (issue 3): nDCG@10 and MAP for searchkit and its peers.

    python benchmarks/bench_ranking.py [--engines searchkit,fts5,tantivy,bm25s] [--depth 100]

Every engine gets the same query words (lower-cased alphanumeric runs of the query, so no
engine sees query-language operators) and an OR query ("match any"), and returns its top
`depth` documents. Metrics:
- nDCG@10 with graded linear gain: Cleverdon grade 1 (complete answer) -> gain 4, 2 -> 3,
  3 -> 2, 4 -> 1, unjudged or -1 -> 0; discount log2(rank + 1); ideal from all judged docs.
- MAP: binary (grades 1-4 relevant), average precision over the top `depth`, divided by all
  relevant documents of the query, averaged over the 225 queries.
- nDCG@10 binary is printed as well for readers who compare with binary-gain papers.
Prints a table; asserts nothing about quality beyond the metric self-check.
"""
from __future__ import annotations

import argparse
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


def searchkit_ranker(docs: list[dict], work: Path):
    """Index the abstracts with searchkit (extract=False) and rank with match="any"."""
    import searchkit

    jsonl = peers.write_jsonl(docs, work / "cranfield.jsonl")
    searchkit.index_paths([str(jsonl)], index_dir=str(work / "sk"), extract=False, rebuild=True)
    ix = searchkit.open_index(str(work / "sk"))

    def rank(text: str, k: int) -> list[str]:
        res = ix.search(" ".join(peers.words(text)), match="any", limit=k, facets=())
        return [h.id for h in res.hits]

    return rank


# ---------------------------------------------------------------- main


def build_rankers(names: list[str], docs: list[dict], work: Path):
    """name -> (label, rank function) for the engines asked for."""
    out = {}
    for name in names:
        t0 = time.perf_counter()
        if name == "searchkit":
            out[name] = ("searchkit (match any)", searchkit_ranker(docs, work))
        elif name == "fts5":
            out[name] = ("SQLite FTS5 (porter, bm25)", peers.fts5_ranker(docs, work / "cran.db"))
        elif name == "tantivy":
            out[name] = ("tantivy (en_stem)", peers.tantivy_ranker(docs, work / "tv"))
        elif name == "bm25s":
            rank, label = peers.bm25s_ranker(docs)
            out[name] = (label, rank)
        else:
            raise SystemExit(f"unknown engine {name!r}")
        print(f"  built {name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


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
    args = ap.parse_args(argv)
    self_check()
    docs = peers.cranfield_docs()
    queries = peers.cranfield_queries()
    qrels = peers.cranfield_qrels()
    print(f"Cranfield: {len(docs)} docs, {len(queries)} queries, "
          f"{sum(len(v) for v in qrels.values())} positive judgements", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench_ranking_") as tmp:
        rankers = build_rankers(args.engines.split(","), docs, Path(tmp))
        rows = [(label, evaluate(rank, queries, qrels, args.depth)) for label, rank in rankers.values()]
    print_table(rows)


if __name__ == "__main__":
    main()
