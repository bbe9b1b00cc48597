"""Extraction speed against a bare spaCy NER pass, cost per stage, memory per worker, output diff.

What `searchkit index` spends on NLP is `searchkit.extraction.extract_articles` (the store
is timed elsewhere). This script times, in one process and interleaved (`--repeat` rounds,
best of each is kept, so load from other processes hits both sides alike):

- the peer: the same model with only its `ner` pipe, `nlp.pipe(texts, batch_size=64)`;
- `extract_articles(articles, batch_size=64)`: two-stage parsing plus every rule;
- `extract_articles(..., full_parse=True)`: the full parse of every sentence plus every rule.

Each is timed in wall and in CPU seconds of this process; on a machine shared with other
jobs the CPU ratio is the steadier one.

Then the two-stage run stage by stage (tokenizer, senter, ner, choosing sentences, stage two
pipe by pipe, writing back, each rule family), the share of sentences stage two parses,
and with `--workers N` the resident memory (RSS) of each worker process. `--diff` compares
the Extractions of the two-stage and the full-parse runs article by article and prints
every difference; with `--same-boundaries` the other side parses every sentence with stage
one's boundaries (the oracle: a difference is a sentence `ParseNeeds` failed to choose).
Speeds are printed as wall and CPU seconds of this process.

    python benchmarks/bench_extract_speed.py                       # 300 BBC articles
    python benchmarks/bench_extract_speed.py --workers 2           # + memory per worker
    python benchmarks/bench_extract_speed.py --diff --n 300 --also ukraine_war:200
    python benchmarks/bench_extract_speed.py --no-speed --diff --same-boundaries --n 300

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
from itertools import islice
from pathlib import Path

from searchkit.extraction import extract_articles
from searchkit.models import Article

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
BATCH = 64


def read_articles(corpus: str, n: int) -> list[Article]:
    """The first `n` articles of a corpus under ../shared/data/news."""
    path = DATA / f"{corpus}.jsonl"
    if not path.exists():
        raise SystemExit(f"{path} is absent (the corpora live in ../shared/data)")
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in islice(handle, n)]
    return [Article(id=r["id"], text=r.get("text") or "", title=r.get("title") or "")
            for r in rows]


def bare_ner(model: str):
    """The peer: the same model with only its `ner` pipe."""
    import spacy

    full = spacy.load(model)
    return spacy.load(model, exclude=[p for p in full.component_names if p != "ner"])


def timed(run) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. CPU time of this process is what load from other
    processes disturbs least on a shared machine (the model's matrix code is single-threaded
    here: BLIS, no torch), so ratios are given in both."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def compare_speed(articles: list[Article], repeat: int) -> dict[str, tuple[float, float]]:
    """Best-of-`repeat` (wall, CPU) seconds of the peer and both extraction modes,
    interleaved."""
    from searchkit.extraction.pipeline import load_nlp

    nlp = load_nlp()
    peer = bare_ner(nlp.meta["lang"] + "_" + nlp.meta["name"])
    texts = [a.text for a in articles]
    list(extract_articles(articles[:5]))  # load rules and caches outside the timing
    runs = {
        "bare NER pass (peer)": lambda: list(peer.pipe(texts, batch_size=BATCH)),
        "extract_articles (two-stage)": lambda: list(extract_articles(articles,
                                                                      batch_size=BATCH)),
        "extract_articles (full parse)": lambda: list(extract_articles(
            articles, batch_size=BATCH, full_parse=True)),
    }
    best = {name: (float("inf"), float("inf")) for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            wall, cpu = timed(run)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def stage_costs(articles: list[Article]) -> tuple[dict[str, float], float]:
    """Seconds per stage of the two-stage run, and the share of sentences parsed."""
    from spacy.util import minibatch

    from searchkit.extraction.pipeline import get_extractor
    from searchkit.extraction.stages import _mend_boundaries

    extractor = get_extractor()
    two = extractor.two_stage
    nlp = two.nlp
    cost: dict[str, float] = {}

    def add(name, seconds):  # CPU seconds (see `timed`)
        cost[name] = cost.get(name, 0.0) + seconds

    chosen = total = 0
    docs_out = []
    for batch in minibatch([a.text for a in articles], BATCH):
        start = time.process_time()
        docs = [nlp.make_doc(t) for t in batch]
        add("tokenizer", time.process_time() - start)
        for name, proc in two.stage_one:
            start = time.process_time()
            docs = list(proc.pipe(docs, batch_size=BATCH))
            add(name, time.process_time() - start)
        start = time.process_time()
        for doc in docs:
            _mend_boundaries(doc)
        plans = [(doc, *two._plan(doc)) for doc in docs]
        add("choose sentences", time.process_time() - start)
        for doc, _tokens, real in plans:
            chosen += int(real.sum())
            total += len(doc)
        start = time.process_time()
        subs = [two._subdoc(doc, tokens) for doc, tokens, _real in plans if len(tokens)]
        add("build stage-two docs", time.process_time() - start)
        for name, proc in two.stage_two:
            start = time.process_time()
            subs = list(proc.pipe(subs, batch_size=BATCH))
            add(f"stage two: {name}", time.process_time() - start)
        start = time.process_time()
        parsed = iter(subs)
        for doc, tokens, real in plans:
            if len(tokens):
                two._write_back(doc, tokens, real, next(parsed))
        add("write back", time.process_time() - start)
        docs_out.extend(docs)
    for name in ("entities", "amounts", "events"):
        finder = getattr(extractor, name)
        start = time.process_time()
        for doc in docs_out:
            finder(doc)
        add(f"rules: {name}", time.process_time() - start)
    return cost, chosen / max(total, 1)


def worker_memory(articles: list[Article], workers: int) -> list[float]:
    """Peak resident memory (MB) of each worker process over one extraction run."""
    peaks: dict[int, float] = {}
    done = threading.Event()
    me = os.getpid()

    def poll():
        while not done.is_set():
            for pid in _children(me):
                peaks[pid] = max(peaks.get(pid, 0.0), _rss_mb(pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    list(extract_articles(articles, batch_size=BATCH, n_process=workers))
    done.set()
    watcher.join()
    return sorted(peaks.values())


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def every_sentence_parsed(articles: list[Article]):
    """(article, Extraction) with stage two run on every sentence: the two-stage output's
    oracle (same sentence boundaries, so any difference is a sentence ParseNeeds missed)."""
    from searchkit.extraction.pipeline import get_extractor
    from searchkit.extraction.stages import TwoStageParser

    extractor = get_extractor()
    every = TwoStageParser(extractor.nlp, lambda doc: [True] * len(list(doc.sents)))
    limit = extractor.nlp.max_length
    docs = every.pipe([a.text[:limit] for a in articles], batch_size=BATCH)
    titles = extractor.parse_titles([a.title for a in articles], batch_size=BATCH)
    for article, doc, title in zip(articles, docs, titles):
        yield article, extractor(doc, title=title, date=article.date)


def diff_outputs(articles: list[Article], *, oracle: bool = False) -> int:
    """Print every difference between two-stage and full-parse Extractions (with `oracle`:
    every sentence parsed, same boundaries); count the articles that differ."""
    two = extract_articles(articles, batch_size=BATCH)
    full = every_sentence_parsed(articles) if oracle else \
        extract_articles(articles, batch_size=BATCH, full_parse=True)
    differing = 0
    for (article, a), (_same, b) in zip(two, full):
        lines = []
        for field in ("mentions", "amounts", "events"):
            only_two = set(getattr(a, field)) - set(getattr(b, field))
            only_full = set(getattr(b, field)) - set(getattr(a, field))
            for item in sorted(only_full, key=repr):
                lines.append(f"  full only   {field}: {_short(item)}")
            for item in sorted(only_two, key=repr):
                lines.append(f"  two-stage   {field}: {_short(item)}")
        if lines:
            differing += 1
            print(article.id)
            print("\n".join(lines))
    return differing


def _short(item) -> str:
    fields = {k: v for k, v in vars(item).items() if k not in ("lat", "lon")} \
        if hasattr(item, "__dict__") else item
    text = repr(fields)
    return text if len(text) < 240 else text[:237] + "..."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="bbc")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0,
                        help="also measure RSS per worker process with this many workers")
    parser.add_argument("--diff", action="store_true",
                        help="print differences between two-stage and full-parse output")
    parser.add_argument("--also", action="append", default=[], metavar="CORPUS:N",
                        help="more articles for --diff, e.g. ukraine_war:200")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--same-boundaries", action="store_true",
                        help="--diff against every sentence parsed with stage one's boundaries")
    args = parser.parse_args()
    articles = read_articles(args.corpus, args.n)
    chars = sum(len(a.text) for a in articles)
    print(f"{len(articles)} {args.corpus} articles, {chars:,} characters, batch {BATCH}, "
          f"one process, cpu count {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    if not args.no_speed:
        best = compare_speed(articles, args.repeat)
        peer_wall, peer_cpu = best["bare NER pass (peer)"]
        print(f"\n{'run (best of ' + str(args.repeat) + ')':<34} {'wall s':>7} {'x peer':>7} "
              f"{'CPU s':>7} {'x peer':>7}")
        for name, (wall, cpu) in best.items():
            print(f"{name:<34} {wall:7.2f} {wall / peer_wall:7.2f} {cpu:7.2f} "
                  f"{cpu / peer_cpu:7.2f}")
        cost, share = stage_costs(articles)
        print(f"\nstage by stage, CPU seconds (two-stage run; stage two parses {share:.0%} of "
              "tokens):")
        for name, seconds in cost.items():
            print(f"  {name:<30} {seconds:7.2f} s  {seconds / peer_cpu:6.1%} of peer")
        print(f"  {'total':<30} {sum(cost.values()):7.2f} s")
    if args.workers:
        peaks = worker_memory(articles, args.workers)
        print(f"\nworkers={args.workers}: peak RSS per worker process (MB): "
              + ", ".join(f"{p:.0f}" for p in peaks))
    if args.diff:
        for spec in args.also:
            corpus, _, n = spec.partition(":")
            articles += read_articles(corpus, int(n or 100))
        differing = diff_outputs(articles, oracle=args.same_boundaries)
        other = "every-sentence" if args.same_boundaries else "full-parse"
        print(f"\n{differing} of {len(articles)} articles differ between two-stage and "
              f"{other} extraction")


if __name__ == "__main__":
    main()
