"""Boilerplate passages: share of text flagged, top passages, speed, precision/recall on labels.

    python benchmarks/bench_boilerplate.py report [--corpus ukraine_war bbc reuters21578 wikinews_crisis] [--top 25]
    python benchmarks/bench_boilerplate.py sample --out /tmp/to_label.jsonl     # blind sample to label
    python benchmarks/bench_boilerplate.py score                                 # against the labels
    python benchmarks/bench_boilerplate.py mlt [--corpus ukraine_war] [--terms 25]  # more-like-this terms

Every corpus is run as an indexing run would: pre-scan (observe every article, the group
being the article's near-duplicate cluster from resolve.duplicates, so copies count once),
then spans for every article. The source of an article is its `source` field (ukraine_war:
the GDELT source country; the others have one source each).

`sample` draws, per corpus, flagged passages and unflagged passages (from sources with some
boilerplate, or from all when none has any) at random (seed 10) and
writes them shuffled WITHOUT the flag, to be labelled blind (boilerplate or not). The labels
live in benchmarks/data/boilerplate_labels.jsonl (refs corpus:line + passage offsets, no
text); `score` joins them with the detector's flags and prints precision and recall.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from pathlib import Path


from searchkit.resolve.boilerplate import BoilerplateModel, normalise, passages
from searchkit.resolve.duplicates import DuplicateIndex, DuplicateSettings, signatures

from bench_duplicates import analyse, read_corpus, token_arrays   # same corpora, same analysis

LABELS = Path(__file__).resolve().parent / "data" / "boilerplate_labels.jsonl"
CORPORA = ["ukraine_war", "bbc", "reuters21578", "wikinews_crisis"]


def duplicate_groups(docs: list[dict]) -> list[str]:
    """Each article's near-duplicate cluster id (what the indexing run would pass as group)."""
    settings = DuplicateSettings.load()
    hashes, offsets = token_arrays(analyse([d["text"] for d in docs]), {})
    sigs = signatures(hashes, offsets, shingle=settings.shingle, num_perm=settings.num_perm,
                      seed=settings.seed)
    index = DuplicateIndex(settings)
    index.add([d["ref"] for d in docs], sigs)
    return [index.cluster_of(d["ref"]) for d in docs]


def run(docs: list[dict], groups: list[str] | None):
    """Pre-scan then spans: (model, spans per doc, observe seconds, spans seconds)."""
    model = BoilerplateModel()
    t0 = time.perf_counter()
    for i, d in enumerate(docs):
        model.observe(d["source"], d["text"], group=groups[i] if groups else None)
    t1 = time.perf_counter()
    spans = [model.spans(d["source"], d["text"]) for d in docs]
    return model, spans, t1 - t0, time.perf_counter() - t1


def analysis_seconds(docs: list[dict]) -> float:
    from whoosh.analysis import StemmingAnalyzer
    analyzer = StemmingAnalyzer()
    t0 = time.perf_counter()
    for d in docs:
        for _ in analyzer(d["text"]):
            pass
    return time.perf_counter() - t0


def report(args) -> None:
    for name in args.corpus:
        docs = read_corpus(name)
        groups = duplicate_groups(docs)
        model, spans, t_obs, t_spans = run(docs, groups)
        t_an = analysis_seconds(docs)
        chars = sum(len(d["text"]) for d in docs)
        flagged = sum(e - s for sp in spans for s, e in sp)
        with_any = sum(1 for sp in spans if sp)
        n_passages = sum(len(passages(d["text"])) for d in docs)
        n_flagged = sum(len(sp) for sp in spans)
        print(f"\n## {name}: {len(docs)} articles, {len(model._articles)} sources")
        print(f"flagged: {flagged / chars:.2%} of characters, {n_flagged}/{n_passages} passages, "
              f"in {with_any} articles; observe {1e6 * t_obs / len(docs):.0f} us/article, "
              f"spans {1e6 * t_spans / len(docs):.0f} us/article; peer in the same run: whoosh "
              f"StemmingAnalyzer over the same texts {1e6 * t_an / len(docs):.0f} us/article")
        top: Counter = Counter()
        example: dict = {}
        for d, sp in zip(docs, spans):
            for s, e in sp:
                key = (d["source"], normalise(d["text"][s:e]))
                top[key] += 1
                example.setdefault(key, d["text"][s:e])
        print(f"| articles | source | passage (top {args.top}) |\n|---:|---|---|")
        for (source, key), n in top.most_common(args.top):
            print(f"| {n} | {source[-10:]} | {example[(source, key)][:110]!r} |")


