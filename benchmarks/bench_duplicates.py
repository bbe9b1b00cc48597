"""Near-duplicate folding: speed per article and precision/recall on hand-labelled pairs.

    python benchmarks/bench_duplicates.py speed [--corpus reuters21578 bbc] [--datasketch 2000]
    python benchmarks/bench_duplicates.py quality [--thresholds 0.3 0.4 0.5 0.6 0.7] [--blank-boilerplate]
    python benchmarks/bench_duplicates.py memory [--articles 200000] [--batch 3700]

`speed` analyses every text of each corpus with whoosh's StemmingAnalyzer (stemmed, stop
words dropped: what the indexing run hands over), then times separately (a) hashing the
tokens (`hash_tokens`, each distinct token hashed once), (b) `signatures` for the whole
corpus in batches of 1,000 and (c) `DuplicateIndex.add` of those batches. Peer in the same
run: datasketch's MinHash (num_perm=64, one `update` per shingle) + MinHashLSH (same
threshold) on the first N documents.

`quality` reads benchmarks/data/duplicate_pairs.jsonl (pairs sampled by TF-IDF cosine bins
and labelled by reading them before the detector existed), indexes ukraine_war +
wikinews_crisis + bbc in file order, and reports, per threshold, precision and recall of
"folded into one cluster" against the label `same`. Recall is weighted by each cosine bin's
population / sampled pairs (pairs below cosine 0.25 are assumed never `same`).

`memory` grows one index as a 200k-article build does (keys of 20 characters, random
signatures of which a tenth copy 48 of 64 slots of an earlier article, batches of a
commit's size) and prints the process's RSS growth per article and the clusters found.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from searchkit.resolve.duplicates import (DuplicateIndex, DuplicateSettings, estimated_jaccard,
                                          hash_tokens, signatures)

NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
PAIRS = Path(__file__).resolve().parent / "data" / "duplicate_pairs.jsonl"
BATCH = 1000


def read_corpus(name: str) -> list[dict]:
    """Records with text, as `{ref, id, source, text}`; ref = corpus:line (ids may repeat)."""
    out = []
    with open(NEWS / f"{name}.jsonl", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            rec = json.loads(line)
            if (rec.get("text") or "").strip():
                out.append({"ref": f"{name}:{line_no}", "id": rec.get("id"),
                            "source": rec.get("source") or "", "text": rec["text"]})
    return out


def analyse(texts: list[str]) -> list[list[str]]:
    from whoosh.analysis import StemmingAnalyzer
    analyzer = StemmingAnalyzer()
    return [[t.text for t in analyzer(text)] for text in texts]


def token_arrays(token_lists: list[list[str]], cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """All documents' token hashes concatenated, and the offsets where each document starts."""
    lengths = [len(toks) for toks in token_lists]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = [t for toks in token_lists for t in toks]
    return hash_tokens(flat, cache), offsets


def fold_corpus(token_lists: list[list[str]], keys: list[str], settings: DuplicateSettings):
    """Index every document in order, in batches; return the index and per-phase seconds."""
    cache: dict = {}
    t0 = time.perf_counter()
    hashes, offsets = token_arrays(token_lists, cache)
    t_hash = time.perf_counter() - t0
    index = DuplicateIndex(settings)
    t_sig = t_add = 0.0
    for lo in range(0, len(keys), BATCH):
        hi = min(lo + BATCH, len(keys))
        part = offsets[lo:hi + 1] - offsets[lo]
        t0 = time.perf_counter()
        sigs = signatures(hashes[offsets[lo]:offsets[hi]], part, shingle=settings.shingle,
                          num_perm=settings.num_perm, seed=settings.seed)
        t1 = time.perf_counter()
        index.add(keys[lo:hi], sigs)
        t_sig += t1 - t0
        t_add += time.perf_counter() - t1
    return index, {"hash": t_hash, "signatures": t_sig, "add": t_add}