def sample(args) -> None:
    """Blind sample: flagged passages and unflagged lines, shuffled, flags not written."""
    rng = random.Random(10)
    rows = []
    for name, n_flagged, n_plain in (("ukraine_war", 60, 120), ("wikinews_crisis", 20, 40),
                                     ("bbc", 30, 40), ("reuters21578", 30, 40)):
        docs = read_corpus(name)
        _, spans, _, _ = run(docs, duplicate_groups(docs))
        flagged, plain = [], []
        sources_with_bp = {d["source"] for d, sp in zip(docs, spans) if sp}
        for d, sp in zip(docs, spans):
            marked = set(sp)
            for s, e in passages(d["text"]):
                item = {"ref": d["ref"], "start": s, "end": e}
                if (s, e) in marked:
                    flagged.append(item)
                elif d["source"] in sources_with_bp or not sources_with_bp:
                    plain.append(item)
        rows += rng.sample(flagged, min(n_flagged, len(flagged)))
        rows += rng.sample(plain, min(n_plain, len(plain)))
    rng.shuffle(rows)
    Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} passages to label -> {args.out}")


def score(args) -> None:
    labels = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines()[1:] if x.strip()]
    by_corpus = defaultdict(list)
    for lab in labels:
        by_corpus[lab["ref"].split(":")[0]].append(lab)
    print("| corpus | flagged & boilerplate | flagged & not | unflagged & boilerplate | "
          "unflagged & not | precision | miss rate among unflagged | est. recall |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, labs in by_corpus.items():
        docs = read_corpus(name)
        _, spans, _, _ = run(docs, duplicate_groups(docs))
        flags = {(d["ref"], s, e) for d, sp in zip(docs, spans) for s, e in sp}
        total_flagged = len(flags)
        total_plain = sum(len(passages(d["text"])) for d in docs) - total_flagged
        cell = Counter((((lab["ref"], lab["start"], lab["end"]) in flags), lab["label"] == "boilerplate")
                       for lab in labs)
        tp, fp, fn, tn = cell[True, True], cell[True, False], cell[False, True], cell[False, False]
        precision = tp / max(1, tp + fp)
        miss = fn / max(1, fn + tn)
        est_tp, est_fn = total_flagged * precision, total_plain * miss
        recall = est_tp / max(1e-9, est_tp + est_fn)
        fmt = lambda v, ok: f"{v:.3f}" if ok else "n/a"   # noqa: E731
        print(f"| {name} | {tp} | {fp} | {fn} | {tn} | {fmt(precision, tp + fp)} | {miss:.3f} | "
              f"{fmt(recall, est_tp + est_fn)} |")


def mlt(args) -> None:
    """How many of an article's top tf-idf terms (the more-like-this query) come from boilerplate."""
    import math
    docs = read_corpus(args.corpus)
    _, spans, _, _ = run(docs, duplicate_groups(docs))
    from searchkit.resolve.boilerplate import blank
    raw = [Counter(toks) for toks in analyse([d["text"] for d in docs])]
    clean = [Counter(toks) for toks in analyse([blank(d["text"], sp) for d, sp in zip(docs, spans)])]
    df = Counter(t for c in raw for t in c)
    n = len(docs)
    affected = polluted_terms = 0
    for r, c in zip(raw, clean):
        top = sorted(r, key=lambda t: -(1 + math.log(r[t])) * math.log(n / df[t]))[:args.terms]
        only_boilerplate = [t for t in top if t not in c]
        affected += bool(only_boilerplate)
        polluted_terms += len(only_boilerplate)
    print(f"{args.corpus}: {affected}/{n} articles have top-{args.terms} tf-idf terms found only in "
          f"their boilerplate ({polluted_terms} terms in all); blanking removes them from the query")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report")
    r.add_argument("--corpus", nargs="+", default=CORPORA)
    r.add_argument("--top", type=int, default=25)
    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    sub.add_parser("score")
    m = sub.add_parser("mlt")
    m.add_argument("--corpus", default="ukraine_war")
    m.add_argument("--terms", type=int, default=25)
    args = ap.parse_args(argv)
    {"report": report, "sample": sample, "score": score, "mlt": mlt}[args.command](args)


if __name__ == "__main__":
    main()