def datasketch_run(token_lists: list[list[str]], settings: DuplicateSettings) -> float:
    from datasketch import MinHash, MinHashLSH
    k = settings.shingle
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.num_perm)
    t0 = time.perf_counter()
    for i, toks in enumerate(token_lists):
        m = MinHash(num_perm=settings.num_perm, seed=settings.seed)
        shingles = {" ".join(toks[j:j + k]) for j in range(max(1, len(toks) - k + 1))}
        m.update_batch([s.encode("utf-8") for s in shingles])
        lsh.query(m)
        lsh.insert(str(i), m)
    return time.perf_counter() - t0


def speed(args) -> None:
    settings = DuplicateSettings.load()
    print(f"settings: {settings}")
    print("| corpus | docs | tokens/doc | analysis (us/doc, lead's) | token hashing (us/doc) "
          "| signatures (us/doc) | LSH add (us/doc) | sig+LSH (us/doc) | clusters >1 | "
          f"datasketch MinHash+LSH (us/doc, first {args.datasketch}) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.corpus:
        docs = read_corpus(name)
        t0 = time.perf_counter()
        token_lists = analyse([d["text"] for d in docs])
        t_an = time.perf_counter() - t0
        keys = [d["ref"] for d in docs]
        best = None
        for _ in range(args.repeat):          # best of N: the machine is shared
            index, times = fold_corpus(token_lists, keys, settings)
            if best is None or times["signatures"] + times["add"] < best["signatures"] + best["add"]:
                best = times
        n = len(docs)
        peer = datasketch_run(token_lists[:args.datasketch], settings) if args.datasketch else 0.0
        us = lambda s, count=n: 1e6 * s / max(1, count)   # noqa: E731
        print(f"| {name} | {n} | {sum(map(len, token_lists)) / n:.0f} | {us(t_an):.0f} | "
              f"{us(best['hash']):.1f} | {us(best['signatures']):.1f} | {us(best['add']):.1f} | "
              f"**{us(best['signatures'] + best['add']):.1f}** | {len(index.clusters())} | "
              f"{us(peer, min(n, args.datasketch)):.0f} |")


def read_pairs() -> tuple[dict, list[dict]]:
    lines = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[0], lines[1:]


def blanked_texts(docs: list[dict]) -> list[str]:
    """Texts with their source's boilerplate blanked (pre-scan of these same articles)."""
    from searchkit.resolve.boilerplate import BoilerplateModel, blank
    model = BoilerplateModel()
    for d in docs:
        model.observe(d["source"], d["text"])
    return [blank(d["text"], model.spans(d["source"], d["text"])) for d in docs]


def quality(args) -> None:
    meta, pairs = read_pairs()
    docs = [d for name in ("ukraine_war", "wikinews_crisis", "bbc") for d in read_corpus(name)]
    texts = blanked_texts(docs) if args.blank_boilerplate else [d["text"] for d in docs]
    token_lists = analyse(texts)
    keys = [d["ref"] for d in docs]
    base = DuplicateSettings.load()
    hashes, offsets = token_arrays(token_lists, {})
    sigs = signatures(hashes, offsets, shingle=base.shingle, num_perm=base.num_perm, seed=base.seed)
    row = {k: i for i, k in enumerate(keys)}
    sampled = Counter(p["bin"] for p in pairs)
    weight = {b: meta["populations"][b] / sampled[b] for b in sampled}
    print(f"{len(pairs)} labelled pairs: {dict(Counter(p['label'] for p in pairs))}; "
          f"{meta['exact_identical_pairs_left_out']} pairs of identical texts left out of sampling")
    print("\nestimated Jaccard (3-shingles, 64 slots) by label:")
    by_label = defaultdict(list)
    for p in pairs:
        by_label[p["label"]].append(float(estimated_jaccard(sigs[row[p["a"]]], sigs[row[p["b"]]])))
    for label, values in sorted(by_label.items()):
        print(f"  {label:9s} n={len(values):3d}  " + " ".join(f"{v:.2f}" for v in sorted(values)))
    print("\n| threshold | folded pairs | TP | FP | FN | precision | recall (sample) | "
          "recall (bin-weighted) | identical-text pairs folded |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for threshold in args.thresholds:
        settings = DuplicateSettings(**{**base.__dict__, "threshold": threshold})
        index, _ = fold_corpus(token_lists, keys, settings)
        tp = fp = fn = 0
        w_tp = w_fn = 0.0
        for p in pairs:
            folded = index.cluster_of(p["a"]) == index.cluster_of(p["b"])
            same = p["label"] == "same"
            tp += folded and same
            fp += folded and not same
            fn += same and not folded
            w_tp += weight[p["bin"]] * (folded and same)
            w_fn += weight[p["bin"]] * (same and not folded)
        identical = identical_pairs_folded(docs, index)
        print(f"| {threshold} | {tp + fp} | {tp} | {fp} | {fn} | {tp / max(1, tp + fp):.3f} | "
              f"{tp / max(1, tp + fn):.3f} | {w_tp / max(1e-9, w_tp + w_fn):.3f} | {identical} |")
    if args.show_errors:
        settings = DuplicateSettings(**{**base.__dict__, "threshold": args.show_errors})
        index, _ = fold_corpus(token_lists, keys, settings)
        for p in pairs:
            folded = index.cluster_of(p["a"]) == index.cluster_of(p["b"])
            if folded != (p["label"] == "same"):
                j = float(estimated_jaccard(sigs[row[p["a"]]], sigs[row[p["b"]]]))
                print(f"  {'FP' if folded else 'FN'} J~{j:.2f} cos={p['cosine']} {p['a']} {p['b']}: {p['note']}")


def identical_pairs_folded(docs: list[dict], index: DuplicateIndex) -> str:
    groups = defaultdict(list)
    for d in docs:
        groups[d["text"]].append(d["ref"])
    total = folded = 0
    for refs in groups.values():
        for i in range(len(refs)):
            for j in range(i + 1, len(refs)):
                total += 1
                folded += index.cluster_of(refs[i]) == index.cluster_of(refs[j])
    return f"{folded}/{total}"


def memory(args) -> None:
    import psutil

    process, rng = psutil.Process(), np.random.default_rng(1)
    n, num_perm = args.articles, DuplicateSettings.load().num_perm
    stored = np.empty((n, num_perm), np.uint32)
    stored.fill(0)  # touched now, so the growth below is the index's own
    base = process.memory_info().rss
    index, peak, started = DuplicateIndex(), 0, time.process_time()
    for first in range(0, n, args.batch):
        size = min(args.batch, n - first)
        sigs = rng.integers(0, 2**32 - 1, size=(size, num_perm), dtype=np.uint32)
        if first:
            copies = sigs[::10]
            copies[:, :48] = stored[rng.integers(0, first, size=len(copies)), :48]
        stored[first:first + size] = sigs
        index.add([f"reuters-{i:08d}-copy{i % 5}" for i in range(first, first + size)], sigs)
        peak = max(peak, process.memory_info().rss)
    grown = process.memory_info().rss - base
    print(f"{n:,} articles in batches of {args.batch:,}: RSS +{grown / 1e6:.0f} MB "
          f"({grown / n:.0f} bytes an article; peak +{(peak - base) / 1e6:.0f} MB), "
          f"{len(index.clusters()):,} clusters, CPU {time.process_time() - started:.1f} s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--corpus", nargs="+", default=["reuters21578", "bbc"])
    sp.add_argument("--datasketch", type=int, default=2000, help="documents for the peer (0: skip)")
    sp.add_argument("--repeat", type=int, default=3)
    q = sub.add_parser("quality")
    q.add_argument("--thresholds", nargs="+", type=float, default=[0.3, 0.4, 0.5, 0.6, 0.7])
    q.add_argument("--show-errors", type=float, default=None, metavar="THRESHOLD")
    q.add_argument("--blank-boilerplate", action="store_true",
                   help="analyse the texts with their boilerplate passages blanked")
    m = sub.add_parser("memory")
    m.add_argument("--articles", type=int, default=200_000)
    m.add_argument("--batch", type=int, default=3700, help="articles a commit adds")
    args = ap.parse_args(argv)
    {"speed": speed, "quality": quality, "memory": memory}[args.command](args)


if __name__ == "__main__":
    main()
